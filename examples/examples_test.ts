// Copyright 2026 the iommulab authors. MIT license.
/**
 * Runs every example as `deno run examples/<name>.ts` would and checks the
 * lines that show its behaviour, so that the examples cannot rot.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Runs `examples/<name>` in a subprocess; returns its stdout lines. */
async function run(name: string): Promise<string[]> {
  const script = new URL(`./${name}`, import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", script.href],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${name} exited with ${code}:\n${err}`);
  return new TextDecoder().decode(stdout).trimEnd().split("\n");
}

/** The line starting with `prefix` (fails when there is none). */
function line(lines: string[], prefix: string): string {
  const l = lines.find((x) => x.startsWith(prefix));
  assert.ok(
    l !== undefined,
    `no line starting with "${prefix}" in:\n${lines.join("\n")}`,
  );
  return l;
}

Deno.test("maple_gap_search.ts: top-down gaps, node accounting, mt_dump", async () => {
  const out = await run("maple_gap_search.ts");
  assert.equal(line(out, "a:"), "a: 0xffff0  b: 0xfffef  c: 0xfffe7");
  assert.equal(line(out, "d reuses"), "d reuses b's hole: true (0xfffef)");
  assert.equal(line(out, "gap of 4"), "gap of 4 in [a, a+15]: -16"); // -EBUSY
  assert.match(line(out, "entries:"), /^entries: 203, height: 3, nodes: 17 /);
  assert.equal(
    line(out, "maple_node slab"),
    "maple_node slab objects live: 17",
  );
  assert.equal(line(out, "mt_validate"), "mt_validate problems: 0");
  assert.equal(
    line(out, "after mtree_destroy"),
    "after mtree_destroy: 0 nodes live",
  );
  assert.equal(line(out, "mtree_load"), "mtree_load(small, 15): x");
  assert.ok(out.includes("  a-13: x"));
  assert.ok(out.includes("  28: y"));
});

Deno.test("pt_map_unmap.ts: mixed sizes, unmap, table_alloc failure", async () => {
  const out = await run("pt_map_unmap.ts");
  assert.equal(
    line(out, "pt_iommu_init"),
    "pt_iommu_init: 0, pgsize_bitmap 0xff7ffffff000",
  );
  assert.equal(line(out, "busy"), "busy:    -98"); // -EADDRINUSE
  assert.equal(line(out, "table pages after map"), "table pages after map: 4");
  assert.equal(
    line(out, "iova_to_phys(0x1f00a)"),
    "iova_to_phys(0x1f00a) = 0x8001f00a",
  );
  assert.equal(
    line(out, "iova_to_phys(0x3fffff)"),
    "iova_to_phys(0x3fffff) = 0x901fffff",
  );
  assert.equal(line(out, "iova_to_phys(0x5000)"), "iova_to_phys(0x5000) = 0x0");
  assert.equal(line(out, "unmap 4K of 64K"), "unmap 4K of 64K: 0x10000");
  assert.equal(line(out, "unmap from a hole"), "unmap from a hole: 0x0");
  assert.equal(line(out, "unmap 2M"), "unmap 2M: 0x200000");
  assert.equal(
    line(out, "map, 2nd table alloc failing"),
    "map, 2nd table alloc failing: -12",
  );
  assert.equal(line(out, "map again"), "map again: 0");
  assert.equal(out.at(-2), "iova_to_phys(0x10000000000) = 0x100000000");
  assert.equal(line(out, "leaked"), "leaked: 0 table pages");
});

Deno.test("iova_variants.ts: placement and memory per variant", async () => {
  const out = await run("iova_variants.ts");
  const cols = (v: string) => line(out, v + " ").split(/\s{2,}/);
  assert.deepEqual(cols("rbtree-6.12").slice(1, 6), [
    "0xffffc",
    "0xffffb",
    "0xfffe0",
    "0xffffa",
    "0xffff9",
  ]);
  assert.deepEqual(cols("maple-v4").slice(1, 6), [
    "0xffffc",
    "0xfffff",
    "0xfffe0",
    "0xffffa",
    "0xfffff",
  ]);
  assert.equal(cols("rbtree-6.12")[6], "5 x 64 B + 0 nodes = 320 B");
  assert.equal(cols("maple-v3")[6], "5 x 24 B + 1 nodes = 376 B");
  assert.equal(cols("maple-v4")[6], "5 x 16 B + 1 nodes = 336 B");
});

Deno.test("fault_sweep.ts: -ENOMEM leaves the tree unchanged", async () => {
  const out = await run("fault_sweep.ts");
  assert.equal(line(out, "  1  true"), "  1  true         -12  true        0");
  assert.equal(
    line(out, "node allocations covered"),
    "node allocations covered: 2, complete: true",
  );
  assert.equal(
    line(out, "-ENOMEM left"),
    "-ENOMEM left the tree unchanged: true",
  );
  assert.equal(line(out, "sweep ok"), "sweep ok: true");
  assert.equal(line(out, "leaked"), "leaked: 0");
});
