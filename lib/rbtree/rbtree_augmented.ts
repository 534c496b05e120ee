// Copyright 2026 the iommulab authors. MIT license.
/**
 * Augmented red-black trees (include/linux/rbtree_augmented.h): the
 * `{propagate, copy, rotate}` callback objects, `RB_DECLARE_CALLBACKS` and
 * `RB_DECLARE_CALLBACKS_MAX`, and the augmented insert/erase.
 *
 * @module
 */
import {
  __rb_erase_augmented,
  __rb_erase_color,
  __rb_insert,
  rb_link_node_at,
  rb_next,
  type RbAugmentCallbacks,
  type RbLess,
  RbNode,
  type RbRoot,
  type RbRootCached,
} from "./rbtree.ts";

export type { RbAugmentCallbacks };

/**
 * `rb_insert_augmented()`: the user has updated the augmented values on the
 * path to the new node and called rb_link_node(); this rebalances, calling
 * `augment.rotate` on each rotation.
 */
export function rb_insert_augmented(
  node: RbNode,
  root: RbRoot,
  augment: RbAugmentCallbacks,
): void {
  __rb_insert(node, root, augment);
}

/** `rb_insert_augmented_cached()`. */
export function rb_insert_augmented_cached(
  node: RbNode,
  root: RbRootCached,
  newleft: boolean,
  augment: RbAugmentCallbacks,
): void {
  if (newleft) root.rb_leftmost = node;
  __rb_insert(node, root.rb_root, augment);
}

/** `rb_erase_augmented()`. */
export function rb_erase_augmented(
  node: RbNode,
  root: RbRoot,
  augment: RbAugmentCallbacks,
): void {
  const rebalance = __rb_erase_augmented(node, root, augment);
  if (rebalance !== null) __rb_erase_color(rebalance, root, augment);
}

/** `rb_erase_augmented_cached()`. */
export function rb_erase_augmented_cached(
  node: RbNode,
  root: RbRootCached,
  augment: RbAugmentCallbacks,
): void {
  if (root.rb_leftmost === node) root.rb_leftmost = rb_next(node);
  rb_erase_augmented(node, root.rb_root, augment);
}

/** `rb_add_augmented_cached()`: returns `node` if it is the new leftmost. */
export function rb_add_augmented_cached<T extends RbNode>(
  node: T,
  tree: RbRootCached,
  less: RbLess<T>,
  augment: RbAugmentCallbacks,
): T | null {
  let link = tree.rb_root.rb_node as T | null;
  let parent: T | null = null;
  let left = true;
  let leftmost = true;
  while (link !== null) {
    parent = link;
    if (less(node, parent)) {
      left = true;
      link = parent.rb_left as T | null;
    } else {
      left = false;
      link = parent.rb_right as T | null;
      leftmost = false;
    }
  }
  rb_link_node_at(node, parent, left, tree.rb_root);
  augment.propagate(parent, null); // suboptimal
  rb_insert_augmented_cached(node, tree, leftmost, augment);
  return leftmost ? node : null;
}

/**
 * `RB_DECLARE_CALLBACKS()`: callbacks from a `compute(node, exit)` that
 * recomputes the node's augmented value and returns true (with `exit`)
 * when it did not change, and a `copy(old, new)` of the augmented field.
 */
export function RB_DECLARE_CALLBACKS<T extends RbNode>(
  compute: (node: T, exit: boolean) => boolean,
  copy_field: (old: T, newn: T) => void,
): RbAugmentCallbacks {
  return {
    propagate(rb: RbNode | null, stop: RbNode | null): void {
      while (rb !== stop) {
        const node = rb as T;
        if (compute(node, true)) break;
        rb = node.rb_parent;
      }
    },
    copy(old: RbNode, newn: RbNode): void {
      copy_field(old as T, newn as T);
    },
    rotate(old: RbNode, newn: RbNode): void {
      copy_field(old as T, newn as T);
      compute(old as T, false);
    },
  };
}

/**
 * `RB_DECLARE_CALLBACKS_MAX()`: the augmented field of every node holds the
 * maximum of `value(n)` over its subtree. `get`/`set` access that field.
 */
export function RB_DECLARE_CALLBACKS_MAX<T extends RbNode>(
  value: (node: T) => number,
  get: (node: T) => number,
  set: (node: T, v: number) => void,
): RbAugmentCallbacks {
  const compute_max = (node: T, exit: boolean): boolean => {
    let max = value(node);
    const l = node.rb_left as T | null;
    if (l !== null && get(l) > max) max = get(l);
    const r = node.rb_right as T | null;
    if (r !== null && get(r) > max) max = get(r);
    if (exit && get(node) === max) return true;
    set(node, max);
    return false;
  };
  return RB_DECLARE_CALLBACKS<T>(compute_max, (o, n) => set(n, get(o)));
}
