// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  rb_add,
  rb_add_cached,
  RB_BLACK,
  RB_CLEAR_NODE,
  RB_EMPTY_NODE,
  RB_EMPTY_ROOT,
  rb_erase,
  rb_erase_cached,
  rb_find,
  rb_find_add,
  rb_find_first,
  rb_first,
  rb_first_postorder,
  rb_insert_color,
  rb_last,
  rb_link_node,
  rb_next,
  rb_next_match,
  rb_next_postorder,
  rb_prev,
  rb_replace_node,
  rb_replace_node_cached,
  RbLink,
  RbNode,
  RbRoot,
  RbRootCached,
} from "./rbtree.ts";
import { rb_check } from "./rbtree_check.ts";

class TestNode extends RbNode {
  constructor(public key: number, public id = 0) {
    super();
  }
}

const less = (a: TestNode, b: TestNode): boolean => a.key < b.key;

/** xorshift32, seeded, for deterministic random sequences. */
function xorshift(seed: number): () => number {
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

// The lib/rbtree_test.c insert(): descend with a link, then rb_link_node().
function insert(node: TestNode, root: RbRoot): void {
  const link = new RbLink().root(root);
  let parent: RbNode | null = null;
  let cur: RbNode | null;
  while ((cur = link.get()) !== null) {
    parent = cur;
    if (node.key < (cur as TestNode).key) link.left(cur);
    else link.right(cur);
  }
  rb_link_node(node, parent, link);
  rb_insert_color(node, root);
}

function inorder(root: RbRoot): number[] {
  const out: number[] = [];
  for (let n = rb_first(root); n !== null; n = rb_next(n)) {
    out.push((n as TestNode).key);
  }
  return out;
}

function reverse(root: RbRoot): number[] {
  const out: number[] = [];
  for (let n = rb_last(root); n !== null; n = rb_prev(n)) {
    out.push((n as TestNode).key);
  }
  return out;
}

function postorderCount(root: RbRoot): number {
  let count = 0;
  for (let n = rb_first_postorder(root); n !== null; n = rb_next_postorder(n)) {
    count++;
  }
  return count;
}

function assertValid(root: RbRoot, expected: number[]): void {
  const r = rb_check<TestNode>(root, less);
  assert.equal(r.error, null);
  assert.equal(r.count, expected.length);
  // A red-black tree of n nodes has black height <= log2(n + 1) + 1.
  if (expected.length > 0) {
    assert.ok(r.black_height <= Math.log2(expected.length + 1) + 1);
  }
  assert.deepEqual(inorder(root), expected);
  assert.deepEqual(reverse(root), [...expected].reverse());
  assert.equal(postorderCount(root), expected.length);
}

Deno.test("rb_insert_color() and rb_erase() keep the red-black invariants", () => {
  const rnd = xorshift(3141592653);
  const root = new RbRoot();
  const nodes: TestNode[] = [];
  for (let i = 0; i < 300; i++) nodes.push(new TestNode(rnd() % 1000, i));
  const model: number[] = [];
  for (const n of nodes) {
    insert(n, root);
    model.push(n.key);
    model.sort((a, b) => a - b);
    assertValid(root, model);
  }
  // Erase in a shuffled order.
  const order = nodes.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rnd() % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const i of order) {
    rb_erase(nodes[i], root);
    model.splice(model.indexOf(nodes[i].key), 1);
    assertValid(root, model);
  }
  assert.ok(RB_EMPTY_ROOT(root));
});

Deno.test("rbtree matches a sorted array under random insert/erase (property)", () => {
  const seed = 20260101;
  const op = fc.record({
    insert: fc.boolean(),
    key: fc.integer({ min: 0, max: 63 }),
    pick: fc.nat(),
  });
  try {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const root = new RbRootCached();
        const live: TestNode[] = [];
        for (const o of ops) {
          if (o.insert || live.length === 0) {
            const n = new TestNode(o.key);
            const lm = rb_add_cached(n, root, less);
            assert.equal(lm === n, live.every((x) => x.key > n.key));
            live.push(n);
          } else {
            const [n] = live.splice(o.pick % live.length, 1);
            rb_erase_cached(n, root);
          }
          const keys = live.map((x) => x.key).sort((a, b) => a - b);
          const r = rb_check<TestNode>(root.rb_root, less);
          assert.equal(r.error, null);
          assert.deepEqual(inorder(root.rb_root), keys);
          assert.equal(root.rb_leftmost, rb_first(root.rb_root));
        }
      }),
      { seed, numRuns: 150 },
    );
  } catch (e) {
    console.error(`rbtree property failed with seed ${seed}`);
    throw e;
  }
});

Deno.test("rb_add() sorts equal keys in insertion order", () => {
  const root = new RbRoot();
  const nodes = [5, 3, 5, 5, 1, 5].map((k, i) => new TestNode(k, i));
  for (const n of nodes) rb_add(n, root, less);
  const ids: number[] = [];
  for (let n = rb_first(root); n !== null; n = rb_next(n)) {
    ids.push((n as TestNode).id);
  }
  assert.deepEqual(ids, [4, 1, 0, 2, 3, 5]);
});

Deno.test("rb_find(), rb_find_first(), rb_next_match() and rb_find_add()", () => {
  const root = new RbRoot();
  const cmp = (k: number, n: TestNode): number => k - n.key;
  for (const [i, k] of [10, 20, 20, 20, 30].entries()) {
    rb_add(new TestNode(k, i), root, less);
  }
  assert.equal(rb_find(25, root, cmp), null);
  assert.equal(rb_find<number, TestNode>(30, root, cmp)!.key, 30);
  let n = rb_find_first<number, TestNode>(20, root, cmp);
  const ids: number[] = [];
  while (n !== null) {
    ids.push(n.id);
    n = rb_next_match(20, n, cmp);
  }
  assert.deepEqual(ids, [1, 2, 3]);
  const ncmp = (a: TestNode, b: TestNode): number => a.key - b.key;
  const dup = new TestNode(10, 9);
  assert.equal(rb_find_add(dup, root, ncmp)!.id, 0);
  const fresh = new TestNode(15, 9);
  assert.equal(rb_find_add(fresh, root, ncmp), null);
  assert.deepEqual(inorder(root), [10, 15, 20, 20, 20, 30]);
  assert.equal(rb_check(root).error, null);
});

Deno.test("rb_replace_node() swaps a node in place", () => {
  const root = new RbRootCached();
  const nodes = [1, 2, 3, 4, 5, 6, 7].map((k) => new TestNode(k));
  for (const n of nodes) rb_add_cached(n, root, less);
  const colour = nodes[3].rb_color;
  const repl = new TestNode(4, 99);
  rb_replace_node(nodes[3], repl, root.rb_root);
  assert.equal(repl.rb_color, colour);
  assert.deepEqual(inorder(root.rb_root), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(rb_check<TestNode>(root.rb_root, less).error, null);
  const first = new TestNode(1, 98);
  rb_replace_node_cached(nodes[0], first, root);
  assert.equal(root.rb_leftmost, first);
  assert.equal(rb_check<TestNode>(root.rb_root, less).error, null);
});

Deno.test("RB_CLEAR_NODE() makes rb_next()/rb_prev() return null", () => {
  const n = new TestNode(1);
  RB_CLEAR_NODE(n);
  assert.ok(RB_EMPTY_NODE(n));
  assert.equal(rb_next(n), null);
  assert.equal(rb_prev(n), null);
  const root = new RbRoot();
  insert(n, root);
  assert.ok(!RB_EMPTY_NODE(n));
  assert.equal(n.rb_color, RB_BLACK);
});

Deno.test("RbLink.var() supports the iova_insert_rbtree() start-node pattern", () => {
  const root = new RbRoot();
  const nodes = [50, 20, 80, 10, 30].map((k) => new TestNode(k));
  for (const n of nodes) insert(n, root);
  // new = start ? &start : &root->rb_node; descend from a hint node.
  const node = new TestNode(25);
  const start = nodes[1]; // 20, an ancestor of 25's position
  const link = new RbLink().var(start);
  let parent: RbNode | null = null;
  let cur: RbNode | null;
  while ((cur = link.get()) !== null) {
    parent = cur;
    if (node.key < (cur as TestNode).key) link.left(cur);
    else link.right(cur);
  }
  rb_link_node(node, parent, link);
  rb_insert_color(node, root);
  assertValid(root, [10, 20, 25, 30, 50, 80]);
});
