// Copyright 2026 the iommulab authors. MIT license.
/**
 * Command-line options shared by every experiment script: `--quick`,
 * `--json`, `--svg FILE`, `--seed N`, `--help`.
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
}

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
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        svg: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
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
  return {
    quick: values.quick === true,
    json: values.json === true,
    svg,
    seed,
    help: values.help === true,
  };
}

/** The usage text of an experiment script named `script`. */
export function experimentUsage(script: string, description: string): string {
  return [
    `usage: deno run -A ${script} [--quick] [--json] [--svg FILE] [--seed N]`,
    "",
    description,
    "",
    "  --quick      small parameters (a few seconds)",
    "  --json       JSON on stdout instead of a table",
    "  --svg FILE   also write the plot (Vega-Lite rendered to SVG) to FILE",
    "  --seed N     seed of every random choice (default 1; printed)",
    "  -h, --help   this text",
  ].join("\n");
}
