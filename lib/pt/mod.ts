// Copyright 2026 the iommulab authors. MIT license.
/**
 * The generic IOMMU page table (drivers/iommu/generic_pt, "iommupt"): the
 * core language and walkers, the formats (AMDv1 and its mock, x86_64, VT-d
 * second stage, RISC-V), the IOMMU operations and a mini IOMMU core.
 *
 * @example
 * ```ts
 * import { amdv1, iommu_map, iommu_iova_to_phys, pt_iommu_init, PtIommu } from "./mod.ts";
 * const t = new PtIommu(amdv1);
 * t.driver_ops = { change_top() {}, get_top_lock: () => ({}) };
 * pt_iommu_init(t, { features: 0, hw_max_vasz_lg2: 64, hw_max_oasz_lg2: 52, starting_level: 2 }, 0);
 * iommu_map(t, 0x1000n, 0x2000n, 0x1000n, 3, 0);
 * iommu_iova_to_phys(t, 0x1234n); // 0x2234n
 * ```
 *
 * @module
 */
export * from "./log2.ts";
export * from "./defs.ts";
export * from "./format.ts";
export * from "./iter.ts";
export * from "./iommu.ts";
export * from "./iommu_pt.ts";
export * from "./formats/mod.ts";
export * from "./kunit_iommu.ts";
export {
  FP_TABLE_ALLOC,
  nr_secondary_pagetable,
  pt_pages_of_owner,
  type PtTableMem,
} from "./_mem.ts";
