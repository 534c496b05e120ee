// Copyright 2026 the iommulab authors. MIT license.
/**
 * The generic_pt KUnit harness (drivers/iommu/generic_pt/kunit_iommu.h),
 * shared by the `<fmt>_fmt_test`, `<fmt>_iommu_test` and `pt_faults` suites:
 * the per-format cfg parameters, `pt_kunit_priv_init` and the stub driver.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ_MSG,
  kunit_skip,
} from "../lib/kunit/mod.ts";
import { EOVERFLOW, errname } from "../lib/kernel/errno.ts";
import { get_random_u32 } from "../lib/kernel/random.ts";
import {
  ffs64,
  fls64,
  iommu_map,
  IOMMU_READ,
  IOMMU_WRITE,
  kunit_pt_ops,
  MASK,
  nr_secondary_pagetable,
  pt_iommu_init,
  pt_kunit_cfg,
  pt_kunit_driver_ops,
  type PtCommon,
  type PtFormat,
  PtIommu,
  type PtIommuCfg,
  type PtIommuInfo,
} from "../lib/pt/mod.ts";
import { pt_formats } from "../lib/pt/formats/mod.ts";

export { pt_formats };

/** `struct kunit_iommu_priv`. */
export interface KunitIommuPriv {
  /** The table (overlaid with the domain). */
  iommu: PtIommu;
  /** `common_from_iommu()`. */
  common: PtCommon;
  /** The cfg used. */
  cfg: PtIommuCfg;
  /** `get_info()` result. */
  info: PtIommuInfo;
  /** Smallest page size (lg2). */
  smallest_pgsz_lg2: number;
  /** Smallest page size. */
  smallest_pgsz: bigint;
  /** Largest page size (lg2). */
  largest_pgsz_lg2: number;
  /** `0x74a71445deadbeef mod 2^max_oasz`. */
  test_oa: bigint;
  /** Sizes below half the VA. */
  safe_pgsize_bitmap: bigint;
  /** Live table pages before init (leak check). */
  orig_nr_secondary_pagetable: number;
  /** The stub's top lock. */
  top_lock: object;
}

/** `KUNIT_CASE_FMT`'s generator: `<fmt>_cfg_<n>` over the cfg list. */
export function kunit_pt_gen_params_cfg(fmt: PtFormat) {
  const ids = fmt.kunit_fmt_cfgs.map((_, i) => i);
  return KUNIT_ARRAY_PARAM(ids, (i) => `${fmt.name}_cfg_${i}`);
}

/** `KUNIT_ASSERT_NO_ERRNO(test, ret)`. */
export function KUNIT_ASSERT_NO_ERRNO(test: Kunit, ret: number): void {
  KUNIT_ASSERT_EQ_MSG(test, ret, 0, `    errno ${errname(ret) ?? ret}`);
}

/** `KUNIT_ASSERT_NO_ERRNO_FN(test, fn, ret)`. */
export function KUNIT_ASSERT_NO_ERRNO_FN(
  test: Kunit,
  fn: string,
  ret: number,
): void {
  KUNIT_ASSERT_EQ_MSG(
    test,
    ret,
    0,
    `    errno ${errname(ret) ?? ret} from ${fn}`,
  );
}

/** `get_random_u64()`. */
export function get_random_u64(): bigint {
  return (BigInt(get_random_u32()) << 32n) | BigInt(get_random_u32());
}

/** `pt_kunit_priv_init(test, priv)`; 0 or -errno (skips on -EOVERFLOW). */
export function pt_kunit_priv_init(
  test: Kunit,
  fmt: PtFormat,
  priv: KunitIommuPriv,
): number {
  const cfg = pt_kunit_cfg(fmt, test.param_value as number);
  const iommu = new PtIommu(fmt);
  iommu.nid = -1;
  iommu.driver_ops = pt_kunit_driver_ops;
  iommu.iommu_device = { name: "pt_kunit_dev" };
  iommu.ops = kunit_pt_ops;
  const ret = pt_iommu_init(iommu, cfg, 0);
  if (ret) {
    if (ret === -EOVERFLOW) {
      kunit_skip(test, "This configuration cannot be tested on 32 bit");
    }
    return ret;
  }
  priv.iommu = iommu;
  priv.common = iommu.common;
  priv.cfg = cfg;
  priv.info = { pgsize_bitmap: 0n };
  iommu.pt_ops!.get_info(iommu, priv.info);
  const bm = priv.info.pgsize_bitmap;
  priv.smallest_pgsz_lg2 = ffs64(bm);
  priv.smallest_pgsz = 1n << BigInt(priv.smallest_pgsz_lg2);
  priv.largest_pgsz_lg2 = fls64(bm) - 1;
  priv.test_oa = 0x74a71445deadbeefn & MASK[priv.common.max_oasz_lg2]!;
  priv.safe_pgsize_bitmap = bm & MASK[priv.common.max_vasz_lg2 - 1]!;
  return 0;
}

/** A fresh priv (what `kunit_kzalloc` gives). */
export function new_priv(): KunitIommuPriv {
  return {
    orig_nr_secondary_pagetable: nr_secondary_pagetable(),
    top_lock: {},
  } as KunitIommuPriv;
}

/** `do_map()`: `iommu_map(READ | WRITE)` must succeed. */
export function do_map(
  test: Kunit,
  va: bigint,
  pa: bigint,
  len: bigint,
): void {
  const priv = test.priv as KunitIommuPriv;
  const ret = iommu_map(priv.iommu, va, pa, len, IOMMU_READ | IOMMU_WRITE, 0);
  KUNIT_ASSERT_NO_ERRNO_FN(test, "map_pages", ret);
}
