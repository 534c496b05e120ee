// Copyright 2026 the iommulab authors. MIT license.
/**
 * Values in scenario data: integers, hex strings, `"$name.field+N"`
 * references to earlier results, and `"32bit"` DMA-mask limits; resolved
 * exactly (as bigint) and converted to the number or bigint the model's
 * API takes.
 *
 * @module
 */
import { BITS_RE, HEX_RE, REF_RE } from "./schema.ts";

/** A named result: its main value and its fields. */
export interface NamedValue {
  /** The main value (`pfn_lo`, the pfn, the return code, ...); null = NULL. */
  value: bigint | null;
  /** Further fields (`pfn_hi`, `size`, `index`, `last`, ...). */
  fields: Record<string, bigint>;
  /** The model object behind it (a `struct iova`), if any. */
  object?: unknown;
}

/** Thrown by a step that cannot run; the case fails with the message. */
export class StepFailure extends Error {
  /** Creates the failure. */
  constructor(message: string) {
    super(message);
    this.name = "StepFailure";
  }
}

/** The reference in a `"$name..."` string: its name, or null. */
export function ref_name(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const m = REF_RE.exec(v);
  return m ? m[1]! : null;
}

/**
 * Resolves a number field: an integer, hex string, or reference into
 * `names`. `shift` is the IOVA granule shift for `"32bit"` limits (null
 * where limits are not accepted).
 */
export function resolve(
  v: number | string,
  names: ReadonlyMap<string, NamedValue>,
  shift: number | null = null,
): bigint {
  if (typeof v === "number") return BigInt(v);
  if (HEX_RE.test(v)) return BigInt(v);
  const bits = BITS_RE.exec(v);
  if (bits && shift !== null) {
    const n = Number(bits[1]);
    // DMA_BIT_MASK(n) >> shift
    return ((1n << BigInt(n)) - 1n) >> BigInt(shift);
  }
  const m = REF_RE.exec(v);
  if (!m) throw new StepFailure(`cannot read ${JSON.stringify(v)}`);
  const [, name, field, sign, off] = m;
  const named = names.get(name!);
  if (named === undefined) {
    throw new StepFailure(
      `$${name} is not set (the step naming it has not run)`,
    );
  }
  if (named.value === null) throw new StepFailure(`$${name} is NULL`);
  let base: bigint | null;
  if (field === undefined) base = named.value;
  else {
    base = named.fields[field] ?? null;
    if (!(field in named.fields)) {
      throw new StepFailure(
        `$${name} has no field ${field} (fields: ${
          Object.keys(named.fields).join(", ") || "none"
        })`,
      );
    }
  }
  if (base === null) throw new StepFailure(`$${name} is NULL`);
  if (sign === undefined) return base;
  const d = BigInt(off!);
  return sign === "+" ? base + d : base - d;
}

/** A resolved value as a JS number (pfns, sizes, indices). */
export function to_number(v: bigint, what: string): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StepFailure(
      `${what} = ${v} is outside [0, 2^53 - 1] (IOVA and maple values are JS numbers)`,
    );
  }
  return Number(v);
}

/** Formats a value for a message: decimal, plus hex for page-table sizes. */
export function show_value(v: bigint | number | null | undefined): string {
  if (v === null || v === undefined) return "NULL";
  const b = BigInt(v);
  if (b < 0n) return String(b);
  return b >= 4096n ? `${b} (0x${b.toString(16)})` : String(b);
}
