// Copyright 2026 the iommulab authors. MIT license.
/**
 * What the generic_pt KUnit harness (drivers/iommu/generic_pt/kunit_iommu.h)
 * sets a table up with, shared by the KUnit suites, the scenario subjects,
 * the experiments and the unit tests: the completed kunit cfg, the stub
 * driver and the domain ops whose `iotlb_sync` frees the gathered tables.
 *
 * @module
 */
import { iommu_put_pages_list } from "../kernel/page_alloc.ts";
import type { PtFormat, PtIommuCfg } from "./format.ts";
import type { IommuDomainOps } from "./iommu.ts";
import {
  IOMMU_PT_DOMAIN_OPS,
  type PtIommu,
  type PtIommuDriverOps,
} from "./iommu_pt.ts";

/**
 * The cfg of `pt_kunit_priv_init()`: `fmt.kunit_fmt_cfgs[index]` with the
 * features the cfg list does not control switched on and the hardware VA
 * and OA sizes defaulted to the format's. Throws `RangeError` for a cfg the
 * format does not have.
 */
export function pt_kunit_cfg(fmt: PtFormat, index: number): PtIommuCfg {
  const base = fmt.kunit_fmt_cfgs[index];
  if (base === undefined) {
    throw new RangeError(
      `${fmt.name} has no kunit cfg ${index} (it has ${fmt.kunit_fmt_cfgs.length})`,
    );
  }
  const cfg: PtIommuCfg = { ...base };
  // Features the cfg list does not control default to on
  cfg.features |= fmt.PT_SUPPORTED_FEATURES & ~fmt.KUNIT_FMT_FEATURES;
  if (!cfg.hw_max_vasz_lg2) cfg.hw_max_vasz_lg2 = fmt.PT_MAX_VA_ADDRESS_LG2;
  if (!cfg.hw_max_oasz_lg2) cfg.hw_max_oasz_lg2 = fmt.max_oa_lg2(null);
  return cfg;
}

/** `kunit_pt_ops`: `IOMMU_PT_DOMAIN_OPS(fmt)` + `pt_kunit_iotlb_sync`. */
export const kunit_pt_ops: IommuDomainOps = {
  ...IOMMU_PT_DOMAIN_OPS,
  iotlb_sync(_domain, gather) {
    iommu_put_pages_list(gather.freelist);
  },
};

/** `pt_kunit_driver_ops`: change_top is a no-op, the lock is the table. */
export const pt_kunit_driver_ops: PtIommuDriverOps = {
  change_top() {},
  get_top_lock(iommu: PtIommu): object {
    return iommu;
  },
};
