// Copyright 2026 the iommulab authors. MIT license.
/**
 * `pt_faults`: fault injection into the generic page table, for every
 * format and kunit cfg. Fail-nth sweeps of `pt.table_alloc` over a map, a
 * map that grows the top, and an unmap-then-remap; then the `pt.install_race`
 * and `pt.top_race` retry paths. After every iteration: no leaked table page,
 * `iova_to_phys` agrees with what `mapped` reported, and a second map of the
 * same range succeeds. The [2026] `map_range` op gets the same sweep over a
 * mixed-page-size range, and `iommu_map` is swept through both core paths
 * (`map_range` for an iommupt domain, `iommu_pgsize` + `map_pages` with
 * `is_iommupt` cleared): a failed map must leave nothing mapped.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_GT,
  KUNIT_ASSERT_TRUE,
  KUNIT_CASE_PARAM,
  kunit_skip,
  kunit_test_suite,
  type KunitCase,
} from "../lib/kunit/mod.ts";
import { fault_arm, fault_disarm } from "../lib/kernel/fault.ts";
import {
  iommu_iova_to_phys,
  iommu_map,
  IOMMU_PT_DOMAIN_OPS,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  nr_secondary_pagetable,
  PT_FEAT_DYNAMIC_TOP,
  pt_feature,
  pt_iommu_deinit,
  pt_top_get_level,
  pt_top_range,
  type PtFormat,
  type SizeRef,
} from "../lib/pt/mod.ts";
import {
  type KunitIommuPriv,
  new_priv,
  pt_formats,
  pt_kunit_priv_init,
} from "./_pt_kunit.ts";

const ENOMEM = 12;

interface Param {
  fmt: PtFormat;
  cfg: number;
}
const params: Param[] = pt_formats.flatMap((fmt) =>
  fmt.kunit_fmt_cfgs.map((_, cfg) => ({ fmt, cfg }))
);
const gen = KUNIT_ARRAY_PARAM(params, (p) => `${p.fmt.name}_cfg_${p.cfg}`);

/** A fresh table for the current parameter. */
function setup(test: Kunit): KunitIommuPriv {
  const p = test.param_value as Param;
  const priv = new_priv();
  const t = { ...test, param_value: p.cfg } as unknown as Kunit;
  const ret = pt_kunit_priv_init(t, p.fmt, priv);
  KUNIT_ASSERT_EQ(test, ret, 0);
  return priv;
}

function teardown(test: Kunit, priv: KunitIommuPriv): void {
  pt_iommu_deinit(priv.iommu);
  KUNIT_ASSERT_EQ(
    test,
    nr_secondary_pagetable(),
    priv.orig_nr_secondary_pagetable,
  );
}

/** map_pages through the ops with a `mapped` counter, like the core's loop. */
function map_once(
  priv: KunitIommuPriv,
  va: bigint,
  pa: bigint,
  len: bigint,
  mapped: SizeRef,
): number {
  // One map_pages call of smallest pages (no core unwinding), so that the
  // partial progress it reports can be checked against the table.
  return IOMMU_PT_DOMAIN_OPS.map_pages(
    priv.iommu,
    va,
    pa,
    priv.smallest_pgsz,
    len / priv.smallest_pgsz,
    IOMMU_READ | IOMMU_WRITE,
    0,
    mapped,
  );
}

/** [2026] One `ops->map_range` call (the core's unwinding left out). */
function map_range_once(
  priv: KunitIommuPriv,
  va: bigint,
  pa: bigint,
  len: bigint,
  mapped: SizeRef,
): number {
  return priv.iommu.pt_ops!.map_range(
    priv.iommu,
    va,
    pa,
    len,
    IOMMU_READ | IOMMU_WRITE,
    0,
    mapped,
  );
}

type MapFn = typeof map_once;

/** Runs `op` with the nth table allocation failing, n = 1, 2, ... */
function sweep(
  test: Kunit,
  va_of: (priv: KunitIommuPriv) => bigint,
  len: bigint,
  prepare: ((priv: KunitIommuPriv) => void) | null,
  map: MapFn = map_once,
  pa_of: (va: bigint) => bigint = () => 0x201000n,
): number {
  let n = 1;
  for (; n < 64; n++) {
    const priv = setup(test);
    const va = va_of(priv);
    const pa = pa_of(va);
    prepare?.(priv);
    fault_arm("pt.table_alloc", { fail_nth: n, verbose: 0 });
    const mapped = { value: 0n };
    const ret = map(priv, va, pa, len, mapped);
    fault_disarm("pt.table_alloc");
    // iova_to_phys agrees with what mapped reported
    const sp = priv.smallest_pgsz;
    // Outside the (not grown) table, iova_to_phys returns (u64)-ERANGE
    const last = pt_top_range(priv.common).last_va;
    for (let off = 0n; off < len; off += sp * 7n) {
      const hole = va + off > last ? (1n << 64n) - 34n : 0n;
      const want = off < mapped.value ? pa + off : hole;
      KUNIT_ASSERT_EQ(test, iommu_iova_to_phys(priv.iommu, va + off), want);
    }
    if (ret === 0) {
      KUNIT_ASSERT_EQ(test, mapped.value, len);
      teardown(test, priv);
      break;
    }
    KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
    // Unwind the prefix like the core, then a second map must succeed
    if (mapped.value) {
      KUNIT_ASSERT_EQ(
        test,
        iommu_unmap(priv.iommu, va, mapped.value),
        mapped.value,
      );
    }
    const again = { value: 0n };
    KUNIT_ASSERT_EQ(test, map(priv, va, pa, len, again), 0);
    KUNIT_ASSERT_EQ(test, again.value, len);
    KUNIT_ASSERT_EQ(
      test,
      iommu_iova_to_phys(priv.iommu, va + len - sp),
      pa + len - sp,
    );
    teardown(test, priv);
  }
  return n;
}

/** fail-nth over a map spanning two level-1 tables. */
function test_fail_nth_map(test: Kunit): void {
  const n = sweep(
    test,
    (p) =>
      pt_top_range(p.common).va + (1n << 30n) - (1n << 21n) - (1n << 12n) * 4n,
    1n << 22n,
    null,
  );
  KUNIT_ASSERT_GT(test, n, 1);
}

/** fail-nth over a map that must first grow the top (DYNAMIC_TOP). */
function test_fail_nth_map_grow(test: Kunit): void {
  const priv = setup(test);
  const grows = pt_feature(priv.common, PT_FEAT_DYNAMIC_TOP) &&
    priv.common.max_vasz_lg2 > pt_top_range(priv.common).max_vasz_lg2;
  teardown(test, priv);
  if (!grows) {
    kunit_skip(test, "PT_FEAT_DYNAMIC_TOP not set or no growth possible");
  }
  const n = sweep(
    test,
    (p) => pt_top_range(p.common).last_va + 1n,
    1n << 16n,
    null,
  );
  KUNIT_ASSERT_GT(test, n, 2);
}

/** fail-nth over a remap after an unmap that freed the lower tables. */
function test_fail_nth_unmap_remap(test: Kunit): void {
  const va_of = (p: KunitIommuPriv) => pt_top_range(p.common).va + (1n << 31n);
  const len = 1n << 22n;
  const n = sweep(test, va_of, len, (p) => {
    const m = { value: 0n };
    KUNIT_ASSERT_EQ(test, map_once(p, va_of(p), 0x201000n, len, m), 0);
    KUNIT_ASSERT_EQ(test, iommu_unmap(p.iommu, va_of(p), len), len);
  });
  KUNIT_ASSERT_GT(test, n, 1);
}

// 4K pages up to a 2M boundary, 2M pages, 4K pages, over two level-1 tables
// (va ^ pa is 2M aligned, so the sizes mix)
const mixed_va = (p: KunitIommuPriv) =>
  pt_top_range(p.common).va + (1n << 30n) - (1n << 21n) - (1n << 12n) * 3n;
const mixed_pa = (va: bigint) => (va & ((1n << 30n) - 1n)) + (1n << 32n);
const MIXED_LEN = (1n << 22n) + (1n << 12n) * 6n;

/** [2026] fail-nth over one map_range call of mixed page sizes. */
function test_fail_nth_map_range(test: Kunit): void {
  const n = sweep(test, mixed_va, MIXED_LEN, null, map_range_once, mixed_pa);
  KUNIT_ASSERT_GT(test, n, 1);
}

interface CoreParam extends Param {
  /** The core path: map_range (iommupt) or iommu_pgsize + map_pages. */
  op: "map_range" | "map_pages";
}
const core_params: CoreParam[] = params.flatMap((p) => [
  { ...p, op: "map_range" as const },
  { ...p, op: "map_pages" as const },
]);
const core_gen = KUNIT_ARRAY_PARAM(
  core_params,
  (p) => `${p.fmt.name}_cfg_${p.cfg}_${p.op}`,
);

/**
 * fail-nth over iommu_map of mixed page sizes through either core path: a
 * failed map is unwound by the core, so nothing stays mapped, and a second
 * map succeeds.
 */
function test_fail_nth_iommu_map(test: Kunit): void {
  const p = test.param_value as CoreParam;
  let n = 1;
  for (; n < 64; n++) {
    const priv = setup(test);
    priv.iommu.is_iommupt = p.op === "map_range";
    const va = mixed_va(priv);
    const pa = mixed_pa(va);
    const sp = priv.smallest_pgsz;
    fault_arm("pt.table_alloc", { fail_nth: n, verbose: 0 });
    const ret = iommu_map(
      priv.iommu,
      va,
      pa,
      MIXED_LEN,
      IOMMU_READ | IOMMU_WRITE,
      0,
    );
    fault_disarm("pt.table_alloc");
    if (ret === 0) {
      for (let off = 0n; off < MIXED_LEN; off += sp * 3n) {
        KUNIT_ASSERT_EQ(
          test,
          iommu_iova_to_phys(priv.iommu, va + off),
          pa + off,
        );
      }
      teardown(test, priv);
      break;
    }
    KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
    for (let off = 0n; off < MIXED_LEN; off += sp * 3n) {
      KUNIT_ASSERT_EQ(test, iommu_iova_to_phys(priv.iommu, va + off), 0n);
    }
    KUNIT_ASSERT_EQ(
      test,
      iommu_map(priv.iommu, va, pa, MIXED_LEN, IOMMU_READ | IOMMU_WRITE, 0),
      0,
    );
    KUNIT_ASSERT_EQ(
      test,
      iommu_iova_to_phys(priv.iommu, va + MIXED_LEN - sp),
      pa + MIXED_LEN - sp,
    );
    teardown(test, priv);
  }
  KUNIT_ASSERT_GT(test, n, 1);
}

/** pt.install_race: the map must use the racer's table and free its own. */
function test_install_race(test: Kunit): void {
  const priv = setup(test);
  const va = pt_top_range(priv.common).va + (1n << 30n);
  const before = nr_secondary_pagetable();
  fault_arm("pt.install_race", { fail_nth: 1, verbose: 0 });
  const m = { value: 0n };
  KUNIT_ASSERT_EQ(
    test,
    map_once(priv, va, 0x201000n, priv.smallest_pgsz, m),
    0,
  );
  fault_disarm("pt.install_race");
  KUNIT_ASSERT_EQ(test, priv.iommu.stats.install_races, 1);
  KUNIT_ASSERT_EQ(test, iommu_iova_to_phys(priv.iommu, va), 0x201000n);
  // Only the tables actually linked in remain: the loser's was freed
  const levels = pt_top_get_level(priv.common);
  KUNIT_ASSERT_TRUE(test, nr_secondary_pagetable() - before <= levels);
  teardown(test, priv);
}

/** pt.top_race: increase_top throws its levels away and retries. */
function test_top_race(test: Kunit): void {
  const priv = setup(test);
  const grows = pt_feature(priv.common, PT_FEAT_DYNAMIC_TOP) &&
    priv.common.max_vasz_lg2 > pt_top_range(priv.common).max_vasz_lg2;
  if (!grows) {
    teardown(test, priv);
    kunit_skip(test, "PT_FEAT_DYNAMIC_TOP not set or no growth possible");
  }
  const level = pt_top_get_level(priv.common);
  const va = pt_top_range(priv.common).last_va + 1n;
  fault_arm("pt.top_race", { fail_nth: 1, verbose: 0 });
  const m = { value: 0n };
  KUNIT_ASSERT_EQ(
    test,
    map_once(priv, va, 0x201000n, priv.smallest_pgsz, m),
    0,
  );
  fault_disarm("pt.top_race");
  KUNIT_ASSERT_EQ(test, priv.iommu.stats.top_races, 1);
  KUNIT_ASSERT_TRUE(test, pt_top_get_level(priv.common) > level);
  KUNIT_ASSERT_EQ(test, iommu_iova_to_phys(priv.iommu, va), 0x201000n);
  teardown(test, priv);
}

export default kunit_test_suite({
  name: "pt_faults",
  test_cases: [
    ...[
      test_fail_nth_map,
      test_fail_nth_map_grow,
      test_fail_nth_unmap_remap,
      test_fail_nth_map_range,
    ].map((fn) => KUNIT_CASE_PARAM(fn, gen) as KunitCase),
    KUNIT_CASE_PARAM(test_fail_nth_iommu_map, core_gen) as KunitCase,
    ...[test_install_race, test_top_race].map((fn) =>
      KUNIT_CASE_PARAM(fn, gen) as KunitCase
    ),
  ],
});
