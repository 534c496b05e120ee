// Copyright 2026 the iommulab authors. MIT license.
/**
 * The double span iterator of iommufd (drivers/iommu/iommufd/double_span.h,
 * implemented in pages.c): spans over the union of two interval trees,
 * reporting for each used span which tree provides it. The first tree
 * takes priority.
 *
 * @module
 */
import { ULONG_MAX } from "../kernel/bits.ts";
import type { RbRootCached } from "../rbtree/mod.ts";
import {
  interval_tree_span_iter_advance,
  interval_tree_span_iter_done,
  interval_tree_span_iter_first,
  IntervalTreeSpanIter,
} from "./span_iter.ts";

/** `struct interval_tree_double_span_iter`. */
export class IntervalTreeDoubleSpanIter {
  /** The two trees; `itrees[0]` takes priority. */
  itrees: (RbRootCached | null)[] = [null, null];
  /** One span iterator per tree. */
  spans: IntervalTreeSpanIter[] = [
    new IntervalTreeSpanIter(),
    new IntervalTreeSpanIter(),
  ];
  /** Start of the current hole (same storage as `start_used`). */
  start_hole = 0;
  /** Inclusive end of the current hole (same storage as `last_used`). */
  last_hole = 0;
  /** 0 hole, 1 used by `itrees[0]`, 2 used by `itrees[1]`, -1 done. */
  is_used = -1;

  /** Start of the current used span (union with `start_hole`). */
  get start_used(): number {
    return this.start_hole;
  }
  set start_used(v: number) {
    this.start_hole = v;
  }
  /** Inclusive end of the current used span (union with `last_hole`). */
  get last_used(): number {
    return this.last_hole;
  }
  set last_used(v: number) {
    this.last_hole = v;
  }
}

/** `interval_tree_double_span_iter_update()`. */
export function interval_tree_double_span_iter_update(
  iter: IntervalTreeDoubleSpanIter,
): void {
  let last_hole = ULONG_MAX;
  const spans = iter.spans;
  for (let i = 0; i !== 2; i++) {
    const s = spans[i];
    if (interval_tree_span_iter_done(s)) {
      iter.is_used = -1;
      return;
    }
    if (s.is_hole) {
      if (s.last_hole < last_hole) last_hole = s.last_hole;
      continue;
    }
    iter.is_used = i + 1;
    iter.start_hole = s.start_hole; // start_used
    iter.last_hole = s.last_hole < last_hole ? s.last_hole : last_hole;
    return;
  }
  iter.is_used = 0;
  iter.start_hole = spans[0].start_hole;
  iter.last_hole = spans[0].last_hole < spans[1].last_hole
    ? spans[0].last_hole
    : spans[1].last_hole;
}

/** `interval_tree_double_span_iter_first()`. */
export function interval_tree_double_span_iter_first(
  iter: IntervalTreeDoubleSpanIter,
  itree1: RbRootCached,
  itree2: RbRootCached,
  first_index: number,
  last_index: number,
): void {
  iter.itrees[0] = itree1;
  iter.itrees[1] = itree2;
  interval_tree_span_iter_first(iter.spans[0], itree1, first_index, last_index);
  interval_tree_span_iter_first(iter.spans[1], itree2, first_index, last_index);
  interval_tree_double_span_iter_update(iter);
}

/** `interval_tree_double_span_iter_next()`. */
export function interval_tree_double_span_iter_next(
  iter: IntervalTreeDoubleSpanIter,
): void {
  if (
    iter.is_used === -1 || iter.last_hole === iter.spans[0].last_index
  ) {
    iter.is_used = -1;
    return;
  }
  const next = iter.last_hole + 1;
  interval_tree_span_iter_advance(iter.spans[0], iter.itrees[0]!, next);
  interval_tree_span_iter_advance(iter.spans[1], iter.itrees[1]!, next);
  interval_tree_double_span_iter_update(iter);
}

/** `interval_tree_double_span_iter_done()`. */
export function interval_tree_double_span_iter_done(
  state: IntervalTreeDoubleSpanIter,
): boolean {
  return state.is_used === -1;
}

/**
 * `interval_tree_for_each_double_span(span, itree1, itree2, first, last)` as
 * a generator yielding `span` at each step.
 */
export function* interval_tree_for_each_double_span(
  span: IntervalTreeDoubleSpanIter,
  itree1: RbRootCached,
  itree2: RbRootCached,
  first_index: number,
  last_index: number,
): Generator<IntervalTreeDoubleSpanIter, void, undefined> {
  for (
    interval_tree_double_span_iter_first(
      span,
      itree1,
      itree2,
      first_index,
      last_index,
    );
    !interval_tree_double_span_iter_done(span);
    interval_tree_double_span_iter_next(span)
  ) {
    yield span;
  }
}
