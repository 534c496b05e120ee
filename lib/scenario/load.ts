// Copyright 2026 the iommulab authors. MIT license.
/**
 * Loading a scenario file: import a `.ts` module's default export or parse
 * a `.json` file, validate it against the one schema, then the checks a
 * schema cannot express: names used before an earlier step defines them,
 * expectation tables naming a variant or format the scenario does not run
 * (or missing one it does), fault points the kernel never declared, steps
 * whose subject the scenario lacks. The first problem becomes one
 * {@link ScenarioError}; nothing runs from a file that has one.
 *
 * @module
 */
import { fault_point_names } from "../kernel/fault.ts";
import { IOVA_VARIANTS, type IovaVariant } from "../iova/mod.ts";
import {
  type Expectation,
  type ExpectationObject,
  NAME_RE,
  REF_RE,
  type Scenario,
  type ScenarioFile,
  ScenarioFileSchema,
  type Step,
} from "./schema.ts";
import {
  field_string,
  scenario_error_from_zod,
  ScenarioError,
  show_found,
} from "./errors.ts";

/** A validated scenario file, ready to become a suite. */
export interface LoadedScenarioFile {
  /** The file as shown in messages. */
  file: string;
  /** The suite name. */
  suite: string;
  /** The suite's doc. */
  doc: string;
  /** The scenarios. */
  scenarios: Scenario[];
}

/** Options of {@link load_scenario_file}. */
export interface LoadOptions {
  /** How messages name the file (default: the path relative to the cwd). */
  display?: string;
}

/** The IOVA variants a scenario runs (empty without an IOVA subject). */
export function scenario_variants(sc: Scenario): IovaVariant[] {
  const v = sc.subjects.iova;
  if (v === undefined) return [];
  if (v.variant === undefined) return [...IOVA_VARIANTS];
  return Array.isArray(v.variant) ? v.variant : [v.variant];
}

/** The page-table formats a scenario runs (empty without a pt subject). */
export function scenario_formats(sc: Scenario): string[] {
  const p = sc.subjects.pt;
  if (p === undefined) return [];
  return Array.isArray(p.format) ? p.format : [p.format];
}

/** Which subject each step kind needs. */
export const STEP_SUBJECT: Readonly<Record<string, "iova" | "pt" | "maple">> = {
  alloc: "iova",
  alloc_fast: "iova",
  free: "iova",
  free_fast: "iova",
  reserve: "iova",
  find: "iova",
  map: "pt",
  unmap: "pt",
  iova_to_phys: "pt",
  store: "maple",
  erase: "maple",
  load: "maple",
  empty_area: "maple",
  empty_area_rev: "maple",
};

/** The result fields each step kind has (for `expect_fields` and `$a.f`). */
export const STEP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  alloc: ["pfn_lo", "pfn_hi", "size"],
  reserve: ["pfn_lo", "pfn_hi", "size"],
  find: ["pfn_lo", "pfn_hi", "size"],
  alloc_fast: ["pfn", "size"],
  empty_area: ["index", "last"],
  empty_area_rev: ["index", "last"],
};

/** Which subject each counter reads. */
export const COUNTER_SUBJECT: Readonly<
  Record<string, "iova" | "pt" | "maple" | null>
> = {
  live_iovas: "iova",
  live_iova_bytes: "iova",
  magazines: "iova",
  deferred: "iova",
  max32_alloc_size: "iova",
  dma_32bit_pfn: "iova",
  maple_nodes: null,
  table_pages: "pt",
  top_level: "pt",
  top_va_lg2: "pt",
  install_races: "pt",
  top_races: "pt",
  change_top: "pt",
  clear_contig_tables: "pt",
  warnings: null,
};

/** The suite name of a file: `scenario_<base name>`, made snake_case. */
export function default_suite_name(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1).replace(
    /\.(json|ts)$/,
    "",
  );
  const snake = base.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(
    /^_+|_+$/g,
    "",
  );
  return `scenario_${snake || "file"}`;
}

/** The path of `url` relative to the cwd when inside it, else absolute. */
export function display_path(url: URL): string {
  const p = decodeURIComponent(url.pathname);
  let cwd: string;
  try {
    cwd = Deno.cwd().replace(/\/?$/, "/");
  } catch {
    return p;
  }
  return p.startsWith(cwd) ? p.slice(cwd.length) : p;
}

function to_url(path: string | URL): URL {
  if (path instanceof URL) return path;
  return new URL(path, `file://${Deno.cwd()}/`);
}

/**
 * Imports the `.ts` module at `url`; a module that fails to load is a
 * {@link ScenarioError} naming `file` and the first line of the cause.
 */
export async function scenario_import(
  url: URL,
  file: string,
): Promise<Record<string, unknown>> {
  try {
    return await import(url.href);
  } catch (e) {
    throw new ScenarioError({
      file,
      expected: "a module that loads",
      found: (e as Error).message.split("\n")[0]!,
    });
  }
}

/**
 * Loads and validates the scenario file at `path` (`.ts`: its default
 * export; `.json`: the whole file). Throws {@link ScenarioError}.
 */
export async function load_scenario_file(
  path: string | URL,
  opts: LoadOptions = {},
): Promise<LoadedScenarioFile> {
  const url = to_url(path);
  const file = opts.display ?? display_path(url);
  let data: unknown;
  if (url.pathname.endsWith(".json")) {
    let text: string;
    try {
      text = await Deno.readTextFile(url);
    } catch (e) {
      throw new ScenarioError({
        file,
        expected: "a readable file",
        found: (e as Error).message,
      });
    }
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ScenarioError({
        file,
        expected: "valid JSON",
        found: (e as Error).message,
      });
    }
  } else if (url.pathname.endsWith(".ts")) {
    const mod = await scenario_import(url, file);
    if (!("default" in mod)) {
      throw new ScenarioError({
        file,
        field: "export default",
        expected: "a default export holding the scenario file",
        found: "nothing",
      });
    }
    data = mod.default;
  } else {
    throw new ScenarioError({
      file,
      expected: "a .ts or .json scenario file",
      found: JSON.stringify(
        url.pathname.slice(url.pathname.lastIndexOf("/") + 1),
      ),
    });
  }
  return validate_scenario_file(data, file, default_suite_name(url.pathname));
}

/**
 * Validates scenario data (what a file exports) and returns it loaded.
 * `file` names it in messages; `suite` is the default suite name.
 */
export function validate_scenario_file(
  data: unknown,
  file: string,
  suite: string,
): LoadedScenarioFile {
  const r = ScenarioFileSchema.safeParse(data);
  if (!r.success) throw scenario_error_from_zod(file, data, r.error.issues);
  const parsed: ScenarioFile = r.data;
  const seen = new Set<string>();
  parsed.scenarios.forEach((sc, i) => {
    if (seen.has(sc.name)) {
      throw new ScenarioError({
        file,
        scenario: sc.name,
        field: `scenarios[${i}].name`,
        expected: "a name no other scenario of the file uses",
        found: JSON.stringify(sc.name),
      });
    }
    seen.add(sc.name);
    cross_check(file, sc);
  });
  return {
    file,
    suite: parsed.suite ?? suite,
    doc: parsed.doc ?? "",
    scenarios: parsed.scenarios,
  };
}

interface CheckCtx {
  file: string;
  sc: Scenario;
  variants: IovaVariant[];
  formats: string[];
  points: string[];
}

function fail(
  c: CheckCtx,
  step: string | undefined,
  op: string | undefined,
  field: string,
  expected: string,
  found: string,
): never {
  throw new ScenarioError({
    file: c.file,
    scenario: c.sc.name,
    step,
    op,
    field,
    expected,
    found,
  });
}

function cross_check(file: string, sc: Scenario): void {
  const c: CheckCtx = {
    file,
    sc,
    variants: scenario_variants(sc),
    formats: scenario_formats(sc),
    points: fault_point_names(),
  };
  const s = sc.subjects;
  if (!s.iova && !s.pt && !s.maple) {
    fail(
      c,
      undefined,
      undefined,
      "subjects",
      "at least one subject (iova, pt or maple)",
      "{}",
    );
  }
  check_steps(c, sc.steps, "", new Map());
}

/** Names visible to a step: name → the op that defined it. */
type Scope = Map<string, string>;

function check_steps(
  c: CheckCtx,
  steps: readonly Step[],
  prefix: string,
  scope: Scope,
): void {
  steps.forEach((st, i) => {
    const idx = `${prefix}${i}`;
    check_step(c, st, idx, scope);
    if (st.as !== undefined) scope.set(st.as, st.op);
  });
}

function check_step(c: CheckCtx, st: Step, idx: string, scope: Scope): void {
  const f = (field: string, expected: string, found: string): never =>
    fail(c, idx, st.op, field, expected, found);
  const need = STEP_SUBJECT[st.op];
  if (need !== undefined && c.sc.subjects[need] === undefined) {
    f(
      "op",
      `a scenario with subjects.${need} (${st.op} acts on ${
        need === "iova"
          ? "an IOVA domain"
          : need === "pt"
          ? "a page table"
          : "a maple tree"
      })`,
      JSON.stringify(st.op),
    );
  }
  // References in every number field, expectations included.
  walk_refs(st, [], (path, v) => {
    if (path[0] === "steps" || path[0] === "race") return;
    const name = ref_field(v);
    if (name === null) return;
    if (!scope.has(name.name)) {
      f(
        field_string(path),
        `a name defined by an earlier step's "as"${
          scope.size
            ? ` (defined: ${[...scope.keys()].join(", ")})`
            : " (none defined yet)"
        }`,
        JSON.stringify(v),
      );
    }
    const defined_by = scope.get(name.name)!;
    const fields = STEP_FIELDS[defined_by] ?? [];
    if (name.field !== null && !fields.includes(name.field)) {
      f(
        field_string(path),
        fields.length
          ? `a field of $${name.name} (${fields.join(", ")})`
          : `no field: $${name.name} (${defined_by}) has only its value`,
        JSON.stringify(v),
      );
    }
  });
  switch (st.op) {
    case "free":
      if ((st.iova === undefined) === (st.pfn === undefined)) {
        f(
          st.iova === undefined ? "iova" : "pfn",
          "exactly one of iova (a name) or pfn",
          st.iova === undefined ? "neither" : "both",
        );
      }
      if (st.iova !== undefined) {
        const by = scope.get(st.iova);
        if (by === undefined) {
          f(
            "iova",
            `a name defined by an earlier alloc, reserve or find's "as"${
              scope.size ? ` (defined: ${[...scope.keys()].join(", ")})` : ""
            }`,
            JSON.stringify(st.iova),
          );
        }
        if (!["alloc", "reserve", "find"].includes(by!)) {
          f(
            "iova",
            "the name of an alloc, reserve or find result",
            `${JSON.stringify(st.iova)} (a ${by} result)`,
          );
        }
      }
      break;
    case "cpu": {
      const n = [st.switch, st.unplug, st.plug].filter((x) => x !== undefined)
        .length;
      if (n !== 1) {
        f(
          "switch",
          "exactly one of switch, unplug or plug",
          n === 0 ? "none" : "several",
        );
      }
      break;
    }
    case "arm":
    case "disarm":
      if (!c.points.includes(st.point)) {
        f(
          "point",
          `a declared fault point (one of ${c.points.join(", ")})`,
          JSON.stringify(st.point),
        );
      }
      if (st.op === "arm" && st.race) {
        check_steps(c, st.race, `${idx}.`, scope);
      }
      break;
    case "check":
      for (const k of Object.keys(st.counters ?? {})) {
        const need = COUNTER_SUBJECT[k];
        if (need && c.sc.subjects[need] === undefined) {
          f(
            `counters.${k}`,
            `a scenario with subjects.${need} (${k} reads it)`,
            "no such subject",
          );
        }
      }
      for (const k of Object.keys(st.injected ?? {})) {
        if (!c.points.includes(k)) {
          f(
            `injected.${k}`,
            `a declared fault point (one of ${c.points.join(", ")})`,
            JSON.stringify(k),
          );
        }
      }
      break;
    case "repeat": {
      const inner: Scope = new Map(scope);
      inner.set("i", "repeat");
      for (const g of Object.keys(st.gen ?? {})) inner.set(g, "repeat");
      check_steps(c, st.steps, `${idx}.`, inner);
      // Names the body defines stay visible; $i and generated values do not.
      for (const [k, v] of inner) if (v !== "repeat") scope.set(k, v);
      break;
    }
  }
  if (st.expect_fields) {
    const fields = STEP_FIELDS[st.op] ?? [];
    for (const k of Object.keys(st.expect_fields)) {
      if (!fields.includes(k)) {
        f(
          `expect_fields.${k}`,
          fields.length
            ? `a field of the ${st.op} result (${fields.join(", ")})`
            : `no fields: ${st.op} has only its result (use expect)`,
          JSON.stringify(k),
        );
      }
    }
  }
  for_each_expectation(st, (path, e) => check_table(c, f, path, e));
}

function ref_field(v: unknown): { name: string; field: string | null } | null {
  if (typeof v !== "string") return null;
  const m = REF_RE.exec(v);
  return m ? { name: m[1]!, field: m[2] ?? null } : null;
}

// Calls fn for every string value in the step (not in nested steps).
function walk_refs(
  v: unknown,
  path: (string | number)[],
  fn: (path: (string | number)[], v: unknown) => void,
): void {
  if (typeof v === "string") fn(path, v);
  else if (Array.isArray(v)) {
    v.forEach((x, i) => walk_refs(x, [...path, i], fn));
  } else if (v !== null && typeof v === "object") {
    if (path.length === 1 && (path[0] === "steps" || path[0] === "race")) {
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (path.length === 0 && (k === "steps" || k === "race" || k === "doc")) {
        continue;
      }
      if (path.length === 0 && (k === "point" || k === "op" || k === "as")) {
        continue;
      }
      walk_refs(x, [...path, k], fn);
    }
  }
}

function for_each_expectation(
  st: Step,
  fn: (path: string, e: Expectation) => void,
): void {
  if (st.expect !== undefined) fn("expect", st.expect);
  for (const [k, e] of Object.entries(st.expect_fields ?? {})) {
    fn(`expect_fields.${k}`, e);
  }
  if (st.op === "check") {
    for (const [k, e] of Object.entries(st.counters ?? {})) {
      fn(`counters.${k}`, e as Expectation);
    }
    for (const [k, e] of Object.entries(st.injected ?? {})) {
      fn(`injected.${k}`, e);
    }
  }
}

function check_table(
  c: CheckCtx,
  f: (field: string, expected: string, found: string) => never,
  path: string,
  e: Expectation,
): void {
  if (e === null || typeof e !== "object") return;
  const o = e as ExpectationObject;
  const tables: [
    string,
    Record<string, Expectation> | undefined,
    string[],
    string,
  ][] = [
    [
      "per_variant",
      o.per_variant as Record<string, Expectation>,
      c.variants,
      "variant",
    ],
    ["per_format", o.per_format, c.formats, "format"],
  ];
  for (const [key, table, run, what] of tables) {
    if (table === undefined) continue;
    const others = Object.keys(o).filter((k) => k !== key);
    if (others.length) {
      f(
        `${path}.${others[0]}`,
        `nothing beside ${key} (put the checks inside each entry)`,
        show_found(o[others[0] as keyof ExpectationObject]),
      );
    }
    if (run.length === 0) {
      f(
        `${path}.${key}`,
        `a scenario that runs ${what}s (subjects.${
          what === "variant" ? "iova" : "pt"
        })`,
        show_found(table),
      );
    }
    for (const k of Object.keys(table)) {
      if (!run.includes(k)) {
        f(
          `${path}.${key}.${k}`,
          `a ${what} the scenario runs (${run.join(", ")})`,
          JSON.stringify(k),
        );
      }
    }
    for (const k of run) {
      if (!(k in table)) {
        f(
          `${path}.${key}`,
          `an entry for every ${what} run (missing ${JSON.stringify(k)})`,
          show_found(table),
        );
      }
    }
    for (const [k, sub] of Object.entries(table)) {
      check_table(c, f, `${path}.${key}.${k}`, sub);
    }
  }
}

/** Whether a string is a valid KTAP-safe name. */
export function is_scenario_name(s: string): boolean {
  return NAME_RE.test(s);
}
