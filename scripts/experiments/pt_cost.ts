// Copyright 2026 the iommulab authors. MIT license.
/**
 * `iommu_map()` / `iommu_unmap()` cost of the generic page table per format
 * (amdv1, x86_64, vtdss, riscv_64), page size (4K, 64K where the format has
 * contiguous 64K pages, 2M, 1G) and batch (1, 16, 256 pages in one call
 * against the same pages one call each), with the single-page fast path on
 * and off. The table has the shape of the generic_pt cover letter's: rows
 * are size x count, columns ns per operation and a % gain.
 *
 *     deno run -A scripts/experiments/pt_cost.ts [--quick] [--json] [--svg FILE] [--seed N]
 *
 * Each format is a production build (no debug checks) with its first KUnit
 * configuration (riscv_64: Sv39 with Svnapot), every supported feature on
 * except DMA_INCOHERENT (which turns the fast path off). Tables are
 * populated before timing, so the fast path applies; unmap leaves the
 * tables in place, as the kernel does.
 *
 * @module
 */
import {
  Amdv1Format,
  iommu_map,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  pt_iommu_deinit,
  type PtFormat,
  PtIommu,
  type PtIommuInfo,
  RiscvFormat,
  VtdssFormat,
  X86_64Format,
} from "../../lib/pt/mod.ts";
import {
  createPtTable,
  type ExperimentContext,
  type ExperimentResult,
  median,
  type Row,
  runExperiment,
} from "../../lib/lab/mod.ts";

/** The formats measured, production builds, with the KUnit cfg index used. */
const FORMATS: readonly { fmt: PtFormat; cfg: number }[] = [
  { fmt: new Amdv1Format(false, false), cfg: 0 },
  { fmt: new X86_64Format(false), cfg: 0 },
  { fmt: new VtdssFormat(false), cfg: 1 },
  { fmt: new RiscvFormat(false), cfg: 0 },
];

/** Page sizes tried (lg2); a format runs those in its pgsize_bitmap. */
export const PAGE_LG2 = [12, 16, 21, 30] as const;

/** Pages per timed phase: a phase maps (or unmaps) this many pages. */
const PHASE_PAGES = 256;

const PROT = IOMMU_READ | IOMMU_WRITE;

/** Untimed rounds before each measurement. */
const WARMUP = 5;

function pgsizeBitmap(t: PtIommu): bigint {
  const info: PtIommuInfo = { pgsize_bitmap: 0n };
  t.pt_ops!.get_info(t, info);
  return info.pgsize_bitmap;
}

/** The calls of one phase: `PHASE_PAGES` pages as `iovas.length` calls of `len`. */
interface Phase {
  iovas: bigint[];
  len: bigint;
}

function makePhase(lg2: number, count: number, oneCall: boolean): Phase {
  const size = 1n << BigInt(lg2);
  const iovas: bigint[] = [];
  const len = oneCall ? size * BigInt(count) : size;
  for (let p = 0; p < PHASE_PAGES; p += oneCall ? count : 1) {
    iovas.push(BigInt(p) * size);
  }
  return { iovas, len };
}

function mapPhase(t: PtIommu, ph: Phase): void {
  const { iovas, len } = ph;
  for (let i = 0; i < iovas.length; i++) {
    // identity OA: iova == paddr, aligned like the iova
    const ret = iommu_map(t, iovas[i]!, iovas[i]!, len, PROT, 0);
    if (ret !== 0) {
      throw new Error(`${t.common.fmt.name}: iommu_map(${iovas[i]}) = ${ret}`);
    }
  }
}

function unmapPhase(t: PtIommu, ph: Phase): void {
  const { iovas, len } = ph;
  for (let i = 0; i < iovas.length; i++) {
    const n = iommu_unmap(t, iovas[i]!, len);
    if (n !== len) {
      throw new Error(
        `${t.common.fmt.name}: iommu_unmap(${iovas[i]}) = ${n}, want ${len}`,
      );
    }
  }
}

interface Timed {
  map: number;
  unmap: number;
}

/** Median ns per group of `count` pages for map and unmap of each phase. */
function timePhases(
  t: PtIommu,
  phases: readonly { ph: Phase; fast: boolean }[],
  count: number,
  repeats: number,
): { map: number; unmap: number }[] {
  const groups = PHASE_PAGES / count;
  const m: number[][] = phases.map(() => []);
  const u: number[][] = phases.map(() => []);
  // Interleaved: every repeat times each phase once, so drift and GC
  // pauses spread over all of them alike.
  for (let r = -WARMUP; r < repeats; r++) {
    for (let i = 0; i < phases.length; i++) {
      const { ph, fast } = phases[i]!;
      t.lab.fast_path = fast;
      const t0 = performance.now();
      mapPhase(t, ph);
      const t1 = performance.now();
      unmapPhase(t, ph);
      const t2 = performance.now();
      if (r < 0) continue;
      m[i]!.push((t1 - t0) * 1e6 / groups);
      u[i]!.push((t2 - t1) * 1e6 / groups);
    }
  }
  t.lab.fast_path = true;
  return phases.map((_, i) => ({ map: median(m[i]!), unmap: median(u[i]!) }));
}

function pct(old: number, now: number): number {
  return Math.round(1000 * (old - now) / old) / 10;
}

/** `256×2^12` (or `2^12` for one page), as the cover letter writes sizes. */
export function sizeLabel(lg2: number, count: number): string {
  return count === 1 ? `2^${lg2}` : `${count}×2^${lg2}`;
}

/** The workload of the script (exported for tests). */
export function run(ctx: ExperimentContext): ExperimentResult {
  const counts = ctx.quick ? [1, 256] : [1, 16, 256];
  const lg2s = ctx.quick ? [12, 21] : [...PAGE_LG2];
  const repeats = ctx.quick ? 5 : 31;
  const rows: Row[] = [];
  const skipped: string[] = [];
  const measure = (record: boolean, reps: number): void => {
    for (const { fmt, cfg } of FORMATS) {
      const t = createPtTable(fmt, cfg);
      const bitmap = pgsizeBitmap(t);
      for (const lg2 of lg2s) {
        if (record) bar.tick(1, `${fmt.name} 2^${lg2}`);
        if ((bitmap & (1n << BigInt(lg2))) === 0n) {
          if (record) skipped.push(`${fmt.name} 2^${lg2}`);
          continue;
        }
        for (const count of counts) {
          const one = makePhase(lg2, count, true);
          const each = makePhase(lg2, count, false);
          const fast0 = t.stats.fast_path;
          const cc0 = t.stats.clear_contig_tables;
          const [a, b, c] = timePhases(
            t,
            [
              { ph: one, fast: true },
              { ph: each, fast: true },
              { ph: each, fast: false },
            ],
            count,
            reps,
          ) as [Timed, Timed, Timed];
          if (!record) continue;
          rows.push({
            format: fmt.name,
            pgsz: sizeLabel(lg2, count),
            map_ns: a.map,
            map_each_ns: b.map,
            map_each_nofp_ns: c.map,
            fastpath_pct: pct(c.map, b.map),
            batch_map_pct: pct(b.map, a.map),
            unmap_ns: a.unmap,
            unmap_each_ns: b.unmap,
            unmap_each_nofp_ns: c.unmap,
            batch_unmap_pct: pct(b.unmap, a.unmap),
            fast_path_used: t.stats.fast_path > fast0,
            clear_contig_tables: t.stats.clear_contig_tables - cc0,
          });
        }
      }
      pt_iommu_deinit(t);
    }
  };
  const bar = ctx.progress(FORMATS.length * lg2s.length, "pt_cost");
  try {
    // One untimed pass over every format first: the shared walkers are
    // then compiled for all formats before anything is timed.
    measure(false, 1);
    measure(true, repeats);
  } finally {
    bar.stop();
  }
  const long = rows.flatMap((r) => [
    { format: r.format, pgsz: r.pgsz, series: "map, one call", ns: r.map_ns },
    {
      format: r.format,
      pgsz: r.pgsz,
      series: "map, call per page",
      ns: r.map_each_ns,
    },
    {
      format: r.format,
      pgsz: r.pgsz,
      series: "map, call per page, no fast path",
      ns: r.map_each_nofp_ns,
    },
    {
      format: r.format,
      pgsz: r.pgsz,
      series: "unmap, one call",
      ns: r.unmap_ns,
    },
    {
      format: r.format,
      pgsz: r.pgsz,
      series: "unmap, call per page",
      ns: r.unmap_each_ns,
    },
  ]);
  const order = lg2s.flatMap((l) => counts.map((c) => sizeLabel(l, c)));
  return {
    rows,
    params: {
      formats: FORMATS.map((f) => `${f.fmt.name}[cfg ${f.cfg}]`),
      page_sizes_lg2: lg2s,
      counts,
      repeats,
      pages_per_phase: PHASE_PAGES,
    },
    notes: [
      "ns per group of `count` pages (the cover letter's unit: '256×2^12' = 256 4K pages), median over repeats of a phase that maps then unmaps 256 pages.",
      "map_ns/unmap_ns: one iommu_map()/iommu_unmap() call for the group; *_each_ns: one call per page (same pages); *_nofp_ns: the same with the single-page fast path off (t.lab.fast_path = false).",
      "fastpath_pct = (no fast path - fast path) / no fast path on per-page map calls (the map_pages commit reports ~15% on lists of single pages); batch_*_pct = gain of one call over a call per page (the cover letter's 'new vs old' for 256× rows was a rewalk per PTE; here it is the per-call overhead).",
      "a one-call group is mapped with the largest page size iommu_pgsize() allows (256×2^16 at a 16M-aligned iova becomes one 16M contiguous entry on amdv1, eight 2M leaves on riscv_64), replacing the lower tables the per-page phases populated: clear_contig frees them (clear_contig_tables counts it) and the next per-page phase allocates them again, which makes those rows slow.",
      "unmap has no fast path in the model, so unmap_each_nofp_ns only shows run-to-run noise.",
      ...(skipped.length
        ? [`not in the format's pgsize_bitmap: ${skipped.join(", ")}`]
        : []),
      "times are JS on a simulated kernel: compare ratios with the kernel's numbers, not absolute ns.",
    ],
    plot: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "iommu_map / iommu_unmap, ns per group of pages",
      data: { values: long },
      facet: { row: { field: "format", type: "nominal", title: null } },
      spec: {
        width: 520,
        height: 140,
        mark: "bar",
        encoding: {
          x: { field: "pgsz", type: "nominal", sort: order, title: null },
          xOffset: { field: "series", type: "nominal" },
          y: {
            field: "ns",
            type: "quantitative",
            scale: { type: "log" },
            title: "ns",
          },
          color: { field: "series", type: "nominal", title: null },
        },
      },
    },
  };
}

if (import.meta.main) {
  Deno.exitCode = await runExperiment({
    name: "pt_cost",
    script: "scripts/experiments/pt_cost.ts",
    description:
      "ns per iommu_map/iommu_unmap of the generic page table per format (amdv1, x86_64, vtdss, riscv_64), page size (4K, 64K, 2M, 1G where supported) and batch (1, 16, 256 pages in one call vs a call per page), single-page fast path on and off; grouped log-scale bars.",
    run,
  });
}
