// Copyright 2026 the iommulab authors. MIT license.
/**
 * `struct iova` and the helpers of include/linux/iova.h.
 *
 * One class serves every variant so that V8 sees one object shape: the
 * rbtree variant uses the embedded `rb_node` fields it inherits, the maple
 * variants leave them unused, and `deferred_next` is maple-v3's
 * `llist_node deferred_free`. What each variant's `struct iova` costs is
 * decided by its slab cache's object size (see domain.ts), not by this
 * class.
 *
 * @module
 */
import { __ffs, ALIGN, ALIGN_DOWN, ULONG_MAX } from "../kernel/mod.ts";
import { RbNode } from "../rbtree/mod.ts";

/** `struct iova`: an allocated (or reserved) range `[pfn_lo, pfn_hi]`. */
export class Iova extends RbNode {
  /** Highest pfn of the range (inclusive). */
  pfn_hi = 0;
  /** Lowest pfn of the range. */
  pfn_lo = 0;
  /** maple-v3 only: `struct llist_node deferred_free`. */
  deferred_next: Iova | null = null;
}

/** What the helpers need of a domain: its granule. */
export interface IovaGranule {
  /** The domain's granule in bytes (a power of two). */
  readonly granule: number;
}

/** `iova_size(iova)`: `pfn_hi - pfn_lo + 1`. */
export function iova_size(iova: Iova): number {
  return iova.pfn_hi - iova.pfn_lo + 1;
}

/** `iova_shift(iovad)`: `__ffs(granule)`. */
export function iova_shift(iovad: IovaGranule): number {
  return __ffs(iovad.granule);
}

/** `iova_mask(iovad)`: `granule - 1`. */
export function iova_mask(iovad: IovaGranule): number {
  return iovad.granule - 1;
}

/** `iova_offset(iovad, iova)`: `iova & iova_mask(iovad)`. */
export function iova_offset(iovad: IovaGranule, iova: number): number {
  return iova % iovad.granule;
}

/** `iova_align(iovad, size)`: `ALIGN(size, granule)`. */
export function iova_align(iovad: IovaGranule, size: number): number {
  return ALIGN(size, iovad.granule);
}

/** `iova_align_down(iovad, size)`: `ALIGN_DOWN(size, granule)`. */
export function iova_align_down(iovad: IovaGranule, size: number): number {
  return ALIGN_DOWN(size, iovad.granule);
}

/**
 * `iova_dma_addr(iovad, iova)`: `pfn_lo << iova_shift`. A bus address
 * beyond the lab's 2^53 range throws RangeError rather than losing bits.
 */
export function iova_dma_addr(iovad: IovaGranule, iova: Iova): number {
  const addr = iova.pfn_lo * iovad.granule;
  if (addr > ULONG_MAX) {
    throw new RangeError(
      `iova_dma_addr: pfn ${iova.pfn_lo} with granule ${iovad.granule} is beyond 2^53`,
    );
  }
  return addr;
}

/** `iova_pfn(iovad, iova)`: `iova >> iova_shift`. */
export function iova_pfn(iovad: IovaGranule, iova: number): number {
  return Math.floor(iova / iovad.granule);
}
