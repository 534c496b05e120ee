// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  rb_add_augmented_cached,
  RB_DECLARE_CALLBACKS_MAX,
  rb_erase_augmented,
  rb_erase_augmented_cached,
  rb_insert_augmented,
  rb_insert_augmented_cached,
} from "./rbtree_augmented.ts";
import {
  rb_first,
  rb_link_node,
  rb_next,
  RbLink,
  RbNode,
  type RbRoot,
  RbRootCached,
} from "./rbtree.ts";
import { rb_check } from "./rbtree_check.ts";

// struct test_node of lib/rbtree_test.c.
class TestNode extends RbNode {
  augmented = 0;
  constructor(public key: number, public val: number) {
    super();
  }
}

const augment_callbacks = RB_DECLARE_CALLBACKS_MAX<TestNode>(
  (n) => n.val,
  (n) => n.augmented,
  (n, v) => {
    n.augmented = v;
  },
);

// insert_augmented() / insert_augmented_cached() of lib/rbtree_test.c.
function insert_augmented(
  node: TestNode,
  root: RbRootCached,
  cached: boolean,
): void {
  const link = new RbLink().root(root.rb_root);
  let rb_parent: RbNode | null = null;
  let leftmost = true;
  let cur: RbNode | null;
  while ((cur = link.get()) !== null) {
    rb_parent = cur;
    const parent = cur as TestNode;
    if (parent.augmented < node.val) parent.augmented = node.val;
    if (node.key < parent.key) link.left(parent);
    else {
      link.right(parent);
      leftmost = false;
    }
  }
  node.augmented = node.val;
  rb_link_node(node, rb_parent, link);
  if (cached) {
    rb_insert_augmented_cached(node, root, leftmost, augment_callbacks);
  } else {
    rb_insert_augmented(node, root.rb_root, augment_callbacks);
  }
}

// check_augmented() of lib/rbtree_test.c, as a recursive subtree max.
function augment_recompute(n: RbNode | null): number {
  if (n === null) return -1;
  const t = n as TestNode;
  const max = Math.max(
    t.val,
    augment_recompute(n.rb_left),
    augment_recompute(n.rb_right),
  );
  assert.equal(t.augmented, max, `augmented of key ${t.key}`);
  return max;
}

function check(root: RbRootCached, count: number): void {
  const r = rb_check<TestNode>(root.rb_root, (a, b) => a.key < b.key);
  assert.equal(r.error, null);
  assert.equal(r.count, count);
  assert.equal(root.rb_leftmost, rb_first(root.rb_root));
  augment_recompute(root.rb_root.rb_node);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

for (const cached of [false, true]) {
  Deno.test(`augmented rbtree (${cached ? "cached" : "plain"}) keeps subtree maxima`, () => {
    const rnd = lcg(cached ? 7 : 11);
    for (let loop = 0; loop < 20; loop++) {
      const root = new RbRootCached();
      const nodes: TestNode[] = [];
      for (let i = 0; i < 100; i++) {
        nodes.push(new TestNode(rnd() % 500, rnd() % 100000));
      }
      for (let j = 0; j < nodes.length; j++) {
        insert_augmented(nodes[j], root, cached);
        if (!cached) root.rb_leftmost = rb_first(root.rb_root);
        check(root, j + 1);
      }
      for (let j = 0; j < nodes.length; j++) {
        // Erase from the middle outwards to hit every erase case.
        const n = nodes[(j * 37) % nodes.length];
        if (cached) rb_erase_augmented_cached(n, root, augment_callbacks);
        else {
          rb_erase_augmented(n, root.rb_root, augment_callbacks);
          root.rb_leftmost = rb_first(root.rb_root);
        }
        check(root, nodes.length - j - 1);
      }
    }
  });
}

Deno.test("rb_add_augmented_cached() maintains maxima and leftmost", () => {
  const root = new RbRootCached();
  const rnd = lcg(99);
  const nodes: TestNode[] = [];
  for (let i = 0; i < 200; i++) {
    const n = new TestNode(rnd() % 1000, rnd() % 1000);
    n.augmented = n.val;
    rb_add_augmented_cached(
      n,
      root,
      (a, b) => a.key < b.key,
      augment_callbacks,
    );
    nodes.push(n);
    check(root, i + 1);
  }
  const keys: number[] = [];
  for (let n = rb_first(root.rb_root); n; n = rb_next(n)) {
    keys.push((n as TestNode).key);
  }
  assert.deepEqual(keys, nodes.map((n) => n.key).sort((a, b) => a - b));
  const r: RbRoot = root.rb_root;
  assert.equal(
    (r.rb_node as TestNode).augmented,
    Math.max(...nodes.map((n) => n.val)),
  );
});
