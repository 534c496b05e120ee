// Copyright 2026 the iommulab authors. MIT license.
/**
 * `BUG_ON`, `WARN_ON` and `printk` (include/asm-generic/bug.h,
 * include/linux/printk.h), routed to the current KUnit test.
 *
 * - `BUG_ON(cond)` throws a {@link KernelBug}: under KUnit the case ends as a
 *   failure with the message, like a kernel oops inside a test's kthread.
 * - `WARN_ON(cond)` logs `WARNING: at <file:line>` on the current test and
 *   counts it; it does not fail the test (as in the kernel), but a suite can
 *   assert that {@link warn_count} stayed at zero.
 * - `pr_err`, `pr_warn`, `pr_info`, `pr_debug` log one diagnostic line on the
 *   current test and count by level.
 *
 * @module
 */
import {
  caller_site,
  kunit_get_current_test,
  kunit_log_current_test,
  type KunitTestRef,
} from "./test_bug.ts";

/** Thrown by `BUG_ON`/`BUG`: the simulated kernel hit a fatal condition. */
export class KernelBug extends Error {
  /** `file:line` of the `BUG_ON`. */
  readonly site: string;
  /** Creates a KernelBug reported at `site`. */
  constructor(message: string, site: string) {
    super(`kernel BUG at ${site}: ${message}`);
    this.name = "KernelBug";
    this.site = site;
  }
}

/** Counters of what kernel code reported, per test (or globally). */
export interface PrintkCounters {
  /** `WARN_ON`/`WARN` that fired. */
  warnings: number;
  /** `pr_err` lines. */
  errors: number;
  /** `pr_warn` lines. */
  warns: number;
  /** `pr_info` and `pr_debug` lines. */
  infos: number;
}

const perTest = new WeakMap<KunitTestRef, PrintkCounters>();
const outside: PrintkCounters = { warnings: 0, errors: 0, warns: 0, infos: 0 };

/** The counters of the current test (or of code running outside any test). */
export function printk_counters(
  test: KunitTestRef | null = kunit_get_current_test(),
): PrintkCounters {
  if (test === null) return outside;
  let c = perTest.get(test);
  if (!c) {
    c = { warnings: 0, errors: 0, warns: 0, infos: 0 };
    perTest.set(test, c);
  }
  return c;
}

/** How many `WARN_ON`s fired in the current test. */
export function warn_count(
  test: KunitTestRef | null = kunit_get_current_test(),
): number {
  return printk_counters(test).warnings;
}

/** `BUG()`: always throws a {@link KernelBug}. */
export function BUG(message = "BUG()"): never {
  throw new KernelBug(message, caller_site());
}

/** `BUG_ON(cond)`: throws a {@link KernelBug} when `cond` is truthy. */
export function BUG_ON(cond: unknown, message = "BUG_ON"): void {
  if (cond) throw new KernelBug(message, caller_site());
}

function warn(site: string, message: string | undefined): void {
  printk_counters().warnings++;
  kunit_log_current_test(
    message === undefined
      ? `WARNING: at ${site}`
      : `WARNING: at ${site}: ${message}`,
  );
}

/** `WARN_ON(cond)`: logs and counts a warning when `cond`; returns `!!cond`. */
export function WARN_ON(cond: unknown): boolean {
  if (cond) warn(caller_site(), undefined);
  return !!cond;
}

/** `WARN(cond, fmt)`: like `WARN_ON` with a message. */
export function WARN(cond: unknown, message: string): boolean {
  if (cond) warn(caller_site(), message);
  return !!cond;
}

const warnedOnce = new Set<string>();

/** `WARN_ON_ONCE(cond)`: warns only the first time this call site fires. */
export function WARN_ON_ONCE(cond: unknown): boolean {
  if (cond) {
    const site = caller_site();
    if (!warnedOnce.has(site)) {
      warnedOnce.add(site);
      warn(site, undefined);
    }
  }
  return !!cond;
}

/** Forgets which `WARN_ON_ONCE` sites fired (between independent runs). */
export function reset_warn_once(): void {
  warnedOnce.clear();
}

/** `pr_err(fmt, ...)`: one diagnostic line on the current test. */
export function pr_err(message: string): void {
  printk_counters().errors++;
  kunit_log_current_test(message);
}

/** `pr_warn(fmt, ...)`. */
export function pr_warn(message: string): void {
  printk_counters().warns++;
  kunit_log_current_test(message);
}

/** `pr_info(fmt, ...)`. */
export function pr_info(message: string): void {
  printk_counters().infos++;
  kunit_log_current_test(message);
}

/** `pr_debug(fmt, ...)`: counted, logged like `pr_info`. */
export function pr_debug(message: string): void {
  printk_counters().infos++;
  kunit_log_current_test(message);
}
