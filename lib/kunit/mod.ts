// Copyright 2026 the iommulab authors. MIT license.
/**
 * The KUnit mirror: the kernel's KUnit API with the same names, semantics
 * and KTAP output, so kernel test cases port almost line for line.
 *
 * ```ts
 * import {
 *   type Kunit,
 *   KUNIT_CASE,
 *   KUNIT_EXPECT_EQ,
 *   kunit_test_suite,
 * } from "./mod.ts";
 *
 * function example_simple_test(test: Kunit): void {
 *   KUNIT_EXPECT_EQ(test, 1 + 1, 2);
 * }
 *
 * export default kunit_test_suite({
 *   name: "example",
 *   test_cases: [KUNIT_CASE(example_simple_test)],
 * });
 * ```
 *
 * Suites register with {@link kunit_test_suite}; `deno task kunit` runs
 * them and prints KTAP, `deno test` runs each as one test with a step per
 * case.
 *
 * @module
 */
export * from "./test.ts";
export * from "./assert.ts";
export * from "./case.ts";
export * from "./resource.ts";
export * from "./filter.ts";
export * from "./executor.ts";
export * from "./log.ts";
export { KUNIT_STATIC_STUB_REDIRECT } from "../kernel/static_stub.ts";
export type { StubResult } from "../kernel/static_stub.ts";
export {
  kunit_fail_current_test,
  kunit_get_current_test,
} from "../kernel/test_bug.ts";
export * from "./ktap_parser.ts";
export * from "./ktap_report.ts";
export * from "./kunit_json.ts";
