// Copyright 2026 the iommulab authors. MIT license.
/**
 * Every `KUNIT_EXPECT_*` and `KUNIT_ASSERT_*` (include/kunit/test.h) with
 * its `_MSG` form. An EXPECT that fails marks the test failed and carries
 * on; an ASSERT that fails also ends the case (its `exit` and deferred
 * actions still run). Arguments are evaluated once, by the call itself.
 *
 * A passing check costs one comparison. On failure the message is built
 * exactly as lib/kunit/assert.c builds it, with the operand text read from
 * the calling source line (the `#x` of the C macro).
 *
 * `_MSG` forms take a printf-style format and its arguments last:
 * `KUNIT_EXPECT_EQ_MSG(test, a, b, "at pfn %lu", pfn)`.
 *
 * @module
 */
import { type ErrPtr, IS_ERR_OR_NULL } from "../kernel/err.ts";
import {
  compare_mixed,
  fail_binary,
  fail_mem,
  fail_not_err,
  fail_plain,
  fail_ptr,
  fail_str,
  fail_unary,
} from "./_assert_format.ts";
import type { Kunit } from "./test.ts";

/** A value an integer comparison accepts (C integer types). */
export type KunitInt = number | bigint | boolean;
/** A buffer `MEMEQ` compares. */
export type KunitBytes = ArrayLike<number> | null;

/** `KUNIT_EXPECT_EQ`: Expects that `left == right`. */
export function KUNIT_EXPECT_EQ<T extends KunitInt | null | undefined | string>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (left === right || compare_mixed("==", left, right)) return;
  fail_binary(test, "EXPECTATION", "==", left, right, null);
}

/** `KUNIT_EXPECT_EQ_MSG`: Expects that `left == right` (with a message). */
export function KUNIT_EXPECT_EQ_MSG<
  T extends KunitInt | null | undefined | string,
>(test: Kunit, left: T, right: T, fmt: string, ...args: unknown[]): void {
  if (left === right || compare_mixed("==", left, right)) return;
  fail_binary(test, "EXPECTATION", "==", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_EQ`: Asserts that `left == right`. */
export function KUNIT_ASSERT_EQ<T extends KunitInt | null | undefined | string>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (left === right || compare_mixed("==", left, right)) return;
  fail_binary(test, "ASSERTION", "==", left, right, null);
}

/** `KUNIT_ASSERT_EQ_MSG`: Asserts that `left == right` (with a message). */
export function KUNIT_ASSERT_EQ_MSG<
  T extends KunitInt | null | undefined | string,
>(test: Kunit, left: T, right: T, fmt: string, ...args: unknown[]): void {
  if (left === right || compare_mixed("==", left, right)) return;
  fail_binary(test, "ASSERTION", "==", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_NE`: Expects that `left != right`. */
export function KUNIT_EXPECT_NE<T extends KunitInt | null | undefined | string>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("!=", left, right)) return;
  fail_binary(test, "EXPECTATION", "!=", left, right, null);
}

/** `KUNIT_EXPECT_NE_MSG`: Expects that `left != right` (with a message). */
export function KUNIT_EXPECT_NE_MSG<
  T extends KunitInt | null | undefined | string,
>(test: Kunit, left: T, right: T, fmt: string, ...args: unknown[]): void {
  if (compare_mixed("!=", left, right)) return;
  fail_binary(test, "EXPECTATION", "!=", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_NE`: Asserts that `left != right`. */
export function KUNIT_ASSERT_NE<T extends KunitInt | null | undefined | string>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("!=", left, right)) return;
  fail_binary(test, "ASSERTION", "!=", left, right, null);
}

/** `KUNIT_ASSERT_NE_MSG`: Asserts that `left != right` (with a message). */
export function KUNIT_ASSERT_NE_MSG<
  T extends KunitInt | null | undefined | string,
>(test: Kunit, left: T, right: T, fmt: string, ...args: unknown[]): void {
  if (compare_mixed("!=", left, right)) return;
  fail_binary(test, "ASSERTION", "!=", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_LT`: Expects that `left < right`. */
export function KUNIT_EXPECT_LT<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("<", left, right)) return;
  fail_binary(test, "EXPECTATION", "<", left, right, null);
}

/** `KUNIT_EXPECT_LT_MSG`: Expects that `left < right` (with a message). */
export function KUNIT_EXPECT_LT_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed("<", left, right)) return;
  fail_binary(test, "EXPECTATION", "<", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_LT`: Asserts that `left < right`. */
export function KUNIT_ASSERT_LT<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("<", left, right)) return;
  fail_binary(test, "ASSERTION", "<", left, right, null);
}

/** `KUNIT_ASSERT_LT_MSG`: Asserts that `left < right` (with a message). */
export function KUNIT_ASSERT_LT_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed("<", left, right)) return;
  fail_binary(test, "ASSERTION", "<", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_LE`: Expects that `left <= right`. */
export function KUNIT_EXPECT_LE<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("<=", left, right)) return;
  fail_binary(test, "EXPECTATION", "<=", left, right, null);
}

/** `KUNIT_EXPECT_LE_MSG`: Expects that `left <= right` (with a message). */
export function KUNIT_EXPECT_LE_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed("<=", left, right)) return;
  fail_binary(test, "EXPECTATION", "<=", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_LE`: Asserts that `left <= right`. */
export function KUNIT_ASSERT_LE<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed("<=", left, right)) return;
  fail_binary(test, "ASSERTION", "<=", left, right, null);
}

/** `KUNIT_ASSERT_LE_MSG`: Asserts that `left <= right` (with a message). */
export function KUNIT_ASSERT_LE_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed("<=", left, right)) return;
  fail_binary(test, "ASSERTION", "<=", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_GT`: Expects that `left > right`. */
export function KUNIT_EXPECT_GT<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed(">", left, right)) return;
  fail_binary(test, "EXPECTATION", ">", left, right, null);
}

/** `KUNIT_EXPECT_GT_MSG`: Expects that `left > right` (with a message). */
export function KUNIT_EXPECT_GT_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed(">", left, right)) return;
  fail_binary(test, "EXPECTATION", ">", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_GT`: Asserts that `left > right`. */
export function KUNIT_ASSERT_GT<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed(">", left, right)) return;
  fail_binary(test, "ASSERTION", ">", left, right, null);
}

/** `KUNIT_ASSERT_GT_MSG`: Asserts that `left > right` (with a message). */
export function KUNIT_ASSERT_GT_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed(">", left, right)) return;
  fail_binary(test, "ASSERTION", ">", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_GE`: Expects that `left >= right`. */
export function KUNIT_EXPECT_GE<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed(">=", left, right)) return;
  fail_binary(test, "EXPECTATION", ">=", left, right, null);
}

/** `KUNIT_EXPECT_GE_MSG`: Expects that `left >= right` (with a message). */
export function KUNIT_EXPECT_GE_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed(">=", left, right)) return;
  fail_binary(test, "EXPECTATION", ">=", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_GE`: Asserts that `left >= right`. */
export function KUNIT_ASSERT_GE<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
): void {
  if (compare_mixed(">=", left, right)) return;
  fail_binary(test, "ASSERTION", ">=", left, right, null);
}

/** `KUNIT_ASSERT_GE_MSG`: Asserts that `left >= right` (with a message). */
export function KUNIT_ASSERT_GE_MSG<T extends KunitInt>(
  test: Kunit,
  left: T,
  right: T,
  fmt: string,
  ...args: unknown[]
): void {
  if (compare_mixed(">=", left, right)) return;
  fail_binary(test, "ASSERTION", ">=", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_TRUE`: Expects that `condition` is truthy. */
export function KUNIT_EXPECT_TRUE(test: Kunit, condition: unknown): void {
  if (condition) return;
  fail_unary(test, "EXPECTATION", true, null);
}

/** `KUNIT_EXPECT_TRUE_MSG`: Expects that `condition` is truthy (with a message). */
export function KUNIT_EXPECT_TRUE_MSG(
  test: Kunit,
  condition: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (condition) return;
  fail_unary(test, "EXPECTATION", true, [fmt, ...args]);
}

/** `KUNIT_ASSERT_TRUE`: Asserts that `condition` is truthy. */
export function KUNIT_ASSERT_TRUE(test: Kunit, condition: unknown): void {
  if (condition) return;
  fail_unary(test, "ASSERTION", true, null);
}

/** `KUNIT_ASSERT_TRUE_MSG`: Asserts that `condition` is truthy (with a message). */
export function KUNIT_ASSERT_TRUE_MSG(
  test: Kunit,
  condition: unknown,
  fmt: string,
  ...args: unknown[]
): asserts condition {
  if (condition) return;
  fail_unary(test, "ASSERTION", true, [fmt, ...args]);
}

/** `KUNIT_EXPECT_FALSE`: Expects that `condition` is falsy. */
export function KUNIT_EXPECT_FALSE(test: Kunit, condition: unknown): void {
  if (!condition) return;
  fail_unary(test, "EXPECTATION", false, null);
}

/** `KUNIT_EXPECT_FALSE_MSG`: Expects that `condition` is falsy (with a message). */
export function KUNIT_EXPECT_FALSE_MSG(
  test: Kunit,
  condition: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (!condition) return;
  fail_unary(test, "EXPECTATION", false, [fmt, ...args]);
}

/** `KUNIT_ASSERT_FALSE`: Asserts that `condition` is falsy. */
export function KUNIT_ASSERT_FALSE(test: Kunit, condition: unknown): void {
  if (!condition) return;
  fail_unary(test, "ASSERTION", false, null);
}

/** `KUNIT_ASSERT_FALSE_MSG`: Asserts that `condition` is falsy (with a message). */
export function KUNIT_ASSERT_FALSE_MSG(
  test: Kunit,
  condition: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (!condition) return;
  fail_unary(test, "ASSERTION", false, [fmt, ...args]);
}

/** `KUNIT_EXPECT_PTR_EQ`: Expects that two references are the same object. */
export function KUNIT_EXPECT_PTR_EQ(
  test: Kunit,
  left: unknown,
  right: unknown,
): void {
  if (left === right) return;
  fail_ptr(test, "EXPECTATION", "==", left, right, null, null);
}

/** `KUNIT_EXPECT_PTR_EQ_MSG`: Expects that two references are the same object (with a message). */
export function KUNIT_EXPECT_PTR_EQ_MSG(
  test: Kunit,
  left: unknown,
  right: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (left === right) return;
  fail_ptr(test, "EXPECTATION", "==", left, right, null, [fmt, ...args]);
}

/** `KUNIT_ASSERT_PTR_EQ`: Asserts that two references are the same object. */
export function KUNIT_ASSERT_PTR_EQ(
  test: Kunit,
  left: unknown,
  right: unknown,
): void {
  if (left === right) return;
  fail_ptr(test, "ASSERTION", "==", left, right, null, null);
}

/** `KUNIT_ASSERT_PTR_EQ_MSG`: Asserts that two references are the same object (with a message). */
export function KUNIT_ASSERT_PTR_EQ_MSG(
  test: Kunit,
  left: unknown,
  right: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (left === right) return;
  fail_ptr(test, "ASSERTION", "==", left, right, null, [fmt, ...args]);
}

/** `KUNIT_EXPECT_PTR_NE`: Expects that two references differ. */
export function KUNIT_EXPECT_PTR_NE(
  test: Kunit,
  left: unknown,
  right: unknown,
): void {
  if (left !== right) return;
  fail_ptr(test, "EXPECTATION", "!=", left, right, null, null);
}

/** `KUNIT_EXPECT_PTR_NE_MSG`: Expects that two references differ (with a message). */
export function KUNIT_EXPECT_PTR_NE_MSG(
  test: Kunit,
  left: unknown,
  right: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== right) return;
  fail_ptr(test, "EXPECTATION", "!=", left, right, null, [fmt, ...args]);
}

/** `KUNIT_ASSERT_PTR_NE`: Asserts that two references differ. */
export function KUNIT_ASSERT_PTR_NE(
  test: Kunit,
  left: unknown,
  right: unknown,
): void {
  if (left !== right) return;
  fail_ptr(test, "ASSERTION", "!=", left, right, null, null);
}

/** `KUNIT_ASSERT_PTR_NE_MSG`: Asserts that two references differ (with a message). */
export function KUNIT_ASSERT_PTR_NE_MSG(
  test: Kunit,
  left: unknown,
  right: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== right) return;
  fail_ptr(test, "ASSERTION", "!=", left, right, null, [fmt, ...args]);
}

/** `KUNIT_EXPECT_NULL`: Expects that `ptr` is NULL. */
export function KUNIT_EXPECT_NULL(test: Kunit, ptr: unknown): void {
  if (ptr === null || ptr === undefined) return;
  fail_ptr(test, "EXPECTATION", "==", ptr, null, "NULL", null);
}

/** `KUNIT_EXPECT_NULL_MSG`: Expects that `ptr` is NULL (with a message). */
export function KUNIT_EXPECT_NULL_MSG(
  test: Kunit,
  ptr: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (ptr === null || ptr === undefined) return;
  fail_ptr(test, "EXPECTATION", "==", ptr, null, "NULL", [fmt, ...args]);
}

/** `KUNIT_ASSERT_NULL`: Asserts that `ptr` is NULL. */
export function KUNIT_ASSERT_NULL(test: Kunit, ptr: unknown): void {
  if (ptr === null || ptr === undefined) return;
  fail_ptr(test, "ASSERTION", "==", ptr, null, "NULL", null);
}

/** `KUNIT_ASSERT_NULL_MSG`: Asserts that `ptr` is NULL (with a message). */
export function KUNIT_ASSERT_NULL_MSG(
  test: Kunit,
  ptr: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (ptr === null || ptr === undefined) return;
  fail_ptr(test, "ASSERTION", "==", ptr, null, "NULL", [fmt, ...args]);
}

/** `KUNIT_EXPECT_NOT_NULL`: Expects that `ptr` is not NULL. */
export function KUNIT_EXPECT_NOT_NULL(test: Kunit, ptr: unknown): void {
  if (ptr !== null && ptr !== undefined) return;
  fail_ptr(test, "EXPECTATION", "!=", ptr, null, "NULL", null);
}

/** `KUNIT_EXPECT_NOT_NULL_MSG`: Expects that `ptr` is not NULL (with a message). */
export function KUNIT_EXPECT_NOT_NULL_MSG(
  test: Kunit,
  ptr: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (ptr !== null && ptr !== undefined) return;
  fail_ptr(test, "EXPECTATION", "!=", ptr, null, "NULL", [fmt, ...args]);
}

/** `KUNIT_ASSERT_NOT_NULL`: Asserts that `ptr` is not NULL. */
export function KUNIT_ASSERT_NOT_NULL<T>(
  test: Kunit,
  ptr: T,
): asserts ptr is NonNullable<T> {
  if (ptr !== null && ptr !== undefined) return;
  fail_ptr(test, "ASSERTION", "!=", ptr, null, "NULL", null);
}

/** `KUNIT_ASSERT_NOT_NULL_MSG`: Asserts that `ptr` is not NULL (with a message). */
export function KUNIT_ASSERT_NOT_NULL_MSG<T>(
  test: Kunit,
  ptr: T,
  fmt: string,
  ...args: unknown[]
): asserts ptr is NonNullable<T> {
  if (ptr !== null && ptr !== undefined) return;
  fail_ptr(test, "ASSERTION", "!=", ptr, null, "NULL", [fmt, ...args]);
}

/** `KUNIT_EXPECT_STREQ`: Expects that two strings are equal (both non-NULL). */
export function KUNIT_EXPECT_STREQ(
  test: Kunit,
  left: string | null,
  right: string | null,
): void {
  if (left !== null && right !== null && left === right) return;
  fail_str(test, "EXPECTATION", "==", left, right, null);
}

/** `KUNIT_EXPECT_STREQ_MSG`: Expects that two strings are equal (both non-NULL) (with a message). */
export function KUNIT_EXPECT_STREQ_MSG(
  test: Kunit,
  left: string | null,
  right: string | null,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && left === right) return;
  fail_str(test, "EXPECTATION", "==", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_STREQ`: Asserts that two strings are equal (both non-NULL). */
export function KUNIT_ASSERT_STREQ(
  test: Kunit,
  left: string | null,
  right: string | null,
): void {
  if (left !== null && right !== null && left === right) return;
  fail_str(test, "ASSERTION", "==", left, right, null);
}

/** `KUNIT_ASSERT_STREQ_MSG`: Asserts that two strings are equal (both non-NULL) (with a message). */
export function KUNIT_ASSERT_STREQ_MSG(
  test: Kunit,
  left: string | null,
  right: string | null,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && left === right) return;
  fail_str(test, "ASSERTION", "==", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_STRNEQ`: Expects that two strings differ (both non-NULL). */
export function KUNIT_EXPECT_STRNEQ(
  test: Kunit,
  left: string | null,
  right: string | null,
): void {
  if (left !== null && right !== null && left !== right) return;
  fail_str(test, "EXPECTATION", "!=", left, right, null);
}

/** `KUNIT_EXPECT_STRNEQ_MSG`: Expects that two strings differ (both non-NULL) (with a message). */
export function KUNIT_EXPECT_STRNEQ_MSG(
  test: Kunit,
  left: string | null,
  right: string | null,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && left !== right) return;
  fail_str(test, "EXPECTATION", "!=", left, right, [fmt, ...args]);
}

/** `KUNIT_ASSERT_STRNEQ`: Asserts that two strings differ (both non-NULL). */
export function KUNIT_ASSERT_STRNEQ(
  test: Kunit,
  left: string | null,
  right: string | null,
): void {
  if (left !== null && right !== null && left !== right) return;
  fail_str(test, "ASSERTION", "!=", left, right, null);
}

/** `KUNIT_ASSERT_STRNEQ_MSG`: Asserts that two strings differ (both non-NULL) (with a message). */
export function KUNIT_ASSERT_STRNEQ_MSG(
  test: Kunit,
  left: string | null,
  right: string | null,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && left !== right) return;
  fail_str(test, "ASSERTION", "!=", left, right, [fmt, ...args]);
}

/** `KUNIT_EXPECT_MEMEQ`: Expects that the first `size` bytes are equal (both non-NULL). */
export function KUNIT_EXPECT_MEMEQ(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
): void {
  if (left !== null && right !== null && memcmp(left, right, size) === 0) {
    return;
  }
  fail_mem(test, "EXPECTATION", "==", left, right, size, null);
}

/** `KUNIT_EXPECT_MEMEQ_MSG`: Expects that the first `size` bytes are equal (both non-NULL) (with a message). */
export function KUNIT_EXPECT_MEMEQ_MSG(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && memcmp(left, right, size) === 0) {
    return;
  }
  fail_mem(test, "EXPECTATION", "==", left, right, size, [fmt, ...args]);
}

/** `KUNIT_ASSERT_MEMEQ`: Asserts that the first `size` bytes are equal (both non-NULL). */
export function KUNIT_ASSERT_MEMEQ(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
): void {
  if (left !== null && right !== null && memcmp(left, right, size) === 0) {
    return;
  }
  fail_mem(test, "ASSERTION", "==", left, right, size, null);
}

/** `KUNIT_ASSERT_MEMEQ_MSG`: Asserts that the first `size` bytes are equal (both non-NULL) (with a message). */
export function KUNIT_ASSERT_MEMEQ_MSG(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && memcmp(left, right, size) === 0) {
    return;
  }
  fail_mem(test, "ASSERTION", "==", left, right, size, [fmt, ...args]);
}

/** `KUNIT_EXPECT_MEMNEQ`: Expects that the first `size` bytes differ (both non-NULL). */
export function KUNIT_EXPECT_MEMNEQ(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
): void {
  if (left !== null && right !== null && memcmp(left, right, size) !== 0) {
    return;
  }
  fail_mem(test, "EXPECTATION", "!=", left, right, size, null);
}

/** `KUNIT_EXPECT_MEMNEQ_MSG`: Expects that the first `size` bytes differ (both non-NULL) (with a message). */
export function KUNIT_EXPECT_MEMNEQ_MSG(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && memcmp(left, right, size) !== 0) {
    return;
  }
  fail_mem(test, "EXPECTATION", "!=", left, right, size, [fmt, ...args]);
}

/** `KUNIT_ASSERT_MEMNEQ`: Asserts that the first `size` bytes differ (both non-NULL). */
export function KUNIT_ASSERT_MEMNEQ(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
): void {
  if (left !== null && right !== null && memcmp(left, right, size) !== 0) {
    return;
  }
  fail_mem(test, "ASSERTION", "!=", left, right, size, null);
}

/** `KUNIT_ASSERT_MEMNEQ_MSG`: Asserts that the first `size` bytes differ (both non-NULL) (with a message). */
export function KUNIT_ASSERT_MEMNEQ_MSG(
  test: Kunit,
  left: KunitBytes,
  right: KunitBytes,
  size: number,
  fmt: string,
  ...args: unknown[]
): void {
  if (left !== null && right !== null && memcmp(left, right, size) !== 0) {
    return;
  }
  fail_mem(test, "ASSERTION", "!=", left, right, size, [fmt, ...args]);
}

/** `KUNIT_EXPECT_NOT_ERR_OR_NULL`: Expects that `ptr` is neither NULL nor an `ERR_PTR`. */
export function KUNIT_EXPECT_NOT_ERR_OR_NULL(
  test: Kunit,
  ptr: unknown,
): void {
  if (!IS_ERR_OR_NULL(ptr)) return;
  fail_not_err(test, "EXPECTATION", ptr, null);
}

/** `KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG`: Expects that `ptr` is neither NULL nor an `ERR_PTR` (with a message). */
export function KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(
  test: Kunit,
  ptr: unknown,
  fmt: string,
  ...args: unknown[]
): void {
  if (!IS_ERR_OR_NULL(ptr)) return;
  fail_not_err(test, "EXPECTATION", ptr, [fmt, ...args]);
}

/** `KUNIT_ASSERT_NOT_ERR_OR_NULL`: Asserts that `ptr` is neither NULL nor an `ERR_PTR`. */
export function KUNIT_ASSERT_NOT_ERR_OR_NULL<T>(
  test: Kunit,
  ptr: T,
): asserts ptr is Exclude<NonNullable<T>, ErrPtr> {
  if (!IS_ERR_OR_NULL(ptr)) return;
  fail_not_err(test, "ASSERTION", ptr, null);
}

/** `KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG`: Asserts that `ptr` is neither NULL nor an `ERR_PTR` (with a message). */
export function KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG<T>(
  test: Kunit,
  ptr: T,
  fmt: string,
  ...args: unknown[]
): asserts ptr is Exclude<NonNullable<T>, ErrPtr> {
  if (!IS_ERR_OR_NULL(ptr)) return;
  fail_not_err(test, "ASSERTION", ptr, [fmt, ...args]);
}

/** `KUNIT_FAIL(test, fmt, ...)`: always fails; the test carries on. */
export function KUNIT_FAIL(
  test: Kunit,
  fmt: string,
  ...args: unknown[]
): void {
  fail_plain(test, "EXPECTATION", [fmt, ...args]);
}

/** `KUNIT_SUCCEED(test)`: does nothing; documents that reaching here passes. */
export function KUNIT_SUCCEED(_test: Kunit): void {}

/** `KUNIT_ASSERT_FAILURE(test, fmt, ...)`: always fails and ends the case. */
export function KUNIT_ASSERT_FAILURE(
  test: Kunit,
  fmt: string,
  ...args: unknown[]
): never {
  fail_plain(test, "ASSERTION", [fmt, ...args]);
  throw new Error("unreachable");
}

function memcmp(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
