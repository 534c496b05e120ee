// Copyright 2026 the iommulab authors. MIT license.
/**
 * A KTAP/TAP parser that reads a log the way the kernel's
 * `tools/testing/kunit/kunit_parser.py` (6.12) does: same line isolation
 * (prefix stripping, end markers), same regular expressions (indentation is
 * never used), same error messages, statuses, counts and main-status rule.
 *
 * The parser also records, in order, every line `kunit.py parse` prints
 * while it parses (headers, results, footers, `[ERROR]` lines, logs of
 * failed tests), so that `render_report()` in `ktap_report.ts` can print the
 * same report.
 *
 * ```ts
 * import { exit_status_for_parse, parse_ktap } from "./ktap_parser.ts";
 * const test = parse_ktap("KTAP version 1\n1..1\nok 1 a\n");
 * console.log(test.status, test.counts.toString(), exit_status_for_parse(test));
 * // SUCCESS Ran 1 tests: passed: 1 0
 * ```
 *
 * @module
 */

/**
 * The status of a parsed test, as in kunit_parser.py's `TestStatus`.
 */
export type KtapStatus =
  | "SUCCESS"
  | "FAILURE"
  | "SKIPPED"
  | "TEST_CRASHED"
  | "NO_TESTS"
  | "FAILURE_TO_PARSE_TESTS";

/**
 * Counts of leaf-test statuses and of parse errors (kunit_parser.py's
 * `TestCounts`). A parent's counts are the sum of its subtests' counts.
 */
export class KtapCounts {
  /** Leaf tests that passed. */
  passed = 0;
  /** Leaf tests that failed. */
  failed = 0;
  /** Leaf tests that crashed (or were missing). */
  crashed = 0;
  /** Leaf tests that were skipped. */
  skipped = 0;
  /** Parse errors (not tests). */
  errors = 0;

  /** Number of leaf tests: passed + failed + crashed + skipped. */
  total(): number {
    return this.passed + this.failed + this.crashed + this.skipped;
  }

  /** Adds another set of counts into this one (`add_subtest_counts`). */
  add_subtest_counts(counts: KtapCounts): void {
    this.passed += counts.passed;
    this.failed += counts.failed;
    this.crashed += counts.crashed;
    this.skipped += counts.skipped;
    this.errors += counts.errors;
  }

  /**
   * The aggregated status from the counts (`get_status`): no tests →
   * NO_TESTS; any crash → TEST_CRASHED; any failure → FAILURE; any pass →
   * SUCCESS; else SKIPPED.
   */
  get_status(): KtapStatus {
    if (this.total() === 0) return "NO_TESTS";
    if (this.crashed) return "TEST_CRASHED";
    if (this.failed) return "FAILURE";
    if (this.passed) return "SUCCESS";
    return "SKIPPED";
  }

  /** Increments the count for `status` (`add_status`). */
  add_status(status: KtapStatus): void {
    if (status === "SUCCESS") this.passed++;
    else if (status === "FAILURE") this.failed++;
    else if (status === "SKIPPED") this.skipped++;
    else if (status !== "NO_TESTS") this.crashed++;
  }

  /**
   * `Ran N tests: passed: a, failed: b, ...`, listing only non-zero fields
   * (`TestCounts.__str__`).
   */
  toString(): string {
    const fields: [string, number][] = [
      ["passed", this.passed],
      ["failed", this.failed],
      ["crashed", this.crashed],
      ["skipped", this.skipped],
      ["errors", this.errors],
    ];
    return `Ran ${this.total()} tests: ` +
      fields.filter(([, n]) => n > 0).map(([s, n]) => `${s}: ${n}`).join(
        ", ",
      );
  }
}

/**
 * One line (or group of lines) that `kunit.py parse` prints while parsing,
 * recorded in order on the main test. Names and statuses are captured at
 * the moment the kernel's parser printed them.
 */
export type KtapReportEvent =
  /** A centred `=== <message> ===` test header. */
  | { kind: "header"; message: string }
  /** Log lines of a failed/crashed test (already dedented and split). */
  | { kind: "log"; lines: string[] }
  /** `[PASSED] name` and the like, for a leaf test. */
  | { kind: "result"; status: KtapStatus; name: string }
  /** A centred `=== [PASSED] name ===` footer, for a parent test. */
  | { kind: "footer"; status: KtapStatus; name: string }
  /** `[ERROR] Test: name: message`. */
  | { kind: "error"; name: string; message: string };

/**
 * A test parsed from a KTAP log (kunit_parser.py's `Test`). The main test
 * (`name` "main", or "<missing>" when no KTAP was found) holds the suites
 * as subtests.
 */
export class KtapTest {
  /** Status; TEST_CRASHED until a result line is seen. */
  status: KtapStatus = "TEST_CRASHED";
  /** Name from the `# Subtest:` header or the result line. */
  name = "";
  /**
   * Planned number of subtests: 0 for a leaf (no header), `null` for a
   * parent without a plan line.
   */
  expected_count: number | null = 0;
  /** Subtests in order. */
  subtests: KtapTest[] = [];
  /** Diagnostic and unknown lines collected for this test. */
  log: string[] = [];
  /** Leaf counts (of this test itself when it is a leaf) and errors. */
  counts: KtapCounts = new KtapCounts();
  /**
   * Main test only: the report lines recorded while parsing, in print
   * order (see `render_report`).
   */
  events?: KtapReportEvent[];

  /** True when the status is SUCCESS or SKIPPED. */
  ok_status(): boolean {
    return this.status === "SUCCESS" || this.status === "SKIPPED";
  }
}

/**
 * The exit status `kunit.py parse` (6.12) gives for a parsed log: 0 when
 * the main test's status is SUCCESS, 1 otherwise (including all-skipped,
 * no tests, and no KTAP at all). Parse errors alone do not change it.
 */
export function exit_status_for_parse(test: KtapTest): number {
  return test.status === "SUCCESS" ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Python-compatible string helpers.

// Python's `\s` / str.isspace() set (Unicode 14, as in Python 3.11).
const PY_WS =
  "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const S = `[${PY_WS}]`;

function is_py_space(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) ||
    c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000;
}

/** `str.rstrip()` with Python's whitespace set. */
function py_rstrip(s: string): string {
  let end = s.length;
  while (end > 0 && is_py_space(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

function is_high_surrogate_pair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** Python `len(s)`: the number of code points. */
export function py_len(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (is_high_surrogate_pair(s, i)) i++;
    n++;
  }
  return n;
}

/** Python `s[n:]` with n counted in code points. */
function py_slice_from(s: string, n: number): string {
  let i = 0;
  for (let c = 0; c < n && i < s.length; c++) {
    i += is_high_surrogate_pair(s, i) ? 2 : 1;
  }
  return i === 0 ? s : s.slice(i);
}

/** Python `textwrap.dedent()` (3.11). */
export function py_dedent(text: string): string {
  const lines = text.split("\n");
  let margin: string | null = null;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    // _whitespace_only_re: '^[ \t]+$'
    if (/^[ \t]+$/.test(line)) {
      lines[k] = "";
      continue;
    }
    // _leading_whitespace_re: '(^[ \t]*)(?:[^ \t\n])'
    const m = /^[ \t]*/.exec(line)!;
    if (m[0].length === line.length) continue; // empty line
    const indent = m[0];
    if (margin === null) margin = indent;
    else if (indent.startsWith(margin)) { /* keep */ }
    else if (margin.startsWith(indent)) margin = indent;
    else {
      const n = Math.min(margin.length, indent.length);
      for (let i = 0; i < n; i++) {
        if (margin[i] !== indent[i]) {
          margin = margin.slice(0, i);
          break;
        }
      }
    }
  }
  if (margin) {
    for (let k = 0; k < lines.length; k++) {
      if (lines[k].startsWith(margin)) lines[k] = lines[k].slice(margin.length);
    }
  }
  return lines.join("\n");
}

/** Python `str.splitlines()` (no keepends). */
export function py_splitlines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (
      c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c || c === 0x1c ||
      c === 0x1d || c === 0x1e || c === 0x85 || c === 0x2028 || c === 0x2029
    ) {
      out.push(text.slice(start, i));
      i += (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  if (start < n) out.push(text.slice(start));
  return out;
}

/**
 * Decodes kernel output bytes as UTF-8 the way `kunit.py parse` reads its
 * input (`errors='backslashreplace'`): each byte of an invalid sequence
 * becomes the text `\xNN`.
 */
export function decode_kernel_output(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes,
    );
  } catch {
    // fall through to the slow path
  }
  let out = "";
  const hex = (b: number) => "\\x" + b.toString(16).padStart(2, "0");
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    // Maximal-subpart decoding (WHATWG/Unicode), as CPython does.
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else {
      out += hex(b);
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const c = j < n ? bytes[j] : -1;
      if (c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (ok) {
      out += String.fromCodePoint(cp);
    } else {
      for (let k = i; k < j; k++) out += hex(bytes[k]);
    }
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Line isolation: extract_tap_lines().

const KTAP_START_SEARCH = new RegExp(`${S}*KTAP version ([0-9]+)$`, "s");
const TAP_START_SEARCH = new RegExp(`${S}*TAP version ([0-9]+)$`, "s");
const KTAP_START = new RegExp(`^${S}*KTAP version ([0-9]+)$`, "s");
const TAP_START = new RegExp(`^${S}*TAP version ([0-9]+)$`, "s");
const KTAP_END = new RegExp(
  `${S}*(List of all partitions:|Kernel panic - not syncing: VFS:|reboot: System halted)`,
  "s",
);
const EXECUTOR_ERROR = new RegExp(`${S}*kunit executor: (.*)$`, "s");
const TEST_HEADER = new RegExp(`^${S}*# Subtest: (.*)$`, "s");
const TEST_PLAN = new RegExp(`^${S}*1\\.\\.([0-9]+)`, "s");
const TEST_RESULT = new RegExp(
  `^${S}*(ok|not ok) ([0-9]+) (- )?([^#]*)( # .*)?$`,
  "s",
);
const TEST_RESULT_SKIP = new RegExp(
  `^${S}*(ok|not ok) ([0-9]+) (- )?(.*) # SKIP(.*)$`,
  "s",
);
const NON_DIAGNOSTIC = [
  TEST_RESULT,
  TEST_HEADER,
  KTAP_START,
  TAP_START,
  TEST_PLAN,
];

/** Splits input text into lines as Python iterating `sys.stdin` does. */
function split_input_lines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Isolates the KTAP lines of a kernel log (kunit_parser.py's
 * `extract_tap_lines()`): starts at the first line containing
 * `KTAP version N` / `TAP version N`, strips that line's prefix width from
 * every following line, stops at a kernel end marker, and keeps
 * `kunit executor:` lines seen before the start. Lines are right-stripped.
 *
 * @param input The whole log (split at `\n`) or its lines.
 */
export function extract_ktap_lines(
  input: string | readonly string[],
): string[] {
  const raw = typeof input === "string" ? split_input_lines(input) : input;
  const out: string[] = [];
  let started = false;
  let prefix_len = 0;
  for (const raw_line of raw) {
    const line = py_rstrip(raw_line);
    if (!started && KTAP_START_SEARCH.test(line)) {
      prefix_len = py_len(line.slice(0, line.indexOf("KTAP version")));
      started = true;
      out.push(py_slice_from(line, prefix_len));
    } else if (!started && TAP_START_SEARCH.test(line)) {
      prefix_len = py_len(line.slice(0, line.indexOf("TAP version")));
      started = true;
      out.push(py_slice_from(line, prefix_len));
    } else if (started && KTAP_END.test(line)) {
      break;
    } else if (started) {
      out.push(py_slice_from(line, prefix_len));
    } else if (EXECUTOR_ERROR.test(line)) {
      out.push(line);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The parser proper.

/**
 * Thrown by `parse_ktap()` where kunit.py parse (6.12) gives no report:
 * - where kunit_parser.py itself raises (kunit.py dies with a traceback and
 *   exit status 1): reading a parent's result line past the end of the
 *   log (message `LineStream: going past EOF, last line was ...`);
 * - where kunit_parser.py never terminates: a stray plan line (`1..N`)
 *   where a test was expected inside a parent without a plan (message
 *   `parser loops forever at line: ...`).
 */
export class KtapParseError extends Error {
  /**
   * The report lines printed before the failure (kunit.py prints them
   * before its traceback); set by `parse_ktap()`.
   */
  events: KtapReportEvent[] = [];
  /**
   * Creates the error.
   * @param message kunit_parser.py's exception message.
   */
  constructor(message: string) {
    super(message);
    this.name = "KtapParseError";
  }
}

/** kunit_parser.py's `LineStream`, including its peek-after-EOF behaviour. */
class LineStream {
  #lines: readonly string[];
  #pos = 0;
  constructor(lines: readonly string[]) {
    this.#lines = lines;
  }
  /** The current line; after EOF, the last line read (or ""). */
  peek(): string {
    if (this.#pos < this.#lines.length) return this.#lines[this.#pos];
    return this.#lines.length ? this.#lines[this.#lines.length - 1] : "";
  }
  pop(): string {
    const s = this.peek();
    if (this.#pos >= this.#lines.length) {
      throw new KtapParseError(
        `LineStream: going past EOF, last line was ${s}`,
      );
    }
    this.#pos++;
    return s;
  }
  /** Number of lines consumed so far. */
  position(): number {
    return this.#pos;
  }
  more(): boolean {
    return this.#pos < this.#lines.length;
  }
}

const KTAP_VERSIONS = [1];
const TAP_VERSIONS = [13, 14];

/** Normalises a `[0-9]+` match as Python's `str(int(s))` would print it. */
function py_int_str(digits: string): string {
  const s = digits.replace(/^0+/, "");
  return s === "" ? "0" : s;
}

function cmp_int_str(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

class Parser {
  readonly events: KtapReportEvent[] = [];

  add_error(test: KtapTest, message: string): void {
    test.counts.errors += 1;
    this.events.push({ kind: "error", name: test.name, message });
  }

  print_log(log: readonly string[]): void {
    const lines = py_splitlines(py_dedent(log.join("\n")));
    if (lines.length) this.events.push({ kind: "log", lines });
  }

  /** format_test_result(): prints the log of failed/crashed tests. */
  #log_if_bad(test: KtapTest): void {
    if (
      test.status !== "SUCCESS" && test.status !== "SKIPPED" &&
      test.status !== "NO_TESTS"
    ) {
      this.print_log(test.log);
    }
  }

  print_test_result(test: KtapTest): void {
    this.#log_if_bad(test);
    this.events.push({ kind: "result", status: test.status, name: test.name });
  }

  print_test_footer(test: KtapTest): void {
    this.#log_if_bad(test);
    this.events.push({ kind: "footer", status: test.status, name: test.name });
  }

  print_test_header(test: KtapTest): void {
    let message = test.name;
    if (message !== "") message += " ";
    if (test.expected_count) {
      message += test.expected_count === 1
        ? "(1 subtest)"
        : `(${test.expected_count} subtests)`;
    }
    this.events.push({ kind: "header", message });
  }

  check_version(
    version: string,
    accepted: number[],
    type: string,
    test: KtapTest,
  ): void {
    const v = py_int_str(version);
    if (cmp_int_str(v, String(Math.min(...accepted))) < 0) {
      this.add_error(test, `${type} version lower than expected!`);
    } else if (cmp_int_str(v, String(Math.max(...accepted))) > 0) {
      this.add_error(test, `${type} version higer than expected!`);
    }
  }

  parse_ktap_header(lines: LineStream, test: KtapTest): boolean {
    const ktap = KTAP_START.exec(lines.peek());
    const tap = TAP_START.exec(lines.peek());
    if (ktap) this.check_version(ktap[1], KTAP_VERSIONS, "KTAP", test);
    else if (tap) this.check_version(tap[1], TAP_VERSIONS, "TAP", test);
    else return false;
    lines.pop();
    return true;
  }

  parse_test_header(lines: LineStream, test: KtapTest): boolean {
    const m = TEST_HEADER.exec(lines.peek());
    if (!m) return false;
    test.name = m[1];
    lines.pop();
    return true;
  }

  parse_test_plan(lines: LineStream, test: KtapTest): boolean {
    const m = TEST_PLAN.exec(lines.peek());
    if (!m) {
      test.expected_count = null;
      return false;
    }
    test.expected_count = Number(m[1]);
    lines.pop();
    return true;
  }

  peek_test_name_match(lines: LineStream, test: KtapTest): boolean {
    const m = TEST_RESULT.exec(lines.peek());
    if (!m) return false;
    return (m[4] ?? "") === test.name;
  }

  parse_test_result(
    lines: LineStream,
    test: KtapTest,
    expected_num: number,
  ): boolean {
    const line = lines.peek();
    const m = TEST_RESULT.exec(line);
    const skip = TEST_RESULT_SKIP.exec(line);
    if (!m) return false;
    lines.pop();
    test.name = skip ? skip[4] : (m[4] ?? "");
    const num = py_int_str(m[2]);
    if (num !== String(expected_num)) {
      this.add_error(
        test,
        `Expected test number ${expected_num} but found ${num}`,
      );
    }
    if (skip) test.status = "SKIPPED";
    else if (m[1] === "ok") test.status = "SUCCESS";
    else test.status = "FAILURE";
    return true;
  }

  parse_diagnostic(lines: LineStream): string[] {
    const log: string[] = [];
    while (lines.more()) {
      const line = lines.peek();
      if (NON_DIAGNOSTIC.some((re) => re.test(line))) break;
      log.push(lines.pop());
    }
    return log;
  }

  /** bubble_up_test_results() */
  bubble_up(test: KtapTest): void {
    const counts = test.counts;
    for (const t of test.subtests) counts.add_subtest_counts(t.counts);
    if (counts.total() === 0) counts.add_status(test.status);
    else if (counts.get_status() === "TEST_CRASHED") {
      test.status = "TEST_CRASHED";
    }
  }

  /** parse_test() */
  parse_test(
    lines: LineStream,
    expected_num: number,
    log: string[],
    is_subtest: boolean,
  ): KtapTest {
    const test = new KtapTest();
    test.log.push(...log);
    test.log.push(...this.parse_diagnostic(lines));

    let parent_test: boolean;
    if (!is_subtest) {
      test.name = "main";
      this.parse_ktap_header(lines, test);
      test.log.push(...this.parse_diagnostic(lines));
      this.parse_test_plan(lines, test);
      parent_test = true;
    } else {
      const ktap_line = this.parse_ktap_header(lines, test);
      const subtest_line = this.parse_test_header(lines, test);
      parent_test = ktap_line || subtest_line;
      if (parent_test) {
        test.log.push(...this.parse_diagnostic(lines));
        this.parse_test_plan(lines, test);
        this.print_test_header(test);
      }
    }
    const expected_count = test.expected_count;
    const subtests: KtapTest[] = [];
    let test_num = 1;
    while (
      parent_test && (expected_count === null || test_num <= expected_count)
    ) {
      const sub_log = this.parse_diagnostic(lines);
      let sub_test = new KtapTest();
      if (
        !lines.more() || (this.peek_test_name_match(lines, test) && is_subtest)
      ) {
        if (expected_count && test_num <= expected_count) {
          this.add_error(test, "missing expected subtest!");
          sub_test.log.push(...sub_log);
          test.counts.add_status("TEST_CRASHED");
          this.print_test_result(sub_test);
        } else {
          test.log.push(...sub_log);
          break;
        }
      } else {
        const before = lines.position();
        sub_test = this.parse_test(lines, test_num, sub_log, true);
        if (expected_count === null && lines.position() === before) {
          // kunit_parser.py would repeat this iteration forever (and keep
          // adding crashed subtests): a plan line where a test was expected.
          throw new KtapParseError(
            `parser loops forever at line: ${lines.peek()}`,
          );
        }
      }
      subtests.push(sub_test);
      test_num++;
    }
    test.subtests = subtests;
    if (is_subtest) {
      test.log.push(...this.parse_diagnostic(lines));
      if (test.name !== "" && !this.peek_test_name_match(lines, test)) {
        this.add_error(test, "missing subtest result line!");
      } else {
        this.parse_test_result(lines, test, expected_num);
      }
    }

    if (parent_test && subtests.length === 0) {
      if (test.status === "TEST_CRASHED" || test.status === "SUCCESS") {
        this.print_log(test.log);
        test.status = "NO_TESTS";
        this.add_error(test, "0 tests run!");
      }
    }

    this.bubble_up(test);
    if (parent_test && is_subtest) this.print_test_footer(test);
    else if (is_subtest) this.print_test_result(test);
    return test;
  }
}

/**
 * Parses a KTAP/TAP log (or a whole kernel log containing one) exactly as
 * `kunit.py parse` (6.12, `parse_run_tests()`) does, and returns the main
 * test. Its `status` is derived from the leaf counts (unless NO_TESTS);
 * when no KTAP is found it is named `<missing>` with status
 * FAILURE_TO_PARSE_TESTS and one error. The report lines printed during
 * parsing are kept in `events` for `render_report()`.
 *
 * @param input The log text (lines split at `\n`, as when reading stdin),
 *   or an array of lines.
 * @throws {KtapParseError} only where kunit_parser.py itself raises
 *   (reading a result line past the end of the log) or never terminates
 *   (a stray plan line inside a parent without a plan).
 */
export function parse_ktap(input: string | readonly string[]): KtapTest {
  const parser = new Parser();
  const lines = new LineStream(extract_ktap_lines(input));
  let test: KtapTest;
  if (!lines.more()) {
    test = new KtapTest();
    test.name = "<missing>";
    parser.add_error(
      test,
      "Could not find any KTAP output. Did any KUnit tests run?",
    );
    test.status = "FAILURE_TO_PARSE_TESTS";
  } else {
    try {
      test = parser.parse_test(lines, 0, [], false);
    } catch (e) {
      if (e instanceof KtapParseError) e.events = parser.events;
      throw e;
    }
    if (test.status !== "NO_TESTS") test.status = test.counts.get_status();
  }
  test.events = parser.events;
  return test;
}
