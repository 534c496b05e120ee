// Copyright 2026 the iommulab authors. MIT license.
/**
 * Page tables for experiments: a format's KUnit configuration, set up as
 * `pt_kunit_priv_init()` does, with a driver whose `iotlb_sync` frees the
 * gathered table pages.
 *
 * @module
 */
import { BIT, iommu_put_pages_list } from "../kernel/mod.ts";
import {
  IOMMU_PT_DOMAIN_OPS,
  PT_FEAT_DMA_INCOHERENT,
  pt_iommu_init,
  type PtFormat,
  PtIommu,
  type PtIommuCfg,
} from "../pt/mod.ts";

/**
 * A table of `fmt` with `fmt.kunit_fmt_cfgs[cfgIndex]`. As in
 * `pt_kunit_priv_init()`, the features the cfg does not control are on,
 * except `PT_FEAT_DMA_INCOHERENT` (no fast path, a cache flush per table
 * write). Throws `RangeError` for a cfg the format does not have, and
 * `Error` when `pt_iommu_init` fails.
 */
export function createPtTable(fmt: PtFormat, cfgIndex = 0): PtIommu {
  const base = fmt.kunit_fmt_cfgs[cfgIndex];
  if (base === undefined) {
    throw new RangeError(
      `${fmt.name} has no kunit cfg ${cfgIndex} (it has ${fmt.kunit_fmt_cfgs.length})`,
    );
  }
  const cfg: PtIommuCfg = { ...base };
  cfg.features |= fmt.PT_SUPPORTED_FEATURES_RAW & ~fmt.KUNIT_FMT_FEATURES &
    ~BIT(PT_FEAT_DMA_INCOHERENT);
  if (!cfg.hw_max_vasz_lg2) cfg.hw_max_vasz_lg2 = fmt.PT_MAX_VA_ADDRESS_LG2;
  if (!cfg.hw_max_oasz_lg2) cfg.hw_max_oasz_lg2 = fmt.max_oa_lg2(null);
  const t = new PtIommu(fmt);
  t.driver_ops = { change_top(): void {}, get_top_lock: () => t };
  t.ops = {
    ...IOMMU_PT_DOMAIN_OPS,
    iotlb_sync(_d, gather): void {
      iommu_put_pages_list(gather.freelist);
    },
  };
  const ret = pt_iommu_init(t, cfg, 0);
  if (ret) throw new Error(`pt_iommu_init(${fmt.name}) failed: ${ret}`);
  return t;
}
