// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { formatCell, formatTable } from "./table.ts";

Deno.test("formatCell", () => {
  assert.equal(formatCell(null), "-");
  assert.equal(formatCell(true), "yes");
  assert.equal(formatCell(1234567), "1,234,567");
  assert.equal(formatCell(3.14159), "3.142");
  assert.equal(formatCell(9666000.000000002), "9,666,000");
  assert.equal(formatCell(0.0001234), "1.234e-4");
  assert.equal(formatCell("x"), "x");
});

Deno.test("formatTable aligns numbers right and text left", () => {
  const t = formatTable([
    { name: "a", n: 1 },
    { name: "bbb", n: 1000 },
  ]);
  assert.equal(
    t,
    ["name      n", "----  -----", "a         1", "bbb   1,000"].join("\n"),
  );
});

Deno.test("formatTable: column order and missing cells", () => {
  const t = formatTable([{ a: 1, b: "x" }, { a: 2 }], { columns: ["b", "a"] });
  const lines = t.split("\n");
  assert.equal(lines[0], "b  a");
  assert.equal(lines[3], "-  2");
  assert.equal(formatTable([]), "\n");
});
