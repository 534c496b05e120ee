// Copyright 2026 the iommulab authors. MIT license.
/**
 * Global state of the simulated kernel: {@link kernel_reset} and the
 * per-case lifecycle KUnit drives.
 *
 * Before each case KUnit calls `begin(test, seed)`: the kernel PRNG is
 * reseeded with the case's seed, the clock goes back to 0, all CPUs come
 * online with CPU 0 current, and (when no page block is live) the simulated
 * physical address space restarts, so a case behaves the same whatever ran
 * before it. After the case (`end`): fault points armed during it are
 * disarmed and the task fail-nth is cleared, locks still held are reported,
 * pending work is dropped (and logged), and a leak check requested with
 * `kmemleak_check_at_end()` runs.
 *
 * @module
 */
import { prandom_seed } from "./random.ts";
import { fault_case_begin, fault_case_end, fault_disarm_all } from "./fault.ts";
import { clock_reset } from "./time.ts";
import { pending_work, workqueue_reset } from "./workqueue.ts";
import { cpu_reset, cpuhp_reset, nr_cpu_ids } from "./cpu.ts";
import { lockdep_case_end } from "./spinlock.ts";
import { kasan_enable, kasan_reset_quarantine } from "./slab.ts";
import { page_alloc_reset, page_alloc_reset_phys } from "./page_alloc.ts";
import { kmemleak_case_begin, kmemleak_case_end } from "./kmemleak.ts";
import { report_reset } from "./report.ts";
import { rcu_reset } from "./rcu.ts";
import { reset_warn_once } from "./bug.ts";
import { kunit_log_current_test, register_test_lifecycle } from "./test_bug.ts";

/** Options of {@link kernel_reset}. */
export interface KernelResetOptions {
  /** Number of CPUs (default: keep the current count). */
  cpus?: number;
  /** PRNG seed (default 0). */
  seed?: number;
  /** KASAN: on/off or detailed options (default: on, with stacks, no proxy). */
  kasan?: boolean | { enabled?: boolean; stacks?: boolean; proxy?: boolean };
  /** Also forget page blocks and owner counters (default true). */
  pages?: boolean;
  /** Also forget CPU hotplug states (default false). */
  hotplug?: boolean;
}

/**
 * Puts the kernel in a clean state: clock 0, no pending work, CPUs online
 * (CPU 0 current), no armed faults, no held locks, PRNG reseeded, KASAN's
 * quarantine and WARN_ON_ONCE memory cleared, page allocator emptied,
 * KASAN back to its defaults unless `kasan` says otherwise.
 * Slab caches stay (modules create them at load) with their counters.
 */
export function kernel_reset(opts: KernelResetOptions = {}): void {
  if (typeof opts !== "object" || opts === null) {
    throw new TypeError(
      `kernel_reset options must be an object, got ${String(opts)}`,
    );
  }
  const seed = opts.seed ?? 0;
  prandom_seed(seed);
  cpu_reset(opts.cpus ?? nr_cpu_ids());
  kasan_enable({ enabled: true, stacks: true, proxy: false });
  if (opts.kasan !== undefined) kasan_enable(opts.kasan);
  clock_reset();
  workqueue_reset();
  rcu_reset();
  fault_disarm_all();
  lockdep_case_end(false);
  kasan_reset_quarantine();
  if (opts.pages ?? true) page_alloc_reset();
  if (opts.hotplug) cpuhp_reset();
  reset_warn_once();
  report_reset();
}

register_test_lifecycle({
  begin(_test, seed) {
    prandom_seed(seed);
    cpu_reset();
    if (pending_work().length === 0) clock_reset();
    page_alloc_reset_phys();
    fault_case_begin();
    kmemleak_case_begin();
  },
  end(_test) {
    fault_case_end();
    lockdep_case_end(true);
    const pending = pending_work().length;
    if (pending > 0) {
      kunit_log_current_test(
        `kernel: ${pending} work item(s) still pending at the end of the case; dropped`,
      );
      workqueue_reset();
    }
    kmemleak_case_end();
  },
});
