// Copyright 2026 the iommulab authors. MIT license.
/**
 * Matching a step's result against an {@link Expectation}: exact values,
 * NULL, ranges, alignment, `-errno`, and per-variant / per-format tables.
 *
 * @module
 */
import { errname } from "../kernel/errno.ts";
import * as errno from "../kernel/errno.ts";
import type { Expectation, ExpectationObject } from "./schema.ts";
import { type NamedValue, resolve, show_value } from "./values.ts";

/** What an expectation is matched in. */
export interface MatchContext {
  /** Named results so far. */
  names: ReadonlyMap<string, NamedValue>;
  /** The run's IOVA variant. */
  variant: string | null;
  /** The run's page-table format. */
  format: string | null;
}

function show_result(a: bigint | null): string {
  if (a !== null && a < 0n && a >= -4095n) {
    const n = errname(Number(-a));
    if (n) return `-${n} (${a})`;
  }
  return show_value(a);
}

function errno_value(name: string): bigint {
  return -BigInt((errno as unknown as Record<string, number>)[name]!);
}

/**
 * Matches `actual` (a result; null for NULL) against `e`. Returns null
 * when it matches, else `expected ..., found ...`.
 */
export function match_expectation(
  actual: bigint | null,
  e: Expectation,
  ctx: MatchContext,
): string | null {
  const found = `found ${show_result(actual)}`;
  if (e === null) return actual === null ? null : `expected NULL, ${found}`;
  if (typeof e !== "object") {
    const want = resolve(e, ctx.names);
    return actual === want ? null : `expected ${show_value(want)}, ${found}`;
  }
  const o: ExpectationObject = e;
  if (o.per_variant !== undefined) {
    const sub = (o.per_variant as Record<string, Expectation>)[ctx.variant!];
    const r = match_expectation(actual, sub as Expectation, ctx);
    return r === null ? null : `${ctx.variant}: ${r}`;
  }
  if (o.per_format !== undefined) {
    const sub = o.per_format[ctx.format!];
    const r = match_expectation(actual, sub as Expectation, ctx);
    return r === null ? null : `${ctx.format}: ${r}`;
  }
  if (o.value !== undefined) {
    const r = match_expectation(actual, o.value, ctx);
    if (r !== null) return r;
  }
  if (o.not_null !== undefined) {
    if (o.not_null && actual === null) return `expected not NULL, ${found}`;
    if (!o.not_null && actual !== null) return `expected NULL, ${found}`;
  }
  if (o.error !== undefined) {
    const want = errno_value(o.error);
    if (actual !== want) return `expected -${o.error} (${want}), ${found}`;
  }
  if (o.range !== undefined) {
    const lo = resolve(o.range[0], ctx.names);
    const hi = resolve(o.range[1], ctx.names);
    if (actual === null || actual < lo || actual > hi) {
      return `expected in [${show_value(lo)}, ${show_value(hi)}], ${found}`;
    }
  }
  if (o.aligned !== undefined) {
    const a = resolve(o.aligned, ctx.names);
    if (actual === null || a === 0n || actual % a !== 0n) {
      return `expected a multiple of ${show_value(a)}, ${found}`;
    }
  }
  return null;
}
