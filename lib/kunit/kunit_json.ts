// Copyright 2026 the iommulab authors. MIT license.
/**
 * `kunit.py --json` output (kunit_json.py, 6.12: KernelCI test-API groups,
 * no `misc` field), printed byte-for-byte as Python's
 * `json.dumps(obj, indent=4)` prints it.
 *
 * ```ts
 * import { parse_ktap } from "./ktap_parser.ts";
 * import { to_kunit_json } from "./kunit_json.ts";
 * console.log(to_kunit_json(parse_ktap("KTAP version 1\n1..1\nok 1 a\n")));
 * ```
 *
 * @module
 */

import type { KtapStatus, KtapTest } from "./ktap_parser.ts";

/** Run metadata (kunit_json.py's `Metadata`); all "" for `parse`. */
export interface KunitJsonMetadata {
  /** Architecture (`arch`). */
  arch?: string;
  /** Defconfig name (`defconfig`). */
  def_config?: string;
  /** Build directory (`build_environment`). */
  build_dir?: string;
}

/** A leaf test in a JSON group. */
export interface KunitJsonTestCase {
  /** Test name. */
  name: string;
  /** "PASS", "SKIP", "ERROR" (crashed) or "FAIL". */
  status: "PASS" | "SKIP" | "ERROR" | "FAIL";
}

/** A group (a test with subtests), in kunit_json.py's key order. */
export interface KunitJsonGroup {
  /** Test name; the root is "KUnit Test Group". */
  name: string;
  /** Subtests that have subtests. */
  sub_groups: KunitJsonGroup[];
  /** Subtests without subtests. */
  test_cases: KunitJsonTestCase[];
  /** Metadata arch. */
  arch: string;
  /** Metadata def_config. */
  defconfig: string;
  /** Metadata build_dir. */
  build_environment: string;
  /** Always null. */
  lab_name: null;
  /** Always null. */
  kernel: null;
  /** Always null. */
  job: null;
  /** Always "kselftest". */
  git_branch: "kselftest";
}

function status_of(status: KtapStatus): KunitJsonTestCase["status"] {
  switch (status) {
    case "SUCCESS":
      return "PASS";
    case "SKIPPED":
      return "SKIP";
    case "TEST_CRASHED":
      return "ERROR";
    default:
      return "FAIL";
  }
}

function group_of(test: KtapTest, meta: KunitJsonMetadata): KunitJsonGroup {
  const sub_groups: KunitJsonGroup[] = [];
  const test_cases: KunitJsonTestCase[] = [];
  for (const sub of test.subtests) {
    if (sub.subtests.length) sub_groups.push(group_of(sub, meta));
    else test_cases.push({ name: sub.name, status: status_of(sub.status) });
  }
  return {
    name: test.name,
    sub_groups,
    test_cases,
    arch: meta.arch ?? "",
    defconfig: meta.def_config ?? "",
    build_environment: meta.build_dir ?? "",
    lab_name: null,
    kernel: null,
    job: null,
    git_branch: "kselftest",
  };
}

/**
 * The JSON object kunit_json.py builds (`get_json_result()` before
 * serialising): the root group is renamed "KUnit Test Group".
 */
export function kunit_json_group(
  test: KtapTest,
  metadata: KunitJsonMetadata = {},
): KunitJsonGroup {
  const group = group_of(test, metadata);
  group.name = "KUnit Test Group";
  return group;
}

/**
 * The `--json` text for a parsed tree, identical to kunit.py's
 * `json.dumps(..., indent=4)` (ASCII-only escapes, 4-space indent, no
 * trailing newline).
 */
export function to_kunit_json(
  test: KtapTest,
  metadata: KunitJsonMetadata = {},
): string {
  return py_json_dumps(kunit_json_group(test, metadata), 4);
}

/** Python `json.dumps` string encoding with `ensure_ascii=True`. */
function py_json_string(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else out += s[i];
    } else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += "\\u" + c.toString(16).padStart(4, "0");
  }
  return out + '"';
}

/**
 * Python `json.dumps(value, indent=indent)` for JSON-like values (strings,
 * finite numbers, booleans, null, arrays, plain objects).
 */
export function py_json_dumps(value: unknown, indent: number): string {
  const enc = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return py_json_string(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (Number.isInteger(v)) return String(v);
      return String(v);
    }
    const inner = "\n" + " ".repeat(indent * (level + 1));
    const outer = "\n" + " ".repeat(indent * level);
    if (Array.isArray(v)) {
      if (!v.length) return "[]";
      return "[" + inner + v.map((x) => enc(x, level + 1)).join("," + inner) +
        outer + "]";
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.length) return "{}";
    return "{" + inner +
      entries.map(([k, x]) => py_json_string(k) + ": " + enc(x, level + 1))
        .join("," + inner) +
      outer + "}";
  };
  return enc(value, 0);
}
