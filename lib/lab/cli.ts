// Copyright 2026 the iommulab authors. MIT license.
/**
 * Command-line options shared by every experiment script: `--quick`,
 * `--json`, `--svg FILE`, `--seed N`, `--help`, plus string options a
 * script declares itself (e.g. `--trace FILE`).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The parsed options of an experiment run. */
export interface ExperimentArgs {
  /** Small parameters (seconds, for CI smoke tests). */
  quick: boolean;
  /** Print JSON on stdout instead of a table. */
  json: boolean;
  /** Write the plot as SVG to this file (null: no plot). */
  svg: string | null;
  /** The seed every random choice derives from. */
  seed: number;
  /** `--help` was given. */
  help: boolean;
  /** Values of the script's own string options (absent when not given). */
  extra: Record<string, string>;
}

/** A string option of one script (`--name VALUE`). */
export interface ExtraOption {
  /** Placeholder in the usage line (default `VALUE`). */
  valueName?: string;
  /** One line for the usage text. */
  description: string;
}

/** Bad command-line arguments: the driver prints the message and usage, exits 2. */
export class UsageError extends Error {
  /** Creates the error with a one-line `message`. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Options of {@link parseExperimentArgs}. */
export interface ParseExperimentArgsOptions {
  /** Seed used when `--seed` is absent (default 1). */
  defaultSeed?: number;
  /** The script's own string options, by name without `--`. */
  extraOptions?: Readonly<Record<string, ExtraOption>>;
}

const COMMON = ["quick", "json", "svg", "seed", "help"];

/**
 * Parses `argv` (e.g. `Deno.args`). Throws {@link UsageError} on unknown
 * options, positional arguments, a missing `--svg` file or a seed that is
 * not an integer in [0, 2^32-1].
 */
export function parseExperimentArgs(
  argv: readonly string[],
  opts: ParseExperimentArgsOptions = {},
): ExperimentArgs {
  let values: Record<string, string | boolean | undefined>;
  const extraNames = Object.keys(opts.extraOptions ?? {});
  for (const n of extraNames) {
    if (COMMON.includes(n) || !/^[a-z][a-z0-9-]*$/.test(n)) {
      throw new TypeError(`extra option name is invalid: ${JSON.stringify(n)}`);
    }
  }
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        svg: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        ...Object.fromEntries(
          extraNames.map((n) => [n, { type: "string" as const }]),
        ),
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
  let seed = opts.defaultSeed ?? 1;
  if (values.seed !== undefined) {
    const s = String(values.seed);
    if (!/^\d+$/.test(s) || Number(s) > 0xffff_ffff) {
      throw new UsageError(
        `--seed must be an integer in [0, 4294967295], got ${
          JSON.stringify(s)
        }`,
      );
    }
    seed = Number(s);
  }
  const svg = values.svg === undefined ? null : String(values.svg);
  if (svg !== null && (svg === "" || svg.startsWith("-"))) {
    throw new UsageError(`--svg needs a file name, got ${JSON.stringify(svg)}`);
  }
  const extra: Record<string, string> = {};
  for (const n of extraNames) {
    const v = values[n];
    if (v === undefined) continue;
    const sv = String(v);
    if (sv === "" || sv.startsWith("-")) {
      throw new UsageError(`--${n} needs a value, got ${JSON.stringify(sv)}`);
    }
    extra[n] = sv;
  }
  return {
    quick: values.quick === true,
    json: values.json === true,
    svg,
    seed,
    help: values.help === true,
    extra,
  };
}

/** The usage text of an experiment script named `script`. */
export function experimentUsage(
  script: string,
  description: string,
  extraOptions: Readonly<Record<string, ExtraOption>> = {},
): string {
  const extra = Object.entries(extraOptions).map(([n, o]) =>
    [`--${n} ${o.valueName ?? "VALUE"}`, o.description] as const
  );
  return [
    `usage: deno run -A ${script} [--quick] [--json] [--svg FILE] [--seed N]` +
    extra.map(([f]) => ` [${f}]`).join(""),
    "",
    description,
    "",
    "  --quick      small parameters (a few seconds)",
    "  --json       JSON on stdout instead of a table",
    "  --svg FILE   also write the plot (Vega-Lite rendered to SVG) to FILE",
    "  --seed N     seed of every random choice (default 1; printed)",
    ...extra.map(([f, d]) => `  ${f.padEnd(12)} ${d}`),
    "  -h, --help   this text",
  ].join("\n");
}
