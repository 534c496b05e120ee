// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ULONG_MAX } from "../kernel/bits.ts";
import { RbRootCached } from "../rbtree/mod.ts";
import { interval_tree_remove } from "./interval_tree.ts";
import {
  interval_tree_for_each_span_cb,
  interval_tree_span_iter_advance,
  interval_tree_span_iter_done,
  interval_tree_span_iter_first,
  interval_tree_span_iter_next,
  IntervalTreeSpanIter,
} from "./span_iter.ts";
import { bitmapSpans, type Span, spans, tree } from "./_test_util.ts";

const H = 1; // hole
const U = 0; // used

const FIRST_TREE: [number, number][] = [[10, 19], [15, 29], [30, 39], [
  50,
  59,
]];

Deno.test("span iterator: worked examples on {[10,19],[15,29],[30,39],[50,59]}", () => {
  const { root } = tree(FIRST_TREE);
  const cases: [number, number, Span[]][] = [
    [0, 99, [[H, 0, 9], [U, 10, 39], [H, 40, 49], [U, 50, 59], [H, 60, 99]]],
    [12, 55, [[U, 12, 39], [H, 40, 49], [U, 50, 55]]],
    [0, ULONG_MAX, [[H, 0, 9], [U, 10, 39], [H, 40, 49], [U, 50, 59], [
      H,
      60,
      ULONG_MAX,
    ]]],
    [35, 35, [[U, 35, 35]]],
    [22, 22, [[U, 22, 22]]],
    [45, 45, [[H, 45, 45]]],
  ];
  for (const [first, last, want] of cases) {
    assert.deepEqual(spans(root, first, last), want, `query ${first}..${last}`);
  }
});

Deno.test("span iterator: worked examples on other trees", () => {
  const cases: [[number, number][], number, number, Span[]][] = [
    [[], 5, 9, [[H, 5, 9]]],
    [[[10, 19], [20, 29]], 0, 39, [[H, 0, 9], [U, 10, 29], [H, 30, 39]]],
    [[[10, 19], [21, 29]], 0, 39, [[H, 0, 9], [U, 10, 19], [H, 20, 20], [
      U,
      21,
      29,
    ], [H, 30, 39]]],
    [[[0, 100]], 10, 20, [[U, 10, 20]]],
    [[[10, 19]], 25, 30, [[H, 25, 30]]],
    [[[10, 50], [12, 14], [60, 70]], 0, 80, [
      [H, 0, 9],
      [U, 10, 50],
      [
        H,
        51,
        59,
      ],
      [U, 60, 70],
      [H, 71, 80],
    ]],
    [[[5, 9]], 0, ULONG_MAX, [[H, 0, 4], [U, 5, 9], [H, 10, ULONG_MAX]]],
    [[[5, ULONG_MAX]], 0, ULONG_MAX, [[H, 0, 4], [U, 5, ULONG_MAX]]],
    [[[0, ULONG_MAX]], 0, ULONG_MAX, [[U, 0, ULONG_MAX]]],
  ];
  for (const [ranges, first, last, want] of cases) {
    const { root } = tree(ranges);
    assert.deepEqual(
      spans(root, first, last),
      want,
      `${JSON.stringify(ranges)} ${first}..${last}`,
    );
  }
});

function cur(it: IntervalTreeSpanIter): Span | "done" {
  if (interval_tree_span_iter_done(it)) return "done";
  return [it.is_hole, it.start_hole, it.last_hole];
}

Deno.test("interval_tree_span_iter_advance(): worked examples", () => {
  const { root } = tree(FIRST_TREE);
  const it = new IntervalTreeSpanIter();
  interval_tree_span_iter_first(it, root, 0, 99);
  assert.deepEqual(cur(it), [H, 0, 9]);
  interval_tree_span_iter_advance(it, root, 5);
  assert.deepEqual(cur(it), [H, 5, 9]);
  interval_tree_span_iter_advance(it, root, 10);
  assert.deepEqual(cur(it), [U, 10, 39]);
  interval_tree_span_iter_advance(it, root, 45);
  assert.deepEqual(cur(it), [H, 45, 49]);
  interval_tree_span_iter_advance(it, root, 100);
  assert.equal(cur(it), "done");

  interval_tree_span_iter_first(it, root, 0, 99);
  interval_tree_span_iter_next(it);
  assert.deepEqual(cur(it), [U, 10, 39]);
  interval_tree_span_iter_advance(it, root, 39);
  assert.deepEqual(cur(it), [U, 39, 39]);
  interval_tree_span_iter_advance(it, root, 40);
  assert.deepEqual(cur(it), [H, 40, 49]);
  interval_tree_span_iter_advance(it, root, 55);
  assert.deepEqual(cur(it), [U, 55, 59]);
  // Continue normally after a re-search.
  interval_tree_span_iter_next(it);
  assert.deepEqual(cur(it), [H, 60, 99]);
  interval_tree_span_iter_next(it);
  assert.equal(cur(it), "done");
  // Advancing a finished walk does nothing.
  interval_tree_span_iter_advance(it, root, 0);
  assert.equal(cur(it), "done");
});

Deno.test("span iterator: start_used/last_used alias start_hole/last_hole", () => {
  const it = new IntervalTreeSpanIter();
  it.start_used = 7;
  it.last_used = 9;
  assert.equal(it.start_hole, 7);
  assert.equal(it.last_hole, 9);
});

Deno.test("interval_tree_for_each_span_cb() stops when the callback returns false", () => {
  const { root } = tree(FIRST_TREE);
  const seen: number[] = [];
  interval_tree_for_each_span_cb(
    new IntervalTreeSpanIter(),
    root,
    0,
    99,
    (s) => {
      seen.push(s.start_hole);
      return seen.length < 3;
    },
  );
  assert.deepEqual(seen, [0, 10, 40]);
});

// Universe of 48 indexes at the bottom, at the top, or in the middle of the
// number range; nodes lie inside it, queries may reach 0 and ULONG_MAX.
const SIZE = 48;
const BASES = [0, ULONG_MAX - SIZE + 1, 2 ** 40];

const arbCase = fc.record({
  base: fc.constantFrom(...BASES),
  nodes: fc.array(
    fc.tuple(fc.nat(SIZE - 1), fc.nat(SIZE - 1)).map(([a, b]) =>
      a <= b ? [a, b] as [number, number] : [b, a] as [number, number]
    ),
    { maxLength: 12 },
  ),
  query: fc.oneof(
    fc.tuple(fc.nat(SIZE - 1), fc.nat(SIZE - 1)).map(([a, b]) =>
      a <= b ? [a, b] : [b, a]
    ),
    fc.constant([-1, -1]), // [0, ULONG_MAX]
    fc.tuple(fc.nat(SIZE - 1), fc.boolean()).map(([a, up]) =>
      up ? [a, -1] : [-1, a]
    ),
  ),
  removals: fc.array(fc.nat(), { maxLength: 4 }),
});

Deno.test("span iterator equals a brute-force bitmap (property, incl. 0 and ULONG_MAX)", () => {
  const seed = 0x5eed;
  try {
    fc.assert(
      fc.property(arbCase, ({ base, nodes, query, removals }) => {
        const abs = nodes.map(([s, l]) =>
          [base + s, base + l] as [number, number]
        );
        const { root, nodes: tnodes } = tree(abs);
        const live = new Set(tnodes);
        for (const r of removals) {
          if (live.size === 0) break;
          const n = [...live][r % live.size];
          interval_tree_remove(n, root);
          live.delete(n);
        }
        const first = query[0] < 0 ? 0 : base + query[0];
        const last = query[1] < 0 ? ULONG_MAX : base + query[1];
        const covered = (i: number): number => {
          for (const n of live) if (n.start <= i && i <= n.last) return U;
          return H;
        };
        const want = bitmapSpans(covered, base, SIZE, H, first, last);
        assert.deepEqual(spans(root, first, last), want);
        // advance() to every index gives the oracle's span trimmed there.
        const it = new IntervalTreeSpanIter();
        interval_tree_span_iter_first(it, root, first, last);
        // Small steps inside the universe, then a jump to `last` (which may
        // be ULONG_MAX) and one past it.
        const lo = Math.max(first, base - 2);
        const hi = Math.min(last, base + SIZE + 1);
        for (const step of [1, 3, 7]) {
          const idxs = [first];
          for (let i = lo; i <= hi; i += step) if (i > first) idxs.push(i);
          if (idxs[idxs.length - 1] !== last) idxs.push(last);
          interval_tree_span_iter_first(it, root, first, last);
          for (const [k, idx] of idxs.entries()) {
            if (k > 0) interval_tree_span_iter_advance(it, root, idx);
            const w = want.find((s) => s[1] <= idx && idx <= s[2])!;
            assert.deepEqual(cur(it), [w[0], idx, w[2]]);
          }
          interval_tree_span_iter_advance(it, root, last + 1);
          assert.equal(cur(it), "done");
        }
      }),
      { seed, numRuns: 400 },
    );
  } catch (e) {
    console.error(`span property failed with seed ${seed}`);
    throw e;
  }
});

Deno.test("span iterator over an empty tree is one hole of [0, ULONG_MAX]", () => {
  assert.deepEqual(spans(new RbRootCached(), 0, ULONG_MAX), [[
    H,
    0,
    ULONG_MAX,
  ]]);
});
