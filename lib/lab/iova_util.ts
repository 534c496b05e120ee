// Copyright 2026 the iommulab authors. MIT license.
/**
 * IOVA helpers for experiments: DMA-mask limits, domain set-up, the free
 * holes of a domain and the ranges its deferred erases still hold.
 *
 * @module
 */
import { PAGE_SIZE, ULONG_MAX } from "../kernel/mod.ts";
import { MA_STATE, mas_find } from "../maple/mod.ts";
import {
  init_iova_domain,
  type Iova,
  IOVA_DEFERRED,
  iova_domain_init_rcaches,
  iova_ops,
  IovaDomain,
  type IovaVariant,
} from "../iova/mod.ts";

/** Options of {@link createIovaDomain}. */
export interface CreateIovaDomainOptions {
  /** Lowest usable pfn (default 1). */
  startPfn?: number;
  /** Also create the rcaches (default false). */
  rcaches?: boolean;
}

/**
 * `new IovaDomain(variant)` + `init_iova_domain(iovad, PAGE_SIZE, start)`
 * (+ `iova_domain_init_rcaches`). The caller holds `iova_cache_get()`.
 */
export function createIovaDomain(
  variant: IovaVariant,
  opts: CreateIovaDomainOptions = {},
): IovaDomain {
  const iovad = new IovaDomain(variant);
  init_iova_domain(iovad, PAGE_SIZE, opts.startPfn ?? 1);
  if (opts.rcaches && iova_domain_init_rcaches(iovad) !== 0) {
    throw new RangeError(`iova_domain_init_rcaches failed for ${variant}`);
  }
  return iovad;
}

/** A free range `[lo, hi]` of pfns. */
export interface PfnRange {
  /** First pfn. */
  lo: number;
  /** Last pfn (inclusive). */
  hi: number;
}

/** Options of {@link iovaFreeHoles}. */
export interface IovaFreeHolesOptions {
  /** Count ranges held by deferred erases as free (default false). */
  deferredFree?: boolean;
}

/**
 * The free holes of `iovad` inside `[lo, hi]`: pfns covered neither by an
 * allocated/reserved range nor (unless `deferredFree`) by a deferred
 * erase, ascending.
 */
export function iovaFreeHoles(
  iovad: IovaDomain,
  lo: number,
  hi: number,
  opts: IovaFreeHolesOptions = {},
): PfnRange[] {
  let used: PfnRange[] = iova_ops(iovad).ranges(iovad).map((i: Iova) => ({
    lo: i.pfn_lo,
    hi: i.pfn_hi,
  }));
  if (opts.deferredFree) {
    if (iovad.variant === "maple-v3") {
      const d = new Set(iovaDeferredRanges(iovad).map((r) => r.lo));
      used = used.filter((r) => !d.has(r.lo));
    }
  } else if (iovad.variant === "maple-v4") {
    used.push(...iovaDeferredRanges(iovad));
  }
  used.sort((a, b) => a.lo - b.lo);
  const holes: PfnRange[] = [];
  let next = lo;
  for (const r of used) {
    if (r.hi < lo || r.lo > hi) continue;
    if (r.lo > next) holes.push({ lo: next, hi: r.lo - 1 });
    next = Math.max(next, r.hi + 1);
  }
  if (next <= hi) holes.push({ lo: next, hi });
  return holes;
}

/**
 * Whether some hole holds `size` pfns at a multiple of `align` (what the
 * rbtree can use; the maple search needs a hole of `size + align - 1`).
 */
export function holesHaveAlignedFit(
  holes: readonly PfnRange[],
  size: number,
  align: number,
): boolean {
  for (const h of holes) {
    const start = Math.ceil(h.lo / align) * align;
    if (start + size - 1 <= h.hi) return true;
  }
  return false;
}

/**
 * The ranges held by deferred erases: maple-v3's queued structs (still in
 * the tree), maple-v4's `IOVA_DEFERRED` markers; none for the rbtree.
 */
export function iovaDeferredRanges(iovad: IovaDomain): PfnRange[] {
  const out: PfnRange[] = [];
  if (iovad.variant === "maple-v3") {
    for (let i = iovad.deferred_frees; i !== null; i = i.deferred_next) {
      out.push({ lo: i.pfn_lo, hi: i.pfn_hi });
    }
  } else if (iovad.variant === "maple-v4") {
    if (iovad.deferred_lo > iovad.deferred_hi) return out;
    const mas = MA_STATE(iovad.mtree, iovad.deferred_lo, iovad.deferred_lo);
    let e: unknown;
    while (
      (e = mas_find(mas, Math.min(iovad.deferred_hi, ULONG_MAX))) !== null
    ) {
      if (e === IOVA_DEFERRED) out.push({ lo: mas.index, hi: mas.last });
    }
  }
  return out;
}
