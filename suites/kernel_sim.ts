// Copyright 2026 the iommulab authors. MIT license.
/**
 * `kernel_sim`: the simulated kernel itself — slab sizes and counters,
 * KASAN-like use-after-free / double-free detection with allocation and
 * free sites, kmemleak, fault injection (fault_attr order, fail-nth, hooks,
 * the fail-nth sweep), virtual time and delayed work, CPUs and hotplug,
 * spinlocks and lockdep-lite, WARN/BUG/printk counters, and the rejection
 * of bad API use.
 *
 * Cases that provoke a kernel bug on purpose run it inside
 * `kernel_capture_reports`, so the report is checked instead of failing the
 * case (like `KUNIT_EXPECT_KASAN_FAIL`).
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_NOT_NULL,
  KUNIT_CASE,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_STREQ,
  KUNIT_EXPECT_TRUE,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  __free_pages,
  add_cpu,
  advance,
  alloc_pages,
  alloc_percpu,
  assert_spin_locked,
  BUG_ON,
  cancel_delayed_work_sync,
  CPUHP_AP_ONLINE_DYN,
  cpuhp_remove_multi_state,
  cpuhp_setup_state_multi,
  cpuhp_state_add_instance_nocalls,
  declare_fault_point,
  DelayedWork,
  ENOMEM,
  fail_nth_sweep,
  fault_arm,
  fault_point,
  flush_delayed_work,
  get_random_u32,
  GFP_ATOMIC,
  GFP_KERNEL,
  iommu_alloc_pages_node_sz,
  iommu_free_pages,
  jiffies,
  kasan_check,
  kasan_enable,
  kernel_capture_reports,
  KernelBug,
  kfree,
  kmalloc,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_destroy,
  kmem_cache_free,
  kmem_cache_free_rcu,
  type KmemCache,
  kmemleak_mark,
  kmemleak_scan,
  ktime_get_ns,
  kzalloc,
  mod_delayed_work,
  mod_timer,
  msecs_to_jiffies,
  num_online_cpus,
  onCpu,
  page_owner_stats,
  per_cpu_ptr,
  pr_err,
  prandom_seed,
  printk_counters,
  rcu_read_lock,
  rcu_read_unlock,
  remove_cpu,
  schedule_delayed_work,
  should_fail,
  SLAB_HWCACHE_ALIGN,
  smp_processor_id,
  spin_lock,
  spin_lock_irqsave,
  spin_unlock,
  spin_unlock_irqrestore,
  SpinLock,
  synchronize_rcu,
  system_wq,
  this_cpu_ptr,
  timer_pending,
  timer_setup,
  TimerList,
  warn_count,
  WARN_ON,
  WARN_ON_ONCE,
} from "../lib/kernel/mod.ts";

const SRC = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");

/** `suites/kernel_sim.ts:<line>` of the line ending with `marker`. */
function site_of(marker: string): string {
  const line = SRC.findIndex((l) => l.endsWith(marker)) + 1;
  return `suites/kernel_sim.ts:${line}`;
}

class TestNode {
  pivot = 0;
  slot: TestNode | null = null;
}

interface Priv {
  cache: KmemCache<TestNode>;
}

function priv(test: Kunit): Priv {
  return test.priv as Priv;
}

const FP_TEST = declare_fault_point("kernel_sim.op");

// --- slab ---

function slab_size_rounding_test(test: Kunit): void {
  const c = kmem_cache_create(
    "ks_round",
    24,
    0,
    SLAB_HWCACHE_ALIGN,
    () => ({}),
  );
  KUNIT_EXPECT_EQ(test, c.size, 32); // calculate_alignment(): 24 <= 64/2
  const d = kmem_cache_create(
    "ks_round2",
    200,
    0,
    SLAB_HWCACHE_ALIGN,
    () => ({}),
  );
  KUNIT_EXPECT_EQ(test, d.size, 256);
  const e = kmem_cache_create("ks_round3", 12, 0, 0, () => ({}));
  KUNIT_EXPECT_EQ(test, e.size, 16);
  kmem_cache_destroy(c);
  kmem_cache_destroy(d);
  kmem_cache_destroy(e);
}

function slab_stats_test(test: Kunit): void {
  const c = priv(test).cache;
  const a = kmem_cache_alloc(c, GFP_KERNEL);
  const b = kmem_cache_alloc(c, GFP_KERNEL);
  KUNIT_ASSERT_NOT_NULL(test, a);
  KUNIT_ASSERT_NOT_NULL(test, b);
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 2);
  KUNIT_EXPECT_EQ(test, c.stats.live_bytes, 128);
  kmem_cache_free(c, a);
  KUNIT_EXPECT_EQ(test, c.stats.live_bytes, 64);
  KUNIT_EXPECT_EQ(test, c.stats.peak_bytes, 128);
  KUNIT_EXPECT_EQ(test, c.stats.total_allocs, 2);
  KUNIT_EXPECT_EQ(test, c.stats.total_frees, 1);
  kmem_cache_free(c, b);
  const buf = kzalloc(40, GFP_KERNEL);
  KUNIT_ASSERT_NOT_NULL(test, buf);
  KUNIT_EXPECT_EQ(test, buf!.byteLength, 40);
  kfree(buf);
}

function kasan_use_after_free_test(test: Kunit): void {
  const c = priv(test).cache;
  const node = kmem_cache_alloc(c, GFP_KERNEL); // UAF_ALLOC
  KUNIT_ASSERT_NOT_NULL(test, node);
  kmem_cache_free(c, node); // UAF_FREE
  const reports = kernel_capture_reports(() => {
    kasan_check(node, "read"); // UAF_USE
  });
  KUNIT_ASSERT_EQ(test, reports.length, 1);
  const r = reports[0]!;
  KUNIT_EXPECT_STREQ(test, r.kind, "use-after-free");
  KUNIT_EXPECT_STREQ(test, r.cache!, "ks_node");
  KUNIT_EXPECT_STREQ(test, r.alloc_site!, site_of("// UAF_ALLOC"));
  KUNIT_EXPECT_STREQ(test, r.free_site!, site_of("// UAF_FREE"));
  KUNIT_EXPECT_STREQ(test, r.site, site_of("// UAF_USE"));
  KUNIT_EXPECT_TRUE(test, r.object === node);
}

function kasan_double_free_test(test: Kunit): void {
  const c = priv(test).cache;
  const node = kmem_cache_alloc(c, GFP_KERNEL);
  kmem_cache_free(c, node); // DF_FIRST
  const reports = kernel_capture_reports(() => {
    kmem_cache_free(c, node); // DF_SECOND
  });
  KUNIT_ASSERT_EQ(test, reports.length, 1);
  KUNIT_EXPECT_STREQ(test, reports[0]!.kind, "double-free");
  KUNIT_EXPECT_STREQ(test, reports[0]!.site, site_of("// DF_SECOND"));
  KUNIT_EXPECT_STREQ(test, reports[0]!.free_site!, site_of("// DF_FIRST"));
  KUNIT_EXPECT_EQ(test, c.stats.total_frees, 1);
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 0);
}

function kasan_field_access_test(test: Kunit): void {
  kasan_enable({ proxy: true });
  const c = kmem_cache_create("ks_proxy", 64, 0, 0, () => new TestNode());
  const node = kmem_cache_alloc(c, GFP_KERNEL)!;
  node.pivot = 7;
  kmem_cache_free(c, node);
  const reports = kernel_capture_reports(() => {
    node.pivot = node.pivot + 1; // FIELD_USE
  });
  kasan_enable({ proxy: false });
  KUNIT_ASSERT_EQ(test, reports.length, 2);
  KUNIT_EXPECT_TRUE(
    test,
    reports[0]!.message.startsWith("read of field pivot"),
  );
  KUNIT_EXPECT_TRUE(
    test,
    reports[1]!.message.startsWith("write of field pivot"),
  );
  KUNIT_EXPECT_STREQ(test, reports[0]!.site, site_of("// FIELD_USE"));
  kmem_cache_destroy(c);
}

function kmemleak_test(test: Kunit): void {
  const c = priv(test).cache;
  const mark = kmemleak_mark();
  const kept = kmem_cache_alloc(c, GFP_KERNEL); // LEAK_ALLOC
  const page = alloc_pages(GFP_KERNEL, 0, "ks_owner");
  const leaks = kmemleak_scan({ since: mark });
  KUNIT_ASSERT_EQ(test, leaks.length, 2);
  KUNIT_EXPECT_STREQ(test, leaks[0]!.where, "ks_node");
  KUNIT_EXPECT_STREQ(test, leaks[0]!.alloc_site, site_of("// LEAK_ALLOC"));
  KUNIT_EXPECT_STREQ(test, leaks[1]!.where, "ks_owner");
  const destroy = kernel_capture_reports(() => kmem_cache_destroy(c));
  KUNIT_EXPECT_EQ(test, destroy.length, 1);
  KUNIT_EXPECT_STREQ(test, destroy[0]!.kind, "cache-not-empty");
  kmem_cache_free(c, kept);
  __free_pages(page, 0);
  KUNIT_EXPECT_EQ(test, kmemleak_scan({ since: mark }).length, 0);
}

// --- page allocator ---

function page_alloc_owner_test(test: Kunit): void {
  const before = page_owner_stats("ks_pt").live_bytes;
  const top = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 4096, "ks_pt");
  const sub = iommu_alloc_pages_node_sz(0, GFP_KERNEL, 2048, "ks_pt");
  KUNIT_ASSERT_NOT_NULL(test, top);
  KUNIT_ASSERT_NOT_NULL(test, sub);
  KUNIT_EXPECT_EQ(test, sub!.u64.length, 256);
  KUNIT_EXPECT_EQ(test, sub!.phys % 2048, 0);
  KUNIT_EXPECT_EQ(test, page_owner_stats("ks_pt").live_bytes, before + 6144);
  iommu_free_pages(sub);
  iommu_free_pages(top);
  KUNIT_EXPECT_EQ(test, page_owner_stats("ks_pt").live_bytes, before);
}

// --- fault injection ---

function fault_fail_nth_test(test: Kunit): void {
  const c = priv(test).cache;
  fault_arm("slab.alloc", { fail_nth: 3 });
  const got: (TestNode | null)[] = [];
  for (let i = 0; i < 5; i++) got.push(kmem_cache_alloc(c, GFP_KERNEL));
  KUNIT_EXPECT_NOT_NULL_ALL(test, [got[0], got[1], got[3], got[4]]);
  KUNIT_EXPECT_NULL(test, got[2]);
  KUNIT_EXPECT_EQ(test, fault_point("slab.alloc").injected, 1);
  for (const o of got) if (o) kmem_cache_free(c, o);
}

function KUNIT_EXPECT_NOT_NULL_ALL(test: Kunit, xs: unknown[]): void {
  for (const x of xs) KUNIT_EXPECT_TRUE(test, x !== null);
}

function fault_attr_order_test(test: Kunit): void {
  const run = (n: number, size: number): string =>
    Array.from({ length: n }, () => should_fail(FP_TEST, size) ? "x" : ".")
      .join("");
  fault_arm("kernel_sim.op", {
    probability: 100,
    interval: 3,
    times: 2,
    verbose: 0,
  });
  KUNIT_EXPECT_STREQ(test, run(9, 1), "..x..x...");
  fault_arm("kernel_sim.op", {
    probability: 100,
    times: -1,
    space: 10,
    verbose: 0,
  });
  KUNIT_EXPECT_STREQ(test, run(4, 4), "..xx");
  fault_arm("kernel_sim.op", {
    probability: 100,
    times: -1,
    space: 8,
    verbose: 0,
  });
  KUNIT_EXPECT_STREQ(test, run(2, 4), ".x");
}

function fault_probability_seeded_test(test: Kunit): void {
  const pattern = (): string => {
    prandom_seed(2026);
    fault_arm("kernel_sim.op", { probability: 25, times: -1, verbose: 0 });
    return Array.from({ length: 64 }, () => should_fail(FP_TEST) ? "x" : ".")
      .join("");
  };
  const a = pattern();
  KUNIT_EXPECT_STREQ(test, pattern(), a);
  const n = a.split("x").length - 1;
  KUNIT_EXPECT_TRUE(test, n > 4 && n < 30);
}

function fault_hook_test(test: Kunit): void {
  const c = priv(test).cache;
  let racer: TestNode | null = null;
  // the hook plays another CPU allocating at the moment of the 2nd call
  fault_arm("slab.alloc", {
    fail_nth: 2,
    verbose: 0,
    hook: () => {
      racer = onCpu(1, () => kmem_cache_alloc(c, GFP_ATOMIC));
    },
  });
  const a = kmem_cache_alloc(c, GFP_KERNEL);
  const b = kmem_cache_alloc(c, GFP_KERNEL);
  KUNIT_EXPECT_TRUE(test, a !== null && b !== null);
  KUNIT_EXPECT_TRUE(test, racer !== null);
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 3);
  kmem_cache_free(c, a);
  kmem_cache_free(c, b);
  kmem_cache_free(c, racer);
}

function fault_armed_in_case_test(test: Kunit): void {
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  KUNIT_EXPECT_TRUE(test, fault_point("maple.node_alloc").armed);
}

function fault_disarmed_after_case_test(test: Kunit): void {
  // the previous case armed it; the case end disarmed it
  KUNIT_EXPECT_FALSE(test, fault_point("maple.node_alloc").armed);
  KUNIT_EXPECT_FALSE(test, fault_point("maple.node_alloc").active);
}

function fail_nth_sweep_test(test: Kunit): void {
  const c = priv(test).cache;
  const op = (): number => {
    const a = kmem_cache_alloc(c, GFP_KERNEL);
    if (a === null) return -ENOMEM;
    const b = kmem_cache_alloc(c, GFP_KERNEL);
    if (b === null) return -ENOMEM; // BUG: leaks a
    kmem_cache_free(c, a);
    kmem_cache_free(c, b);
    return 0;
  };
  const r = fail_nth_sweep({ op, point: "slab.alloc" });
  KUNIT_ASSERT_EQ(test, r.rows.length, 4);
  KUNIT_EXPECT_TRUE(test, r.complete);
  KUNIT_EXPECT_FALSE(test, r.ok);
  KUNIT_EXPECT_EQ(test, r.rows[1]!.result as number, -ENOMEM);
  KUNIT_EXPECT_EQ(test, r.rows[1]!.leaks, 0);
  KUNIT_EXPECT_EQ(test, r.rows[2]!.leaks, 1);
  KUNIT_EXPECT_EQ(test, r.rows[3]!.result as number, 0);
  for (const l of kmemleak_scan({ caches: [c] })) {
    kmem_cache_free(c, l.object as TestNode);
  }
}

// --- time and work ---

function delayed_work_exact_time_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, jiffies, 0);
  const at: number[] = [];
  const w: DelayedWork = new DelayedWork(() => {
    at.push(jiffies);
    if (at.length < 3) schedule_delayed_work(w, msecs_to_jiffies(10));
  });
  schedule_delayed_work(w, msecs_to_jiffies(5));
  advance(4);
  KUNIT_EXPECT_EQ(test, at.length, 0);
  advance(100);
  KUNIT_EXPECT_STREQ(test, at.join(","), "5,15,25");
  KUNIT_EXPECT_EQ(test, ktime_get_ns(), 104_000_000);
}

function delayed_work_mod_cancel_flush_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, jiffies, 0); // the clock restarted for this case
  let runs = 0;
  const w = new DelayedWork(() => runs++);
  schedule_delayed_work(w, 10);
  KUNIT_EXPECT_TRUE(test, mod_delayed_work(system_wq, w, 30));
  advance(20);
  KUNIT_EXPECT_EQ(test, runs, 0);
  KUNIT_EXPECT_TRUE(test, flush_delayed_work(w));
  KUNIT_EXPECT_EQ(test, runs, 1);
  schedule_delayed_work(w, 1);
  KUNIT_EXPECT_TRUE(test, cancel_delayed_work_sync(w));
  advance(10);
  KUNIT_EXPECT_EQ(test, runs, 1);
}

function timer_test(test: Kunit): void {
  const at: number[] = [];
  const t = new TimerList();
  timer_setup(t, () => at.push(jiffies));
  mod_timer(t, jiffies + msecs_to_jiffies(10));
  advance(10);
  KUNIT_EXPECT_STREQ(test, at.join(","), "10");
  KUNIT_EXPECT_FALSE(test, timer_pending(t));
}

function rcu_deferred_free_test(test: Kunit): void {
  const c = priv(test).cache;
  const node = kmem_cache_alloc(c, GFP_KERNEL);
  rcu_read_lock();
  kmem_cache_free_rcu(c, node);
  advance(1);
  // a reader still holds it: no report, still live
  KUNIT_EXPECT_TRUE(test, kasan_check(node));
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 1);
  rcu_read_unlock();
  synchronize_rcu();
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 0);
  const reports = kernel_capture_reports(() => kasan_check(node));
  KUNIT_EXPECT_EQ(test, reports.length, 1);
}

// --- CPUs ---

function cpu_percpu_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, smp_processor_id(), 0);
  const pc = alloc_percpu(() => ({ hits: 0 }));
  for (let cpu = 0; cpu < num_online_cpus(); cpu++) {
    onCpu(cpu, () => {
      this_cpu_ptr(pc).hits += cpu + 1;
    });
  }
  KUNIT_EXPECT_EQ(test, per_cpu_ptr(pc, 2).hits, 3);
  KUNIT_EXPECT_EQ(test, smp_processor_id(), 0);
}

function cpu_hotplug_dead_test(test: Kunit): void {
  const dead: number[] = [];
  const state = cpuhp_setup_state_multi(
    CPUHP_AP_ONLINE_DYN,
    "kernel_sim:dead",
    null,
    (cpu) => {
      dead.push(cpu);
      return 0;
    },
  );
  cpuhp_state_add_instance_nocalls(state, { name: "instance" });
  const online = num_online_cpus();
  KUNIT_EXPECT_EQ(test, remove_cpu(1), 0);
  KUNIT_EXPECT_EQ(test, num_online_cpus(), online - 1);
  KUNIT_EXPECT_STREQ(test, dead.join(","), "1");
  KUNIT_EXPECT_EQ(test, add_cpu(1), 0);
  cpuhp_remove_multi_state(state);
}

// --- locks ---

function spinlock_irqsave_test(test: Kunit): void {
  const lock = new SpinLock("ks_lock");
  const flags = spin_lock_irqsave(lock);
  assert_spin_locked(lock);
  spin_unlock_irqrestore(lock, flags);
  let bug = false;
  try {
    assert_spin_locked(lock);
  } catch (e) {
    bug = e instanceof KernelBug;
  }
  KUNIT_EXPECT_TRUE(test, bug);
}

function lockdep_recursion_test(test: Kunit): void {
  const lock = new SpinLock("ks_lock");
  let threw = false;
  const reports = kernel_capture_reports(() => {
    spin_lock(lock);
    try {
      spin_lock(lock); // RECURSION
    } catch (e) {
      threw = e instanceof KernelBug;
    }
    spin_unlock(lock);
  });
  KUNIT_EXPECT_TRUE(test, threw);
  KUNIT_ASSERT_EQ(test, reports.length, 1);
  KUNIT_EXPECT_STREQ(test, reports[0]!.kind, "recursive-locking");
  KUNIT_EXPECT_STREQ(test, reports[0]!.site, site_of("// RECURSION"));
}

function lockdep_sleep_in_atomic_test(test: Kunit): void {
  const lock = new SpinLock("ks_lock");
  const reports = kernel_capture_reports(() => {
    spin_lock(lock);
    kfree(kmalloc(16, GFP_ATOMIC));
    kfree(kmalloc(16, GFP_KERNEL)); // SLEEPING
    spin_unlock(lock);
  });
  KUNIT_ASSERT_EQ(test, reports.length, 1);
  KUNIT_EXPECT_STREQ(test, reports[0]!.kind, "sleep-in-atomic");
  KUNIT_EXPECT_STREQ(test, reports[0]!.site, site_of("// SLEEPING"));
}

// --- WARN/BUG/printk ---

function warn_bug_printk_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, warn_count(test), 0);
  KUNIT_EXPECT_FALSE(test, WARN_ON(false));
  KUNIT_EXPECT_TRUE(test, WARN_ON(1 + 1 === 2));
  for (let i = 0; i < 3; i++) WARN_ON_ONCE(true);
  KUNIT_EXPECT_EQ(test, warn_count(test), 2);
  pr_err("kernel_sim: an error line");
  KUNIT_EXPECT_EQ(test, printk_counters(test).errors, 1);
  let bug = false;
  try {
    BUG_ON(true);
  } catch (e) {
    bug = e instanceof KernelBug;
  }
  KUNIT_EXPECT_TRUE(test, bug);
}

// --- bad API use ---

function throws(
  fn: () => unknown,
  type: ErrorConstructor,
  value: string,
): boolean {
  try {
    fn();
  } catch (e) {
    return e instanceof type && (e as Error).message.includes(value);
  }
  return false;
}

function bad_api_use_test(test: Kunit): void {
  const c = priv(test).cache;
  KUNIT_EXPECT_TRUE(
    test,
    throws(() => kmalloc(-4, GFP_KERNEL), RangeError, "-4"),
  );
  KUNIT_EXPECT_TRUE(
    test,
    throws(
      () => kmem_cache_create("x", -1, 0, 0, () => ({})),
      RangeError,
      "-1",
    ),
  );
  KUNIT_EXPECT_TRUE(
    test,
    throws(() => fault_arm("no.such_point", {}), RangeError, "no.such_point"),
  );
  KUNIT_EXPECT_TRUE(
    test,
    throws(() => kmem_cache_free(c, new TestNode()), TypeError, "ks_node"),
  );
  KUNIT_EXPECT_TRUE(test, throws(() => advance(-5), RangeError, "-5"));
  KUNIT_EXPECT_TRUE(test, throws(() => onCpu(99, () => 0), RangeError, "99"));
  KUNIT_EXPECT_EQ(test, jiffies, 0);
  KUNIT_EXPECT_EQ(test, c.stats.live_objects, 0);
}

function prng_reseeded_test(test: Kunit): void {
  // the same seed gives the same draws
  prandom_seed(99);
  const a = [get_random_u32(), get_random_u32()];
  prandom_seed(99);
  KUNIT_EXPECT_EQ(test, get_random_u32(), a[0]!);
  KUNIT_EXPECT_EQ(test, get_random_u32(), a[1]!);
}

export default kunit_test_suite({
  name: "kernel_sim",
  init(test) {
    const cache = kmem_cache_create(
      "ks_node",
      48,
      0,
      SLAB_HWCACHE_ALIGN,
      () => new TestNode(),
    );
    test.priv = { cache } satisfies Priv;
    return 0;
  },
  exit(test) {
    const c = priv(test).cache;
    if (!c.destroyed) kmem_cache_destroy(c);
  },
  test_cases: [
    KUNIT_CASE(slab_size_rounding_test),
    KUNIT_CASE(slab_stats_test),
    KUNIT_CASE(kasan_use_after_free_test),
    KUNIT_CASE(kasan_double_free_test),
    KUNIT_CASE(kasan_field_access_test),
    KUNIT_CASE(kmemleak_test),
    KUNIT_CASE(page_alloc_owner_test),
    KUNIT_CASE(fault_fail_nth_test),
    KUNIT_CASE(fault_attr_order_test),
    KUNIT_CASE(fault_probability_seeded_test),
    KUNIT_CASE(fault_hook_test),
    KUNIT_CASE(fault_armed_in_case_test),
    KUNIT_CASE(fault_disarmed_after_case_test),
    KUNIT_CASE(fail_nth_sweep_test),
    KUNIT_CASE(delayed_work_exact_time_test),
    KUNIT_CASE(delayed_work_mod_cancel_flush_test),
    KUNIT_CASE(timer_test),
    KUNIT_CASE(rcu_deferred_free_test),
    KUNIT_CASE(cpu_percpu_test),
    KUNIT_CASE(cpu_hotplug_dead_test),
    KUNIT_CASE(spinlock_irqsave_test),
    KUNIT_CASE(lockdep_recursion_test),
    KUNIT_CASE(lockdep_sleep_in_atomic_test),
    KUNIT_CASE(warn_bug_printk_test),
    KUNIT_CASE(bad_api_use_test),
    KUNIT_CASE(prng_reseeded_test),
  ],
});
