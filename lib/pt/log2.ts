// Copyright 2026 the iommulab authors. MIT license.
/**
 * The typed log2 and bit-scan helpers of generic_pt (pt_log2.h and the
 * VA/OA wrappers of pt_defs.h). 64-bit values are bigint (`u64`), 32-bit
 * values are numbers (`u32`). Shifts by the full width follow the `fvalog2_*`
 * rules (defined results), which BigInt gives naturally once masked to 64 bits.
 *
 * @module
 */

/** `U64_MAX` / `PT_VADDR_MAX`. */
export const U64_MAX: bigint = 0xffff_ffff_ffff_ffffn;
/** `U32_MAX`. */
export const U32_MAX = 0xffff_ffff;
/** `PT_VADDR_MAX_LG2` for 64-bit pt_vaddr_t. */
export const PT_VADDR_MAX_LG2 = 64;

/** `POW2[n]` is `1n << BigInt(n)` for n in 0..64 (precomputed). */
export const POW2: readonly bigint[] = Array.from(
  { length: 65 },
  (_, n) => 1n << BigInt(n),
);
/** `MASK[n]` is `2^n - 1` for n in 0..64 (precomputed). */
export const MASK: readonly bigint[] = POW2.map((p) => p - 1n);
/** `BIG[n]` is `BigInt(n)` for n in 0..64, avoiding conversions on hot paths. */
export const BIG: readonly bigint[] = Array.from(
  { length: 65 },
  (_, n) => BigInt(n),
);

/** `log2_to_int(a)`: `1 << a` (a in 0..63). */
export function log2_to_int(a: number): bigint {
  return POW2[a]!;
}
/** `log2_to_max_int(a)`: `(1 << a) - 1`, all ones for a = 64. */
export function log2_to_max_int(a: number): bigint {
  return MASK[a]!;
}
/** `log2_div(a, b)`: `a >> b`. */
export function log2_div(a: bigint, b: number): bigint {
  return a >> BIG[b]!;
}
/** `log2_div_eq(a, b, c)`: a and b agree in every bit at and above c. */
export function log2_div_eq(a: bigint, b: bigint, c: number): boolean {
  return ((a ^ b) >> BIG[c]!) === 0n;
}
/** `log2_mod(a, b)`: the low b bits of a. */
export function log2_mod(a: bigint, b: number): bigint {
  return a & MASK[b]!;
}
/** `log2_mod_eq_max(a, b)`: the low b bits of a are all ones. */
export function log2_mod_eq_max(a: bigint, b: number): boolean {
  return (a & MASK[b]!) === MASK[b]!;
}
/** `NMASK[n]` is `U64_MAX ^ MASK[n]` for n in 0..64 (precomputed). */
export const NMASK: readonly bigint[] = MASK.map((m) => U64_MAX ^ m);
/** `log2_set_mod(a, val, b)`: replace the low b bits of a with val. */
export function log2_set_mod(a: bigint, val: bigint, b: number): bigint {
  return (a & NMASK[b]!) | val;
}
/** `log2_set_mod_max(a, b)`: set the low b bits of a. */
export function log2_set_mod_max(a: bigint, b: number): bigint {
  return a | MASK[b]!;
}
/** `log2_mul(a, b)`: `a << b` truncated to 64 bits. */
export function log2_mul(a: bigint, b: number): bigint {
  return (a << BIG[b]!) & U64_MAX;
}

/** `fls_t(u32, x)`: 1-based index of the last set bit, 0 for 0. */
export function fls32(x: number): number {
  return 32 - Math.clz32(x);
}
/** `ffs_t(u32, x)` (`__ffs`): 0-based index of the first set bit. */
export function ffs32(x: number): number {
  if ((x >>> 0) === 0) throw new RangeError("ffs32(0) is undefined");
  return 31 - Math.clz32(x & -x);
}
/** `ffz_t(u32, x)`: 0-based index of the first zero bit. */
export function ffz32(x: number): number {
  return ffs32(~x >>> 0);
}
/** `fls_t(u64, x)`. */
export function fls64(x: bigint): number {
  const hi = Number(x >> 32n);
  if (hi !== 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x & 0xffff_ffffn));
}
/** `ffs_t(u64, x)` (`__ffs64`); throws for 0 (undefined in C). */
export function ffs64(x: bigint): number {
  const lo = Number(x & 0xffff_ffffn);
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Number((x >> 32n) & 0xffff_ffffn);
  if (hi === 0) throw new RangeError("ffs64(0) is undefined");
  return 63 - Math.clz32(hi & -hi);
}
/** `ffz_t(u64, x)`; throws for all ones (undefined in C). */
export function ffz64(x: bigint): number {
  return ffs64(~x & U64_MAX);
}
/** `log2_mod_t(u32, v, b)`. */
export function log2_mod32(v: number, b: number): number {
  return b >= 32 ? v >>> 0 : (v & ((1 << b) - 1)) >>> 0;
}
/** `log2_to_max_int_t(u32, b)`. */
export function log2_to_max_int32(b: number): number {
  return b >= 32 ? U32_MAX : ((1 << b) - 1) >>> 0;
}

// ---- number forms, exact for integers in [0, 2^53)

/** `POW2N[n]` is `2 ** n` as a number for n in 0..64 (exact). */
export const POW2N: readonly number[] = Array.from(
  { length: 65 },
  (_, n) => 2 ** n,
);
/** 2^32, the weight of the high word. */
export const TWO32 = 4294967296;

/** `__ffs` of a number below 2^53; 64 for 0 (the `ffs(0)` of pt_log2.h's callers). */
export function ffs53(x: number): number {
  const lo = x >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = (x / TWO32) >>> 0;
  if (hi === 0) return 64;
  return 63 - Math.clz32(hi & -hi);
}
/** `fls` of a number below 2^53: 1-based index of the last set bit, 0 for 0. */
export function fls53(x: number): number {
  if (x >= TWO32) return 64 - Math.clz32((x / TWO32) >>> 0);
  return 32 - Math.clz32(x);
}
/** `2 ** -n` for n in 0..64 (exact): multiplying by it is an exact shift. */
export const INV2N: readonly number[] = POW2N.map((p) => 1 / p);
/** `log2_mod(x, n)` of a number below 2^53 (no float modulo). */
export function mod2n(x: number, n: number): number {
  return x - Math.floor(x * INV2N[n]!) * POW2N[n]!;
}
/** `log2_div(x, n)` of a number below 2^53. */
export function div2n(x: number, n: number): number {
  return Math.floor(x * INV2N[n]!);
}
