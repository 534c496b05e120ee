// Copyright 2026 the iommulab authors. MIT license.
/**
 * A mini IOMMU core (drivers/iommu/iommu.c, include/linux/iommu.h): the
 * domain, the IOTLB gather, and `iommu_map` / `iommu_unmap` /
 * `iommu_pgsize` / `iommu_iova_to_phys`, which split requests into page sizes
 * and unwind a failed map like the kernel core does. The generic_pt KUnit
 * cases go through this layer.
 *
 * @module
 */
import { BUG_ON } from "../kernel/mod.ts";
import { EINVAL, ENODEV } from "../kernel/errno.ts";
import type { PtTableMem } from "./_mem.ts";
import { BIG, ffs64, fls64, MASK, U64_MAX } from "./log2.ts";

/** `__IOMMU_DOMAIN_PAGING`. */
export const __IOMMU_DOMAIN_PAGING = 1;

/** `size_t *mapped` out-parameter. */
export interface SizeRef {
  /** The value (bytes). */
  value: bigint;
}

/** `struct iommu_iotlb_gather`. */
export class IommuIotlbGather {
  /** First IOVA to flush (ULONG_MAX when empty). */
  start: bigint = U64_MAX;
  /** Last IOVA to flush, inclusive (0 when empty). */
  end = 0n;
  /** Page size of the range, if known. */
  pgsize = 0n;
  /** Table pages to free after the flush. */
  freelist: PtTableMem[] = [];
  /** DMA-FQ: flushes are queued. */
  queued = false;
}

/** `iommu_iotlb_gather_init(gather)`. */
export function iommu_iotlb_gather_init(gather: IommuIotlbGather): void {
  gather.start = U64_MAX;
  gather.end = 0n;
  gather.pgsize = 0n;
  gather.freelist = [];
  gather.queued = false;
}

/** `iommu_iotlb_gather_add_range(gather, iova, size)`. */
export function iommu_iotlb_gather_add_range(
  gather: IommuIotlbGather,
  iova: bigint,
  size: bigint,
): void {
  const end = (iova + size - 1n) & U64_MAX;
  if (gather.start > iova) gather.start = iova;
  if (gather.end < end) gather.end = end;
}

/** `iommu_iotlb_gather_is_disjoint(gather, iova, size)`. */
export function iommu_iotlb_gather_is_disjoint(
  gather: IommuIotlbGather,
  iova: bigint,
  size: bigint,
): boolean {
  const start = iova;
  const end = (iova + size - 1n) & U64_MAX;
  return gather.end !== 0n &&
    (end + 1n < gather.start || start > gather.end + 1n);
}

/** `struct iommu_domain_ops` (the parts the lab uses). */
export interface IommuDomainOps {
  /** `map_pages`. */
  map_pages(
    domain: IommuDomain,
    iova: bigint,
    paddr: bigint,
    pgsize: bigint,
    pgcount: bigint,
    prot: number,
    gfp: number,
    mapped: SizeRef,
  ): number;
  /** `unmap_pages`: bytes unmapped. */
  unmap_pages(
    domain: IommuDomain,
    iova: bigint,
    pgsize: bigint,
    pgcount: bigint,
    gather: IommuIotlbGather,
  ): bigint;
  /** `iova_to_phys`. */
  iova_to_phys(domain: IommuDomain, iova: bigint): bigint;
  /** `iotlb_sync`: flush and free the gather's freelist. */
  iotlb_sync?(domain: IommuDomain, gather: IommuIotlbGather): void;
  /** `iotlb_sync_map`. */
  iotlb_sync_map?(domain: IommuDomain, iova: bigint, size: bigint): number;
}

/** `struct iommu_domain_geometry`. */
export class IommuDomainGeometry {
  /** First usable IOVA. */
  aperture_start = 0n;
  /** Last usable IOVA. */
  aperture_end = 0n;
  /** DMA only within the aperture. */
  force_aperture = false;
}

/** `struct iommu_domain`. */
export class IommuDomain {
  /** `__IOMMU_DOMAIN_PAGING` etc. */
  type = 0;
  /** Supported page sizes. */
  pgsize_bitmap = 0n;
  /** Domain ops (null before init). */
  ops: IommuDomainOps | null = null;
  /** The aperture. */
  geometry: IommuDomainGeometry = new IommuDomainGeometry();
  /** [2026] set by pt_iommu_init_domain. */
  is_iommupt = false;
}

/** `iommu_iotlb_sync(domain, gather)`: ops->iotlb_sync, then re-init. */
export function iommu_iotlb_sync(
  domain: IommuDomain,
  gather: IommuIotlbGather,
): void {
  domain.ops?.iotlb_sync?.(domain, gather);
  iommu_iotlb_gather_init(gather);
}

/**
 * `iommu_pgsize(domain, iova, paddr, size, &count)`: the page size to use
 * next and, in `count.value`, how many of them.
 */
export function iommu_pgsize(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  count: SizeRef | null,
): bigint {
  const addr_merge = paddr | iova;
  // Page sizes supported by the hardware and small enough for size
  let pgsizes = domain.pgsize_bitmap & MASK[fls64(size)]!;
  // Constrain further by the maximum alignment
  if (addr_merge !== 0n) pgsizes &= MASK[ffs64(addr_merge) + 1]!;
  BUG_ON(pgsizes === 0n, "iommu_pgsize: no suitable page size");
  const pgsize_idx = fls64(pgsizes) - 1;
  const pgsize = 1n << BIG[pgsize_idx]!;
  if (count === null) return pgsize;
  // Find the next biggest supported page size, if it exists
  const next = domain.pgsize_bitmap & ~MASK[pgsize_idx + 1]! & U64_MAX;
  if (next !== 0n) {
    const pgsize_next = 1n << BIG[ffs64(next)]!;
    if (((iova ^ paddr) & (pgsize_next - 1n)) === 0n) {
      const offset = pgsize_next - (addr_merge & (pgsize_next - 1n));
      const offset_end = offset + pgsize_next;
      if (offset_end <= U64_MAX && offset_end <= size) size = offset;
    }
  }
  count.value = size >> BIG[pgsize_idx]!;
  return pgsize;
}

const mappedScratch: SizeRef = { value: 0n };
const countScratch: SizeRef = { value: 0n };

/** `iommu_map(domain, iova, paddr, size, prot, gfp)`: 0 or -errno. */
export function iommu_map(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
  gfp: number,
): number {
  const ops = domain.ops;
  if (domain.type !== __IOMMU_DOMAIN_PAGING) return -EINVAL;
  if (ops === null || domain.pgsize_bitmap === 0n) return -ENODEV;
  const orig_iova = iova;
  const orig_size = size;
  const min_pagesz = 1n << BIG[ffs64(domain.pgsize_bitmap)]!;
  if (((iova | paddr | size) & (min_pagesz - 1n)) !== 0n) return -EINVAL;
  let ret = 0;
  while (size !== 0n) {
    const pgsize = iommu_pgsize(domain, iova, paddr, size, countScratch);
    const mapped = mappedScratch;
    mapped.value = 0n;
    ret = ops.map_pages(
      domain,
      iova,
      paddr,
      pgsize,
      countScratch.value,
      prot,
      gfp,
      mapped,
    );
    // Some pages may be mapped even on error: account for them
    size -= mapped.value;
    if (ret) break;
    iova += mapped.value;
    paddr += mapped.value;
  }
  // unroll mapping in case something went wrong
  if (ret) {
    iommu_unmap(domain, orig_iova, orig_size - size);
    return ret;
  }
  if (ops.iotlb_sync_map) {
    return ops.iotlb_sync_map(domain, orig_iova, orig_size);
  }
  return 0;
}

/** `__iommu_unmap()`: bytes unmapped, gathering into `gather`. */
export function __iommu_unmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  gather: IommuIotlbGather,
): bigint {
  const ops = domain.ops;
  if (ops === null || domain.type !== __IOMMU_DOMAIN_PAGING) return 0n;
  if (domain.pgsize_bitmap === 0n) return 0n;
  const min_pagesz = 1n << BIG[ffs64(domain.pgsize_bitmap)]!;
  if (((iova | size) & (min_pagesz - 1n)) !== 0n) return 0n;
  let unmapped = 0n;
  while (unmapped < size) {
    const pgsize = iommu_pgsize(
      domain,
      iova,
      iova,
      size - unmapped,
      countScratch,
    );
    const n = ops.unmap_pages(domain, iova, pgsize, countScratch.value, gather);
    if (n === 0n) break;
    iova += n;
    unmapped += n;
  }
  return unmapped;
}

const unmapGather = new IommuIotlbGather();

/** `iommu_unmap(domain, iova, size)`: bytes unmapped (may exceed size). */
export function iommu_unmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
): bigint {
  const gather = unmapGather;
  iommu_iotlb_gather_init(gather);
  const ret = __iommu_unmap(domain, iova, size, gather);
  iommu_iotlb_sync(domain, gather);
  return ret;
}

/** `iommu_iova_to_phys(domain, iova)`. */
export function iommu_iova_to_phys(domain: IommuDomain, iova: bigint): bigint {
  if (domain.type !== __IOMMU_DOMAIN_PAGING || domain.ops === null) return 0n;
  return domain.ops.iova_to_phys(domain, iova);
}
