// Copyright 2026 the iommulab authors. MIT license.
/**
 * Replays recorded ftrace logs:
 *
 * (a) `iommu:map` / `iommu:unmap` events against each page-table format
 * (amdv1, x86_64, vtdss, riscv_64 with 48-bit VAs): every map through
 * `iommu_map()` (its result and `iommu_iova_to_phys()` at both ends of the
 * range are checked), every unmap through `iommu_unmap()` with its result
 * compared with the trace's `unmapped_size`; table pages over the replay,
 * the final state, and that `pt_iommu_deinit()` returns every table page.
 *
 * (b) `dma:dma_map_page` / `dma:dma_unmap_page` events against each IOVA
 * variant (rbtree-6.12, maple-v3, maple-v4), one domain with rcaches per
 * device, as `iommu_dma_map_page()` / `__iommu_dma_unmap()` would: the
 * size with the in-page offset is aligned to the granule, the allocation
 * tries below 4 GiB first (`pci_32bit_workaround`), then below 2^48, with
 * `alloc_iova_fast()` on the event's CPU; unmaps `free_iova_fast()` the
 * range the replay gave the trace's address. Reports failures, peak
 * memory (struct iova + maple nodes + magazines), and where the variants
 * place the same mapping differently.
 *
 * By default the two synthetic fixtures in `scripts/experiments/fixtures/`
 * are replayed (regenerate them with `make_fixtures.ts` there);
 * `--trace FILE` replays a recorded trace instead (its iommu events go to
 * (a), its dma events to (b)). A line that is not ftrace output, or a
 * malformed map/unmap payload, stops the run with `FILE:LINE: ...`.
 *
 * Recording a trace on a real machine (as root):
 *
 *     cd /sys/kernel/tracing
 *     echo 1 > events/iommu/map/enable
 *     echo 1 > events/iommu/unmap/enable
 *     echo 1 > events/dma/dma_map_page/enable     # for (b)
 *     echo 1 > events/dma/dma_unmap_page/enable
 *     echo > trace; (run the workload)
 *     cat trace > x.trace
 *     deno run -A scripts/experiments/trace_replay.ts --trace x.trace
 *
 *     deno run -A scripts/experiments/trace_replay.ts [--quick] [--json] [--svg FILE] [--seed N] [--trace FILE]
 *
 * @module
 */
import {
  DMA_BIT_MASK,
  dma_bit_mask_pfn,
  errname,
  num_online_cpus,
  onCpu,
  PAGE_SHIFT,
  PAGE_SIZE,
} from "../../lib/kernel/mod.ts";
import {
  alloc_iova_fast,
  free_iova_fast,
  iova_align,
  iova_cache_get,
  iova_cache_put,
  iova_offset,
  IOVA_VARIANTS,
  type IovaDomain,
  iovaDomainMemory,
  type IovaVariant,
  put_iova_domain,
} from "../../lib/iova/mod.ts";
import {
  Amdv1Format,
  iommu_iova_to_phys,
  iommu_map,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  nr_secondary_pagetable,
  pt_iommu_deinit,
  type PtFormat,
  RiscvFormat,
  VtdssFormat,
  X86_64Format,
} from "../../lib/pt/mod.ts";
import {
  createIovaDomain,
  createPtTable,
  type DmaTraceEvent,
  type ExperimentContext,
  type ExperimentResult,
  type IommuTraceEvent,
  parseFtrace,
  type Row,
  runExperiment,
} from "../../lib/lab/mod.ts";

/** The fixtures replayed by default, relative to this script. */
export const FIXTURES = {
  iommu: "fixtures/iommu_map_unmap.trace",
  dma: "fixtures/dma_map_unmap.trace",
} as const;

/** Formats of part (a), production builds, with the KUnit cfg used (48-bit VA). */
const FORMATS: readonly { fmt: PtFormat; cfg: number }[] = [
  { fmt: new Amdv1Format(false, false), cfg: 0 },
  { fmt: new X86_64Format(false), cfg: 0 },
  { fmt: new VtdssFormat(false), cfg: 1 },
  { fmt: new RiscvFormat(false), cfg: 1 },
];

/** Rows of the per-event tables (disagreements, placement). */
const MAX_EVENT_ROWS = 20;

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

interface IommuReplay {
  row: Row;
  events: Row[];
  pages: { event: number; format: string; table_pages: number }[];
}

/** Part (a): `events` against one format. */
function replayIommu(
  fmt: PtFormat,
  cfg: number,
  events: readonly IommuTraceEvent[],
  sampleEvery: number,
): IommuReplay {
  const base = nr_secondary_pagetable();
  const t = createPtTable(fmt, cfg);
  const prot = IOMMU_READ | IOMMU_WRITE;
  let maps = 0, mapOk = 0, mapErrors = 0, mapBadPhys = 0;
  let unmaps = 0, agree = 0, disagree = 0;
  let traceMapped = 0n, mapped = 0n, traceUnmapped = 0n, unmapped = 0n;
  let peak = 0;
  const bad: Row[] = [];
  const pages: IommuReplay["pages"] = [];
  const note = (e: IommuTraceEvent, trace: string, model: string): void => {
    if (bad.length < MAX_EVENT_ROWS) {
      bad.push({
        format: fmt.name,
        line: e.line,
        event: e.kind,
        iova: hex(e.iova),
        size: Number(e.size),
        trace,
        model,
      });
    }
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === "map") {
      maps++;
      traceMapped += e.size;
      const ret = iommu_map(t, e.iova, e.paddr, e.size, prot, 0);
      if (ret !== 0) {
        mapErrors++;
        note(e, "mapped", errname(ret) ?? String(ret));
      } else {
        mapOk++;
        mapped += e.size;
        const last = e.size - 1n;
        if (
          iommu_iova_to_phys(t, e.iova) !== e.paddr ||
          iommu_iova_to_phys(t, e.iova + last) !== e.paddr + last
        ) {
          mapBadPhys++;
          note(e, hex(e.paddr), "iova_to_phys differs");
        }
      }
    } else {
      unmaps++;
      traceUnmapped += e.unmapped;
      const n = iommu_unmap(t, e.iova, e.size);
      unmapped += n;
      if (n === e.unmapped) agree++;
      else {
        disagree++;
        note(e, `unmapped_size=${e.unmapped}`, `unmapped ${n}`);
      }
    }
    const p = nr_secondary_pagetable() - base;
    if (p > peak) peak = p;
    if (i % sampleEvery === 0 || i === events.length - 1) {
      pages.push({ event: i, format: fmt.name, table_pages: p });
    }
  }
  const finalPages = nr_secondary_pagetable() - base;
  pt_iommu_deinit(t);
  const leaked = nr_secondary_pagetable() - base;
  return {
    row: {
      format: fmt.name,
      maps,
      map_ok: mapOk,
      map_errors: mapErrors,
      map_phys_wrong: mapBadPhys,
      trace_mapped_B: Number(traceMapped),
      mapped_B: Number(mapped),
      unmaps,
      unmapped_agree: agree,
      unmapped_disagree: disagree,
      trace_unmapped_B: Number(traceUnmapped),
      unmapped_B: Number(unmapped),
      final_mapped_B: Number(mapped - unmapped),
      peak_table_pages: peak,
      final_table_pages: finalPages,
      pages_after_deinit: leaked,
    },
    events: bad,
    pages,
  };
}

/** One replayed DMA mapping: where the variant put it. */
interface Placed {
  pfn: number;
  pages: number;
}

interface DmaReplay {
  row: Row;
  /** Per map event (by index in the event list): pfn or 0 on failure. */
  pfns: Float64Array;
  errors: Row[];
  memory: { event: number; variant: string; bytes: number }[];
}

/** `iommu_dma_map_page()`'s size and `iommu_dma_alloc_iova()`'s limits. */
const LIMIT_32 = dma_bit_mask_pfn(32, PAGE_SHIFT);
const LIMIT_48 = dma_bit_mask_pfn(48, PAGE_SHIFT);

function domainBytes(iovad: IovaDomain): number {
  const m = iovaDomainMemory(iovad);
  return m.structBytes + m.treeBytes + m.rcacheBytes;
}

/** Part (b): `events` against one variant. */
function replayDma(
  v: IovaVariant,
  events: readonly DmaTraceEvent[],
  sampleEvery: number,
): DmaReplay {
  const domains = new Map<string, IovaDomain>();
  const workaround = new Map<string, boolean>();
  const live = new Map<string, Placed>();
  const pfns = new Float64Array(events.length);
  const errors: Row[] = [];
  const memory: DmaReplay["memory"] = [];
  const cpus = num_online_cpus();
  let maps = 0, failed = 0, above32 = 0, unmaps = 0, unknown = 0;
  let sameAsTrace = 0, peak = 0, livePeak = 0;
  const err = (e: DmaTraceEvent, what: string): void => {
    if (errors.length < MAX_EVENT_ROWS) {
      errors.push({
        variant: v,
        line: e.line,
        device: e.device,
        event: e.kind,
        dma_addr: hex(e.dma_addr),
        size: e.size,
        error: what,
      });
    }
  };
  const sample = (i: number): void => {
    let b = 0;
    for (const d of domains.values()) b += domainBytes(d);
    if (b > peak) peak = b;
    memory.push({ event: i, variant: v, bytes: b });
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let iovad = domains.get(e.device);
    if (iovad === undefined) {
      iovad = createIovaDomain(v, { startPfn: 1, rcaches: true });
      domains.set(e.device, iovad);
      workaround.set(e.device, true);
    }
    const dom = iovad;
    // The page offset of the trace's address: the in-page offset of phys.
    const off = iova_offset(dom, Number(e.dma_addr % BigInt(PAGE_SIZE)));
    const pages = iova_align(dom, e.size + off) / PAGE_SIZE;
    const key = `${e.device} ${e.dma_addr - BigInt(off)}`;
    if (e.kind === "map") {
      maps++;
      const pfn = onCpu(e.cpu % cpus, () => {
        // iommu_dma_alloc_iova(): a SAC address first for PCI devices.
        if (workaround.get(e.device)) {
          const p = alloc_iova_fast(dom, pages, LIMIT_32, false);
          if (p) return p;
          workaround.set(e.device, false);
        }
        return alloc_iova_fast(dom, pages, LIMIT_48, true);
      });
      pfns[i] = pfn;
      if (pfn === 0) {
        failed++;
        err(e, "alloc_iova_fast failed (DMA_MAPPING_ERROR)");
      } else {
        if (pfn > LIMIT_32) above32++;
        if (BigInt(pfn) * BigInt(PAGE_SIZE) + BigInt(off) === e.dma_addr) {
          sameAsTrace++;
        }
        if (live.has(key)) err(e, "dma_addr mapped twice in the trace");
        live.set(key, { pfn, pages });
        if (live.size > livePeak) livePeak = live.size;
      }
    } else {
      unmaps++;
      const p = live.get(key);
      if (p === undefined) {
        unknown++;
        err(e, "unmap of a dma_addr the replay has not mapped");
      } else {
        live.delete(key);
        if (p.pages !== pages) {
          err(e, `unmap of ${pages} pages, map had ${p.pages}`);
        }
        onCpu(e.cpu % cpus, () => free_iova_fast(dom, p.pfn, p.pages));
      }
    }
    if (i % sampleEvery === 0) sample(i);
  }
  sample(events.length - 1);
  let finalBytes = 0;
  for (const d of domains.values()) finalBytes += domainBytes(d);
  for (const d of domains.values()) put_iova_domain(d);
  return {
    row: {
      variant: v,
      devices: domains.size,
      maps,
      failed,
      above_4G: above32,
      same_addr_as_trace: sameAsTrace,
      unmaps,
      unmap_unknown: unknown,
      peak_live: livePeak,
      peak_B: peak,
      final_B: finalBytes,
    },
    pfns,
    errors,
    memory,
  };
}

async function readTrace(path: string | URL): Promise<string> {
  return await Deno.readTextFile(path);
}

/** The workload of the script (exported for tests). */
export async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const user = ctx.args.extra.trace;
  const sources = user !== undefined
    ? [{ name: user, text: await readTrace(user) }]
    : [
      {
        name: FIXTURES.iommu,
        text: await readTrace(new URL(FIXTURES.iommu, import.meta.url)),
      },
      {
        name: FIXTURES.dma,
        text: await readTrace(new URL(FIXTURES.dma, import.meta.url)),
      },
    ];
  const iommu: IommuTraceEvent[] = [];
  const dma: DmaTraceEvent[] = [];
  let ignored = 0, lost = 0;
  for (const s of sources) {
    const p = parseFtrace(s.text, s.name);
    iommu.push(...p.iommu);
    dma.push(...p.dma);
    ignored += p.ignored;
    lost += p.lost;
  }
  if (iommu.length === 0 && dma.length === 0) {
    throw new SyntaxError(
      `${
        sources.map((s) => s.name).join(", ")
      }: no iommu:map/unmap or dma:dma_map_page/dma_unmap_page events`,
    );
  }
  // --quick: the first half of each trace (the fixtures are small anyway).
  const cut = <T>(xs: T[]): T[] =>
    ctx.quick ? xs.slice(0, Math.ceil(xs.length / 2)) : xs;
  const ie = cut(iommu);
  const de = cut(dma);
  const rows: Row[] = [];
  const iommuRows: Row[] = [];
  const iommuEvents: Row[] = [];
  const pages: IommuReplay["pages"] = [];
  const bar = ctx.progress(
    (ie.length ? FORMATS.length : 0) + (de.length ? IOVA_VARIANTS.length : 0),
    "trace_replay",
  );
  try {
    for (const { fmt, cfg } of ie.length ? FORMATS : []) {
      const r = replayIommu(fmt, cfg, ie, Math.max(1, ie.length >> 7));
      iommuRows.push(r.row);
      iommuEvents.push(...r.events);
      pages.push(...r.pages);
      rows.push({
        part: "a: iommu",
        target: fmt.name,
        events: ie.length,
        ok: Number(r.row.map_ok) + Number(r.row.unmapped_agree),
        disagree: Number(r.row.unmapped_disagree) +
          Number(r.row.map_phys_wrong),
        errors: r.row.map_errors,
        peak: r.row.peak_table_pages,
        final: r.row.final_table_pages,
        unit: "table pages",
      });
      bar.tick(1, fmt.name);
    }
    const dmaRows: Row[] = [];
    const dmaErrors: Row[] = [];
    const memory: DmaReplay["memory"] = [];
    const placed = new Map<IovaVariant, Float64Array>();
    if (de.length) iova_cache_get();
    try {
      for (const v of de.length ? IOVA_VARIANTS : []) {
        const r = replayDma(v, de, Math.max(1, de.length >> 7));
        dmaRows.push(r.row);
        dmaErrors.push(...r.errors);
        memory.push(...r.memory);
        placed.set(v, r.pfns);
        rows.push({
          part: "b: dma",
          target: v,
          events: de.length,
          ok: Number(r.row.maps) - Number(r.row.failed) + Number(r.row.unmaps) -
            Number(r.row.unmap_unknown),
          disagree: Number(r.row.maps) - Number(r.row.failed) -
            Number(r.row.same_addr_as_trace),
          errors: Number(r.row.failed) + Number(r.row.unmap_unknown),
          peak: r.row.peak_B,
          final: r.row.final_B,
          unit: "bytes (iova + nodes + magazines)",
        });
        bar.tick(1, v);
      }
    } finally {
      if (de.length) iova_cache_put();
    }
    // Placement: map events where a variant's pfn differs from the first's.
    const placement: Row[] = [];
    const diffRows: Row[] = [];
    const ref = IOVA_VARIANTS[0]!;
    for (const v of de.length ? IOVA_VARIANTS.slice(1) : []) {
      const a = placed.get(ref)!, b = placed.get(v)!;
      let differ = 0, maps = 0;
      for (let i = 0; i < de.length; i++) {
        if (de[i]!.kind !== "map") continue;
        maps++;
        if (a[i] !== b[i]) {
          differ++;
          if (diffRows.length < MAX_EVENT_ROWS) {
            const e = de[i]!;
            diffRows.push({
              line: e.line,
              device: e.device,
              size: e.size,
              trace_dma_addr: hex(e.dma_addr),
              [`${ref}_pfn`]: hex(BigInt(a[i]!)),
              variant: v,
              variant_pfn: hex(BigInt(b[i]!)),
            });
          }
        }
      }
      placement.push({
        variant: v,
        vs: ref,
        maps,
        placed_differently: differ,
        differ_pct: maps ? Math.round(1000 * differ / maps) / 10 : 0,
      });
    }
    const tables = [
      ...(ie.length
        ? [
          { title: "(a) iommu:map/unmap replay per format", rows: iommuRows },
          {
            title:
              `(a) events that disagree with the trace or fail (first ${MAX_EVENT_ROWS} per format)`,
            rows: iommuEvents,
            columns: [
              "format",
              "line",
              "event",
              "iova",
              "size",
              "trace",
              "model",
            ],
          },
        ]
        : []),
      ...(de.length
        ? [
          { title: "(b) DMA-API replay per IOVA variant", rows: dmaRows },
          {
            title: `(b) placement differences vs ${ref}`,
            rows: placement,
          },
          {
            title:
              `(b) first map events placed differently (up to ${MAX_EVENT_ROWS})`,
            rows: diffRows,
          },
          {
            title: `(b) errors (first ${MAX_EVENT_ROWS} per variant)`,
            rows: dmaErrors,
            columns: [
              "variant",
              "line",
              "device",
              "event",
              "dma_addr",
              "size",
              "error",
            ],
          },
        ]
        : []),
    ];
    const charts: Record<string, unknown>[] = [];
    if (pages.length) {
      charts.push({
        title: "(a) page-table pages during the iommu trace replay",
        width: 480,
        height: 180,
        data: { values: pages },
        mark: "line",
        encoding: {
          x: { field: "event", type: "quantitative", title: "event" },
          y: {
            field: "table_pages",
            type: "quantitative",
            title: "table pages",
          },
          color: { field: "format", type: "nominal" },
        },
      });
    }
    if (memory.length) {
      charts.push({
        title: "(b) IOVA allocator memory during the DMA trace replay",
        width: 480,
        height: 180,
        data: { values: memory },
        mark: "line",
        encoding: {
          x: { field: "event", type: "quantitative", title: "event" },
          y: { field: "bytes", type: "quantitative", title: "bytes" },
          color: { field: "variant", type: "nominal" },
        },
      });
    }
    return {
      rows,
      params: {
        traces: sources.map((s) => s.name),
        iommu_events: ie.length,
        dma_events: de.length,
        other_events_ignored: ignored,
        lost_events: lost,
        formats: FORMATS.map((f) => `${f.fmt.name}[cfg ${f.cfg}]`),
        cpus: num_online_cpus(),
      },
      notes: [
        "(a) ok = maps that succeeded + unmaps whose result equals the trace's unmapped_size; disagree = unmaps that differ + maps whose iova_to_phys is wrong; errors = maps that failed; peak/final = page-table pages.",
        "(a) the fixture was written as an AMD IOMMU v1 host would record it: an unmap of the first 4K of a 2M or 64K mapping removes the whole entry (unmapped_size = 2M/64K); formats without 64K pages (x86_64, vtdss, riscv_64 without Svnapot) unmap only 4K there, so they disagree and keep the rest mapped.",
        `(b) ok = maps that got an IOVA + unmaps that found theirs; disagree = maps placed at another address than the trace's (the fixture's addresses come from a simple top-down allocator, a recorded trace from the real kernel); errors = failed allocations + unmaps of unknown addresses; peak/final = bytes of struct iova + maple nodes + magazines over all devices' domains (DMA limit 2^${
          Math.log2(Number(DMA_BIT_MASK(48)) + 1)
        }, first try below 4 GiB).`,
      ],
      tables,
      plot: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        vconcat: charts,
        resolve: { scale: { color: "independent" } },
      },
    };
  } finally {
    bar.stop();
  }
}

if (import.meta.main) {
  Deno.exitCode = await runExperiment({
    name: "trace_replay",
    script: "scripts/experiments/trace_replay.ts",
    description:
      "Replays ftrace logs: iommu:map/unmap events against each page-table format (results vs the trace's sizes, table pages over time, final state) and dma:dma_map_page/dma_unmap_page events against each IOVA variant via alloc_iova_fast/free_iova_fast (failures, peak memory, placement differences). Default: the synthetic fixtures in scripts/experiments/fixtures/.",
    cpus: 4,
    options: {
      trace: {
        valueName: "FILE",
        description: "replay this ftrace text file instead of the fixtures",
      },
    },
    run,
  });
}
