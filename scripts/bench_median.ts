// Copyright 2026 the iommulab authors. MIT license.
/**
 * Medians of `Deno.bench` benchmarks. `deno bench` reports the mean, min
 * and percentiles from p75 up, not the median; this runner loads a bench
 * file with `Deno.bench` replaced by a collector, then times each
 * benchmark itself: after a 300 ms warm-up, {@link SAMPLES} samples of
 * enough calls to last about 5 ms each, and prints the median time per call (and
 * per operation when the name says `xN`, e.g. `(x100 pairs)`).
 *
 *     deno task bench:median lib/iova/iova_bench.ts [--filter TEXT] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Samples per benchmark. */
const SAMPLES = 31;
const SAMPLE_MS = 5;
/** Warm-up before sampling, so that V8 has optimised the code. */
const WARMUP_MS = 300;

interface Registered {
  name: string;
  group: string;
  fn: () => void;
}

/** One benchmark's result. */
export interface MedianResult {
  /** The bench name. */
  name: string;
  /** Its group ("" when none). */
  group: string;
  /** Median ns per call of the bench function. */
  median_ns: number;
  /** Median ns per operation (per call / N for names with `xN`). */
  per_op_ns: number;
  /** Fastest sample, ns per call. */
  min_ns: number;
}

function collect(): Registered[] {
  const out: Registered[] = [];
  // Deno.bench(fn) | (name, fn) | (opts, fn) | (name, opts, fn) | (def)
  // deno-lint-ignore no-explicit-any
  (Deno as any).bench = (...args: any[]) => {
    const fn = args.find((a) => typeof a === "function");
    let def = {} as { name?: string; group?: string; ignore?: boolean };
    for (const a of args) {
      if (typeof a === "string") def = { ...def, name: a };
      else if (typeof a === "object" && a !== null) def = { ...def, ...a };
    }
    // deno-lint-ignore no-explicit-any
    const run = fn ?? (def as any).fn;
    if (def.ignore || typeof run !== "function") return;
    out.push({ name: def.name ?? run.name, group: def.group ?? "", fn: run });
  };
  return out;
}

function timeCalls(fn: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - t0) * 1e6;
}

/** Times one benchmark function: median and min ns per call. */
export function measure(fn: () => void): { median: number; min: number } {
  let calls = 1;
  let t = timeCalls(fn, calls);
  while (t < SAMPLE_MS * 1e6 && calls < 1 << 24) {
    calls *= 2;
    t = timeCalls(fn, calls);
  }
  for (let spent = 0; spent < WARMUP_MS * 1e6;) spent += timeCalls(fn, calls);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(timeCalls(fn, calls) / calls);
  samples.sort((x, y) => x - y);
  return { median: samples[(SAMPLES - 1) >> 1]!, min: samples[0]! };
}

function fmt(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { filter: { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error(
      "usage: bench_median.ts FILE_bench.ts... [--filter TEXT] [--json]",
    );
    Deno.exit(2);
  }
  const results: MedianResult[] = [];
  for (const file of positionals) {
    const registered = collect();
    await import(new URL(file, `file://${Deno.cwd()}/`).href);
    for (const b of registered) {
      if (values.filter && !b.name.includes(values.filter)) continue;
      const { median, min } = measure(b.fn);
      const m = /(?:^|[\s(])x(\d+)\b/.exec(b.name);
      const per = m ? median / Number(m[1]) : median;
      results.push({
        name: b.name,
        group: b.group,
        median_ns: median,
        per_op_ns: per,
        min_ns: min,
      });
      if (!values.json) {
        console.log(
          `${b.name.padEnd(64)} median ${fmt(median).padStart(10)}  per op ${
            fmt(per).padStart(10)
          }  (min ${fmt(min)})`,
        );
      }
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
}

if (import.meta.main) await main();
