// Copyright 2026 the iommulab authors. MIT license.
/**
 * Test-managed memory, deferred actions and static stubs
 * (include/kunit/resource.h, lib/kunit/resource.c, lib/kunit/static_stub.c).
 *
 * Everything a test registers lives on one list, unwound last-in first-out
 * by `kunit_cleanup()` after the suite's `exit`, including after an abort.
 *
 * @module
 */
import { EEXIST, ENOENT } from "../kernel/errno.ts";
import {
  __kunit_abort,
  type Kunit,
  kunit_err,
  kunit_set_failure,
} from "./test.ts";

/** `kunit_action_t`: a deferred action, called with its context. */
export type KunitAction<C> = (ctx: C) => void;

/**
 * `kunit_add_action(test, fn, ctx)`: call `fn(ctx)` when the test ends.
 * Returns 0.
 */
export function kunit_add_action<C>(
  test: Kunit,
  fn: KunitAction<C>,
  ctx: C,
): number {
  if (typeof fn !== "function") {
    kunit_set_failure(test);
    kunit_err(test, "Tried to action a NULL function!");
    __kunit_abort(test);
  }
  test.resources.push({ fn: fn as (ctx: never) => void, ctx, name: null });
  return 0;
}

/**
 * `kunit_add_action_or_reset(test, fn, ctx)`: like `kunit_add_action`, but
 * calls `fn(ctx)` at once if registration fails (it cannot fail here).
 */
export function kunit_add_action_or_reset<C>(
  test: Kunit,
  fn: KunitAction<C>,
  ctx: C,
): number {
  return kunit_add_action(test, fn, ctx);
}

function find_action(test: Kunit, fn: unknown, ctx: unknown): number {
  for (let i = test.resources.length - 1; i >= 0; i--) {
    const r = test.resources[i]!;
    if (r.fn === fn && r.ctx === ctx) return i;
  }
  return -1;
}

/** `kunit_remove_action`: cancel the newest matching action, unrun. */
export function kunit_remove_action<C>(
  test: Kunit,
  fn: KunitAction<C>,
  ctx: C,
): void {
  const i = find_action(test, fn, ctx);
  if (i >= 0) test.resources.splice(i, 1);
}

/** `kunit_release_action`: run the newest matching action now, remove it. */
export function kunit_release_action<C>(
  test: Kunit,
  fn: KunitAction<C>,
  ctx: C,
): void {
  const i = find_action(test, fn, ctx);
  if (i < 0) return;
  const [r] = test.resources.splice(i, 1);
  (r!.fn as KunitAction<unknown>)(r!.ctx);
}

/**
 * `kunit_add_named_resource`-style registration of a named action:
 * `-EINVAL` without a name is not possible here; `-EEXIST` on a duplicate
 * name is returned as in the kernel.
 */
export function kunit_add_named_action<C>(
  test: Kunit,
  name: string,
  fn: KunitAction<C>,
  ctx: C,
): number {
  if (test.resources.some((r) => r.name === name)) return -EEXIST;
  test.resources.push({ fn: fn as (ctx: never) => void, ctx, name });
  return 0;
}

/** `kunit_find_named_resource`: the context of a named entry, or null. */
export function kunit_find_named_resource(
  test: Kunit,
  name: string,
): unknown {
  for (let i = test.resources.length - 1; i >= 0; i--) {
    if (test.resources[i]!.name === name) return test.resources[i]!.ctx;
  }
  return null;
}

/** `kunit_destroy_named_resource`: release a named entry; 0 or -ENOENT. */
export function kunit_destroy_named_resource(
  test: Kunit,
  name: string,
): number {
  for (let i = test.resources.length - 1; i >= 0; i--) {
    const r = test.resources[i]!;
    if (r.name === name) {
      test.resources.splice(i, 1);
      (r.fn as KunitAction<unknown>)(r.ctx);
      return 0;
    }
  }
  return -ENOENT;
}

/**
 * `kunit_cleanup(test)`: release every resource, newest first, including
 * any an action adds while cleanup runs.
 */
export function kunit_cleanup(test: Kunit): void {
  let r;
  while ((r = test.resources.pop()) !== undefined) {
    (r.fn as KunitAction<unknown>)(r.ctx);
  }
}

function kfree_action(_buf: unknown): void {}

/**
 * `kunit_kmalloc(test, size, gfp)`: test-managed memory, released when the
 * test ends. With a number it returns a `Uint8Array` of that size (zeroed,
 * as JavaScript memory always is); with a factory it returns the object
 * the factory makes (`kunit_kzalloc(test, () => new Foo(), GFP_KERNEL)`).
 */
export function kunit_kmalloc<T = Uint8Array>(
  test: Kunit,
  size: number | (() => T),
  _gfp: number,
): T {
  let obj: T;
  if (typeof size === "function") obj = size();
  else {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`kunit_kmalloc: size ${size} is not a byte count`);
    }
    obj = new Uint8Array(size) as T;
  }
  kunit_add_action(test, kfree_action, obj);
  return obj;
}

/** `kunit_kzalloc(test, size, gfp)`: as `kunit_kmalloc` (memory is zeroed). */
export function kunit_kzalloc<T = Uint8Array>(
  test: Kunit,
  size: number | (() => T),
  gfp: number,
): T {
  return kunit_kmalloc(test, size, gfp);
}

/** `kunit_kcalloc(test, n, size, gfp)`. */
export function kunit_kcalloc(
  test: Kunit,
  n: number,
  size: number,
  gfp: number,
): Uint8Array {
  return kunit_kmalloc(test, n * size, gfp);
}

/** `kunit_kfree(test, ptr)`: frees early; `null` does nothing. */
export function kunit_kfree(test: Kunit, ptr: unknown): void {
  if (ptr === null || ptr === undefined) return;
  kunit_release_action(test, kfree_action, ptr);
}

/** `kunit_kstrdup(test, str, gfp)`: strings are values; returned as is. */
export function kunit_kstrdup(
  test: Kunit,
  str: string | null,
  gfp: number,
): string | null {
  if (str === null) return null;
  kunit_kmalloc(test, str.length + 1, gfp);
  return str;
}

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

function remove_stub(ctx: { test: Kunit; real: unknown }): void {
  ctx.test.stubs.delete(ctx.real);
}

/**
 * `kunit_activate_static_stub(test, real_fn, replacement)`: calls to
 * `real_fn` that begin with `KUNIT_STATIC_STUB_REDIRECT` go to
 * `replacement` for the rest of this test. Activating again swaps the
 * replacement; a `null` replacement deactivates.
 */
export function kunit_activate_static_stub<F extends AnyFn>(
  test: Kunit,
  real_fn: F,
  replacement: F | null,
): void {
  if (typeof real_fn !== "function") {
    kunit_set_failure(test);
    kunit_err(test, "Tried to activate a stub for function NULL");
    __kunit_abort(test);
  }
  if (replacement === null) {
    if (test.stubs.has(real_fn)) kunit_deactivate_static_stub(test, real_fn);
    return;
  }
  if (!test.stubs.has(real_fn)) {
    kunit_add_action(test, remove_stub, { test, real: real_fn });
  }
  test.stubs.set(real_fn, replacement);
}

/** `kunit_deactivate_static_stub(test, real_fn)`. */
export function kunit_deactivate_static_stub(
  test: Kunit,
  real_fn: AnyFn,
): void {
  if (typeof real_fn !== "function") {
    kunit_set_failure(test);
    kunit_err(test, "Tried to deactivate a NULL stub.");
    __kunit_abort(test);
  }
  if (!test.stubs.has(real_fn)) {
    kunit_set_failure(test);
    kunit_err(test, "Tried to deactivate a nonexistent stub.");
    __kunit_abort(test);
  }
  test.stubs.delete(real_fn);
  for (let i = test.resources.length - 1; i >= 0; i--) {
    const r = test.resources[i]!;
    if (r.fn === remove_stub && (r.ctx as { real: unknown }).real === real_fn) {
      test.resources.splice(i, 1);
      break;
    }
  }
}
