// Copyright 2026 the iommulab authors. MIT license.
/**
 * Map and unmap through the generic page table (AMDv1 format) the way the
 * IOMMU core drives it: `iommu_map()` of mixed sizes (4 KiB pages, a 64 KiB
 * contiguous entry, a 2 MiB leaf), `iommu_iova_to_phys()`, `iommu_unmap()`,
 * the table pages charged to the domain, and a `pt.table_alloc` failure that
 * unwinds with nothing mapped and nothing leaked.
 *
 * Run it with:
 *
 * ```sh
 * deno run examples/pt_map_unmap.ts
 * ```
 *
 * @module
 */
import {
  amdv1,
  fault_arm,
  fault_disarm,
  GFP_KERNEL,
  iommu_iova_to_phys,
  iommu_map,
  IOMMU_PT_DOMAIN_OPS,
  iommu_put_pages_list,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  nr_secondary_pagetable,
  pt_iommu_deinit,
  pt_iommu_init,
  pt_pages_of_owner,
  PtIommu,
} from "../mod.ts";

const pages_at_start = nr_secondary_pagetable();
const hex = (n: bigint): string => "0x" + n.toString(16);
const RW = IOMMU_READ | IOMMU_WRITE;

// The driver side: change_top/get_top_lock, and an iotlb_sync that frees
// the table pages an unmap collected (as every IOMMU driver must).
const t = new PtIommu(amdv1);
t.driver_ops = { change_top() {}, get_top_lock: () => ({}) };
t.ops = {
  ...IOMMU_PT_DOMAIN_OPS,
  iotlb_sync(_domain, gather) {
    iommu_put_pages_list(gather.freelist);
  },
};
// A 48-bit AMDv1 table starting at level 3 (AMD "mode 4").
const ret = pt_iommu_init(t, {
  features: 0,
  hw_max_vasz_lg2: 48,
  hw_max_oasz_lg2: 52,
  starting_level: 3,
}, GFP_KERNEL);
console.log(`pt_iommu_init: ${ret}, pgsize_bitmap ${hex(t.pgsize_bitmap)}`);
console.log(`table pages after init: ${pt_pages_of_owner(t)}`);

// 4 KiB + 64 KiB + 2 MiB: iommu_map splits by alignment into page sizes.
console.log(`map 4K:  ${iommu_map(t, 0x1000n, 0x8000_1000n, 0x1000n, RW, 0)}`);
console.log(
  `map 64K: ${iommu_map(t, 0x10000n, 0x8001_0000n, 0x10000n, RW, 0)}`,
);
console.log(
  `map 2M:  ${iommu_map(t, 0x200000n, 0x9000_0000n, 0x200000n, RW, 0)}`,
);
console.log(`busy:    ${iommu_map(t, 0x1000n, 0x1000n, 0x1000n, RW, 0)}`);
console.log(`table pages after map: ${pt_pages_of_owner(t)}`);
for (const va of [0x1234n, 0x1f00an, 0x3fffffn, 0x5000n]) {
  console.log(`iova_to_phys(${hex(va)}) = ${hex(iommu_iova_to_phys(t, va))}`);
}

// Unmapping 4 KiB of the 64 KiB contiguous entry removes the whole entry.
console.log(`unmap 4K of 64K: ${hex(iommu_unmap(t, 0x10000n, 0x1000n))}`);
// An unmap stops at the first hole: unmap what was mapped.
console.log(`unmap from a hole: ${hex(iommu_unmap(t, 0n, 0x400000n))}`);
console.log(`unmap 4K: ${hex(iommu_unmap(t, 0x1000n, 0x1000n))}`);
console.log(`unmap 2M: ${hex(iommu_unmap(t, 0x200000n, 0x200000n))}`);
// Only an unmap that covers a whole lower table frees it.
console.log(`table pages after unmap: ${pt_pages_of_owner(t)}`);

// A map at 1 TiB needs three new tables; fail the 2nd allocation. The
// first new table stays linked in (as in the kernel): it is not a leak,
// pt_iommu_deinit() frees it.
fault_arm("pt.table_alloc", { fail_nth: 2, verbose: 0 });
const far = 1n << 40n;
console.log(
  `map, 2nd table alloc failing: ${
    iommu_map(t, far, 0x1_0000_0000n, 0x1000n, RW, 0)
  }`,
);
fault_disarm("pt.table_alloc");
console.log(`iova_to_phys(${hex(far)}) = ${hex(iommu_iova_to_phys(t, far))}`);
console.log(`table pages after the failed map: ${pt_pages_of_owner(t)}`);
console.log(`map again: ${iommu_map(t, far, 0x1_0000_0000n, 0x1000n, RW, 0)}`);
console.log(`iova_to_phys(${hex(far)}) = ${hex(iommu_iova_to_phys(t, far))}`);

pt_iommu_deinit(t);
console.log(
  `leaked: ${nr_secondary_pagetable() - pages_at_start} table pages`,
);
