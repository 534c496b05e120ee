// Copyright 2026 the iommulab authors. MIT license.
/**
 * Smoke test of the experiment scripts: each runs with `--quick --json`
 * and its JSON has the expected structure (keys, rows, finite numbers);
 * a run with `--svg` writes an SVG; a bad argument exits 2 with usage.
 * Timings are not checked.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const SCRIPTS: Record<string, readonly string[]> = {
  memory_per_iova: ["variant", "workload", "B_per_iova", "agrees"],
  cost_vs_size: ["variant", "n", "limit_bits", "first_ns", "steady_ns"],
  placement_divergence: ["variant", "failed", "holes_end", "largest_hole"],
  deferred_erase: ["variant", "mode", "p", "deferred", "kernel_reports"],
  rcache: ["cpus", "size", "inflight", "hit_pct", "ns_per_pair"],
};

function scriptPath(name: string): string {
  return fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
}

async function run(
  name: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      scriptPath(name),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

function checkRows(where: string, rows: unknown): void {
  assert.ok(Array.isArray(rows) && rows.length > 0, `${where}: no rows`);
  for (const r of rows as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === "number") {
        assert.ok(Number.isFinite(v), `${where}: ${k} = ${v}`);
      } else {
        assert.ok(
          v === null || typeof v === "string" || typeof v === "boolean",
          `${where}: ${k} has type ${typeof v}`,
        );
      }
    }
  }
}

for (const [name, keys] of Object.entries(SCRIPTS)) {
  Deno.test(`${name} --quick --json`, async () => {
    const r = await run(name, ["--quick", "--json", "--seed", "7"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.experiment, name);
    assert.equal(j.seed, 7);
    assert.equal(j.quick, true);
    assert.ok(Array.isArray(j.columns) && Array.isArray(j.notes));
    checkRows(name, j.rows);
    for (const k of keys) {
      assert.ok(k in j.rows[0], `${name}: row has no ${k}`);
      assert.ok(j.columns.includes(k), `${name}: columns lack ${k}`);
    }
    for (const t of j.tables) {
      if (t.rows.length) checkRows(`${name}: ${t.title}`, t.rows);
    }
  });
}

Deno.test("rcache --svg writes an SVG and keeps stdout JSON", async () => {
  const file = await Deno.makeTempFile({ suffix: ".svg" });
  try {
    const r = await run("rcache", ["--quick", "--json", "--svg", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).experiment, "rcache");
    const svg = await Deno.readTextFile(file);
    assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("bad arguments: one error line, usage, exit 2", async () => {
  for (const args of [["--bogus"], ["--seed", "x"], ["extra"]]) {
    const r = await run("rcache", args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n");
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[1]!, /^usage: /);
  }
});
