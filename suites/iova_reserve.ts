// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `iova_reserve`: `reserve_iova()` against every overlap shape,
 * in every variant.
 *
 * The designs differ (reference §6.4) and each case states both results:
 *
 * - rbtree: a linear walk from `rb_first()`; an overlapped node is widened
 *   downward **in place** (even a live allocation), the request's low end
 *   moves above it, and what is left on top is inserted as a new node. The
 *   returned node may cover only part of the request.
 * - maple: every overlapped entry is merged into **one** new entry
 *   `[min(lo), max(hi)]` and the old structs are freed (KASAN shows a live
 *   allocation's struct poisoned). An entry already covering the request
 *   is returned unchanged.
 *
 * Under an injected maple node-allocation failure, maple-v3 has already
 * freed the overlapped structs and leaves them in the tree (use-after-free
 * and double-free reports follow); maple-v4 preallocates first and leaves
 * the tree unchanged.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_NOT_NULL,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_LT,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_PTR_EQ,
  KUNIT_EXPECT_TRUE,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  dma_bit_mask_pfn,
  fault_arm,
  fault_disarm,
  kasan_check,
  kasan_is_poisoned,
  kernel_capture_reports,
  type KernelReport,
  PAGE_SHIFT,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
  warn_count,
} from "../lib/kernel/mod.ts";
import {
  __free_iova,
  alloc_iova,
  find_iova,
  type Iova,
  iova_domain_verify_invariants,
  iova_ops,
  type IovaDomain,
  type IovaVariant,
  put_iova_domain,
  reserve_iova,
} from "../lib/iova/mod.ts";
import {
  iova_test_domain,
  iova_test_exit,
  iova_test_init,
  IOVA_VARIANT_PARAMS,
  iovad_of,
  variant_expect,
} from "./_iova_test_util.ts";

const LIMIT_32BIT = dma_bit_mask_pfn(32, PAGE_SHIFT);

type Range = [number, number];

// Every range in the tree, ascending (the anchor left out).
function ranges(iovad: IovaDomain): Range[] {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const out = iova_ops(iovad).ranges(iovad).map((i): Range => [
    i.pfn_lo,
    i.pfn_hi,
  ]);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return out;
}

function range_of(iova: Iova | null): Range | null {
  return iova === null ? null : [iova.pfn_lo, iova.pfn_hi];
}

function is_rbtree(test: Kunit): boolean {
  return (test.param_value as IovaVariant) === "rbtree-6.12";
}

function reserve_ok(
  test: Kunit,
  iovad: IovaDomain,
  lo: number,
  hi: number,
): Iova {
  const iova = reserve_iova(iovad, lo, hi);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  return iova;
}

/** What one reservation did, compared as a whole. */
interface Outcome {
  /** The returned range. */
  ret: Range | null;
  /** Whether the returned struct is one that existed before. */
  reused: string | null;
  /** The tree afterwards. */
  tree: Range[];
  /** Which of the earlier structs KASAN now reports freed. */
  freed: string[];
}

function outcome(
  iovad: IovaDomain,
  ret: Iova | null,
  before: Record<string, Iova>,
): Outcome {
  let reused: string | null = null;
  const freed: string[] = [];
  for (const [name, iova] of Object.entries(before)) {
    if (ret === iova) reused = name;
    if (kasan_is_poisoned(iova)) freed.push(name);
  }
  return { ret: range_of(ret), reused, tree: ranges(iovad), freed };
}

function expect_outcome(
  test: Kunit,
  what: string,
  got: Outcome,
  table: Record<IovaVariant, Outcome>,
): void {
  const want = variant_expect(test, what, table);
  KUNIT_EXPECT_EQ_MSG(test, JSON.stringify(got), JSON.stringify(want), what);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad_of(test)));
}

function same3(o: Outcome): Record<IovaVariant, Outcome> {
  return { "rbtree-6.12": o, "maple-v3": o, "maple-v4": o };
}

function rb_vs_maple(
  rb: Outcome,
  maple: Outcome,
): Record<IovaVariant, Outcome> {
  return { "rbtree-6.12": rb, "maple-v3": maple, "maple-v4": maple };
}

/**
 * Left overlap: `[50, 149]` over A = `[100, 199]`. rbtree: A is extended
 * down to 50 in place and returned; maple: a new `[50, 199]`, A freed.
 */
function test_reserve_overlap_left(test: Kunit): void {
  const iovad = iovad_of(test);
  const A = reserve_ok(test, iovad, 100, 199);
  const got = outcome(iovad, reserve_iova(iovad, 50, 149), { A });
  expect_outcome(
    test,
    "left",
    got,
    rb_vs_maple(
      { ret: [50, 199], reused: "A", tree: [[50, 199]], freed: [] },
      { ret: [50, 199], reused: null, tree: [[50, 199]], freed: ["A"] },
    ),
  );
}

/**
 * Right overlap: `[150, 249]` over A = `[100, 199]`. rbtree: A untouched,
 * the remainder `[200, 249]` inserted and returned (a partial node);
 * maple: one `[100, 249]`, A freed.
 */
function test_reserve_overlap_right(test: Kunit): void {
  const iovad = iovad_of(test);
  const A = reserve_ok(test, iovad, 100, 199);
  const got = outcome(iovad, reserve_iova(iovad, 150, 249), { A });
  expect_outcome(
    test,
    "right",
    got,
    rb_vs_maple(
      {
        ret: [200, 249],
        reused: null,
        tree: [[100, 199], [200, 249]],
        freed: [],
      },
      { ret: [100, 249], reused: null, tree: [[100, 249]], freed: ["A"] },
    ),
  );
}

/**
 * Inside (and equal): a request within A = `[100, 199]` returns A itself,
 * unchanged, in every variant.
 */
function test_reserve_inside(test: Kunit): void {
  const iovad = iovad_of(test);
  const A = reserve_ok(test, iovad, 100, 199);
  for (const [lo, hi] of [[120, 149], [100, 199], [100, 100], [199, 199]]) {
    const got = outcome(iovad, reserve_iova(iovad, lo!, hi!), { A });
    expect_outcome(
      test,
      `inside [${lo}, ${hi}]`,
      got,
      same3({ ret: [100, 199], reused: "A", tree: [[100, 199]], freed: [] }),
    );
  }
}

/**
 * Covering: `[50, 249]` over A = `[100, 199]`. rbtree: A widened to
 * `[50, 199]`, `[200, 249]` inserted and returned; maple: `[50, 249]`.
 */
function test_reserve_covering(test: Kunit): void {
  const iovad = iovad_of(test);
  const A = reserve_ok(test, iovad, 100, 199);
  const got = outcome(iovad, reserve_iova(iovad, 50, 249), { A });
  expect_outcome(
    test,
    "covering",
    got,
    rb_vs_maple(
      {
        ret: [200, 249],
        reused: null,
        tree: [[50, 199], [200, 249]],
        freed: [],
      },
      { ret: [50, 249], reused: null, tree: [[50, 249]], freed: ["A"] },
    ),
  );
}

/**
 * Several at once: D, A, B, C = `[10,19] [100,199] [300,399] [500,599]`.
 * `[150, 549]`: rbtree absorbs each gap into the node above it (B becomes
 * `[200, 399]`, C `[400, 599]`) and returns C; maple merges A..C into
 * `[100, 599]`. Then `[150, 649]` on a fresh set also leaves a remainder
 * on top in the rbtree.
 */
function test_reserve_several(test: Kunit): void {
  const iovad = iovad_of(test);
  const D = reserve_ok(test, iovad, 10, 19);
  const A = reserve_ok(test, iovad, 100, 199);
  const B = reserve_ok(test, iovad, 300, 399);
  const C = reserve_ok(test, iovad, 500, 599);
  const got = outcome(iovad, reserve_iova(iovad, 150, 549), { D, A, B, C });
  expect_outcome(
    test,
    "several, ending inside C",
    got,
    rb_vs_maple(
      {
        ret: [400, 599],
        reused: "C",
        tree: [[10, 19], [100, 199], [200, 399], [400, 599]],
        freed: [],
      },
      {
        ret: [100, 599],
        reused: null,
        tree: [[10, 19], [100, 599]],
        freed: ["A", "B", "C"],
      },
    ),
  );

  const iovad2 = iova_test_domain(test, 1);
  const D2 = reserve_ok(test, iovad2, 10, 19);
  const A2 = reserve_ok(test, iovad2, 100, 199);
  const B2 = reserve_ok(test, iovad2, 300, 399);
  const C2 = reserve_ok(test, iovad2, 500, 599);
  const got2 = outcome(iovad2, reserve_iova(iovad2, 150, 649), {
    D: D2,
    A: A2,
    B: B2,
    C: C2,
  });
  expect_outcome(
    test,
    "several, ending above C",
    got2,
    rb_vs_maple(
      {
        ret: [600, 649],
        reused: null,
        tree: [[10, 19], [100, 199], [200, 399], [400, 599], [600, 649]],
        freed: [],
      },
      {
        ret: [100, 649],
        reused: null,
        tree: [[10, 19], [100, 649]],
        freed: ["A", "B", "C"],
      },
    ),
  );
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad2));
}

/**
 * Adjacent but not overlapping: `[200, 299]` between A = `[100, 199]` and
 * B = `[300, 399]` is a new entry of its own; nothing is widened or merged.
 */
function test_reserve_adjacent(test: Kunit): void {
  const iovad = iovad_of(test);
  const A = reserve_ok(test, iovad, 100, 199);
  const B = reserve_ok(test, iovad, 300, 399);
  const got = outcome(iovad, reserve_iova(iovad, 200, 299), { A, B });
  expect_outcome(
    test,
    "adjacent",
    got,
    same3({
      ret: [200, 299],
      reused: null,
      tree: [[100, 199], [200, 299], [300, 399]],
      freed: [],
    }),
  );
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 199), A);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 300), B);
}

/**
 * Reserving over a live allocation. rbtree: the allocated IOVA is widened
 * in place and returned; its owner's pointer stays valid, and the owner's
 * free then removes the reservation with it. maple: the allocation's
 * struct is freed (the owner's pointer dangles: KASAN reports the access).
 */
function test_reserve_over_live_allocation(test: Kunit): void {
  const iovad = iovad_of(test);
  const a = alloc_iova(iovad, 16, LIMIT_32BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, a);
  const lo = a.pfn_lo;
  const hi = a.pfn_hi;
  const got = outcome(iovad, reserve_iova(iovad, lo - 8, lo + 3), { a });
  expect_outcome(
    test,
    "over a live allocation",
    got,
    rb_vs_maple(
      { ret: [lo - 8, hi], reused: "a", tree: [[lo - 8, hi]], freed: [] },
      { ret: [lo - 8, hi], reused: null, tree: [[lo - 8, hi]], freed: ["a"] },
    ),
  );
  const reports = kernel_capture_reports(() => {
    kasan_check(a, "the owner's access");
  });
  if (is_rbtree(test)) {
    KUNIT_EXPECT_EQ(test, reports.length, 0);
    KUNIT_EXPECT_EQ(test, a.pfn_lo, lo - 8);
    __free_iova(iovad, a);
    KUNIT_EXPECT_NULL(test, find_iova(iovad, lo - 8));
    KUNIT_EXPECT_EQ(test, JSON.stringify(ranges(iovad)), "[]");
  } else {
    KUNIT_ASSERT_EQ(test, reports.length, 1);
    KUNIT_EXPECT_EQ(test, reports[0]!.kind, "use-after-free");
    KUNIT_EXPECT_PTR_EQ(test, reports[0]!.object, a);
    KUNIT_EXPECT_EQ(test, reports[0]!.cache, "iommu_iova");
  }
}

/**
 * test_reserve_iova and more: after a reservation, allocations avoid it.
 * `[LIMIT_32BIT / 2, LIMIT_32BIT]` reserved: 100 size-1 allocations all
 * below. In `[1, 1023]` with `[256, 767]` reserved: exactly 511 size-1
 * allocations fit, none in the band; aligned size-16 ones fit 31 times in
 * the rbtree, 30 in maple (`[768, 783]` would need a 31-pfn gap).
 */
function test_reserve_then_alloc_avoids(test: Kunit): void {
  const iovad = iovad_of(test);
  const reserve_lo = Math.floor(LIMIT_32BIT / 2);
  reserve_ok(test, iovad, reserve_lo, LIMIT_32BIT);
  for (let i = 0; i < 100; i++) {
    const iova = alloc_iova(iovad, 1, LIMIT_32BIT, false);
    KUNIT_ASSERT_NOT_NULL(test, iova);
    KUNIT_EXPECT_LT(test, iova.pfn_hi, reserve_lo);
  }

  const want16 = variant_expect(test, "aligned size-16 count", {
    "rbtree-6.12": 31,
    "maple-v3": 30,
    "maple-v4": 30,
  });
  for (const [size, aligned] of [[1, false], [16, true]] as const) {
    const d = iova_test_domain(test, 1);
    const band = reserve_ok(test, d, 256, 767);
    let n = 0;
    let inside = 0;
    for (;;) {
      const iova = alloc_iova(d, size, 1023, aligned);
      if (iova === null) break;
      n++;
      if (iova.pfn_hi >= 256 && iova.pfn_lo <= 767) inside++;
    }
    KUNIT_EXPECT_EQ_MSG(test, n, size === 1 ? 511 : want16, `size ${size}`);
    KUNIT_EXPECT_EQ(test, inside, 0);
    KUNIT_EXPECT_EQ(test, JSON.stringify(range_of(band)), "[256,767]");
    KUNIT_EXPECT_PTR_EQ(test, find_iova(d, 512), band);
    KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(d));
  }
}

/**
 * pfns beyond `ULLONG_MAX >> iova_shift` (2^52 - 1 with 4 KiB granules):
 * `reserve_iova` WARNs once per call, returns null and changes nothing.
 * The last valid pfn is accepted without a warning.
 */
function test_reserve_pfn_too_large(test: Kunit): void {
  const iovad = iovad_of(test);
  const max = 2 ** 52 - 1;
  const w0 = warn_count();
  KUNIT_EXPECT_NULL(test, reserve_iova(iovad, max + 1, max + 1));
  KUNIT_EXPECT_EQ(test, warn_count() - w0, 1);
  KUNIT_EXPECT_NULL(test, reserve_iova(iovad, 5, max + 1));
  KUNIT_EXPECT_EQ(test, warn_count() - w0, 2);
  KUNIT_EXPECT_EQ(test, JSON.stringify(ranges(iovad)), "[]");
  const ok = reserve_iova(iovad, max, max);
  KUNIT_EXPECT_EQ(test, JSON.stringify(range_of(ok)), `[${max},${max}]`);
  KUNIT_EXPECT_EQ(test, warn_count() - w0, 2);
}

function count(reports: KernelReport[], kind: string): number {
  return reports.filter((r) => r.kind === kind).length;
}

/**
 * Under an injected maple node-allocation failure. A merge inside one leaf
 * is a node store, done in place without a node outside RCU mode (6.12
 * `mas_wr_node_store`), so the request spans leaves: E0..E63 =
 * `[1000 + 10i, 1004 + 10i]` (D = `[10, 19]` below, a live allocation c at
 * the top), reservation `[1002, 1632]`.
 *
 * - rbtree: no maple tree. E1..E63 are widened down by 5 (each gap goes to
 *   the node above it), E63 `[1625, 1634]` is returned, E0 is unchanged.
 * - maple-v3: null, but E0..E63 were freed before the store failed and are
 *   still in the tree: the lookup and the invariant walk read freed memory
 *   (65 use-after-free) and teardown frees them again (64 double frees).
 * - maple-v4: null, tree and structs unchanged; the same reservation
 *   succeeds once the fault is gone.
 */
function test_reserve_node_alloc_failure(test: Kunit): void {
  const iovad = iovad_of(test);
  const variant = test.param_value as IovaVariant;
  const before: Record<string, Iova> = {
    D: reserve_ok(test, iovad, 10, 19),
  };
  for (let i = 0; i < 64; i++) {
    before[`E${i}`] = reserve_ok(test, iovad, 1000 + 10 * i, 1004 + 10 * i);
  }
  const c = alloc_iova(iovad, 1, LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, c);
  before.c = c;
  const tree = ranges(iovad);
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  const ret = reserve_iova(iovad, 1002, 1632);
  fault_disarm("maple.node_alloc");
  const got = outcome(iovad, ret, before);
  const all_e = Array.from({ length: 64 }, (_, i) => `E${i}`);
  const rb_tree: Range[] = [[10, 19], [1000, 1004]];
  for (let i = 1; i < 64; i++) rb_tree.push([995 + 10 * i, 1004 + 10 * i]);
  rb_tree.push([c.pfn_lo, c.pfn_hi]);
  const want = variant_expect(test, "under node-allocation failure", {
    "rbtree-6.12": {
      ret: [1625, 1634],
      reused: "E63",
      tree: rb_tree,
      freed: [],
    },
    "maple-v3": { ret: null, reused: null, tree, freed: all_e },
    "maple-v4": { ret: null, reused: null, tree, freed: [] },
  });
  KUNIT_EXPECT_EQ(test, JSON.stringify(got), JSON.stringify(want));

  if (variant === "maple-v3") {
    // The tree points at freed structs: show it, then tear down here.
    const reports = kernel_capture_reports(() => {
      KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 1002), before.E0);
      iova_domain_verify_invariants(iovad);
      put_iova_domain(iovad);
    });
    KUNIT_EXPECT_EQ(test, count(reports, "use-after-free"), 65);
    KUNIT_EXPECT_EQ(test, count(reports, "double-free"), 64);
    KUNIT_EXPECT_EQ(test, reports.length, 65 + 64);
    return;
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  if (variant === "maple-v4") {
    KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 1002), before.E0);
    KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 1632), before.E63);
    const merged = reserve_iova(iovad, 1002, 1632);
    KUNIT_EXPECT_EQ(test, JSON.stringify(range_of(merged)), "[1000,1634]");
    KUNIT_EXPECT_TRUE(
      test,
      all_e.every((e) => kasan_is_poisoned(before[e])),
    );
  }
  KUNIT_EXPECT_FALSE(test, kasan_is_poisoned(c));
}

/**
 * The new `struct iova` cannot be allocated (`iommu_iova` slab failure),
 * `[150, 449]` over A = `[100, 199]`, B = `[300, 399]`. rbtree: the walk
 * has already widened B to `[200, 399]` when the final allocation fails:
 * null, the widening stays. maple-v3 frees each overlap inside its
 * `mas_for_each` walk, before `alloc_and_init_iova()`: null, with A and B
 * freed and still in the tree (3 use-after-free, 2 double frees as in the
 * node-allocation case). maple-v4 frees nothing before the store is
 * certain: null, unchanged.
 */
function test_reserve_struct_alloc_failure(test: Kunit): void {
  const iovad = iovad_of(test);
  const variant = test.param_value as IovaVariant;
  const A = reserve_ok(test, iovad, 100, 199);
  const B = reserve_ok(test, iovad, 300, 399);
  fault_arm("slab.alloc", {
    cache: "iommu_iova",
    probability: 100,
    times: -1,
    verbose: 0,
  });
  const ret = reserve_iova(iovad, 150, 449);
  fault_disarm("slab.alloc");
  const got = outcome(iovad, ret, { A, B });
  const want = variant_expect(test, "under struct allocation failure", {
    "rbtree-6.12": {
      ret: null,
      reused: null,
      tree: [[100, 199], [200, 399]],
      freed: [],
    },
    "maple-v3": {
      ret: null,
      reused: null,
      tree: [[100, 199], [300, 399]],
      freed: ["A", "B"],
    },
    "maple-v4": {
      ret: null,
      reused: null,
      tree: [[100, 199], [300, 399]],
      freed: [],
    },
  });
  KUNIT_EXPECT_EQ(test, JSON.stringify(got), JSON.stringify(want));
  if (variant !== "maple-v3") return;
  // Only when the tree holds freed structs: show it, then tear down here.
  if (!kasan_is_poisoned(A)) return;
  const reports = kernel_capture_reports(() => {
    find_iova(iovad, 150);
    iova_domain_verify_invariants(iovad);
    put_iova_domain(iovad);
  });
  KUNIT_EXPECT_EQ(test, count(reports, "use-after-free"), 3);
  KUNIT_EXPECT_EQ(test, count(reports, "double-free"), 2);
}

export default kunit_test_suite({
  name: "iova_reserve",
  init: iova_test_init,
  exit: iova_test_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_reserve_overlap_left, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_overlap_right, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_inside, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_covering, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_several, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_adjacent, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_over_live_allocation, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_then_alloc_avoids, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_pfn_too_large, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_node_alloc_failure, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_reserve_struct_alloc_failure, IOVA_VARIANT_PARAMS),
  ],
});
