// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amdv1,
  iommu_iova_to_phys,
  iommu_map,
  IOMMU_PT_DOMAIN_OPS,
  iommu_put_pages_list,
  iommu_unmap,
  nr_secondary_pagetable,
  pt_compute_best_pgsize,
  pt_iommu_deinit,
  pt_iommu_init,
  type PtFormat,
  PtIommu,
  riscv_64,
  vtdss,
  x86_64,
} from "./mod.ts";

function make(fmt: PtFormat, i = 0): PtIommu {
  const t = new PtIommu(fmt);
  t.driver_ops = { change_top() {}, get_top_lock: () => ({}) };
  t.iommu_device = {};
  t.ops = {
    ...IOMMU_PT_DOMAIN_OPS,
    iotlb_sync(_d, g) {
      iommu_put_pages_list(g.freelist);
    },
  };
  const cfg = { ...fmt.kunit_fmt_cfgs[i]! };
  cfg.features |= fmt.PT_SUPPORTED_FEATURES & ~fmt.KUNIT_FMT_FEATURES;
  if (!cfg.hw_max_vasz_lg2) cfg.hw_max_vasz_lg2 = fmt.PT_MAX_VA_ADDRESS_LG2;
  if (!cfg.hw_max_oasz_lg2) cfg.hw_max_oasz_lg2 = fmt.max_oa_lg2(null);
  assert.equal(pt_iommu_init(t, cfg, 0), 0);
  return t;
}

Deno.test("amdv1 map / iova_to_phys / unmap, contiguous and 2M", () => {
  const before = nr_secondary_pagetable();
  const t = make(amdv1);
  assert.equal(t.pgsize_bitmap, 0x000fff7ffffff000n);
  assert.equal(iommu_map(t, 0x10000n, 0x30000n, 0x10000n, 3, 0), 0);
  assert.equal(iommu_iova_to_phys(t, 0x1f123n), 0x3f123n);
  assert.equal(iommu_map(t, 0x200000n, 0x400000n, 0x400000n, 3, 0), 0);
  assert.equal(iommu_iova_to_phys(t, 0x3fffffn), 0x5fffffn);
  assert.equal(iommu_map(t, 0x10000n, 0x30000n, 0x1000n, 3, 0), -98);
  // unmap of the first 4K of a 64K entry removes all of it
  assert.equal(iommu_unmap(t, 0x10000n, 0x1000n), 0x10000n);
  assert.equal(iommu_iova_to_phys(t, 0x1f123n), 0n);
  pt_iommu_deinit(t);
  assert.equal(nr_secondary_pagetable(), before);
});

Deno.test("amdv1 grows its top for a high VA", () => {
  const t = make(amdv1);
  assert.equal(t.common.top_of_table % 8, 2);
  assert.equal(iommu_map(t, 1n << 60n, 0x1000n, 0x1000n, 3, 0), 0);
  assert.equal(t.common.top_of_table % 8, 5);
  assert.equal(t.stats.change_top, 1);
  assert.equal(iommu_iova_to_phys(t, (1n << 60n) + 7n), 0x1007n);
  pt_iommu_deinit(t);
});

Deno.test("fixed-top formats reject VAs outside the table", () => {
  for (const fmt of [x86_64, vtdss, riscv_64]) {
    const t = make(fmt);
    assert.equal(iommu_map(t, 1n << 58n, 0n, 0x1000n, 3, 0), -34, fmt.name);
    pt_iommu_deinit(t);
  }
});

Deno.test("pt_compute_best_pgsize picks the largest aligned size", () => {
  const bm = 0x40201000n;
  assert.equal(pt_compute_best_pgsize(bm, 0n, (1n << 31n) - 1n, 0n), 30);
  assert.equal(pt_compute_best_pgsize(bm, 0x1000n, (1n << 31n) - 1n, 0n), 12);
  assert.equal(pt_compute_best_pgsize(bm, 0n, 0x1fffffn, 0x200000n), 21);
  assert.equal(pt_compute_best_pgsize(0n, 0n, 0xfffn, 0n), 0);
});

Deno.test("property: random map/unmap matches a VA->PA page model", () => {
  const seed = 0x5eed;
  for (const fmt of [amdv1, x86_64]) {
    const before = nr_secondary_pagetable();
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            map: fc.boolean(),
            page: fc.integer({ min: 0, max: 63 }),
            npages: fc.integer({ min: 1, max: 16 }),
            pa: fc.integer({ min: 0, max: 1 << 20 }),
          }),
          { maxLength: 40 },
        ),
        (ops) => {
          const t = make(fmt);
          const model = new Map<number, bigint>();
          const base = 0x40000000n;
          for (const op of ops) {
            const va = base + BigInt(op.page) * 0x1000n;
            const len = BigInt(op.npages) * 0x1000n;
            if (op.map) {
              // va ^ pa has bit 12 set: only 4K leaves (page-exact model)
              const pa = BigInt(2 * op.pa + ((op.page + 1) & 1)) * 0x1000n;
              let free = true;
              for (let i = 0; i < op.npages; i++) {
                if (model.has(op.page + i)) free = false;
              }
              const ret = iommu_map(t, va, pa, len, 3, 0);
              if (free) {
                assert.equal(ret, 0);
                for (let i = 0; i < op.npages; i++) {
                  model.set(op.page + i, pa + BigInt(i) * 0x1000n);
                }
              } else assert.equal(ret, -98);
            } else if (model.has(op.page)) {
              assert.equal(iommu_unmap(t, va, 0x1000n), 0x1000n);
              model.delete(op.page);
            }
          }
          for (let p = 0; p < 80; p++) {
            const got = iommu_iova_to_phys(t, base + BigInt(p) * 0x1000n + 5n);
            const want = model.get(p);
            assert.equal(got, want === undefined ? 0n : want + 5n);
          }
          pt_iommu_deinit(t);
        },
      ),
      { seed, numRuns: 60 },
    );
    assert.equal(nr_secondary_pagetable(), before, `leak in ${fmt.name}`);
  }
});
