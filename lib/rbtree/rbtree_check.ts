// Copyright 2026 the iommulab authors. MIT license.
/**
 * Red-black invariant checker (the checks of lib/rbtree_test.c `check()`),
 * for tests and debug assertions.
 *
 * @module
 */
import { RB_BLACK, RB_RED, type RbNode, type RbRoot } from "./rbtree.ts";

/** Result of {@linkcode rb_check}. */
export interface RbCheckResult {
  /** Number of nodes. */
  count: number;
  /** Black nodes on every root-to-leaf path. */
  black_height: number;
  /** First violation found, or null when the tree is valid. */
  error: string | null;
}

/**
 * Checks a tree: parent links, colours, root black, no red node with a red
 * child, the same black count on every path and, with `less`, in-order
 * sortedness (`!less(next, prev)`). Iterative, so deep trees are fine.
 */
export function rb_check<T extends RbNode>(
  root: RbRoot,
  less?: (a: T, b: T) => boolean,
): RbCheckResult {
  const res: RbCheckResult = { count: 0, black_height: 0, error: null };
  const top = root.rb_node;
  if (top === null) return res;
  if (top.rb_parent !== null) return fail(res, "root has a parent");
  if (top.rb_color !== RB_BLACK) return fail(res, "root is red");
  // In-order walk with an explicit stack of (node, blacks above and at it).
  const stack: RbNode[] = [];
  const depth: number[] = [];
  let n: RbNode | null = top;
  let d = 0;
  let prev: RbNode | null = null;
  let leafBlack = -1;
  while (n !== null || stack.length > 0) {
    while (n !== null) {
      if (n.rb_color !== RB_RED && n.rb_color !== RB_BLACK) {
        return fail(res, `bad colour ${n.rb_color}`);
      }
      const nd = d + (n.rb_color === RB_BLACK ? 1 : 0);
      for (const c of [n.rb_left, n.rb_right]) {
        if (c === null) {
          if (leafBlack < 0) leafBlack = nd;
          else if (leafBlack !== nd) {
            return fail(res, `black height ${nd} != ${leafBlack}`);
          }
        } else {
          if (c.rb_parent !== n) return fail(res, "bad parent link");
          if (n.rb_color === RB_RED && c.rb_color === RB_RED) {
            return fail(res, "red node with a red child");
          }
        }
      }
      stack.push(n);
      depth.push(nd);
      n = n.rb_left;
      d = nd;
    }
    n = stack.pop()!;
    d = depth.pop()!;
    res.count++;
    if (less !== undefined && prev !== null && less(n as T, prev as T)) {
      return fail(res, "nodes out of order");
    }
    prev = n;
    n = n.rb_right;
  }
  res.black_height = leafBlack;
  return res;
}

function fail(res: RbCheckResult, msg: string): RbCheckResult {
  res.error = msg;
  return res;
}
