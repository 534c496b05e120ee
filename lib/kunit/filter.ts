// Copyright 2026 the iommulab authors. MIT license.
/**
 * Suite and case selection: `filter_glob`, attribute `filter` and
 * `filter_action` (lib/kunit/executor.c, lib/kunit/attributes.c,
 * lib/glob.c).
 *
 * @module
 */
import type {
  KunitAttributes,
  KunitCase,
  KunitSpeed,
  KunitSuite,
} from "./case.ts";

/**
 * The lab's default attribute filter for `deno task kunit` and `deno test`:
 * cases marked slow are skipped (and shown as skipped) unless asked for.
 */
export const KUNIT_DEFAULT_FILTER = "speed>slow";

/** `glob_match(pat, str)` from lib/glob.c: `*`, `?`, `[a-z]`, `[!x]`. */
export function glob_match(pat: string, str: string): boolean {
  let p = 0, s = 0;
  let backP = -1, backS = -1;
  while (true) {
    if (s >= str.length) {
      while (pat[p] === "*") p++;
      return p >= pat.length;
    }
    const c = str[s]!;
    const d = pat[p];
    let matched = false;
    if (d === "?") {
      matched = true;
      p++;
    } else if (d === "*") {
      if (p + 1 >= pat.length) return true;
      backP = ++p;
      backS = s;
      continue;
    } else if (d === "[") {
      const end = pat.indexOf("]", p + 2);
      if (end > 0) {
        let q = p + 1;
        const inverted = pat[q] === "!";
        if (inverted) q++;
        let hit = false;
        while (q < end) {
          let a = pat[q]!, b = a;
          if (pat[q + 1] === "-" && q + 2 < end) {
            b = pat[q + 2]!;
            q += 3;
          } else q++;
          if (a > b) [a, b] = [b, a];
          if (c >= a && c <= b) hit = true;
        }
        if (hit !== inverted) {
          matched = true;
          p = end + 1;
        }
      } else if (c === "[") {
        matched = true;
        p++;
      }
    } else if (d === c) {
      matched = true;
      p++;
    }
    if (matched) {
      s++;
      continue;
    }
    if (backP < 0 || backS >= str.length) return false;
    p = backP;
    s = ++backS;
  }
}

/** A parsed `filter_glob`: `suite_glob[.test_glob]`. */
export interface KunitGlob {
  /** Glob on the suite name. */
  readonly suite_glob: string;
  /** Glob on the case name, or null for all cases. */
  readonly test_glob: string | null;
}

/** Splits a `filter_glob` at its first `.`. */
export function parse_filter_glob(glob: string): KunitGlob {
  const dot = glob.indexOf(".");
  return dot < 0
    ? { suite_glob: glob, test_glob: null }
    : { suite_glob: glob.slice(0, dot), test_glob: glob.slice(dot + 1) };
}

/** One `attr<op>value` term of a `filter`. */
export interface KunitAttrFilter {
  /** `speed` or `module`. */
  readonly attr: "speed" | "module";
  /** Comparison operator. */
  readonly op: "<" | ">" | "<=" | ">=" | "!=" | "=";
  /** The value compared against. */
  readonly value: string;
}

const SPEED_ORDER: Record<KunitSpeed, number> = {
  very_slow: 1,
  slow: 2,
  normal: 3,
};

/**
 * Parses `kunit.filter`: comma-separated `attr<op>value` terms, all of
 * which must hold. Throws `RangeError` naming the bad term.
 */
export function parse_attr_filter(filter: string): KunitAttrFilter[] {
  const out: KunitAttrFilter[] = [];
  for (const raw of filter.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    const m = /^([a-z_]+)\s*(<=|>=|!=|<|>|=)\s*(.+)$/.exec(term);
    if (!m) {
      throw new RangeError(
        `filter: "${term}" is not attr<op>value (ops: < > <= >= != =)`,
      );
    }
    const [, attr, op, value] = m as unknown as [
      string,
      string,
      KunitAttrFilter["op"],
      string,
    ];
    if (attr === "speed") {
      if (!(value in SPEED_ORDER)) {
        throw new RangeError(
          `filter: speed "${value}" is not one of very_slow, slow, normal`,
        );
      }
    } else if (attr === "module") {
      if (op !== "=" && op !== "!=") {
        throw new RangeError(
          `filter: module only accepts = and !=, not "${op}"`,
        );
      }
    } else {
      throw new RangeError(
        `filter: unknown attribute "${attr}" (known: speed, module)`,
      );
    }
    out.push({ attr, op, value: value.trim() });
  }
  return out;
}

function cmp(
  op: KunitAttrFilter["op"],
  a: number | string,
  b: number | string,
) {
  switch (op) {
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
    case "!=":
      return a !== b;
    default:
      return a === b;
  }
}

/** Whether a case passes every filter term (case value, else suite's). */
export function attr_filter_match(
  filters: readonly KunitAttrFilter[],
  suite_attr: KunitAttributes,
  case_attr: KunitAttributes,
): boolean {
  for (const f of filters) {
    if (f.attr === "speed") {
      const speed = case_attr.speed ?? suite_attr.speed ?? "normal";
      if (!cmp(f.op, SPEED_ORDER[speed], SPEED_ORDER[f.value as KunitSpeed])) {
        return false;
      }
    } else {
      const module = case_attr.module ?? suite_attr.module ?? "";
      if (!cmp(f.op, module, f.value)) return false;
    }
  }
  return true;
}

/** A suite after filtering: the cases to print, and which are pre-skipped. */
export interface KunitPlannedSuite {
  /** The suite. */
  readonly suite: KunitSuite;
  /** Cases kept, in order. */
  // deno-lint-ignore no-explicit-any
  readonly cases: readonly KunitCase<any>[];
  /** Indices (into `cases`) filtered out under `filter_action=skip`. */
  readonly skipped: ReadonlySet<number>;
}

/** Options of {@link kunit_filter_suites}. */
export interface KunitFilterOptions {
  /** `suite_glob[.test_glob]`. */
  filter_glob?: string | null;
  /** `attr<op>value[, …]`. */
  filter?: string | null;
  /** `skip` keeps filtered cases as SKIPPED; otherwise they disappear. */
  filter_action?: "skip" | null;
}

/**
 * `kunit_filter_suites()`: applies the glob, then the attribute filter. A
 * suite left with no case is dropped.
 */
export function kunit_filter_suites(
  suites: readonly KunitSuite[],
  opts: KunitFilterOptions = {},
): KunitPlannedSuite[] {
  const glob = opts.filter_glob ? parse_filter_glob(opts.filter_glob) : null;
  const filters = opts.filter ? parse_attr_filter(opts.filter) : [];
  if (opts.filter_action != null && opts.filter_action !== "skip") {
    throw new RangeError(
      `filter_action: "${opts.filter_action}" is not "skip"`,
    );
  }
  const out: KunitPlannedSuite[] = [];
  for (const suite of suites) {
    if (glob && !glob_match(glob.suite_glob, suite.name)) continue;
    let cases = suite.test_cases.filter((c) =>
      !glob?.test_glob || glob_match(glob.test_glob, c.name)
    );
    const skipped = new Set<number>();
    if (filters.length > 0) {
      if (opts.filter_action === "skip") {
        cases.forEach((c, i) => {
          if (!attr_filter_match(filters, suite.attr, c.attr)) skipped.add(i);
        });
      } else {
        cases = cases.filter((c) =>
          attr_filter_match(filters, suite.attr, c.attr)
        );
      }
    }
    if (cases.length === 0) continue;
    out.push({ suite, cases, skipped });
  }
  return out;
}
