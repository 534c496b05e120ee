// Copyright 2026 the iommulab authors. MIT license.
/**
 * The IOVA API of drivers/iommu/iova.c: domain set-up and teardown,
 * `alloc_iova`, `find_iova`, `__free_iova`, `free_iova`, `reserve_iova`.
 * The per-CPU fast paths are in rcache.ts; cache references and teardown
 * in lifetime.ts.
 *
 * Conventions as in the kernel: `limit_pfn` is inclusive here and exclusive
 * inside the allocator (`limit_pfn + 1` wraps to 0 for ULONG_MAX); failure
 * is `null`; an unknown pfn given to `free_iova` is ignored. Arguments
 * outside what the kernel's types can hold (negative, fractional, beyond
 * 2^53) throw RangeError before anything changes.
 *
 * @module
 */
import {
  __ffs,
  __GFP_NOWARN,
  BUG_ON,
  check_ulong,
  GFP_ATOMIC,
  is_power_of_2,
  PAGE_SIZE,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
  ULONG_MAX,
  WARN_ON,
} from "../kernel/mod.ts";
import {
  alloc_iova_mem,
  free_iova_mem,
  iova_cache_of,
  IovaDomain,
} from "./iova_domain.ts";
import type { Iova } from "./iova_h.ts";
import { OPS } from "./_variants.ts";

/** Throws TypeError unless `iovad` is a set-up domain. */
export function check_domain(iovad: IovaDomain, fn: string): void {
  if (!(iovad instanceof IovaDomain)) {
    throw new TypeError(`${fn}: not an IovaDomain: ${String(iovad)}`);
  }
  if (!iovad.initialised) {
    throw new TypeError(
      `${fn}: the domain was not set up by init_iova_domain()`,
    );
  }
}

function check_size(fn: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`${fn}: size must be an integer >= 1, got ${size}`);
  }
}

// --- domain ---------------------------------------------------------------------

/**
 * `init_iova_domain(iovad, granule, start_pfn)`. BUGs if the granule is not
 * a power of two no larger than PAGE_SIZE. Does not create the rcaches
 * (`iova_domain_init_rcaches()` does). Needs `iova_cache_get()` first.
 */
export function init_iova_domain(
  iovad: IovaDomain,
  granule: number,
  start_pfn: number,
): void {
  if (!(iovad instanceof IovaDomain)) {
    throw new TypeError(
      `init_iova_domain: not an IovaDomain: ${String(iovad)}`,
    );
  }
  check_ulong("init_iova_domain: start_pfn", start_pfn);
  // granule and the IOMMU page size *must* be able to represent individual
  // CPU pages exactly.
  BUG_ON(granule > PAGE_SIZE || !is_power_of_2(granule));
  const cache = iova_cache_of(iovad.variant);
  if (cache === null) {
    throw new TypeError("init_iova_domain: call iova_cache_get() first");
  }
  iovad.iova_cache = cache;
  iovad.iova_lock.locked = false;
  iovad.granule = granule;
  iovad.start_pfn = start_pfn;
  iovad.dma_32bit_pfn = 2 ** (32 - __ffs(granule));
  iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  OPS[iovad.variant].init(iovad);
  iovad.initialised = true;
}

// --- allocation, lookup, free ----------------------------------------------------

/** `limit_pfn + 1` in unsigned long: ULONG_MAX wraps to 0. */
function exclusive_limit(limit_pfn: number): number {
  return limit_pfn === ULONG_MAX ? 0 : limit_pfn + 1;
}

/**
 * `alloc_iova(iovad, size, limit_pfn, size_aligned)`: `size` pfns at or
 * below `limit_pfn` (inclusive), top-down, naturally aligned to
 * `roundup_pow_of_two(size)` when `size_aligned`; null on failure.
 */
export function alloc_iova(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  size_aligned: boolean,
): Iova | null {
  check_domain(iovad, "alloc_iova");
  check_size("alloc_iova", size);
  check_ulong("alloc_iova: limit_pfn", limit_pfn);
  const nw = alloc_iova_mem(iovad, GFP_ATOMIC | __GFP_NOWARN);
  if (nw === null) return null;
  const ret = OPS[iovad.variant].alloc_and_insert(
    iovad,
    size,
    exclusive_limit(limit_pfn),
    nw,
    !!size_aligned,
  );
  if (ret) {
    free_iova_mem(iovad, nw);
    return null;
  }
  return nw;
}

/**
 * `find_iova(iovad, pfn)`: the iova containing `pfn`, or null. The pointer
 * is used after the lock is dropped: its lifetime is the caller's business.
 */
export function find_iova(iovad: IovaDomain, pfn: number): Iova | null {
  check_domain(iovad, "find_iova");
  check_ulong("find_iova: pfn", pfn);
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const iova = OPS[iovad.variant].find(iovad, pfn);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return iova;
}

/** `__free_iova(iovad, iova)`: removes `iova` from the domain and frees it. */
export function __free_iova(iovad: IovaDomain, iova: Iova): void {
  check_domain(iovad, "__free_iova");
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const freeable = OPS[iovad.variant].remove(iovad, iova);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  if (freeable) free_iova_mem(iovad, iova);
}

/**
 * `free_iova(iovad, pfn)`: finds and removes under one lock hold, then
 * frees. An unknown pfn is silently ignored.
 */
export function free_iova(iovad: IovaDomain, pfn: number): void {
  check_domain(iovad, "free_iova");
  check_ulong("free_iova: pfn", pfn);
  const ops = OPS[iovad.variant];
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const iova = ops.find(iovad, pfn);
  if (iova === null) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return;
  }
  const freeable = ops.remove(iovad, iova);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  if (freeable) free_iova_mem(iovad, iova);
}

/**
 * `reserve_iova(iovad, pfn_lo, pfn_hi)`: marks `[pfn_lo, pfn_hi]` as never
 * to be allocated. rbtree: widens overlapped nodes in place and may return
 * a node covering only part of the request; maple: merges every overlapped
 * entry into one that covers the whole request. Null (with a WARN) for pfns
 * beyond `ULLONG_MAX >> iova_shift`, or on allocation failure.
 */
export function reserve_iova(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Iova | null {
  check_domain(iovad, "reserve_iova");
  check_ulong("reserve_iova: pfn_lo", pfn_lo);
  check_ulong("reserve_iova: pfn_hi", pfn_hi);
  if (pfn_lo > pfn_hi) {
    throw new RangeError(
      `reserve_iova: pfn_lo ${pfn_lo} is above pfn_hi ${pfn_hi}`,
    );
  }
  // Don't allow nonsensical pfns
  const max = Math.min(2 ** (64 - __ffs(iovad.granule)) - 1, ULONG_MAX);
  if (WARN_ON(pfn_hi > max || pfn_lo > max)) return null;
  return OPS[iovad.variant].reserve(iovad, pfn_lo, pfn_hi);
}
