// Copyright 2026 the iommulab authors. MIT license.
/**
 * Bit helpers from include/linux/bits.h, bitops.h, log2.h and align.h,
 * exact for every integer in [0, 2^53 - 1].
 *
 * JavaScript's `1 << n` and `&` work on 32 bits, so C's `1UL << 36` must be
 * written `BIT(36)` here. Values of 2^53 and above cannot be represented
 * exactly as numbers; the lab's `ULONG_MAX` is therefore
 * `Number.MAX_SAFE_INTEGER`, and helpers that would have to produce a larger
 * value throw `RangeError` instead of rounding.
 *
 * @module
 */

/** The lab's `ULONG_MAX`: 2^53 - 1, the largest exact JS integer. */
export const ULONG_MAX: number = Number.MAX_SAFE_INTEGER;
/** A C `unsigned long *` out-parameter (`mt_find(mt, &index, max)`). */
export interface ULongPtr {
  /** The pointed-to value. */
  value: number;
}

/** `BITS_PER_LONG` of the modelled machine (64-bit kernels). */
export const BITS_PER_LONG = 64;

const TWO32 = 0x1_0000_0000;

function checkBitIndex(name: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(
      `${name}: bit ${n} is outside 0..${max} (numbers are exact to 53 bits)`,
    );
  }
}

/** Throws `RangeError` unless `v` is an integer in [0, ULONG_MAX]. */
export function check_ulong(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(
      `${name}: ${v} is not an integer in [0, 2^53 - 1] (the lab's ULONG_MAX)`,
    );
  }
}

/**
 * `BIT(n)`: 2^n for n in 0..52.
 *
 * @example Usage
 * ```ts
 * import { BIT } from "./bits.ts";
 * import assert from "node:assert/strict";
 * assert.equal(BIT(36), 68719476736);
 * ```
 */
export function BIT(n: number): number {
  checkBitIndex("BIT", n, 52);
  return 2 ** n;
}

/** `GENMASK(h, l)`: bits l..h set, for 0 <= l <= h <= 52. */
export function GENMASK(h: number, l: number): number {
  checkBitIndex("GENMASK", h, 52);
  checkBitIndex("GENMASK", l, h);
  return 2 ** (h + 1) - 2 ** l;
}

/**
 * `DMA_BIT_MASK(n)`: 2^n - 1. For n >= 53 the kernel value does not fit an
 * exact number and the lab's `ULONG_MAX` (2^53 - 1) is returned: an address
 * space of 53 bits is the widest the number-based models express.
 */
export function DMA_BIT_MASK(n: number): number {
  checkBitIndex("DMA_BIT_MASK", n, 64);
  return n >= 53 ? ULONG_MAX : 2 ** n - 1;
}

/**
 * `DMA_BIT_MASK(bits) >> shift`: the highest pfn below a DMA mask, computed
 * in pfns so that it stays exact where the mask itself is wider than the
 * lab's 2^53 numbers (`dma_bit_mask_pfn(56, PAGE_SHIFT)` is 2^44 - 1).
 */
export function dma_bit_mask_pfn(bits: number, shift: number): number {
  checkBitIndex("dma_bit_mask_pfn", bits, 64);
  checkBitIndex("dma_bit_mask_pfn", shift, 52);
  if (bits <= shift) return 0;
  checkBitIndex("dma_bit_mask_pfn", bits - shift, 53);
  return 2 ** (bits - shift) - 1;
}

/** `fls_long(x)`: 1-based index of the most significant set bit; 0 for 0. */
export function fls_long(x: number): number {
  if (x >= TWO32) return 64 - Math.clz32(Math.floor(x / TWO32));
  return 32 - Math.clz32(x);
}

/** `__ffs(x)`: 0-based index of the least significant set bit (x != 0). */
export function __ffs(x: number): number {
  const lo = x >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(x / TWO32) >>> 0;
  return 63 - Math.clz32(hi & -hi);
}

/** `ffz(x)`: 0-based index of the least significant zero bit. */
export function ffz(x: number): number {
  const lo = ~x >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = ~Math.floor(x / TWO32) >>> 0;
  return 63 - Math.clz32(hi & -hi);
}

/** `ilog2(x)`: floor(log2(x)) for x > 0. */
export function ilog2(x: number): number {
  return fls_long(x) - 1;
}

/** `is_power_of_2(n)`. */
export function is_power_of_2(n: number): boolean {
  return n > 0 && Number.isInteger(n) && 2 ** ilog2(n) === n;
}

/** `roundup_pow_of_two(n)`: the smallest power of two >= n (n >= 1). */
export function roundup_pow_of_two(n: number): number {
  return 2 ** fls_long(n - 1);
}

/**
 * `order_base_2(n)`: `ilog2(roundup_pow_of_two(n))`, with 0 and 1 giving 0
 * (the kernel's definition for n <= 1).
 */
export function order_base_2(n: number): number {
  return n > 1 ? fls_long(n - 1) : 0;
}

/** `rounddown_pow_of_two(n)`: the largest power of two <= n (n >= 1). */
export function rounddown_pow_of_two(n: number): number {
  return 2 ** ilog2(n);
}

/** `ALIGN(x, a)`: x rounded up to a multiple of the power of two `a`. */
export function ALIGN(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** `ALIGN_DOWN(x, a)`: x rounded down to a multiple of the power of two `a`. */
export function ALIGN_DOWN(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

/** `IS_ALIGNED(x, a)`. */
export function IS_ALIGNED(x: number, a: number): boolean {
  return x % a === 0;
}

/** `DIV_ROUND_UP(n, d)`. */
export function DIV_ROUND_UP(n: number, d: number): number {
  return Math.ceil(n / d);
}

/** `min(a, b)` for numbers, as the kernel macro. */
export function min(a: number, b: number): number {
  return a < b ? a : b;
}

/** `max(a, b)` for numbers, as the kernel macro. */
export function max(a: number, b: number): number {
  return a > b ? a : b;
}
