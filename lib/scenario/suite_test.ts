// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { kunit_run } from "../kunit/mod.ts";
import {
  scenario_make_suite,
  scenario_param_desc,
  scenario_params,
  validate_scenario_file,
} from "./mod.ts";

function run(data: unknown): { ktap: string; failed: number } {
  const loaded = validate_scenario_file(data, "t.ts", "scenario_t");
  const lines: string[] = [];
  const r = kunit_run([scenario_make_suite(loaded)], {
    write: (l) => lines.push(l),
    seed: 0,
  });
  return { ktap: lines.join("\n"), failed: r.counts.failed };
}

Deno.test("scenario suite: parameterised over variants, KTAP names stable", () => {
  const { ktap, failed } = run({
    scenarios: [{
      name: "one_alloc",
      subjects: { iova: { variant: ["rbtree-6.12", "maple-v4"] } },
      steps: [
        {
          op: "alloc",
          size: 2,
          limit: "32bit",
          aligned: true,
          as: "a",
          expect: "0xffffe",
        },
        { op: "free", iova: "a" },
        { op: "check", invariants: true, counters: { live_iovas: 0 } },
      ],
    }, {
      name: "single_variant",
      subjects: { iova: { variant: "maple-v3" } },
      steps: [{ op: "alloc", size: 1, limit: 100, expect: 100 }],
    }],
  });
  assert.equal(failed, 0, ktap);
  assert.match(ktap, /# Subtest: scenario_t\n/);
  assert.match(ktap, / {8}ok 1 rbtree-6\.12\n {8}ok 2 maple-v4\n/);
  assert.match(ktap, /\n {4}ok 1 one_alloc\n/);
  assert.match(ktap, /\n {4}ok 2 single_variant\n/);
});

Deno.test("scenario suite: a differing result fails the case naming the step", () => {
  const { ktap, failed } = run({
    scenarios: [{
      name: "wrong_expectation",
      subjects: { iova: { variant: "maple-v4" } },
      steps: [
        { op: "alloc", size: 1, limit: "32bit", expect: "0xffffe" },
        { op: "alloc", size: 1, limit: "32bit", expect: { range: [0, 10] } },
        { op: "check", counters: { live_iovas: 2 } },
      ],
    }],
  });
  assert.equal(failed, 1);
  assert.match(
    ktap,
    /step 0 \(alloc\): expected 1048574 \(0xffffe\), found 1048575 \(0xfffff\)/,
  );
  assert.match(ktap, /step 1 \(alloc\): expected in \[0, 10\], found 1048574/);
  assert.match(ktap, /not ok 1 wrong_expectation/);
  assert.doesNotMatch(ktap, /\bat .*\.ts:\d+:\d+\)/, "no JS stack trace");
});

Deno.test("scenario suite: a model exception ends the case as a failure", () => {
  const { ktap, failed } = run({
    scenarios: [{
      name: "null_reference",
      subjects: { iova: { variant: "rbtree-6.12", start_pfn: 5 } },
      steps: [
        { op: "alloc", size: 8, limit: 6, as: "a", expect: null },
        { op: "find", pfn: "$a.pfn_lo" },
        { op: "alloc", size: 1, limit: 9, expect: 9 },
      ],
    }],
  });
  assert.equal(failed, 1);
  assert.match(ktap, /step 1 \(find\): \$a is NULL/);
  assert.doesNotMatch(ktap, /step 2/, "the case stopped");
});

Deno.test("scenario suite: maple, repeat, cpu and leaks", () => {
  const { ktap, failed } = run({
    scenarios: [{
      name: "maple_steps",
      subjects: { maple: {} },
      steps: [
        { op: "store", index: 10, last: 19, entry: 7, expect: 0 },
        {
          op: "empty_area_rev",
          min: 0,
          max: 30,
          size: 5,
          expect: 0,
          expect_fields: { index: 26, last: 30 },
        },
        { op: "erase", index: 12, expect: 7 },
        { op: "load", index: 15, expect: null },
        { op: "check", invariants: true, leaks: true },
      ],
    }, {
      name: "rcache_on_cpus",
      subjects: { iova: { variant: "maple-v4", cpus: 2 } },
      steps: [
        {
          op: "repeat",
          times: 4,
          seed: 3,
          gen: { n: { range: [1, 4] } },
          steps: [
            {
              op: "alloc_fast",
              size: "$n",
              limit: "32bit",
              as: "p",
              expect: { not_null: true },
            },
            { op: "free_fast", pfn: "$p", size: "$n" },
          ],
        },
        { op: "cpu", switch: 1 },
        {
          op: "alloc_fast",
          size: 1,
          limit: "32bit",
          expect: { not_null: true },
        },
        { op: "cpu", unplug: 1, expect: { error: "EBUSY" } },
        { op: "cpu", switch: 0 },
        { op: "cpu", unplug: 1, expect: 0 },
      ],
    }],
  });
  assert.equal(failed, 0, ktap);
});

Deno.test("scenario suite: a race may switch CPU for itself only", () => {
  const { ktap, failed } = run({
    scenarios: [{
      name: "racer_on_cpu_1",
      subjects: { iova: { variant: "maple-v4", cpus: 2 } },
      steps: [
        {
          op: "arm",
          point: "slab.alloc",
          cache: "iommu_iova",
          fail_nth: 1,
          verbose: 0,
          race: [
            { op: "cpu", switch: 1 },
            { op: "alloc_fast", size: 1, limit: "32bit", as: "r" },
            { op: "free_fast", pfn: "$r", size: 1 },
          ],
        },
        { op: "alloc", size: 1, limit: "32bit", expect: "0xffffe" },
        // Back on CPU 0: its rcache is empty, so this is a tree allocation.
        { op: "alloc_fast", size: 1, limit: "32bit", expect: "0xffffd" },
        { op: "cpu", switch: 1 },
        { op: "alloc_fast", size: 1, limit: "32bit", expect: "$r" },
        { op: "check", injected: { "slab.alloc": 1 } },
      ],
    }],
  });
  assert.equal(failed, 0, ktap);
});

Deno.test("scenario_params() crosses variants and formats", () => {
  const ps = scenario_params({
    name: "x",
    subjects: {
      iova: { variant: ["rbtree-6.12", "maple-v3"] },
      pt: { format: ["amdv1", "x86_64"] },
    },
    steps: [],
  });
  assert.deepEqual(ps.map(scenario_param_desc), [
    "rbtree-6.12 amdv1",
    "rbtree-6.12 x86_64",
    "maple-v3 amdv1",
    "maple-v3 x86_64",
  ]);
});
