// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `iova_limits`: `limit_pfn`, `start_pfn` and the
 * `max32_alloc_size` hint, in every variant.
 *
 * - Limits are `DMA_BIT_MASK(n) >> PAGE_SHIFT` for n = 32, 33, 36, 56, 64,
 *   and inclusive: `pfn_hi == limit_pfn` is allowed.
 * - A request is "32-bit" when its exclusive limit `limit_pfn + 1` is at
 *   most `dma_32bit_pfn`; such a request of `size >= max32_alloc_size`
 *   fails before any search. The hint is reset by a free whose `pfn_lo` is
 *   below 4 GiB, not by one above.
 * - The rbtree sets the hint on every search failure, 32- or 64-bit
 *   (reference §4.2 step 6). The maple variants set it only for a 32-bit
 *   request (`if (limit_pfn <= iovad->dma_32bit_pfn)` at v3's
 *   `alloc_fail` label and in v4's search-failure branch); maple-v3 also
 *   on a failed store of a 32-bit request (§10 item 12), maple-v4 never
 *   on a failed store.
 * - `limit_pfn = ULONG_MAX`: `limit_pfn + 1` wraps to 0. See
 *   {@link test_limit_ulong_max}.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_NOT_NULL,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_LE,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_TRUE,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  ALIGN,
  dma_bit_mask_pfn,
  fault_arm,
  fault_disarm,
  PAGE_SHIFT,
  ULONG_MAX,
} from "../lib/kernel/mod.ts";
import {
  __free_iova,
  alloc_iova,
  find_iova,
  type Iova,
  iova_cache_of,
  iova_domain_verify_invariants,
  type IovaVariant,
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
const LIMIT_36BIT = dma_bit_mask_pfn(36, PAGE_SHIFT);
const LIMIT_56BIT = dma_bit_mask_pfn(56, PAGE_SHIFT);
const DMA_32BIT_PFN = LIMIT_32BIT + 1;
const LIMIT_BITS = [32, 33, 36, 56, 64];

function lo_of(iova: Iova | null): number | null {
  return iova === null ? null : iova.pfn_lo;
}

/**
 * The 32/33/36/56/64-bit limits. In an empty domain a size-1 request ends
 * exactly at the limit and an aligned size-16 one then lands at
 * `limit - 31`, in every variant. In one shared domain, limits ascending:
 * maple takes the highest fit below each limit; the rbtree starts every
 * 64-bit search at `cached_node`, the last range it placed above 4 GiB, so
 * after the 33-bit one the wider limits go first-fit below it. After 1000
 * aligned 36-bit allocations every limit still allocates within itself.
 */
function test_dma_limits(test: Kunit): void {
  const iovad = iovad_of(test);
  for (const bits of LIMIT_BITS) {
    const limit = dma_bit_mask_pfn(bits, PAGE_SHIFT);
    const d = iova_test_domain(test, 1);
    const a = alloc_iova(d, 1, limit, false);
    KUNIT_ASSERT_NOT_NULL(test, a);
    KUNIT_EXPECT_EQ_MSG(test, a.pfn_hi, limit, `${bits}-bit`);
    const b = alloc_iova(d, 16, limit, true);
    KUNIT_EXPECT_EQ_MSG(test, lo_of(b), limit - 31, `${bits}-bit aligned`);
  }
  const L32 = LIMIT_32BIT;
  const L33 = dma_bit_mask_pfn(33, PAGE_SHIFT);
  const want1 = variant_expect(test, "shared domain: size-1 pfn_lo", {
    "rbtree-6.12": [L32, L33, L33 - 1, L33 - 2, L33 - 3],
    "maple-v3": LIMIT_BITS.map((b) => dma_bit_mask_pfn(b, PAGE_SHIFT)),
    "maple-v4": LIMIT_BITS.map((b) => dma_bit_mask_pfn(b, PAGE_SHIFT)),
  });
  const got1 = LIMIT_BITS.map((bits) =>
    lo_of(alloc_iova(iovad, 1, dma_bit_mask_pfn(bits, PAGE_SHIFT), false))
  );
  KUNIT_EXPECT_EQ(test, JSON.stringify(got1), JSON.stringify(want1));
  const maple = LIMIT_BITS.map((bits) =>
    dma_bit_mask_pfn(bits, PAGE_SHIFT) - 31
  );
  const want16 = variant_expect(test, "shared domain: aligned size-16", {
    "rbtree-6.12": [L32 - 31, L33 - 31, L33 - 47, L33 - 63, L33 - 79],
    "maple-v3": maple,
    "maple-v4": maple,
  });
  const got16 = LIMIT_BITS.map((bits) =>
    lo_of(alloc_iova(iovad, 16, dma_bit_mask_pfn(bits, PAGE_SHIFT), true))
  );
  KUNIT_EXPECT_EQ(test, JSON.stringify(got16), JSON.stringify(want16));
  const d = iova_test_domain(test, 1);
  for (let i = 0; i < 1000; i++) {
    KUNIT_ASSERT_NOT_NULL(test, alloc_iova(d, 1, LIMIT_36BIT, true));
  }
  for (const bits of LIMIT_BITS) {
    const limit = dma_bit_mask_pfn(bits, PAGE_SHIFT);
    const a = alloc_iova(d, 1, limit, true);
    KUNIT_ASSERT_NOT_NULL(test, a);
    KUNIT_EXPECT_LE(test, a.pfn_hi, limit);
  }
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, DMA_32BIT_PFN);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(d));
}

/**
 * limit_pfn is inclusive: `[start_pfn, limit_pfn]` is usable to the last
 * pfn, and not one pfn more.
 */
function test_limit_inclusive(test: Kunit): void {
  let d = iova_test_domain(test, 1);
  const whole = alloc_iova(d, 99, 99, false);
  KUNIT_EXPECT_EQ(
    test,
    JSON.stringify([whole?.pfn_lo, whole?.pfn_hi]),
    "[1,99]",
  );
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 1, 99, false));
  d = iova_test_domain(test, 1);
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 100, 99, false));
  d = iova_test_domain(test, 1);
  KUNIT_EXPECT_EQ(test, lo_of(alloc_iova(d, 1, 1, false)), 1);
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 1, 1, false));
  // Aligned 16 below limit 15 would start at 0, below start_pfn 1.
  d = iova_test_domain(test, 1);
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 16, 15, true));
  d = iova_test_domain(test, 1);
  const top = alloc_iova(d, 16, 31, true);
  KUNIT_EXPECT_EQ(test, JSON.stringify([top?.pfn_lo, top?.pfn_hi]), "[16,31]");
  // The inclusive limit at the top of the 32-bit space.
  const t32 = alloc_iova(iovad_of(test), 1, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, lo_of(t32), LIMIT_32BIT);
}

/**
 * The max32 fast fail. A failure in a 15-pfn window sets the hint to 16;
 * then a 32-bit request of size 16 fails without searching although the
 * 4 GiB space is empty, size 15 still succeeds, and a request whose
 * inclusive limit is `dma_32bit_pfn` (not a 32-bit request) succeeds. A
 * free above 4 GiB leaves the hint; a free below resets it; so does the
 * free of a range straddling 4 GiB (the delete path tests `pfn_lo`).
 */
function test_max32_fast_fail(test: Kunit): void {
  const iovad = iovad_of(test);
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, DMA_32BIT_PFN);
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 16, 15, false));
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, 16);
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 16, LIMIT_32BIT, false));
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 4096, LIMIT_32BIT, true));
  const small = alloc_iova(iovad, 15, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, lo_of(small), LIMIT_32BIT - 14);
  const just_above = alloc_iova(iovad, 16, DMA_32BIT_PFN, false);
  KUNIT_EXPECT_EQ(test, lo_of(just_above), DMA_32BIT_PFN - 31);
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, 16);

  const high = alloc_iova(iovad, 1, LIMIT_36BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, high);
  __free_iova(iovad, high);
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, 16);
  KUNIT_ASSERT_NOT_NULL(test, small);
  __free_iova(iovad, small);
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, DMA_32BIT_PFN);
  // Only 15 pfns are free above the size-16 range: it goes below that.
  const again = alloc_iova(iovad, 16, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, lo_of(again), DMA_32BIT_PFN - 47);

  // [dma_32bit_pfn - 8, dma_32bit_pfn + 7] straddles 4 GiB.
  const d = iova_test_domain(test, 1);
  const straddle = alloc_iova(d, 16, DMA_32BIT_PFN + 7, false);
  KUNIT_ASSERT_NOT_NULL(test, straddle);
  KUNIT_EXPECT_EQ(test, straddle.pfn_lo, DMA_32BIT_PFN - 8);
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 16, 15, false));
  KUNIT_EXPECT_EQ(test, d.max32_alloc_size, 16);
  __free_iova(d, straddle);
  KUNIT_EXPECT_EQ(test, d.max32_alloc_size, DMA_32BIT_PFN);
}

/**
 * Who sets the hint on a 64-bit search failure: the rbtree sets it on any
 * failure; the maple variants only when `limit_pfn <= dma_32bit_pfn`.
 * Aligned 2^19 pfns below a 2^20 + 2^19 limit fail (both aligned
 * positions above start_pfn blocked). Then a 32-bit request of 2^19 pfns:
 * the rbtree fast-fails it though `[1, 2^19 + 4]` is free; maple places it
 * there.
 */
function test_hint_64bit_search_failure(test: Kunit): void {
  const iovad = iovad_of(test);
  const half = DMA_32BIT_PFN / 2;
  const limit = DMA_32BIT_PFN + half - 1;
  KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, half + 5, half + 5));
  KUNIT_ASSERT_NOT_NULL(
    test,
    reserve_iova(iovad, DMA_32BIT_PFN + 5, DMA_32BIT_PFN + 5),
  );
  const want = variant_expect(test, "[hint, 32-bit size 2^19 pfn_lo]", {
    "rbtree-6.12": [half, null],
    "maple-v3": [DMA_32BIT_PFN, 5],
    "maple-v4": [DMA_32BIT_PFN, 5],
  });
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, half, limit, true));
  const hint = iovad.max32_alloc_size;
  const a = alloc_iova(iovad, half, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(
    test,
    JSON.stringify([hint, lo_of(a)]),
    JSON.stringify(want),
  );
  if (a === null) {
    const fits = alloc_iova(iovad, half - 1, LIMIT_32BIT, false);
    KUNIT_EXPECT_EQ(test, lo_of(fits), 6);
  }
}

/**
 * The hint under an injected maple node-allocation failure, in an empty
 * domain (the first store needs a root node). rbtree: no maple tree, the
 * allocation succeeds. maple-v3: the store fails and the hint becomes 8,
 * so after the fault is gone a 32-bit request of 8 still fails fast until
 * a free below 4 GiB; maple-v4: the store fails, the hint stays. A failed
 * store of a 64-bit request leaves the hint alone in both maple variants
 * (v3 sets it at `alloc_fail` only when `limit_pfn <= dma_32bit_pfn`).
 */
function test_hint_failed_store(test: Kunit): void {
  const iovad = iovad_of(test);
  const want = variant_expect(test, "[result, hint] under the fault", {
    "rbtree-6.12": [LIMIT_32BIT - 7, DMA_32BIT_PFN],
    "maple-v3": [null, 8],
    "maple-v4": [null, DMA_32BIT_PFN],
  });
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  const a = alloc_iova(iovad, 8, LIMIT_32BIT, false);
  fault_disarm("maple.node_alloc");
  KUNIT_EXPECT_EQ(
    test,
    JSON.stringify([lo_of(a), iovad.max32_alloc_size]),
    JSON.stringify(want),
  );
  const after = variant_expect(test, "size 8 once the fault is gone", {
    "rbtree-6.12": LIMIT_32BIT - 15,
    "maple-v3": null,
    "maple-v4": LIMIT_32BIT - 7,
  });
  KUNIT_EXPECT_EQ(test, lo_of(alloc_iova(iovad, 8, LIMIT_32BIT, false)), after);
  if (test.param_value === "maple-v3") {
    const b = alloc_iova(iovad, 7, LIMIT_32BIT, false);
    KUNIT_ASSERT_NOT_NULL(test, b);
    __free_iova(iovad, b);
    KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, DMA_32BIT_PFN);
    const c = alloc_iova(iovad, 8, LIMIT_32BIT, false);
    KUNIT_EXPECT_EQ(test, lo_of(c), LIMIT_32BIT - 7);
  }
  const d = iova_test_domain(test, 1);
  const want64 = variant_expect(test, "[64-bit result, hint] under the fault", {
    "rbtree-6.12": [LIMIT_36BIT - 7, DMA_32BIT_PFN],
    "maple-v3": [null, DMA_32BIT_PFN],
    "maple-v4": [null, DMA_32BIT_PFN],
  });
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  const e = alloc_iova(d, 8, LIMIT_36BIT, false);
  fault_disarm("maple.node_alloc");
  KUNIT_EXPECT_EQ(
    test,
    JSON.stringify([lo_of(e), d.max32_alloc_size]),
    JSON.stringify(want64),
  );
}

/**
 * start_pfn at or above 4 GiB: every 32-bit allocation fails (and sets
 * the hint), 64-bit ones succeed at or above start_pfn; freeing them never
 * resets the hint.
 */
function test_high_start_pfn(test: Kunit): void {
  for (const start of [DMA_32BIT_PFN, DMA_32BIT_PFN + 5, 2 ** 32]) {
    const d = iova_test_domain(test, start);
    for (const size of [64, 8, 1]) {
      KUNIT_EXPECT_NULL(test, alloc_iova(d, size, LIMIT_32BIT, false));
      KUNIT_EXPECT_EQ(test, d.max32_alloc_size, size);
    }
    KUNIT_EXPECT_NULL(test, alloc_iova(d, 1, start - 1, false));
    // A 7-pfn window: room for an aligned 4 even in the maple search.
    const a = alloc_iova(d, 4, start + 6, true);
    KUNIT_EXPECT_EQ_MSG(test, lo_of(a), ALIGN(start, 4), `start ${start}`);
    const b = alloc_iova(d, 16, LIMIT_56BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, b);
    KUNIT_EXPECT_EQ(test, b.pfn_hi, LIMIT_56BIT);
    __free_iova(d, b);
    if (a !== null) __free_iova(d, a);
    KUNIT_EXPECT_EQ(test, d.max32_alloc_size, 1);
    KUNIT_EXPECT_NULL(test, alloc_iova(d, 1, LIMIT_32BIT, false));
  }
}

/**
 * limit_pfn below start_pfn fails, 32- and 64-bit (rbtree: the candidate
 * is below `low_pfn`; maple: `mas_empty_area_rev` with min > max). The
 * 32-bit failure sets the hint everywhere, the 64-bit one only in the
 * rbtree. limit_pfn == start_pfn gives exactly that pfn.
 */
function test_limit_below_start(test: Kunit): void {
  const d = iova_test_domain(test, 1000);
  KUNIT_EXPECT_NULL(test, alloc_iova(d, 1, 999, false));
  KUNIT_EXPECT_EQ(test, d.max32_alloc_size, 1);
  const hi = iova_test_domain(test, 2 ** 22);
  const want = variant_expect(test, "hint after a 64-bit failure", {
    "rbtree-6.12": 2,
    "maple-v3": DMA_32BIT_PFN,
    "maple-v4": DMA_32BIT_PFN,
  });
  KUNIT_EXPECT_NULL(test, alloc_iova(hi, 2, 2 ** 21, false));
  KUNIT_EXPECT_EQ(test, hi.max32_alloc_size, want);
  KUNIT_EXPECT_NULL(test, alloc_iova(hi, 2, 2 ** 22, false));
  KUNIT_EXPECT_EQ(test, lo_of(alloc_iova(hi, 1, 2 ** 22, false)), 2 ** 22);
  const d2 = iova_test_domain(test, 1000);
  KUNIT_EXPECT_EQ(test, lo_of(alloc_iova(d2, 1, 1000, false)), 1000);
  KUNIT_EXPECT_EQ(test, d2.max32_alloc_size, DMA_32BIT_PFN);
}

/**
 * `limit_pfn = ULONG_MAX`. `alloc_iova` passes `limit_pfn + 1` down, which
 * wraps to 0 in unsigned long (the lab's ULONG_MAX is 2^53 - 1, the
 * kernel's 2^64 - 1; the wrap is the same). An exclusive limit of 0 is
 * `<= dma_32bit_pfn`: both designs treat the request as 32-bit for the
 * max32 fast fail.
 *
 * - rbtree: the walk starts with `high_pfn = 0 < size`: it fails, sets the
 *   hint to `size` (1 here), and from then on every 32-bit request of any
 *   size fails fast, until a free below 4 GiB.
 * - maple: the window top is `limit_pfn - 1`, i.e. ULONG_MAX: the request
 *   succeeds at the very top of the space. It is still subject to the
 *   32-bit fast fail: with the hint at 16, a size-16 request fails.
 */
function test_limit_ulong_max(test: Kunit): void {
  const iovad = iovad_of(test);
  const rbtree = (test.param_value as IovaVariant) === "rbtree-6.12";
  const want = variant_expect(test, "[size-1, aligned size-16, hint]", {
    "rbtree-6.12": [null, null, 1],
    "maple-v3": [ULONG_MAX, ULONG_MAX + 1 - 32, DMA_32BIT_PFN],
    "maple-v4": [ULONG_MAX, ULONG_MAX + 1 - 32, DMA_32BIT_PFN],
  });
  const a = alloc_iova(iovad, 1, ULONG_MAX, false);
  const b = alloc_iova(iovad, 16, ULONG_MAX, true);
  KUNIT_EXPECT_EQ(
    test,
    JSON.stringify([lo_of(a), lo_of(b), iovad.max32_alloc_size]),
    JSON.stringify(want),
  );
  if (rbtree) {
    // Hint 1: even a size-1 32-bit request fails; 64-bit ones do not.
    KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, LIMIT_32BIT, false));
    const r = reserve_iova(iovad, DMA_32BIT_PFN, DMA_32BIT_PFN);
    KUNIT_ASSERT_NOT_NULL(test, r);
    // A 64-bit request lands just below 4 GiB; its free resets the hint.
    const low = alloc_iova(iovad, 1, DMA_32BIT_PFN, false);
    KUNIT_ASSERT_NOT_NULL(test, low);
    KUNIT_EXPECT_EQ(test, low.pfn_lo, LIMIT_32BIT);
    __free_iova(iovad, low);
    KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, DMA_32BIT_PFN);
    KUNIT_EXPECT_EQ(
      test,
      lo_of(alloc_iova(iovad, 1, LIMIT_32BIT, false)),
      LIMIT_32BIT,
    );
    return;
  }
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 16, 15, false));
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, 16);
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 16, ULONG_MAX, false));
  const c = alloc_iova(iovad, 15, ULONG_MAX, false);
  KUNIT_EXPECT_EQ(test, lo_of(c), ULONG_MAX - 15);
  KUNIT_EXPECT_EQ(
    test,
    lo_of(alloc_iova(iovad, 16, LIMIT_36BIT, false)),
    LIMIT_36BIT - 15,
  );
  // The maple variants have no anchor at ULONG_MAX, and their
  // free_iova_mem() no anchor check (reference §2.3): a range at pfn
  // ULONG_MAX is freed like any other.
  const cache = iova_cache_of(iovad.variant)!;
  const live = cache.stats.live_objects;
  KUNIT_ASSERT_NOT_NULL(test, a);
  __free_iova(iovad, a);
  KUNIT_EXPECT_NULL(test, find_iova(iovad, ULONG_MAX));
  KUNIT_EXPECT_EQ(test, cache.stats.live_objects, live - 1);
}

export default kunit_test_suite({
  name: "iova_limits",
  init: iova_test_init,
  exit: iova_test_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_dma_limits, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_limit_inclusive, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_max32_fast_fail, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_hint_64bit_search_failure, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_hint_failed_store, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_high_start_pfn, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_limit_below_start, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_limit_ulong_max, IOVA_VARIANT_PARAMS),
  ],
});
