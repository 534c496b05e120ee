// Copyright 2026 the iommulab authors. MIT license.
/**
 * The maple-tree variants of the 2026 series "iova: use maple tree for
 * O(log n) allocation":
 *
 * - `maple-v3` (v3 1/3 + 3/3): `mas_empty_area_rev()` over `size + align - 1`,
 *   the post-search alignment check, the max32 hint set by a failed 32-bit
 *   request even when only the store failed, `reserve_iova()` freeing the
 *   overlapped structs in its walk, before the allocation and the store that
 *   can fail, and a failed erase left in the tree and queued on an llist
 *   that a delayed work retries every 10 ms, forever.
 * - `maple-v4`: a failed erase overwrites the range with the private
 *   `IOVA_DEFERRED` marker (an exact-fit store, no node needed) and frees the
 *   struct at once; markers are drained at the start of every allocation
 *   and reservation and after every successful erase; `reserve_iova()`
 *   preallocates before freeing anything; only real exhaustion sets the hint.
 *
 * Each function follows the series' iova.c of that version and names the
 * kernel function it mirrors.
 *
 * @module
 */
import {
  __GFP_NOWARN,
  cancel_delayed_work_sync,
  ENOMEM,
  fls_long,
  GFP_ATOMIC,
  INIT_DELAYED_WORK,
  kasan_check,
  msecs_to_jiffies,
  pr_err,
  register_test_lifecycle,
  schedule_delayed_work,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
  ULONG_MAX,
  WARN_ON_ONCE,
} from "../kernel/mod.ts";
import {
  __mt_destroy,
  MA_STATE,
  mas_empty_area_rev,
  mas_find,
  mas_preallocate,
  mas_set,
  mas_set_range,
  mas_store_gfp,
  mas_store_prealloc,
  mas_walk,
  type MaState,
  MT_FLAGS_ALLOC_RANGE,
  MT_FLAGS_LOCK_EXTERN,
  mt_init_flags,
  mt_set_external_lock,
} from "../maple/mod.ts";
import {
  alloc_iova_mem,
  free_iova_mem,
  type IovaDomain,
} from "./iova_domain.ts";
import { Iova } from "./iova_h.ts";
import type { IovaOps } from "./_ops.ts";
import { iova_verify_entry } from "./_verify.ts";

/**
 * `IOVA_DEFERRED` (maple-v4): the private marker a failed erase leaves in
 * the tree. A normal entry to the maple tree (gap searches see it as
 * occupied), skipped by lookups, reservations, teardown and the invariant
 * check; never freed.
 */
export const IOVA_DEFERRED: Iova = new Iova();

/** maple-v3: the deferred-free retry period (`msecs_to_jiffies(10)`). */
export const IOVA_DEFERRED_RETRY_MS = 10;

/** maple-v4 KUnit hook `iova_kunit_defer_erase`: force the marker path. */
export const iova_kunit = { defer_erase: false };

// A case that sets the hook and fails before clearing it must not leak it
// into the next case.
register_test_lifecycle({
  begin() {},
  end() {
    iova_kunit.defer_erase = false;
  },
});

// alloc_and_init_iova()
function alloc_and_init_iova(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Iova | null {
  const iova = alloc_iova_mem(iovad, GFP_ATOMIC | __GFP_NOWARN);
  if (iova !== null) {
    iova.pfn_lo = pfn_lo;
    iova.pfn_hi = pfn_hi;
  }
  return iova;
}

function mt_entry(e: unknown): Iova | null {
  return e as Iova | null;
}

// --- shared by v3 and v4 ----------------------------------------------------

function init(iovad: IovaDomain): void {
  mt_init_flags(iovad.mtree, MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
  mt_set_external_lock(iovad.mtree, iovad.iova_lock);
  iovad.deferred_frees = null;
  iovad.deferred_lo = ULONG_MAX;
  iovad.deferred_hi = 0;
}

// __alloc_and_insert_iova_range(), maple form. `limit_pfn` is exclusive;
// 0 stands for the wrapped ULONG_MAX + 1, so the window's top is ULONG_MAX.
function alloc_and_insert(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  nw: Iova,
  size_aligned: boolean,
  v4: boolean,
): number {
  let align = 1;
  let search_size = size;
  if (size_aligned) {
    align = 2 ** fls_long(size - 1);
    search_size = size + align - 1;
  }
  const flags = spin_lock_irqsave(iovad.iova_lock);
  if (v4) iova_drain_deferred(iovad);
  if (limit_pfn <= iovad.dma_32bit_pfn && size >= iovad.max32_alloc_size) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return -ENOMEM;
  }
  const mas = MA_STATE(iovad.mtree, 0, 0);
  const max = limit_pfn === 0 ? ULONG_MAX : limit_pfn - 1;
  let failed = mas_empty_area_rev(mas, iovad.start_pfn, max, search_size) !== 0;
  let new_pfn = 0;
  if (!failed) {
    new_pfn = Math.floor((mas.last - size + 1) / align) * align;
    // v3's check; v4: "The gap is search_size wide, so alignment cannot
    // pass start_pfn".
    if (!v4 && (new_pfn < mas.index || new_pfn < iovad.start_pfn)) {
      failed = true;
    }
  }
  if (failed) {
    // v3's alloc_fail label; v4: "Only real exhaustion sets the hint".
    if (limit_pfn <= iovad.dma_32bit_pfn) iovad.max32_alloc_size = size;
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return -ENOMEM;
  }
  nw.pfn_lo = new_pfn;
  nw.pfn_hi = new_pfn + size - 1;
  mas_set_range(mas, nw.pfn_lo, nw.pfn_hi);
  if (mas_store_gfp(mas, nw, GFP_ATOMIC) !== 0) {
    // v3 reaches alloc_fail too: a temporary -ENOMEM becomes a persistent
    // 32-bit fast-fail. v4 leaves the hint alone on a failed store.
    if (!v4 && limit_pfn <= iovad.dma_32bit_pfn) {
      iovad.max32_alloc_size = size;
    }
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return -ENOMEM;
  }
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return 0;
}

// private_find_iova(): mas_walk; v4 hides markers.
function find(iovad: IovaDomain, pfn: number): Iova | null {
  const mas = MA_STATE(iovad.mtree, pfn, pfn);
  const iova = mt_entry(mas_walk(mas));
  if (iova === null || iova === IOVA_DEFERRED) return null;
  kasan_check(iova, "private_find_iova");
  return iova;
}

// The erase itself: a NULL store over the range, which may need nodes.
function erase(iovad: IovaDomain, iova: Iova): boolean {
  const mas = MA_STATE(iovad.mtree, iova.pfn_lo, iova.pfn_hi);
  return mas_store_gfp(mas, null, GFP_ATOMIC) === 0;
}

// iova_merge_overlaps() (v4): the entry covering the whole request, or the
// overlapped structs (markers skipped) and the merged bounds.
class Overlaps {
  covering: Iova | null = null;
  list: Iova[] = [];
  lo = 0;
  hi = 0;
}

function merge_overlaps(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Overlaps {
  const o = new Overlaps();
  o.lo = pfn_lo;
  o.hi = pfn_hi;
  const mas = MA_STATE(iovad.mtree, pfn_lo, pfn_lo);
  let e: unknown;
  while ((e = mas_find(mas, pfn_hi)) !== null) {
    const iova = e as Iova;
    if (iova === IOVA_DEFERRED) continue;
    kasan_check(iova, "reserve_iova");
    if (iova.pfn_lo <= pfn_lo && iova.pfn_hi >= pfn_hi) {
      o.covering = iova;
      return o;
    }
    o.list.push(iova);
    if (iova.pfn_lo < o.lo) o.lo = iova.pfn_lo;
    if (iova.pfn_hi > o.hi) o.hi = iova.pfn_hi;
  }
  return o;
}

function each_entry(iovad: IovaDomain, fn: (iova: Iova, mas: MaState) => void) {
  const mas = MA_STATE(iovad.mtree, 0, 0);
  let e: unknown;
  while ((e = mas_find(mas, ULONG_MAX)) !== null) fn(e as Iova, mas);
}

// iova_domain_verify_invariants(): index range == struct range, lo <= hi,
// no overlap with the previous entry; v4 skips markers.
function verify(iovad: IovaDomain): boolean {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  let ok = true;
  let prev: Iova | null = null;
  each_entry(iovad, (iova, mas) => {
    if (iova === IOVA_DEFERRED) return;
    kasan_check(iova, "iova_domain_verify_invariants");
    if (mas.index !== iova.pfn_lo || mas.last !== iova.pfn_hi) {
      pr_err(
        `iova_verify: maple index [${mas.index},${mas.last}] != iova [${iova.pfn_lo},${iova.pfn_hi}]\n`,
      );
      ok = false;
    }
    if (!iova_verify_entry(prev, iova)) ok = false;
    prev = iova;
  });
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return ok;
}

/**
 * Erases still pending: structs on maple-v3's list, `IOVA_DEFERRED`
 * markers in maple-v4's tree, 0 for the rbtree.
 */
export function iova_deferred_count(iovad: IovaDomain): number {
  let n = 0;
  if (iovad.variant === "maple-v3") {
    for (let i = iovad.deferred_frees; i !== null; i = i.deferred_next) n++;
  } else if (iovad.variant === "maple-v4") {
    each_entry(iovad, (iova) => {
      if (iova === IOVA_DEFERRED) n++;
    });
  }
  return n;
}

function ranges(iovad: IovaDomain): Iova[] {
  const out: Iova[] = [];
  each_entry(iovad, (iova) => {
    if (iova !== IOVA_DEFERRED) out.push(iova);
  });
  return out;
}

// --- maple-v3 -----------------------------------------------------------------

// remove_iova() of v3 3/3: reset the hint, try the erase. "On failure ...
// the entry remains in the tree and the caller must not free the struct".
function v3_remove_iova(iovad: IovaDomain, iova: Iova): boolean {
  kasan_check(iova, "remove_iova");
  if (iova.pfn_lo < iovad.dma_32bit_pfn) {
    iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  }
  return erase(iovad, iova);
}

// What every v3 caller of remove_iova() does on failure: llist_add() the
// struct and schedule the retry work 10 ms later.
function v3_remove(iovad: IovaDomain, iova: Iova): boolean {
  if (v3_remove_iova(iovad, iova)) return true;
  iova.deferred_next = iovad.deferred_frees;
  iovad.deferred_frees = iova;
  schedule_delayed_work(
    iovad.deferred_work,
    msecs_to_jiffies(IOVA_DEFERRED_RETRY_MS),
  );
  return false;
}

// iova_deferred_free_work(): llist_del_all, retry each erase with
// GFP_ATOMIC, requeue the ones that still fail; no counter, no backoff.
function v3_deferred_free_work(iovad: IovaDomain): void {
  let node = iovad.deferred_frees;
  iovad.deferred_frees = null;
  while (node !== null) {
    const iova = node;
    node = iova.deferred_next;
    iova.deferred_next = null;
    const flags = spin_lock_irqsave(iovad.iova_lock);
    if (v3_remove_iova(iovad, iova)) free_iova_mem(iovad, iova);
    else {
      iova.deferred_next = iovad.deferred_frees;
      iovad.deferred_frees = iova;
    }
    spin_unlock_irqrestore(iovad.iova_lock, flags);
  }
  if (iovad.deferred_frees !== null) {
    schedule_delayed_work(
      iovad.deferred_work,
      msecs_to_jiffies(IOVA_DEFERRED_RETRY_MS),
    );
  }
}

function v3_init(iovad: IovaDomain): void {
  init(iovad);
  INIT_DELAYED_WORK(iovad.deferred_work, () => v3_deferred_free_work(iovad));
}

// v3 reserve_iova(): merge-on-reserve; each overlapped struct is freed in
// the walk, before the new struct is allocated and before a store that can
// fail — either failure leaves the tree pointing at freed structs.
function v3_reserve(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Iova | null {
  let merged_lo = pfn_lo;
  let merged_hi = pfn_hi;
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const walk = MA_STATE(iovad.mtree, pfn_lo, pfn_hi);
  let e: unknown;
  while ((e = mas_find(walk, pfn_hi)) !== null) {
    const overlap = e as Iova;
    kasan_check(overlap, "reserve_iova");
    if (pfn_lo >= overlap.pfn_lo && pfn_hi <= overlap.pfn_hi) {
      spin_unlock_irqrestore(iovad.iova_lock, flags);
      return overlap;
    }
    if (overlap.pfn_lo < merged_lo) merged_lo = overlap.pfn_lo;
    if (overlap.pfn_hi > merged_hi) merged_hi = overlap.pfn_hi;
    free_iova_mem(iovad, overlap);
  }
  const iova = alloc_and_init_iova(iovad, merged_lo, merged_hi);
  if (iova === null) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return null;
  }
  const mas = MA_STATE(iovad.mtree, merged_lo, merged_hi);
  if (mas_store_gfp(mas, iova, GFP_ATOMIC) !== 0) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    free_iova_mem(iovad, iova);
    return null;
  }
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return iova;
}

// v3 put_iova_domain(): cancel the work, discard the list (its entries are
// still in the tree), then free every entry — without taking the lock.
function v3_destroy(iovad: IovaDomain): void {
  cancel_delayed_work_sync(iovad.deferred_work);
  iovad.deferred_frees = null;
  each_entry(iovad, (iova) => free_iova_mem(iovad, iova));
  __mt_destroy(iovad.mtree);
}

/** The maple-v3 variant. */
export const maple_v3_ops: IovaOps = {
  init: v3_init,
  alloc_and_insert: (iovad, size, limit, nw, aligned) =>
    alloc_and_insert(iovad, size, limit, nw, aligned, false),
  find,
  remove: v3_remove,
  reserve: v3_reserve,
  destroy: v3_destroy,
  verify,
  has_deferred: (iovad) => iovad.deferred_frees !== null,
  ranges,
};

// --- maple-v4 -----------------------------------------------------------------

/**
 * `iova_drain_deferred()` (lock held): erase the markers within
 * `[deferred_lo, deferred_hi]`; stop at the first failure ("No reclaim can
 * happen under the lock, so the remaining erases would fail too").
 */
export function iova_drain_deferred(iovad: IovaDomain): void {
  if (iovad.deferred_lo > iovad.deferred_hi) return;
  const hi = iovad.deferred_hi;
  const mas = MA_STATE(iovad.mtree, iovad.deferred_lo, iovad.deferred_lo);
  let e: unknown;
  while ((e = mas_find(mas, hi)) !== null) {
    if (e !== IOVA_DEFERRED) continue;
    const lo = mas.index;
    const last = mas.last;
    mas_set_range(mas, lo, last);
    if (mas_store_gfp(mas, null, GFP_ATOMIC) !== 0) {
      iovad.deferred_lo = lo;
      return;
    }
    // A NULL store may have widened the state: re-anchor after the marker.
    if (last >= hi) break;
    mas_set(mas, last + 1);
  }
  iovad.deferred_lo = ULONG_MAX;
  iovad.deferred_hi = 0;
}

// v4 remove_iova(): "Must not fail: DMA unmap runs in atomic context".
function v4_remove(iovad: IovaDomain, iova: Iova): boolean {
  kasan_check(iova, "remove_iova");
  if (iova.pfn_lo < iovad.dma_32bit_pfn) {
    iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  }
  if (!iova_kunit.defer_erase && erase(iovad, iova)) {
    // A successful erase means memory is available.
    iova_drain_deferred(iovad);
    return true;
  }
  const mas = MA_STATE(iovad.mtree, iova.pfn_lo, iova.pfn_hi);
  if (mas_store_gfp(mas, IOVA_DEFERRED, GFP_ATOMIC) !== 0) {
    // The range stays occupied for ever; the bounds are not updated.
    WARN_ON_ONCE(true);
    return false;
  }
  if (iova.pfn_lo < iovad.deferred_lo) iovad.deferred_lo = iova.pfn_lo;
  if (iova.pfn_hi > iovad.deferred_hi) iovad.deferred_hi = iova.pfn_hi;
  return true;
}

// v4 reserve_iova(): drain, scan, preallocate, and only then free.
function v4_reserve(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Iova | null {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  iova_drain_deferred(iovad);
  const o = merge_overlaps(iovad, pfn_lo, pfn_hi);
  if (o.covering !== null) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return o.covering;
  }
  const iova = alloc_and_init_iova(iovad, o.lo, o.hi);
  if (iova === null) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return null;
  }
  const mas = MA_STATE(iovad.mtree, o.lo, o.hi);
  if (mas_preallocate(mas, iova, GFP_ATOMIC) !== 0) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    free_iova_mem(iovad, iova);
    return null;
  }
  // "freeing before a failed store would leave dangling pointers"
  for (const old of o.list) free_iova_mem(iovad, old);
  mas_store_prealloc(mas, iova);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return iova;
}

// v4 put_iova_domain(): under the lock, markers skipped.
function v4_destroy(iovad: IovaDomain): void {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  each_entry(iovad, (iova) => {
    if (iova !== IOVA_DEFERRED) free_iova_mem(iovad, iova);
  });
  __mt_destroy(iovad.mtree);
  iovad.deferred_lo = ULONG_MAX;
  iovad.deferred_hi = 0;
  spin_unlock_irqrestore(iovad.iova_lock, flags);
}

/** The maple-v4 variant. */
export const maple_v4_ops: IovaOps = {
  init,
  alloc_and_insert: (iovad, size, limit, nw, aligned) =>
    alloc_and_insert(iovad, size, limit, nw, aligned, true),
  find,
  remove: v4_remove,
  reserve: v4_reserve,
  destroy: v4_destroy,
  verify,
  has_deferred: (iovad) => iovad.deferred_lo <= iovad.deferred_hi,
  ranges,
};
