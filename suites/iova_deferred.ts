// Copyright 2026 the iommulab authors. MIT license.
/**
 * `iova_deferred`: what happens when a maple-tree erase fails under
 * `GFP_ATOMIC` (the deferred-erase machinery of the 2026 series), and what
 * the maple variants do when any node allocation fails.
 *
 * - rbtree-6.12: `rb_erase` never allocates, so there is nothing to defer.
 * - Fault sweeps over `__free_iova`, `free_iova`, `reserve_iova` and
 *   `alloc_iova` on both maple variants, failing the n-th node allocation
 *   once (`fail_nth`: `mas_nomem` retries) and from the n-th on
 *   (`from_nth`): after each step no leak, no KASAN report and the
 *   invariants hold — except v3's `reserve_iova`, whose failed store leaves
 *   freed structs in the tree (known bug 13 of the spec).
 * - maple-v3: the failed erase stays in the tree, is retried every 10 ms
 *   forever (no backoff, no message), and a failed store sets the max32
 *   hint (bug 12, found by Liam Howlett); v4 does not.
 * - maple-v4: the `IOVA_DEFERRED` marker, its bounds, the drain points, the
 *   drain stopping at the first failure, the marker as occupied space, the
 *   store types behind "the marker needs no node".
 * - Teardown with erases still pending frees every struct exactly once.
 *
 * Cases that show a variant's bug run it inside `kernel_capture_reports`.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_NOT_NULL_MSG,
  KUNIT_CASE_PARAM,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_GE,
  KUNIT_EXPECT_GT,
  KUNIT_EXPECT_LE,
  KUNIT_EXPECT_LT,
  KUNIT_EXPECT_NE,
  KUNIT_EXPECT_NOT_NULL,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_PTR_EQ,
  KUNIT_EXPECT_STREQ,
  KUNIT_EXPECT_TRUE,
  KUNIT_EXPECT_TRUE_MSG,
  kunit_info,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  advance,
  delayed_work_pending,
  DMA_BIT_MASK,
  fault_arm,
  fault_disarm,
  type FaultArmOptions,
  type FaultPoint,
  kernel_capture_reports,
  type KernelReport,
  PAGE_SHIFT,
  PAGE_SIZE,
  pending_work,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
  ULONG_MAX,
  warn_count,
} from "../lib/kernel/mod.ts";
import {
  MA_STATE,
  mas_find,
  mt_nr_allocated,
  store_type_names,
  wr_exact_fit,
} from "../lib/maple/mod.ts";
import {
  __free_iova,
  alloc_iova,
  find_iova,
  free_iova,
  init_iova_domain,
  type Iova,
  IOVA_DEFERRED,
  iova_deferred_count,
  IOVA_DEFERRED_RETRY_MS,
  iova_domain_has_deferred,
  iova_domain_verify_invariants,
  iova_kunit,
  iova_kunit_store_types,
  IovaDomain,
  iovaDomainMemory,
  type IovaVariant,
  put_iova_domain,
  reserve_iova,
} from "../lib/iova/mod.ts";
import {
  iova_leakcheck_exit,
  iova_leakcheck_init,
  iova_live,
  type IovaLeakCtx,
} from "./_iova_test_util.ts";

/** `TEST_LIMIT_32BIT`: `DMA_BIT_MASK(32) >> PAGE_SHIFT`. */
const LIMIT_32BIT = Math.floor(DMA_BIT_MASK(32) / 2 ** PAGE_SHIFT);
/** `TEST_LIMIT_64BIT`: `(1ULL << 36) >> PAGE_SHIFT`. */
const LIMIT_64BIT = 2 ** (36 - PAGE_SHIFT);
/** Upper bound on the iterations of one sweep. */
const MAX_SWEEP = 200;

type Ctx = IovaLeakCtx;

function ctx_of(test: Kunit): Ctx {
  return test.priv as Ctx;
}

/** Every maple node allocation fails from now on (`mas_nomem` too). */
function arm_node_alloc(opts: FaultArmOptions = {}): FaultPoint {
  return fault_arm("maple.node_alloc", {
    probability: 100,
    times: -1,
    verbose: 0,
    ...opts,
  });
}

function new_domain(variant: IovaVariant): IovaDomain {
  const d = new IovaDomain(variant);
  init_iova_domain(d, PAGE_SIZE, 1);
  return d;
}

function must_alloc(
  test: Kunit,
  d: IovaDomain,
  size: number,
  aligned: boolean,
  limit = LIMIT_32BIT,
): Iova {
  const iova = alloc_iova(d, size, limit, aligned);
  KUNIT_ASSERT_NOT_NULL_MSG(test, iova, "alloc_iova(%d)", size);
  return iova;
}

/** The `[index, last]` of every `IOVA_DEFERRED` marker, ascending. */
function markers(d: IovaDomain): [number, number][] {
  const out: [number, number][] = [];
  const flags = spin_lock_irqsave(d.iova_lock);
  const mas = MA_STATE(d.mtree, 0, 0);
  let e: unknown;
  while ((e = mas_find(mas, ULONG_MAX)) !== null) {
    if (e === IOVA_DEFERRED) out.push([mas.index, mas.last]);
  }
  spin_unlock_irqrestore(d.iova_lock, flags);
  return out;
}

/**
 * 20 size-1 iovas top-down, the even ones freed: 10 left with a free pfn on
 * both sides, in a tree of several nodes, where some erases need a
 * rebalance (and so a node).
 */
function fragmented(test: Kunit, d: IovaDomain): Iova[] {
  const all: Iova[] = [];
  for (let i = 0; i < 20; i++) all.push(must_alloc(test, d, 1, false));
  const left: Iova[] = [];
  for (let i = 0; i < all.length; i++) {
    if (i % 2 === 0) __free_iova(d, all[i]!);
    else left.push(all[i]!);
  }
  return left;
}

/** One iteration of a fault sweep. */
interface SweepRow<R> {
  mode: "fail_nth" | "from_nth";
  n: number;
  injected: boolean;
  result: R | undefined;
  invariants: boolean;
  /** Live structs minus structs the tree references (< 0: dangling). */
  unreferenced: number;
  /** Pending erases right after the operation. */
  deferred: number;
  reports: KernelReport[];
}

interface SweepSpec<S, R> {
  setup: (d: IovaDomain) => S;
  op: (d: IovaDomain, s: S) => R;
  /** Case checks after the operation (fault disarmed, domain still up). */
  after: (row: SweepRow<R>, d: IovaDomain, s: S) => void;
  /** Whether the row shows the variant's known bug (reports allowed). */
  known_bug?: (row: SweepRow<R>) => boolean;
}

/**
 * Runs `op` on a fresh domain with node allocation n failing (once, then
 * from n on), for n = 1, 2, ... until no failure was injected. After each
 * iteration: invariants, every live struct referenced by the tree, no
 * kernel report, and after teardown every struct and node freed.
 */
function fault_sweep<S, R>(
  test: Kunit,
  spec: SweepSpec<S, R>,
): SweepRow<R>[] {
  const { variant } = ctx_of(test);
  const rows: SweepRow<R>[] = [];
  for (const mode of ["fail_nth", "from_nth"] as const) {
    let complete = false;
    for (let n = 1; n <= MAX_SWEEP; n++) {
      const iova_base = iova_live(variant);
      const node_base = mt_nr_allocated();
      const d = new_domain(variant);
      const s = spec.setup(d);
      const fp = mode === "fail_nth"
        ? fault_arm("maple.node_alloc", { fail_nth: n, verbose: 0 })
        : arm_node_alloc({ space: n });
      const row: SweepRow<R> = {
        mode,
        n,
        injected: false,
        result: undefined,
        invariants: false,
        unreferenced: 0,
        deferred: 0,
        reports: [],
      };
      row.reports = kernel_capture_reports(() => {
        try {
          row.result = spec.op(d, s);
        } finally {
          row.injected = fp.injected > 0;
          fault_disarm("maple.node_alloc");
        }
        row.invariants = iova_domain_verify_invariants(d);
        row.unreferenced = iova_live(variant) - iova_base -
          iovaDomainMemory(d).iovas;
        row.deferred = iova_deferred_count(d);
      });
      const bug = spec.known_bug?.(row) ?? false;
      if (!bug) spec.after(row, d, s);
      row.reports.push(...kernel_capture_reports(() => put_iova_domain(d)));
      rows.push(row);
      const what = `${mode} ${n}`;
      if (!bug) {
        KUNIT_EXPECT_EQ_MSG(test, row.reports.length, 0, "%s: reports", what);
        KUNIT_EXPECT_TRUE_MSG(test, row.invariants, "%s: invariants", what);
        KUNIT_EXPECT_EQ_MSG(test, row.unreferenced, 0, "%s: leak", what);
      }
      KUNIT_EXPECT_EQ_MSG(test, iova_live(variant), iova_base, "%s", what);
      KUNIT_EXPECT_EQ_MSG(test, mt_nr_allocated(), node_base, "%s", what);
      KUNIT_EXPECT_EQ_MSG(test, pending_work().length, 0, "%s", what);
      if (!row.injected) {
        complete = true;
        break;
      }
    }
    KUNIT_EXPECT_TRUE_MSG(test, complete, "%s sweep incomplete", mode);
  }
  const inj = rows.filter((r) => r.injected).length;
  const def = rows.filter((r) => r.deferred > 0).length;
  kunit_info(
    test,
    `${rows.length} iterations, ${inj} injected, ${def} left erases pending`,
  );
  return rows;
}

/** v3: let the retry work run; v4: let the next allocation drain. */
function settle(test: Kunit, d: IovaDomain): void {
  if (d.variant === "maple-v3") {
    advance(IOVA_DEFERRED_RETRY_MS);
  } else {
    const iova = alloc_iova(d, 1, LIMIT_32BIT, false);
    if (iova !== null) __free_iova(d, iova);
  }
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(d));
  KUNIT_EXPECT_EQ(test, iova_deferred_count(d), 0);
}

/** After freeing `gone`: v4 finds none; v3 finds exactly the deferred. */
function expect_freed(
  test: Kunit,
  row: SweepRow<unknown>,
  d: IovaDomain,
  gone: [number, number][],
): void {
  const found = gone.filter(([lo, hi]) =>
    find_iova(d, lo) !== null || find_iova(d, hi) !== null
  );
  if (d.variant === "maple-v4") {
    KUNIT_EXPECT_EQ(test, found.length, 0);
    KUNIT_EXPECT_EQ(test, markers(d).length, row.deferred);
  } else {
    KUNIT_EXPECT_EQ(test, found.length, row.deferred);
  }
  KUNIT_EXPECT_EQ(test, iova_domain_has_deferred(d), row.deferred > 0);
  settle(test, d);
  for (const [lo, hi] of gone) {
    KUNIT_EXPECT_NULL(test, find_iova(d, lo));
    KUNIT_EXPECT_NULL(test, find_iova(d, hi));
  }
}

// --- cases ------------------------------------------------------------------

/**
 * rbtree-6.12: `rb_erase` never allocates. With every maple node
 * allocation failing, frees, allocations and reservations work and no
 * node allocation is even attempted.
 */
function test_rbtree_nothing_to_defer(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const c = must_alloc(test, iovad, 1, false);
  const b = must_alloc(test, iovad, 1, false);
  const a = must_alloc(test, iovad, 1, false);
  const left = fragmented(test, iovad);
  const b_pfn = b.pfn_lo;
  const fp = arm_node_alloc();
  __free_iova(iovad, a);
  __free_iova(iovad, c);
  const live = iova_live(variant);
  // b has free neighbours on both sides: the maple erase that fails.
  __free_iova(iovad, b);
  KUNIT_EXPECT_NULL(test, find_iova(iovad, b_pfn));
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  for (const iova of left) free_iova(iovad, iova.pfn_lo);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1 - left.length);
  KUNIT_EXPECT_NOT_NULL(test, alloc_iova(iovad, 4, LIMIT_32BIT, true));
  KUNIT_EXPECT_NOT_NULL(test, reserve_iova(iovad, 100, 200));
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 0);
  KUNIT_EXPECT_EQ(test, fp.calls, 0);
  KUNIT_EXPECT_EQ(test, fp.injected, 0);
  KUNIT_EXPECT_EQ(test, pending_work().length, 0);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/** `__free_iova` of 10 fragmented iovas under each node failure. */
function test_free_fault_sweep(test: Kunit): void {
  const rows = fault_sweep(test, {
    setup: (d) => fragmented(test, d),
    op: (d, left) => {
      const ranges: [number, number][] = left.map((i) => [i.pfn_lo, i.pfn_hi]);
      for (const iova of left) __free_iova(d, iova);
      return ranges;
    },
    after: (row, d) => expect_freed(test, row, d, row.result!),
  });
  // The persistent failure left erases pending at least once.
  KUNIT_EXPECT_GT(test, rows.filter((r) => r.deferred > 0).length, 0);
}

/** `free_iova(pfn)` (any pfn of the range) of mixed sizes. */
function test_free_iova_fault_sweep(test: Kunit): void {
  const rows = fault_sweep(test, {
    setup: (d) => {
      const all: Iova[] = [];
      const sizes = [1, 2, 4, 8, 3, 16, 1, 5, 2, 32, 7, 1];
      for (let i = 0; i < 4 * sizes.length; i++) {
        const size = sizes[i % sizes.length]!;
        all.push(must_alloc(test, d, size, size % 2 === 0));
      }
      const ranges: [number, number][] = [];
      all.forEach((iova, i) => {
        if (i % 3 === 1) __free_iova(d, iova);
        else ranges.push([iova.pfn_lo, iova.pfn_hi]);
      });
      return ranges;
    },
    op: (d, ranges) => {
      // by pfn_hi, pfn_lo, middle in turn
      ranges.forEach(([lo, hi], i) =>
        free_iova(
          d,
          i % 3 === 0 ? hi : i % 3 === 1 ? lo : Math.floor((lo + hi) / 2),
        )
      );
      return ranges;
    },
    after: (row, d) => expect_freed(test, row, d, row.result!),
  });
  KUNIT_EXPECT_GT(test, rows.filter((r) => r.deferred > 0).length, 0);
}

/**
 * `reserve_iova` over 5 fragmented iovas and the holes between them. v4
 * preallocates before freeing anything: on failure nothing changed. v3
 * frees the overlapped structs before the store that fails: the tree
 * keeps pointing at them (use-after-free in the next walk, double free at
 * teardown).
 */
function test_reserve_fault_sweep(test: Kunit): void {
  const { variant } = ctx_of(test);
  interface S {
    lo: number;
    hi: number;
    covered: [number, number][];
  }
  const rows = fault_sweep<S, Iova | null>(test, {
    setup: (d) => {
      const left = fragmented(test, d);
      const hi = left[2]!.pfn_hi;
      const lo = left[6]!.pfn_lo;
      const covered = left.slice(2, 7).map((i): [number, number] => [
        i.pfn_lo,
        i.pfn_hi,
      ]);
      return { lo, hi, covered };
    },
    op: (d, s) => reserve_iova(d, s.lo, s.hi),
    after: (row, d, s) => {
      if (row.result !== null) {
        KUNIT_EXPECT_EQ(test, row.result!.pfn_lo, s.lo);
        KUNIT_EXPECT_EQ(test, row.result!.pfn_hi, s.hi);
        KUNIT_EXPECT_PTR_EQ(test, find_iova(d, s.lo), row.result);
        KUNIT_EXPECT_PTR_EQ(test, find_iova(d, s.hi - 1), row.result);
      } else {
        // Nothing changed: the old entries are still there and live.
        for (const [lo, hi] of s.covered) {
          const iova = find_iova(d, lo);
          KUNIT_EXPECT_NOT_NULL(test, iova);
          KUNIT_EXPECT_EQ(test, iova?.pfn_hi ?? -1, hi);
        }
        KUNIT_EXPECT_TRUE(test, row.injected);
      }
    },
    known_bug: (row) => variant === "maple-v3" && row.result === null,
  });
  const failed = rows.filter((r) => r.result === null);
  KUNIT_EXPECT_GT(test, failed.length, 0);
  for (const row of failed) {
    const kinds = new Set(row.reports.map((r) => r.kind));
    if (variant === "maple-v3") {
      // Bug: the five overlapped structs were freed, the tree still
      // references them.
      KUNIT_EXPECT_EQ(test, row.unreferenced, -5);
      KUNIT_EXPECT_TRUE(test, kinds.has("use-after-free"));
      KUNIT_EXPECT_TRUE(test, kinds.has("double-free"));
    } else {
      KUNIT_EXPECT_EQ(test, row.reports.length, 0);
    }
  }
}

/**
 * `alloc_iova` of several sizes into a fragmented tree. A failed store
 * frees its struct; v3 also sets the max32 hint on it (bug 12), v4 keeps
 * the hint for real exhaustion.
 */
function test_alloc_fault_sweep(test: Kunit): void {
  const { variant } = ctx_of(test);
  const sizes = [1, 2, 3, 8, 1, 16];
  const rows = fault_sweep<Iova[], (Iova | null)[]>(test, {
    setup: (d) => fragmented(test, d),
    op: (d) => sizes.map((size) => alloc_iova(d, size, LIMIT_32BIT, size > 2)),
    after: (row, d) => {
      const got = row.result!;
      got.forEach((iova, i) => {
        if (iova === null) return;
        KUNIT_EXPECT_EQ(test, iova.pfn_hi - iova.pfn_lo + 1, sizes[i]!);
        KUNIT_EXPECT_LE(test, iova.pfn_hi, LIMIT_32BIT);
        KUNIT_EXPECT_PTR_EQ(test, find_iova(d, iova.pfn_lo), iova);
      });
      const failed = got.some((i) => i === null);
      KUNIT_EXPECT_EQ(
        test,
        d.max32_alloc_size < d.dma_32bit_pfn,
        variant === "maple-v3" && failed,
      );
    },
  });
  KUNIT_EXPECT_GT(
    test,
    rows.filter((r) => r.result!.some((i) => i === null)).length,
    0,
  );
}

/**
 * maple-v3: a failed erase leaves the struct in the tree (found, its space
 * occupied) and queues it; the work retries at 10 ms, forever while the
 * failure persists (no counter, no backoff, no message), and erases it
 * once memory is back.
 */
function test_v3_failed_erase_retried(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  // The only entry: erasing it widens to the whole range, a new root.
  const a = must_alloc(test, iovad, 4, true);
  const live = iova_live(variant);
  const warns = warn_count();
  let fp = arm_node_alloc();
  __free_iova(iovad, a);
  KUNIT_EXPECT_GT(test, fp.injected, 0);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, a.pfn_lo), a);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, a.pfn_hi), a);
  KUNIT_EXPECT_PTR_EQ(test, iovad.deferred_frees, a);
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 1);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(iovad.deferred_work));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  // Its space stays occupied (v3 allocations do not look at the list).
  fault_disarm("maple.node_alloc");
  const b = must_alloc(test, iovad, 1, false, a.pfn_hi);
  KUNIT_EXPECT_LT(test, b.pfn_hi, a.pfn_lo);
  __free_iova(iovad, b);
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 1);

  fp = arm_node_alloc();
  advance(IOVA_DEFERRED_RETRY_MS - 1);
  KUNIT_EXPECT_EQ(test, fp.calls, 0);
  advance(1);
  const per_retry = fp.calls;
  KUNIT_EXPECT_GT(test, per_retry, 0);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, a.pfn_lo), a);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(iovad.deferred_work));
  // One retry per 10 ms for a whole second: no backoff.
  advance(1000);
  KUNIT_EXPECT_EQ(test, fp.calls - per_retry, 100 * per_retry);
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 1);
  KUNIT_EXPECT_TRUE(test, delayed_work_pending(iovad.deferred_work));
  // ... and nothing in the log says why the space is gone.
  KUNIT_EXPECT_EQ(test, warn_count(), warns);
  kunit_info(test, `${Math.floor(fp.calls / per_retry)} retries in 1010 ms`);

  fault_disarm("maple.node_alloc");
  advance(IOVA_DEFERRED_RETRY_MS - 1);
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 1);
  advance(1);
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 0);
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_NULL(test, find_iova(iovad, a.pfn_lo + 1));
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(iovad.deferred_work));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/**
 * A store that fails to allocate: v3 reaches the search-failure label and
 * sets `max32_alloc_size`, so 32-bit allocations fast-fail after memory is
 * back, until a free below 4 GiB. v4 sets the hint on real exhaustion
 * only.
 */
function test_alloc_store_failure_max32(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const v3 = variant === "maple-v3";
  const fp = arm_node_alloc();
  // An empty tree: the search cannot fail, the store needs a node.
  KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, LIMIT_32BIT, false));
  KUNIT_EXPECT_GT(test, fp.injected, 0);
  KUNIT_EXPECT_EQ(
    test,
    iovad.max32_alloc_size,
    v3 ? 1 : iovad.dma_32bit_pfn,
  );
  fault_disarm("maple.node_alloc");
  const a = alloc_iova(iovad, 1, LIMIT_32BIT, false);
  if (v3) {
    // The temporary -ENOMEM became a persistent 32-bit failure.
    KUNIT_EXPECT_NULL(test, a);
    const big = must_alloc(test, iovad, 1, false, LIMIT_64BIT);
    KUNIT_EXPECT_GT(test, big.pfn_lo, LIMIT_32BIT);
    __free_iova(iovad, big);
    KUNIT_EXPECT_NULL(test, alloc_iova(iovad, 1, LIMIT_32BIT, false));
    // Only a free below 4 GiB resets it.
    const r = reserve_iova(iovad, 100, 100);
    KUNIT_ASSERT_NOT_NULL_MSG(test, r, "reserve");
    __free_iova(iovad, r);
    KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, iovad.dma_32bit_pfn);
    KUNIT_EXPECT_NOT_NULL(test, alloc_iova(iovad, 1, LIMIT_32BIT, false));
  } else {
    KUNIT_EXPECT_NOT_NULL(test, a);
    KUNIT_EXPECT_EQ(test, a?.pfn_lo ?? 0, LIMIT_32BIT);
  }
}

/**
 * maple-v4: a failed erase leaves the `IOVA_DEFERRED` marker over the
 * range and frees the struct at once; lookups and frees of those pfns see
 * nothing. The KUnit hook takes the same path without a fault.
 */
function test_v4_marker_left(test: Kunit): void {
  const { iovad, variant } = ctx_of(test);
  const a = must_alloc(test, iovad, 4, true);
  const [lo, hi] = [a.pfn_lo, a.pfn_hi];
  const live = iova_live(variant);
  const fp = arm_node_alloc();
  __free_iova(iovad, a);
  KUNIT_EXPECT_GT(test, fp.injected, 0);
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_STREQ(test, JSON.stringify(markers(iovad)), `[[${lo},${hi}]]`);
  KUNIT_EXPECT_NULL(test, find_iova(iovad, lo));
  KUNIT_EXPECT_NULL(test, find_iova(iovad, hi));
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, lo);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, hi);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  // No worker in v4.
  KUNIT_EXPECT_EQ(test, pending_work().length, 0);
  // free_iova of a marker's pfn does nothing.
  const reports = kernel_capture_reports(() => {
    free_iova(iovad, lo);
    free_iova(iovad, hi);
  });
  KUNIT_EXPECT_EQ(test, reports.length, 0);
  KUNIT_EXPECT_EQ(test, iova_deferred_count(iovad), 1);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  fault_disarm("maple.node_alloc");
  // With memory back, the next allocation drains the marker.
  const b = must_alloc(test, iovad, 1, false, lo - 1);
  const b_pfn = b.pfn_lo;
  expect_drained(test, iovad);
  // iova_kunit_defer_erase: the marker path without a fault.
  iova_kunit.defer_erase = true;
  __free_iova(iovad, b);
  iova_kunit.defer_erase = false;
  KUNIT_EXPECT_NULL(test, find_iova(iovad, b_pfn));
  KUNIT_EXPECT_STREQ(
    test,
    JSON.stringify(markers(iovad)),
    `[[${b_pfn},${b_pfn}]]`,
  );
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, b_pfn);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, b_pfn);
  KUNIT_EXPECT_EQ(test, iova_live(variant), live - 1);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/** `deferred_lo` / `deferred_hi` bound every live marker. */
function test_v4_deferred_bounds(test: Kunit): void {
  const { iovad } = ctx_of(test);
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, ULONG_MAX);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, 0);
  const x = must_alloc(test, iovad, 4, true);
  const y = must_alloc(test, iovad, 1, false);
  const keep = must_alloc(test, iovad, 2, false);
  const z = must_alloc(test, iovad, 8, true);
  const w = must_alloc(test, iovad, 2, true);
  const [x_hi, y_lo, y_hi, z_lo] = [x.pfn_hi, y.pfn_lo, y.pfn_hi, z.pfn_lo];
  iova_kunit.defer_erase = true;
  __free_iova(iovad, y);
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, y_lo);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, y_hi);
  __free_iova(iovad, z);
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, z_lo);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, y_hi);
  __free_iova(iovad, x);
  iova_kunit.defer_erase = false;
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, z_lo);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, x_hi);
  const m = markers(iovad);
  KUNIT_EXPECT_EQ(test, m.length, 3);
  KUNIT_EXPECT_EQ(test, m[0]![0], iovad.deferred_lo);
  KUNIT_EXPECT_EQ(test, m[m.length - 1]![1], iovad.deferred_hi);
  // The live entries between markers are untouched.
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, keep.pfn_lo), keep);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, w.pfn_lo), w);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/** Defers the erase of `n` fresh size-1 iovas; returns their pfns. */
function defer_n(test: Kunit, d: IovaDomain, n: number): number[] {
  const pfns: number[] = [];
  const iovas: Iova[] = [];
  for (let i = 0; i < n; i++) iovas.push(must_alloc(test, d, 1, false));
  iova_kunit.defer_erase = true;
  for (const iova of iovas) {
    pfns.push(iova.pfn_lo);
    __free_iova(d, iova);
  }
  iova_kunit.defer_erase = false;
  KUNIT_ASSERT_EQ(test, iova_deferred_count(d), n);
  return pfns;
}

function expect_drained(test: Kunit, d: IovaDomain): void {
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(d));
  KUNIT_EXPECT_EQ(test, iova_deferred_count(d), 0);
  KUNIT_EXPECT_EQ(test, d.deferred_lo, ULONG_MAX);
  KUNIT_EXPECT_EQ(test, d.deferred_hi, 0);
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(d));
}

/** The next allocation drains, and reuses the freed pfn (test_deferred_erase). */
function test_v4_drain_on_alloc(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const [pfn] = defer_n(test, iovad, 1) as [number];
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_NULL(test, find_iova(iovad, pfn));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  const b = must_alloc(test, iovad, 1, false);
  expect_drained(test, iovad);
  KUNIT_EXPECT_EQ(test, b.pfn_lo, pfn);
}

/** The next reservation drains. */
function test_v4_drain_on_reserve(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const pfns = defer_n(test, iovad, 3);
  const r = reserve_iova(iovad, 100, 200);
  KUNIT_ASSERT_NOT_NULL_MSG(test, r, "reserve");
  expect_drained(test, iovad);
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, 150), r);
  for (const pfn of pfns) KUNIT_EXPECT_NULL(test, find_iova(iovad, pfn));
}

/** A successful erase drains ("memory is available"). */
function test_v4_drain_after_erase(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const live = must_alloc(test, iovad, 2, true);
  defer_n(test, iovad, 3);
  __free_iova(iovad, live);
  expect_drained(test, iovad);
}

/**
 * The drain walks the markers upwards and stops at the first failed erase,
 * keeping the bounds over the markers left: with one failure allowed,
 * later markers (whose erase would now succeed) stay.
 */
function test_v4_drain_stops_at_first_failure(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const left = fragmented(test, iovad);
  iova_kunit.defer_erase = true;
  for (const iova of left) __free_iova(iovad, iova);
  iova_kunit.defer_erase = false;
  const before = markers(iovad);
  KUNIT_ASSERT_EQ(test, before.length, left.length);
  const hi = iovad.deferred_hi;
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, before[0]![0]);
  KUNIT_EXPECT_EQ(test, hi, before[before.length - 1]![1]);
  // One store fails (its first try and the mas_nomem retry), then memory
  // is back.
  const fp = arm_node_alloc({ times: 2 });
  const a = must_alloc(test, iovad, 1, false);
  KUNIT_EXPECT_EQ(test, fp.injected, 2);
  const after = markers(iovad);
  kunit_info(test, `${before.length} markers, ${after.length} left`);
  KUNIT_EXPECT_GE(test, after.length, 2);
  KUNIT_EXPECT_LT(test, after.length, before.length);
  // The ones below the failure were erased, the rest untouched.
  KUNIT_EXPECT_STREQ(
    test,
    JSON.stringify(after),
    JSON.stringify(before.slice(before.length - after.length)),
  );
  KUNIT_EXPECT_EQ(test, iovad.deferred_lo, after[0]![0]);
  KUNIT_EXPECT_EQ(test, iovad.deferred_hi, hi);
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
  fault_disarm("maple.node_alloc");
  __free_iova(iovad, a);
  expect_drained(test, iovad);
}

/**
 * Until drained, a marker is occupied space: an allocation whose drain
 * fails searches around it; once drained the space is reused.
 */
function test_v4_marker_occupies_gap(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const a = must_alloc(test, iovad, 4, true);
  const [lo, hi] = [a.pfn_lo, a.pfn_hi];
  KUNIT_EXPECT_EQ(test, hi, LIMIT_32BIT);
  const fp = arm_node_alloc();
  __free_iova(iovad, a);
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  const injected = fp.injected;
  // The drain fails (the only entry: a new root), the search skips it.
  const b = must_alloc(test, iovad, 1, false);
  KUNIT_EXPECT_GT(test, fp.injected, injected);
  KUNIT_EXPECT_LT(test, b.pfn_hi, lo);
  KUNIT_EXPECT_EQ(test, b.pfn_lo, lo - 1);
  KUNIT_EXPECT_TRUE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_STREQ(test, JSON.stringify(markers(iovad)), `[[${lo},${hi}]]`);
  // Search failure, not store failure: the hint stays.
  KUNIT_EXPECT_EQ(test, iovad.max32_alloc_size, iovad.dma_32bit_pfn);
  fault_disarm("maple.node_alloc");
  // (Unaligned: a maple aligned search would need 4 + 4 - 1 free pfns.)
  const c = must_alloc(test, iovad, 4, false);
  expect_drained(test, iovad);
  KUNIT_EXPECT_EQ(test, c.pfn_lo, lo);
}

/**
 * test_marker_store_needs_no_node: for an iova with free neighbours on both
 * sides the erase widens (not an exact fit) while the marker store is
 * `wr_exact_fit` needing no node.
 */
function test_marker_store_needs_no_node(test: Kunit): void {
  const { iovad } = ctx_of(test);
  const c = must_alloc(test, iovad, 1, false);
  const b = must_alloc(test, iovad, 1, false);
  const a = must_alloc(test, iovad, 1, false);
  __free_iova(iovad, a);
  __free_iova(iovad, c);
  const erase = { value: -1 }, marker = { value: -1 }, nodes = { value: -1 };
  iova_kunit_store_types(iovad, b, erase, marker, nodes);
  kunit_info(
    test,
    `erase ${store_type_names[erase.value]}, marker ${
      store_type_names[marker.value]
    }, ${nodes.value} nodes`,
  );
  KUNIT_EXPECT_NE(test, erase.value, wr_exact_fit);
  KUNIT_EXPECT_EQ(test, marker.value, wr_exact_fit);
  KUNIT_EXPECT_EQ(test, nodes.value, 0);
  // A probe only: nothing was stored.
  KUNIT_EXPECT_PTR_EQ(test, find_iova(iovad, b.pfn_lo), b);
  KUNIT_EXPECT_FALSE(test, iova_domain_has_deferred(iovad));
  KUNIT_EXPECT_TRUE(test, iova_domain_verify_invariants(iovad));
}

/**
 * `put_iova_domain` with erases pending: v3 cancels the retry work and
 * frees the queued structs through the tree walk; v4 skips the markers.
 * Every struct is freed exactly once.
 */
function test_deferred_teardown(test: Kunit): void {
  const ctx = ctx_of(test);
  const { iovad, variant } = ctx;
  const left = fragmented(test, iovad);
  const keep = must_alloc(test, iovad, 8, true);
  KUNIT_EXPECT_NOT_NULL(test, keep);
  // v4: markers from the hook too (no-ops on v3).
  if (variant === "maple-v4") defer_n(test, iovad, 2);
  const fp = arm_node_alloc();
  for (const iova of left) __free_iova(iovad, iova);
  fault_disarm("maple.node_alloc");
  KUNIT_EXPECT_GT(test, fp.injected, 0);
  const pending = iova_deferred_count(iovad);
  kunit_info(test, `${pending} erases pending at teardown`);
  KUNIT_EXPECT_GT(test, pending, 0);
  KUNIT_EXPECT_EQ(
    test,
    delayed_work_pending(iovad.deferred_work),
    variant === "maple-v3",
  );
  const reports = kernel_capture_reports(() => put_iova_domain(iovad));
  ctx.torn = true;
  KUNIT_EXPECT_EQ(test, reports.length, 0);
  KUNIT_EXPECT_EQ(test, iova_live(variant), ctx.iova_base);
  KUNIT_EXPECT_EQ(test, mt_nr_allocated(), ctx.node_base);
  KUNIT_EXPECT_FALSE(test, delayed_work_pending(iovad.deferred_work));
  KUNIT_EXPECT_EQ(test, pending_work().length, 0);
  // Nothing runs later against the freed domain.
  const late = kernel_capture_reports(() => advance(100));
  KUNIT_EXPECT_EQ(test, late.length, 0);
}

const maple_variants = KUNIT_ARRAY_PARAM<IovaVariant>(
  ["maple-v3", "maple-v4"],
  (v) => v,
);
const v3_only = KUNIT_ARRAY_PARAM<IovaVariant>(["maple-v3"], (v) => v);
const v4_only = KUNIT_ARRAY_PARAM<IovaVariant>(["maple-v4"], (v) => v);
const rbtree_only = KUNIT_ARRAY_PARAM<IovaVariant>(["rbtree-6.12"], (v) => v);

export default kunit_test_suite({
  name: "iova_deferred",
  init: iova_leakcheck_init,
  exit: iova_leakcheck_exit,
  test_cases: [
    KUNIT_CASE_PARAM(test_rbtree_nothing_to_defer, rbtree_only),
    KUNIT_CASE_PARAM(test_free_fault_sweep, maple_variants),
    KUNIT_CASE_PARAM(test_free_iova_fault_sweep, maple_variants),
    KUNIT_CASE_PARAM(test_reserve_fault_sweep, maple_variants),
    KUNIT_CASE_PARAM(test_alloc_fault_sweep, maple_variants),
    KUNIT_CASE_PARAM(test_v3_failed_erase_retried, v3_only),
    KUNIT_CASE_PARAM(test_alloc_store_failure_max32, maple_variants),
    KUNIT_CASE_PARAM(test_v4_marker_left, v4_only),
    KUNIT_CASE_PARAM(test_v4_deferred_bounds, v4_only),
    KUNIT_CASE_PARAM(test_v4_drain_on_alloc, v4_only),
    KUNIT_CASE_PARAM(test_v4_drain_on_reserve, v4_only),
    KUNIT_CASE_PARAM(test_v4_drain_after_erase, v4_only),
    KUNIT_CASE_PARAM(test_v4_drain_stops_at_first_failure, v4_only),
    KUNIT_CASE_PARAM(test_v4_marker_occupies_gap, v4_only),
    KUNIT_CASE_PARAM(test_marker_store_needs_no_node, maple_variants),
    KUNIT_CASE_PARAM(test_deferred_teardown, maple_variants),
  ],
});
