// Copyright 2026 the iommulab authors. MIT license.
/**
 * `iova_rcache`: the per-CPU IOVA range cache of drivers/iommu/iova.c —
 * magazine fill, swap and depot push (`__iova_rcache_insert`), allocation
 * from the top of the magazine (`iova_magazine_pop`) with the size-aligned
 * tree fallback, power-of-two rounding and the 32-page cut-off, per-CPU
 * isolation, the 100 ms depot trim (`iova_depot_work_func`) on the virtual
 * clock, the CPU-dead callback, the flush-and-retry of `alloc_iova_fast`,
 * magazine allocation failure, `iova_domain_init_rcaches()` unwinding, and
 * teardown with pfns still cached.
 *
 * Every case runs on each variant. The rcache is the same code in all of
 * them, so each case also records a trace of what the rcache did and
 * expects it to equal the trace of the first variant that ran the case.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_NE,
  KUNIT_ASSERT_NOT_NULL_MSG,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_LE,
  KUNIT_EXPECT_NE,
  KUNIT_EXPECT_NOT_NULL,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_PTR_EQ,
  KUNIT_EXPECT_PTR_NE,
  KUNIT_EXPECT_STREQ_MSG,
  KUNIT_EXPECT_TRUE,
  kunit_info,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  add_cpu,
  advance,
  delayed_work_pending,
  DMA_BIT_MASK,
  ENOMEM,
  fail_nth_sweep,
  fault_arm,
  fault_disarm,
  kernel_capture_reports,
  num_online_cpus,
  onCpu,
  order_base_2,
  PAGE_SHIFT,
  PAGE_SIZE,
  pending_work,
  per_cpu_ptr,
  remove_cpu,
  roundup_pow_of_two,
} from "../lib/kernel/mod.ts";
import { mt_nr_allocated } from "../lib/maple/mod.ts";
import {
  alloc_iova,
  alloc_iova_fast,
  find_iova,
  free_iova_fast,
  init_iova_domain,
  IOVA_DEPOT_DELAY_MS,
  iova_domain_init_rcaches,
  iova_domain_verify_invariants,
  IOVA_MAG_SIZE,
  iova_magazine_cache,
  IOVA_RANGE_CACHE_MAX_SIZE,
  iova_size,
  IOVA_VARIANTS,
  IovaDomain,
  type IovaVariant,
  put_iova_domain,
} from "../lib/iova/mod.ts";
import {
  iova_leakcheck_exit,
  iova_leakcheck_init,
  iova_live,
  type IovaLeakCtx,
  mag_live,
} from "./_iova_test_util.ts";

/** The 32-bit limit in pfns (`DMA_BIT_MASK(32) >> PAGE_SHIFT`). */
const LIMIT_32BIT = Math.floor(DMA_BIT_MASK(32) / 2 ** PAGE_SHIFT);

type Ctx = IovaLeakCtx;

function ctx_of(test: Kunit): Ctx {
  return test.priv as Ctx;
}

function cpu_rc(iovad: IovaDomain, cls: number, cpu: number) {
  return per_cpu_ptr(iovad.rcaches![cls]!.cpu_rcaches!, cpu);
}

/** The pfns a magazine holds, bottom of the stack first. */
function mag_pfns(mag: { size: number; pfns: Float64Array } | null): number[] {
  return mag === null ? [] : Array.from(mag.pfns.subarray(0, mag.size));
}

/** `n` pfns of `size` from `alloc_iova_fast` (asserting each succeeds). */
function alloc_n(
  test: Kunit,
  iovad: IovaDomain,
  n: number,
  size: number,
  limit = LIMIT_32BIT,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = alloc_iova_fast(iovad, size, limit, false);
    KUNIT_ASSERT_NE(test, pfn, 0);
    out.push(pfn);
  }
  return out;
}

/** Whether every pfn of every magazine of every CPU and depot is empty. */
function rcaches_empty(iovad: IovaDomain): boolean {
  for (const rc of iovad.rcaches!) {
    if (rc.depot_size !== 0 || rc.depot !== null) return false;
    for (const c of rc.cpu_rcaches!.slots) {
      if (c.loaded!.size !== 0 || c.prev!.size !== 0) return false;
    }
  }
  return true;
}

// The rcache traces of each case, keyed by case name: the first variant to
// run a case records it, the others must match.
const traces = new Map<string, { variant: IovaVariant; trace: string }>();

function expect_same_in_every_variant(test: Kunit, trace: number[]): void {
  const v = ctx_of(test).variant;
  const s = trace.join(",");
  const first = traces.get(test.name);
  if (first === undefined || first.variant === v) {
    traces.set(test.name, { variant: v, trace: s });
    return;
  }
  KUNIT_EXPECT_STREQ_MSG(
    test,
    s,
    first.trace,
    "the rcache behaved differently on %s and %s",
    v,
    first.variant,
  );
}

// --- cases ------------------------------------------------------------------

/**
 * 127 frees fill `loaded`; the 128th swaps it with `prev`; the 255th pushes
 * the full `loaded` onto the depot, schedules the depot work and loads a
 * new magazine. Allocation empties them in the reverse order: `loaded`,
 * then the swapped-in `prev`, then a magazine popped from the depot (the
 * empty `loaded` is freed).
 */
function test_magazine_fill_swap_depot(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const rc = iovad.rcaches![0]!;
  const c0 = cpu_rc(iovad, 0, 0);
  const trace: number[] = [];
  const p = alloc_n(test, iovad, 2 * IOVA_MAG_SIZE + 1, 1);
  // An empty cache: all came from the tree, top-down.
  for (let i = 0; i < p.length; i++) {
    KUNIT_ASSERT_EQ(test, p[i]!, LIMIT_32BIT - i);
  }
  const mags = mag_live();
  const loaded0 = c0.loaded!;
  const prev0 = c0.prev!;
  for (let i = 0; i < IOVA_MAG_SIZE; i++) free_iova_fast(iovad, p[i]!, 1);
  KUNIT_EXPECT_PTR_EQ(test, c0.loaded, loaded0);
  KUNIT_EXPECT_EQ(test, loaded0.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, prev0.size, 0);
  // Cached pfns stay allocated in the tree.
  KUNIT_EXPECT_NOT_NULL(test, find_iova(iovad, p[0]!));
  KUNIT_EXPECT_EQ(test, iova_live(variant), p.length);
  // 128th: loaded is full, prev is not: swap, then push.
  free_iova_fast(iovad, p[IOVA_MAG_SIZE]!, 1);
  KUNIT_EXPECT_PTR_EQ(test, c0.loaded, prev0);
  KUNIT_EXPECT_PTR_EQ(test, c0.prev, loaded0);
  KUNIT_EXPECT_EQ(test, c0.loaded!.size, 1);
  KUNIT_EXPECT_EQ(test, c0.prev!.size, IOVA_MAG_SIZE);
  for (let i = IOVA_MAG_SIZE + 1; i < 2 * IOVA_MAG_SIZE; i++) {
    free_iova_fast(iovad, p[i]!, 1);
  }
  KUNIT_EXPECT_EQ(test, c0.loaded!.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, c0.prev!.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 0);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc.work));
  KUNIT_EXPECT_EQ(test, mag_live(), mags);
  // 255th: both full: the loaded magazine goes to the depot.
  free_iova_fast(iovad, p[2 * IOVA_MAG_SIZE]!, 1);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 1);
  KUNIT_EXPECT_PTR_EQ(test, rc.depot, prev0);
  KUNIT_EXPECT_NULL(test, rc.depot!.next);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc.work));
  KUNIT_EXPECT_PTR_NE(test, c0.loaded, loaded0);
  KUNIT_EXPECT_PTR_NE(test, c0.loaded, prev0);
  KUNIT_EXPECT_EQ(test, c0.loaded!.size, 1);
  KUNIT_EXPECT_PTR_EQ(test, c0.prev, loaded0);
  KUNIT_EXPECT_EQ(test, mag_live(), mags + 1);
  const fresh = c0.loaded!;
  trace.push(c0.loaded!.size, c0.prev!.size, rc.depot_size, mag_live() - mags);

  // Empty: loaded first (LIFO) ...
  let pfn = alloc_iova_fast(iovad, 1, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, pfn, p[2 * IOVA_MAG_SIZE]!);
  KUNIT_EXPECT_EQ(test, fresh.size, 0);
  // ... then prev swapped in ...
  for (let i = IOVA_MAG_SIZE - 1; i >= 0; i--) {
    pfn = alloc_iova_fast(iovad, 1, LIMIT_32BIT, false);
    KUNIT_EXPECT_EQ(test, pfn, p[i]!);
    trace.push(LIMIT_32BIT - pfn);
  }
  KUNIT_EXPECT_PTR_EQ(test, c0.loaded, loaded0);
  KUNIT_EXPECT_PTR_EQ(test, c0.prev, fresh);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 1);
  // ... then a full magazine from the depot replaces the empty loaded one.
  pfn = alloc_iova_fast(iovad, 1, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, pfn, p[2 * IOVA_MAG_SIZE - 1]!);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 0);
  KUNIT_EXPECT_NULL(test, rc.depot);
  KUNIT_EXPECT_PTR_EQ(test, c0.loaded, prev0);
  KUNIT_EXPECT_EQ(test, c0.loaded!.size, IOVA_MAG_SIZE - 1);
  KUNIT_EXPECT_EQ(test, mag_live(), mags);
  trace.push(LIMIT_32BIT - pfn, c0.loaded!.size, mag_live() - mags);
  // The depot is empty when the work runs: it does not reschedule.
  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc.work));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * `iova_magazine_pop` scans from the top of the stack for the first pfn
 * <= limit and moves the last pfn into its slot; with no fitting pfn the
 * allocation falls back to the tree, always size-aligned.
 */
function test_magazine_pop_order(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const c0 = cpu_rc(iovad, 0, 0);
  const trace: number[] = [];
  const [a, b, c, d, e] = alloc_n(test, iovad, 5, 1) as [
    number,
    number,
    number,
    number,
    number,
  ];
  for (const pfn of [c, a, e, b, d]) free_iova_fast(iovad, pfn, 1);
  KUNIT_EXPECT_STREQ_MSG(
    test,
    mag_pfns(c0.loaded).join(","),
    [c, a, e, b, d].join(","),
    "loaded magazine",
  );
  // The top fits.
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, LIMIT_32BIT, false), d);
  // Limit c: b (top) does not fit, e does; b moves into e's slot.
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, c, false), e);
  KUNIT_EXPECT_STREQ_MSG(
    test,
    mag_pfns(c0.loaded).join(","),
    [c, a, b].join(","),
    "after popping e",
  );
  // Limit c again: b and a do not fit, c does; b moves to the bottom.
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, c, false), c);
  KUNIT_EXPECT_STREQ_MSG(
    test,
    mag_pfns(c0.loaded).join(","),
    [b, a].join(","),
    "after popping c",
  );
  // The limit pfn itself qualifies (pfn + size - 1 <= limit).
  free_iova_fast(iovad, c, 1);
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 1, c, false), c);
  // Limit e: neither b nor a fits, so nothing is popped: the tree gives a
  // fresh pfn and the magazine is untouched.
  const t = alloc_iova_fast(iovad, 1, e, false);
  KUNIT_EXPECT_EQ(test, t, e - 1);
  KUNIT_EXPECT_STREQ_MSG(
    test,
    mag_pfns(c0.loaded).join(","),
    [b, a].join(","),
    "after the tree fallback",
  );
  trace.push(LIMIT_32BIT - t);
  // The tree fallback is size-aligned.
  for (const size of [2, 4, 8]) {
    const pfn = alloc_iova_fast(iovad, size, LIMIT_32BIT, false);
    KUNIT_ASSERT_NE(test, pfn, 0);
    KUNIT_EXPECT_EQ_MSG(test, pfn % size, 0, "size %d at %d", size, pfn);
    const iova = find_iova(iovad, pfn);
    KUNIT_ASSERT_NOT_NULL_MSG(test, iova, "size %d", size);
    KUNIT_EXPECT_EQ(test, iova_size(iova), size);
    KUNIT_EXPECT_EQ(test, iova.pfn_lo, pfn);
    trace.push(LIMIT_32BIT - pfn);
  }
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * `iova_rcache_get()` passes `(limit_pfn + 1) - size` down in unsigned
 * long: for a limit below `size - 1` it wraps to a huge value and every
 * cached pfn "fits", so the kernel returns the top cached pfn even though
 * it lies above the limit (6.12 `__iova_rcache_get`; callers never pass
 * such limits). The lab must wrap the same way.
 */
function test_rcache_limit_wraps(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const pfn = alloc_iova_fast(iovad, 4, LIMIT_32BIT, false);
  KUNIT_ASSERT_NE(test, pfn, 0);
  free_iova_fast(iovad, pfn, 4);
  // (2 + 1) - 4 wraps to ULONG_MAX: the cached pfn is popped.
  const got = alloc_iova_fast(iovad, 4, 2, false);
  KUNIT_EXPECT_EQ(test, got, pfn);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 2, 0).loaded!.size, got === pfn ? 0 : 1);
  expect_same_in_every_variant(test, [LIMIT_32BIT - got]);
}

/**
 * Sizes below 32 are rounded up to a power of two; the size class is
 * `order_base_2(size)`, so 3 and 4 share a class, and 17..32 share one.
 */
function test_size_rounding(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const trace: number[] = [];
  const cached: number[][] = Array.from(
    { length: IOVA_RANGE_CACHE_MAX_SIZE },
    () => [],
  );
  for (let size = 1; size <= 32; size++) {
    const cls = order_base_2(size);
    const rounded = size < 32 ? roundup_pow_of_two(size) : size;
    const pfn = alloc_iova_fast(iovad, size, LIMIT_32BIT, false);
    KUNIT_ASSERT_NE(test, pfn, 0);
    const want = cached[cls]!.pop();
    if (want !== undefined) {
      KUNIT_EXPECT_EQ_MSG(test, pfn, want, "size %d from the cache", size);
    }
    const iova = find_iova(iovad, pfn);
    KUNIT_ASSERT_NOT_NULL_MSG(test, iova, "size %d", size);
    KUNIT_EXPECT_EQ_MSG(test, iova_size(iova), rounded, "size %d", size);
    KUNIT_EXPECT_EQ_MSG(test, pfn % rounded, 0, "size %d", size);
    free_iova_fast(iovad, pfn, size);
    cached[cls]!.push(pfn);
    const loaded = cpu_rc(iovad, cls, 0).loaded!;
    KUNIT_EXPECT_EQ_MSG(
      test,
      loaded.pfns[loaded.size - 1]!,
      pfn,
      "size %d cached in class %d",
      size,
      cls,
    );
    trace.push(LIMIT_32BIT - pfn, cls, iova_size(iova));
  }
  // 3 -> 4: freed as 3, handed out for 4, and back.
  const p = alloc_iova_fast(iovad, 3, LIMIT_32BIT, false);
  free_iova_fast(iovad, p, 3);
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 4, LIMIT_32BIT, false), p);
  free_iova_fast(iovad, p, 4);
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 3, LIMIT_32BIT, false), p);
  // 17 -> 32
  const q = alloc_iova_fast(iovad, 17, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, iova_size(find_iova(iovad, q)!), 32);
  free_iova_fast(iovad, q, 17);
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 32, LIMIT_32BIT, false), q);
  trace.push(LIMIT_32BIT - p, LIMIT_32BIT - q);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * Sizes above 32 pages have no size class: not rounded, allocated from the
 * tree (size-aligned), and freed straight back to the tree.
 */
function test_large_sizes_bypass_cache(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const trace: number[] = [];
  for (const size of [33, 48, 64, 100, 256]) {
    const pfn = alloc_iova_fast(iovad, size, LIMIT_32BIT, false);
    KUNIT_ASSERT_NE(test, pfn, 0);
    const iova = find_iova(iovad, pfn);
    KUNIT_ASSERT_NOT_NULL_MSG(test, iova, "size %d", size);
    KUNIT_EXPECT_EQ_MSG(test, iova_size(iova), size, "not rounded");
    KUNIT_EXPECT_EQ_MSG(
      test,
      pfn % roundup_pow_of_two(size),
      0,
      "size %d aligned",
      size,
    );
    const live = iova_live(variant);
    free_iova_fast(iovad, pfn, size);
    KUNIT_EXPECT_NULL(test, find_iova(iovad, pfn));
    KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
    KUNIT_EXPECT_TRUE(test, rcaches_empty(iovad));
    trace.push(LIMIT_32BIT - pfn, size);
  }
  // 32 is the largest cached size: it stays allocated while cached.
  const pfn = alloc_iova_fast(iovad, 32, LIMIT_32BIT, false);
  free_iova_fast(iovad, pfn, 32);
  KUNIT_EXPECT_NOT_NULL(test, find_iova(iovad, pfn));
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 5, 0).loaded!.size, 1);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * A pfn freed on CPU 1 stays in CPU 1's magazines: CPU 0 and CPU 2 get
 * theirs from the tree, until CPU 1 pushes a magazine into the depot, from
 * which CPU 0 then allocates.
 */
function test_per_cpu_isolation(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const rc = iovad.rcaches![0]!;
  const trace: number[] = [];
  const p = alloc_n(test, iovad, 2 * IOVA_MAG_SIZE + 1, 1);
  onCpu(1, () => free_iova_fast(iovad, p[0]!, 1));
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 1).loaded!.size, 1);
  const q = alloc_iova_fast(iovad, 1, LIMIT_32BIT, false);
  KUNIT_EXPECT_NE(test, q, p[0]!);
  KUNIT_EXPECT_EQ(test, q, LIMIT_32BIT - p.length);
  const r = onCpu(2, () => alloc_iova_fast(iovad, 1, LIMIT_32BIT, false));
  KUNIT_EXPECT_EQ(test, r, q - 1);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 1).loaded!.size, 1);
  // CPU 1 frees until its loaded magazine goes into the depot.
  onCpu(1, () => {
    for (let i = 1; i < p.length; i++) free_iova_fast(iovad, p[i]!, 1);
  });
  KUNIT_EXPECT_EQ(test, rc.depot_size, 1);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 0).loaded!.size, 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 0).prev!.size, 0);
  // CPU 0 has nothing of its own: it takes the depot magazine (the pfns
  // CPU 1 freed 128th..254th) and pops its top.
  const s = alloc_iova_fast(iovad, 1, LIMIT_32BIT, false);
  KUNIT_EXPECT_EQ(test, s, p[2 * IOVA_MAG_SIZE - 1]!);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 0).loaded!.size, IOVA_MAG_SIZE - 1);
  // CPU 1's own magazines were not touched.
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 1).loaded!.size, 1);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 1).prev!.size, IOVA_MAG_SIZE);
  const t = onCpu(1, () => alloc_iova_fast(iovad, 1, LIMIT_32BIT, false));
  KUNIT_EXPECT_EQ(test, t, p[2 * IOVA_MAG_SIZE]!);
  trace.push(
    LIMIT_32BIT - q,
    LIMIT_32BIT - r,
    LIMIT_32BIT - s,
    LIMIT_32BIT - t,
  );
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/** Frees that leave `k` magazines in a class's depot: 127 * (k + 1) + 1. */
function frees_for_depot(k: number): number {
  return IOVA_MAG_SIZE * (k + 1) + 1;
}

/**
 * The depot grows without bound; every 100 ms (virtual) the work sheds one
 * magazine per size class while the depot holds more than
 * `num_online_cpus()`, returns its pfns to the tree and reschedules only
 * after trimming.
 */
function test_depot_growth_and_trim(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const rc0 = iovad.rcaches![0]!;
  const rc1 = iovad.rcaches![1]!;
  const trace: number[] = [];
  const ncpu = num_online_cpus();
  KUNIT_ASSERT_EQ(test, ncpu, 4);
  const p0 = alloc_n(test, iovad, frees_for_depot(ncpu + 2), 1);
  const p1 = alloc_n(test, iovad, frees_for_depot(ncpu + 1), 2);
  const extra = alloc_n(test, iovad, IOVA_MAG_SIZE, 1);
  for (const pfn of p0) free_iova_fast(iovad, pfn, 1);
  for (const pfn of p1) free_iova_fast(iovad, pfn, 2);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu + 2);
  KUNIT_EXPECT_EQ(test, rc1.depot_size, ncpu + 1);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc0.work));
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc1.work));
  const top0 = mag_pfns(rc0.depot);
  const top1 = mag_pfns(rc1.depot);
  KUNIT_EXPECT_EQ(test, top0.length, IOVA_MAG_SIZE);
  KUNIT_EXPECT_TRUE(test, top0.every((pfn) => find_iova(iovad, pfn) !== null));
  const mags = mag_live();
  const live = iova_live(variant);

  advance(IOVA_DEPOT_DELAY_MS - 1);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu + 2);
  KUNIT_EXPECT_EQ(test, rc1.depot_size, ncpu + 1);
  advance(1);
  // One magazine per class, the most recently pushed.
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu + 1);
  KUNIT_EXPECT_EQ(test, rc1.depot_size, ncpu);
  KUNIT_EXPECT_TRUE(test, top0.every((pfn) => find_iova(iovad, pfn) === null));
  KUNIT_EXPECT_TRUE(test, top1.every((pfn) => find_iova(iovad, pfn) === null));
  KUNIT_EXPECT_EQ(test, mag_live(), mags - 2);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 2 * IOVA_MAG_SIZE);
  // Both trimmed, both rescheduled.
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc0.work));
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc1.work));
  trace.push(rc0.depot_size, rc1.depot_size);

  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu);
  KUNIT_EXPECT_EQ(test, rc1.depot_size, ncpu);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc0.work));
  // rc1 found nothing to trim: it stays idle.
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc1.work));
  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc0.work));
  advance(10 * IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu);
  KUNIT_EXPECT_EQ(test, rc1.depot_size, ncpu);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 3 * IOVA_MAG_SIZE);
  trace.push(rc0.depot_size, rc1.depot_size);

  // The threshold is the online count when the work runs. CPU 0's loaded
  // magazine holds 1 pfn: 127 more frees push one more magazine.
  KUNIT_EXPECT_EQ(test, remove_cpu(3), 0);
  for (const pfn of extra) free_iova_fast(iovad, pfn, 1);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu + 1);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(rc0.work));
  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu);
  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu - 1);
  advance(IOVA_DEPOT_DELAY_MS);
  KUNIT_EXPECT_EQ(test, rc0.depot_size, ncpu - 1);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc0.work));
  trace.push(rc0.depot_size, iova_live(variant) - live);
  KUNIT_EXPECT_EQ(test, add_cpu(3), 0);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * `remove_cpu()` runs `iova_cpuhp_dead`: the dead CPU's loaded and prev
 * pfns of every class go back to the tree; the magazines stay (empty);
 * other CPUs and the depot are untouched.
 */
function test_cpu_hotplug_dead(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const trace: number[] = [];
  const small = alloc_n(test, iovad, IOVA_MAG_SIZE + 3, 1);
  const quad = alloc_n(test, iovad, 2, 4);
  const other = alloc_n(test, iovad, 3, 1);
  onCpu(2, () => {
    for (const pfn of small) free_iova_fast(iovad, pfn, 1);
    for (const pfn of quad) free_iova_fast(iovad, pfn, 4);
  });
  onCpu(1, () => {
    for (const pfn of other) free_iova_fast(iovad, pfn, 1);
  });
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 2).loaded!.size, 3);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 2).prev!.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 2, 2).loaded!.size, 2);
  const mags = mag_live();
  const live = iova_live(variant);
  KUNIT_EXPECT_EQ(test, remove_cpu(2), 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 2).loaded!.size, 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 2).prev!.size, 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 2, 2).loaded!.size, 0);
  KUNIT_EXPECT_TRUE(test, small.every((pfn) => find_iova(iovad, pfn) === null));
  KUNIT_EXPECT_TRUE(test, quad.every((pfn) => find_iova(iovad, pfn) === null));
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - small.length - quad.length);
  KUNIT_EXPECT_EQ(test, mag_live(), mags);
  // CPU 1 keeps its cache.
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 1).loaded!.size, 3);
  KUNIT_EXPECT_TRUE(test, other.every((pfn) => find_iova(iovad, pfn) !== null));
  // Back online, CPU 2 starts with empty magazines.
  KUNIT_EXPECT_EQ(test, add_cpu(2), 0);
  const pfn = onCpu(2, () => alloc_iova_fast(iovad, 4, LIMIT_32BIT, false));
  KUNIT_EXPECT_NE(test, pfn, 0);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 2, 2).loaded!.size, 0);
  trace.push(LIMIT_32BIT - pfn, iova_live(variant) - live);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * Fill the space so that only cached pfns remain free-able: a size class
 * with nothing cached on this CPU and in its depot falls through to the
 * tree, which fails; `flush_rcache = false` returns 0; `true` returns every
 * CPU's and every depot's pfns to the tree and retries once.
 */
function test_flush_and_retry(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const limit = 1024;
  const trace: number[] = [];
  const on2 = onCpu(
    2,
    () => alloc_n(test, iovad, frees_for_depot(1), 1, limit),
  );
  const on1 = onCpu(1, () => alloc_n(test, iovad, 10, 2, limit));
  const on0 = alloc_n(test, iovad, 5, 1, limit);
  let filler = 0;
  while (alloc_iova(iovad, 1, limit, false) !== null) filler++;
  // pfns 1..limit are all allocated
  KUNIT_EXPECT_EQ(test, filler, limit - on2.length - 2 * on1.length - 5);
  onCpu(2, () => {
    for (const pfn of on2) free_iova_fast(iovad, pfn, 1);
  });
  onCpu(1, () => {
    for (const pfn of on1) free_iova_fast(iovad, pfn, 2);
  });
  for (const pfn of on0) free_iova_fast(iovad, pfn, 1);
  KUNIT_EXPECT_EQ(test, iovad.rcaches![0]!.depot_size, 1);
  const live = iova_live(variant);
  const mags = mag_live();
  // Size 2 on CPU 0: nothing in its class-1 magazines or depot.
  KUNIT_EXPECT_EQ(test, alloc_iova_fast(iovad, 2, limit, false), 0);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live);
  KUNIT_EXPECT_EQ(test, iovad.rcaches![0]!.depot_size, 1);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 1, 1).loaded!.size, 10);
  KUNIT_EXPECT_EQ(test, cpu_rc(iovad, 0, 0).loaded!.size, 5);
  const pfn = alloc_iova_fast(iovad, 2, limit, true);
  KUNIT_EXPECT_NE(test, pfn, 0);
  KUNIT_EXPECT_LE(test, pfn + 1, limit);
  KUNIT_EXPECT_EQ(test, pfn % 2, 0);
  KUNIT_EXPECT_TRUE(test, rcaches_empty(iovad));
  KUNIT_EXPECT_EQ(test, mag_live(), mags - 1);
  // Every cached struct went back; one new one was allocated.
  KUNIT_EXPECT_EQ(
    test,
    iova_live(variant),
    live - on2.length - on1.length - on0.length + 1,
  );
  // ... and the new one lies in space a flush returned.
  const gone = (p: number) =>
    p === pfn || p === pfn + 1 || find_iova(iovad, p) === null;
  KUNIT_EXPECT_TRUE(test, on2.every(gone) && on1.every(gone));
  KUNIT_EXPECT_TRUE(test, on0.every(gone));
  KUNIT_EXPECT_TRUE(test, [...on2, ...on1, ...on0].includes(pfn));
  trace.push(filler, iova_live(variant) - live, pfn);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * With `loaded` and `prev` full, a failed `iova_magazine_alloc(GFP_ATOMIC)`
 * makes `free_iova_fast` fall back to `free_iova`.
 */
function test_magazine_alloc_failure(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const rc = iovad.rcaches![0]!;
  const c0 = cpu_rc(iovad, 0, 0);
  const trace: number[] = [];
  const p = alloc_n(test, iovad, 2 * IOVA_MAG_SIZE + 2, 1);
  for (let i = 0; i < 2 * IOVA_MAG_SIZE; i++) free_iova_fast(iovad, p[i]!, 1);
  const live = iova_live(variant);
  const mags = mag_live();
  const failed = iova_magazine_cache()!.stats.failed_allocs;
  const fp = fault_arm("slab.alloc", {
    cache: "iommu_iova_magazine",
    probability: 100,
    times: 1,
    verbose: 0,
  });
  free_iova_fast(iovad, p[2 * IOVA_MAG_SIZE]!, 1);
  KUNIT_EXPECT_EQ(test, fp.injected, 1);
  KUNIT_EXPECT_EQ(test, iova_magazine_cache()!.stats.failed_allocs, failed + 1);
  KUNIT_EXPECT_NULL(test, find_iova(iovad, p[2 * IOVA_MAG_SIZE]!));
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 0);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(rc.work));
  KUNIT_EXPECT_EQ(test, c0.loaded!.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, c0.prev!.size, IOVA_MAG_SIZE);
  KUNIT_EXPECT_EQ(test, mag_live(), mags);
  fault_disarm("slab.alloc");
  // The next free gets its magazine.
  free_iova_fast(iovad, p[2 * IOVA_MAG_SIZE + 1]!, 1);
  KUNIT_EXPECT_EQ(test, rc.depot_size, 1);
  KUNIT_EXPECT_NOT_NULL(test, find_iova(iovad, p[2 * IOVA_MAG_SIZE + 1]!));
  KUNIT_EXPECT_EQ(test, mag_live(), mags + 1);
  trace.push(rc.depot_size, c0.loaded!.size, iova_live(variant) - live);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  expect_same_in_every_variant(test, trace);
}

/**
 * `iova_domain_init_rcaches()` with each slab allocation failing in turn
 * (the kcalloc, then every magazine of every possible CPU): -ENOMEM and
 * nothing left allocated.
 */
function test_init_rcaches_failure_unwinds(test: Kunit): void {
  const { variant } = ctx_of(test);
  const trace: number[] = [];
  const mags = mag_live();
  const sweep = fail_nth_sweep({
    point: "slab.alloc",
    op: () => {
      const d = new IovaDomain(variant);
      init_iova_domain(d, PAGE_SIZE, 1);
      const ret = iova_domain_init_rcaches(d);
      put_iova_domain(d);
      return ret;
    },
  });
  KUNIT_EXPECT_TRUE(test, sweep.complete);
  KUNIT_EXPECT_TRUE(test, sweep.ok);
  // The kcalloc, then loaded and prev for each class and possible CPU;
  // the last row reaches no n-th allocation.
  const allocs = 1 + IOVA_RANGE_CACHE_MAX_SIZE * 2 * 4;
  KUNIT_EXPECT_EQ(test, sweep.rows.length, allocs + 2);
  KUNIT_EXPECT_EQ(test, sweep.rows[0]!.result, 0);
  for (const row of sweep.rows.slice(1)) {
    KUNIT_EXPECT_EQ_MSG(
      test,
      row.result,
      row.injected ? -ENOMEM : 0,
      "fail-nth %d",
      row.iteration,
    );
    KUNIT_EXPECT_EQ_MSG(test, row.leaks, 0, "fail-nth %d", row.iteration);
    KUNIT_EXPECT_EQ_MSG(
      test,
      row.reports.length,
      0,
      "fail-nth %d",
      row.iteration,
    );
    trace.push(row.result ?? 1);
  }
  KUNIT_EXPECT_EQ(test, mag_live(), mags);
  kunit_info(test, `${sweep.rows.length - 1} fail-nth iterations`);
  expect_same_in_every_variant(test, trace);
}

/**
 * `put_iova_domain()` with pfns in per-CPU magazines and depots of several
 * classes: magazines freed without returning their pfns, every struct
 * freed once by the tree teardown, the depot work cancelled.
 */
function test_teardown_with_cached_pfns(test: Kunit): void {
  const ctx = ctx_of(test);
  const { iovad, variant } = ctx;
  const trace: number[] = [];
  const p = alloc_n(test, iovad, frees_for_depot(2), 1);
  const q = alloc_n(test, iovad, 5, 8);
  const r = alloc_n(test, iovad, 2, 20);
  for (const pfn of p) free_iova_fast(iovad, pfn, 1);
  onCpu(1, () => {
    for (const pfn of q) free_iova_fast(iovad, pfn, 8);
  });
  onCpu(3, () => {
    for (const pfn of r) free_iova_fast(iovad, pfn, 20);
  });
  KUNIT_EXPECT_EQ(test, iovad.rcaches![0]!.depot_size, 2);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(iovad.rcaches![0]!.work));
  KUNIT_EXPECT_EQ(test, iova_live(variant), p.length + q.length + r.length);
  trace.push(mag_live() - ctx.mag_base);
  const reports = kernel_capture_reports(() => put_iova_domain(iovad));
  ctx.torn = true;
  KUNIT_EXPECT_EQ(test, reports.length, 0);
  KUNIT_EXPECT_EQ(test, iova_live(variant), ctx.iova_base);
  KUNIT_EXPECT_EQ(test, mag_live(), ctx.mag_base);
  KUNIT_EXPECT_EQ(test, mt_nr_allocated(), ctx.node_base);
  KUNIT_EXPECT_EQ(test, pending_work().length, 0);
  trace.push(mag_live() - ctx.mag_base);
  expect_same_in_every_variant(test, trace);
}

const variants = KUNIT_ARRAY_PARAM(IOVA_VARIANTS, (v) => v);

export default kunit_test_suite({
  name: "iova_rcache",
  init: iova_leakcheck_init,
  exit: iova_leakcheck_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_magazine_fill_swap_depot, variants),
    KUNIT_CASE_PARAM(test_magazine_pop_order, variants),
    KUNIT_CASE_PARAM(test_rcache_limit_wraps, variants),
    KUNIT_CASE_PARAM(test_size_rounding, variants),
    KUNIT_CASE_PARAM(test_large_sizes_bypass_cache, variants),
    KUNIT_CASE_PARAM(test_per_cpu_isolation, variants),
    KUNIT_CASE_PARAM(test_depot_growth_and_trim, variants),
    KUNIT_CASE_PARAM(test_cpu_hotplug_dead, variants),
    KUNIT_CASE_PARAM(test_flush_and_retry, variants),
    KUNIT_CASE_PARAM(test_magazine_alloc_failure, variants),
    KUNIT_CASE_PARAM(test_init_rcaches_failure_unwinds, variants),
    KUNIT_CASE_PARAM(test_teardown_with_cached_pfns, variants),
  ],
});
