// Copyright 2026 the iommulab authors. MIT license.
/**
 * Red-black trees as in lib/rbtree.c and include/linux/rbtree.h.
 *
 * Nodes are objects the user embeds: a user type extends {@linkcode RbNode}
 * (so `rb_entry()`/`container_of()` is a cast), and the tree only links
 * nodes. The kernel's `__rb_parent_color` word is split into the two fields
 * `rb_parent` and `rb_color`.
 *
 * @module
 */

/** `RB_RED`. */
export const RB_RED = 0;
/** `RB_BLACK`. */
export const RB_BLACK = 1;

/** `struct rb_node`. Extend it (or hold one) to put an object in a tree. */
export class RbNode {
  /** Parent node (`__rb_parent_color & ~3`); the node itself when cleared. */
  rb_parent: RbNode | null = null;
  /** `RB_RED` or `RB_BLACK` (`__rb_parent_color & 1`). */
  rb_color: number = RB_RED;
  /** Left child. */
  rb_left: RbNode | null = null;
  /** Right child. */
  rb_right: RbNode | null = null;
}

/** `struct rb_root`. */
export class RbRoot {
  /** The root node, or null for an empty tree. */
  rb_node: RbNode | null = null;
}

/** `struct rb_root_cached`: a root with the leftmost node cached. */
export class RbRootCached {
  /** The plain root. */
  rb_root: RbRoot = new RbRoot();
  /** The leftmost (first) node, or null. */
  rb_leftmost: RbNode | null = null;
}

/** `RB_ROOT`: a new empty root. */
export function RB_ROOT(): RbRoot {
  return new RbRoot();
}

/** `RB_ROOT_CACHED`: a new empty cached root. */
export function RB_ROOT_CACHED(): RbRootCached {
  return new RbRootCached();
}

/** `rb_parent(r)`. */
export function rb_parent(node: RbNode): RbNode | null {
  return node.rb_parent;
}

/** `rb_color(rb)`. */
export function rb_color(node: RbNode): number {
  return node.rb_color;
}

/** `rb_is_red(rb)`. */
export function rb_is_red(node: RbNode): boolean {
  return node.rb_color === RB_RED;
}

/** `rb_is_black(rb)`. */
export function rb_is_black(node: RbNode): boolean {
  return node.rb_color === RB_BLACK;
}

/** `RB_EMPTY_ROOT(root)`. */
export function RB_EMPTY_ROOT(root: RbRoot): boolean {
  return root.rb_node === null;
}

/** `RB_EMPTY_NODE(node)`: true for a node known not to be in a tree. */
export function RB_EMPTY_NODE(node: RbNode): boolean {
  return node.rb_parent === node;
}

/** `RB_CLEAR_NODE(node)`: mark a node as not in a tree. */
export function RB_CLEAR_NODE(node: RbNode): void {
  node.rb_parent = node;
}

/** `rb_set_parent()`. */
export function rb_set_parent(rb: RbNode, p: RbNode | null): void {
  rb.rb_parent = p;
}

/** `rb_set_parent_color()`. */
export function rb_set_parent_color(
  rb: RbNode,
  p: RbNode | null,
  color: number,
): void {
  rb.rb_parent = p;
  rb.rb_color = color;
}

/** `__rb_change_child()`: make `parent` (or the root) point at `newn`. */
export function __rb_change_child(
  old: RbNode,
  newn: RbNode | null,
  parent: RbNode | null,
  root: RbRoot,
): void {
  if (parent !== null) {
    if (parent.rb_left === old) parent.rb_left = newn;
    else parent.rb_right = newn;
  } else {
    root.rb_node = newn;
  }
}

/**
 * `struct rb_node **`: the slot a node hangs from — a root's `rb_node`, a
 * node's `rb_left` or `rb_right`, or a local variable (`&start` in
 * iova_insert_rbtree()). Reuse one object across a descent:
 *
 * ```ts ignore
 * const link = new RbLink().root(root);    // link = &root->rb_node
 * let parent = null;
 * while (link.get()) {                     // while (*link)
 *   parent = link.get()!;
 *   if (less) link.left(parent); else link.right(parent);
 * }
 * rb_link_node(node, parent, link);
 * ```
 */
export class RbLink {
  /** The object owning the slot: an RbRoot, an RbNode or null (local). */
  holder: RbRoot | RbNode | null = null;
  /** 0: root or local slot, 1: `rb_left`, 2: `rb_right`. */
  side = 0;
  /** The local variable's value when `holder` is null. */
  local: RbNode | null = null;

  /** `link = &root->rb_node`. */
  root(root: RbRoot): this {
    this.holder = root;
    this.side = 0;
    return this;
  }
  /** `link = &node->rb_left`. */
  left(node: RbNode): this {
    this.holder = node;
    this.side = 1;
    return this;
  }
  /** `link = &node->rb_right`. */
  right(node: RbNode): this {
    this.holder = node;
    this.side = 2;
    return this;
  }
  /** `link = &local` for a local variable holding `value`. */
  var(value: RbNode | null): this {
    this.holder = null;
    this.side = 0;
    this.local = value;
    return this;
  }
  /** `*link`. */
  get(): RbNode | null {
    const h = this.holder;
    if (h === null) return this.local;
    if (this.side === 0) return (h as RbRoot).rb_node;
    return this.side === 1 ? (h as RbNode).rb_left : (h as RbNode).rb_right;
  }
  /** `*link = node`. */
  set(node: RbNode | null): void {
    const h = this.holder;
    if (h === null) this.local = node;
    else if (this.side === 0) (h as RbRoot).rb_node = node;
    else if (this.side === 1) (h as RbNode).rb_left = node;
    else (h as RbNode).rb_right = node;
  }
}

/** `rb_link_node()`: hang a new red node from `link`, below `parent`. */
export function rb_link_node(
  node: RbNode,
  parent: RbNode | null,
  rb_link: RbLink,
): void {
  node.rb_parent = parent;
  node.rb_color = RB_RED;
  node.rb_left = null;
  node.rb_right = null;
  rb_link.set(node);
}

/**
 * Lab form of `rb_link_node()` without a link object: hang `node` below
 * `parent` on the left (`left`) or right side, or as the root when `parent`
 * is null.
 */
export function rb_link_node_at(
  node: RbNode,
  parent: RbNode | null,
  left: boolean,
  root: RbRoot,
): void {
  node.rb_parent = parent;
  node.rb_color = RB_RED;
  node.rb_left = null;
  node.rb_right = null;
  if (parent === null) root.rb_node = node;
  else if (left) parent.rb_left = node;
  else parent.rb_right = node;
}

/** `rb_augment_callbacks.rotate` and friends, as called by the core. */
export interface RbAugmentCallbacks {
  /** Update the augmented value from `node` up to (not including) `stop`. */
  propagate(node: RbNode | null, stop: RbNode | null): void;
  /** Copy the augmented value of `old` to `newn`. */
  copy(old: RbNode, newn: RbNode): void;
  /** After a rotation: `newn` takes `old`'s value, `old` is recomputed. */
  rotate(old: RbNode, newn: RbNode): void;
}

/** `__rb_rotate_set_parents()`. */
function __rb_rotate_set_parents(
  old: RbNode,
  newn: RbNode,
  root: RbRoot,
  color: number,
): void {
  const parent = old.rb_parent;
  newn.rb_parent = old.rb_parent;
  newn.rb_color = old.rb_color;
  old.rb_parent = newn;
  old.rb_color = color;
  __rb_change_child(old, newn, parent, root);
}

/** `__rb_insert()`; `augment` null is the plain rb_insert_color(). */
export function __rb_insert(
  node: RbNode,
  root: RbRoot,
  augment: RbAugmentCallbacks | null,
): void {
  let parent = node.rb_parent; // rb_red_parent()
  let gparent: RbNode;
  let tmp: RbNode | null;

  while (true) {
    // Loop invariant: node is red.
    if (parent === null) {
      node.rb_parent = null;
      node.rb_color = RB_BLACK;
      break;
    }
    if (parent.rb_color === RB_BLACK) break;

    gparent = parent.rb_parent!;
    tmp = gparent.rb_right;
    if (parent !== tmp) { // parent == gparent->rb_left
      if (tmp !== null && tmp.rb_color === RB_RED) {
        // Case 1 - color flips
        rb_set_parent_color(tmp, gparent, RB_BLACK);
        rb_set_parent_color(parent, gparent, RB_BLACK);
        node = gparent;
        parent = node.rb_parent;
        rb_set_parent_color(node, parent, RB_RED);
        continue;
      }
      tmp = parent.rb_right;
      if (node === tmp) {
        // Case 2 - left rotate at parent
        tmp = node.rb_left;
        parent.rb_right = tmp;
        node.rb_left = parent;
        if (tmp !== null) rb_set_parent_color(tmp, parent, RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        if (augment !== null) augment.rotate(parent, node);
        parent = node;
        tmp = node.rb_right;
      }
      // Case 3 - right rotate at gparent
      gparent.rb_left = tmp;
      parent.rb_right = gparent;
      if (tmp !== null) rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      if (augment !== null) augment.rotate(gparent, parent);
      break;
    } else {
      tmp = gparent.rb_left;
      if (tmp !== null && tmp.rb_color === RB_RED) {
        // Case 1 - color flips
        rb_set_parent_color(tmp, gparent, RB_BLACK);
        rb_set_parent_color(parent, gparent, RB_BLACK);
        node = gparent;
        parent = node.rb_parent;
        rb_set_parent_color(node, parent, RB_RED);
        continue;
      }
      tmp = parent.rb_left;
      if (node === tmp) {
        // Case 2 - right rotate at parent
        tmp = node.rb_right;
        parent.rb_left = tmp;
        node.rb_right = parent;
        if (tmp !== null) rb_set_parent_color(tmp, parent, RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        if (augment !== null) augment.rotate(parent, node);
        parent = node;
        tmp = node.rb_left;
      }
      // Case 3 - left rotate at gparent
      gparent.rb_right = tmp;
      parent.rb_left = gparent;
      if (tmp !== null) rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      if (augment !== null) augment.rotate(gparent, parent);
      break;
    }
  }
}

/** `____rb_erase_color()` / `__rb_erase_color()`: rebalance after erase. */
export function __rb_erase_color(
  parent: RbNode,
  root: RbRoot,
  augment: RbAugmentCallbacks | null,
): void {
  let node: RbNode | null = null;
  let sibling: RbNode;
  let tmp1: RbNode | null;
  let tmp2: RbNode | null;
  let p: RbNode | null = parent;

  while (true) {
    parent = p!;
    sibling = parent.rb_right!;
    if (node !== sibling) { // node == parent->rb_left
      if (sibling.rb_color === RB_RED) {
        // Case 1 - left rotate at parent
        tmp1 = sibling.rb_left!;
        parent.rb_right = tmp1;
        sibling.rb_left = parent;
        rb_set_parent_color(tmp1, parent, RB_BLACK);
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        if (augment !== null) augment.rotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = sibling.rb_right;
      if (tmp1 === null || tmp1.rb_color === RB_BLACK) {
        tmp2 = sibling.rb_left;
        if (tmp2 === null || tmp2.rb_color === RB_BLACK) {
          // Case 2 - sibling color flip
          rb_set_parent_color(sibling, parent, RB_RED);
          if (parent.rb_color === RB_RED) {
            parent.rb_color = RB_BLACK;
          } else {
            node = parent;
            p = node.rb_parent;
            if (p !== null) continue;
          }
          break;
        }
        // Case 3 - right rotate at sibling
        tmp1 = tmp2.rb_right;
        sibling.rb_left = tmp1;
        tmp2.rb_right = sibling;
        parent.rb_right = tmp2;
        if (tmp1 !== null) rb_set_parent_color(tmp1, sibling, RB_BLACK);
        if (augment !== null) augment.rotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - left rotate at parent + color flips
      tmp2 = sibling.rb_left;
      parent.rb_right = tmp2;
      sibling.rb_left = parent;
      rb_set_parent_color(tmp1!, sibling, RB_BLACK);
      if (tmp2 !== null) tmp2.rb_parent = parent;
      __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
      if (augment !== null) augment.rotate(parent, sibling);
      break;
    } else {
      sibling = parent.rb_left!;
      if (sibling.rb_color === RB_RED) {
        // Case 1 - right rotate at parent
        tmp1 = sibling.rb_right!;
        parent.rb_left = tmp1;
        sibling.rb_right = parent;
        rb_set_parent_color(tmp1, parent, RB_BLACK);
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        if (augment !== null) augment.rotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = sibling.rb_left;
      if (tmp1 === null || tmp1.rb_color === RB_BLACK) {
        tmp2 = sibling.rb_right;
        if (tmp2 === null || tmp2.rb_color === RB_BLACK) {
          // Case 2 - sibling color flip
          rb_set_parent_color(sibling, parent, RB_RED);
          if (parent.rb_color === RB_RED) {
            parent.rb_color = RB_BLACK;
          } else {
            node = parent;
            p = node.rb_parent;
            if (p !== null) continue;
          }
          break;
        }
        // Case 3 - left rotate at sibling
        tmp1 = tmp2.rb_left;
        sibling.rb_right = tmp1;
        tmp2.rb_left = sibling;
        parent.rb_left = tmp2;
        if (tmp1 !== null) rb_set_parent_color(tmp1, sibling, RB_BLACK);
        if (augment !== null) augment.rotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + color flips
      tmp2 = sibling.rb_right;
      parent.rb_left = tmp2;
      sibling.rb_right = parent;
      rb_set_parent_color(tmp1!, sibling, RB_BLACK);
      if (tmp2 !== null) tmp2.rb_parent = parent;
      __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
      if (augment !== null) augment.rotate(parent, sibling);
      break;
    }
  }
}

/**
 * `__rb_erase_augmented()`: unlink `node`; returns the node to rebalance
 * from, or null. `augment` null is the plain rb_erase().
 */
export function __rb_erase_augmented(
  node: RbNode,
  root: RbRoot,
  augment: RbAugmentCallbacks | null,
): RbNode | null {
  const child = node.rb_right;
  let tmp = node.rb_left;
  let parent: RbNode | null;
  let rebalance: RbNode | null;
  let pp: RbNode | null;
  let pcolor: number;

  if (tmp === null) {
    // Case 1: node to erase has no more than 1 child (easy!)
    pp = node.rb_parent;
    pcolor = node.rb_color;
    parent = pp;
    __rb_change_child(node, child, parent, root);
    if (child !== null) {
      child.rb_parent = pp;
      child.rb_color = pcolor;
      rebalance = null;
    } else {
      rebalance = pcolor === RB_BLACK ? parent : null;
    }
    tmp = parent;
  } else if (child === null) {
    // Still case 1, but this time the child is node->rb_left
    pp = node.rb_parent;
    pcolor = node.rb_color;
    tmp.rb_parent = pp;
    tmp.rb_color = pcolor;
    parent = pp;
    __rb_change_child(node, tmp, parent, root);
    rebalance = null;
    tmp = parent;
  } else {
    let successor: RbNode = child;
    let child2: RbNode | null;

    tmp = child.rb_left;
    if (tmp === null) {
      // Case 2: node's successor is its right child
      parent = successor;
      child2 = successor.rb_right;
      if (augment !== null) augment.copy(node, successor);
    } else {
      // Case 3: node's successor is leftmost under node's right subtree
      do {
        parent = successor;
        successor = tmp;
        tmp = tmp.rb_left;
      } while (tmp !== null);
      child2 = successor.rb_right;
      parent.rb_left = child2;
      successor.rb_right = child;
      child.rb_parent = successor;
      if (augment !== null) {
        augment.copy(node, successor);
        augment.propagate(parent, successor);
      }
    }

    tmp = node.rb_left!;
    successor.rb_left = tmp;
    tmp.rb_parent = successor;

    pp = node.rb_parent;
    pcolor = node.rb_color;
    __rb_change_child(node, successor, pp, root);

    if (child2 !== null) {
      rb_set_parent_color(child2, parent, RB_BLACK);
      rebalance = null;
    } else {
      rebalance = successor.rb_color === RB_BLACK ? parent : null;
    }
    successor.rb_parent = pp;
    successor.rb_color = pcolor;
    tmp = successor;
  }

  if (augment !== null) augment.propagate(tmp, null);
  return rebalance;
}

/** `rb_insert_color()`: rebalance after rb_link_node(). */
export function rb_insert_color(node: RbNode, root: RbRoot): void {
  __rb_insert(node, root, null);
}

/** `rb_erase()`. */
export function rb_erase(node: RbNode, root: RbRoot): void {
  const rebalance = __rb_erase_augmented(node, root, null);
  if (rebalance !== null) __rb_erase_color(rebalance, root, null);
}

/** `rb_first()`: the leftmost node, or null. */
export function rb_first(root: RbRoot): RbNode | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_left !== null) n = n.rb_left;
  return n;
}

/** `rb_last()`: the rightmost node, or null. */
export function rb_last(root: RbRoot): RbNode | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_right !== null) n = n.rb_right;
  return n;
}

/** `rb_next()`: the in-order successor, or null. */
export function rb_next(node: RbNode): RbNode | null {
  if (node.rb_parent === node) return null; // RB_EMPTY_NODE
  let n = node.rb_right;
  if (n !== null) {
    while (n.rb_left !== null) n = n.rb_left;
    return n;
  }
  let parent: RbNode | null;
  while ((parent = node.rb_parent) !== null && node === parent.rb_right) {
    node = parent;
  }
  return parent;
}

/** `rb_prev()`: the in-order predecessor, or null. */
export function rb_prev(node: RbNode): RbNode | null {
  if (node.rb_parent === node) return null; // RB_EMPTY_NODE
  let n = node.rb_left;
  if (n !== null) {
    while (n.rb_right !== null) n = n.rb_right;
    return n;
  }
  let parent: RbNode | null;
  while ((parent = node.rb_parent) !== null && node === parent.rb_left) {
    node = parent;
  }
  return parent;
}

/** `rb_replace_node()`: put `newn` in `victim`'s place, no rebalance. */
export function rb_replace_node(
  victim: RbNode,
  newn: RbNode,
  root: RbRoot,
): void {
  const parent = victim.rb_parent;
  newn.rb_parent = victim.rb_parent;
  newn.rb_color = victim.rb_color;
  newn.rb_left = victim.rb_left;
  newn.rb_right = victim.rb_right;
  if (victim.rb_left !== null) victim.rb_left.rb_parent = newn;
  if (victim.rb_right !== null) victim.rb_right.rb_parent = newn;
  __rb_change_child(victim, newn, parent, root);
}

function rb_left_deepest_node(node: RbNode): RbNode {
  for (;;) {
    if (node.rb_left !== null) node = node.rb_left;
    else if (node.rb_right !== null) node = node.rb_right;
    else return node;
  }
}

/** `rb_next_postorder()`. */
export function rb_next_postorder(node: RbNode | null): RbNode | null {
  if (node === null) return null;
  const parent = node.rb_parent;
  if (parent !== null && node === parent.rb_left && parent.rb_right !== null) {
    return rb_left_deepest_node(parent.rb_right);
  }
  return parent;
}

/** `rb_first_postorder()`. */
export function rb_first_postorder(root: RbRoot): RbNode | null {
  if (root.rb_node === null) return null;
  return rb_left_deepest_node(root.rb_node);
}

/** `rb_first_cached()`: O(1) leftmost. */
export function rb_first_cached(root: RbRootCached): RbNode | null {
  return root.rb_leftmost;
}

/** `rb_insert_color_cached()`. */
export function rb_insert_color_cached(
  node: RbNode,
  root: RbRootCached,
  leftmost: boolean,
): void {
  if (leftmost) root.rb_leftmost = node;
  rb_insert_color(node, root.rb_root);
}

/** `rb_erase_cached()`: returns the new leftmost if it changed, or null. */
export function rb_erase_cached(
  node: RbNode,
  root: RbRootCached,
): RbNode | null {
  let leftmost: RbNode | null = null;
  if (root.rb_leftmost === node) {
    leftmost = root.rb_leftmost = rb_next(node);
  }
  rb_erase(node, root.rb_root);
  return leftmost;
}

/** `rb_replace_node_cached()`. */
export function rb_replace_node_cached(
  victim: RbNode,
  newn: RbNode,
  root: RbRootCached,
): void {
  if (root.rb_leftmost === victim) root.rb_leftmost = newn;
  rb_replace_node(victim, newn, root.rb_root);
}

/** `less(a, b)` for rb_add(): true when `a` sorts before `b`. */
export type RbLess<T extends RbNode> = (a: T, b: T) => boolean;
/** `cmp(key, node)` for rb_find(): <0, 0 or >0. */
export type RbCmp<K, T extends RbNode> = (key: K, node: T) => number;

/** `rb_add_cached()`: returns `node` when it is the new leftmost, or null. */
export function rb_add_cached<T extends RbNode>(
  node: T,
  tree: RbRootCached,
  less: RbLess<T>,
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
  rb_insert_color_cached(node, tree, leftmost);
  return leftmost ? node : null;
}

/** `rb_add()`. */
export function rb_add<T extends RbNode>(
  node: T,
  tree: RbRoot,
  less: RbLess<T>,
): void {
  let link = tree.rb_node as T | null;
  let parent: T | null = null;
  let left = true;
  while (link !== null) {
    parent = link;
    if (less(node, parent)) {
      left = true;
      link = parent.rb_left as T | null;
    } else {
      left = false;
      link = parent.rb_right as T | null;
    }
  }
  rb_link_node_at(node, parent, left, tree);
  rb_insert_color(node, tree);
}

/** `rb_find_add()`: the equal node already present, or null after adding. */
export function rb_find_add<T extends RbNode>(
  node: T,
  tree: RbRoot,
  cmp: (a: T, b: T) => number,
): T | null {
  let link = tree.rb_node as T | null;
  let parent: T | null = null;
  let left = true;
  while (link !== null) {
    parent = link;
    const c = cmp(node, parent);
    if (c < 0) {
      left = true;
      link = parent.rb_left as T | null;
    } else if (c > 0) {
      left = false;
      link = parent.rb_right as T | null;
    } else {
      return parent;
    }
  }
  rb_link_node_at(node, parent, left, tree);
  rb_insert_color(node, tree);
  return null;
}

/** `rb_find()`: a node matching `key`, or null. */
export function rb_find<K, T extends RbNode>(
  key: K,
  tree: RbRoot,
  cmp: RbCmp<K, T>,
): T | null {
  let node = tree.rb_node as T | null;
  while (node !== null) {
    const c = cmp(key, node);
    if (c < 0) node = node.rb_left as T | null;
    else if (c > 0) node = node.rb_right as T | null;
    else return node;
  }
  return null;
}

/** `rb_find_first()`: the leftmost node matching `key`, or null. */
export function rb_find_first<K, T extends RbNode>(
  key: K,
  tree: RbRoot,
  cmp: RbCmp<K, T>,
): T | null {
  let node = tree.rb_node as T | null;
  let match: T | null = null;
  while (node !== null) {
    const c = cmp(key, node);
    if (c <= 0) {
      if (c === 0) match = node;
      node = node.rb_left as T | null;
    } else {
      node = node.rb_right as T | null;
    }
  }
  return match;
}

/** `rb_next_match()`: the next node matching `key`, or null. */
export function rb_next_match<K, T extends RbNode>(
  key: K,
  node: T,
  cmp: RbCmp<K, T>,
): T | null {
  const n = rb_next(node) as T | null;
  if (n !== null && cmp(key, n) !== 0) return null;
  return n;
}
