// Copyright 2026 the iommulab authors. MIT license.
// A map or unmap run from a fault hook inside another map on the same table
// plays a second CPU: it has its own scratch, and the outer call sees its
// tables as the kernel's cmpxchg-based install would.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amdv1,
  iommu_iova_to_phys,
  iommu_map,
  iommu_unmap,
  kunit_pt_ops,
  nr_secondary_pagetable,
  pt_iommu_deinit,
  pt_iommu_init,
  pt_kunit_cfg,
  pt_kunit_driver_ops,
  pt_pages_of_owner,
  type PtFormat,
  PtIommu,
  riscv_64,
  vtdss,
  x86_64,
} from "./mod.ts";
import { fault_arm, fault_disarm } from "../kernel/mod.ts";

const EADDRINUSE = -98;
const PAGE = 0x1000n;
const BASE = 0x40000000n;

interface Paths {
  number_path: boolean;
  iommupt: boolean;
}

function make(fmt: PtFormat, paths: Paths): PtIommu {
  const t = new PtIommu(fmt);
  t.driver_ops = pt_kunit_driver_ops;
  t.iommu_device = {};
  t.ops = kunit_pt_ops;
  t.lab.number_path = paths.number_path;
  assert.equal(pt_iommu_init(t, pt_kunit_cfg(fmt, 0), 0), 0);
  // Cleared: the core takes the classic iommu_pgsize() + map_pages path
  t.is_iommupt = paths.iommupt;
  return t;
}

/** Runs `outer` with `hook` playing a second CPU at the first `point` hit. */
function with_racer(point: string, hook: () => void, outer: () => void) {
  let ran = false;
  fault_arm(point, {
    probability: 100,
    times: 1,
    verbose: 0,
    hook: () => {
      ran = true;
      hook();
    },
  });
  try {
    outer();
  } finally {
    fault_disarm(point);
  }
  return ran;
}

const PATHS: Paths[] = [
  { number_path: true, iommupt: true },
  { number_path: false, iommupt: true },
  { number_path: true, iommupt: false },
  { number_path: false, iommupt: false },
];

Deno.test("a map nested in pt.install_race wins the slot; the outer map uses its table", () => {
  for (const fmt of [amdv1, x86_64, vtdss, riscv_64]) {
    for (const paths of PATHS) {
      const what = `${fmt.name} ${JSON.stringify(paths)}`;
      const before = nr_secondary_pagetable();
      // The same two maps one after the other: the table pages they need
      const seq = make(fmt, paths);
      assert.equal(iommu_map(seq, BASE, 0x7000n, PAGE, 3, 0), 0);
      assert.equal(iommu_map(seq, BASE + PAGE, 0x9000n, PAGE, 3, 0), 0);
      const seq_pages = pt_pages_of_owner(seq);
      pt_iommu_deinit(seq);

      const t = make(fmt, paths);
      let inner = 1;
      const ran = with_racer(
        "pt.install_race",
        () => inner = iommu_map(t, BASE + PAGE, 0x9000n, PAGE, 3, 0),
        () => assert.equal(iommu_map(t, BASE, 0x7000n, PAGE, 3, 0), 0, what),
      );
      assert.ok(ran, what);
      assert.equal(inner, 0, what);
      // The outer lost its first install to the inner map and retried
      assert.equal(t.stats.install_races, 1, what);
      assert.equal(iommu_iova_to_phys(t, BASE + 0x123n), 0x7123n, what);
      assert.equal(iommu_iova_to_phys(t, BASE + PAGE + 5n), 0x9005n, what);
      // The loser's table went back: no more pages than the sequential maps
      assert.equal(pt_pages_of_owner(t), seq_pages, what);
      assert.equal(iommu_unmap(t, BASE, 2n * PAGE), 2n * PAGE, what);
      pt_iommu_deinit(t);
      assert.equal(nr_secondary_pagetable(), before, `leak: ${what}`);
    }
  }
});

Deno.test("an unmap nested in a table allocation of a map elsewhere", () => {
  for (const paths of PATHS) {
    const what = JSON.stringify(paths);
    const t = make(amdv1, paths);
    const far = BASE + 0x40000000n;
    assert.equal(iommu_map(t, far, 0x200000n, 0x200000n, 3, 0), 0);
    let unmapped = 0n;
    const ran = with_racer(
      "pt.table_alloc",
      () => unmapped = iommu_unmap(t, far, 0x200000n),
      () => assert.equal(iommu_map(t, BASE, 0x3000n, PAGE, 3, 0), 0, what),
    );
    assert.ok(ran, what);
    assert.equal(unmapped, 0x200000n, what);
    assert.equal(iommu_iova_to_phys(t, far), 0n, what);
    assert.equal(iommu_iova_to_phys(t, BASE + 8n), 0x3008n, what);
    pt_iommu_deinit(t);
  }
});

// Disjoint outer and inner ops commute: the result is the model with both
// applied, whichever fault point the inner one runs at.
Deno.test("property: nested map/unmap at table-allocation points matches a page model", () => {
  const op = fc.record({
    map: fc.boolean(),
    page: fc.integer({ min: 0, max: 63 }),
    npages: fc.integer({ min: 1, max: 8 }),
    pa: fc.integer({ min: 0, max: 1 << 16 }),
  });
  type Op = { map: boolean; page: number; npages: number; pa: number };
  const stats = { hooks: 0, races: 0 };
  for (const fmt of [amdv1, x86_64]) {
    for (const paths of PATHS) {
      const before = nr_secondary_pagetable();
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              outer: op,
              inner: op,
              point: fc.constantFrom(
                "pt.table_alloc",
                "pt.install_race",
                "page.alloc",
              ),
            }),
            { maxLength: 24 },
          ),
          (steps) => {
            const t = make(fmt, paths);
            const model = new Map<number, bigint>();
            const apply = (o: Op, ret: number | bigint) => {
              const va = BASE + BigInt(o.page) * PAGE;
              if (!o.map) {
                assert.equal(ret, model.has(o.page) ? PAGE : 0n, "unmap");
                model.delete(o.page);
                return;
              }
              let free = true;
              for (let i = 0; i < o.npages; i++) {
                if (model.has(o.page + i)) free = false;
              }
              assert.equal(ret, free ? 0 : EADDRINUSE, `map ${va}`);
              if (!free) return;
              for (let i = 0; i < o.npages; i++) {
                model.set(o.page + i, pa_of(o) + BigInt(i) * PAGE);
              }
            };
            const run = (o: Op): number | bigint => {
              const va = BASE + BigInt(o.page) * PAGE;
              if (!o.map) {
                return model.has(o.page) ? iommu_unmap(t, va, PAGE) : 0n;
              }
              return iommu_map(t, va, pa_of(o), BigInt(o.npages) * PAGE, 3, 0);
            };
            for (const s of steps) {
              const overlap = s.inner.page < s.outer.page + s.outer.npages &&
                s.outer.page < s.inner.page + s.inner.npages;
              let inner_ret: number | bigint = 0;
              let outer_ret: number | bigint = 0;
              const ran = with_racer(
                s.point,
                () => {
                  if (!overlap) inner_ret = run(s.inner);
                },
                () => outer_ret = run(s.outer),
              );
              if (ran && !overlap) {
                stats.hooks++;
                apply(s.inner, inner_ret);
              }
              apply(s.outer, outer_ret);
            }
            stats.races += t.stats.install_races;
            for (let p = 0; p < 72; p++) {
              const va = BASE + BigInt(p) * PAGE + 7n;
              const want = model.get(p);
              assert.equal(
                iommu_iova_to_phys(t, va),
                want === undefined ? 0n : want + 7n,
                `page ${p}`,
              );
            }
            pt_iommu_deinit(t);
          },
        ),
        { seed: 0x0c9, numRuns: 40 },
      );
      assert.equal(nr_secondary_pagetable(), before, `leak in ${fmt.name}`);
    }
  }
  // The property held because nested ops really ran, some winning a slot
  assert.ok(stats.hooks > 100, `only ${stats.hooks} nested ops ran`);
  assert.ok(stats.races > 10, `only ${stats.races} install races`);
});

// va ^ pa has bit 12 set: only 4K leaves, so the model is page-exact
function pa_of(o: { page: number; pa: number }): bigint {
  return BigInt(2 * o.pa + ((o.page + 1) & 1)) * PAGE;
}
