// Copyright 2026 the iommulab authors. MIT license.
/**
 * Medians of `Deno.bench` benchmarks. `deno bench` reports the mean, min
 * and percentiles from p75 up, not the median; this runner loads a bench
 * file with `Deno.bench` replaced by a collector, then times each
 * benchmark itself: after a warm-up, {@link SAMPLES} samples of enough
 * calls to last about 2 ms each, and prints the median time per call (and
 * per operation when the name says `(xN ...)`).
 *
 *     deno task bench:median lib/iova/iova_bench.ts [--filter TEXT] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Samples per benchmark. */
const SAMPLES = 31;
const SAMPLE_MS = 2;

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
  /** Median ns per operation (per call / N for names with `(xN`). */
  per_op_ns: number;
  /** Fastest sample, ns per call. */
  min_ns: number;
}

function collect(): Registered[] {
  const out: Registered[] = [];
  // deno-lint-ignore no-explicit-any
  (Deno as any).bench = (a: any, b?: any) => {
    const def = typeof a === "function"
      ? { name: a.name, fn: a }
      : typeof b === "function"
      ? { ...(typeof a === "string" ? { name: a } : a), fn: b }
      : a;
    if (def.ignore) return;
    out.push({ name: def.name, group: def.group ?? "", fn: def.fn });
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
  timeCalls(fn, calls); // warm-up at the final batch size
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
      const m = /\(x(\d+)/.exec(b.name);
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
