// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  __free_pages,
  alloc_pages,
  iommu_alloc_pages_node_sz,
  iommu_free_pages,
  kasan_check_page,
  page_owner_stats,
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
