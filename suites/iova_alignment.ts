// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `iova_alignment`: `alloc_iova(..., size_aligned)` in every
 * variant. An aligned request starts on a multiple of
 * `roundup_pow_of_two(size)`, keeps its length (`size` is not rounded),
 * stays within `[start_pfn, limit_pfn]` and is placed top-down.
 *
 * Where the designs differ (reference §4.8), each case states every
 * variant's result in a table: the rbtree walks down first-fit from its
 * cached node and takes any gap holding an aligned position; the maple
 * search takes the top of the highest gap of `size + align - 1` pfns, so
 * exactly-sized aligned holes are invisible to it, and the failure sets the
 * max32 hint.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_NOT_NULL,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_GE,
  KUNIT_EXPECT_LE,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_TRUE,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  ALIGN_DOWN,
  dma_bit_mask_pfn,
  PAGE_SHIFT,
  roundup_pow_of_two,
} from "../lib/kernel/mod.ts";
import {
  __free_iova,
  alloc_iova,
  find_iova,
  type Iova,
  iova_domain_verify_invariants,
  iova_size,
  type IovaDomain,
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
const MAX_SIZE = 4096;

function lo_of(iova: Iova | null): number | null {
  return iova === null ? null : iova.pfn_lo;
}

// The properties every aligned result has; the first violation is named.
function aligned_problem(
  iovad: IovaDomain,
  iova: Iova,
  size: number,
  limit: number,
): string {
  const align = roundup_pow_of_two(size);
  if (iova.pfn_lo % align !== 0) return `pfn_lo ${iova.pfn_lo} % ${align}`;
  if (iova_size(iova) !== size) return `length ${iova_size(iova)}`;
  if (iova.pfn_hi > limit) return `pfn_hi ${iova.pfn_hi} > limit ${limit}`;
  if (iova.pfn_lo < iovad.start_pfn) return `pfn_lo ${iova.pfn_lo} < start`;
  return "";
}

/**
 * Sizes 1..4096, aligned, each alone in the 32-bit space: every result is
 * the highest aligned start below the limit, `ALIGN_DOWN(limit + 1 - size,
 * align)`, with length `size`; freed before the next.
 */
function test_aligned_every_size(test: Kunit): void {
  const iovad = iovad_of(test);
  let bad = 0;
  let first = "";
  for (let size = 1; size <= MAX_SIZE; size++) {
    const iova = alloc_iova(iovad, size, LIMIT_32BIT, true);
    if (iova === null) {
      if (bad++ === 0) first = `size ${size}: null`;
      continue;
    }
    const want = ALIGN_DOWN(LIMIT_32BIT + 1 - size, roundup_pow_of_two(size));
    let why = aligned_problem(iovad, iova, size, LIMIT_32BIT);
    if (why === "" && iova.pfn_lo !== want) {
      why = `pfn_lo ${iova.pfn_lo} != top ${want}`;
    }
    if (why !== "" && bad++ === 0) first = `size ${size}: ${why}`;
    __free_iova(iovad, iova);
  }
  KUNIT_EXPECT_EQ_MSG(test, bad, 0, first);
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, iovad.dma_32bit_pfn);
}

/**
 * Sizes 1..4096, aligned, kept: each result is aligned, exact in length,
 * within the 36-bit limit and strictly below the previous one. The holes
 * alignment leaves are narrower than any later request (rbtree: the walk
 * starts below the cached node anyway).
 */
function test_aligned_every_size_packed(test: Kunit): void {
  const iovad = iovad_of(test);
  let bad = 0;
  let first = "";
  let prev_lo = LIMIT_36BIT + 1;
  for (let size = 1; size <= MAX_SIZE; size++) {
    const iova = alloc_iova(iovad, size, LIMIT_36BIT, true);
    if (iova === null) {
      if (bad++ === 0) first = `size ${size}: null`;
      continue;
    }
    let why = aligned_problem(iovad, iova, size, LIMIT_36BIT);
    if (why === "" && iova.pfn_hi >= prev_lo) {
      why = `pfn_hi ${iova.pfn_hi} not below ${prev_lo}`;
    }
    if (why !== "" && bad++ === 0) first = `size ${size}: ${why}`;
    prev_lo = iova.pfn_lo;
  }
  KUNIT_EXPECT_EQ_MSG(test, bad, 0, first);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/**
 * Sizes 1..4096, unaligned, kept: packed top-down without a hole, the
 * first ending at the limit (limit_pfn is inclusive).
 */
function test_unaligned_every_size(test: Kunit): void {
  const iovad = iovad_of(test);
  let bad = 0;
  let first = "";
  let next_hi = LIMIT_36BIT;
  for (let size = 1; size <= MAX_SIZE; size++) {
    const iova = alloc_iova(iovad, size, LIMIT_36BIT, false);
    if (iova === null) {
      if (bad++ === 0) first = `size ${size}: null`;
      continue;
    }
    if (
      (iova.pfn_hi !== next_hi || iova_size(iova) !== size) && bad++ === 0
    ) {
      first =
        `size ${size}: [${iova.pfn_lo}, ${iova.pfn_hi}], want hi ${next_hi}`;
    }
    next_hi = iova.pfn_lo - 1;
  }
  KUNIT_EXPECT_EQ_MSG(test, bad, 0, first);
  KUNIT_EXPECT_EQ(test, next_hi, LIMIT_36BIT - (MAX_SIZE * (MAX_SIZE + 1)) / 2);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

const NPOT_SIZES = [3, 5, 6, 7, 9, 12, 15, 17, 100, 1000, 4095];

/**
 * Non-power-of-two sizes: aligned to the next power of two, length not
 * rounded, so `align - size` pfns stay free above the range at the top of
 * the space. A following size-1 request: the rbtree walks down from the
 * cached node (the new range) and lands just below it; the maple search
 * takes the highest gap, the hole above.
 */
function test_non_power_of_two_sizes(test: Kunit): void {
  const iovad = iovad_of(test);
  const below = variant_expect(test, "size-1 lands below the range", {
    "rbtree-6.12": true,
    "maple-v3": false,
    "maple-v4": false,
  });
  for (const size of NPOT_SIZES) {
    const align = roundup_pow_of_two(size);
    const a = alloc_iova(iovad, size, LIMIT_32BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, a);
    KUNIT_EXPECT_EQ_MSG(
      test,
      aligned_problem(iovad, a, size, LIMIT_32BIT),
      "",
      `size ${size}`,
    );
    KUNIT_EXPECT_EQ(test, a.pfn_lo, LIMIT_32BIT + 1 - align);
    KUNIT_EXPECT_EQ(test, a.pfn_hi, LIMIT_32BIT - (align - size));
    const b = alloc_iova(iovad, 1, LIMIT_32BIT, false);
    KUNIT_ASSERT_NOT_NULL(test, b);
    KUNIT_EXPECT_EQ_MSG(
      test,
      b.pfn_lo,
      below ? a.pfn_lo - 1 : LIMIT_32BIT,
      `size ${size}`,
    );
    __free_iova(iovad, b);
    __free_iova(iovad, a);
  }
}

interface StartCase {
  start: number;
  limit: number;
  size: number;
  rbtree: (number | null)[];
  maple: (number | null)[];
}

// Domains whose start_pfn is not aligned: three aligned requests in a row.
const START_CASES: StartCase[] = [
  // window [5, 30]: [16, 23]; then rbtree finds [8, 15], maple needs 15.
  {
    start: 5,
    limit: 30,
    size: 8,
    rbtree: [16, 8, null],
    maple: [16, null, null],
  },
  // [8, 15] is the only aligned fit: 11 pfns < 8 + 8 - 1 for maple.
  {
    start: 5,
    limit: 15,
    size: 8,
    rbtree: [8, null, null],
    maple: [null, null, null],
  },
  // 0 would be the next aligned start: below start_pfn.
  {
    start: 5,
    limit: 14,
    size: 8,
    rbtree: [null, null, null],
    maple: [null, null, null],
  },
  // size 3 aligns to 4: [12, 14] and [8, 10] fit, [4, 6] is below start 7.
  {
    start: 7,
    limit: 15,
    size: 3,
    rbtree: [12, 8, null],
    maple: [12, null, null],
  },
  {
    start: 1023,
    limit: 1100,
    size: 32,
    rbtree: [1056, 1024, null],
    maple: [1056, null, null],
  },
];

/**
 * Alignment against start_pfn: for unaligned start_pfns the aligned result
 * is never below start_pfn (per-variant placements in a table), and
 * filling small windows with aligned sizes 1..32 never goes below it
 * either.
 */
function test_aligned_start_pfn(test: Kunit): void {
  const variant = test.param_value as IovaVariant;
  variant_expect(test, "placements", {
    "rbtree-6.12": START_CASES.map((c) => c.rbtree),
    "maple-v3": START_CASES.map((c) => c.maple),
    "maple-v4": START_CASES.map((c) => c.maple),
  });
  for (const c of START_CASES) {
    const iovad = iova_test_domain(test, c.start);
    const want = variant === "rbtree-6.12" ? c.rbtree : c.maple;
    const got = want.map(() => lo_of(alloc_iova(iovad, c.size, c.limit, true)));
    KUNIT_EXPECT_EQ_MSG(
      test,
      JSON.stringify(got),
      JSON.stringify(want),
      `start ${c.start} limit ${c.limit} size ${c.size}`,
    );
  }
  let bad = 0;
  let first = "";
  let count = 0;
  for (const start of [3, 5, 7, 9, 1023, 4097, 12345]) {
    const iovad = iova_test_domain(test, start);
    const limit = start + 200;
    for (let size = 32; size >= 1; size--) {
      for (;;) {
        const iova = alloc_iova(iovad, size, limit, true);
        if (iova === null) break;
        count++;
        const why = aligned_problem(iovad, iova, size, limit);
        if (why !== "" && bad++ === 0) first = `start ${start}: ${why}`;
      }
    }
    // Size 1 ran last until failure: the window is full.
    KUNIT_EXPECT_EQ(test, find_iova(iovad, start) !== null, true);
    KUNIT_EXPECT_EQ(test, find_iova(iovad, limit) !== null, true);
    KUNIT_EXPECT_NULL(test, find_iova(iovad, start - 1));
  }
  KUNIT_EXPECT_EQ_MSG(test, bad, 0, first);
  KUNIT_EXPECT_GE(test, count, 7);
}

/**
 * The `size + align - 1` divergence: below 4 GiB, everything but two
 * exactly size-sized, aligned holes is reserved. The rbtree fills both
 * holes; the maple search wants `size + align - 1` pfns, fails at once and
 * sets max32_alloc_size to `size`, which then also fast-fails an unaligned
 * request of that size that would fit.
 */
function test_exact_aligned_holes(test: Kunit): void {
  const rbtree = variant_expect(test, "exact holes found", {
    "rbtree-6.12": true,
    "maple-v3": false,
    "maple-v4": false,
  });
  for (const size of [2, 3, 4, 8, 16, 64]) {
    const iovad = iova_test_domain(test, 1);
    const A = roundup_pow_of_two(size);
    const limit = 32 * A - 1;
    const h1 = 8 * A;
    const h2 = 20 * A;
    KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, 1, h1 - 1));
    KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, h1 + size, h2 - 1));
    KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, h2 + size, limit));
    const got = [0, 1, 2].map(() =>
      lo_of(alloc_iova(iovad, size, limit, true))
    );
    const msg = `size ${size}`;
    KUNIT_EXPECT_EQ_MSG(
      test,
      JSON.stringify(got),
      JSON.stringify(rbtree ? [h2, h1, null] : [null, null, null]),
      msg,
    );
    KUNIT_EXPECT_EQ_MSG(test, iovad.max32_alloc_size, size, msg);
    // Unaligned, same size: rbtree has no space left; maple's holes fit,
    // but the hint fast-fails every 32-bit request of size >= hint.
    KUNIT_EXPECT_NULL(test, alloc_iova(iovad, size, limit, false));
    const smaller = alloc_iova(iovad, size - 1, limit, false);
    KUNIT_EXPECT_EQ_MSG(
      test,
      lo_of(smaller),
      rbtree ? null : h2 + 1,
      msg,
    );
    KUNIT_EXPECT_EQ_MSG(
      test,
      iovad.max32_alloc_size,
      rbtree ? size - 1 : size,
      msg,
    );
  }
}

/**
 * Above 4 GiB (36-bit limit) the same exactly-sized holes: the rbtree
 * fills them, the maple search passes over them and takes the top of the
 * free space below, so the holes stay (no failure, hint untouched).
 */
function test_exact_aligned_holes_64bit(test: Kunit): void {
  const iovad = iovad_of(test);
  const size = 4;
  const base = 2 * iovad.dma_32bit_pfn; // 8 GiB
  const h1 = base + 32;
  const h2 = base + 80;
  const top = base + 127;
  KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, base, h1 - 1));
  KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, h1 + size, h2 - 1));
  KUNIT_ASSERT_NOT_NULL(test, reserve_iova(iovad, h2 + size, top));
  const want = variant_expect(test, "pfn_lo of three aligned size-4", {
    "rbtree-6.12": [h2, h1, base - 4],
    "maple-v3": [base - 4, base - 8, base - 12],
    "maple-v4": [base - 4, base - 8, base - 12],
  });
  const got = want.map(() => lo_of(alloc_iova(iovad, size, top, true)));
  KUNIT_EXPECT_EQ(test, JSON.stringify(got), JSON.stringify(want));
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, iovad.dma_32bit_pfn);
}

/**
 * test_aligned_in_fragmented with exact results: 64 size-2 aligned, every
 * other one freed (the topmost first). The rbtree's cached node is back at
 * the anchor and its walk reuses the top hole; the maple search needs a
 * 3-pfn gap and lands just below the packed region.
 */
function test_aligned_in_fragmented_exact(test: Kunit): void {
  const iovad = iovad_of(test);
  const iovas: Iova[] = [];
  for (let i = 0; i < 64; i++) {
    const iova = alloc_iova(iovad, 2, LIMIT_32BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, iova);
    KUNIT_EXPECT_EQ(test, iova.pfn_lo, LIMIT_32BIT - 1 - 2 * i);
    iovas.push(iova);
  }
  for (let i = 0; i < 64; i += 2) __free_iova(iovad, iovas[i]!);
  const bottom = LIMIT_32BIT + 1 - 128;
  const want = variant_expect(test, "pfn_lo", {
    "rbtree-6.12": LIMIT_32BIT - 1,
    "maple-v3": bottom - 2,
    "maple-v4": bottom - 2,
  });
  const iova = alloc_iova(iovad, 2, LIMIT_32BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  KUNIT_EXPECT_EQ(test, iova.pfn_lo, want);
  KUNIT_EXPECT_LE(test, iova.pfn_hi, LIMIT_32BIT);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

export default kunit_test_suite({
  name: "iova_alignment",
  init: iova_test_init,
  exit: iova_test_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_aligned_every_size, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_aligned_every_size_packed, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_unaligned_every_size, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_non_power_of_two_sizes, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_aligned_start_pfn, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_exact_aligned_holes, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_exact_aligned_holes_64bit, IOVA_VARIANT_PARAMS),
    KUNIT_CASE_PARAM(test_aligned_in_fragmented_exact, IOVA_VARIANT_PARAMS),
  ],
});
