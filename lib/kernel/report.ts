// Copyright 2026 the iommulab authors. MIT license.
/**
 * Kernel bug reports (KASAN, lockdep-lite, kmemleak, bad frees) and the
 * call sites they name.
 *
 * A report fails the current KUnit test (`kunit_fail_current_test`) and logs
 * its detail lines as KTAP diagnostics. Outside a test it is printed to
 * stderr. {@link kernel_capture_reports} runs a function with reports
 * collected instead, which is how a test checks that a deliberate bug is
 * detected (like `KUNIT_EXPECT_KASAN_FAIL`).
 *
 * @module
 */
import {
  kunit_fail_current_test,
  kunit_get_current_test,
  kunit_log_current_test,
  short_path,
} from "./test_bug.ts";

/** What kind of bug a report is about. */
export type KernelReportKind =
  | "use-after-free"
  | "double-free"
  | "invalid-free"
  | "memory-leak"
  | "recursive-locking"
  | "bad-unlock-balance"
  | "sleep-in-atomic"
  | "lock-held-at-exit"
  | "cache-not-empty";

/** One kernel bug report. */
export interface KernelReport {
  /** The kind of bug. */
  kind: KernelReportKind;
  /** The one-line summary (as logged on the test). */
  message: string;
  /** `file:line` where the bug happened (the access, the free, ...). */
  site: string;
  /** Extra detail lines (allocation/free sites, cache, ...). */
  details: string[];
  /** The object concerned, when there is one. */
  object?: unknown;
  /** The slab cache name, when the object came from a cache. */
  cache?: string;
  /** Where the object was allocated, when known. */
  alloc_site?: string;
  /** Where the object was freed, when known. */
  free_site?: string;
}

const captureStack: KernelReport[][] = [];
let total = 0;

/** How many kernel reports were made since the last reset. */
export function kernel_report_count(): number {
  return total;
}

/**
 * Files a report: captured when inside {@link kernel_capture_reports},
 * otherwise the current test fails with `message` at `site` and the details
 * are logged (or, outside a test, everything goes to stderr).
 */
export function kernel_report(report: KernelReport): void {
  total++;
  const cap = captureStack[captureStack.length - 1];
  if (cap !== undefined) {
    cap.push(report);
    return;
  }
  if (kunit_get_current_test() !== null) {
    kunit_fail_current_test(
      `BUG: ${report.kind}: ${report.message}`,
      report.site,
    );
    for (const d of report.details) kunit_log_current_test(d);
  } else {
    console.error(`BUG: ${report.kind}: ${report.message} at ${report.site}`);
    for (const d of report.details) console.error(d);
  }
}

/**
 * Runs `fn` and returns the kernel reports it produced instead of failing
 * the current test. Nested captures collect separately. If `fn` throws, the
 * exception propagates after the capture ends.
 *
 * @example Usage
 * ```ts
 * import { kernel_capture_reports } from "./report.ts";
 * const reports = kernel_capture_reports(() => {});
 * console.assert(reports.length === 0);
 * ```
 */
export function kernel_capture_reports(fn: () => void): KernelReport[] {
  const buf: KernelReport[] = [];
  captureStack.push(buf);
  try {
    fn();
  } finally {
    captureStack.pop();
  }
  return buf;
}

const FRAME = /\(?((?:file|https?):\/\/[^\s)]+|\/[^\s)]+):(\d+):\d+\)?$/;
const KERNEL_DIR = /\/lib\/kernel\/[^/]+\.ts$/;
const KERNEL_TEST = /_(test|bench)\.ts$/;

/**
 * The first `file:line` in a stack trace that is outside lib/kernel (test
 * and bench files of lib/kernel count as outside): the kernel API's caller.
 */
export function site_from_stack(stack: string | undefined): string {
  if (!stack) return "<unknown>:0";
  const lines = stack.split("\n");
  let last = "<unknown>:0";
  for (let i = 1; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]!.trim());
    if (!m) continue;
    const file = m[1]!;
    last = `${short_path(file)}:${m[2]}`;
    if (KERNEL_DIR.test(file) && !KERNEL_TEST.test(file)) continue;
    return last;
  }
  return last;
}

/**
 * The `file:line` of the nearest caller outside lib/kernel. Slow (builds a
 * stack trace): only for reports and for site tracking when enabled.
 */
export function kernel_caller_site(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return site_from_stack(stack);
}

/** A recorded site: a `file:line` string, or a stack captured lazily. */
export type SiteRecord = string | Error | null;

/** Resolves a {@link SiteRecord} to `file:line` (or `"<not recorded>"`). */
export function resolve_site(rec: SiteRecord): string {
  if (rec === null) return "<not recorded>";
  if (typeof rec === "string") return rec;
  return site_from_stack(rec.stack);
}

/** Clears the report counter (kernel_reset). */
export function report_reset(): void {
  total = 0;
}
