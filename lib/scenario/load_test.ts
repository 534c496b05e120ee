// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  load_scenario_file,
  ScenarioError,
  validate_scenario_file,
} from "./mod.ts";

const BROKEN = new URL("./testdata/broken/", import.meta.url);

/** Each broken fixture and the exact message it must produce. */
const EXPECTED: Record<string, string> = {
  "wrong_type.json":
    'testdata/broken/wrong_type.json: scenario "alloc_size_is_boolean", step 1 (alloc), field size: expected an integer, a hex string ("0x1000") or a reference ("$a", "$a.pfn_hi+1"), found true',
  "unknown_step.ts":
    'testdata/broken/unknown_step.ts: scenario "misspelt_step", step 2, field op: expected a step kind, one of alloc, alloc_fast, free, free_fast, reserve, find, map, unmap, iova_to_phys, store, erase, load, empty_area, empty_area_rev, advance, cpu, arm, disarm, check, repeat, found "allocate"',
  "unknown_fault_point.json":
    'testdata/broken/unknown_fault_point.json: scenario "misspelt_point", step 0 (arm), field point: expected a declared fault point (one of maple.node_alloc, page.alloc, pt.install_race, pt.table_alloc, pt.top_race, slab.alloc), found "pt.tabel_alloc"',
  "undefined_name.ts":
    'testdata/broken/undefined_name.ts: scenario "free_below_undefined", step 1 (find), field pfn: expected a name defined by an earlier step\'s "as" (defined: a), found "$b.pfn_hi"',
  "variant_not_run.json":
    'testdata/broken/variant_not_run.json: scenario "table_names_a_variant_not_run", step 0 (alloc), field expect.per_variant.maple-v3: expected a variant the scenario runs (rbtree-6.12, maple-v4), found "maple-v3"',
  "missing_variant.json":
    'testdata/broken/missing_variant.json: scenario "table_misses_a_variant", step 0 (alloc), field expect.per_variant: expected an entry for every variant run (missing "maple-v3"), found {"rbtree-6.12":"0xfffff","maple-v4":"0xfffff"}',
  "unknown_field.ts":
    'testdata/broken/unknown_field.ts: scenario "reserve_with_typo", step 0 (reserve), field aligend: expected a known field (op, lo, hi, as, doc, expect, expect_fields), found unknown field "aligend"',
  "nested_wrong_type.json":
    'testdata/broken/nested_wrong_type.json: scenario "race_step_bad_size", step 0.0 (map), field size: expected an integer, a hex string ("0x1000") or a reference ("$a", "$a.pfn_hi+1"), found "4k"',
  "bad_errno.json":
    'testdata/broken/bad_errno.json: scenario "error_name_misspelt", step 0 (map), field expect.error: expected one of "EPERM", "ENOENT", "EIO", "EAGAIN", "ENOMEM", "EFAULT", "EBUSY", "EEXIST", "ENODEV", "EINVAL", "ENOSPC", "ERANGE", "EOVERFLOW", "EOPNOTSUPP", "EADDRINUSE", found "ENOMEN"',
};

Deno.test("load_scenario_file() gives each broken fixture's exact message", async () => {
  const files = [...Deno.readDirSync(BROKEN)].map((e) => e.name).sort();
  for (const name of files) {
    const want = EXPECTED[name];
    assert.ok(want, `no expected message for fixture ${name}`);
    await assert.rejects(
      () =>
        load_scenario_file(new URL(name, BROKEN), {
          display: `testdata/broken/${name}`,
        }),
      (e: unknown) => {
        assert.ok(e instanceof ScenarioError, `${name}: ${e}`);
        assert.equal(e.message, want);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      },
    );
  }
  assert.deepEqual(
    Object.keys(EXPECTED).sort(),
    files,
  );
});

Deno.test("load_scenario_file() names the file for invalid JSON", async () => {
  // Written at run time: a fixture would be rewritten by `deno fmt`.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.json`,
      '{ "scenarios": [ { "name": "x", } ] }',
    );
    await assert.rejects(
      () => load_scenario_file(`${dir}/bad.json`, { display: "bad.json" }),
      (e: unknown) => {
        assert.ok(e instanceof ScenarioError);
        assert.match(e.message, /^bad\.json: expected valid JSON, found /);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ScenarioError carries the parts of its message", async () => {
  try {
    await load_scenario_file(new URL("wrong_type.json", BROKEN));
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.scenario, "alloc_size_is_boolean");
    assert.equal(e.step, "1");
    assert.equal(e.field, "size");
    assert.equal(e.found, "true");
    assert.ok(e.file.endsWith("wrong_type.json"));
    assert.ok(e instanceof TypeError);
  }
});

Deno.test("validate_scenario_file() checks names, subjects and tables", () => {
  const bad = (data: unknown) => {
    try {
      validate_scenario_file(data, "f.ts", "scenario_f");
    } catch (e) {
      assert.ok(e instanceof ScenarioError);
      return e.message;
    }
    return "no error";
  };
  const sc = (steps: unknown[], subjects: unknown = { iova: {} }) => ({
    scenarios: [{ name: "s", subjects, steps }],
  });
  assert.equal(
    bad(sc([{ op: "map", iova: 0, paddr: 0, size: 4096 }])),
    'f.ts: scenario "s", step 0 (map), field op: expected a scenario with subjects.pt (map acts on a page table), found "map"',
  );
  assert.equal(
    bad(sc([{ op: "free" }])),
    'f.ts: scenario "s", step 0 (free), field iova: expected exactly one of iova (a name) or pfn, found neither',
  );
  assert.equal(
    bad(sc([{ op: "alloc", size: 1, limit: 9, as: "a" }, {
      op: "free_fast",
      pfn: "$a.pfn",
      size: 1,
    }])),
    'f.ts: scenario "s", step 1 (free_fast), field pfn: expected a field of $a (pfn_lo, pfn_hi, size), found "$a.pfn"',
  );
  assert.equal(
    bad({ scenarios: [{ name: "Bad-Name", subjects: {}, steps: [] }] }),
    'f.ts: scenario "Bad-Name", field name: expected a snake_case name ("[a-z][a-z0-9_]*"), found "Bad-Name"',
  );
  assert.equal(
    bad({ scenarios: [] }),
    "f.ts: field scenarios: expected at least 1 item(s), found []",
  );
  // $i and generated names exist inside a repeat only
  assert.equal(
    bad(sc([
      { op: "repeat", times: 2, gen: { n: { range: [1, 4] } }, steps: [] },
      { op: "alloc", size: "$n", limit: 9 },
    ])),
    'f.ts: scenario "s", step 1 (alloc), field size: expected a name defined by an earlier step\'s "as" (none defined yet), found "$n"',
  );
  const ok = validate_scenario_file(
    sc([{ op: "alloc", size: 1, limit: "32bit", as: "a" }, {
      op: "find",
      pfn: "$a.pfn_hi-0x1",
      expect: {
        per_variant: {
          "rbtree-6.12": null,
          "maple-v3": null,
          "maple-v4": null,
        },
      },
    }]),
    "f.ts",
    "scenario_f",
  );
  assert.equal(ok.suite, "scenario_f");
  assert.equal(ok.scenarios.length, 1);
});
