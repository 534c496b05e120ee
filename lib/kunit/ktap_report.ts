// Copyright 2026 the iommulab authors. MIT license.
/**
 * The human-readable report `kunit.py parse` prints (kunit_parser.py's
 * print helpers and kunit_printer.py), rendered from a tree returned by
 * `parse_ktap()`.
 *
 * ```ts
 * import { parse_ktap } from "./ktap_parser.ts";
 * import { render_report } from "./ktap_report.ts";
 * const text = render_report(parse_ktap("KTAP version 1\n1..1\nok 1 a\n"));
 * // "====...====\n[PASSED] a\n====...====\nTesting complete. Ran 1 tests: passed: 1\n"
 * ```
 *
 * @module
 */

import {
  type KtapReportEvent,
  type KtapStatus,
  type KtapTest,
  py_dedent,
  py_len,
  py_splitlines,
} from "./ktap_parser.ts";

/** Options for `render_report`. */
export interface RenderReportOptions {
  /**
   * Prefix each line with `[HH:MM:SS] ` like kunit.py (default false, so
   * reports compare equal across runs).
   */
  timestamps?: boolean;
  /** Clock for the timestamps (default: the current local time). */
  now?: () => Date;
  /** Use ANSI colours like kunit.py on a terminal (default false). */
  color?: boolean;
}

/** The 60-column divider (`DIVIDER`). */
export const DIVIDER: string = "=".repeat(60);

const RESET = "\x1b[0;0m";
const RED = "\x1b[1;31m";
const YELLOW = "\x1b[1;33m";
const GREEN = "\x1b[1;32m";

/**
 * Centres `message` in a 60-column `=` divider (`format_test_divider()`);
 * `len_message` is its printed width (without colour codes).
 */
export function format_test_divider(
  message: string,
  len_message: number,
): string {
  let len_1 = 3;
  let len_2 = 3;
  const difference = DIVIDER.length - len_message - 2;
  if (difference > 0) {
    len_1 = Math.trunc(difference / 2);
    len_2 = difference - len_1;
  }
  return "=".repeat(len_1) + ` ${message} ` + "=".repeat(len_2);
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/**
 * Renders the report kunit.py prints for `test` (the main test from
 * `parse_ktap()`): the divider, every header/result/footer/error/log line
 * in the order the kernel's parser printed them, the divider, the
 * `Testing complete. Ran N tests: ...` line, and, with 100 or more tests
 * and a non-ok status, a `Failures: ...` line (at most 10 names).
 *
 * A tree not produced by `parse_ktap()` (no `events`) is rendered by
 * walking it, without `[ERROR]` lines.
 *
 * @returns The report text, each line ending in `\n`.
 */
export function render_report(
  test: KtapTest,
  options: RenderReportOptions = {},
): string {
  const use_color = options.color ?? false;
  const now = options.now ?? (() => new Date());
  const color = (code: string, text: string): string =>
    use_color ? code + text + RESET : text;
  const color_len = use_color ? RED.length + RESET.length : 0;
  const out: string[] = [];
  const print = (message: string): void => {
    if (options.timestamps) {
      const d = now();
      out.push(
        `[${pad2(d.getHours())}:${pad2(d.getMinutes())}:${
          pad2(d.getSeconds())
        }] ${message}`,
      );
    } else {
      out.push(message);
    }
  };
  const tag = (status: KtapStatus): string => {
    switch (status) {
      case "SUCCESS":
        return color(GREEN, "[PASSED] ");
      case "SKIPPED":
        return color(YELLOW, "[SKIPPED] ");
      case "NO_TESTS":
        return color(YELLOW, "[NO TESTS RUN] ");
      case "TEST_CRASHED":
        return color(RED, "[CRASHED] ");
      default:
        return color(RED, "[FAILED] ");
    }
  };

  print(DIVIDER);
  const events = test.events ?? synthesize_events(test);
  for (const e of events) {
    switch (e.kind) {
      case "header":
        print(format_test_divider(e.message, py_len(e.message)));
        break;
      case "log":
        for (const line of e.lines) print(color(YELLOW, line));
        break;
      case "result":
        print(tag(e.status) + e.name);
        break;
      case "footer": {
        const message = tag(e.status) + e.name;
        print(format_test_divider(message, py_len(message) - color_len));
        break;
      }
      case "error":
        print(color(RED, "[ERROR]") + ` Test: ${e.name}: ${e.message}`);
        break;
    }
  }
  print(DIVIDER);

  // print_summary_line()
  const code = test.status === "SUCCESS"
    ? GREEN
    : test.status === "SKIPPED" || test.status === "NO_TESTS"
    ? YELLOW
    : RED;
  print(color(code, `Testing complete. ${test.counts.toString()}`));
  if (!test.ok_status() && test.counts.total() >= 100) {
    const summarized = summarize_failed_tests(test);
    if (summarized) print(color(code, summarized));
  }
  return out.map((l) => l + "\n").join("");
}

/**
 * The `Failures: a.b, c` line for a failing run (`_summarize_failed_tests()`),
 * or "" when more than 10 names would be listed.
 */
export function summarize_failed_tests(test: KtapTest): string {
  const failed_names = (t: KtapTest, parent_name: string): string[] => {
    const full_name = !parent_name || parent_name === "main"
      ? t.name
      : parent_name + "." + t.name;
    if (!t.subtests.length) return [full_name];
    const failed = t.subtests.filter((s) => !s.ok_status());
    if (parent_name && failed.length === t.subtests.length) return [full_name];
    const all: string[] = [];
    for (const s of failed) all.push(...failed_names(s, full_name));
    return all;
  };
  const failures = failed_names(test, "");
  if (failures.length > 10) return "";
  return "Failures: " + failures.join(", ");
}

/**
 * Report events for a tree that was not produced by `parse_ktap()`: a
 * parent (subtests, or a plan) prints header, children, footer; a leaf its
 * result; failed/crashed tests their dedented log.
 */
function synthesize_events(root: KtapTest): KtapReportEvent[] {
  const events: KtapReportEvent[] = [];
  const log_if_bad = (t: KtapTest): void => {
    if (
      t.status !== "SUCCESS" && t.status !== "SKIPPED" &&
      t.status !== "NO_TESTS"
    ) {
      const lines = py_splitlines(py_dedent(t.log.join("\n")));
      if (lines.length) events.push({ kind: "log", lines });
    }
  };
  const walk = (t: KtapTest): void => {
    if (t.subtests.length || t.expected_count !== 0) {
      let message = t.name;
      if (message !== "") message += " ";
      if (t.expected_count) {
        message += t.expected_count === 1
          ? "(1 subtest)"
          : `(${t.expected_count} subtests)`;
      }
      events.push({ kind: "header", message });
      for (const s of t.subtests) walk(s);
      log_if_bad(t);
      events.push({ kind: "footer", status: t.status, name: t.name });
    } else {
      log_if_bad(t);
      events.push({ kind: "result", status: t.status, name: t.name });
    }
  };
  for (const s of root.subtests) walk(s);
  return events;
}
