// Copyright 2026 the iommulab authors. MIT license.
/**
 * Reading and writing ftrace text (`/sys/kernel/tracing/trace`) for the
 * events trace replay needs, in the kernel's exact output formats (6.12):
 *
 * - the line context of `trace_print_context()`:
 *   `%16s-%-7d [%03d] ` (task-pid, cpu), an optional `(%7d) ` tgid column
 *   (`options/record-tgid`), an optional irq-info column of 4-5 flag
 *   characters (`options/irq-info`, on by default), the timestamp
 *   `%5lu.%06lu` (or a raw counter), `: `, then `<event>: ` as
 *   `trace_raw_output_prep()` prints it, optionally with the `<system>:`
 *   prefix other tools add;
 * - `iommu:map` and `iommu:unmap` (include/trace/events/iommu.h):
 *   `IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu` and
 *   `IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu`;
 * - `dma:dma_map_page`/`dma_map_resource` and `dma:dma_unmap_page`/
 *   `dma_unmap_resource` (include/trace/events/dma.h):
 *   `%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s` and
 *   `%s dir=%s dma_addr=%llx size=%zu attrs=%s`.
 *
 * Comment lines (`#`) and blank lines are skipped, other events are
 * counted and ignored, `CPU:N [LOST M EVENTS]` lines are counted; anything
 * else is a {@link TraceSyntaxError} naming the file and line.
 *
 * @module
 */

/** A line that is not valid ftrace output for the events read. */
export class TraceSyntaxError extends SyntaxError {
  /** 1-based line number. */
  readonly line: number;
  /** The file name given to the parser. */
  readonly file: string;
  /** Creates `file:line: message`. */
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = "TraceSyntaxError";
    this.file = file;
    this.line = line;
  }
}

/** The context columns of one event line. */
export interface FtraceContext {
  /** 1-based line number in the file. */
  line: number;
  /** Task name (comm). */
  task: string;
  /** Pid. */
  pid: number;
  /** CPU. */
  cpu: number;
  /** The irq-info flags column, null when absent. */
  flags: string | null;
  /** Timestamp in seconds (or counter ticks). */
  ts: number;
}

/** `iommu:map`: `iommu_map()` mapped `size` bytes at `iova` to `paddr`. */
export interface IommuMapEvent extends FtraceContext {
  /** Event kind. */
  kind: "map";
  /** IOVA. */
  iova: bigint;
  /** Physical address. */
  paddr: bigint;
  /** Bytes. */
  size: bigint;
}

/** `iommu:unmap`: `__iommu_unmap()` asked for `size`, unmapped `unmapped`. */
export interface IommuUnmapEvent extends FtraceContext {
  /** Event kind. */
  kind: "unmap";
  /** IOVA. */
  iova: bigint;
  /** Bytes asked for. */
  size: bigint;
  /** Bytes unmapped (`unmapped_size`). */
  unmapped: bigint;
}

/** An `iommu:map` or `iommu:unmap` event. */
export type IommuTraceEvent = IommuMapEvent | IommuUnmapEvent;

/** `dma:dma_map_page` (or `dma_map_resource`). */
export interface DmaMapEvent extends FtraceContext {
  /** Event kind. */
  kind: "map";
  /** `dev_name(dev)`. */
  device: string;
  /** `BIDIRECTIONAL`, `TO_DEVICE`, `FROM_DEVICE` or `NONE`. */
  dir: string;
  /** The DMA address returned. */
  dma_addr: bigint;
  /** Bytes. */
  size: number;
  /** Physical address. */
  phys_addr: bigint;
  /** Decoded attrs (`SKIP_CPU_SYNC|...`, empty for none). */
  attrs: string;
}

/** `dma:dma_unmap_page` (or `dma_unmap_resource`). */
export interface DmaUnmapEvent extends FtraceContext {
  /** Event kind. */
  kind: "unmap";
  /** `dev_name(dev)`. */
  device: string;
  /** Direction. */
  dir: string;
  /** The DMA address being unmapped. */
  dma_addr: bigint;
  /** Bytes. */
  size: number;
  /** Decoded attrs. */
  attrs: string;
}

/** A DMA-API map or unmap event. */
export type DmaTraceEvent = DmaMapEvent | DmaUnmapEvent;

/** What {@link parseFtrace} found. */
export interface ParsedFtrace {
  /** `iommu:map`/`iommu:unmap` events in file order. */
  iommu: IommuTraceEvent[];
  /** DMA-API map/unmap events in file order. */
  dma: DmaTraceEvent[];
  /** Event lines of other events. */
  ignored: number;
  /** Events the ring buffer lost (`CPU:N [LOST M EVENTS]`). */
  lost: number;
}

const CONTEXT_RE =
  /^\s*(.+?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([.A-Za-z0-9]{4,5})\s+)?(\d+(?:\.\d+)?):\s+(?:([A-Za-z0-9_]+):)?([A-Za-z0-9_]+):(?: (.*))?$/;
const LOST_RE = /^CPU:\d+ \[LOST (\d+) EVENTS\]$/;
const HEX = "([0-9a-fA-F]{1,16})";
const MAP_RE = new RegExp(
  `^IOMMU: iova=0x${HEX} - 0x${HEX} paddr=0x${HEX} size=(\\d+)$`,
);
const UNMAP_RE = new RegExp(
  `^IOMMU: iova=0x${HEX} - 0x${HEX} size=(\\d+) unmapped_size=(\\d+)$`,
);
const DIRS = "(BIDIRECTIONAL|TO_DEVICE|FROM_DEVICE|NONE)";
const DMA_MAP_RE = new RegExp(
  `^(\\S+) dir=${DIRS} dma_addr=${HEX} size=(\\d+) phys_addr=${HEX} attrs=(\\S*)$`,
);
const DMA_UNMAP_RE = new RegExp(
  `^(\\S+) dir=${DIRS} dma_addr=${HEX} size=(\\d+) attrs=(\\S*)$`,
);
const U64 = (1n << 64n) - 1n;

const IOMMU_EVENTS = new Set(["map", "unmap"]);
const DMA_MAP_EVENTS = new Set(["dma_map_page", "dma_map_resource"]);
const DMA_UNMAP_EVENTS = new Set(["dma_unmap_page", "dma_unmap_resource"]);

function sizeNumber(
  file: string,
  line: number,
  s: string,
): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) {
    throw new TraceSyntaxError(file, line, `size ${s} is out of range`);
  }
  return n;
}

/**
 * Parses ftrace text: the `iommu:map`/`iommu:unmap` and DMA-API map/unmap
 * events, in file order. Throws {@link TraceSyntaxError} (with the file
 * name and 1-based line) on a line that is not ftrace output or on a
 * payload of a known event that does not match the kernel's format
 * (including an `iova - end` pair where end is not iova + size).
 */
export function parseFtrace(text: string, file = "trace"): ParsedFtrace {
  const out: ParsedFtrace = { iommu: [], dma: [], ignored: 0, lost: 0 };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    const lineNo = i + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const lost = LOST_RE.exec(raw.trim());
    if (lost) {
      out.lost += Number(lost[1]);
      continue;
    }
    const m = CONTEXT_RE.exec(raw);
    if (m === null) {
      throw new TraceSyntaxError(
        file,
        lineNo,
        `not an ftrace event line (want "<task>-<pid> [cpu] [flags] <timestamp>: <event>: ..."): ${
          JSON.stringify(raw.slice(0, 80))
        }`,
      );
    }
    const [, task, pid, cpu, flags, ts, system, event, payload = ""] = m;
    const ctx: FtraceContext = {
      line: lineNo,
      task: task!.trim(),
      pid: Number(pid),
      cpu: Number(cpu),
      flags: flags ?? null,
      ts: Number(ts),
    };
    const bad = (what: string, format: string): never => {
      throw new TraceSyntaxError(
        file,
        lineNo,
        `cannot parse ${what} event (want "${format}"): ${
          JSON.stringify(payload.slice(0, 80))
        }`,
      );
    };
    if (
      IOMMU_EVENTS.has(event!) && (system === undefined || system === "iommu")
    ) {
      if (event === "map") {
        const p = MAP_RE.exec(payload) ??
          bad(
            "iommu:map",
            "IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu",
          );
        const iova = BigInt(`0x${p[1]}`);
        const size = BigInt(p[4]!);
        if (((iova + size) & U64) !== BigInt(`0x${p[2]}`)) {
          throw new TraceSyntaxError(
            file,
            lineNo,
            `iommu:map end 0x${p[2]} is not iova + size`,
          );
        }
        out.iommu.push({
          ...ctx,
          kind: "map",
          iova,
          paddr: BigInt(`0x${p[3]}`),
          size,
        });
      } else {
        const p = UNMAP_RE.exec(payload) ??
          bad(
            "iommu:unmap",
            "IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu",
          );
        const iova = BigInt(`0x${p[1]}`);
        const size = BigInt(p[3]!);
        if (((iova + size) & U64) !== BigInt(`0x${p[2]}`)) {
          throw new TraceSyntaxError(
            file,
            lineNo,
            `iommu:unmap end 0x${p[2]} is not iova + size`,
          );
        }
        out.iommu.push({
          ...ctx,
          kind: "unmap",
          iova,
          size,
          unmapped: BigInt(p[4]!),
        });
      }
    } else if (
      DMA_MAP_EVENTS.has(event!) && (system === undefined || system === "dma")
    ) {
      const p = DMA_MAP_RE.exec(payload) ??
        bad(
          `dma:${event}`,
          "%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s",
        );
      out.dma.push({
        ...ctx,
        kind: "map",
        device: p[1]!,
        dir: p[2]!,
        dma_addr: BigInt(`0x${p[3]}`),
        size: sizeNumber(file, lineNo, p[4]!),
        phys_addr: BigInt(`0x${p[5]}`),
        attrs: p[6]!,
      });
    } else if (
      DMA_UNMAP_EVENTS.has(event!) &&
      (system === undefined || system === "dma")
    ) {
      const p = DMA_UNMAP_RE.exec(payload) ??
        bad(`dma:${event}`, "%s dir=%s dma_addr=%llx size=%zu attrs=%s");
      out.dma.push({
        ...ctx,
        kind: "unmap",
        device: p[1]!,
        dir: p[2]!,
        dma_addr: BigInt(`0x${p[3]}`),
        size: sizeNumber(file, lineNo, p[4]!),
        attrs: p[5]!,
      });
    } else {
      out.ignored++;
    }
  }
  return out;
}

/** The context of a line {@link formatFtraceLine} writes. */
export interface FtraceLineOptions {
  /** Task name. */
  task: string;
  /** Pid. */
  pid: number;
  /** CPU. */
  cpu: number;
  /** irq-info flags (e.g. `d..1.`), or null for `options/noirq-info`. */
  flags: string | null;
  /** Timestamp in seconds. */
  ts: number;
  /** Event name as ftrace prints it (`map`, `dma_map_page`). */
  event: string;
  /** The event's TP_printk output. */
  payload: string;
}

/** One line as `trace_print_context()` + `trace_raw_output_prep()` print it. */
export function formatFtraceLine(o: FtraceLineOptions): string {
  const secs = Math.floor(o.ts);
  const usecs = Math.round((o.ts - secs) * 1e6);
  const time = `${String(secs).padStart(5)}.${String(usecs).padStart(6, "0")}`;
  return `${o.task.padStart(16)}-${String(o.pid).padEnd(7)} [${
    String(o.cpu).padStart(3, "0")
  }] ${o.flags === null ? "" : `${o.flags} `}${time}: ${o.event}: ${o.payload}`;
}

function hex16(v: bigint): string {
  return (v & U64).toString(16).padStart(16, "0");
}

/** The `iommu:map` TP_printk output. */
export function formatIommuMap(
  iova: bigint,
  paddr: bigint,
  size: bigint,
): string {
  return `IOMMU: iova=0x${hex16(iova)} - 0x${hex16(iova + size)} paddr=0x${
    hex16(paddr)
  } size=${size}`;
}

/** The `iommu:unmap` TP_printk output. */
export function formatIommuUnmap(
  iova: bigint,
  size: bigint,
  unmapped: bigint,
): string {
  return `IOMMU: iova=0x${hex16(iova)} - 0x${
    hex16(iova + size)
  } size=${size} unmapped_size=${unmapped}`;
}

/** The `dma:dma_map_page` TP_printk output. */
export function formatDmaMap(
  device: string,
  dir: string,
  dma_addr: bigint,
  size: number,
  phys_addr: bigint,
  attrs = "",
): string {
  return `${device} dir=${dir} dma_addr=${
    dma_addr.toString(16)
  } size=${size} phys_addr=${phys_addr.toString(16)} attrs=${attrs}`;
}

/** The `dma:dma_unmap_page` TP_printk output. */
export function formatDmaUnmap(
  device: string,
  dir: string,
  dma_addr: bigint,
  size: number,
  attrs = "",
): string {
  return `${device} dir=${dir} dma_addr=${
    dma_addr.toString(16)
  } size=${size} attrs=${attrs}`;
}
