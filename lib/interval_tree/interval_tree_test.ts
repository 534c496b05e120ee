// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { rb_check, RbRootCached } from "../rbtree/mod.ts";
import {
  interval_tree_insert,
  interval_tree_iter_first,
  interval_tree_iter_next,
  interval_tree_remove,
  IntervalTreeNode,
} from "./interval_tree.ts";
import { xorshift32 } from "./_test_util.ts";

function checkSubtreeLast(n: IntervalTreeNode | null): number {
  if (n === null) return -1;
  const max = Math.max(
    n.last,
    checkSubtreeLast(n.rb_left as IntervalTreeNode | null),
    checkSubtreeLast(n.rb_right as IntervalTreeNode | null),
  );
  assert.equal(n.__subtree_last, max);
  return max;
}

function query(
  root: RbRootCached,
  start: number,
  last: number,
): IntervalTreeNode[] {
  const out: IntervalTreeNode[] = [];
  for (
    let n = interval_tree_iter_first(root, start, last);
    n !== null;
    n = interval_tree_iter_next(n, start, last)
  ) out.push(n);
  return out;
}

Deno.test("interval tree: iter_first/next find exactly the intersecting nodes, by start", () => {
  const rnd = xorshift32(1234);
  const root = new RbRootCached();
  const live: IntervalTreeNode[] = [];
  for (let step = 0; step < 1500; step++) {
    if (live.length < 5 || rnd() % 3 !== 0) {
      const b = rnd() % 1000;
      const a = b === 0 ? 0 : rnd() % (b + 1);
      const n = new IntervalTreeNode(a, b);
      interval_tree_insert(n, root);
      live.push(n);
    } else {
      const [n] = live.splice(rnd() % live.length, 1);
      interval_tree_remove(n, root);
    }
    assert.equal(rb_check(root.rb_root).error, null);
    checkSubtreeLast(root.rb_root.rb_node as IntervalTreeNode | null);
    const qb = rnd() % 1100;
    const qa = rnd() % (qb + 1);
    const want = live.filter((n) => n.start <= qb && qa <= n.last)
      .sort((x, y) => x.start - y.start);
    const got = query(root, qa, qb);
    assert.deepEqual(got.map((n) => n.start), want.map((n) => n.start));
    assert.equal(new Set(got).size, want.length);
    for (const n of got) assert.ok(want.includes(n));
  }
});

Deno.test("interval tree: equal starts come out in insertion order", () => {
  const root = new RbRootCached();
  const nodes = [[5, 9], [5, 6], [5, 20], [1, 2], [5, 5]].map(([s, l]) =>
    new IntervalTreeNode(s, l)
  );
  for (const n of nodes) interval_tree_insert(n, root);
  assert.deepEqual(query(root, 0, 100), [
    nodes[3],
    nodes[0],
    nodes[1],
    nodes[2],
    nodes[4],
  ]);
  assert.deepEqual(query(root, 10, 100), [nodes[2]]);
  assert.deepEqual(query(root, 21, 100), []);
});
