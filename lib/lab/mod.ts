// Copyright 2026 the iommulab authors. MIT license.
/**
 * Experiment helpers: the common command line (`--quick`, `--json`,
 * `--svg FILE`, `--seed N`), text tables, SVG plots from Vega-Lite specs,
 * a progress bar on stderr, median timing, and {@link runExperiment}, the
 * driver that wires them so a script is its workload, rows and plot.
 *
 * @example Usage
 * ```ts ignore
 * import { medianNsPerOp, runExperiment } from "../../lib/lab/mod.ts";
 * Deno.exitCode = await runExperiment({
 *   name: "noop",
 *   script: "scripts/experiments/noop.ts",
 *   description: "Times an empty function.",
 *   run(ctx) {
 *     const t = medianNsPerOp(() => {}, { repeats: ctx.quick ? 3 : 15 });
 *     return {
 *       rows: [{ op: "noop", ns: t.medianNs }],
 *       plot: { data: { values: [{ x: 1, y: t.medianNs }] }, mark: "point",
 *         encoding: { x: { field: "x" }, y: { field: "y" } } },
 *     };
 *   },
 * });
 * ```
 *
 * @module
 */
export * from "./cli.ts";
export * from "./table.ts";
export * from "./timing.ts";
export * from "./progress.ts";
export * from "./plot.ts";
export * from "./run.ts";
export * from "./iova_util.ts";
export * from "./ftrace.ts";
export * from "./pt_util.ts";
