// Copyright 2026 the iommulab authors. MIT license.
/**
 * Runs KUnit suites under `deno test`: each suite is one `Deno.test`, each
 * case a step (parameters nested), and a failed case's step fails with the
 * KUnit failure text.
 *
 * The suite runs once, in KUnit order (`suite_init`, each case with `init`
 * and `exit`, `suite_exit`); the steps then report what each case did, so
 * the semantics are exactly those of `deno task kunit`.
 *
 * @module
 */
import type { KunitSuite } from "./case.ts";
import { kunit_run, type KunitRunResult } from "./executor.ts";
import { KUNIT_FAILURE, KUNIT_SKIPPED } from "./test.ts";

/** Thrown by a step whose KUnit case failed; the message is its log. */
export class KunitFailure extends Error {
  /** Creates the failure with the case's log. */
  constructor(name: string, log: readonly string[]) {
    super(`${name} failed:\n${log.join("\n")}`);
    this.name = "KunitFailure";
  }
}

async function report(
  t: Deno.TestContext,
  r: KunitRunResult & { params?: readonly KunitRunResult[] | null },
): Promise<void> {
  await t.step({
    name: r.name,
    ignore: r.status === KUNIT_SKIPPED && !r.params?.length,
    fn: async (st) => {
      for (const p of r.params ?? []) await report(st, p);
      if (r.status === KUNIT_FAILURE && !r.params?.length) {
        throw new KunitFailure(r.name, r.log);
      }
    },
  });
}

/** Registers one `Deno.test` per suite. */
export function kunit_deno_test(
  suites: readonly KunitSuite[],
  opts: { seed?: number; filter?: string | null } = {},
): void {
  for (const suite of suites) {
    Deno.test(`kunit: ${suite.name}`, async (t) => {
      const ktap: string[] = [];
      // Cases the filter leaves out stay visible as ignored steps.
      const run = kunit_run([suite], {
        write: (l) => ktap.push(l),
        seed: opts.seed ?? 0,
        filter: opts.filter ?? null,
        filter_action: "skip",
      });
      const result = run.suites[0];
      if (result === undefined) return;
      for (const c of result.cases) await report(t, c);
      // A failing case already failed its step; only a suite-level failure
      // (suite_init) is left to report here.
      if (
        result.status === KUNIT_FAILURE &&
        !result.cases.some((c) => c.status === KUNIT_FAILURE)
      ) {
        throw new KunitFailure(suite.name, ktap);
      }
    });
  }
}
