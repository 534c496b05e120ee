// Copyright 2026 the iommulab authors. MIT license.
/**
 * Cost of an allocation below a DMA limit in a domain dominated by 64-bit
 * allocations, against the number n of live entries: the 32-bit case the
 * rbtree walks from its anchor, and 33/48/56-bit limits. Each variant's
 * domain is built once per n and shared by the limits.
 *
 *     deno run -A scripts/experiments/cost_vs_size.ts [--quick] [--json] [--svg FILE] [--seed N]
 *
 * @module
 */
import { dma_bit_mask_pfn, PAGE_SHIFT } from "../../lib/kernel/mod.ts";
import {
  __free_iova,
  alloc_iova,
  iova_cache_get,
  iova_cache_put,
  IOVA_VARIANTS,
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

/** DMA limits measured, in bits; 32 last so its "first" sees a fresh cached32 node. */
export const LIMIT_BITS = [33, 48, 56, 32] as const;

const LIMIT_FILL = dma_bit_mask_pfn(64, PAGE_SHIFT);

function pair(iovad: IovaDomain, limit: number): void {
  const a = alloc_iova(iovad, 1, limit, true);
  if (a === null) throw new Error(`alloc_iova below pfn ${limit} failed`);
  __free_iova(iovad, a);
}

// Runs every code path once on a throw-away domain so that "first" times
// the walk, not the JIT compiling it.
function warmUp(v: typeof IOVA_VARIANTS[number]): void {
  const iovad = createIovaDomain(v);
  for (let i = 0; i < 2000; i++) alloc_iova(iovad, 1, LIMIT_FILL, true);
  for (let r = 0; r < 3; r++) {
    for (const bits of LIMIT_BITS) {
      for (let i = 0; i < 200; i++) {
        pair(iovad, dma_bit_mask_pfn(bits, PAGE_SHIFT));
      }
    }
  }
  put_iova_domain(iovad);
}

/** The workload of the script (exported for tests). */
export function run(ctx: ExperimentContext): ExperimentResult {
  const sizes = ctx.quick ? [1e3, 1e4] : [1e3, 1e4, 1e5, 1e6];
  const repeats = ctx.quick ? 5 : 11;
  const batch = ctx.quick ? 20 : 50;
  iova_cache_get();
  const rows: Row[] = [];
  const total = IOVA_VARIANTS.length * sizes.reduce((a, b) => a + b, 0);
  const bar = ctx.progress(total, "cost_vs_size");
  try {
    for (const v of IOVA_VARIANTS) warmUp(v);
    for (const v of IOVA_VARIANTS) {
      for (const n of sizes) {
        bar.tick(0, `${v} n=${n} fill`);
        const iovad = createIovaDomain(v);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          if (alloc_iova(iovad, 1, LIMIT_FILL, true) === null) {
            throw new Error(`${v}: 64-bit fill failed at ${i}`);
          }
        }
        const fillNs = (performance.now() - t0) * 1e6 / n;
        // "first": the first pair below this limit after the fill. Pairs
        // above 32 bits leave the rbtree's cached nodes as they found them.
        const first = new Map<number, number>();
        for (const bits of LIMIT_BITS) {
          const limit = dma_bit_mask_pfn(bits, PAGE_SHIFT);
          first.set(bits, timeOnceNs(() => pair(iovad, limit)));
        }
        for (const bits of [...LIMIT_BITS].sort((a, b) => a - b)) {
          const limit = dma_bit_mask_pfn(bits, PAGE_SHIFT);
          const t = medianNsPerOp(() => pair(iovad, limit), {
            batch,
            repeats,
          });
          rows.push({
            variant: v,
            n,
            limit_bits: bits,
            first_ns: first.get(bits)!,
            steady_ns: t.medianNs,
            fill_ns_per_alloc: fillNs,
          });
        }
        put_iova_domain(iovad);
        bar.tick(n, `${v} n=${n}`);
      }
    }
  } finally {
    bar.stop();
    iova_cache_put();
  }
  const long = rows.flatMap((r) => [
    { ...r, kind: "first", ns: r.first_ns },
    { ...r, kind: "steady (median)", ns: r.steady_ns },
  ]);
  return {
    rows,
    params: { n: sizes, limits_bits: [32, 33, 48, 56], repeats, batch },
    notes: [
      "the domain holds n single-page allocations made with a 64-bit limit (top-down from pfn 2^52-1); each timed operation is an alloc_iova(size 1, aligned) below the limit plus its __free_iova.",
      "first_ns: one timed pair right after the fill (single-shot, clock resolution applies); for the 32-bit limit the rbtree walks all n nodes from the anchor because cached32_node is still the anchor.",
      "steady_ns: median over batches of pairs; the rbtree then starts from cached32_node/cached_node and is cheap.",
      "fill_ns_per_alloc: mean cost of the n 64-bit allocations that built the domain.",
    ],
    plot: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "alloc_iova + __free_iova below a DMA limit vs live entries",
      data: { values: long },
      facet: { column: { field: "kind", type: "nominal", title: null } },
      spec: {
        width: 300,
        height: 240,
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "n",
            type: "quantitative",
            scale: { type: "log" },
            title: "live entries n",
          },
          y: {
            field: "ns",
            type: "quantitative",
            scale: { type: "log" },
            title: "ns per alloc+free",
          },
          color: { field: "variant", type: "nominal" },
          strokeDash: {
            field: "limit_bits",
            type: "nominal",
            title: "limit bits",
          },
          detail: { field: "limit_bits", type: "nominal" },
        },
      },
    },
  };
}

if (import.meta.main) {
  Deno.exitCode = await runExperiment({
    name: "cost_vs_size",
    script: "scripts/experiments/cost_vs_size.ts",
    description:
      "ns per alloc_iova+__free_iova pair below a 32/33/48/56-bit limit in a domain of n 64-bit allocations (n = 10^3 .. 10^6), first and steady state, per variant; log-log plot.",
    run,
  });
}
