// Copyright 2026 the iommulab authors. MIT license.
// Self-test of the KUnit mirror, in the spirit of lib/kunit/kunit-test.c:
// suites that pass, fail, skip, use params, resources and stubs run in a
// captured executor, and the KTAP and results they produce are checked.
import assert from "node:assert/strict";
import { ERR_PTR } from "../kernel/err.ts";
import { ENOMEM } from "../kernel/errno.ts";
import { kunit_fail_current_test } from "../kernel/test_bug.ts";
import { WARN_ON } from "../kernel/bug.ts";
import {
  type Kunit,
  kunit_activate_static_stub,
  kunit_add_action,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_NOT_ERR_OR_NULL,
  KUNIT_CASE,
  KUNIT_CASE_PARAM,
  KUNIT_CASE_PARAM_WITH_INIT,
  KUNIT_CASE_SLOW,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_EQ_MSG,
  KUNIT_EXPECT_FALSE,
  KUNIT_EXPECT_GT,
  KUNIT_EXPECT_MEMEQ,
  KUNIT_EXPECT_NOT_ERR_OR_NULL,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_STREQ,
  KUNIT_EXPECT_TRUE,
  KUNIT_FAIL,
  kunit_info,
  kunit_kzalloc,
  kunit_list,
  kunit_make_suite,
  kunit_mark_skipped,
  kunit_release_action,
  kunit_remove_action,
  kunit_run,
  kunit_skip,
  KUNIT_STATIC_STUB_REDIRECT,
  type KunitRunOptions,
  type KunitSuiteDef,
} from "./mod.ts";
import { parse_ktap } from "./ktap_parser.ts";

const HERE = "lib/kunit/kunit_test.ts";

function run(defs: KunitSuiteDef[], opts: KunitRunOptions = {}) {
  const lines: string[] = [];
  const suites = defs.map((d) => kunit_make_suite(d, "kunit_example_test"));
  const result = kunit_run(suites, { write: (l) => lines.push(l), ...opts });
  return { lines, text: lines.join("\n"), result };
}

/** The line number of the first line of this file containing `marker`. */
function lineOf(marker: string): number {
  const src = Deno.readTextFileSync(new URL(import.meta.url));
  const i = src.split("\n").findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, marker);
  return i + 1;
}

// The §3.3 sample of the reference: what 6.12 prints for a cut-down
// example suite.
function example_simple_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}
const example_gen_params = KUNIT_ARRAY_PARAM(
  [3, 2],
  (v) => `example value ${v}`,
);
function example_params_test(test: Kunit<number>): void {
  if (test.param_value % 2) {
    kunit_skip(test, `unsupported param value ${test.param_value}`);
  }
  KUNIT_EXPECT_EQ(test, test.param_value % 2, 0);
}
function example_slow_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}
const example: KunitSuiteDef = {
  name: "example",
  init(test) {
    kunit_info(test, "initializing");
    return 0;
  },
  exit(test) {
    kunit_info(test, "cleaning up");
  },
  suite_init(suite) {
    kunit_info(suite, "initializing suite");
    return 0;
  },
  suite_exit(suite) {
    kunit_info(suite, "exiting suite");
  },
  test_cases: [
    KUNIT_CASE(example_simple_test),
    KUNIT_CASE_PARAM(example_params_test, example_gen_params),
    KUNIT_CASE_SLOW(example_slow_test),
  ],
};

Deno.test("the example suite prints the kernel's KTAP byte for byte", () => {
  const { text, result } = run([example]);
  assert.equal(
    text,
    `KTAP version 1
1..1
    # example: initializing suite
    KTAP version 1
    # Subtest: example
    # module: kunit_example_test
    1..3
    # example_simple_test: initializing
    # example_simple_test: cleaning up
    ok 1 example_simple_test
        KTAP version 1
        # Subtest: example_params_test
    # example_params_test: initializing
    # example_params_test: cleaning up
        ok 1 example value 3 # SKIP unsupported param value 3
    # example_params_test: initializing
    # example_params_test: cleaning up
        ok 2 example value 2
    # example_params_test: pass:1 fail:0 skip:1 total:2
    ok 2 example_params_test
    # example_slow_test: initializing
    # example_slow_test: cleaning up
    # example_slow_test.speed: slow
    ok 3 example_slow_test
    # example: exiting suite
# example: pass:3 fail:0 skip:0 total:3
# Totals: pass:3 fail:0 skip:1 total:4
ok 1 example`,
  );
  assert.deepEqual(result.counts, {
    passed: 3,
    failed: 0,
    skipped: 1,
    total: 4,
  });
});

function failing_eq(test: Kunit): void {
  const x = -1;
  KUNIT_EXPECT_EQ(test, 1 + 1, 3); // @eq1
  KUNIT_EXPECT_EQ(test, x, 5); // @eq2
  KUNIT_EXPECT_EQ_MSG(test, x, 5, "at pfn %lu, %#x", 7, 255); // @eq3
  KUNIT_EXPECT_GT(test, x, 0); // @eq4
}

Deno.test("a failing expectation is reported as failing, in the kernel's format", () => {
  const { lines, result } = run([{
    name: "fails",
    test_cases: [KUNIT_CASE(failing_eq)],
  }]);
  assert.equal(result.counts.failed, 1);
  assert.equal(result.suites[0]!.status, 1);
  const body = lines.slice(lines.indexOf("    1..1") + 1);
  assert.deepEqual(body, [
    `    # failing_eq: EXPECTATION FAILED at ${HERE}:${lineOf("@eq1")}`,
    "    Expected 1 + 1 == 3, but",
    "        1 + 1 == 2 (0x2)",
    `    # failing_eq: EXPECTATION FAILED at ${HERE}:${lineOf("@eq2")}`,
    "    Expected x == 5, but",
    "        x == -1 (0xffffffffffffffff)",
    `    # failing_eq: EXPECTATION FAILED at ${HERE}:${lineOf("@eq3")}`,
    "    Expected x == 5, but",
    "        x == -1 (0xffffffffffffffff)",
    "",
    "at pfn 7, 0xff",
    `    # failing_eq: EXPECTATION FAILED at ${HERE}:${lineOf("@eq4")}`,
    "    Expected x > 0, but",
    "        x == -1 (0xffffffffffffffff)",
    "    # failing_eq: random seed 0 (repeat with --seed 0)",
    "    not ok 1 failing_eq",
    "not ok 1 fails",
  ]);
});

function other_kinds(test: Kunit): void {
  const name: string | null = null;
  KUNIT_EXPECT_TRUE(test, 2 < 1);
  KUNIT_EXPECT_FALSE(test, 1 < 2);
  KUNIT_EXPECT_STREQ(test, "abc", "abd");
  KUNIT_EXPECT_STREQ(test, name, "x");
  KUNIT_EXPECT_MEMEQ(
    test,
    new Uint8Array([1, 2, 3]),
    Uint8Array.of(1, 9, 3),
    3,
  );
  KUNIT_EXPECT_NULL(test, 0x1000);
  KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ERR_PTR(-ENOMEM));
  KUNIT_FAIL(test, "plain %s", "failure");
}

Deno.test("unary, string, memory, pointer and error-pointer failure texts", () => {
  const { lines } = run([{ name: "k", test_cases: [KUNIT_CASE(other_kinds)] }]);
  const msgs = lines.filter((l) => !l.includes("FAILED at"));
  for (
    const expected of [
      "    Expected 2 < 1 to be true, but is false",
      "    Expected 1 < 2 to be false, but is true",
      '    Expected "abc" == "abd", but',
      '    Expected name == "x", but',
      '        name == "(null)"',
      "    Expected new Uint8Array([1, 2, 3]) == Uint8Array.of(1, 9, 3), but",
      "        new Uint8Array([1, 2, 3]) ==",
      "         01 <02> 03 ",
      "        Uint8Array.of(1, 9, 3) ==",
      "         01 <09> 03 ",
      "    Expected 0x1000 == NULL, but",
      "        0x1000 == 0000000000001000",
      "        NULL == 0000000000000000",
      "    Expected ERR_PTR(-ENOMEM) is not error, but is: -12",
      "plain failure",
    ]
  ) {
    assert.ok(
      msgs.includes(expected),
      `missing: ${expected}\n${lines.join("\n")}`,
    );
  }
  assert.equal(lines.filter((l) => l.includes("EXPECTATION FAILED")).length, 8);
});

Deno.test("a failed ASSERT ends the case; exit and deferred actions still run, LIFO", () => {
  const order: string[] = [];
  function asserting(test: Kunit): void {
    kunit_add_action(test, (s: string) => order.push(s), "action 1");
    kunit_add_action(test, (s: string) => order.push(s), "action 2");
    KUNIT_ASSERT_EQ(test, 1, 2);
    order.push("not reached");
  }
  const { result } = run([{
    name: "a",
    exit: () => void order.push("exit"),
    test_cases: [KUNIT_CASE(asserting)],
  }]);
  assert.deepEqual(order, ["exit", "action 2", "action 1"]);
  assert.equal(result.counts.failed, 1);
});

Deno.test("init failure skips the body but not exit; suite_init failure skips everything", () => {
  const order: string[] = [];
  function body(_test: Kunit): void {
    order.push("body");
  }
  const r1 = run([{
    name: "i",
    init: () => -ENOMEM,
    exit: () => void order.push("exit"),
    test_cases: [KUNIT_CASE(body)],
  }]);
  assert.deepEqual(order, ["exit"]);
  assert.ok(r1.lines.includes("    # body: failed to initialize: -12"));
  assert.ok(r1.lines.includes("    not ok 1 body"));
  order.length = 0;
  const r2 = run([{
    name: "si",
    suite_init: () => -ENOMEM,
    suite_exit: () => void order.push("suite_exit"),
    test_cases: [KUNIT_CASE(body)],
  }]);
  assert.deepEqual(order, []);
  assert.deepEqual(r2.lines, [
    "KTAP version 1",
    "1..1",
    "    # si:     # failed to initialize (-12)",
    "not ok 1 si",
  ]);
});

Deno.test("skip: the last status written wins; all-skipped parameters leave an empty comment", () => {
  function skip_then_fail(test: Kunit): void {
    kunit_mark_skipped(test, "first");
    KUNIT_EXPECT_EQ(test, 1, 2);
  }
  function fail_then_skip(test: Kunit): void {
    KUNIT_EXPECT_EQ(test, 1, 2);
    kunit_skip(test, "later");
  }
  function all_skip(test: Kunit<number>): void {
    kunit_skip(test, `no ${test.param_value}`);
  }
  const { lines, result } = run([{
    name: "s",
    test_cases: [
      KUNIT_CASE(skip_then_fail),
      KUNIT_CASE(fail_then_skip),
      KUNIT_CASE_PARAM(all_skip, KUNIT_ARRAY_PARAM([1, 2])),
    ],
  }]);
  assert.ok(lines.includes("    not ok 1 skip_then_fail"));
  assert.ok(lines.includes("    ok 2 fail_then_skip # SKIP later"));
  assert.ok(lines.includes("        ok 1 param-0 # SKIP no 1"));
  assert.ok(lines.includes("        ok 2 param-1 # SKIP no 2"));
  assert.ok(lines.includes("    ok 3 all_skip # SKIP "));
  assert.equal(result.suites[0]!.status, 1);
});

Deno.test("params: priv is reset per parameter; param_init/param_exit run around them", () => {
  const seen: unknown[] = [];
  function p(test: Kunit<string>): void {
    seen.push(test.priv);
    test.priv = test.param_value;
  }
  const { lines } = run([{
    name: "p",
    test_cases: [
      KUNIT_CASE_PARAM_WITH_INIT(
        p,
        KUNIT_ARRAY_PARAM(["a", "b"], (v) => v),
        () => 0,
        (test) => void seen.push(`exit after ${test.param_index}`),
      ),
      KUNIT_CASE_PARAM_WITH_INIT(p, KUNIT_ARRAY_PARAM(["c"]), () => -1, null),
    ],
  }]);
  assert.deepEqual(seen, [null, null, "exit after 2"]);
  assert.ok(
    lines.includes("        # failed to initialize parent parameter test."),
  );
  assert.ok(lines.includes("    not ok 2 p"));
});

Deno.test("filters: glob, attributes, and filter_action=skip", () => {
  const fast = KUNIT_CASE(example_simple_test);
  const slow = KUNIT_CASE_SLOW(example_slow_test);
  const def = { name: "f", test_cases: [fast, slow] };
  const other = { name: "g", test_cases: [fast] };
  assert.equal(
    run([def, other], { filter_glob: "f.*slow*" }).text,
    `KTAP version 1
1..1
    KTAP version 1
    # Subtest: f
    # module: kunit_example_test
    1..1
    # example_slow_test.speed: slow
    ok 1 example_slow_test
ok 1 f`,
  );
  const excl = run([def], { filter: "speed>slow" });
  assert.ok(excl.lines.includes("    1..1"));
  assert.ok(excl.lines.includes("    ok 1 example_simple_test"));
  const skipped = run([def], { filter: "speed>slow", filter_action: "skip" });
  assert.ok(skipped.lines.includes("    ok 2 example_slow_test # SKIP "));
  assert.equal(skipped.result.counts.skipped, 1);
  assert.throws(() => run([def], { filter: "colour=red" }), RangeError);
  assert.deepEqual(
    kunit_list(
      [kunit_make_suite(def, "m")],
      { include_attr: true },
    ),
    [
      "KTAP version 1",
      "f",
      "# module: m",
      "f.example_simple_test",
      "f.example_slow_test",
      "# example_slow_test.speed: slow",
    ],
  );
});

function add_one(i: number): number {
  const stub = KUNIT_STATIC_STUB_REDIRECT(add_one, i);
  if (stub) return stub.ret;
  return i + 1;
}

Deno.test("static stubs redirect only inside the test and end with it", () => {
  function stubbed(test: Kunit): void {
    KUNIT_EXPECT_EQ(test, add_one(1), 2);
    kunit_activate_static_stub(test, add_one, (i: number) => i - 1);
    KUNIT_EXPECT_EQ(test, add_one(1), 0);
  }
  const { result } = run([{ name: "st", test_cases: [KUNIT_CASE(stubbed)] }]);
  assert.equal(result.counts.passed, 1);
  assert.equal(add_one(1), 2);
});

Deno.test("resources: release runs now, remove cancels, kzalloc is zeroed", () => {
  const ran: string[] = [];
  const act = (s: string) => void ran.push(s);
  function res(test: Kunit): void {
    kunit_add_action(test, act, "x");
    kunit_add_action(test, act, "y");
    kunit_release_action(test, act, "x");
    kunit_remove_action(test, act, "y");
    const buf = kunit_kzalloc(test, 16, 0);
    KUNIT_EXPECT_EQ(test, buf.length, 16);
    KUNIT_EXPECT_EQ(test, buf[15], 0);
  }
  const { result } = run([{ name: "r", test_cases: [KUNIT_CASE(res)] }]);
  assert.deepEqual(ran, ["x"]);
  assert.equal(result.counts.passed, 1);
});

Deno.test("kernel code reaches the current test: fail_current_test and WARN_ON", () => {
  function kernel_fails(_test: Kunit): void {
    kunit_fail_current_test("iova leaked", "drivers/iommu/iova.c:42");
  }
  function kernel_warns(test: Kunit): void {
    KUNIT_EXPECT_TRUE(test, WARN_ON(true));
  }
  const { lines, result } = run([{
    name: "h",
    test_cases: [KUNIT_CASE(kernel_fails), KUNIT_CASE(kernel_warns)],
  }]);
  assert.ok(
    lines.includes("    # kernel_fails: drivers/iommu/iova.c:42: iova leaked"),
  );
  assert.ok(lines.some((l) => /# kernel_warns: WARNING: at /.test(l)));
  assert.deepEqual(
    result.suites[0]!.cases.map((c) => c.status),
    [1, 0],
  );
});

Deno.test("an exception in a case is a fault, reported with its site", () => {
  function throws(_test: Kunit): void {
    throw new RangeError("index 5 out of range"); // @throw
  }
  const { lines, result } = run([{
    name: "t",
    test_cases: [KUNIT_CASE(throws)],
  }]);
  assert.ok(lines.includes(
    `    # throws: try faulted: last line seen ${HERE}:${lineOf("@throw")}`,
  ));
  assert.ok(lines.includes("    # throws: RangeError: index 5 out of range"));
  assert.ok(lines.includes(
    "    # throws: internal error occurred preventing test case from running: -4",
  ));
  assert.equal(result.counts.failed, 1);
});

Deno.test("ASSERT_NOT_ERR_OR_NULL narrows and passes for a real object", () => {
  function ok(test: Kunit): void {
    const p: { v: number } | null = { v: 3 };
    KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
    KUNIT_EXPECT_EQ(test, p.v, 3);
  }
  assert.equal(
    run([{ name: "n", test_cases: [KUNIT_CASE(ok)] }]).result.counts.passed,
    1,
  );
});

Deno.test("our parser reads our KTAP with the executor's counts", () => {
  const { text, result } = run([example, {
    name: "fails",
    test_cases: [KUNIT_CASE(failing_eq), KUNIT_CASE(example_simple_test)],
  }]);
  const parsed = parse_ktap(text);
  assert.equal(parsed.counts.passed, result.counts.passed);
  assert.equal(parsed.counts.failed, result.counts.failed);
  assert.equal(parsed.counts.skipped, result.counts.skipped);
  assert.equal(parsed.counts.errors, 0);
  assert.equal(parsed.status, "FAILURE");
});
