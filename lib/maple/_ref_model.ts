// Copyright 2026 the iommulab authors. MIT license.
/**
 * A reference model of a maple tree for the tests: a sorted array of
 * non-overlapping, non-NULL ranges. Deliberately simple and slow.
 *
 * @module
 */
import { ULONG_MAX } from "../kernel/bits.ts";

/** One stored range. */
export interface RefRange {
  /** First index. */
  first: number;
  /** Last index (inclusive). */
  last: number;
  /** The entry. */
  entry: unknown;
}

/** The model: ranges sorted by `first`. */
export class RefModel {
  /** Sorted, disjoint ranges with non-NULL entries. */
  ranges: RefRange[] = [];

  /** Index of the first range with `last >= index`. */
  lowerBound(index: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid].last < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The range containing `index`, or null. */
  at(index: number): RefRange | null {
    const i = this.lowerBound(index);
    const r = this.ranges[i];
    return r !== undefined && r.first <= index ? r : null;
  }

  /** Stores `entry` (null erases) over [first, last]. */
  store(first: number, last: number, entry: unknown): void {
    const out: RefRange[] = [];
    const i = this.lowerBound(first);
    let j = i;
    const rs = this.ranges;
    while (j < rs.length && rs[j].first <= last) {
      const r = rs[j];
      if (r.first < first) {
        out.push({ first: r.first, last: first - 1, entry: r.entry });
      }
      if (r.last > last) {
        out.push({ first: last + 1, last: r.last, entry: r.entry });
      }
      j++;
    }
    if (entry !== null) out.push({ first, last, entry });
    out.sort((a, b) => a.first - b.first);
    rs.splice(i, j - i, ...out);
  }

  /** True when any index of [first, last] is occupied. */
  occupied(first: number, last: number): boolean {
    const r = this.ranges[this.lowerBound(first)];
    return r !== undefined && r.first <= last;
  }

  /** What `mas_walk` reports: entry and range (NULL ranges are maximal). */
  walk(index: number): RefRange {
    const i = this.lowerBound(index);
    const r = this.ranges[i];
    if (r !== undefined && r.first <= index) return r;
    const first = i > 0 ? this.ranges[i - 1].last + 1 : 0;
    const last = r !== undefined ? r.first - 1 : ULONG_MAX;
    return { first, last, entry: null };
  }

  /** The first range with `last >= index` and `first <= max` (mas_find). */
  find(index: number, max: number): RefRange | null {
    const r = this.ranges[this.lowerBound(index)];
    return r !== undefined && r.first <= max ? r : null;
  }

  /** The last range with `first <= index` and `last >= min` (mas_find_rev). */
  findRev(index: number, min: number): RefRange | null {
    let i = this.lowerBound(index);
    if (i >= this.ranges.length || this.ranges[i].first > index) i--;
    const r = this.ranges[i];
    return r !== undefined && r.last >= min ? r : null;
  }

  /** Lowest start of `size` free indices within [min, max], or -1. */
  emptyArea(min: number, max: number, size: number): number {
    let start = min;
    for (let i = this.lowerBound(min); i <= this.ranges.length; i++) {
      const r = this.ranges[i];
      const end = r === undefined ? ULONG_MAX : r.first - 1;
      if (start + size - 1 <= Math.min(end, max)) return start;
      if (r === undefined || r.last >= max) return -1;
      start = Math.max(start, r.last + 1);
    }
    return -1;
  }

  /** Highest start of `size` free indices within [min, max], or -1. */
  emptyAreaRev(min: number, max: number, size: number): number {
    let end = max;
    let i = this.lowerBound(max);
    if (i < this.ranges.length && this.ranges[i].first <= max) {
      end = this.ranges[i].first - 1;
      if (this.ranges[i].first === 0) return -1;
    }
    for (i = i - 1; i >= -1; i--) {
      const r = this.ranges[i];
      const start = r === undefined ? 0 : r.last + 1;
      const lo = Math.max(start, min);
      if (end >= lo && end - lo + 1 >= size) return end - size + 1;
      if (r === undefined || r.first <= min) return -1;
      end = r.first - 1;
    }
    return -1;
  }
}
