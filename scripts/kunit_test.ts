// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { main } from "./kunit.ts";

async function cli(args: string[], stdin = "") {
  let out = "", err = "";
  const code = await main(args, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readStdin: () => Promise.resolve(stdin),
    isTerminal: false,
  });
  return { code, out, err };
}

Deno.test("kunit: bad arguments give one error line, the usage, exit 2", async () => {
  for (
    const args of [
      ["--bogus"],
      ["run", "--seed", "-3"],
      ["run", "--filter_action", "drop"],
      ["run", "--run_isolated", "module"],
      ["run", "--filter", "colour=red"],
      ["run", "a", "b"],
    ]
  ) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, /^kunit: error: .*\nusage: deno task kunit/);
    assert.equal(r.out, "");
  }
});

Deno.test("kunit run: KTAP, report, list, exit status", async () => {
  const raw = await cli(["run", "example", "--raw_output"]);
  assert.equal(raw.code, 0);
  assert.match(raw.out, /^KTAP version 1\n1\.\.1\n/);
  assert.match(raw.out, /\nok 1 example\n$/);
  const rep = await cli(["example.example_simple_test"]);
  assert.equal(rep.code, 0);
  assert.match(rep.out, /\[PASSED\] example_simple_test\n/);
  assert.match(rep.out, /Testing complete\. Ran 1 tests: passed: 1\n$/);
  const list = await cli(["run", "example", "--list_tests"]);
  assert.ok(list.out.startsWith("example\nexample.example_simple_test\n"));
  const iso = await cli([
    "run",
    "example.example_s*",
    "--run_isolated",
    "test",
  ]);
  assert.equal(iso.code, 0);
  // example_slow_test is skipped unless --slow
  assert.match(iso.out, /Ran 4 tests: passed: 2, skipped: 2/);
  const slow = await cli([
    "example.example_s*",
    "--run_isolated",
    "test",
    "--slow",
  ]);
  assert.match(slow.out, /Ran 4 tests: passed: 3, skipped: 1/);
});

Deno.test("kunit parse: reads stdin and exits like kunit.py", async () => {
  const ok = await cli(["parse"], "KTAP version 1\n1..1\nok 1 a\n");
  assert.equal(ok.code, 0);
  assert.match(ok.out, /Ran 1 tests: passed: 1\n$/);
  const bad = await cli(["parse", "-"], "KTAP version 1\n1..1\nnot ok 1 a\n");
  assert.equal(bad.code, 1);
  const skip = await cli(["parse"], "KTAP version 1\n1..1\nok 1 a # SKIP\n");
  assert.equal(skip.code, 1, "an all-skipped log is a failure for parse");
  const missing = await cli(["parse", "no/such/file.log"]);
  assert.equal(missing.code, 2);
});
