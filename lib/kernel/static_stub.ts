// Copyright 2026 the iommulab authors. MIT license.
/**
 * `KUNIT_STATIC_STUB_REDIRECT` (include/kunit/static_stub.h), the kernel side
 * of KUnit's static stubs, so that model code can be stubbed from a test
 * without importing the KUnit mirror.
 *
 * In C the macro returns from the enclosing function; TypeScript cannot, so
 * it returns a box: the first statement of a stubbable function is
 *
 * ```ts ignore
 * const stub = KUNIT_STATIC_STUB_REDIRECT(add_one, i);
 * if (stub) return stub.ret;
 * ```
 *
 * With no test running (or no stub active for `real_fn` in the current
 * test) it returns `null` after one boolean check.
 *
 * @module
 */
import { kunit_hooks, kunit_running } from "./test_bug.ts";

/** What a redirected call returned. */
export interface StubResult<R> {
  /** The replacement's return value. */
  ret: R;
}

/**
 * Calls the replacement registered for `real_fn` in the current test, if
 * any, and returns its result boxed; otherwise `null`.
 */
export function KUNIT_STATIC_STUB_REDIRECT<A extends unknown[], R>(
  real_fn: (...args: A) => R,
  ...args: A
): StubResult<R> | null {
  if (!kunit_running) return null;
  const replacement = kunit_hooks.get_static_stub(real_fn) as
    | ((...args: A) => R)
    | null;
  if (replacement === null) return null;
  return { ret: replacement(...args) };
}
