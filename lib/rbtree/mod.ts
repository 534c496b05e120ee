// Copyright 2026 the iommulab authors. MIT license.
/**
 * Red-black trees, plain and augmented, mirroring lib/rbtree.c,
 * include/linux/rbtree.h and include/linux/rbtree_augmented.h.
 *
 * A user type extends {@linkcode RbNode}; the tree links those objects.
 *
 * ```ts
 * import { RbNode, RbRoot, rb_add, rb_first, rb_next } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * class Item extends RbNode {
 *   constructor(public key: number) { super(); }
 * }
 * const root = new RbRoot();
 * for (const k of [3, 1, 2]) rb_add(new Item(k), root, (a, b) => a.key < b.key);
 * const keys = [];
 * for (let n = rb_first(root); n; n = rb_next(n)) keys.push((n as Item).key);
 * assert.deepEqual(keys, [1, 2, 3]);
 * ```
 *
 * @module
 */
export * from "./rbtree.ts";
export * from "./rbtree_augmented.ts";
export { rb_check, type RbCheckResult } from "./rbtree_check.ts";
