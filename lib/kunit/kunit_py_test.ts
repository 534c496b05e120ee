// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  decode_kernel_output,
  exit_status_for_parse,
  KtapParseError,
  type KtapTest,
  parse_ktap,
} from "./ktap_parser.ts";
import { Xoshiro128 } from "../kernel/random.ts";
import { render_report } from "./ktap_report.ts";
import { to_kunit_json } from "./kunit_json.ts";
import { locateKunitPy, runKunitPyParse } from "./kunit_py.ts";

const TESTDATA = new URL("../../../shared/testdata/ktap/", import.meta.url);

/** Parses with our parser and compares everything with kunit.py's verdict. */
async function assertAgrees(ktap: string, label: string): Promise<void> {
  let test: KtapTest | null = null;
  let error: KtapParseError | null = null;
  try {
    test = parse_ktap(ktap);
  } catch (e) {
    assert.ok(e instanceof KtapParseError, `${label}: ${e}`);
    error = e;
  }
  if (error?.message.startsWith("parser loops forever")) {
    // kunit.py never terminates on this input: check that it is still busy.
    const oracle = await runKunitPyParse(ktap, { timeoutMs: 1500 });
    assert.ok(oracle?.timedOut, `${label}: kunit.py terminated`);
    return;
  }
  const oracle = await runKunitPyParse(ktap, { json: true });
  assert.ok(oracle, "oracle vanished");
  assert.ok(!oracle.timedOut, `${label}: kunit.py timed out`);
  if (error) {
    assert.equal(oracle.code, 1, `${label}: we threw, kunit.py did not`);
    assert.ok(
      oracle.stderr.includes(`ValueError: ${error.message}`),
      `${label}: kunit.py stderr: ${oracle.stderr}`,
    );
    return;
  }
  assert.ok(test);
  assert.equal(oracle.stderr, "", `${label}: kunit.py raised`);
  const report = render_report(test);
  const summary = report.trimEnd().split("\n").findLast((l) =>
    l.startsWith("Testing complete. ")
  );
  assert.equal(summary, oracle.summaryLine, `${label}: summary line`);
  assert.equal(exit_status_for_parse(test), oracle.code, `${label}: exit`);
  assert.equal(report, oracle.report, `${label}: report`);
  assert.equal(to_kunit_json(test), oracle.json, `${label}: json`);
}

const where = await locateKunitPy();

if (!where.ok) {
  Deno.test({
    name: `kunit.py oracle: SKIPPED, ${where.reason}`,
    ignore: true,
    fn() {},
  });
} else {
  let names: string[] = [];
  try {
    names = Deno.readTextFileSync(new URL("exit_codes.txt", TESTDATA))
      .split("\n").map((l) => l.trim().split(" ")[0]).filter((n) => n);
  } catch {
    Deno.test({
      name: `kunit.py oracle testdata: SKIPPED, ${TESTDATA.pathname} not found`,
      ignore: true,
      fn() {},
    });
  }
  if (names.length) {
    Deno.test("kunit.py oracle: agrees on every shared testdata log", async () => {
      for (const name of names) {
        const bytes = Deno.readFileSync(new URL(name + ".log", TESTDATA));
        await assertAgrees(decode_kernel_output(bytes), name);
      }
    });
  }

  Deno.test("kunit.py oracle: helper result shape", async () => {
    const r = await runKunitPyParse(
      "KTAP version 1\n1..2\nok 1 a\nok 3 b # SKIP\n",
    );
    assert.ok(r);
    assert.equal(r.code, 0);
    assert.equal(
      r.summaryLine,
      "Testing complete. Ran 2 tests: passed: 1, skipped: 1, errors: 1",
    );
    assert.match(r.stdout, /^\[\d\d:\d\d:\d\d\] =====/);
    assert.equal(r.json, undefined);
    assert.equal(r.timedOut, false);
    assert.ok(r.report.includes("[ERROR] Test: b: Expected test number 2"));
  });

  Deno.test("kunit.py oracle: agrees where kunit_parser.py raises or hangs", async () => {
    // Reads a parent's result line past EOF: Python raises ValueError.
    await assertAgrees(
      "KTAP version 1\n1..1\n# Subtest: foo\n1..1\n# Subtest: bar\nok 1 foo\n",
      "eof",
    );
    // A KTAP version line without plan or name: the same crash in 6.12.
    await assertAgrees(
      "KTAP version 1\n1..1\n    KTAP version 1\n    ok 1 a\nok 1 outer\n",
      "no plan no name",
    );
    // A stray plan where a test was expected, in a parent without a plan.
    await assertAgrees("KTAP version 1\n# diag\nok 1 a\n1..2\n", "hang");
  });

  Deno.test("kunit.py oracle: agrees on seeded random KTAP", async () => {
    const seed = Number(Deno.env.get("KUNIT_PY_FUZZ_SEED") ?? 0x1badb002);
    const cases = Number(Deno.env.get("KUNIT_PY_FUZZ_CASES") ?? 30);
    const gen = new Xoshiro128(seed >>> 0);
    const rng = (n: number): number => gen.below(n);
    for (let i = 0; i < cases; i++) {
      const ktap = randomKtap(rng);
      try {
        await assertAgrees(ktap, `case ${i}`);
      } catch (e) {
        console.error(`seed ${seed}, case ${i}, input:\n${ktap}`);
        throw e;
      }
    }
  });
}

// ---------------------------------------------------------------------------
// A seeded generator of plausible and damaged KUnit KTAP.

function randomKtap(r: (n: number) => number): string {
  const lines: string[] = [];
  const ind = (level: number) =>
    r(8) === 0 ? "\t".repeat(level) : " ".repeat(4 * level);
  const result = (level: number, num: number, name: string) => {
    const k = r(10);
    const dash = r(10) === 0 ? "- " : "";
    const base = `${ind(level)}${
      k < 3 ? "not ok" : "ok"
    } ${num} ${dash}${name}`;
    if (k === 0 || k === 5) return base + " # SKIP " + (r(2) ? "why" : "");
    if (k === 1) return base + " # TODO x";
    return base;
  };
  const nsuites = r(4);
  lines.push("KTAP version 1");
  if (r(6)) lines.push(`1..${r(8) ? nsuites : nsuites + 1}`);
  for (let s = 1; s <= nsuites; s++) {
    const name = `suite${s}`;
    const ncases = r(4);
    if (r(5)) lines.push(`${ind(1)}KTAP version 1`);
    if (r(6)) lines.push(`${ind(1)}# Subtest: ${name}`);
    if (r(3) === 0) lines.push(`${ind(1)}# module: m${s}`);
    if (r(6)) lines.push(`${ind(1)}1..${r(8) ? ncases : ncases + 1}`);
    for (let c = 1; c <= ncases; c++) {
      const cname = `case_${s}_${c}`;
      if (r(4) === 0) {
        lines.push(`${ind(2)}KTAP version 1`, `${ind(2)}# Subtest: ${cname}`);
        const np = 1 + r(3);
        for (let p = 1; p <= np; p++) {
          if (r(2)) lines.push(`${ind(1)}# ${cname}: log ${p}`);
          lines.push(result(2, p, `param-${p - 1}`));
        }
        lines.push(result(1, c, cname));
      } else {
        if (r(2)) lines.push(`${ind(1)}# ${cname}: EXPECTATION FAILED`);
        if (r(3) === 0) lines.push(`${ind(1)}Expected a == b, but`);
        lines.push(result(1, c, cname));
      }
    }
    if (ncases > 1 && r(2)) lines.push(`# ${name}: pass:1 fail:0 skip:0`);
    lines.push(result(0, r(10) ? s : s + 1, r(12) ? name : "other"));
  }
  // Damage.
  const m = r(8);
  if (m === 0 && lines.length > 2) lines.splice(1 + r(lines.length - 1), 1);
  if (m === 1) lines.length = 1 + r(lines.length);
  if (m === 2) lines.splice(r(lines.length + 1), 0, "random kernel noise");
  if (m === 3 && lines.length > 1) {
    const k = r(lines.length);
    lines.splice(k, 0, lines[k]);
  }
  if (m === 4) lines.splice(r(lines.length + 1), 0, "ok 7 na#me");
  let text = lines.join("\n") + "\n";
  if (r(5) === 0) {
    text = "boot noise\n" +
      lines.map((l) => `[    1.00000${r(10)}] ${l}`).join("\n") + "\n";
  }
  return text;
}
