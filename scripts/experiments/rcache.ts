// Copyright 2026 the iommulab authors. MIT license.
/**
 * The per-CPU IOVA rcache: hit rate and cost per alloc_iova_fast +
 * free_iova_fast pair against the number of CPUs (allocations round-robin
 * over the CPUs, each free on the CPU whose turn it is), the size class,
 * and how many IOVAs are in flight (which sets how many magazines reach
 * the depot); then the flush-and-retry path when cached pfns exhaust a
 * bounded space.
 *
 *     deno run -A scripts/experiments/rcache.ts [--quick] [--json] [--svg FILE] [--seed N]
 *
 * @module
 */
import { advance, onCpu, set_nr_cpus } from "../../lib/kernel/mod.ts";
import {
  alloc_iova_fast,
  free_iova_fast,
  iova_cache_get,
  iova_cache_of,
  iova_cache_put,
  type IovaDomain,
  put_iova_domain,
} from "../../lib/iova/mod.ts";
import {
  createIovaDomain,
  type ExperimentContext,
  type ExperimentResult,
  medianNsPerOp,
  type Row,
  runExperiment,
  timeOnceNs,
} from "../../lib/lab/mod.ts";

const VARIANT = "maple-v4";
const LIMIT = 2 ** 20 - 1;

function depotMagazines(iovad: IovaDomain): number {
  let n = 0;
  for (const rc of iovad.rcaches!) n += rc.depot_size;
  return n;
}

/**
 * Where frees run: `rotate`, on the CPU whose turn it is (balanced);
 * `cpu0`, always on CPU 0, as when only an IRQ CPU completes DMA (full
 * magazines pile up in the depot, the other CPUs take them from there).
 */
export type FreeOn = "rotate" | "cpu0";

function steadyRow(
  cpus: number,
  size: number,
  inflight: number,
  freeOn: FreeOn,
  pairs: number,
): Row {
  set_nr_cpus(cpus);
  const iovad = createIovaDomain(VARIANT, { rcaches: true });
  const stats = iova_cache_of(VARIANT)!.stats;
  const fifo: number[] = [];
  let head = 0, step = 0, allocs = 0, hits = 0, fails = 0, maxDepot = 0;
  const freeOldest = (): void => free_iova_fast(iovad, fifo[head++]!, size);
  const one = (): void => {
    const cpu = step++ % cpus;
    onCpu(cpu, () => {
      const before = stats.total_allocs;
      const pfn = alloc_iova_fast(iovad, size, LIMIT, true);
      allocs++;
      if (pfn === 0) fails++;
      else {
        if (stats.total_allocs === before) hits++;
        fifo.push(pfn);
      }
    });
    if (fifo.length - head > inflight) {
      onCpu(freeOn === "cpu0" ? 0 : cpu, freeOldest);
    }
    const d = depotMagazines(iovad);
    if (d > maxDepot) maxDepot = d;
    if (head > 65536) {
      fifo.splice(0, head);
      head = 0;
    }
  };
  // Warm-up: reach `inflight` and cycle the magazines once.
  for (let i = 0; i < inflight + 4 * 127 * cpus; i++) one();
  const coldHitPct = 100 * hits / allocs;
  allocs =
    hits =
    fails =
    maxDepot =
      0;
  const batch = 200;
  const t = medianNsPerOp(() => {
    one();
    if (step % batch === 0) advance(1); // depot trim work: every 100 ms
  }, { batch, repeats: Math.max(3, Math.round(pairs / batch)), warmup: 0 });
  const row: Row = {
    cpus,
    size,
    inflight,
    free_on: freeOn,
    pairs: allocs,
    cold_hit_pct: coldHitPct,
    hit_pct: 100 * hits / allocs,
    failed: fails,
    ns_per_pair: t.medianNs,
    max_depot_mags: maxDepot,
    depot_mags_end: depotMagazines(iovad),
  };
  put_iova_domain(iovad);
  return row;
}

function flushRow(cpus: number, space: number): Row {
  set_nr_cpus(cpus);
  const iovad = createIovaDomain(VARIANT, {
    startPfn: LIMIT - space + 1,
    rcaches: true,
  });
  const stats = iova_cache_of(VARIANT)!.stats;
  // Every CPU maps and unmaps 254 pages: its loaded and prev magazines
  // end up full of cached pfns that stay allocated in the tree.
  for (let c = 0; c < cpus; c++) {
    onCpu(c, () => {
      const pfns: number[] = [];
      for (let i = 0; i < 254; i++) {
        const pfn = alloc_iova_fast(iovad, 1, LIMIT, false);
        if (pfn !== 0) pfns.push(pfn);
      }
      for (const pfn of pfns) free_iova_fast(iovad, pfn, 1);
    });
  }
  const cached = stats.live_objects;
  // CPU 0 maps without unmapping until the space is gone.
  let ok = 0;
  while (alloc_iova_fast(iovad, 1, LIMIT, false) !== 0) ok++;
  const freesBefore = stats.total_frees;
  let pfn = 0;
  const ns = timeOnceNs(() => {
    pfn = alloc_iova_fast(iovad, 1, LIMIT, true);
  });
  const row: Row = {
    cpus,
    space_pfns: space,
    cached_or_live_before: cached,
    allocs_before_failure: ok,
    pfns_flushed: stats.total_frees - freesBefore,
    retry_succeeded: pfn !== 0,
    flush_call_ns_single: ns,
  };
  put_iova_domain(iovad);
  return row;
}

/** The workload of the script (exported for tests). */
export function run(ctx: ExperimentContext): ExperimentResult {
  const cpuCounts = ctx.quick ? [1, 4] : [1, 2, 4, 8, 16];
  const sizes = ctx.quick ? [1, 8] : [1, 8, 32];
  const inflights = ctx.quick ? [64, 1024] : [64, 4096];
  const freeOns: FreeOn[] = ["rotate", "cpu0"];
  const pairs = ctx.quick ? 2000 : 20_000;
  iova_cache_get();
  const rows: Row[] = [];
  const flush: Row[] = [];
  const bar = ctx.progress(
    cpuCounts.length * (sizes.length * inflights.length * 2 + 1),
    "rcache",
  );
  try {
    for (const cpus of cpuCounts) {
      for (const size of sizes) {
        for (const inflight of inflights) {
          for (const freeOn of freeOns) {
            rows.push(steadyRow(cpus, size, inflight, freeOn, pairs));
            bar.tick(1, `cpus=${cpus} size=${size} inflight=${inflight}`);
          }
        }
      }
      flush.push(flushRow(cpus, 4096));
      bar.tick(1, `flush cpus=${cpus}`);
    }
  } finally {
    bar.stop();
    iova_cache_put();
  }
  return {
    rows,
    params: {
      variant: VARIANT,
      cpus: cpuCounts,
      sizes,
      inflight: inflights,
      free_on: freeOns,
      pairs,
      limit_pfn: LIMIT,
    },
    tables: [{
      title:
        "flush and retry: each CPU caches 254 pfns, CPU 0 maps until the bounded space is gone, then alloc_iova_fast(flush_rcache = true)",
      rows: flush,
    }],
    notes: [
      "allocations rotate over the CPUs; once `inflight` IOVAs are outstanding each allocation is followed by freeing the oldest (a FIFO), on the CPU whose turn it is (free_on rotate) or always on CPU 0 (free_on cpu0: full magazines go through the depot, trimmed every 100 virtual ms; 1 ms passes per 200 pairs).",
      "cold_hit_pct: over the warm-up (the first inflight + 508 x cpus pairs on an empty rcache); hit_pct: after it. hit: alloc_iova_fast served from a magazine (no struct iova allocated); ns_per_pair: median over batches of 200 pairs (an alloc and, once inflight is reached, a free).",
      "the rcache is the same code in every variant; misses fall through to the maple-v4 tree.",
      "sizes of 32 pages and below are cached (6 classes); alloc_iova_fast rounds sizes below 32 up to a power of two.",
    ],
    plot: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "rcache: ns per alloc_iova_fast + free_iova_fast vs CPUs",
      data: { values: rows },
      facet: {
        column: { field: "size", type: "ordinal", title: "size (pages)" },
        row: { field: "free_on", type: "nominal", title: "frees on" },
      },
      spec: {
        width: 200,
        height: 200,
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "cpus",
            type: "quantitative",
            scale: { type: "log", base: 2 },
          },
          y: {
            field: "ns_per_pair",
            type: "quantitative",
            title: "ns per pair",
          },
          color: { field: "inflight", type: "ordinal" },
        },
      },
    },
  };
}

if (import.meta.main) {
  Deno.exitCode = await runExperiment({
    name: "rcache",
    script: "scripts/experiments/rcache.ts",
    description:
      "rcache hit rate and ns per alloc_iova_fast + free_iova_fast pair vs CPU count, size class and IOVAs in flight (depot use), plus the flush-and-retry path.",
    run,
  });
}
