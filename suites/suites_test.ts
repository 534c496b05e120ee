// Copyright 2026 the iommulab authors. MIT license.
/**
 * Runs every KUnit suite in this folder under `deno test`: one test per
 * suite, one step per case. `KUNIT_SEED` chooses the kernel PRNG seed;
 * `KUNIT_FILTER` the attribute filter, `speed>slow` by default so that slow
 * cases show as ignored steps (`KUNIT_FILTER= deno task test` runs them).
 *
 * @module
 */
import { kunit_deno_test } from "../lib/kunit/deno_adapter.ts";
import { kunit_load_suites } from "../lib/kunit/discover.ts";
import { KUNIT_DEFAULT_FILTER } from "../lib/kunit/filter.ts";

const seed = Number(Deno.env.get("KUNIT_SEED") ?? 0);
const filter = Deno.env.get("KUNIT_FILTER") ?? KUNIT_DEFAULT_FILTER;
kunit_deno_test(await kunit_load_suites(new URL(".", import.meta.url)), {
  seed,
  filter: filter === "" ? null : filter,
});
