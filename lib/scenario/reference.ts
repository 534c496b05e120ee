// Copyright 2026 the iommulab authors. MIT license.
/**
 * The schema reference of the README's "Writing a scenario", generated from
 * the one zod schema (`z.toJSONSchema`), so the documentation cannot drift
 * from what the loader accepts. `deno task scenario:schema` writes it.
 *
 * @module
 */
import { z } from "zod";
import {
  COUNTER_NAMES,
  ERRNO_NAMES,
  ScenarioFileSchema,
  STEP_SCHEMAS,
} from "./schema.ts";

/** The marker lines the reference sits between in README.md. */
export const REFERENCE_BEGIN = "<!-- scenario-schema:begin (generated) -->";
/** See {@link REFERENCE_BEGIN}. */
export const REFERENCE_END = "<!-- scenario-schema:end -->";

type Json = Record<string, unknown>;

function type_of(s: Json | undefined, defs: Json): string {
  if (s === undefined) return "any";
  if (typeof s.$ref === "string") {
    const name = s.$ref.replace("#/$defs/", "");
    const d = defs[name] as Json | undefined;
    if (d?.type === "array") return "Step[]";
    if (d && (d.anyOf || d.type === "object")) return "Expectation";
    return name;
  }
  if (s.description && (s.anyOf as Json[] | undefined)?.length) {
    const desc = String(s.description);
    if (desc.includes("|")) return desc;
  }
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) {
    return s.enum.map((x) => JSON.stringify(x)).join(" \\| ");
  }
  if (Array.isArray(s.anyOf)) {
    return (s.anyOf as Json[]).map((x) => type_of(x, defs)).join(" \\| ");
  }
  if (s.type === "integer") {
    const lo = s.minimum as number | undefined;
    const hi = s.maximum as number | undefined;
    const range = hi !== undefined && hi < 2 ** 40 ? ` ${lo}..${hi}` : "";
    return `integer${range}`;
  }
  if (s.type === "array") {
    if (Array.isArray(s.prefixItems)) {
      return `[${
        (s.prefixItems as Json[]).map((x) => type_of(x, defs)).join(", ")
      }]`;
    }
    const item = type_of(s.items as Json, defs);
    return item.includes("|") ? `(${item})[]` : `${item}[]`;
  }
  if (s.type === "object") {
    if (s.additionalProperties && typeof s.additionalProperties === "object") {
      return `{ [name]: ${type_of(s.additionalProperties as Json, defs)} }`;
    }
    return "object";
  }
  return String(s.type ?? "any");
}

function table(schema: Json, defs: Json, skip: string[] = []): string[] {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const out = ["| field | type | |", "| --- | --- | --- |"];
  for (const [k, p] of Object.entries(props)) {
    if (skip.includes(k)) continue;
    const t = type_of(p, defs).replace(/\|(?<!\\\|)/g, "\\|");
    out.push(
      `| \`${k}\`${required.has(k) ? "" : "?"} | ${t} | ${
        String(p.description ?? "").replace(/\|/g, "\\|")
      } |`,
    );
  }
  return out;
}

function json(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as Json;
}

/** The generated Markdown reference (between the markers, exclusive). */
export function scenario_schema_reference(): string {
  const file = json(ScenarioFileSchema);
  const defs = (file.$defs ?? {}) as Json;
  const lines: string[] = [];
  const scenario = ((file.properties as Json).scenarios as Json).items as Json;
  const subjects = (scenario.properties as Json).subjects as Json;
  lines.push("#### File", "", ...table(file, defs), "");
  lines.push("#### Scenario", "", ...table(scenario, defs), "");
  for (const k of ["iova", "pt", "maple"]) {
    const s = (subjects.properties as Record<string, Json>)[k]!;
    lines.push(`#### Subject \`${k}\``, "", ...table(s, defs), "");
  }
  lines.push(
    "#### Steps",
    "",
    "Every step also takes `as?` (name its result), `doc?`, `expect?` " +
      "(an Expectation for the result) and `expect_fields?` " +
      "(`{ field: Expectation }`).",
    "",
  );
  const common = ["op", "as", "doc", "expect", "expect_fields"];
  for (const [op, schema] of Object.entries(STEP_SCHEMAS)) {
    const js = json(schema);
    lines.push(`##### \`${op}\``, "", String(js.description ?? ""), "");
    const t = table(js, (js.$defs ?? {}) as Json, common);
    if (t.length > 2) lines.push(...t, "");
  }
  const exp = Object.values(defs).find((d) =>
    Array.isArray((d as Json).anyOf) &&
    ((d as Json).anyOf as Json[]).some((x) =>
      x.type === "object" && (x.properties as Json | undefined)?.per_variant
    )
  ) as Json | undefined;
  const obj = (exp?.anyOf as Json[] | undefined)?.find((x) =>
    x.type === "object"
  );
  lines.push(
    "#### Expectation",
    "",
    "An integer, a hex string or a reference: exactly that value. `null`: " +
      "NULL. An object: every check it holds.",
    "",
  );
  if (obj) lines.push(...table(obj, defs), "");
  lines.push(
    `Errno names: ${ERRNO_NAMES.map((x) => `\`${x}\``).join(", ")}.`,
    "",
    `Counters of \`check\`: ${
      COUNTER_NAMES.map((x) => `\`${x}\``).join(", ")
    }.`,
  );
  return lines.join("\n");
}

/** The generated block of `readme` (between the markers). */
export function readme_reference_block(readme: string): string {
  const a = readme.indexOf(REFERENCE_BEGIN);
  const b = readme.indexOf(REFERENCE_END);
  if (a < 0 || b < a) {
    throw new RangeError(
      `README.md has no ${REFERENCE_BEGIN} ... ${REFERENCE_END} block`,
    );
  }
  return readme.slice(a + REFERENCE_BEGIN.length, b);
}

/**
 * Markdown compared modulo formatting (`deno fmt` re-wraps prose and pads
 * table cells): whitespace dropped, runs of `-` collapsed.
 */
export function markdown_normal_form(md: string): string {
  return md.replace(/\s+/g, "").replace(/-+/g, "-");
}

/** Whether README.md's generated reference matches the schema. */
export function readme_reference_is_fresh(readme: string): boolean {
  return markdown_normal_form(readme_reference_block(readme)) ===
    markdown_normal_form(scenario_schema_reference());
}

/** `readme` with the generated part replaced (throws if markers missing). */
export function update_readme_reference(readme: string): string {
  const a = readme.indexOf(REFERENCE_BEGIN);
  const b = readme.indexOf(REFERENCE_END);
  if (a < 0 || b < a) {
    throw new RangeError(
      `README.md has no ${REFERENCE_BEGIN} ... ${REFERENCE_END} block`,
    );
  }
  return readme.slice(0, a + REFERENCE_BEGIN.length) + "\n\n" +
    scenario_schema_reference() + "\n\n" + readme.slice(b);
}
