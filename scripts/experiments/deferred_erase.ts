// Copyright 2026 the iommulab authors. MIT license.
/**
 * Deferred erases under maple-node allocation failures: `maple.node_alloc`
 * fails with probability p while an unmap-heavy trace runs on maple-v3 and
 * maple-v4 in a bounded 32-bit space, one batch per virtual millisecond.
 * Measures the address space held by deferred entries over time, how long
 * entries stay deferred, the allocation failures that follow, and KASAN
 * reports and leaks (KASAN on, without stack capture).
 *
 *     deno run -A scripts/experiments/deferred_erase.ts [--quick] [--json] [--svg FILE] [--seed N]
 *
 * @module
 */
import {
  advance,
  fault_arm,
  fault_disarm,
  fault_point,
  kasan_enable,
  kernel_capture_reports,
  type KernelReport,
  roundup_pow_of_two,
  virtual_now_ms,
  Xoshiro128,
} from "../../lib/kernel/mod.ts";
import { maple_node_cache, mtree_load } from "../../lib/maple/mod.ts";
import {
  __free_iova,
  alloc_iova,
  type Iova,
  iova_cache_get,
  iova_cache_of,
  iova_cache_put,
  IOVA_DEFERRED,
  iova_domain_verify_invariants,
  type IovaDomain,
  type IovaVariant,
  put_iova_domain,
} from "../../lib/iova/mod.ts";
import {
  createIovaDomain,
  type ExperimentContext,
  type ExperimentResult,
  iovaDeferredRanges,
  iovaFreeHoles,
  median,
  type Row,
  runExperiment,
} from "../../lib/lab/mod.ts";

/** Failure probabilities of one `maple.node_alloc` call. */
export const PROBABILITIES = [0, 1e-4, 1e-3, 1e-2] as const;
const VARIANTS: IovaVariant[] = ["maple-v3", "maple-v4"];
const MODES: FaultMode[] = ["call", "op"];
const LIMIT = 2 ** 20 - 1; // 32-bit DMA limit: the max32 hint applies

/**
 * fault_attr's probability is an integer percent; p below 1 % is
 * probability 1 on every (0.01 / p)-th call (`interval`), as with the
 * kernel's debugfs knobs.
 */
export function faultAttrFor(
  p: number,
): { probability: number; interval: number } {
  if (p >= 0.01) return { probability: Math.round(p * 100), interval: 1 };
  return { probability: 1, interval: Math.round(0.01 / p) };
}

function isDeferred(iovad: IovaDomain, a: Iova): boolean {
  if (iovad.variant === "maple-v4") {
    return mtree_load(iovad.mtree, a.pfn_lo) === IOVA_DEFERRED;
  }
  for (let i = iovad.deferred_frees; i !== null; i = i.deferred_next) {
    if (i === a) return true;
  }
  return false;
}

interface Pending {
  iova: Iova;
  lo: number;
  hi: number;
  sinceMs: number;
  sinceOp: number;
}

interface ConfigResult {
  row: Row;
  series: {
    variant: string;
    p: number;
    mode: FaultMode;
    ms: number;
    deferred_pfns: number;
  }[];
}

/**
 * How p is applied: `call`, each node allocation fails independently
 * (fault_attr, see {@link faultAttrFor}); `op`, each IOVA operation runs
 * with probability p under an allocation-failure episode in which every
 * node allocation fails, mas_nomem's retry included.
 */
export type FaultMode = "call" | "op";

function runConfig(
  v: IovaVariant,
  p: number,
  mode: FaultMode,
  seed: number,
  space: number,
  batches: number,
): ConfigResult {
  const start = LIMIT - space + 1;
  const rng = new Xoshiro128(seed);
  const structs0 = iova_cache_of(v)!.stats.live_objects;
  const nodes0 = maple_node_cache.stats.live_objects;
  const t0 = virtual_now_ms();
  const series: ConfigResult["series"] = [];
  const durMs: number[] = [];
  const durOps: number[] = [];
  let frees = 0, deferredEvents = 0, ops = 0, allocs = 0;
  let failSpace = 0, failDeferred = 0, failEnomem = 0, failMax32 = 0;
  let maxDeferred = 0, sumDeferred = 0, maxPending = 0;
  let nodeCalls = 0, injected = 0, verifyOk = true;
  const reports: KernelReport[] = kernel_capture_reports(() => {
    const iovad = createIovaDomain(v, { startPfn: start });
    const frng = new Xoshiro128(seed + 0x5eed);
    let episode = false;
    let epCalls = 0, epInjected = 0;
    const endEpisode = (): void => {
      if (!episode) return;
      const fp = fault_point("maple.node_alloc");
      epCalls += fp.calls;
      epInjected += fp.injected;
      fault_arm("maple.node_alloc", { probability: 0, verbose: 0 });
      episode = false;
    };
    // Per IOVA operation in "op" mode: maybe start an episode.
    const beforeOp = (): void => {
      if (mode !== "op" || p === 0) return;
      const on = frng.next_double() < p;
      if (on && !episode) {
        const fp = fault_point("maple.node_alloc");
        epCalls += fp.calls;
        fault_arm("maple.node_alloc", {
          probability: 100,
          times: -1,
          verbose: 0,
        });
        episode = true;
      } else if (!on) endEpisode();
    };
    if (p > 0 && mode === "call") {
      fault_arm("maple.node_alloc", {
        ...faultAttrFor(p),
        times: -1,
        verbose: 0,
      });
    } else {
      fault_arm("maple.node_alloc", { probability: 0, verbose: 0 });
    }
    const live: Iova[] = [];
    let pending: Pending[] = [];
    let used = 0;
    const target = Math.round(space * 0.75);
    const settle = (): void => {
      if (pending.length === 0) return;
      const now = virtual_now_ms();
      pending = pending.filter((d) => {
        if (isDeferred(iovad, d.iova)) return true;
        durMs.push(now - d.sinceMs);
        durOps.push(ops - d.sinceOp);
        return false;
      });
    };
    for (let b = 0; b < batches; b++) {
      // Unmap-heavy: free about a third of the live set, then map back up
      // to 75 % of the space.
      const nFree = Math.ceil(live.length / 3);
      for (let i = 0; i < nFree && live.length > 0; i++) {
        const k = rng.below(live.length);
        const a = live[k]!;
        live[k] = live[live.length - 1]!;
        live.pop();
        const lo = a.pfn_lo, hi = a.pfn_hi;
        used -= hi - lo + 1;
        beforeOp();
        __free_iova(iovad, a);
        frees++;
        ops++;
        if (isDeferred(iovad, a)) {
          deferredEvents++;
          pending.push({
            iova: a,
            lo,
            hi,
            sinceMs: virtual_now_ms(),
            sinceOp: ops,
          });
        }
        settle();
      }
      let batchFails = 0;
      while (used < target) {
        const size = 1 << rng.below(4);
        const hint = size >= iovad.max32_alloc_size;
        beforeOp();
        const a = alloc_iova(iovad, size, LIMIT, true);
        ops++;
        allocs++;
        settle();
        if (a !== null) {
          live.push(a);
          used += size;
          continue;
        }
        // Why did it fail? The maple search needs size + align - 1.
        const need = size + roundup_pow_of_two(size) - 1;
        const fits = (deferredFree: boolean): boolean =>
          iovaFreeHoles(iovad, start, LIMIT, { deferredFree }).some((h) =>
            h.hi - h.lo + 1 >= need
          );
        if (fits(false)) {
          if (hint) failMax32++;
          else failEnomem++;
        } else if (fits(true)) failDeferred++;
        else failSpace++;
        // A driver retries a few times, then gives the batch up.
        if (++batchFails >= 4) break;
      }
      maxPending = Math.max(maxPending, pending.length);
      const held = iovaDeferredRanges(iovad).reduce(
        (s, r) => s + r.hi - r.lo + 1,
        0,
      );
      maxDeferred = Math.max(maxDeferred, held);
      sumDeferred += held;
      series.push({
        variant: v,
        p,
        mode,
        ms: virtual_now_ms() - t0,
        deferred_pfns: held,
      });
      endEpisode();
      advance(1);
      settle();
    }
    endEpisode();
    const fp = fault_point("maple.node_alloc");
    nodeCalls = fp.calls + epCalls;
    injected = fp.injected + epInjected;
    fault_disarm("maple.node_alloc");
    verifyOk = iova_domain_verify_invariants(iovad);
    put_iova_domain(iovad);
  });
  const kinds = new Map<string, number>();
  for (const r of reports) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  return {
    row: {
      variant: v,
      mode,
      p,
      node_alloc_calls: nodeCalls,
      injected,
      frees,
      deferred: deferredEvents,
      max_deferred_pfns: maxDeferred,
      mean_deferred_pfns: sumDeferred / batches,
      median_deferred_ms: durMs.length ? median(durMs) : null,
      max_deferred_ms: durMs.length ? Math.max(...durMs) : null,
      median_deferred_ops: durOps.length ? median(durOps) : null,
      still_deferred_at_end: deferredEvents - durMs.length,
      allocs,
      fail_no_space: failSpace,
      fail_held_by_deferred: failDeferred,
      fail_enomem_with_room: failEnomem,
      fail_stale_max32_hint: failMax32,
      kernel_reports: reports.length,
      report_kinds: [...kinds].map(([k, n]) => `${k} x${n}`).join(", ") ||
        "none",
      verify_ok: verifyOk,
      leaked_structs: iova_cache_of(v)!.stats.live_objects - structs0,
      leaked_nodes: maple_node_cache.stats.live_objects - nodes0,
    },
    series,
  };
}

/** The workload of the script (exported for tests). */
export function run(ctx: ExperimentContext): ExperimentResult {
  const space = ctx.quick ? 2048 : 4096;
  const batches = ctx.quick ? 100 : 400;
  kasan_enable({ enabled: true, stacks: false });
  iova_cache_get();
  const rows: Row[] = [];
  const series: ConfigResult["series"] = [];
  const bar = ctx.progress(
    VARIANTS.length * (2 * PROBABILITIES.length - 1),
    "deferred",
  );
  try {
    for (const mode of MODES) {
      for (const p of PROBABILITIES) {
        if (mode === "op" && p === 0) continue; // same as "call", p = 0
        for (const v of VARIANTS) {
          // Same workload seed for every configuration.
          const r = runConfig(v, p, mode, ctx.seed, space, batches);
          rows.push(r.row);
          const step = Math.max(1, Math.floor(r.series.length / 200));
          series.push(...r.series.filter((_, i) => i % step === 0));
          bar.tick(1, `${v} ${mode} p=${p}`);
        }
      }
    }
  } finally {
    bar.stop();
    iova_cache_put();
  }
  return {
    rows,
    params: {
      space_pfns: space,
      limit_pfn: LIMIT,
      batches,
      ms_per_batch: 1,
      occupancy_target: 0.75,
      sizes: "1,2,4,8 aligned",
    },
    notes: [
      "mode call: p per maple.node_alloc call (inserts and erases alike), fault_arm probability 1 (%) with interval 0.01/p for p < 1 % (fault_attr takes integer percent); mas_store_gfp's mas_nomem retry then never fails, so erases almost never defer. mode op: each IOVA operation runs with probability p inside a failure episode where every node allocation fails (retry included), disarmed between operations.",
      "deferred: frees whose erase failed (maple-v3: struct queued on deferred_frees, retried by the 10 ms work; maple-v4: IOVA_DEFERRED marker, drained by the next alloc or successful erase). Durations are virtual ms (1 ms per batch) and operations until the entry left the tree.",
      "a batch gives up after 4 failed allocations (no free happens in between, so a max32 hint set by a failure stays for the rest of the batch). fail_held_by_deferred: no free hole of size+align-1 pfns, but there would be if the deferred ranges were free; fail_enomem_with_room: a hole existed (the insert's node allocation failed); fail_stale_max32_hint: refused by the max32_alloc_size fast-fail although a hole fitted (maple-v3 sets the hint after a failed store, bug 12); a hint refusal without a fitting hole counts as fail_no_space.",
      "kernel_reports: KASAN/WARN reports captured during the run, verify and teardown; leaked_*: slab objects left after put_iova_domain.",
    ],
    plot: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "Address space held by deferred erases",
      data: { values: series.filter((s) => s.p > 0) },
      facet: {
        row: { field: "p", type: "ordinal", title: "p" },
        column: { field: "mode", type: "nominal", title: "fault mode" },
      },
      spec: {
        width: 300,
        height: 80,
        mark: "line",
        encoding: {
          x: { field: "ms", type: "quantitative", title: "virtual time (ms)" },
          y: { field: "deferred_pfns", type: "quantitative", title: "pfns" },
          color: { field: "variant", type: "nominal" },
        },
      },
    },
  };
}

if (import.meta.main) {
  Deno.exitCode = await runExperiment({
    name: "deferred_erase",
    script: "scripts/experiments/deferred_erase.ts",
    description:
      "maple.node_alloc failing with p = 0, 1e-4, 1e-3, 1e-2 during an unmap-heavy trace on maple-v3 and maple-v4 over virtual time: space held by deferred erases, how long they stay, allocation failures, KASAN reports and leaks.",
    run,
  });
}
