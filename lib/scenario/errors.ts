// Copyright 2026 the iommulab authors. MIT license.
/**
 * {@link ScenarioError}: the one error a bad scenario file produces, naming
 * the file, the scenario, the step, the field, and what was expected and
 * found; and the translation of zod's issues into it.
 *
 * @module
 */
import type { z } from "zod";
import {
  KNOWN_FIELDS,
  PATTERN_WORDS,
  STEP_OPS,
  STEP_SCHEMAS,
} from "./schema.ts";

/** Where in a file a problem is, and what is wrong there. */
export interface ScenarioErrorInfo {
  /** The file as the user named it. */
  file: string;
  /** The scenario's name (or `#<index>` when it has none). */
  scenario?: string | undefined;
  /** The step's index, nested steps as `4.1` (0-based). */
  step?: string | undefined;
  /** The step's `op`, when known. */
  op?: string | undefined;
  /** The field, relative to the step or scenario (`size`, `expect.range`). */
  field?: string | undefined;
  /** What was expected. */
  expected: string;
  /** What was found. */
  found: string;
}

/**
 * A scenario file is invalid. The message is one line:
 * `<file>: scenario "<name>", step <i> (<op>), field <field>: expected <...>, found <...>`
 * (the parts that do not apply are left out).
 */
export class ScenarioError extends TypeError {
  /** The file. */
  readonly file: string;
  /** The scenario, if the problem is inside one. */
  readonly scenario: string | undefined;
  /** The step index (`"3"`, `"4.1"`), if inside a step. */
  readonly step: string | undefined;
  /** The field. */
  readonly field: string | undefined;
  /** What was expected. */
  readonly expected: string;
  /** What was found. */
  readonly found: string;

  /** Creates the error from its parts. */
  constructor(info: ScenarioErrorInfo) {
    super(format_scenario_error(info));
    this.name = "ScenarioError";
    this.file = info.file;
    this.scenario = info.scenario;
    this.step = info.step;
    this.field = info.field;
    this.expected = info.expected;
    this.found = info.found;
  }
}

/** The one-line message of a {@link ScenarioError}. */
export function format_scenario_error(info: ScenarioErrorInfo): string {
  let where = info.file;
  const parts: string[] = [];
  if (info.scenario !== undefined) parts.push(`scenario "${info.scenario}"`);
  if (info.step !== undefined) {
    parts.push(`step ${info.step}${info.op ? ` (${info.op})` : ""}`);
  }
  if (info.field !== undefined && info.field !== "") {
    parts.push(`field ${info.field}`);
  }
  if (parts.length) where += ": " + parts.join(", ");
  return `${where}: expected ${info.expected}, found ${info.found}`;
}

/** A value as an error message shows it (short JSON, `nothing` if absent). */
export function show_found(v: unknown): string {
  if (v === undefined) return "nothing";
  let s: string;
  if (typeof v === "bigint") s = `${v}n`;
  else if (typeof v === "function") s = "a function";
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

type Path = readonly PropertyKey[];

/** Splits a path into scenario, step chain and the field inside. */
export function locate(
  data: unknown,
  path: Path,
  file: string,
): Omit<ScenarioErrorInfo, "expected" | "found"> {
  const info: Omit<ScenarioErrorInfo, "expected" | "found"> = { file };
  if (path[0] !== "scenarios" || typeof path[1] !== "number") {
    info.field = field_string(path);
    return info;
  }
  const sc = get(data, path.slice(0, 2));
  const name = (sc as { name?: unknown } | undefined)?.name;
  info.scenario = typeof name === "string" ? name : `#${path[1]}`;
  let i = 2;
  const steps: number[] = [];
  let op: unknown;
  // steps[n] (scenario) then race[n] / steps[n] (arm / repeat bodies)
  while (
    i + 1 < path.length &&
    (path[i] === "steps" || (steps.length > 0 && path[i] === "race")) &&
    typeof path[i + 1] === "number"
  ) {
    steps.push(path[i + 1] as number);
    op = (get(data, path.slice(0, i + 2)) as { op?: unknown } | undefined)?.op;
    i += 2;
  }
  if (steps.length) {
    info.step = steps.join(".");
    if (typeof op === "string" && STEP_OPS.includes(op)) info.op = op;
  }
  info.field = field_string(path.slice(i));
  return info;
}

/** `a.b[2].c` from a path. */
export function field_string(path: Path): string {
  let s = "";
  for (const k of path) {
    if (typeof k === "number") s += `[${k}]`;
    else s += s === "" ? String(k) : `.${String(k)}`;
  }
  return s;
}

/** The value at `path` inside `data` (undefined if absent). */
export function get(data: unknown, path: Path): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "a boolean (true or false)",
  object: "an object",
  array: "an array",
  null: "null",
  bigint: "a number",
};

function quote_list(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

// Which object a path points into, for the list of known fields.
function known_fields(data: unknown, path: Path): readonly string[] | null {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 0) return KNOWN_FIELDS.file!;
  if (parent === "scenarios" && typeof last === "number") {
    return KNOWN_FIELDS.scenario!;
  }
  if (last === "subjects") return KNOWN_FIELDS.subjects!;
  if (parent === "subjects" && typeof last === "string") {
    return KNOWN_FIELDS[last] ?? null;
  }
  if ((parent === "steps" || parent === "race") && typeof last === "number") {
    const op = (get(data, path) as { op?: unknown } | undefined)?.op;
    return typeof op === "string" ? step_fields(op) : null;
  }
  return KNOWN_FIELDS.expectation!;
}

function step_fields(op: string): readonly string[] | null {
  const schema = (STEP_SCHEMAS as Record<string, { shape: object }>)[op];
  return schema ? Object.keys(schema.shape) : null;
}

function expected_of(issue: z.core.$ZodIssue, found: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      const e = String(issue.expected);
      if (e === "int" || (e === "number" && typeof found === "number")) {
        return "an integer";
      }
      return TYPE_WORDS[e] ?? e;
    }
    case "too_small": {
      const min = String(issue.minimum);
      if (issue.origin === "array") return `at least ${min} item(s)`;
      if (issue.origin === "string") return `at least ${min} character(s)`;
      return `an integer ${issue.inclusive === false ? ">" : ">="} ${min}`;
    }
    case "too_big": {
      const max = String(issue.maximum);
      if (issue.origin === "array") return `at most ${max} item(s)`;
      if (issue.origin === "string") return `at most ${max} character(s)`;
      return `an integer ${issue.inclusive === false ? "<" : "<="} ${max}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${quote_list(issue.values)}`;
    case "invalid_format":
      if (issue.format === "regex") {
        const src = issue.pattern?.replace(/^\/|\/[a-z]*$/g, "") ?? "";
        return PATTERN_WORDS.get(src) ?? `a string matching ${issue.pattern}`;
      }
      return `a ${issue.format} string`;
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator === "op") {
        return `a step kind, one of ${STEP_OPS.join(", ")}`;
      }
      return issue.message;
    case "not_multiple_of":
      return `a multiple of ${String(issue.divisor)}`;
    case "invalid_key":
      return issue.message;
    default:
      return issue.message;
  }
}

/**
 * A union none of whose branches matched: when one branch got further
 * than the others (an object with a bad field), its issue is the one to
 * report, with its path made absolute.
 */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | null = null;
  for (const branch of issue.errors) {
    for (const sub of branch) {
      if (
        sub.path.length > 0 && (!best || sub.path.length > best.path.length)
      ) {
        best = sub;
      }
    }
  }
  if (best === null) return issue;
  return deepest(
    { ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue,
  );
}

/**
 * Turns the first zod issue of a failed parse into a {@link ScenarioError}
 * (one error per file: the first problem, in document order).
 */
export function scenario_error_from_zod(
  file: string,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): ScenarioError {
  const issue = deepest(issues[0]!);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const path = [...issue.path, key];
    const known = known_fields(data, issue.path);
    const where = locate(data, path, file);
    return new ScenarioError({
      ...where,
      expected: known ? `a known field (${known.join(", ")})` : "no such field",
      found: `unknown field "${key}"`,
    });
  }
  const found = get(data, issue.path);
  // A step with an unknown op: the path ends at the step (zod appends "op").
  let path: Path = issue.path;
  if (
    issue.code === "invalid_union" && "discriminator" in issue &&
    path[path.length - 1] !== "op"
  ) path = [...path, "op"];
  const where = locate(data, path, file);
  return new ScenarioError({
    ...where,
    expected: expected_of(issue, found),
    found: show_found(get(data, path)),
  });
}
