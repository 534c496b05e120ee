// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  readme_reference_is_fresh,
  REFERENCE_BEGIN,
  scenario_schema_reference,
} from "./mod.ts";

Deno.test("README's scenario schema reference is up to date", async () => {
  const readme = await Deno.readTextFile(
    new URL("../../README.md", import.meta.url),
  );
  assert.ok(readme.includes(REFERENCE_BEGIN));
  assert.ok(
    readme_reference_is_fresh(readme),
    "stale: run deno task scenario:schema",
  );
  // The normal form sees real changes.
  assert.ok(
    !readme_reference_is_fresh(
      readme.replace("##### `repeat`", "##### `again`"),
    ),
  );
});

Deno.test("scenario_schema_reference() lists every step kind", () => {
  const ref = scenario_schema_reference();
  for (const op of ["alloc", "map", "empty_area_rev", "arm", "repeat"]) {
    assert.ok(ref.includes(`##### \`${op}\``), op);
  }
  assert.match(ref, /\| `per_variant`\? \|/);
});
