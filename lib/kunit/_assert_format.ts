// Copyright 2026 the iommulab authors. MIT license.
/**
 * The failure texts of lib/kunit/assert.c, byte for byte, and the failure
 * path shared by every expectation and assertion (`__kunit_do_failed_assertion`).
 *
 * @module
 */
import { IS_ERR } from "../kernel/err.ts";
import { short_path } from "../kernel/test_bug.ts";
import { call_arguments, call_site_of } from "./_source_text.ts";
import { kunit_format } from "./log.ts";
import {
  __kunit_abort,
  type Kunit,
  kunit_err,
  kunit_set_failure,
  KUNIT_SUBSUBTEST_INDENT as IND8,
  KUNIT_SUBTEST_INDENT as IND4,
} from "./test.ts";

/** `enum kunit_assert_type`. */
export type KunitAssertType = "EXPECTATION" | "ASSERTION";

/** A `_MSG` message: format string and arguments, or null. */
export type KunitMessage = readonly [string, ...unknown[]] | null;

/** Whether a value prints as an integer (`%lld`) in the kernel's format. */
function is_integer_like(v: unknown): v is number | bigint | boolean {
  return typeof v === "bigint" || typeof v === "boolean" ||
    (typeof v === "number" && Number.isInteger(v));
}

/** The value as C's `long long` would hold it. */
function to_lld(v: number | bigint | boolean): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  return BigInt.asIntN(64, BigInt(v));
}

/** `%lld (0x%llx)` for integers; a readable rendering for anything else. */
export function format_value(v: unknown): string {
  if (is_integer_like(v)) {
    const b = to_lld(v);
    return `${b} (0x${BigInt.asUintN(64, b).toString(16)})`;
  }
  return render(v);
}

function render(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "NULL";
  if (v === undefined || typeof v === "number") return String(v);
  if (typeof v === "object" || typeof v === "function") return `${pointer(v)}`;
  return String(v);
}

/** `is_literal(text, value)`: the text is exactly the `%lld` of the value. */
function is_literal(text: string, v: unknown): boolean {
  if (is_integer_like(v)) return text === to_lld(v).toString();
  return text === render(v);
}

/** `is_str_literal(text, value)`. */
function is_str_literal(text: string, v: string | null): boolean {
  if (text.length < 2) return false;
  const q = text[0];
  if ((q !== '"' && q !== "'") || text[text.length - 1] !== q) return false;
  return v !== null && text.slice(1, -1) === v;
}

const ids = new WeakMap<object, bigint>();
let nextId = 1n;

/**
 * `%px` of a value: objects get a stable pseudo-address in the kernel's
 * direct map (`ffff888000000040`, `…80`, … in order of first print), NULL
 * prints as zeros, an `ERR_PTR` as the kernel's error address, a number as
 * its own value.
 */
export function pointer(v: unknown): string {
  let addr: bigint;
  if (v === null || v === undefined) addr = 0n;
  else if (IS_ERR(v)) addr = BigInt.asUintN(64, BigInt(v.err));
  else if (typeof v === "number" || typeof v === "bigint") {
    addr = BigInt.asUintN(64, BigInt(v));
  } else if (typeof v === "object" || typeof v === "function") {
    let id = ids.get(v);
    if (id === undefined) {
      id = nextId++;
      ids.set(v, id);
    }
    addr = 0xffff888000000000n + id * 0x40n;
  } else addr = 0n;
  return addr.toString(16).padStart(16, "0");
}

/** `kunit_assert_print_msg`. */
function print_msg(message: KunitMessage): string {
  return message ? "\n" + kunit_format(...message) : "";
}

interface Operands {
  site: string;
  texts: string[];
}

/** The failing call's `file:line` and argument texts (`#x`). */
function operands(): Operands {
  // [0] operands, [1] its caller (a fail_* below), [2] the KUNIT_* macro,
  // [3] the test code that called the macro.
  const site = call_site_of(3);
  if (site === null) return { site: "<unknown>:0", texts: [] };
  return {
    site: `${short_path(site.url)}:${site.line}`,
    texts: call_arguments(site) ?? [],
  };
}

function report(
  test: Kunit,
  type: KunitAssertType,
  site: string,
  body: string,
): void {
  kunit_set_failure(test);
  kunit_err(test, `${type} FAILED at ${site}\n${body}`);
  if (type === "ASSERTION") __kunit_abort(test);
}

/** Failure of a binary integer check (`kunit_binary_assert_format`). */
export function fail_binary(
  test: Kunit,
  type: KunitAssertType,
  op: string,
  left: unknown,
  right: unknown,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const lt = texts[1] ?? render(left);
  const rt = texts[2] ?? render(right);
  let body = `${IND4}Expected ${lt} ${op} ${rt}, but\n`;
  if (!is_literal(lt, left)) body += `${IND8}${lt} == ${format_value(left)}\n`;
  if (!is_literal(rt, right)) body += `${IND8}${rt} == ${format_value(right)}`;
  report(test, type, site, body + print_msg(message));
}

/** Failure of a pointer check (`kunit_binary_ptr_assert_format`). */
export function fail_ptr(
  test: Kunit,
  type: KunitAssertType,
  op: string,
  left: unknown,
  right: unknown,
  right_text: string | null,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const lt = texts[1] ?? "left";
  const rt = right_text ?? texts[2] ?? "right";
  const body = `${IND4}Expected ${lt} ${op} ${rt}, but\n` +
    `${IND8}${lt} == ${pointer(left)}\n` +
    `${IND8}${rt} == ${pointer(right)}`;
  report(test, type, site, body + print_msg(message));
}

/** Failure of a string check (`kunit_binary_str_assert_format`). */
export function fail_str(
  test: Kunit,
  type: KunitAssertType,
  op: string,
  left: string | null,
  right: string | null,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const lt = texts[1] ?? JSON.stringify(left);
  const rt = texts[2] ?? JSON.stringify(right);
  let body = `${IND4}Expected ${lt} ${op} ${rt}, but\n`;
  if (!is_str_literal(lt, left)) {
    body += `${IND8}${lt} == "${left ?? "(null)"}"\n`;
  }
  if (!is_str_literal(rt, right)) {
    body += `${IND8}${rt} == "${right ?? "(null)"}"`;
  }
  report(test, type, site, body + print_msg(message));
}

/** `kunit_assert_hexdump`. */
function hexdump(
  buf: ArrayLike<number>,
  other: ArrayLike<number>,
  len: number,
) {
  let s = IND8;
  for (let i = 0; i < len; i++) {
    if (i % 16 === 0 && i) s += "\n" + IND8;
    const b = (buf[i] ?? 0).toString(16).padStart(2, "0");
    s += buf[i] !== other[i] ? `<${b}>` : ` ${b} `;
  }
  return s;
}

/** Failure of a memory check (`kunit_mem_assert_format`). */
export function fail_mem(
  test: Kunit,
  type: KunitAssertType,
  op: string,
  left: ArrayLike<number> | null,
  right: ArrayLike<number> | null,
  size: number,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const lt = texts[1] ?? "left";
  const rt = texts[2] ?? "right";
  let body: string;
  if (left === null) body = `${IND4}Expected ${lt} is not null, but is\n`;
  else if (right === null) body = `${IND4}Expected ${rt} is not null, but is\n`;
  else {
    body = `${IND4}Expected ${lt} ${op} ${rt}, but\n` +
      `${IND8}${lt} ==\n${hexdump(left, right, size)}\n` +
      `${IND8}${rt} ==\n${hexdump(right, left, size)}` + print_msg(message);
  }
  report(test, type, site, body);
}

/** Failure of a unary check (`kunit_unary_assert_format`). */
export function fail_unary(
  test: Kunit,
  type: KunitAssertType,
  expected_true: boolean,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const ct = texts[1] ?? "condition";
  const body = expected_true
    ? `${IND4}Expected ${ct} to be true, but is false\n`
    : `${IND4}Expected ${ct} to be false, but is true\n`;
  report(test, type, site, body + print_msg(message));
}

/** Failure of `NOT_ERR_OR_NULL` (`kunit_ptr_not_err_assert_format`). */
export function fail_not_err(
  test: Kunit,
  type: KunitAssertType,
  value: unknown,
  message: KunitMessage,
): void {
  const { site, texts } = operands();
  const t = texts[1] ?? "ptr";
  const body = IS_ERR(value)
    ? `${IND4}Expected ${t} is not error, but is: ${value.err}\n`
    : `${IND4}Expected ${t} is not null, but is\n`;
  report(test, type, site, body + print_msg(message));
}

/** Failure of `KUNIT_FAIL` (`kunit_fail_assert_format`): the message only. */
export function fail_plain(
  test: Kunit,
  type: KunitAssertType,
  message: KunitMessage,
): void {
  const { site } = operands();
  report(test, type, site, message ? kunit_format(...message) : "");
}

/** `l op r` with C's integer semantics across number, bigint and boolean. */
export function compare_mixed(op: string, l: unknown, r: unknown): boolean {
  let a = l, b = r;
  if (typeof a !== typeof b && is_integer_like(a) && is_integer_like(b)) {
    a = to_lld(a);
    b = to_lld(b);
  }
  // deno-lint-ignore no-explicit-any
  const x = a as any, y = b as any;
  switch (op) {
    case "==":
      return x === y;
    case "!=":
      return x !== y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}
