// Copyright 2026 the iommulab authors. MIT license.
/**
 * Declarative scenario files: tests written as data (subjects, steps,
 * expected results), validated against one schema and run as KUnit suites
 * next to the code suites. See the README's "Writing a scenario".
 *
 * ```ts
 * import type { ScenarioFile } from "./mod.ts";
 *
 * export default {
 *   scenarios: [{
 *     name: "top_of_32bit_space",
 *     subjects: { iova: { variant: "maple-v4" } },
 *     steps: [
 *       { op: "alloc", size: 4, limit: "32bit", aligned: true, as: "a",
 *         expect: "0xffffc" },
 *       { op: "free", iova: "a" },
 *       { op: "check", invariants: true, counters: { live_iovas: 0 } },
 *     ],
 *   }],
 * } satisfies ScenarioFile;
 * ```
 *
 * @module
 */
export * from "./schema.ts";
export * from "./errors.ts";
export * from "./load.ts";
export * from "./expect.ts";
export * from "./values.ts";
export * from "./subjects.ts";
export * from "./steps.ts";
export * from "./suite.ts";
export * from "./reference.ts";
