// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  __free_pages,
  alloc_pages,
  global_node_page_state,
  iommu_alloc_pages_node_sz,
  iommu_free_pages,
  iommu_put_pages_list,
  kasan_check_page,
  NR_IOMMU_PAGES,
  NR_SECONDARY_PAGETABLE,
  page_alloc_reset_phys,
  page_owner_stats,
  pfn_to_page,
  phys_to_virt,
  virt_to_phys,
} from "./page_alloc.ts";
import { kernel_reset } from "./kernel.ts";
import { kernel_capture_reports } from "./report.ts";
import { fault_arm } from "./fault.ts";
import { GFP_KERNEL } from "./gfp.ts";

Deno.test("per-owner counters return to the start", () => {
  kernel_reset();
  const p = alloc_pages(GFP_KERNEL, 2, "pt")!;
  const q = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 2048, "pt")!;
  assert.equal(p.size, 16384);
  assert.equal(q.size, 2048);
  assert.equal(q.u64.length, 256);
  assert.equal(virt_to_phys(q) % 2048, 0);
  assert.equal(phys_to_virt(virt_to_phys(p)), p);
  assert.deepEqual(page_owner_stats("pt"), {
    live_allocs: 2,
    live_bytes: 18432,
    live_pages: 4.5,
    peak_bytes: 18432,
    total_allocs: 2,
    total_frees: 0,
    failed_allocs: 0,
  });
  __free_pages(p, 2);
  iommu_free_pages(q);
  assert.equal(page_owner_stats("pt").live_bytes, 0);
  assert.equal(phys_to_virt(virt_to_phys(p)), null);
});

Deno.test("deterministic physical addresses after reset", () => {
  kernel_reset();
  const a = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 4096)!.phys;
  kernel_reset();
  assert.equal(iommu_alloc_pages_node_sz(0, GFP_KERNEL, 4096)!.phys, a);
});

Deno.test("double free and use-after-free of a block are reported; memory is poisoned", () => {
  kernel_reset();
  const p = alloc_pages(GFP_KERNEL, 0)!;
  p.u64[0] = 1n;
  __free_pages(p, 0);
  assert.equal(p.u64[0], 0x6b6b6b6b6b6b6b6bn);
  const reps = kernel_capture_reports(() => {
    kasan_check_page(p, "walk");
    __free_pages(p, 0);
  });
  assert.deepEqual(reps.map((r) => r.kind), ["use-after-free", "double-free"]);
  assert.match(reps[0]!.alloc_site!, /page_alloc_test\.ts:\d+$/);
});

Deno.test("page.alloc fault and bad arguments", () => {
  kernel_reset();
  fault_arm("page.alloc", { fail_nth: 2, verbose: 0 });
  const a = alloc_pages(GFP_KERNEL, 0, "x");
  assert.equal(alloc_pages(GFP_KERNEL, 0, "x"), null);
  assert.equal(page_owner_stats("x").failed_allocs, 1);
  __free_pages(a, 0);
  assert.throws(
    () => alloc_pages(GFP_KERNEL, -1),
    (e: Error) => e instanceof RangeError && /-1/.test(e.message),
  );
  assert.throws(() => iommu_alloc_pages_node_sz(0, GFP_KERNEL, 0), RangeError);
  assert.throws(() => iommu_free_pages({} as never), TypeError);
  kernel_reset();
});

Deno.test("pfn_to_page finds every frame of a block, freed ones marked", () => {
  kernel_reset();
  const p = alloc_pages(GFP_KERNEL, 1, "x")!;
  const sub = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 512, "x")!;
  assert.equal(p.pfn, p.phys / 4096);
  assert.equal(pfn_to_page(p.pfn), p);
  assert.equal(pfn_to_page(p.pfn + 1), p);
  assert.equal(pfn_to_page(sub.pfn), null);
  assert.equal(pfn_to_page(0), null);
  assert.equal(pfn_to_page(p.pfn + 1000), null);
  p.u64[1] = 0x1122334455667788n;
  assert.deepEqual([p.u32[2], p.u32[3]], [0x55667788, 0x11223344]);
  __free_pages(p, 1);
  assert.equal(pfn_to_page(p.pfn), p);
  assert.equal(pfn_to_page(p.pfn)!.freed, true);
  // A freed frame is only reused for a block of the same size
  const q = alloc_pages(GFP_KERNEL, 1, "x")!;
  assert.equal(q.phys, p.phys);
  assert.equal(pfn_to_page(q.pfn), q);
  __free_pages(q, 1);
  iommu_free_pages(sub);
  assert.equal(page_alloc_reset_phys(), true);
  assert.equal(pfn_to_page(p.pfn), null);
});

Deno.test("iommu-pages node counters count whole pages", () => {
  kernel_reset();
  const a = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 4096, "pt")!;
  const b = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 16384, "pt")!;
  const c = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 2048, "pt")!;
  const d = alloc_pages(GFP_KERNEL, 0, "pt")!;
  assert.equal(global_node_page_state(NR_SECONDARY_PAGETABLE), 6);
  assert.equal(global_node_page_state(NR_IOMMU_PAGES), 6);
  const list = [a, b];
  iommu_put_pages_list(list);
  assert.equal(list.length, 0);
  assert.equal(global_node_page_state(NR_SECONDARY_PAGETABLE), 1);
  iommu_free_pages(c);
  __free_pages(d, 0);
  assert.equal(global_node_page_state(NR_SECONDARY_PAGETABLE), 0);
  assert.equal(global_node_page_state(NR_IOMMU_PAGES), 0);
  assert.throws(() => global_node_page_state(7), RangeError);
});
