// Copyright 2026 the iommulab authors. MIT license.
/**
 * Test helpers: span collection, bitmap oracles and a seeded PRNG.
 *
 * @module
 */
import { RbRootCached } from "../rbtree/mod.ts";
import { interval_tree_insert, IntervalTreeNode } from "./interval_tree.ts";
import {
  interval_tree_for_each_span,
  IntervalTreeSpanIter,
} from "./span_iter.ts";
import {
  interval_tree_for_each_double_span,
  IntervalTreeDoubleSpanIter,
} from "./double_span.ts";

/** A span as `[kind, start, last]`; kind is is_hole or is_used. */
export type Span = [number, number, number];

/** Builds a tree from inclusive ranges. */
export function tree(ranges: ReadonlyArray<readonly [number, number]>): {
  root: RbRootCached;
  nodes: IntervalTreeNode[];
} {
  const root = new RbRootCached();
  const nodes = ranges.map(([s, l]) => new IntervalTreeNode(s, l));
  for (const n of nodes) interval_tree_insert(n, root);
  return { root, nodes };
}

/** Spans of `interval_tree_for_each_span` as `[is_hole, start, last]`. */
export function spans(root: RbRootCached, first: number, last: number): Span[] {
  const out: Span[] = [];
  for (
    const s of interval_tree_for_each_span(
      new IntervalTreeSpanIter(),
      root,
      first,
      last,
    )
  ) {
    out.push(
      s.is_hole
        ? [1, s.start_hole, s.last_hole]
        : [0, s.start_used, s.last_used],
    );
  }
  return out;
}

/** Spans of the double iterator as `[is_used, start, last]`. */
export function doubleSpans(
  t0: RbRootCached,
  t1: RbRootCached,
  first: number,
  last: number,
): Span[] {
  const out: Span[] = [];
  for (
    const s of interval_tree_for_each_double_span(
      new IntervalTreeDoubleSpanIter(),
      t0,
      t1,
      first,
      last,
    )
  ) out.push([s.is_used, s.start_hole, s.last_hole]);
  return out;
}

/**
 * Oracle: spans of `[first, last]` from a per-index classifier `kind(i)`
 * that is only evaluated inside the universe `[base, base + size - 1]`;
 * indexes outside it have kind `outside`. Consecutive equal kinds merge.
 */
export function bitmapSpans(
  kind: (i: number) => number,
  base: number,
  size: number,
  outside: number,
  first: number,
  last: number,
): Span[] {
  const out: Span[] = [];
  const push = (k: number, s: number, l: number): void => {
    const prev = out[out.length - 1];
    if (prev && prev[0] === k && prev[2] + 1 === s) prev[2] = l;
    else out.push([k, s, l]);
  };
  const ulast = base + size - 1;
  if (first < base) push(outside, first, Math.min(last, base - 1));
  for (let i = Math.max(first, base); i <= Math.min(last, ulast); i++) {
    push(kind(i), i, i);
  }
  if (last > ulast) push(outside, Math.max(first, ulast + 1), last);
  return out;
}

/** A seeded xorshift32 PRNG returning u32 values. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
