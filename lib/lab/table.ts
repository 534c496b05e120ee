// Copyright 2026 the iommulab authors. MIT license.
/**
 * Plain-text tables for experiment results.
 *
 * @module
 */

/** A table cell: numbers are formatted, null prints as `-`. */
export type Cell = string | number | boolean | null;

/** One row, keyed by column. */
export type Row = Record<string, Cell>;

/** Options of {@link formatTable}. */
export interface FormatTableOptions {
  /** Columns in order (default: keys of the first row). */
  columns?: readonly string[];
  /** Significant digits of non-integer numbers (default 4). */
  digits?: number;
}

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Formats one cell the way {@link formatTable} does. */
export function formatCell(v: Cell, digits = 4): string {
  if (v === null) return "-";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) || Math.abs(v) >= 10 ** digits) {
    return intFmt.format(Math.round(v));
  }
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e9)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/**
 * Formats `rows` as an aligned text table: a header line, a rule and one
 * line per row; numbers right-aligned, text left-aligned.
 */
export function formatTable(
  rows: readonly Row[],
  opts: FormatTableOptions = {},
): string {
  const columns = opts.columns ?? (rows.length ? Object.keys(rows[0]!) : []);
  const digits = opts.digits ?? 4;
  const cells = rows.map((r) =>
    columns.map((c) => formatCell(r[c] ?? null, digits))
  );
  const right = columns.map((c) => rows.some((r) => typeof r[c] === "number"));
  const width = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => row[i]!.length))
  );
  const line = (vals: readonly string[]): string =>
    vals.map((v, i) => right[i] ? v.padStart(width[i]!) : v.padEnd(width[i]!))
      .join("  ").trimEnd();
  return [
    line(columns),
    width.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
  ].join("\n");
}
