// Copyright 2026 the iommulab authors. MIT license.
/**
 * Ranges, iteration and walking (pt_iter.h, and the generic helpers of
 * pt_common.h): `pt_check_range`, the lazy `pt_index_to_va`, the entry
 * iterator, the top/all/upper ranges, walkers and `pt_compute_best_pgsize`.
 *
 * @module
 */
import {
  PT_ENTRY_OA,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_SIGN_EXTEND,
  pt_feature,
  pt_init,
  pt_init_top,
  pt_top_table,
  PT_WARN_ON,
  type PtCommon,
  PtRange,
  type PtState,
} from "./defs.ts";
import { EINVAL } from "../kernel/errno.ts";
import {
  BIG,
  ffs64,
  fls64,
  log2_div_eq,
  log2_mod,
  log2_mod_eq_max,
  log2_set_mod,
  log2_set_mod_max,
  MASK,
  POW2N,
  U64_MAX,
} from "./log2.ts";
import type { PtTableMem } from "./_mem.ts";

/** `pt_table_oa_lg2sz(pts)`: VA bits the table at this level decodes. */
export function pt_table_oa_lg2sz(pts: PtState): number {
  const range = pts.range;
  if (pts.level === range.top_level) return range.max_vasz_lg2;
  const fmt = range.common.fmt;
  return Math.min(
    range.common.max_vasz_lg2,
    fmt.num_items_lg2(pts) + fmt.isz[pts.level]!,
  );
}

/** `pt_entry_oa_lg2sz(pts)`. */
export function pt_entry_oa_lg2sz(pts: PtState): number {
  const fmt = pts.range.common.fmt;
  return fmt.entry_num_contig_lg2(pts) + fmt.isz[pts.level]!;
}

/** `pt_entry_oa_exact(pts)`: entry OA plus the VA's offset in the entry. */
export function pt_entry_oa_exact(pts: PtState): bigint {
  return pts.range.common.fmt.entry_oa(pts) |
    log2_mod(pts.range.va, pt_entry_oa_lg2sz(pts));
}

/** `pt_check_range(range)`: 0, or -ERANGE if VA/last lie outside the table. */
export function pt_check_range(range: PtRange): number {
  const common = range.common;
  const m = range.max_vasz_lg2;
  PT_WARN_ON(common, m === 0);
  let prefix: bigint;
  if (pt_feature(common, PT_FEAT_SIGN_EXTEND)) {
    PT_WARN_ON(common, common.max_vasz_lg2 !== m);
    prefix = (range.va >> BIG[m - 1]!) !== 0n ? U64_MAX : 0n;
  } else {
    prefix = common.fmt.full_va_prefix(common);
  }
  if (
    !log2_div_eq(range.va, prefix, m) || !log2_div_eq(range.last_va, prefix, m)
  ) return -34; // -ERANGE
  return 0;
}

/** `pt_index_to_va(pts)`: refresh `range.va` from `pts.index`. */
export function pt_index_to_va(pts: PtState): void {
  const isz = pts.range.common.fmt.isz[pts.level]!;
  const off = pts.index * POW2N[isz]!;
  const lower = off < 2 ** 53
    ? BigInt(off)
    : (BigInt(pts.index) << BIG[isz]!) & U64_MAX;
  pts.range.va = log2_set_mod(pts.range.va, lower, pt_table_oa_lg2sz(pts));
}

/** `_pt_advance(pts, n_lg2)`: add 2^n items, rounding down to the block. */
export function _pt_advance(pts: PtState, count_lg2: number): void {
  const n = 1 << count_lg2;
  pts.index = (pts.index + n) & ~(n - 1);
}

/** `pt_entry_fully_covered(pts, oasz_lg2)`. */
export function pt_entry_fully_covered(
  pts: PtState,
  oasz_lg2: number,
): boolean {
  const range = pts.range;
  if (log2_mod(range.va, oasz_lg2) !== 0n) return false;
  if (!log2_div_eq(range.va, range.last_va, oasz_lg2)) return true;
  return log2_mod_eq_max(range.last_va, oasz_lg2);
}

/** `pt_range_to_index(pts)`. */
export function pt_range_to_index(pts: PtState): number {
  const range = pts.range;
  const isz = range.common.fmt.isz[pts.level]!;
  PT_WARN_ON(range.common, pts.level > range.top_level);
  if (range.top_level === pts.level) {
    return Number((range.va & MASK[range.max_vasz_lg2]!) >> BIG[isz]!);
  }
  return Number(
    (range.va >> BIG[isz]!) & MASK[range.common.fmt.num_items_lg2(pts)]!,
  );
}

/** `pt_range_to_end_index(pts)` (exclusive). */
export function pt_range_to_end_index(pts: PtState): number {
  const range = pts.range;
  const fmt = range.common.fmt;
  const isz = fmt.isz[pts.level]!;
  if (range.va === range.last_va) return pts.index + 1;
  if (range.top_level === pts.level) {
    return Number((range.last_va & MASK[range.max_vasz_lg2]!) >> BIG[isz]!) +
      1;
  }
  const n = fmt.num_items_lg2(pts);
  if (log2_div_eq(range.va, range.last_va, n + isz)) {
    return Number((range.last_va >> BIG[isz]!) & MASK[n]!) + 1;
  }
  return 1 << n;
}

/** `_pt_iter_first(pts)`. */
export function _pt_iter_first(pts: PtState): void {
  pts.index = pt_range_to_index(pts);
  pts.end_index = pt_range_to_end_index(pts);
  PT_WARN_ON(pts.range.common, pts.index > pts.end_index);
}

/** `_pt_iter_load(pts)`: load the entry while index < end_index. */
export function _pt_iter_load(pts: PtState): boolean {
  if (pts.index >= pts.end_index) return false;
  pts.range.common.fmt.load_entry(pts);
  return true;
}

/** `pt_next_entry(pts)`: step past the entry (whole contiguous block). */
export function pt_next_entry(pts: PtState): void {
  if (pts.type === PT_ENTRY_OA) {
    _pt_advance(pts, pts.range.common.fmt.entry_num_contig_lg2(pts));
  } else {
    pts.index++;
  }
  pt_index_to_va(pts);
}

/** `pt_load_single_entry(pts)`. */
export function pt_load_single_entry(pts: PtState): number {
  pts.index = pt_range_to_index(pts);
  pts.range.common.fmt.load_entry(pts);
  return pts.type;
}

/** `_pt_top_range(common, top_of_table)`. */
export function _pt_top_range(common: PtCommon, top_of_table: number): PtRange {
  const fmt = common.fmt;
  const level = top_of_table % 8;
  let max_vasz_lg2 = common.max_vasz_lg2;
  if (
    pt_feature(common, PT_FEAT_DYNAMIC_TOP) && level !== fmt.PT_MAX_TOP_LEVEL
  ) {
    max_vasz_lg2 = Math.min(
      common.max_vasz_lg2,
      fmt.num_items_lg2_level(level) + fmt.isz[level]!,
    );
  }
  const range = new PtRange(
    common,
    pt_top_table(top_of_table),
    0n,
    0n,
    level,
    max_vasz_lg2,
  );
  let m = max_vasz_lg2;
  if (pt_feature(common, PT_FEAT_SIGN_EXTEND)) m--;
  const prefix = fmt.full_va_prefix(common);
  range.va = log2_set_mod(prefix, 0n, m);
  range.last_va = log2_set_mod_max(prefix, m);
  return range;
}

/** `pt_top_range(common)`: the range of the current top (lower half). */
export function pt_top_range(common: PtCommon): PtRange {
  return _pt_top_range(common, common.top_of_table);
}

/** `pt_all_range(common)`: the whole table (va/last invalid with SIGN_EXTEND). */
export function pt_all_range(common: PtCommon): PtRange {
  const range = pt_top_range(common);
  if (!pt_feature(common, PT_FEAT_SIGN_EXTEND)) return range;
  range.last_va = MASK[range.max_vasz_lg2]!;
  return range;
}

/** `pt_upper_range(common)`: the upper half with SIGN_EXTEND. */
export function pt_upper_range(common: PtCommon): PtRange {
  const range = pt_top_range(common);
  if (!pt_feature(common, PT_FEAT_SIGN_EXTEND)) return range;
  range.va = log2_set_mod(U64_MAX, 0n, range.max_vasz_lg2 - 1);
  range.last_va = U64_MAX;
  return range;
}

/** `pt_make_range(common, va, last_va)`; the caller checks it. */
export function pt_make_range(
  common: PtCommon,
  va: bigint,
  last_va: bigint,
): PtRange {
  const range = _pt_top_range(common, common.top_of_table);
  range.va = va;
  range.last_va = last_va;
  return range;
}

/** `pt_make_child_range(parent, va, last_va)`. */
export function pt_make_child_range(
  parent: PtRange,
  va: bigint,
  last_va: bigint,
): PtRange {
  const range = parent.clone();
  range.va = va;
  range.last_va = last_va;
  PT_WARN_ON(range.common, last_va < va);
  PT_WARN_ON(range.common, pt_check_range(range) !== 0);
  return range;
}

/** A walker: `int fn(range, arg, level, table)`. */
export type PtLevelFn<A> = (
  range: PtRange,
  arg: A,
  level: number,
  table: PtTableMem,
) => number;

/** `pt_descend(pts, arg, fn)`. */
export function pt_descend<A>(pts: PtState, arg: A, fn: PtLevelFn<A>): number {
  if (PT_WARN_ON(pts.range.common, pts.table_lower === null)) return -EINVAL;
  return fn(pts.range, arg, pts.level - 1, pts.table_lower!);
}

/** `pt_walk_range(range, fn, arg)`: call `fn` at the top. */
export function pt_walk_range<A>(
  range: PtRange,
  fn: PtLevelFn<A>,
  arg: A,
): number {
  return fn(range, arg, range.top_level, range.top_table!);
}

/** `pt_walk_descend(pts, va, last_va, fn, arg)`: a new walk of a child slice. */
export function pt_walk_descend<A>(
  pts: PtState,
  va: bigint,
  last_va: bigint,
  fn: PtLevelFn<A>,
  arg: A,
): number {
  const range = pt_make_child_range(pts.range, va, last_va);
  const fmt = range.common.fmt;
  if (
    PT_WARN_ON(range.common, !fmt.can_have_table(pts)) ||
    PT_WARN_ON(range.common, pts.table_lower === null)
  ) return -EINVAL;
  return fn(range, arg, pts.level - 1, pts.table_lower!);
}

/** `pt_walk_descend_all(pts, fn, arg)`: walk the whole lower table. */
export function pt_walk_descend_all<A>(
  pts: PtState,
  fn: PtLevelFn<A>,
  arg: A,
): number {
  const isz = pts.range.common.fmt.isz[pts.level]!;
  return pt_walk_descend(
    pts,
    log2_set_mod(pts.range.va, 0n, isz),
    log2_set_mod_max(pts.range.va, isz),
    fn,
    arg,
  );
}

/** `pt_range_slice(pts, start_index, end_index)`. */
export function pt_range_slice(
  pts: PtState,
  start_index: number,
  end_index: number,
): PtRange {
  const t = pt_table_oa_lg2sz(pts);
  const isz = BIG[pts.range.common.fmt.isz[pts.level]!]!;
  const va = log2_set_mod(pts.range.va, BigInt(start_index) << isz, t);
  const last = log2_set_mod(
    pts.range.va,
    ((BigInt(end_index) << isz) - 1n) & MASK[t]!,
    t,
  );
  return pt_make_child_range(pts.range, va, last);
}

/** `pt_top_memsize_lg2(common, top_of_table)`: bytes (lg2) of a top table. */
export function pt_top_memsize_lg2(
  common: PtCommon,
  top_of_table: number,
): number {
  const range = _pt_top_range(common, top_of_table);
  const pts = pt_init_top(range);
  const fmt = common.fmt;
  let n = common.max_vasz_lg2 - fmt.isz[pts.level]!;
  if (
    range.top_level !== fmt.PT_MAX_TOP_LEVEL &&
    pt_feature(common, PT_FEAT_DYNAMIC_TOP)
  ) n = Math.min(n, fmt.num_items_lg2(pts));
  return Math.max(
    ffs64(fmt.PT_TOP_PHYS_MASK),
    n + Math.log2(fmt.PT_ITEM_WORD_SIZE),
  );
}

/**
 * `pt_compute_best_pgsize(bitmap, va, last_va, oa)`: lg2 of the largest size
 * in `bitmap` that va/oa are aligned to and that fits before last_va; 0 if
 * none.
 */
export function pt_compute_best_pgsize(
  pgsz_bitmap: bigint,
  va: bigint,
  last_va: bigint,
  oa: bigint,
): number {
  if (va >= last_va) return 0; // PT_WARN_ON in the kernel
  const len = (last_va - va + 1n) & U64_MAX;
  let mask = va | oa;
  // 2) no larger than the length
  mask |= len === 0n ? 0n : 1n << BIG[fls64(len) - 1]!;
  const best = mask === 0n ? 64 : ffs64(mask);
  if (best < 63) pgsz_bitmap &= MASK[best + 1]!;
  if (pgsz_bitmap === 0n) return 0;
  return fls64(pgsz_bitmap) - 1;
}

/**
 * `pt_pgsz_count(bitmap, va, last_va, oa, pgsize_lg2)` [2026]: how many
 * pages of 2^pgsize_lg2 until a larger supported size becomes usable.
 */
export function pt_pgsz_count(
  pgsz_bitmap: bigint,
  va: bigint,
  last_va: bigint,
  oa: bigint,
  pgsize_lg2: number,
): bigint {
  let len = last_va - va + 1n;
  const larger = pgsz_bitmap & ~MASK[pgsize_lg2 + 1]! & U64_MAX;
  if (larger !== 0n) {
    const next = ffs64(larger);
    if (((va ^ oa) & MASK[next]!) === 0n) {
      const dist = (1n << BIG[next]!) - (va & MASK[next]!);
      if (dist < len) len = dist;
    }
  }
  return len >> BIG[pgsize_lg2]!;
}

export { pt_init, pt_init_top };
