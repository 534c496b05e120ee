// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { experimentUsage, parseExperimentArgs, UsageError } from "./cli.ts";

Deno.test("parseExperimentArgs: defaults", () => {
  assert.deepEqual(parseExperimentArgs([]), {
    quick: false,
    json: false,
    svg: null,
    seed: 1,
    help: false,
    extra: {},
  });
});

Deno.test("parseExperimentArgs: every option", () => {
  assert.deepEqual(
    parseExperimentArgs(["--quick", "--json", "--svg", "a.svg", "--seed=42"]),
    {
      quick: true,
      json: true,
      svg: "a.svg",
      seed: 42,
      help: false,
      extra: {},
    },
  );
  assert.equal(parseExperimentArgs(["-h"]).help, true);
  assert.equal(parseExperimentArgs(["--seed", "4294967295"]).seed, 0xffffffff);
});

Deno.test("parseExperimentArgs: bad input is a UsageError naming it", () => {
  const bad: [string[], RegExp][] = [
    [["--bogus"], /bogus/],
    [["pos"], /pos/],
    [["--seed", "-1"], /seed/],
    [["--seed", "1.5"], /1\.5/],
    [["--seed", "4294967296"], /4294967296/],
    [["--svg"], /svg/],
    [["--svg", ""], /svg/],
  ];
  for (const [argv, re] of bad) {
    assert.throws(() => parseExperimentArgs(argv), (e: unknown) => {
      assert.ok(e instanceof UsageError, argv.join(" "));
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("experimentUsage names the script and the options", () => {
  const u = experimentUsage("x.ts", "Does x.");
  assert.match(u, /^usage: deno run -A x\.ts/);
  for (const o of ["--quick", "--json", "--svg FILE", "--seed N"]) {
    assert.ok(u.includes(o), o);
  }
});

Deno.test("parseExperimentArgs: a script's own string options", () => {
  const extraOptions = { trace: { valueName: "FILE", description: "x" } };
  assert.deepEqual(parseExperimentArgs([], { extraOptions }).extra, {});
  assert.deepEqual(
    parseExperimentArgs(["--trace", "a.trace"], { extraOptions }).extra,
    { trace: "a.trace" },
  );
  assert.throws(
    () => parseExperimentArgs(["--trace", "a"]),
    (e: unknown) => e instanceof UsageError && /trace/.test(e.message),
  );
  assert.throws(
    () => parseExperimentArgs(["--trace", "-x"], { extraOptions }),
    (e: unknown) => e instanceof UsageError && /--trace/.test(e.message),
  );
  assert.throws(
    () =>
      parseExperimentArgs([], { extraOptions: { seed: extraOptions.trace } }),
    TypeError,
  );
  const u = experimentUsage("x.ts", "Does x.", extraOptions);
  assert.match(u.split("\n")[0]!, /\[--trace FILE\]$/);
  assert.match(u, /^ {2}--trace FILE +x$/m);
});
