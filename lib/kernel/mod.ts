// Copyright 2026 the iommulab authors. MIT license.
/**
 * The simulated kernel every model runs in: errno, bit helpers, BUG/WARN and
 * printk routed to the current KUnit test, the slab with KASAN-like checks
 * and kmemleak, the page allocator, fault injection, virtual time with
 * workqueues, timers and RCU, CPUs with hotplug, locks with a lockdep-lite,
 * and the seeded PRNG.
 *
 * The kernel is global, like the real one. `kernel_reset()` gives a clean
 * state for scripts and unit tests; under KUnit each case is isolated
 * automatically (see kernel.ts).
 *
 * ## Fault injection
 *
 * Code declares a named point once and checks it on the hot path (one
 * property load when unarmed):
 *
 * ```ts
 * import { declare_fault_point, should_fail, ENOMEM } from "./mod.ts";
 * const FP = declare_fault_point("pt.table_alloc");
 * function table_alloc(): number {
 *   if (should_fail(FP)) return -ENOMEM;
 *   return 0;
 * }
 * ```
 *
 * A test, scenario or script arms it by name; points armed inside a KUnit
 * case are disarmed when the case ends:
 *
 * ```ts
 * import { fault_arm, fault_disarm } from "./mod.ts";
 * fault_arm("slab.alloc", { fail_nth: 3 });            // exactly the 3rd call
 * fault_arm("slab.alloc", { cache: "maple_node", fail_nth: 1 });
 * fault_arm("page.alloc", { probability: 10, times: -1 }); // PRNG-driven
 * fault_arm("pt.install_race", { hook: () => {} });    // run code "racing"
 * fault_disarm("slab.alloc");
 * ```
 *
 * `fail_nth_sweep({ op, point, check })` runs an operation with the 1st,
 * 2nd, ... call failing until every call was covered, checking invariants
 * and leaks after each iteration.
 *
 * ## Bug reports
 *
 * KASAN (use-after-free, double free), lockdep-lite (recursion, sleeping
 * allocation under a spinlock, bad unlock), kmemleak and
 * `kmem_cache_destroy` of a non-empty cache report on the current KUnit test
 * (it fails, with the sites in its KTAP diagnostics). A test that provokes
 * a bug on purpose wraps it in `kernel_capture_reports(fn)`, which returns
 * the reports instead. `kmemleak_check_at_end()` (e.g. in a suite's `init`)
 * reports what a case leaves allocated.
 *
 * ## KASAN and speed runs
 *
 * KASAN is on by default: freed objects are poisoned, double frees and
 * `kasan_check(obj)` of freed objects are reported with allocation and free
 * sites. Site capture costs a stack trace per allocation and free; for
 * benchmarks and long experiments use
 *
 * ```ts
 * import { kasan_enable } from "./mod.ts";
 * kasan_enable({ stacks: false }); // keep the checks, drop the sites
 * kasan_enable(false);             // counters only: fastest
 * ```
 *
 * (or `kernel_reset({ kasan: false })`), before the models allocate.
 *
 * @module
 */
export * from "./errno.ts";
export * from "./err.ts";
export * from "./bits.ts";
export * from "./bug.ts";
export * from "./test_bug.ts";
export * from "./static_stub.ts";
export * from "./gfp.ts";
export * from "./random.ts";
export * from "./report.ts";
export * from "./fault.ts";
export * from "./sweep.ts";
export * from "./time.ts";
export * from "./workqueue.ts";
export * from "./rcu.ts";
export * from "./cpu.ts";
export * from "./spinlock.ts";
export * from "./slab.ts";
export * from "./page_alloc.ts";
export * from "./kmemleak.ts";
export * from "./kernel.ts";
