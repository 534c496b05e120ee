// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `interval_tree`: the interval tree, the span iterator, the
 * double span iterator and iommufd's `iopt_alloc_iova()`.
 *
 * The worked examples of the reference, plus the checks of
 * lib/interval_tree_test.c (`intersection_range_check`,
 * `span_iteration_check`, v6.15): random trees, with a maple tree
 * (`MT_FLAGS_ALLOC_RANGE`, `mtree_store_range`) as the oracle of the spans,
 * walked with `mas_cur_span()` as the kernel does.
 *
 * @module
 */
import type { ULongPtr } from "../lib/kernel/bits.ts";
import { PAGE_SIZE } from "../lib/kernel/page_alloc.ts";
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_CASE,
  KUNIT_CASE_SLOW,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_TRUE,
  KUNIT_FAIL,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  EADDRINUSE,
  EINVAL,
  ENOSPC,
  EOVERFLOW,
  GFP_KERNEL,
  prandom_u32_state,
  ULONG_MAX,
  Xoshiro128,
} from "../lib/kernel/mod.ts";
import { RbRootCached } from "../lib/rbtree/mod.ts";
import {
  interval_tree_double_span_iter_done,
  interval_tree_double_span_iter_first,
  interval_tree_double_span_iter_next,
  interval_tree_insert,
  interval_tree_iter_first,
  interval_tree_iter_next,
  interval_tree_remove,
  interval_tree_span_iter_advance,
  interval_tree_span_iter_done,
  interval_tree_span_iter_first,
  interval_tree_span_iter_next,
  IntervalTreeDoubleSpanIter,
  IntervalTreeNode,
  IntervalTreeSpanIter,
  IoPagetable,
  IOPT_ALLOC_IOVA,
  iopt_alloc_iova,
  iopt_map_user_pages,
  iopt_reserve_iova,
  iopt_set_allow_iova,
  IoptAllowed,
} from "../lib/interval_tree/mod.ts";
import {
  ma_overflow,
  MapleTree,
  mas_next_range,
  mas_set,
  mas_walk,
  MaState,
  MT_FLAGS_ALLOC_RANGE,
  mt_init_flags,
  mt_set_in_rcu,
  mtree_destroy,
  mtree_store_range,
} from "../lib/maple/mod.ts";

// Module parameters of lib/interval_tree_test.c (search_loops reduced).
const nnodes = 100;
const nsearches = 100;
const search_loops = 20;
const max_endpoint = 0xffffffff; // ~0 as a uint
const seed = 3141592653589793238 % 2 ** 53;

type Span = [number, number, number];

function build(ranges: ReadonlyArray<readonly [number, number]>): RbRootCached {
  const root = new RbRootCached();
  for (const [s, l] of ranges) {
    interval_tree_insert(new IntervalTreeNode(s, l), root);
  }
  return root;
}

function walk(root: RbRootCached, first: number, last: number): Span[] {
  const out: Span[] = [];
  const span = new IntervalTreeSpanIter();
  for (
    interval_tree_span_iter_first(span, root, first, last);
    !interval_tree_span_iter_done(span);
    interval_tree_span_iter_next(span)
  ) out.push([span.is_hole, span.start_hole, span.last_hole]);
  return out;
}

function walk2(
  t0: RbRootCached,
  t1: RbRootCached,
  first: number,
  last: number,
): Span[] {
  const out: Span[] = [];
  const span = new IntervalTreeDoubleSpanIter();
  for (
    interval_tree_double_span_iter_first(span, t0, t1, first, last);
    !interval_tree_double_span_iter_done(span);
    interval_tree_double_span_iter_next(span)
  ) out.push([span.is_used, span.start_hole, span.last_hole]);
  return out;
}

function expect_spans(test: Kunit, got: Span[], want: Span[]): void {
  KUNIT_EXPECT_EQ(test, JSON.stringify(got), JSON.stringify(want));
}

const FIRST: [number, number][] = [[10, 19], [15, 29], [30, 39], [50, 59]];

/** §6.3: the spans of {[10,19],[15,29],[30,39],[50,59]}. */
function span_iter_worked_examples(test: Kunit): void {
  const root = build(FIRST);
  expect_spans(test, walk(root, 0, 99), [[1, 0, 9], [0, 10, 39], [1, 40, 49], [
    0,
    50,
    59,
  ], [1, 60, 99]]);
  expect_spans(test, walk(root, 12, 55), [[0, 12, 39], [1, 40, 49], [
    0,
    50,
    55,
  ]]);
  expect_spans(test, walk(root, 0, ULONG_MAX), [
    [1, 0, 9],
    [0, 10, 39],
    [
      1,
      40,
      49,
    ],
    [0, 50, 59],
    [1, 60, ULONG_MAX],
  ]);
  expect_spans(test, walk(root, 35, 35), [[0, 35, 35]]);
  expect_spans(test, walk(root, 22, 22), [[0, 22, 22]]);
  expect_spans(test, walk(root, 45, 45), [[1, 45, 45]]);
}

/** §6.3: merging, nesting, clamping and empty trees. */
function span_iter_other_trees(test: Kunit): void {
  expect_spans(test, walk(build([]), 5, 9), [[1, 5, 9]]);
  expect_spans(test, walk(build([[10, 19], [20, 29]]), 0, 39), [[1, 0, 9], [
    0,
    10,
    29,
  ], [1, 30, 39]]);
  expect_spans(test, walk(build([[10, 19], [21, 29]]), 0, 39), [
    [1, 0, 9],
    [0, 10, 19],
    [1, 20, 20],
    [0, 21, 29],
    [1, 30, 39],
  ]);
  expect_spans(test, walk(build([[0, 100]]), 10, 20), [[0, 10, 20]]);
  expect_spans(test, walk(build([[10, 19]]), 25, 30), [[1, 25, 30]]);
  expect_spans(test, walk(build([[10, 50], [12, 14], [60, 70]]), 0, 80), [
    [1, 0, 9],
    [0, 10, 50],
    [1, 51, 59],
    [0, 60, 70],
    [1, 71, 80],
  ]);
}

/** §6.4: iterating up to ULONG_MAX neither overflows nor loses a span. */
function span_iter_ulong_max(test: Kunit): void {
  expect_spans(test, walk(build([[5, 9]]), 0, ULONG_MAX), [[1, 0, 4], [
    0,
    5,
    9,
  ], [1, 10, ULONG_MAX]]);
  expect_spans(test, walk(build([[5, ULONG_MAX]]), 0, ULONG_MAX), [[1, 0, 4], [
    0,
    5,
    ULONG_MAX,
  ]]);
  expect_spans(test, walk(build([[0, ULONG_MAX]]), 0, ULONG_MAX), [[
    0,
    0,
    ULONG_MAX,
  ]]);
  expect_spans(
    test,
    walk(build([[ULONG_MAX, ULONG_MAX]]), ULONG_MAX - 1, ULONG_MAX),
    [[1, ULONG_MAX - 1, ULONG_MAX - 1], [0, ULONG_MAX, ULONG_MAX]],
  );
}

/** §6.3: interval_tree_span_iter_advance() on the first tree. */
function span_iter_advance(test: Kunit): void {
  const root = build(FIRST);
  const it = new IntervalTreeSpanIter();
  const cur = (): string =>
    it.is_hole === -1
      ? "done"
      : `${it.is_hole ? "hole" : "used"} ${it.start_hole}-${it.last_hole}`;
  interval_tree_span_iter_first(it, root, 0, 99);
  const steps: [number, string][] = [
    [5, "hole 5-9"],
    [10, "used 10-39"],
    [45, "hole 45-49"],
    [100, "done"],
  ];
  for (const [idx, want] of steps) {
    interval_tree_span_iter_advance(it, root, idx);
    KUNIT_EXPECT_EQ(test, cur(), want);
  }
  interval_tree_span_iter_first(it, root, 0, 99);
  interval_tree_span_iter_next(it);
  const steps2: [number, string][] = [
    [39, "used 39-39"],
    [40, "hole 40-49"],
    [55, "used 55-59"],
  ];
  for (const [idx, want] of steps2) {
    interval_tree_span_iter_advance(it, root, idx);
    KUNIT_EXPECT_EQ(test, cur(), want);
  }
}

/** §7: the double span iterator, tree 0 first. */
function double_span_worked_examples(test: Kunit): void {
  expect_spans(
    test,
    walk2(build([[10, 19]]), build([[0, 29], [40, 49]]), 0, 59),
    [[2, 0, 9], [1, 10, 19], [2, 20, 29], [0, 30, 39], [2, 40, 49], [
      0,
      50,
      59,
    ]],
  );
  expect_spans(
    test,
    walk2(build([[0, 9], [20, 29]]), build([[5, 24]]), 0, 29),
    [[1, 0, 9], [2, 10, 19], [1, 20, 29]],
  );
  expect_spans(test, walk2(build([]), build([[3, 5]]), 0, 9), [[0, 0, 2], [
    2,
    3,
    5,
  ], [0, 6, 9]]);
  expect_spans(test, walk2(build([[0, 9]]), build([]), 0, 9), [[1, 0, 9]]);
  expect_spans(test, walk2(build([]), build([]), 0, 9), [[0, 0, 9]]);
  expect_spans(
    test,
    walk2(build([[0, 4]]), build([[3, ULONG_MAX]]), 0, ULONG_MAX),
    [[1, 0, 4], [2, 5, ULONG_MAX]],
  );
}

// init() of lib/interval_tree_test.c.
function init(
  rnd: Xoshiro128,
  nodes: IntervalTreeNode[],
  queries: number[],
): void {
  for (let i = 0; i < nnodes; i++) {
    const b = (prandom_u32_state(rnd) >>> 4) % max_endpoint;
    const a = b === 0 ? 0 : (prandom_u32_state(rnd) >>> 4) % b;
    nodes[i].start = a;
    nodes[i].last = b;
  }
  for (let i = 0; i < nsearches; i++) {
    queries[i] = (prandom_u32_state(rnd) >>> 4) % max_endpoint;
  }
}

function random_query(rnd: Xoshiro128, k: number): [number, number] {
  if (!k) return [0, ULONG_MAX]; // Try whole range once
  const last = (prandom_u32_state(rnd) >>> 4) % max_endpoint;
  const start = last === 0 ? 0 : (prandom_u32_state(rnd) >>> 4) % last;
  return [start, last];
}

/** lib/interval_tree_test.c intersection_range_check(). */
function intersection_range_check(test: Kunit): void {
  const rnd = new Xoshiro128(seed);
  const root = new RbRootCached();
  const nodes = Array.from({ length: nnodes }, () => new IntervalTreeNode());
  const queries: number[] = [];
  const intxn1 = new Uint8Array(nnodes);
  const intxn2 = new Uint8Array(nnodes);
  const index = new Map(nodes.map((n, i) => [n, i]));
  let bad = 0;
  for (let i = 0; i < search_loops; i++) {
    init(rnd, nodes, queries);
    for (const n of nodes) interval_tree_insert(n, root);
    for (let k = 0; k < nsearches; k++) {
      const [start, last] = random_query(rnd, k);
      intxn1.fill(0);
      for (let j = 0; j < nnodes; j++) {
        const node = nodes[j];
        if (start <= node.last && last >= node.start) intxn1[j] = 1;
      }
      intxn2.fill(0);
      for (
        let node = interval_tree_iter_first(root, start, last);
        node;
        node = interval_tree_iter_next(node, start, last)
      ) intxn2[index.get(node)!] = 1;
      if (intxn1.join() !== intxn2.join()) bad++;
    }
    for (const n of nodes) interval_tree_remove(n, root);
  }
  KUNIT_EXPECT_EQ(test, bad, 0);
  KUNIT_EXPECT_TRUE(test, root.rb_root.rb_node === null);
}

// mas_cur_span() of lib/interval_tree_test.c: the span at the maple state's
// position, from the maple tree's point of view.
function mas_cur_span(mas: MaState, state: IntervalTreeSpanIter): void {
  if (mas.status === ma_overflow) return;
  state.is_hole = mas_walk(mas) ? 0 : 1;
  const cur_start = mas.index < state.first_index
    ? state.first_index
    : mas.index;
  let cur_last: number;
  let is_hole: number;
  do {
    cur_last = mas.last > state.last_index ? state.last_index : mas.last;
    is_hole = mas_next_range(mas, state.last_index) ? 0 : 1;
  } while (mas.status !== ma_overflow && is_hole === state.is_hole);
  state.start_hole = cur_start;
  state.last_hole = cur_last;
  if (mas.status !== ma_overflow) mas_set(mas, cur_last + 1);
}

/** lib/interval_tree_test.c span_iteration_check(): maple tree as oracle. */
function span_iteration_check(test: Kunit): void {
  const rnd = new Xoshiro128(seed);
  const root = new RbRootCached();
  const nodes = Array.from({ length: nnodes }, () => new IntervalTreeNode());
  const queries: number[] = [];
  const tree = new MapleTree();
  const mas = new MaState(tree, 0, 0);
  const span = new IntervalTreeSpanIter();
  const mas_span = new IntervalTreeSpanIter();
  let bad = 0;
  let steps = 0;
  for (let i = 0; i < search_loops; i++) {
    init(rnd, nodes, queries);
    for (const n of nodes) interval_tree_insert(n, root);
    mt_init_flags(tree, MT_FLAGS_ALLOC_RANGE);
    mt_set_in_rcu(tree);
    for (const n of nodes) {
      KUNIT_ASSERT_EQ(
        test,
        mtree_store_range(tree, n.start, n.last, n, GFP_KERNEL),
        0,
      );
    }
    for (let k = 0; k < nsearches; k++) {
      const [start, last] = random_query(rnd, k);
      mas_span.first_index = start;
      mas_span.last_index = last;
      mas_span.is_hole = -1;
      mas_set(mas, start);
      for (
        interval_tree_span_iter_first(span, root, start, last);
        !interval_tree_span_iter_done(span);
        interval_tree_span_iter_next(span)
      ) {
        mas_cur_span(mas, mas_span);
        steps++;
        if (
          span.is_hole !== mas_span.is_hole ||
          span.start_hole !== mas_span.start_hole ||
          span.last_hole !== mas_span.last_hole
        ) {
          if (bad++ === 0) {
            KUNIT_FAIL(
              test,
              `query ${start}..${last}: span ${span.is_hole} ` +
                `${span.start_hole}-${span.last_hole}, maple ` +
                `${mas_span.is_hole} ${mas_span.start_hole}-${mas_span.last_hole}`,
            );
          }
        }
      }
      KUNIT_EXPECT_EQ(test, mas.status, ma_overflow);
    }
    mtree_destroy(tree);
    for (const n of nodes) interval_tree_remove(n, root);
  }
  KUNIT_EXPECT_EQ(test, bad, 0);
  KUNIT_EXPECT_TRUE(test, steps > search_loops * nsearches);
}

function alloc(
  iopt: IoPagetable,
  uptr: number,
  length: number,
): number {
  const iova: ULongPtr = { value: 0 };
  const rc = iopt_map_user_pages(iopt, iova, uptr, length, 0, IOPT_ALLOC_IOVA);
  return rc < 0 ? rc : iova.value;
}

/** tools/testing/selftests/iommu/iommufd.c area_auto_iova, without domain. */
function iopt_area_auto_iova(test: Kunit): void {
  const iopt = new IoPagetable();
  const uptr = 2 ** 31;
  // 10 single pages: first fit from PAGE_SIZE, never IOVA 0.
  for (let i = 0; i < 10; i++) {
    KUNIT_EXPECT_EQ(test, alloc(iopt, uptr, PAGE_SIZE), PAGE_SIZE * (i + 1));
  }
  // (i + 1)-page maps are naturally aligned to their rounded-up size.
  for (let i = 0; i < 10; i++) {
    const length = PAGE_SIZE * (i + 1);
    const iova = alloc(iopt, uptr, length);
    KUNIT_ASSERT_TRUE_iova(test, iova);
    const align = 2 ** Math.ceil(Math.log2(length));
    KUNIT_EXPECT_EQ(test, iova % Math.min(align, 2 * 1024 * 1024), 0);
  }
  // An allowed range intersecting a reserved one fails with EADDRINUSE.
  const iopt2 = new IoPagetable();
  KUNIT_EXPECT_EQ(
    test,
    iopt_reserve_iova(iopt2, PAGE_SIZE * 4, PAGE_SIZE * 104 - 1, null),
    0,
  );
  for (let i = 0; i < 10; i++) {
    const iova = alloc(iopt2, uptr, PAGE_SIZE * (i + 1));
    KUNIT_EXPECT_TRUE(
      test,
      iova >= PAGE_SIZE * 104 || iova + PAGE_SIZE * (i + 1) <= PAGE_SIZE * 4,
    );
  }
  const allowed = new RbRootCached();
  interval_tree_insert(
    new IoptAllowed(PAGE_SIZE * 50, PAGE_SIZE * 60 - 1),
    allowed,
  );
  KUNIT_EXPECT_EQ(test, iopt_set_allow_iova(iopt2, allowed), -EADDRINUSE);
  // With an allowed range [200, 600) pages every IOVA lands inside it.
  const iopt3 = new IoPagetable();
  const allow3 = new RbRootCached();
  interval_tree_insert(
    new IoptAllowed(PAGE_SIZE * 200, PAGE_SIZE * 600 - 1),
    allow3,
  );
  KUNIT_EXPECT_EQ(test, iopt_set_allow_iova(iopt3, allow3), 0);
  for (let i = 0; i < 10; i++) {
    const length = PAGE_SIZE * (i + 1);
    const iova = alloc(iopt3, uptr, length);
    KUNIT_EXPECT_TRUE(
      test,
      iova >= PAGE_SIZE * 200 && iova + length <= PAGE_SIZE * 600,
    );
  }
}

function KUNIT_ASSERT_TRUE_iova(test: Kunit, iova: number): void {
  KUNIT_ASSERT_EQ(test, iova > 0, true);
}

/** iopt_alloc_iova() error codes. */
function iopt_alloc_iova_errors(test: Kunit): void {
  const iopt = new IoPagetable();
  const iova: ULongPtr = { value: 0 };
  KUNIT_EXPECT_EQ(test, iopt_alloc_iova(iopt, iova, 0, 0), -EOVERFLOW);
  KUNIT_EXPECT_EQ(
    test,
    iopt_alloc_iova(iopt, iova, 0, Math.floor(ULONG_MAX / 2)),
    -EOVERFLOW,
  );
  iopt.iova_alignment = 2 * PAGE_SIZE;
  // uptr aligned to one page only: alignment 4096 < iova_alignment.
  KUNIT_EXPECT_EQ(
    test,
    iopt_alloc_iova(iopt, iova, PAGE_SIZE, 4 * PAGE_SIZE),
    -EINVAL,
  );
  iopt.iova_alignment = 1;
  // Everything reserved: no space.
  KUNIT_EXPECT_EQ(test, iopt_reserve_iova(iopt, 0, ULONG_MAX, null), 0);
  KUNIT_EXPECT_EQ(test, iopt_alloc_iova(iopt, iova, 0, PAGE_SIZE), -ENOSPC);
}

/**
 * iommufd.c reserved_overflow: a reserved range from 6 up to 0x7ff9 below
 * ULONG_MAX leaves a hole whose aligned start overflows: -ENOSPC.
 */
function iopt_reserved_overflow(test: Kunit): void {
  const iopt = new IoPagetable();
  const length = 0xffffffffffff8001n; // the selftest's length, 64-bit
  const last = ULONG_MAX - Number(0xffffffffffffffffn - (6n + length - 1n));
  KUNIT_EXPECT_EQ(test, last, ULONG_MAX - 0x7ff9);
  KUNIT_EXPECT_EQ(test, iopt_reserve_iova(iopt, 6, last, null), 0);
  const iova: ULongPtr = { value: 0 };
  KUNIT_EXPECT_EQ(test, iopt_alloc_iova(iopt, iova, 0, 0x5000), -ENOSPC);
}

export default kunit_test_suite({
  name: "interval_tree",
  test_cases: [
    KUNIT_CASE(span_iter_worked_examples),
    KUNIT_CASE(span_iter_other_trees),
    KUNIT_CASE(span_iter_ulong_max),
    KUNIT_CASE(span_iter_advance),
    KUNIT_CASE(double_span_worked_examples),
    KUNIT_CASE(intersection_range_check),
    KUNIT_CASE_SLOW(span_iteration_check),
    KUNIT_CASE(iopt_area_auto_iova),
    KUNIT_CASE(iopt_alloc_iova_errors),
    KUNIT_CASE(iopt_reserved_overflow),
  ],
});
