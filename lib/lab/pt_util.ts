// Copyright 2026 the iommulab authors. MIT license.
/**
 * Page tables for experiments: a format's KUnit configuration with the
 * KUnit harness's stub driver and freeing `iotlb_sync`.
 *
 * @module
 */
import { BIT } from "../kernel/mod.ts";
import {
  kunit_pt_ops,
  PT_FEAT_DMA_INCOHERENT,
  pt_iommu_init,
  pt_kunit_cfg,
  pt_kunit_driver_ops,
  type PtFormat,
  PtIommu,
} from "../pt/mod.ts";

/**
 * A table of `fmt` with `pt_kunit_cfg(fmt, cfgIndex)`, minus
 * `PT_FEAT_DMA_INCOHERENT` (no fast path, a cache flush per table write),
 * which would measure the flush rather than the walk. Throws `RangeError`
 * for a cfg the format does not have, and `Error` when `pt_iommu_init`
 * fails.
 */
export function createPtTable(fmt: PtFormat, cfgIndex = 0): PtIommu {
  const cfg = pt_kunit_cfg(fmt, cfgIndex);
  cfg.features &= ~BIT(PT_FEAT_DMA_INCOHERENT);
  const t = new PtIommu(fmt);
  t.driver_ops = pt_kunit_driver_ops;
  t.ops = kunit_pt_ops;
  const ret = pt_iommu_init(t, cfg, 0);
  if (ret) throw new Error(`pt_iommu_init(${fmt.name}) failed: ${ret}`);
  return t;
}
