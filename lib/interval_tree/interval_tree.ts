// Copyright 2026 the iommulab authors. MIT license.
/**
 * The generic interval tree of lib/interval_tree.c
 * (`INTERVAL_TREE_DEFINE(struct interval_tree_node, rb, unsigned long,
 * __subtree_last, START, LAST,, interval_tree)`): an augmented rbtree of
 * inclusive ranges `[start, last]`, each node keeping the largest `last` of
 * its subtree.
 *
 * @module
 */
import {
  __rb_erase_augmented,
  __rb_erase_color,
  __rb_insert,
  rb_next,
  type RbAugmentCallbacks,
  RbNode,
  type RbRootCached,
} from "../rbtree/mod.ts";

/**
 * `struct interval_tree_node`. Extend it to put an object in an interval
 * tree (as iommufd's `iopt_area` embeds one).
 */
export class IntervalTreeNode extends RbNode {
  /** Start of interval. */
  start: number;
  /** Last location in interval (inclusive). */
  last: number;
  /** Largest `last` in this node's subtree. */
  __subtree_last = 0;

  /** A node for `[start, last]`, not in any tree. */
  constructor(start = 0, last = 0) {
    super();
    this.start = start;
    this.last = last;
  }
}

// RB_DECLARE_CALLBACKS_MAX(static, interval_tree_augment, ...)
function compute_max(node: IntervalTreeNode, exit: boolean): boolean {
  let max = node.last;
  const l = node.rb_left as IntervalTreeNode | null;
  if (l !== null && l.__subtree_last > max) max = l.__subtree_last;
  const r = node.rb_right as IntervalTreeNode | null;
  if (r !== null && r.__subtree_last > max) max = r.__subtree_last;
  if (exit && node.__subtree_last === max) return true;
  node.__subtree_last = max;
  return false;
}

class IntervalTreeAugment implements RbAugmentCallbacks {
  propagate(rb: RbNode | null, stop: RbNode | null): void {
    while (rb !== stop) {
      const node = rb as IntervalTreeNode;
      if (compute_max(node, true)) break;
      rb = node.rb_parent;
    }
  }
  copy(old: RbNode, newn: RbNode): void {
    (newn as IntervalTreeNode).__subtree_last =
      (old as IntervalTreeNode).__subtree_last;
  }
  rotate(old: RbNode, newn: RbNode): void {
    (newn as IntervalTreeNode).__subtree_last =
      (old as IntervalTreeNode).__subtree_last;
    compute_max(old as IntervalTreeNode, false);
  }
}

/** `interval_tree_augment`: the augment callbacks of the interval tree. */
export const interval_tree_augment: RbAugmentCallbacks =
  new IntervalTreeAugment();

/** `interval_tree_insert()`: equal starts go right (insertion order). */
export function interval_tree_insert(
  node: IntervalTreeNode,
  root: RbRootCached,
): void {
  let parent: IntervalTreeNode | null = null;
  let link = root.rb_root.rb_node as IntervalTreeNode | null;
  const start = node.start;
  const last = node.last;
  let left = true;
  let leftmost = true;

  while (link !== null) {
    parent = link;
    if (parent.__subtree_last < last) parent.__subtree_last = last;
    if (start < parent.start) {
      left = true;
      link = parent.rb_left as IntervalTreeNode | null;
    } else {
      left = false;
      link = parent.rb_right as IntervalTreeNode | null;
      leftmost = false;
    }
  }

  node.__subtree_last = last;
  // rb_link_node()
  node.rb_parent = parent;
  node.rb_color = 0;
  node.rb_left = null;
  node.rb_right = null;
  if (parent === null) root.rb_root.rb_node = node;
  else if (left) parent.rb_left = node;
  else parent.rb_right = node;
  // rb_insert_augmented_cached()
  if (leftmost) root.rb_leftmost = node;
  __rb_insert(node, root.rb_root, interval_tree_augment);
}

/** `interval_tree_remove()`. */
export function interval_tree_remove(
  node: IntervalTreeNode,
  root: RbRootCached,
): void {
  // rb_erase_augmented_cached()
  if (root.rb_leftmost === node) root.rb_leftmost = rb_next(node);
  const rebalance = __rb_erase_augmented(
    node,
    root.rb_root,
    interval_tree_augment,
  );
  if (rebalance !== null) {
    __rb_erase_color(rebalance, root.rb_root, interval_tree_augment);
  }
}

// interval_tree_subtree_search(): leftmost node of the subtree intersecting
// [start, last]. Invariant: start <= node.__subtree_last.
function subtree_search(
  node: IntervalTreeNode,
  start: number,
  last: number,
): IntervalTreeNode | null {
  while (true) {
    const left = node.rb_left as IntervalTreeNode | null;
    if (left !== null && start <= left.__subtree_last) {
      node = left;
      continue;
    }
    if (node.start <= last) { // Cond1
      if (start <= node.last) return node; // Cond2
      const right = node.rb_right as IntervalTreeNode | null;
      if (right !== null) {
        node = right;
        if (start <= node.__subtree_last) continue;
      }
    }
    return null;
  }
}

/**
 * `interval_tree_iter_first()`: the first node (lowest start) intersecting
 * `[start, last]`, or null.
 */
export function interval_tree_iter_first(
  root: RbRootCached,
  start: number,
  last: number,
): IntervalTreeNode | null {
  const node = root.rb_root.rb_node as IntervalTreeNode | null;
  if (node === null) return null;
  if (node.__subtree_last < start) return null;
  const leftmost = root.rb_leftmost as IntervalTreeNode;
  if (leftmost.start > last) return null;
  return subtree_search(node, start, last);
}

/**
 * `interval_tree_iter_next()`: the next node after `node` intersecting
 * `[start, last]`, or null.
 */
export function interval_tree_iter_next(
  node: IntervalTreeNode,
  start: number,
  last: number,
): IntervalTreeNode | null {
  let rb = node.rb_right as IntervalTreeNode | null;
  let prev: IntervalTreeNode;
  while (true) {
    // Loop invariants: node.start <= last, rb == node.rb_right.
    if (rb !== null && start <= rb.__subtree_last) {
      return subtree_search(rb, start, last);
    }
    // Move up the tree until we come from a node's left child.
    do {
      const p = node.rb_parent as IntervalTreeNode | null;
      if (p === null) return null;
      prev = node;
      node = p;
      rb = node.rb_right as IntervalTreeNode | null;
    } while (prev === rb);
    if (last < node.start) return null; // !Cond1
    if (start <= node.last) return node; // Cond2
  }
}
