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

Deno.test("kunit run --scenario: a scenario file from any path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/mine.json`,
      JSON.stringify({
        scenarios: [{
          name: "store_and_load",
          subjects: { maple: {} },
          steps: [
            { op: "store", index: 10, last: 19, entry: 1, expect: 0 },
            { op: "load", index: 15, expect: 1 },
          ],
        }],
      }),
    );
    const r = await cli([
      "run",
      "--scenario",
      `${dir}/mine.json`,
      "--raw_output",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /# Subtest: scenario_mine\n/);
    assert.match(r.out, /ok 1 store_and_load\n/);
    const list = await cli([
      "run",
      "--scenario",
      `${dir}/mine.json`,
      "--list_tests",
    ]);
    assert.equal(list.out, "scenario_mine\nscenario_mine.store_and_load\n");
    // An invalid file: its one error, nothing run, exit 1.
    await Deno.writeTextFile(
      `${dir}/bad.ts`,
      "export default { scenarios: [{ name: 'b', subjects: { maple: {} }, " +
        "steps: [{ op: 'erase', index: -1 }] }] };\n",
    );
    const bad = await cli(["run", "--scenario", `${dir}/bad.ts`]);
    assert.equal(bad.code, 1);
    assert.equal(bad.out, "");
    assert.equal(
      bad.err,
      `kunit: error: ${dir}/bad.ts: scenario "b", step 0 (erase), field index: expected an integer >= 0, found -1\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kunit run --list_tests: the scenario library is discovered", async () => {
  const r = await cli(["run", "scenario_*", "--list_tests"]);
  assert.equal(r.code, 0);
  for (
    const name of [
      "scenario_alignment.size_plus_align_minus_one",
      "scenario_reserve.left_overlap",
      "scenario_limits.max32_hint_set_and_reset",
      "scenario_top_expansion.amdv1_grows_one_level_per_map",
      "scenario_contig_clear.large_page_over_emptied_table",
      "scenario_faults.erase_node_alloc_failure",
    ]
  ) assert.ok(r.out.includes(`${name}\n`), name);
});
