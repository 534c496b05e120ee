// Copyright 2026 the iommulab authors. MIT license.
// The KTAP of self-test suites (passing, failing, skipping, parameterised,
// a suite_init failure, a filtered skip), fed to the kernel's own
// `kunit.py parse`, must give the counts our executor reports. Ignored,
// with the reason in its name, where python3 or linux-source-6.12 is absent.
import assert from "node:assert/strict";
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ,
  KUNIT_CASE,
  KUNIT_CASE_PARAM,
  KUNIT_CASE_SLOW,
  KUNIT_EXPECT_EQ,
  kunit_info,
  kunit_make_suite,
  kunit_mark_skipped,
  kunit_run,
  kunit_skip,
  type KunitCounts,
  type KunitRunOptions,
} from "./mod.ts";
import { locateKunitPy, runKunitPyParse } from "./kunit_py.ts";

function passes(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 2 + 2, 4);
}
function fails(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 2 + 2, 5);
}
function asserts(test: Kunit): void {
  KUNIT_ASSERT_EQ(test, 1, 0);
}
function skips(test: Kunit): void {
  kunit_skip(test, "not here");
}
function marks(test: Kunit): void {
  kunit_mark_skipped(test, "");
  kunit_info(test, "still running");
}
function params(test: Kunit<number>): void {
  if (test.param_value === 1) kunit_skip(test, "odd");
  KUNIT_EXPECT_EQ(test, test.param_value % 3, 2);
}
const gen = KUNIT_ARRAY_PARAM([1, 2, 3, 5], (v) => `value ${v}`);

const suites = [
  kunit_make_suite({
    name: "selftest_pass",
    test_cases: [KUNIT_CASE(passes), KUNIT_CASE_SLOW(marks)],
  }, "selftest"),
  kunit_make_suite({
    name: "selftest_mixed",
    test_cases: [
      KUNIT_CASE(passes),
      KUNIT_CASE(fails),
      KUNIT_CASE(asserts),
      KUNIT_CASE(skips),
      KUNIT_CASE_PARAM(params, gen),
    ],
  }, "selftest"),
  kunit_make_suite({
    name: "selftest_all_skipped",
    test_cases: [KUNIT_CASE(skips)],
  }, "selftest"),
  kunit_make_suite({
    name: "selftest_suite_init_fails",
    suite_init: () => -12,
    test_cases: [KUNIT_CASE(passes)],
  }, "selftest"),
];

function ktapOf(opts: KunitRunOptions): { ktap: string; counts: KunitCounts } {
  const lines: string[] = [];
  const run = kunit_run(suites, { ...opts, write: (l) => lines.push(l) });
  return { ktap: lines.join("\n") + "\n", counts: run.counts };
}

function summary(c: KunitCounts): string {
  const fields = [
    ["passed", c.passed],
    ["failed", c.failed],
    ["skipped", c.skipped],
  ].filter(([, n]) => n !== 0).map(([k, n]) => `${k}: ${n}`);
  return `Testing complete. Ran ${c.total} tests: ${fields.join(", ")}`;
}

const where = await locateKunitPy();
if (!where.ok) {
  Deno.test({
    name: `kunit.py agrees with the executor: SKIPPED, ${where.reason}`,
    ignore: true,
    fn() {},
  });
} else {
  for (
    const [label, opts] of [
      ["everything", {}],
      ["filter_action=skip", { filter: "speed>slow", filter_action: "skip" }],
      ["one suite", { filter_glob: "selftest_pass" }],
    ] as [string, KunitRunOptions][]
  ) {
    Deno.test(`kunit.py agrees with the executor: ${label}`, async () => {
      const { ktap, counts } = ktapOf(opts);
      const r = await runKunitPyParse(ktap);
      assert.ok(r);
      assert.equal(r.stderr, "");
      assert.equal(r.summaryLine, summary(counts), ktap);
      assert.equal(r.code, counts.failed === 0 && counts.passed > 0 ? 0 : 1);
    });
  }
}
