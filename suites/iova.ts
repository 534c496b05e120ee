// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `iova`: drivers/iommu/iova-kunit.c of the 2026 series "iova:
 * use maple tree for O(log n) allocation" (the 13 cases of v4 and the
 * August 2026 re-post), ported line for line and run against every variant
 * as the case parameter.
 *
 * Cases 1–10 apply to every variant: they check properties (top-down
 * order, limits, alignment, no overlap), not addresses. Cases 11–13 test
 * v4's `IOVA_DEFERRED` marker and skip, with the reason, elsewhere.
 *
 * The hang detectors read `ktime_get()` like the kernel. In the lab that
 * clock is virtual unless `ktime_use_wall_clock(true)`, so they report 0 ns
 * and never fire on a slow machine, and the KTAP is identical between runs;
 * speed is measured by lib/iova/iova_bench.ts.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_GT,
  KUNIT_ASSERT_NOT_NULL,
  KUNIT_ASSERT_TRUE,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_GT,
  KUNIT_EXPECT_LE,
  KUNIT_EXPECT_LT,
  KUNIT_EXPECT_NE,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_TRUE,
  KUNIT_FAIL,
  kunit_info,
  kunit_kcalloc,
  kunit_skip,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  dma_bit_mask_pfn,
  GFP_KERNEL,
  ktime_get,
  PAGE_SHIFT,
  PAGE_SIZE,
} from "../lib/kernel/mod.ts";
import { wr_exact_fit } from "../lib/maple/mod.ts";
import {
  __free_iova,
  alloc_iova,
  find_iova,
  init_iova_domain,
  type Iova,
  iova_cache_get,
  iova_cache_put,
  iova_domain_has_deferred,
  iova_domain_init_rcaches,
  iova_domain_verify_invariants,
  iova_kunit,
  iova_kunit_store_types,
  IOVA_VARIANTS,
  IovaDomain,
  type IovaVariant,
  put_iova_domain,
  reserve_iova,
} from "../lib/iova/mod.ts";

const TEST_GRANULE = PAGE_SIZE;
// DMA_BIT_MASK(n) >> PAGE_SHIFT, computed in pfns: DMA_BIT_MASK(56) is wider
// than the lab's 2^53 numbers, its pfn is not.
/** Highest pfn that fits in 32 bits — triggers the bounded alloc path. */
const TEST_LIMIT_32BIT = dma_bit_mask_pfn(32, PAGE_SHIFT);
/** 33-bit limit — exercises non-power-of-two DMA boundaries. */
const TEST_LIMIT_33BIT = dma_bit_mask_pfn(33, PAGE_SHIFT);
/** 56-bit limit — typical server IOMMU address width. */
const TEST_LIMIT_56BIT = dma_bit_mask_pfn(56, PAGE_SHIFT);
/** A 64-bit-ish limit well above dma_32bit_pfn. */
const TEST_LIMIT_64BIT = 2 ** 36 / 2 ** PAGE_SHIFT;
/**
 * A small <=32-bit limit used by tests that want to actually exhaust the
 * restricted region within a tractable number of allocations.
 */
const TEST_LIMIT_32BIT_RESTRICTED = 256;

class IovaTestCtx {
  iovad!: IovaDomain;
  initialized = false;
}

type T = Kunit<IovaVariant>;

function ctx_of(test: T): IovaTestCtx {
  return test.priv as IovaTestCtx;
}

function iova_test_init(test: T): number {
  const ctx = new IovaTestCtx();
  // The lab's struct iova_domain is made for one variant: the parameter.
  ctx.iovad = new IovaDomain(test.param_value);
  test.priv = ctx;
  const ret = iova_cache_get();
  if (ret) return ret;
  init_iova_domain(ctx.iovad, TEST_GRANULE, 1);
  const r = iova_domain_init_rcaches(ctx.iovad);
  if (r) {
    put_iova_domain(ctx.iovad);
    iova_cache_put();
    return r;
  }
  ctx.initialized = true;
  KUNIT_ASSERT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  return 0;
}

function iova_test_exit(test: T): void {
  const ctx = test.priv as IovaTestCtx | null;
  if (ctx && ctx.initialized) {
    put_iova_domain(ctx.iovad);
    ctx.initialized = false;
    iova_cache_put();
  }
}

function test_size_aligned(test: T): void {
  const ctx = ctx_of(test);
  for (let order = 0; order < 8; ++order) {
    const size = 2 ** order;
    const iova = alloc_iova(ctx.iovad, size, TEST_LIMIT_32BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, iova);
    KUNIT_EXPECT_EQ(test, iova.pfn_lo & (size - 1), 0);
    KUNIT_EXPECT_EQ(test, iova.pfn_hi - iova.pfn_lo + 1, size);
    __free_iova(ctx.iovad, iova);
    KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  }
}

function test_top_down_preference(test: T): void {
  const ctx = ctx_of(test);
  const iovas: (Iova | null)[] = new Array(16).fill(null);
  for (let i = 0; i < iovas.length; ++i) {
    iovas[i] = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
    KUNIT_ASSERT_NOT_NULL(test, iovas[i]);
    if (i > 0) {
      KUNIT_EXPECT_LT(test, iovas[i]!.pfn_lo, iovas[i - 1]!.pfn_lo);
    }
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  for (let i = 0; i < iovas.length; ++i) __free_iova(ctx.iovad, iovas[i]!);
}

function test_reserve_iova(test: T): void {
  const ctx = ctx_of(test);
  const reserve_lo = Math.floor(TEST_LIMIT_32BIT / 2);
  // Reserve the entire top half through the limit_pfn, inclusive.
  const r = reserve_iova(ctx.iovad, reserve_lo, TEST_LIMIT_32BIT);
  KUNIT_ASSERT_NOT_NULL(test, r);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  // All allocs must land below the reserved range.
  for (let i = 0; i < 100; ++i) {
    const iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
    KUNIT_ASSERT_NOT_NULL(test, iova);
    KUNIT_EXPECT_LT(test, iova.pfn_hi, reserve_lo);
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
}

/*
 * The pci_32bit_workaround scenario: every PCI device's first IOVA
 * allocation hits the 32-bit-restricted path before falling back to
 * 64-bit. Fill the 64-bit space, then verify a 32-bit alloc still
 * finds a slot below DMA_BIT_MASK(32).
 */
function test_32bit_in_64bit_domain(test: T): void {
  const ctx = ctx_of(test);
  for (let i = 0; i < 1000; ++i) {
    const iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_64BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, iova);
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  const iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  KUNIT_EXPECT_LE(test, iova.pfn_hi, TEST_LIMIT_32BIT);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  __free_iova(ctx.iovad, iova);
}

/*
 * Exercise non-power-of-two DMA limits: fill the 64-bit space, then
 * verify that bounded allocations at 33-bit and 56-bit limits still
 * find slots within their respective ranges. This confirms the
 * navigate-to-limit_pfn search generalizes beyond the 32-bit case.
 */
function test_arbitrary_dma_limits(test: T): void {
  const ctx = ctx_of(test);
  for (let i = 0; i < 1000; ++i) {
    const iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_64BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, iova);
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  // 33-bit bounded allocation
  let iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_33BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  KUNIT_EXPECT_LE(test, iova.pfn_hi, TEST_LIMIT_33BIT);
  __free_iova(ctx.iovad, iova);
  // 56-bit bounded allocation
  iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_56BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  KUNIT_EXPECT_LE(test, iova.pfn_hi, TEST_LIMIT_56BIT);
  __free_iova(ctx.iovad, iova);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
}

/*
 * Aligned allocation in a fragmented domain: pack size-2 size_aligned
 * allocations at the top, free every other one to leave size-2 holes,
 * then verify a fresh size-2 aligned alloc still succeeds and returns
 * a 2-aligned pfn.
 */
function test_aligned_in_fragmented(test: T): void {
  const ctx = ctx_of(test);
  const N = 64;
  kunit_kcalloc(test, N, 8, GFP_KERNEL); // the kernel's pointer array
  const iovas: (Iova | null)[] = new Array(N).fill(null);
  for (let i = 0; i < N; ++i) {
    iovas[i] = alloc_iova(ctx.iovad, 2, TEST_LIMIT_32BIT, true);
    KUNIT_ASSERT_NOT_NULL(test, iovas[i]);
    KUNIT_EXPECT_EQ(test, iovas[i]!.pfn_lo & 1, 0);
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  for (let i = 0; i < N; i += 2) {
    __free_iova(ctx.iovad, iovas[i]!);
    iovas[i] = null;
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  const iova = alloc_iova(ctx.iovad, 2, TEST_LIMIT_32BIT, true);
  KUNIT_ASSERT_NOT_NULL(test, iova);
  KUNIT_EXPECT_EQ(test, iova.pfn_lo & 1, 0);
  __free_iova(ctx.iovad, iova);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  for (let i = 0; i < N; ++i) if (iovas[i]) __free_iova(ctx.iovad, iovas[i]!);
}

/*
 * Mimic dma-iommu's pci_32bit_workaround pattern: every alloc first
 * tries a small restricted limit; if that fails, retry with the 64-bit
 * limit. Verifies that the navigate-to-limit search survives rapid
 * switching between different limit_pfn values.
 */
function test_pci_32bit_workaround_pattern(test: T): void {
  const ctx = ctx_of(test);
  let fallback_count = 0;
  let i: number;
  for (i = 0; i < 500; ++i) {
    const size = (i % 4) + 1;
    let iova = alloc_iova(ctx.iovad, size, TEST_LIMIT_32BIT_RESTRICTED, true);
    if (!iova) {
      iova = alloc_iova(ctx.iovad, size, TEST_LIMIT_64BIT, true);
      fallback_count++;
    }
    if (!iova) break;
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  // Every alloc must succeed (via fallback once the restricted region fills).
  KUNIT_EXPECT_EQ(test, i, 500);
  // The restricted region is small, so the 64-bit fallback must engage.
  KUNIT_EXPECT_GT(test, fallback_count, 0);
}

// u32 arithmetic of `rng = rng * 1103515245 + 12345`.
function lcg(rng: number): number {
  return (Math.imul(rng, 1103515245) + 12345) >>> 0;
}

/*
 * Random alloc/free over many iterations, verifying invariants after
 * every operation. Uses a deterministic PRNG so failures reproduce
 * across boots. Exercises mixed DMA limits (32, 33, 56, 64-bit).
 */
function test_stress_random(test: T): void {
  const ctx = ctx_of(test);
  const N = 512;
  const iters = 4 * N;
  const limits = [
    TEST_LIMIT_32BIT,
    TEST_LIMIT_33BIT,
    TEST_LIMIT_56BIT,
    TEST_LIMIT_64BIT,
  ];
  kunit_kcalloc(test, N, 8, GFP_KERNEL); // the kernel's pointer array
  const iovas: (Iova | null)[] = new Array(N).fill(null);
  let rng = 0xDEADBEEF;
  for (let i = 0; i < iters; ++i) {
    rng = lcg(rng);
    const slot = (rng >>> 8) % N;
    rng = lcg(rng);
    const limit = limits[(rng >>> 8) % limits.length]!;
    let op: string;
    if (iovas[slot]) {
      op = "free";
      __free_iova(ctx.iovad, iovas[slot]!);
      iovas[slot] = null;
    } else {
      rng = lcg(rng);
      const size = 2 ** ((rng >>> 8) % 4);
      rng = lcg(rng);
      const aligned = ((rng >>> 8) & 1) !== 0;
      op = "alloc";
      iovas[slot] = alloc_iova(ctx.iovad, size, limit, aligned);
    }
    if (!iova_domain_verify_invariants(ctx.iovad)) {
      kunit_info(
        test,
        "iter %d slot %d: invariant broken after %s\n",
        i,
        slot,
        op,
      );
      KUNIT_FAIL(test, "verify failed");
      break;
    }
  }
  for (let i = 0; i < N; ++i) if (iovas[i]) __free_iova(ctx.iovad, iovas[i]!);
}

/*
 * Verify that alloc_iova fails in bounded time when the IOVA space is
 * fully packed. Fill a 16K-pfn range with size-1 allocations (leaving
 * no gaps), then attempt a size-2 aligned alloc. The maple tree's
 * mas_empty_area_rev must determine there is no suitable gap in
 * O(log n) time rather than walking every entry. The wall-clock check
 * is a loose hang detector only (CI under KASAN/lockdep/virt is slow);
 * the real signal is the reported time and that the alloc fails.
 */
function test_full_space_search_time(test: T): void {
  const ctx = ctx_of(test);
  const fill_limit = 16384;
  const fill_count = fill_limit;
  let allocated = 0;
  for (let i = 0; i < fill_count; ++i) {
    const iova = alloc_iova(ctx.iovad, 1, fill_limit, false);
    if (!iova) break;
    allocated++;
  }
  kunit_info(test, "allocated %d iovas in [1, %lu]\n", allocated, fill_limit);
  KUNIT_ASSERT_GT(test, allocated, 1000);
  const start = ktime_get();
  const iova = alloc_iova(ctx.iovad, 2, fill_limit, true);
  const elapsed = ktime_get() - start;
  KUNIT_EXPECT_NULL(test, iova);
  kunit_info(test, "failed alloc took %lld ns\n", elapsed);
  // Loose hang detector, not a perf gate (CI under KASAN/lockdep is slow).
  KUNIT_EXPECT_LT(test, elapsed, 1000000000);
  if (iova) __free_iova(ctx.iovad, iova);
}

/*
 * Verify bounded search time with a fragmented 32-bit IOVA space.
 * Pack the 32-bit range with size-1 allocs, then attempt a large
 * aligned alloc that must either succeed from a remaining gap or
 * fail fast. The 64-bit fallback must always succeed promptly.
 */
function test_fragmented_32bit_search(test: T): void {
  const ctx = ctx_of(test);
  let allocated = 0;
  for (let i = 0; i < 8000; ++i) {
    const iova = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
    if (!iova) break;
    allocated++;
  }
  kunit_info(test, "filled 32-bit space with %d allocs\n", allocated);
  KUNIT_ASSERT_GT(test, allocated, 1000);
  let start = ktime_get();
  let iova = alloc_iova(ctx.iovad, 32, TEST_LIMIT_32BIT, true);
  let elapsed = ktime_get() - start;
  kunit_info(
    test,
    "32-bit alloc (size 32) took %lld ns, result=%s\n",
    elapsed,
    iova ? "alloc" : "fail",
  );
  // Loose hang detector, not a perf gate (CI under KASAN/lockdep is slow).
  KUNIT_EXPECT_LT(test, elapsed, 1000000000);
  if (iova) __free_iova(ctx.iovad, iova);
  start = ktime_get();
  iova = alloc_iova(ctx.iovad, 32, TEST_LIMIT_64BIT, true);
  elapsed = ktime_get() - start;
  kunit_info(test, "64-bit fallback (size 32) took %lld ns\n", elapsed);
  // Loose hang detector, not a perf gate (CI under KASAN/lockdep is slow).
  KUNIT_EXPECT_LT(test, elapsed, 1000000000);
  if (iova) __free_iova(ctx.iovad, iova);
}

// The lab's skip for the variants without v4's marker and hooks.
function require_marker(test: T): void {
  if (test.param_value === "rbtree-6.12") {
    kunit_skip(test, "rbtree-6.12: rb_erase never fails, nothing is deferred");
  }
  if (test.param_value === "maple-v3") {
    kunit_skip(
      test,
      "maple-v3 defers with an llist and a 10 ms worker; IOVA_DEFERRED and its hooks are v4's",
    );
  }
}

/*
 * Exercise the deferred-erase path: remove_iova() failing to erase under
 * GFP_ATOMIC leaves an IOVA_DEFERRED marker in the tree and frees the struct
 * iova immediately. iova_kunit_defer_erase makes that failure deterministic.
 * Verify that while marked the range looks free to lookups yet stays reserved,
 * that invariants hold, and that the next allocation drains the marker and
 * reuses the space.
 */
function test_deferred_erase(test: T): void {
  require_marker(test);
  const ctx = ctx_of(test);
  const a = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, a);
  const pfn = a.pfn_lo;
  // Free 'a', forcing the erase to be deferred (marker left behind).
  iova_kunit.defer_erase = true;
  __free_iova(ctx.iovad, a);
  iova_kunit.defer_erase = false;
  /*
   * The erase was deferred, not performed: a marker now occupies the slot,
   * so the backlog records the deferral and the pfn looks absent to lookups,
   * while the tree stays consistent with the marker present.
   */
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(ctx.iovad));
  KUNIT_EXPECT_NULL(test, find_iova(ctx.iovad, pfn));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  /*
   * The next allocation drains deferred markers before searching, so the
   * backlog clears and the marked range is reclaimed; a top-down size-1
   * alloc reuses exactly the pfn that was freed.
   */
  const b = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, b);
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(ctx.iovad));
  KUNIT_EXPECT_EQ(test, b.pfn_lo, pfn);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
  __free_iova(ctx.iovad, b);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
}

/*
 * Tearing down a domain that still holds an undrained IOVA_DEFERRED marker must
 * skip the marker (it is static storage, not a heap iova) and not crash or
 * double-free. Leave a marker live for iova_test_exit()'s put_iova_domain().
 */
function test_deferred_erase_teardown(test: T): void {
  require_marker(test);
  const ctx = ctx_of(test);
  const a = alloc_iova(ctx.iovad, 4, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, a);
  iova_kunit.defer_erase = true;
  __free_iova(ctx.iovad, a);
  iova_kunit.defer_erase = false;
  // Marker left live; the suite's exit -> put_iova_domain must cope.
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
}

/*
 * The deferred-erase path rests on one maple tree property: erasing an entry
 * next to free space can need a node, while marking that same range with a
 * non-NULL value cannot. Assert both store types, so a change to the maple
 * tree's store-type rules is caught here rather than by the WARN_ON_ONCE in
 * remove_iova(), where the only recovery is to strand the range.
 */
function test_marker_store_needs_no_node(test: T): void {
  require_marker(test);
  const ctx = ctx_of(test);
  const erase = { value: 0 };
  const marker = { value: 0 };
  const marker_nodes = { value: 0 };
  // Free neighbours on both sides are what make the erase need a node.
  const c = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, c);
  const b = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, b);
  const a = alloc_iova(ctx.iovad, 1, TEST_LIMIT_32BIT, false);
  KUNIT_ASSERT_NOT_NULL(test, a);
  __free_iova(ctx.iovad, a);
  __free_iova(ctx.iovad, c);
  iova_kunit_store_types(ctx.iovad, b, erase, marker, marker_nodes);
  KUNIT_EXPECT_NE(test, erase.value, wr_exact_fit);
  KUNIT_EXPECT_EQ(test, marker.value, wr_exact_fit);
  KUNIT_EXPECT_EQ(test, marker_nodes.value, 0);
  __free_iova(ctx.iovad, b);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(ctx.iovad));
}

const iova_gen_params = KUNIT_ARRAY_PARAM(IOVA_VARIANTS, (v) => v);

export default kunit_test_suite({
  name: "iova",
  init: iova_test_init,
  exit: iova_test_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_size_aligned, iova_gen_params),
    KUNIT_CASE_PARAM(test_top_down_preference, iova_gen_params),
    KUNIT_CASE_PARAM(test_reserve_iova, iova_gen_params),
    KUNIT_CASE_PARAM(test_32bit_in_64bit_domain, iova_gen_params),
    KUNIT_CASE_PARAM(test_arbitrary_dma_limits, iova_gen_params),
    KUNIT_CASE_PARAM(test_aligned_in_fragmented, iova_gen_params),
    KUNIT_CASE_PARAM(test_pci_32bit_workaround_pattern, iova_gen_params),
    KUNIT_CASE_PARAM(test_stress_random, iova_gen_params),
    KUNIT_CASE_PARAM(test_full_space_search_time, iova_gen_params),
    KUNIT_CASE_PARAM(test_fragmented_32bit_search, iova_gen_params),
    KUNIT_CASE_PARAM(test_deferred_erase, iova_gen_params),
    KUNIT_CASE_PARAM(test_deferred_erase_teardown, iova_gen_params),
    KUNIT_CASE_PARAM(test_marker_store_needs_no_node, iova_gen_params),
  ],
});
