// Copyright 2026 the iommulab authors. MIT license.
/**
 * Recovers the operand text of a failed `KUNIT_*` call from its source line,
 * the lab's stand-in for the C preprocessor's `#x` stringification. Only
 * used on the failure path.
 *
 * @module
 */
import { parse_stack_frame, type StackFrame } from "../kernel/test_bug.ts";

/** The call site `depth` frames above the caller of this function. */
export function call_site_of(depth: number): StackFrame | null {
  const stack = new Error().stack?.split("\n") ?? [];
  const frame = stack[depth + 2];
  return frame === undefined ? null : parse_stack_frame(frame);
}

const sources = new Map<string, string[] | null>();

function read_lines(url: string): string[] | null {
  let lines = sources.get(url);
  if (lines !== undefined) return lines;
  try {
    const path = url.startsWith("file://") ? new URL(url) : url;
    lines = Deno.readTextFileSync(path).split("\n");
  } catch {
    lines = null; // no read permission or not a file: fall back to values
  }
  sources.set(url, lines);
  return lines;
}

/**
 * The top-level argument texts of the call that starts at `site`, with
 * white space runs folded to one space as `#x` does. `null` when the source
 * cannot be read or parsed.
 */
export function call_arguments(site: StackFrame): string[] | null {
  const lines = read_lines(site.url);
  if (lines === null) return null;
  // Join from the call line on; calls span a few lines at most.
  const text = lines.slice(site.line - 1, site.line + 40).join("\n");
  let i = site.column - 1;
  while (i < text.length && text[i] !== "(") i++;
  if (i >= text.length) return null;
  return split_arguments(text, i + 1);
}

/** Splits `text` from `start` (just past `(`) into top-level arguments. */
export function split_arguments(text: string, start: number): string[] | null {
  const args: string[] = [];
  let depth = 0;
  let cur = start;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skip_string(text, i);
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        args.push(text.slice(cur, i));
        return args.map(fold).filter((a, k, all) =>
          // a trailing comma leaves an empty last argument
          !(a === "" && k === all.length - 1 && k > 0)
        );
      }
      depth--;
    } else if (c === "," && depth === 0) {
      args.push(text.slice(cur, i));
      cur = i + 1;
    }
    i++;
  }
  return null;
}

function skip_string(text: string, i: number): number {
  const q = text[i];
  i++;
  while (i < text.length && text[i] !== q) {
    if (text[i] === "\\") i++;
    i++;
  }
  return i + 1;
}

function fold(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
