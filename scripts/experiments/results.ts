// Copyright 2026 the iommulab authors. MIT license.
/**
 * Regenerates the committed results: runs every experiment with its
 * default parameters, writes `docs/results/<experiment>.json` (the
 * script's `--json` output) and `docs/results/<experiment>.svg`, then a
 * markdown fragment `docs/results/results.md` (machine, command, one
 * headline table and the plot per experiment), and splices that fragment
 * into README.md between the `<!-- results:begin -->` and
 * `<!-- results:end -->` markers.
 *
 *     deno task results            # all experiments
 *     deno task results pt_cost    # only the named ones (the fragment keeps the others' JSON)
 *
 * @module
 */
import os from "node:os";
import { formatCell, type Row } from "../../lib/lab/mod.ts";

/** The experiments in README order. */
export const EXPERIMENTS = [
  "memory_per_iova",
  "cost_vs_size",
  "placement_divergence",
  "deferred_erase",
  "rcache",
  "pt_cost",
  "trace_replay",
] as const;

const BEGIN = "<!-- results:begin -->";
const END = "<!-- results:end -->";
const MAX_ROWS = 16;

interface ExperimentJson {
  experiment: string;
  seed: number;
  params: Record<string, unknown>;
  columns: string[];
  rows: Row[];
  notes: string[];
  elapsed_s: number;
}

/** Which rows and columns of each experiment's main table the README shows. */
const HEADLINE: Partial<
  Record<string, { rows?: (r: Row) => boolean; columns?: string[] }>
> = {
  cost_vs_size: { rows: (r) => r.limit_bits === 32 },
  pt_cost: {
    rows: (r) => ["2^12", "256×2^12", "256×2^21"].includes(String(r.pgsz)),
    columns: [
      "format",
      "pgsz",
      "map_ns",
      "map_each_ns",
      "map_each_nofp_ns",
      "fastpath_pct",
      "unmap_ns",
      "unmap_each_ns",
      "batch_unmap_pct",
    ],
  },
};

/** A markdown table of `rows` (numbers formatted as the text tables do). */
export function markdownTable(rows: readonly Row[], columns: string[]): string {
  const esc = (s: string): string => s.replaceAll("|", "\\|");
  const right = columns.map((c) => rows.some((r) => typeof r[c] === "number"));
  return [
    `| ${columns.map(esc).join(" | ")} |`,
    `| ${right.map((r) => (r ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) =>
      `| ${columns.map((c) => esc(formatCell(r[c] ?? null))).join(" | ")} |`
    ),
  ].join("\n");
}

// The CPU model as /proc/cpuinfo's "model name" gives it (node:os reads it;
// Deno's own read of /proc files needs --allow-all).
function cpuModel(): string {
  try {
    return os.cpus()[0]?.model.trim() || "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

/** The markdown fragment for the README from the experiments' JSON. */
export function resultsFragment(
  results: readonly ExperimentJson[],
  machine: string,
): string {
  const out: string[] = [
    BEGIN,
    "",
    `Machine: ${machine}. Regenerate with \`deno task results\` (every experiment with its defaults; writes \`docs/results/<experiment>.json\` and \`.svg\` and this section).`,
    "",
  ];
  for (const j of results) {
    const h = HEADLINE[j.experiment] ?? {};
    const all = h.rows ? j.rows.filter(h.rows) : j.rows;
    const rows = all.slice(0, MAX_ROWS);
    const columns = h.columns ?? j.columns;
    out.push(
      `### ${j.experiment}`,
      "",
      `\`scripts/experiments/${j.experiment}.ts\`, seed ${j.seed}, ${
        j.elapsed_s.toFixed(1)
      } s. ` +
        (rows.length < j.rows.length
          ? `${rows.length} of ${j.rows.length} rows; the full table is in \`docs/results/${j.experiment}.json\`.`
          : `Full table; JSON in \`docs/results/${j.experiment}.json\`.`),
      "",
      markdownTable(rows, columns),
      "",
      `![${j.experiment}](docs/results/${j.experiment}.svg)`,
      "",
    );
  }
  out.push(END);
  return out.join("\n");
}

/** Replaces the marked section of `readme` by `fragment` (which has the markers). */
export function spliceReadme(readme: string, fragment: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) {
    throw new SyntaxError(
      `README.md has no "${BEGIN}" ... "${END}" section to replace`,
    );
  }
  return readme.slice(0, a) + fragment + readme.slice(b + END.length);
}

async function runOne(name: string, outDir: URL): Promise<ExperimentJson> {
  const script = new URL(`./${name}.ts`, import.meta.url);
  const svg = new URL(`${name}.svg`, outDir);
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      script.pathname,
      "--json",
      "--svg",
      svg.pathname,
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const r = await cmd.output();
  if (r.code !== 0) throw new Error(`${name} exited with ${r.code}`);
  const text = new TextDecoder().decode(r.stdout);
  await Deno.writeTextFile(new URL(`${name}.json`, outDir), text);
  return JSON.parse(text) as ExperimentJson;
}

if (import.meta.main) {
  const root = new URL("../../", import.meta.url);
  const outDir = new URL("docs/results/", root);
  await Deno.mkdir(outDir, { recursive: true });
  const only = Deno.args.length ? Deno.args : [...EXPERIMENTS];
  for (const n of only) {
    if (!(EXPERIMENTS as readonly string[]).includes(n)) {
      console.error(`unknown experiment ${JSON.stringify(n)}`);
      Deno.exit(2);
    }
  }
  const results: ExperimentJson[] = [];
  for (const name of EXPERIMENTS) {
    if (only.includes(name)) {
      console.error(`running ${name} ...`);
      results.push(await runOne(name, outDir));
    } else {
      const f = new URL(`${name}.json`, outDir);
      try {
        results.push(JSON.parse(await Deno.readTextFile(f)));
      } catch {
        console.error(`skipping ${name}: no earlier JSON`);
      }
    }
  }
  const machine =
    `${navigator.hardwareConcurrency} cores (${cpuModel()}), Deno ${Deno.version.deno}`;
  const fragment = resultsFragment(results, machine);
  await Deno.writeTextFile(new URL("results.md", outDir), fragment + "\n");
  const readmeUrl = new URL("README.md", root);
  const readme = await Deno.readTextFile(readmeUrl);
  await Deno.writeTextFile(readmeUrl, spliceReadme(readme, fragment));
  // `deno fmt --check` covers README.md and docs/: leave them formatted.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", readmeUrl.pathname, outDir.pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (fmt.code !== 0) throw new Error(`deno fmt exited with ${fmt.code}`);
  console.error(`wrote docs/results/ and the README's Results section`);
}
