// Copyright 2026 the iommulab authors. MIT license.
/**
 * The kernel's lib/kunit/kunit-example-test.c, ported: the template for a
 * new suite. Every case passes or skips on purpose.
 *
 * @module
 */
import {
  type Kunit,
  kunit_activate_static_stub,
  kunit_add_action,
  KUNIT_ARRAY_PARAM,
  KUNIT_ASSERT_GT,
  KUNIT_CASE,
  KUNIT_CASE_PARAM,
  KUNIT_CASE_SLOW,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_GE,
  KUNIT_EXPECT_LT,
  KUNIT_EXPECT_MEMEQ,
  KUNIT_EXPECT_NE,
  KUNIT_EXPECT_NOT_ERR_OR_NULL,
  KUNIT_EXPECT_NULL,
  KUNIT_EXPECT_PTR_EQ,
  KUNIT_EXPECT_STREQ,
  KUNIT_EXPECT_STRNEQ,
  KUNIT_EXPECT_TRUE,
  kunit_info,
  kunit_kzalloc,
  kunit_mark_skipped,
  kunit_skip,
  KUNIT_STATIC_STUB_REDIRECT,
  KUNIT_SUCCEED,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import { GFP_KERNEL } from "../lib/kernel/gfp.ts";

/** This is what a basic test case looks like. */
function example_simple_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

/** A case that skips itself. */
function example_skip_test(test: Kunit): void {
  kunit_info(test, "you should not see a line below.");
  kunit_skip(test, "this test should be skipped");
  KUNIT_EXPECT_EQ(test, 1 + 1, 3); // not reached
}

/** A case marked skipped that carries on. */
function example_mark_skipped_test(test: Kunit): void {
  kunit_mark_skipped(test, "this test should be skipped");
  kunit_info(test, "you should see a line below.");
}

/** Every kind of check, passing. */
function example_all_expect_macros_test(test: Kunit): void {
  const array1 = Uint8Array.of(0x0f, 0xff);
  const array2 = Uint8Array.of(0x1f, 0xff);
  KUNIT_EXPECT_EQ(test, 1, 1);
  KUNIT_EXPECT_GE(test, 1, 0);
  KUNIT_EXPECT_LT(test, 1, 2);
  KUNIT_EXPECT_NE(test, 1, 0);
  KUNIT_EXPECT_TRUE(test, true);
  KUNIT_EXPECT_NOT_ERR_OR_NULL(test, test);
  KUNIT_EXPECT_PTR_EQ(test, null, null);
  KUNIT_EXPECT_NULL(test, null);
  KUNIT_EXPECT_STREQ(test, "hi", "hi");
  KUNIT_EXPECT_STRNEQ(test, "hi", "bye");
  KUNIT_EXPECT_MEMEQ(test, array1, Uint8Array.of(0x0f, 0xff), 2);
  KUNIT_ASSERT_GT(test, array2[0]!, array1[0]!);
  KUNIT_SUCCEED(test);
}

function add_one(i: number): number {
  const stub = KUNIT_STATIC_STUB_REDIRECT(add_one, i);
  if (stub) return stub.ret;
  return i + 1;
}

function subtract_one(i: number): number {
  return i - 1;
}

/** Static stubs: redirect a function for the rest of the test. */
function example_static_stub_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, add_one(1), 2);
  kunit_activate_static_stub(test, add_one, subtract_one);
  KUNIT_EXPECT_EQ(test, add_one(1), 0);
}

interface ExampleParam {
  value: number;
}
const example_params_array: ExampleParam[] = [
  { value: 3 },
  { value: 2 },
  { value: 1 },
  { value: 0 },
];
const example_gen_params = KUNIT_ARRAY_PARAM(
  example_params_array,
  (p) => `example value ${p.value}`,
);

/** A parameterised case: odd values are unsupported. */
function example_params_test(test: Kunit<ExampleParam>): void {
  const param = test.param_value;
  KUNIT_ASSERT_GT(test, param.value + 1, 0);
  if (param.value % 2) {
    kunit_skip(test, `unsupported param value ${param.value}`);
  }
  KUNIT_EXPECT_EQ(test, param.value % 2, 0);
}

/** Test-managed memory and a deferred action. */
function example_resource_test(test: Kunit): void {
  const buf = kunit_kzalloc(test, 64, GFP_KERNEL);
  let released = false;
  kunit_add_action(test, () => void (released = true), null);
  KUNIT_EXPECT_EQ(test, buf.length, 64);
  KUNIT_EXPECT_TRUE(test, !released);
}

/** A case marked slow. */
function example_slow_test(test: Kunit): void {
  KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

export default kunit_test_suite({
  name: "example",
  init(test) {
    kunit_info(test, "initializing");
    return 0;
  },
  suite_init(suite) {
    kunit_info(suite, "initializing suite");
    return 0;
  },
  test_cases: [
    KUNIT_CASE(example_simple_test),
    KUNIT_CASE(example_skip_test),
    KUNIT_CASE(example_mark_skipped_test),
    KUNIT_CASE(example_all_expect_macros_test),
    KUNIT_CASE(example_static_stub_test),
    KUNIT_CASE_PARAM(example_params_test, example_gen_params),
    KUNIT_CASE(example_resource_test),
    KUNIT_CASE_SLOW(example_slow_test),
  ],
});
