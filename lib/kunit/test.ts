// Copyright 2026 the iommulab authors. MIT license.
/**
 * The per-test context `struct kunit`, its status, logging, skipping and
 * the abort that ends a case (include/kunit/test.h, lib/kunit/test.c).
 *
 * @module
 */
import { caller_site, type KunitTestRef } from "../kernel/test_bug.ts";
import { kunit_format } from "./log.ts";

/** `enum kunit_status`. */
export enum KunitStatus {
  /** The test passed (or has not failed yet). */
  KUNIT_SUCCESS = 0,
  /** An expectation or assertion failed, or the test faulted. */
  KUNIT_FAILURE = 1,
  /** The test was skipped. */
  KUNIT_SKIPPED = 2,
}

/** `KUNIT_SUCCESS`. */
export const KUNIT_SUCCESS = KunitStatus.KUNIT_SUCCESS;
/** `KUNIT_FAILURE`. */
export const KUNIT_FAILURE = KunitStatus.KUNIT_FAILURE;
/** `KUNIT_SKIPPED`. */
export const KUNIT_SKIPPED = KunitStatus.KUNIT_SKIPPED;

/** `KUNIT_PARAM_DESC_SIZE`: descriptions hold at most 127 characters. */
export const KUNIT_PARAM_DESC_SIZE = 128;
/** `KUNIT_STATUS_COMMENT_SIZE`: comments hold at most 255 characters. */
export const KUNIT_STATUS_COMMENT_SIZE = 256;
/** `KUNIT_SUBTEST_INDENT`. */
export const KUNIT_SUBTEST_INDENT = "    ";
/** `KUNIT_SUBSUBTEST_INDENT`. */
export const KUNIT_SUBSUBTEST_INDENT = "        ";

/**
 * Thrown to end a case early (`__kunit_abort()` → `kunit_try_catch_throw()`):
 * after a failed ASSERT and by `kunit_skip`. Not an `Error`, so a test's own
 * `catch (e) { if (e instanceof Error) … }` does not swallow it.
 */
export class KunitAbort {
  /** Why the case ended: `"assert"` or `"skip"`. */
  readonly reason: "assert" | "skip";
  /** Creates the abort token. */
  constructor(reason: "assert" | "skip") {
    this.reason = reason;
  }
}

/** One entry of a test's resource list (resources and deferred actions). */
export interface KunitResource {
  /** The release function (`kunit_action_t`), called with `ctx`. */
  readonly fn: (ctx: never) => void;
  /** The context passed to `fn`. */
  readonly ctx: unknown;
  /** Optional name (`kunit_add_named_resource`). */
  readonly name: string | null;
}

/**
 * `struct kunit`: the context every case receives.
 *
 * `P` types `param_value` for parameterised cases; `priv` is the suite's
 * free slot (`null` unless `init` sets it, reset for every case and every
 * parameter).
 */
export class Kunit<P = unknown> implements KunitTestRef {
  /** The case name (also used for parameter runs, as in the kernel). */
  readonly name: string;
  /** Free for the test's use; `null` unless the suite's `init` sets it. */
  // deno-lint-ignore no-explicit-any
  priv: any = null;
  /** The current parameter of a parameterised case, else `null`. */
  param_value: P = null as P;
  /** 0-based index of the current parameter (6.12 semantics). */
  param_index = 0;
  /** The result so far. */
  status: KunitStatus = KUNIT_SUCCESS;
  /** The skip reason (or other status comment). */
  status_comment = "";
  /** Everything logged on this test, one entry per line, as printed. */
  readonly log: string[] = [];
  /** Resources and deferred actions, unwound LIFO at cleanup. */
  readonly resources: KunitResource[] = [];
  /** Active static stubs: real function → replacement. */
  readonly stubs: Map<unknown, (...args: never[]) => unknown> = new Map();
  /** Where output lines go as they are logged (the KTAP stream). */
  readonly write: (line: string) => void;

  /** Creates a context named `name` writing its log lines to `write`. */
  constructor(name: string, write: (line: string) => void) {
    this.name = name;
    this.write = write;
  }

  /** Appends raw lines to the log and the output (`kunit_log`). */
  log_raw(text: string): void {
    // printk: a message's final newline ends the line, it adds no empty one
    for (const line of text.replace(/\n$/, "").split("\n")) {
      this.log.push(line);
      this.write(line);
    }
  }
}

/** Any object that can be logged on or skipped: a test or a suite. */
export interface KunitLoggable {
  /** Its name, used in the `# <name>: ` prefix. */
  readonly name: string;
  /** Its status. */
  status: KunitStatus;
  /** Its status comment. */
  status_comment: string;
  /** Appends raw lines to its log and the output. */
  log_raw(text: string): void;
}

/**
 * `kunit_printk` at any level: `    # <name>: <message>`. With arguments,
 * `fmt` is a printf format (`%d`, `%lu`, `%s`, ... as in the kernel); the
 * trailing `\n` kernel messages carry is dropped (each call is one line).
 */
function kunit_printk(
  t: KunitLoggable,
  fmt: string,
  args: readonly unknown[],
): void {
  let message = args.length > 0 ? kunit_format(fmt, ...args) : fmt;
  if (message.endsWith("\n")) message = message.slice(0, -1);
  t.log_raw(`${KUNIT_SUBTEST_INDENT}# ${t.name}: ${message}`);
}

/** `kunit_info(test_or_suite, fmt, ...)`. */
export function kunit_info(
  t: KunitLoggable,
  fmt: string,
  ...args: unknown[]
): void {
  kunit_printk(t, fmt, args);
}

/** `kunit_warn(test_or_suite, fmt, ...)`. */
export function kunit_warn(
  t: KunitLoggable,
  fmt: string,
  ...args: unknown[]
): void {
  kunit_printk(t, fmt, args);
}

/** `kunit_err(test_or_suite, fmt, ...)`. */
export function kunit_err(
  t: KunitLoggable,
  fmt: string,
  ...args: unknown[]
): void {
  kunit_printk(t, fmt, args);
}

/** `kunit_log(lvl, test_or_suite, fmt, ...)`: the raw form, no prefix. */
export function kunit_log(t: KunitLoggable, message: string): void {
  t.log_raw(message);
}

function truncate(s: string, size: number): string {
  return s.length < size ? s : s.slice(0, size - 1);
}

/**
 * `kunit_mark_skipped(test_or_suite, fmt, ...)`: marks skipped and keeps
 * running. An unconditional write: the last status set wins.
 */
export function kunit_mark_skipped(t: KunitLoggable, reason = ""): void {
  t.status = KUNIT_SKIPPED;
  t.status_comment = truncate(reason, KUNIT_STATUS_COMMENT_SIZE);
}

/** `kunit_skip(test_or_suite, fmt, ...)`: marks skipped and ends the case. */
export function kunit_skip(t: KunitLoggable, reason = ""): never {
  kunit_mark_skipped(t, reason);
  throw new KunitAbort("skip");
}

/** `kunit_set_failure(test)`. */
export function kunit_set_failure(t: KunitLoggable): void {
  t.status = KUNIT_FAILURE;
}

/** `__kunit_abort(test)`: ends the running case (after a failed ASSERT). */
export function __kunit_abort(_t: KunitLoggable): never {
  throw new KunitAbort("assert");
}

/** `kunit_status_to_ok_not_ok()`. */
export function kunit_status_to_ok_not_ok(status: KunitStatus): string {
  return status === KUNIT_FAILURE ? "not ok" : "ok";
}

/** The `file:line` of the code that called a KUnit macro `depth` frames up. */
export function kunit_call_site(depth: number): string {
  return caller_site(depth + 1);
}
