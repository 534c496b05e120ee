// Copyright 2026 the iommulab authors. MIT license.
/**
 * The experiment driver: parses the common options, prepares the simulated
 * kernel (seeded PRNG, KASAN off), runs the workload and prints a table
 * (or JSON) on stdout, progress on stderr, the plot as SVG.
 *
 * @module
 */
import { kernel_reset, Xoshiro128 } from "../kernel/mod.ts";
import {
  type ExperimentArgs,
  experimentUsage,
  type ExtraOption,
  parseExperimentArgs,
  UsageError,
} from "./cli.ts";
import { createProgress, type Progress } from "./progress.ts";
import { formatTable, type Row } from "./table.ts";
import { renderSvg, type VegaLiteSpec } from "./plot.ts";

/** What a workload gets from {@link runExperiment}. */
export interface ExperimentContext {
  /** The parsed command line. */
  args: ExperimentArgs;
  /** `args.quick`. */
  quick: boolean;
  /** `args.seed`. */
  seed: number;
  /** A generator seeded with `seed`, for the workload's own choices. */
  rng: Xoshiro128;
  /** A progress bar on stderr (a no-op with `--json` or without a TTY). */
  progress(total: number, label: string): Progress;
  /** A diagnostic line on stderr (suppressed with `--json`). */
  log(message: string): void;
}

/** An extra table printed after the main one (and kept in the JSON). */
export interface ExperimentTable {
  /** Heading. */
  title: string;
  /** Rows. */
  rows: Row[];
  /** Column order (default: keys of the first row). */
  columns?: string[];
}

/** What a workload returns. */
export interface ExperimentResult {
  /** The main table. */
  rows: Row[];
  /** Column order (default: keys of the first row). */
  columns?: string[];
  /** Parameters the run used (kept in the JSON, printed as one line). */
  params?: Record<string, unknown>;
  /** Lines printed under the table. */
  notes?: string[];
  /** More tables. */
  tables?: ExperimentTable[];
  /** The plot, a Vega-Lite spec with inline data. */
  plot?: VegaLiteSpec;
}

/** An experiment script. */
export interface ExperimentDefinition {
  /** Short name (`memory_per_iova`). */
  name: string;
  /** The script path for the usage line. */
  script: string;
  /** One paragraph: what it measures. */
  description: string;
  /** Simulated CPU count (default: unchanged). */
  cpus?: number;
  /** The script's own string options (`--name VALUE`), in `ctx.args.extra`. */
  options?: Readonly<Record<string, ExtraOption>>;
  /** The workload. */
  run(ctx: ExperimentContext): ExperimentResult | Promise<ExperimentResult>;
}

/** Where {@link runExperiment} writes (default: the process's stdout/stderr). */
export interface ExperimentIo {
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
}

const defaultIo: ExperimentIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
};

/** Replaces non-finite numbers by null so the JSON stays valid and exact. */
function finiteRows(rows: readonly Row[]): Row[] {
  return rows.map((r) => {
    const o: Row = {};
    for (const [k, v] of Object.entries(r)) {
      o[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
    }
    return o;
  });
}

/**
 * Runs `def` with `argv` and returns the exit status: 0, 2 for bad
 * arguments (one error line and the usage on stderr), 1 when the workload
 * throws.
 *
 * @example Usage
 * ```ts ignore
 * import { runExperiment } from "./mod.ts";
 * Deno.exitCode = await runExperiment({
 *   name: "demo", script: "demo.ts", description: "demo",
 *   run: (ctx) => ({ rows: [{ seed: ctx.seed }] }),
 * });
 * ```
 */
export async function runExperiment(
  def: ExperimentDefinition,
  argv: readonly string[] = Deno.args,
  io: ExperimentIo = defaultIo,
): Promise<number> {
  const usage = experimentUsage(def.script, def.description, def.options);
  let args: ExperimentArgs;
  try {
    args = parseExperimentArgs(argv, { extraOptions: def.options });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`error: ${e.message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    io.out(usage);
    return 0;
  }
  kernel_reset({ seed: args.seed, kasan: false, cpus: def.cpus });
  const ctx: ExperimentContext = {
    args,
    quick: args.quick,
    seed: args.seed,
    rng: new Xoshiro128(args.seed),
    progress: (total, label) =>
      createProgress({
        total,
        label,
        enabled: !args.json && Deno.stderr.isTerminal(),
      }),
    log: (m) => {
      if (!args.json) io.err(m);
    },
  };
  const t0 = performance.now();
  let res: ExperimentResult;
  try {
    res = await def.run(ctx);
  } catch (e) {
    // Bad input files (a trace line, a missing file): the message says it
    // all; anything else is a bug, shown with its stack.
    const input = e instanceof SyntaxError || e instanceof Deno.errors.NotFound;
    io.err(
      `${def.name}: ${input ? (e as Error).message : (e as Error).stack ?? e}`,
    );
    return 1;
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (args.svg !== null) {
    if (res.plot === undefined) {
      io.err(`${def.name}: this experiment has no plot`);
      return 1;
    }
    await Deno.writeTextFile(args.svg, await renderSvg(res.plot));
    if (!args.json) io.err(`wrote ${args.svg}`);
  }
  if (args.json) {
    io.out(JSON.stringify(
      {
        experiment: def.name,
        seed: args.seed,
        quick: args.quick,
        params: res.params ?? {},
        columns: res.columns ?? Object.keys(res.rows[0] ?? {}),
        rows: finiteRows(res.rows),
        notes: res.notes ?? [],
        tables: (res.tables ?? []).map((t) => ({
          title: t.title,
          columns: t.columns ?? Object.keys(t.rows[0] ?? {}),
          rows: finiteRows(t.rows),
        })),
        elapsed_s: Number(elapsed.toFixed(3)),
      },
      null,
      2,
    ));
    return 0;
  }
  const lines: string[] = [];
  lines.push(
    `# ${def.name}  (seed ${args.seed}${args.quick ? ", quick" : ""})`,
  );
  if (res.params !== undefined) {
    lines.push(
      Object.entries(res.params).map(([k, v]) =>
        `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`
      ).join("  "),
    );
  }
  lines.push("", formatTable(res.rows, { columns: res.columns }));
  for (const t of res.tables ?? []) {
    lines.push(
      "",
      `## ${t.title}`,
      formatTable(t.rows, { columns: t.columns }),
    );
  }
  if (res.notes?.length) lines.push("", ...res.notes.map((n) => `note: ${n}`));
  lines.push("", `(${elapsed.toFixed(1)} s; rerun with --seed ${args.seed})`);
  io.out(lines.join("\n"));
  return 0;
}
