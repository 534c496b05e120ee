// Copyright 2026 the iommulab authors. MIT license.
/**
 * Wall-clock timing for experiments (never for tests): the median over
 * repeated batches of `performance.now()`-timed calls.
 *
 * @module
 */

/** Options of {@link medianNsPerOp}. */
export interface MedianNsPerOpOptions {
  /** Calls of `fn` per timed batch (default 100). */
  batch?: number;
  /** Timed batches; the median is taken over them (default 15). */
  repeats?: number;
  /** Untimed warm-up batches (default 1). */
  warmup?: number;
}

/** What {@link medianNsPerOp} measured. */
export interface TimingResult {
  /** Median over batches of ns per call. */
  medianNs: number;
  /** Fastest batch, ns per call. */
  minNs: number;
  /** Calls made in timed batches. */
  calls: number;
}

function posInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
  }
  return v;
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `fn` (one operation per call, e.g. an alloc+free pair): `warmup`
 * untimed batches, then `repeats` batches of `batch` calls; returns the
 * median ns per call over the batches.
 */
export function medianNsPerOp(
  fn: () => void,
  opts: MedianNsPerOpOptions = {},
): TimingResult {
  const batch = posInt("batch", opts.batch ?? 100);
  const repeats = posInt("repeats", opts.repeats ?? 15);
  const warmup = opts.warmup ?? 1;
  if (!Number.isSafeInteger(warmup) || warmup < 0) {
    throw new RangeError(`warmup must be an integer >= 0, got ${warmup}`);
  }
  for (let w = 0; w < warmup; w++) for (let i = 0; i < batch; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push((performance.now() - t0) * 1e6 / batch);
  }
  return {
    medianNs: median(per),
    minNs: Math.min(...per),
    calls: batch * repeats,
  };
}

/** Times one call of `fn` in ns (single-shot: resolution is the clock's). */
export function timeOnceNs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1e6;
}
