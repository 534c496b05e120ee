// Copyright 2026 the iommulab authors. MIT license.
/**
 * GFP allocation flags (include/linux/gfp_types.h, 6.12 bit layout).
 *
 * Flags are plain numbers. Only their effect on the simulation matters:
 * `__GFP_DIRECT_RECLAIM` makes an allocation "sleeping" (lockdep-lite reports
 * it under a spinlock), `__GFP_NOFAIL` is never fault-injected,
 * `__GFP_NOWARN` silences the fault-injection report, `__GFP_ZERO` zeroes.
 *
 * @module
 */

/** `__GFP_DMA`. */
export const __GFP_DMA = 0x1;
/** `__GFP_HIGHMEM`. */
export const __GFP_HIGHMEM = 0x2;
/** `__GFP_DMA32`. */
export const __GFP_DMA32 = 0x4;
/** `__GFP_MOVABLE`. */
export const __GFP_MOVABLE = 0x8;
/** `__GFP_RECLAIMABLE`. */
export const __GFP_RECLAIMABLE = 0x10;
/** `__GFP_HIGH`: may use emergency reserves. */
export const __GFP_HIGH = 0x20;
/** `__GFP_IO`. */
export const __GFP_IO = 0x40;
/** `__GFP_FS`. */
export const __GFP_FS = 0x80;
/** `__GFP_ZERO`: return zeroed memory. */
export const __GFP_ZERO = 0x100;
/** `__GFP_DIRECT_RECLAIM`: the caller may sleep. */
export const __GFP_DIRECT_RECLAIM = 0x400;
/** `__GFP_KSWAPD_RECLAIM`. */
export const __GFP_KSWAPD_RECLAIM = 0x800;
/** `__GFP_WRITE`. */
export const __GFP_WRITE = 0x1000;
/** `__GFP_NOWARN`: no failure report (also silences fault injection). */
export const __GFP_NOWARN = 0x2000;
/** `__GFP_RETRY_MAYFAIL`. */
export const __GFP_RETRY_MAYFAIL = 0x4000;
/** `__GFP_NOFAIL`: never fails (and is never fault-injected). */
export const __GFP_NOFAIL = 0x8000;
/** `__GFP_NORETRY`. */
export const __GFP_NORETRY = 0x10000;
/** `__GFP_MEMALLOC`. */
export const __GFP_MEMALLOC = 0x20000;
/** `__GFP_COMP`. */
export const __GFP_COMP = 0x40000;
/** `__GFP_NOMEMALLOC`. */
export const __GFP_NOMEMALLOC = 0x80000;
/** `__GFP_HARDWALL`. */
export const __GFP_HARDWALL = 0x100000;
/** `__GFP_THISNODE`. */
export const __GFP_THISNODE = 0x200000;
/** `__GFP_ACCOUNT`: charge to the memory cgroup. */
export const __GFP_ACCOUNT = 0x400000;
/** `__GFP_NOLOCKDEP`: skip the lockdep-lite checks for this allocation. */
export const __GFP_NOLOCKDEP = 0x8000000;

/** `__GFP_RECLAIM`. */
export const __GFP_RECLAIM: number = __GFP_DIRECT_RECLAIM |
  __GFP_KSWAPD_RECLAIM;
/** `GFP_ATOMIC`: does not sleep, may use reserves. */
export const GFP_ATOMIC: number = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
/** `GFP_KERNEL`: ordinary sleeping allocation. */
export const GFP_KERNEL: number = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
/** `GFP_KERNEL_ACCOUNT`. */
export const GFP_KERNEL_ACCOUNT: number = GFP_KERNEL | __GFP_ACCOUNT;
/** `GFP_NOWAIT`: does not sleep, no warning on failure. */
export const GFP_NOWAIT: number = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
/** `GFP_NOIO`. */
export const GFP_NOIO: number = __GFP_RECLAIM;
/** `GFP_NOFS`. */
export const GFP_NOFS: number = __GFP_RECLAIM | __GFP_IO;
/** `GFP_DMA32`. */
export const GFP_DMA32: number = __GFP_DMA32;
/** `GFP_HIGHUSER`. */
export const GFP_HIGHUSER: number = GFP_KERNEL | __GFP_HARDWALL |
  __GFP_HIGHMEM;

/** `gfpflags_allow_blocking(gfp)`: whether the allocation may sleep. */
export function gfpflags_allow_blocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** Throws a TypeError unless `gfp` is a non-negative integer flag set. */
export function check_gfp(gfp: number): void {
  if (!Number.isInteger(gfp) || gfp < 0 || gfp > 0xffffffff) {
    throw new TypeError(`gfp flags must be a 32-bit flag set, got ${gfp}`);
  }
}
