// Copyright 2026 the iommulab authors. MIT license.
/**
 * The interval-tree span iterator (lib/interval_tree.c,
 * `CONFIG_INTERVAL_TREE_SPAN_ITER`): walks `[first_index, last_index]` as
 * alternating holes (no node intersects) and used spans (fully covered by
 * nodes; overlapping or touching nodes merge), greedily, covering the range
 * exactly. Safe up to the lab's `ULONG_MAX`.
 *
 * @module
 */
import { ULONG_MAX } from "../kernel/bits.ts";
import type { RbRootCached } from "../rbtree/mod.ts";
import {
  interval_tree_iter_first,
  interval_tree_iter_next,
  type IntervalTreeNode,
} from "./interval_tree.ts";

/**
 * `struct interval_tree_span_iter`. `start_hole`/`start_used` and
 * `last_hole`/`last_used` are one storage each, like the kernel's unions.
 */
export class IntervalTreeSpanIter {
  /** private: `nodes[2]`. */
  nodes: (IntervalTreeNode | null)[] = [null, null];
  /** private: first index of the walk. */
  first_index = 0;
  /** private: last index of the walk (inclusive). */
  last_index = 0;
  /** Start of the current hole (same storage as `start_used`). */
  start_hole = 0;
  /** Inclusive end of the current hole (same storage as `last_used`). */
  last_hole = 0;
  /** 1 hole, 0 used, -1 done. */
  is_hole = -1;

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

// interval_tree_span_iter_next_gap(): roll nodes[1] into nodes[0] by
// advancing nodes[1] to the end of a contiguous run of nodes. nodes[1] != null.
function next_gap(state: IntervalTreeSpanIter): void {
  const nodes = state.nodes;
  let cur: IntervalTreeNode | null = nodes[1]!;
  let n0 = cur;
  do {
    if (cur.last > n0.last) n0 = cur;
    cur = interval_tree_iter_next(cur, state.first_index, state.last_index);
  } while (
    cur !== null && (n0.last >= cur.start || n0.last + 1 === cur.start)
  );
  nodes[0] = n0;
  nodes[1] = cur;
}

/** `interval_tree_span_iter_first()`: start a walk of `[first, last]`. */
export function interval_tree_span_iter_first(
  iter: IntervalTreeSpanIter,
  itree: RbRootCached,
  first_index: number,
  last_index: number,
): void {
  const nodes = iter.nodes;
  iter.first_index = first_index;
  iter.last_index = last_index;
  nodes[0] = null;
  nodes[1] = interval_tree_iter_first(itree, first_index, last_index);
  const n1 = nodes[1];
  if (n1 === null) {
    // No nodes intersect the span, whole span is hole
    iter.start_hole = first_index;
    iter.last_hole = last_index;
    iter.is_hole = 1;
    return;
  }
  if (n1.start > first_index) {
    // Leading hole on first iteration
    iter.start_hole = first_index;
    iter.last_hole = n1.start - 1;
    iter.is_hole = 1;
    next_gap(iter);
    return;
  }
  // Starting inside a used
  iter.start_hole = first_index; // start_used
  iter.is_hole = 0;
  next_gap(iter);
  iter.last_hole = nodes[0]!.last; // last_used
  if (iter.last_hole >= last_index) {
    iter.last_hole = last_index;
    nodes[0] = null;
    nodes[1] = null;
  }
}

/** `interval_tree_span_iter_next()`: step to the next span, or done. */
export function interval_tree_span_iter_next(iter: IntervalTreeSpanIter): void {
  const nodes = iter.nodes;
  const n0 = nodes[0];
  const n1 = nodes[1];
  if (n0 === null && n1 === null) {
    iter.is_hole = -1;
    return;
  }
  if (iter.is_hole) {
    iter.start_hole = iter.last_hole + 1; // start_used
    iter.last_hole = n0!.last; // last_used
    if (iter.last_hole >= iter.last_index) {
      iter.last_hole = iter.last_index;
      nodes[0] = null;
      nodes[1] = null;
    }
    iter.is_hole = 0;
    return;
  }
  if (n1 === null) {
    // Trailing hole
    iter.start_hole = n0!.last + 1;
    iter.last_hole = iter.last_index;
    nodes[0] = null;
    iter.is_hole = 1;
    return;
  }
  // must have both nodes[0] and [1], interior hole
  iter.start_hole = n0!.last + 1;
  iter.last_hole = n1.start - 1;
  iter.is_hole = 1;
  next_gap(iter);
}

/**
 * `interval_tree_span_iter_advance()`: move the walk to `new_index`; the
 * current span is trimmed when `new_index` lies inside it, otherwise the
 * walk steps or searches again.
 */
export function interval_tree_span_iter_advance(
  iter: IntervalTreeSpanIter,
  itree: RbRootCached,
  new_index: number,
): void {
  if (iter.is_hole === -1) return;
  iter.first_index = new_index;
  if (new_index > iter.last_index) {
    iter.is_hole = -1;
    return;
  }
  // Rely on the union aliasing hole/used
  if (iter.start_hole <= new_index && new_index <= iter.last_hole) {
    iter.start_hole = new_index;
    return;
  }
  // `last_hole + 1` in unsigned long arithmetic (wraps at ULONG_MAX).
  const end1 = iter.last_hole === ULONG_MAX ? 0 : iter.last_hole + 1;
  if (new_index === end1) interval_tree_span_iter_next(iter);
  else interval_tree_span_iter_first(iter, itree, new_index, iter.last_index);
}

/** `interval_tree_span_iter_done()`. */
export function interval_tree_span_iter_done(
  state: IntervalTreeSpanIter,
): boolean {
  return state.is_hole === -1;
}

/**
 * `interval_tree_for_each_span(span, itree, first, last)` as a generator:
 * yields `span` itself at each step (read its fields before the next step).
 *
 * @example Usage
 * ```ts
 * import { RbRootCached } from "../rbtree/mod.ts";
 * import { IntervalTreeNode, interval_tree_insert } from "./interval_tree.ts";
 * import { IntervalTreeSpanIter, interval_tree_for_each_span } from "./span_iter.ts";
 * import assert from "node:assert/strict";
 *
 * const root = new RbRootCached();
 * interval_tree_insert(new IntervalTreeNode(10, 19), root);
 * const out = [];
 * for (const s of interval_tree_for_each_span(new IntervalTreeSpanIter(), root, 0, 29)) {
 *   out.push([s.is_hole, s.start_hole, s.last_hole]);
 * }
 * assert.deepEqual(out, [[1, 0, 9], [0, 10, 19], [1, 20, 29]]);
 * ```
 */
export function* interval_tree_for_each_span(
  span: IntervalTreeSpanIter,
  itree: RbRootCached,
  first_index: number,
  last_index: number,
): Generator<IntervalTreeSpanIter, void, undefined> {
  for (
    interval_tree_span_iter_first(span, itree, first_index, last_index);
    !interval_tree_span_iter_done(span);
    interval_tree_span_iter_next(span)
  ) {
    yield span;
  }
}

/** Callback form of `interval_tree_for_each_span`; return `false` to stop. */
export function interval_tree_for_each_span_cb(
  span: IntervalTreeSpanIter,
  itree: RbRootCached,
  first_index: number,
  last_index: number,
  fn: (span: IntervalTreeSpanIter) => boolean | void,
): void {
  for (
    interval_tree_span_iter_first(span, itree, first_index, last_index);
    !interval_tree_span_iter_done(span);
    interval_tree_span_iter_next(span)
  ) {
    if (fn(span) === false) return;
  }
}
