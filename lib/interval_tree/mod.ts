// Copyright 2026 the iommulab authors. MIT license.
/**
 * Interval trees (lib/interval_tree.c), the span iterator
 * (`interval_tree_span_iter_*`), iommufd's double span iterator, and
 * iommufd's `iopt_alloc_iova()` allocator over allowed/reserved/mapped
 * trees.
 *
 * ```ts
 * import {
 *   IntervalTreeNode, IntervalTreeSpanIter, interval_tree_for_each_span,
 *   interval_tree_insert,
 * } from "./mod.ts";
 * import { RbRootCached } from "../rbtree/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const root = new RbRootCached();
 * for (const [s, l] of [[10, 19], [15, 29], [30, 39], [50, 59]]) {
 *   interval_tree_insert(new IntervalTreeNode(s, l), root);
 * }
 * const spans = [];
 * for (const s of interval_tree_for_each_span(new IntervalTreeSpanIter(), root, 0, 99)) {
 *   spans.push(`${s.is_hole ? "hole" : "used"} ${s.start_hole}-${s.last_hole}`);
 * }
 * assert.deepEqual(spans, [
 *   "hole 0-9", "used 10-39", "hole 40-49", "used 50-59", "hole 60-99",
 * ]);
 * ```
 *
 * @module
 */
export * from "./interval_tree.ts";
export * from "./span_iter.ts";
export * from "./double_span.ts";
export * from "./iopt_alloc.ts";
