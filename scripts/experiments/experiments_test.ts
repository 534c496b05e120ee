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
  pt_cost: ["format", "pgsz", "map_ns", "map_each_nofp_ns", "fastpath_pct"],
  trace_replay: ["part", "target", "events", "ok", "disagree", "errors"],
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

for (const name of ["rcache", "pt_cost", "trace_replay"]) {
  Deno.test(`${name} --svg writes an SVG and keeps stdout JSON`, async () => {
    const file = await Deno.makeTempFile({ suffix: ".svg" });
    try {
      const r = await run(name, ["--quick", "--json", "--svg", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).experiment, name);
      const svg = await Deno.readTextFile(file);
      assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
    } finally {
      await Deno.remove(file);
    }
  });
}

Deno.test("pt_cost: every format, fast path used on 4K rows", async () => {
  const r = await run("pt_cost", ["--quick", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout).rows as Record<string, unknown>[];
  assert.deepEqual(
    [...new Set(rows.map((x) => x.format))],
    ["amdv1", "x86_64", "vtdss", "riscv_64"],
  );
  for (const x of rows) {
    assert.equal(
      x.fast_path_used,
      String(x.pgsz).endsWith("2^12"),
      String(x.pgsz),
    );
    for (const k of ["map_ns", "unmap_ns", "map_each_ns"]) {
      assert.ok((x[k] as number) > 0, `${x.format} ${x.pgsz} ${k}`);
    }
  }
});

Deno.test("trace_replay: the fixtures replay with the expected verdicts", async () => {
  const r = await run("trace_replay", ["--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const by = new Map<string, Record<string, number>>(
    j.rows.map((x: Record<string, unknown>) => [x.target, x]),
  );
  // Written as an AMDv1 host records it: amdv1 agrees with every event;
  // formats without 64K pages unmap 4K of a 64K mapping, not all of it.
  assert.equal(by.get("amdv1")!.disagree, 0);
  assert.equal(by.get("amdv1")!.errors, 0);
  for (const f of ["x86_64", "vtdss", "riscv_64"]) {
    assert.ok(by.get(f)!.disagree > 0, f);
  }
  for (const v of ["rbtree-6.12", "maple-v3", "maple-v4"]) {
    assert.equal(by.get(v)!.errors, 0, v);
    assert.ok(by.get(v)!.peak > 0, v);
  }
  const perFormat = j.tables[0].rows as Record<string, number>[];
  for (const x of perFormat) assert.equal(x.pages_after_deinit, 0);
});

Deno.test("trace_replay --trace: a bad line is an error naming file:line", async () => {
  const file = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    await Deno.writeTextFile(
      file,
      "# tracer: nop\n   fio-1 [000] 1.5: map: IOMMU: iova=0x1 size=1\n",
    );
    const r = await run("trace_replay", ["--trace", file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /\.trace:2: cannot parse iommu:map event/);
    await Deno.writeTextFile(
      file,
      "   fio-1 [000] 1.5: map: IOMMU: iova=0x0000000000001000 - 0x0000000000002000 paddr=0x0000000000001000 size=4096\n",
    );
    const ok = await run("trace_replay", ["--trace", file, "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    const j = JSON.parse(ok.stdout);
    assert.equal(j.params.iommu_events, 1);
    assert.equal(j.params.dma_events, 0);
    assert.equal(j.rows.length, 4);
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

Deno.test("memory_per_iova: the interval-tree allocator is measured", async () => {
  const r = await run("memory_per_iova", ["--quick", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout).rows as Record<string, unknown>[])
    .filter((x) => x.variant === "iommufd-itree");
  assert.equal(rows.length, 4);
  // struct iopt_area: 136 bytes, kzalloc'd from kmalloc-192.
  for (const x of rows) assert.equal(x.B_per_iova, 192);
});

Deno.test("the trace fixtures are what make_fixtures.ts writes", async () => {
  const {
    DMA_FIXTURE_EVENTS,
    IOMMU_FIXTURE_EVENTS,
    makeDmaTrace,
    makeIommuTrace,
  } = await import(
    "./fixtures/make_fixtures.ts"
  );
  const dir = new URL("./fixtures/", import.meta.url);
  const iommu = await Deno.readTextFile(
    new URL("iommu_map_unmap.trace", dir),
  );
  const dma = await Deno.readTextFile(new URL("dma_map_unmap.trace", dir));
  assert.equal(iommu, makeIommuTrace(IOMMU_FIXTURE_EVENTS));
  assert.equal(dma, makeDmaTrace(DMA_FIXTURE_EVENTS));
  assert.ok(iommu.length < 100_000 && dma.length < 100_000);
});
