// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  decode_kernel_output,
  exit_status_for_parse,
  extract_ktap_lines,
  KtapCounts,
  KtapParseError,
  KtapTest,
  parse_ktap,
  py_dedent,
  py_splitlines,
} from "./ktap_parser.ts";
import { format_test_divider, render_report } from "./ktap_report.ts";
import { kunit_json_group, to_kunit_json } from "./kunit_json.ts";

// ---------------------------------------------------------------------------
// The kernel parser's own fixtures, with what 6.12 kunit.py made of them.

const TESTDATA = new URL("../../../shared/testdata/ktap/", import.meta.url);

function readTestdata():
  | { names: string[]; codes: Map<string, number> }
  | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(new URL("exit_codes.txt", TESTDATA));
  } catch {
    return null;
  }
  const codes = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\S+) (\d+)$/.exec(line.trim());
    if (m) codes.set(m[1], Number(m[2]));
  }
  return { names: [...codes.keys()], codes };
}

const testdata = readTestdata();
if (testdata === null) {
  Deno.test({
    name: `ktap testdata: SKIPPED, ${TESTDATA.pathname} not found`,
    ignore: true,
    fn() {},
  });
} else {
  Deno.test("ktap testdata: every log has a report, JSON and exit code", () => {
    assert.ok(testdata.names.length >= 20, "expected at least 20 logs");
    for (const name of testdata.names) {
      for (const ext of [".log", ".kunitpy.txt", ".kunitpy.json"]) {
        assert.ok(
          Deno.statSync(new URL(name + ext, TESTDATA)).isFile,
          name + ext,
        );
      }
    }
  });
  for (const name of testdata.names) {
    Deno.test(`ktap testdata: ${name} matches kunit.py`, () => {
      const log = Deno.readFileSync(new URL(name + ".log", TESTDATA));
      const test = parse_ktap(decode_kernel_output(log));
      const want_report = Deno.readTextFileSync(
        new URL(name + ".kunitpy.txt", TESTDATA),
      );
      const want_json = Deno.readTextFileSync(
        new URL(name + ".kunitpy.json", TESTDATA),
      );
      assert.equal(render_report(test), want_report);
      assert.deepEqual(kunit_json_group(test), JSON.parse(want_json));
      assert.equal(to_kunit_json(test), want_json);
      assert.equal(exit_status_for_parse(test), testdata.codes.get(name));
    });
  }
}

// ---------------------------------------------------------------------------
// Tricky logs; expected reports and exit codes are what 6.12 kunit.py parse
// printed for them (timestamps removed).

interface Case {
  name: string;
  input: string;
  code: number;
  report: string;
}

const CASES: Case[] = [
  {
    name: "truncated_numbering",
    input:
      "KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: s1\n    1..3\n    ok 1 a\n    ok 3 b\n    # stray diagnostic\n",
    code: 1,
    report:
      "============================================================\n===================== s1 (3 subtests) ======================\n[PASSED] a\n[ERROR] Test: b: Expected test number 2 but found 3\n[PASSED] b\n[ERROR] Test: s1: missing expected subtest!\n# stray diagnostic\n[CRASHED] \n[ERROR] Test: s1: missing subtest result line!\n======================= [CRASHED] s1 =======================\n[ERROR] Test: main: missing expected subtest!\n[CRASHED] \n============================================================\nTesting complete. Ran 4 tests: passed: 2, crashed: 2, errors: 4\n",
  },
  {
    name: "failed_log_dedent",
    input:
      "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: suite\n    1..2\n    # case_a: EXPECTATION FAILED at lib/x.c:10\n    Expected 1 + 1 == 3, but\n        1 + 1 == 2 (0x2)\n\n   \n    not ok 1 case_a\n    # case_b: note\n    ok 2 case_b\n# suite: pass:1 fail:1 skip:0 total:2\nnot ok 1 suite\n",
    code: 1,
    report:
      "============================================================\n==================== suite (2 subtests) ====================\n# case_a: EXPECTATION FAILED at lib/x.c:10\nExpected 1 + 1 == 3, but\n    1 + 1 == 2 (0x2)\n\n[FAILED] case_a\n[PASSED] case_b\n# suite: pass:1 fail:1 skip:0 total:2\n====================== [FAILED] suite ======================\n============================================================\nTesting complete. Ran 2 tests: passed: 1, failed: 1\n",
  },
  {
    name: "dmesg_prefix",
    input:
      "[    0.100000] KTAP version 1\n[    0.100000] 1..1\n[    0.100001]     # Subtest: s\n[    0.100002]     1..2\n[    0.100003]     ok 1 a # SKIP no hw\n[    0.100004]     not ok 2 b # SKIP also\n[    0.100005] ok 1 s\n[    0.100006] reboot: System halted\nok 2 after_end\n",
    code: 1,
    report:
      "============================================================\n====================== s (2 subtests) ======================\n[SKIPPED] a\n[SKIPPED] b\n======================== [PASSED] s ========================\n============================================================\nTesting complete. Ran 2 tests: skipped: 2\n",
  },
  {
    name: "directives_and_hash",
    input:
      "KTAP version 1\n1..1\n  KTAP version 1\n  # Subtest: d\n  1..4\n  not ok 1 t1 # TODO later\n  ok 2 t2 # XFAIL\n  not ok 3 t3 # TIMEOUT 30 seconds\n  ok 4 na#me\nok 1 d\n",
    code: 1,
    report:
      "============================================================\n====================== d (4 subtests) ======================\n[FAILED] t1\n[PASSED] t2\n[FAILED] t3\n[ERROR] Test: d: missing expected subtest!\nok 4 na#me\n[CRASHED] \n======================= [CRASHED] d ========================\n============================================================\nTesting complete. Ran 4 tests: passed: 1, failed: 2, crashed: 1, errors: 1\n",
  },
  {
    name: "all_skipped",
    input:
      "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: sk\n    1..2\n    ok 1 a # SKIP x\n    ok 2 b # SKIP \nok 1 sk # SKIP \n",
    code: 1,
    report:
      "============================================================\n===================== sk (2 subtests) ======================\n[SKIPPED] a\n[SKIPPED] b\n======================= [SKIPPED] sk =======================\n============================================================\nTesting complete. Ran 2 tests: skipped: 2\n",
  },
  {
    name: "ok_suite_over_failure",
    input:
      "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..2\n    # a: boom\n    not ok 1 a\n    ok 2 b\nok 1 s\n",
    code: 1,
    report:
      "============================================================\n====================== s (2 subtests) ======================\n# a: boom\n[FAILED] a\n[PASSED] b\n======================== [PASSED] s ========================\n============================================================\nTesting complete. Ran 2 tests: passed: 1, failed: 1\n",
  },
  {
    name: "bad_versions",
    input:
      "KTAP version 2\n1..2\n  TAP version 12\n  # Subtest: x\n  1..1\n  ok 1 y\nok 1 x\n  KTAP version 0\n  # Subtest: z\n  1..1\n  ok 1 w\nok 2 z\n",
    code: 0,
    report:
      "============================================================\n[ERROR] Test: main: KTAP version higer than expected!\n[ERROR] Test: : TAP version lower than expected!\n====================== x (1 subtest) =======================\n[PASSED] y\n======================== [PASSED] x ========================\n[ERROR] Test: : KTAP version lower than expected!\n====================== z (1 subtest) =======================\n[PASSED] w\n======================== [PASSED] z ========================\n============================================================\nTesting complete. Ran 2 tests: passed: 2, errors: 3\n",
  },
  {
    name: "empty_suite_plan0",
    input:
      "KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: empty\n    # some diag\n    1..0\nok 1 empty\n    KTAP version 1\n    # Subtest: empty2\n    1..0\nnot ok 2 empty2\n",
    code: 1,
    report:
      "============================================================\n========================== empty  ==========================\n# some diag\n[ERROR] Test: empty: 0 tests run!\n=================== [NO TESTS RUN] empty ===================\n========================= empty2  ==========================\n===================== [FAILED] empty2 ======================\n============================================================\nTesting complete. Ran 1 tests: failed: 1, errors: 1\n",
  },
  {
    name: "crlf_and_executor",
    input:
      "kunit executor: something odd\r\nboot noise\r\nKTAP version 1\r\n1..1\r\nok 1 a\r\n",
    code: 0,
    report:
      "============================================================\n[PASSED] a\n============================================================\nTesting complete. Ran 1 tests: passed: 1\n",
  },
  {
    name: "params_nested",
    input:
      "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: example\n    # module: kunit_example_test\n    1..2\n        KTAP version 1\n        # Subtest: example_params_test\n    # example_params_test: initializing\n        ok 1 example value 3 # SKIP unsupported param value 3\n    # example_params_test: boom\n        not ok 2 example value 2\n    # example_params_test: pass:0 fail:1 skip:1 total:2\n    not ok 1 example_params_test\n    ok 2 example_slow_test\n# example: pass:1 fail:1 skip:0 total:2\n# Totals: pass:1 fail:1 skip:1 total:3\nnot ok 1 example\n",
    code: 1,
    report:
      "============================================================\n=================== example (2 subtests) ===================\n=================== example_params_test  ===================\n[SKIPPED] example value 3\n# example_params_test: boom\n[FAILED] example value 2\n# example_params_test: initializing\n# example_params_test: pass:0 fail:1 skip:1 total:2\n=============== [FAILED] example_params_test ===============\n[PASSED] example_slow_test\n    # module: kunit_example_test\n# example: pass:1 fail:1 skip:0 total:2\n# Totals: pass:1 fail:1 skip:1 total:3\n===================== [FAILED] example =====================\n============================================================\nTesting complete. Ran 3 tests: passed: 1, failed: 1, skipped: 1\n",
  },
  {
    name: "unicode_json",
    input:
      'KTAP version 1\n1..1\n    # Subtest: sé "q" \\ 😀\n    1..1\n    not ok 1 té x \n    # tail\nok 1 sé "q" \\ 😀\n',
    code: 1,
    report:
      '============================================================\n================== sé "q" \\ 😀 (1 subtest) ==================\n[FAILED] té x \n=================== [PASSED] sé "q" \\ 😀 ====================\n============================================================\nTesting complete. Ran 1 tests: failed: 1\n',
  },
  {
    name: "wide_prefix_unicode",
    input: "😀é KTAP version 1\n😀é 1..1\n😀é ok 1 a\nxy\n",
    code: 0,
    report:
      "============================================================\n[PASSED] a\n============================================================\nTesting complete. Ran 1 tests: passed: 1\n",
  },
  {
    name: "missing_result_line",
    input:
      "KTAP version 1\n1..2\n  # Subtest: s\n  1..1\n  ok 1 a\n  # Subtest: t\n  1..1\n  ok 1 b\nok 2 t\n",
    code: 0,
    report:
      "============================================================\n====================== s (1 subtest) =======================\n[PASSED] a\n[ERROR] Test: s: missing subtest result line!\n======================= [CRASHED] s ========================\n====================== t (1 subtest) =======================\n[PASSED] b\n======================== [PASSED] t ========================\n============================================================\nTesting complete. Ran 2 tests: passed: 2, errors: 1\n",
  },
  {
    name: "dash_names_tap14",
    input:
      "TAP version 14\n1..1\n\t# Subtest: s\n\t1..2\n\tok 1 - a\n\tok 2 - - b\nok 1 - s\n",
    code: 0,
    report:
      "============================================================\n====================== s (2 subtests) ======================\n[PASSED] a\n[PASSED] - b\n======================== [PASSED] s ========================\n============================================================\nTesting complete. Ran 2 tests: passed: 2\n",
  },
  {
    name: "long_name_header",
    input:
      "KTAP version 1\n1..1\n    # Subtest: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n    1..1\n    not ok 1 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nnot ok 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    code: 1,
    report:
      "============================================================\n=== xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (1 subtest) ===\n[FAILED] yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n=== [FAILED] xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ===\n============================================================\nTesting complete. Ran 1 tests: failed: 1\n",
  },
  {
    name: "extra_results_no_plan",
    input:
      "KTAP version 1\n    KTAP version 1\n    # Subtest: s\n    ok 1 a\n    ok 1 b\n    ok 5 c\nok 1 s\nok 3 t\n",
    code: 0,
    report:
      "============================================================\n============================ s  ============================\n[PASSED] a\n[ERROR] Test: b: Expected test number 2 but found 1\n[PASSED] b\n[ERROR] Test: c: Expected test number 3 but found 5\n[PASSED] c\n======================== [PASSED] s ========================\n[ERROR] Test: t: Expected test number 2 but found 3\n[PASSED] t\n============================================================\nTesting complete. Ran 4 tests: passed: 4, errors: 3\n",
  },
  {
    name: "text_before_no_ktap_then_tap",
    input: "garbage\nnot ok 1 x\n",
    code: 1,
    report:
      "============================================================\n[ERROR] Test: <missing>: Could not find any KTAP output. Did any KUnit tests run?\n============================================================\nTesting complete. Ran 0 tests: errors: 1\n",
  },
];

for (const c of CASES) {
  Deno.test(`ktap tricky: ${c.name}`, () => {
    const test = parse_ktap(c.input);
    assert.equal(render_report(test), c.report);
    assert.equal(exit_status_for_parse(test), c.code);
  });
}

Deno.test("ktap: numbering errors count as errors but keep exit 0", () => {
  const t = parse_ktap("KTAP version 1\n1..2\nok 1 a\nok 3 b\n");
  assert.equal(t.status, "SUCCESS");
  assert.equal(t.counts.errors, 1);
  assert.equal(t.counts.total(), 2);
  assert.equal(exit_status_for_parse(t), 0);
  assert.deepEqual(t.events?.find((e) => e.kind === "error"), {
    kind: "error",
    name: "b",
    message: "Expected test number 2 but found 3",
  });
});

Deno.test("ktap: tree shape, logs, expected_count and counts", () => {
  const t = parse_ktap(
    "noise\n[  1.0] KTAP version 1\n[  1.0] 1..1\n" +
      "[  1.0]     KTAP version 1\n[  1.0]     # Subtest: s\n" +
      "[  1.0]     # attr: x\n[  1.0]     1..2\n[  1.0]     # a: hi\n" +
      "[  1.0]     not ok 1 a\n[  1.0]     ok 2 b # SKIP why\n" +
      "[  1.0] # s: pass:0 fail:1 skip:1 total:2\n[  1.0] not ok 1 s\n",
  );
  assert.equal(t.name, "main");
  assert.equal(t.expected_count, 1);
  assert.equal(t.status, "FAILURE");
  const s = t.subtests[0];
  assert.equal(s.name, "s");
  assert.equal(s.expected_count, 2);
  assert.equal(s.status, "FAILURE");
  assert.deepEqual(s.log, [
    "    # attr: x",
    "# s: pass:0 fail:1 skip:1 total:2",
  ]);
  assert.deepEqual(
    s.subtests.map((x) => [x.name, x.status, x.expected_count, x.log]),
    [["a", "FAILURE", 0, ["    # a: hi"]], ["b", "SKIPPED", 0, []]],
  );
  assert.deepEqual(
    { ...s.counts },
    { passed: 0, failed: 1, crashed: 0, skipped: 1, errors: 0 },
  );
  assert.equal(t.counts.toString(), "Ran 2 tests: failed: 1, skipped: 1");
});

Deno.test("ktap: main status derivation", () => {
  const main = (body: string) =>
    parse_ktap("KTAP version 1\n1..2\n" + body).status;
  assert.equal(main("ok 1 a\nok 2 b # SKIP\n"), "SUCCESS");
  assert.equal(main("ok 1 a # SKIP\nok 2 b # SKIP x\n"), "SKIPPED");
  assert.equal(main("ok 1 a\nnot ok 2 b\n"), "FAILURE");
  assert.equal(main("not ok 1 a\n"), "TEST_CRASHED");
  assert.equal(parse_ktap("KTAP version 1\n1..0\n").status, "NO_TESTS");
  assert.equal(parse_ktap("hello\n").status, "FAILURE_TO_PARSE_TESTS");
  assert.equal(parse_ktap("").name, "<missing>");
  for (const s of ["SKIPPED", "NO_TESTS", "FAILURE_TO_PARSE_TESTS"]) {
    const t = new KtapTest();
    t.status = s as KtapTest["status"];
    assert.equal(exit_status_for_parse(t), 1, s);
  }
});

Deno.test("ktap: reading past EOF throws like kunit_parser.py", () => {
  const err = assert.throws(
    () =>
      parse_ktap(
        "KTAP version 1\n1..1\n# Subtest: foo\n1..1\n# Subtest: bar\nok 1 foo\n",
      ),
    (e: unknown) => {
      assert.ok(e instanceof KtapParseError);
      assert.equal(
        e.message,
        "LineStream: going past EOF, last line was ok 1 foo",
      );
      assert.deepEqual(e.events.map((x) => x.kind), [
        "header",
        "header",
        "result",
        "error",
        "footer",
      ]);
      return true;
    },
  );
  assert.equal(err, undefined);
});

Deno.test("ktap: line isolation", () => {
  assert.deepEqual(
    extract_ktap_lines(
      "kunit executor: early\nboot\n>> KTAP version 1\n>> 1..1  \t\n" +
        "xy\n>> List of all partitions:\n>> ok 1 a\n",
    ),
    ["kunit executor: early", "KTAP version 1", "1..1", ""],
  );
  // The prefix width is counted in code points, like Python.
  assert.deepEqual(
    extract_ktap_lines(["\u{1F600} KTAP version 1", "\u{1F600} ok 1 a"]),
    ["KTAP version 1", "ok 1 a"],
  );
  // Python's rstrip() also strips \x1c-\x1f and \x85, but not \ufeff.
  assert.deepEqual(
    extract_ktap_lines("KTAP version 1\nok 1 a\x1c\x85\nb\ufeff\n"),
    ["KTAP version 1", "ok 1 a", "b\ufeff"],
  );
});

Deno.test("ktap: large failing runs print a Failures line", () => {
  const big = (fa: number, fb: number) => {
    let s = "KTAP version 1\n1..2\n";
    for (const [suite, nf, num] of [["sa", fa, 1], ["sb", fb, 2]] as const) {
      s += `    # Subtest: ${suite}\n    1..60\n`;
      for (let i = 1; i <= 60; i++) {
        s += `    ${i <= nf ? "not ok" : "ok"} ${i} c${i}\n`;
      }
      s += `${nf ? "not ok" : "ok"} ${num} ${suite}\n`;
    }
    return render_report(parse_ktap(s)).trimEnd().split("\n").slice(-2);
  };
  assert.deepEqual(big(2, 1), [
    "Testing complete. Ran 120 tests: passed: 117, failed: 3",
    "Failures: sa.c1, sa.c2, sb.c1",
  ]);
  assert.deepEqual(big(6, 6), [
    "=".repeat(60),
    "Testing complete. Ran 120 tests: passed: 108, failed: 12",
  ]);
  assert.deepEqual(big(60, 1), [
    "Testing complete. Ran 120 tests: passed: 59, failed: 61",
    "Failures: sa, sb.c1",
  ]);
});

const RESET = "\x1b[0;0m";
const RED = "\x1b[1;31m";
const YELLOW = "\x1b[1;33m";
const GREEN = "\x1b[1;32m";

Deno.test("ktap report: timestamps and colours on request", () => {
  const t = parse_ktap(
    "KTAP version 1\n1..1\n# Subtest: s\n1..1\n# x: bad\nnot ok 1 x\nnot ok 1 s\n",
  );
  const plain = render_report(t);
  const stamped = render_report(t, {
    timestamps: true,
    now: () => new Date(2026, 0, 2, 3, 4, 5),
  });
  assert.equal(
    stamped,
    plain.split("\n").slice(0, -1).map((l) => `[03:04:05] ${l}\n`).join(""),
  );
  const colored = render_report(t, { color: true });
  assert.ok(colored.includes("\x1b[1;33m# x: bad\x1b[0;0m\n"));
  assert.ok(colored.includes("\x1b[1;31m[FAILED] \x1b[0;0mx\n"));
  assert.ok(
    colored.includes(
      "=".repeat(24) + " \x1b[1;31m[FAILED] \x1b[0;0ms " + "=".repeat(24) +
        "\n",
    ),
  );
  assert.ok(
    colored.endsWith(
      "\x1b[1;31mTesting complete. Ran 1 tests: failed: 1\x1b[0;0m\n",
    ),
  );
  assert.equal(
    colored.replaceAll(RESET, "").replaceAll(RED, "").replaceAll(YELLOW, "")
      .replaceAll(GREEN, ""),
    plain,
  );
});

Deno.test("ktap report: divider centring", () => {
  assert.equal(
    format_test_divider("", 0),
    "=".repeat(29) + "  " + "=".repeat(29),
  );
  assert.equal(
    format_test_divider("abc", 3),
    "=".repeat(27) + " abc " + "=".repeat(28),
  );
  assert.equal(
    format_test_divider("x".repeat(58), 58),
    "=== " + "x".repeat(58) + " ===",
  );
  assert.equal(
    format_test_divider("x".repeat(57), 57),
    " " + "x".repeat(57) + " =",
  );
});

Deno.test("ktap report: a hand-built tree is rendered by walking it", () => {
  const leaf = (
    name: string,
    status: KtapTest["status"],
    log: string[] = [],
  ) => {
    const t = new KtapTest();
    t.name = name;
    t.status = status;
    t.log = log;
    t.counts.add_status(status);
    return t;
  };
  const suite = new KtapTest();
  suite.name = "s";
  suite.expected_count = 2;
  suite.status = "FAILURE";
  suite.subtests = [
    leaf("a", "SUCCESS"),
    leaf("b", "FAILURE", ["    # b: boom"]),
  ];
  for (const x of suite.subtests) suite.counts.add_subtest_counts(x.counts);
  const root = new KtapTest();
  root.name = "main";
  root.subtests = [suite];
  root.counts.add_subtest_counts(suite.counts);
  root.status = root.counts.get_status();
  assert.equal(
    render_report(root),
    [
      "=".repeat(60),
      "====================== s (2 subtests) ======================",
      "[PASSED] a",
      "# b: boom",
      "[FAILED] b",
      "======================== [FAILED] s ========================",
      "=".repeat(60),
      "Testing complete. Ran 2 tests: passed: 1, failed: 1",
      "",
    ].join("\n"),
  );
});

Deno.test("ktap: Python textwrap.dedent and str.splitlines", () => {
  assert.equal(py_dedent("    a\n      b\n\n  \t\n    c"), "a\n  b\n\n\nc");
  assert.equal(py_dedent("  a\n\tb"), "  a\n\tb");
  assert.equal(py_dedent("\t  a\n\t b"), " a\nb");
  assert.deepEqual(py_splitlines("a\r\nb\rc\x0cd\x1ce\u2028f\n"), [
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
  ]);
  assert.deepEqual(py_splitlines(""), []);
  assert.deepEqual(py_splitlines("\n\n"), ["", ""]);
});

Deno.test("ktap: counts string lists only non-zero fields", () => {
  const c = new KtapCounts();
  assert.equal(c.toString(), "Ran 0 tests: ");
  c.crashed = 2;
  c.errors = 4;
  c.passed = 2;
  assert.equal(c.toString(), "Ran 4 tests: passed: 2, crashed: 2, errors: 4");
});

Deno.test("ktap: input decoding matches Python's backslashreplace", () => {
  const dec = (bytes: number[]) => decode_kernel_output(new Uint8Array(bytes));
  assert.equal(
    dec([0x6f, 0x6b, 0x20, 0xff, 0xfe, 0x20, 0x78]),
    "ok \\xff\\xfe x",
  );
  assert.equal(dec([0xe2, 0x82, 0x41]), "\\xe2\\x82A");
  assert.equal(dec([0xe0, 0x80, 0x7a]), "\\xe0\\x80z");
  assert.equal(dec([0xf0, 0x9f, 0x98]), "\\xf0\\x9f\\x98");
  assert.equal(dec([0xed, 0xa0, 0x80]), "\\xed\\xa0\\x80");
  assert.equal(
    dec([0xc3, 0xa9, 0xf4, 0x90, 0x80, 0x80]),
    "\u00e9\\xf4\\x90\\x80\\x80",
  );
  assert.equal(dec([0xc0, 0xaf]), "\\xc0\\xaf");
  assert.equal(dec([0xef, 0xbb, 0xbf, 0x41]), "\ufeffA");
});

Deno.test("kunit json: escapes like Python json.dumps(ensure_ascii)", () => {
  const t = parse_ktap(
    '    # Subtest: s\u00e9 "q" \\ \u{1F600}\nKTAP version 1\n1..1\n' +
      '    # Subtest: s\u00e9 "q" \\ \u{1F600}\n    1..1\n' +
      "    not ok 1 t\u00e9\u2028x \x7f\n    # tail\n" +
      'ok 1 s\u00e9 "q" \\ \u{1F600}\n',
  );
  const json = to_kunit_json(t, {
    arch: "um",
    def_config: "d",
    build_dir: "b\tx",
  });
  assert.ok(json.includes('"name": "s\\u00e9 \\"q\\" \\\\ \\ud83d\\ude00",'));
  assert.ok(json.includes('"name": "t\\u00e9\\u2028x \\u007f",'));
  assert.ok(
    json.includes(
      '    "arch": "um",\n    "defconfig": "d",\n    "build_environment": "b\\tx",\n',
    ),
  );
  assert.ok(!json.endsWith("\n"));
  assert.deepEqual(
    JSON.parse(json),
    kunit_json_group(t, { arch: "um", def_config: "d", build_dir: "b\tx" }),
  );
});
