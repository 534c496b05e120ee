// Copyright 2026 the iommulab authors. MIT license.
// Cost of the KUnit mirror: passing expectations must stay cheap, and an
// empty suite must run fast (targets: 10^6 passing KUNIT_EXPECT_EQ < 0.2 s;
// 100 empty cases < 50 ms).
import {
  Kunit,
  KUNIT_CASE_NAMED,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_TRUE,
  kunit_make_suite,
  kunit_run,
} from "./mod.ts";

const test = new Kunit("bench", () => {});

Deno.bench({
  name: "10^6 passing KUNIT_EXPECT_EQ",
  group: "expect",
  baseline: true,
  fn() {
    for (let i = 0; i < 1_000_000; i++) KUNIT_EXPECT_EQ(test, i, i);
  },
});

Deno.bench({
  name: "10^6 passing KUNIT_EXPECT_TRUE",
  group: "expect",
  fn() {
    for (let i = 0; i < 1_000_000; i++) KUNIT_EXPECT_TRUE(test, i >= 0);
  },
});

const empty = kunit_make_suite({
  name: "empty",
  test_cases: Array.from(
    { length: 100 },
    (_, i) => KUNIT_CASE_NAMED(`case_${i}`, () => {}),
  ),
}, "bench");

Deno.bench({
  name: "suite of 100 empty cases (KTAP collected)",
  group: "suite",
  fn() {
    const lines: string[] = [];
    kunit_run([empty], { write: (l) => lines.push(l) });
  },
});
