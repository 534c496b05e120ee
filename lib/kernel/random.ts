// Copyright 2026 the iommulab authors. MIT license.
/**
 * The seeded kernel PRNG (include/linux/random.h, include/linux/prandom.h).
 *
 * Everything random in the simulated kernel (fault-injection probability,
 * workload helpers) draws from one global {@link Xoshiro128} state. KUnit
 * reseeds it with the case's seed before every case, so a failing case is
 * repeated exactly by running it again with the seed printed in its KTAP.
 *
 * @module
 */

/**
 * A small seedable PRNG (xoshiro128**, 32-bit output), seeded through
 * splitmix32 so that any integer seed gives a well-mixed state.
 *
 * @example Usage
 * ```ts
 * import { Xoshiro128 } from "./random.ts";
 * const a = new Xoshiro128(42), b = new Xoshiro128(42);
 * console.assert(a.next_u32() === b.next_u32());
 * ```
 */
export class Xoshiro128 {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  /** The seed this generator was (last) seeded with. */
  seed = 0;

  /** Creates a generator seeded with `seed` (an integer in [0, 2^53)). */
  constructor(seed = 0) {
    this.reseed(seed);
  }

  /** Resets the state from `seed` (an integer in [0, 2^53)). */
  reseed(seed: number): void {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`PRNG seed must be an integer >= 0, got ${seed}`);
    }
    this.seed = seed;
    // splitmix32 over the low and high halves
    let x = (seed >>> 0) ^
      Math.imul(Math.floor(seed / 0x100000000), 0x9e3779b9);
    const sm = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = sm();
    this.#s1 = sm();
    this.#s2 = sm();
    this.#s3 = sm();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** The next 32-bit unsigned value. */
  next_u32(): number {
    const s1 = this.#s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return r;
  }

  /**
   * A uniform integer in [0, ceil) without modulo bias (Lemire's method, as
   * `get_random_u32_below()` does). `ceil` is an integer in [1, 2^32].
   */
  below(ceil: number): number {
    if (!Number.isInteger(ceil) || ceil < 1 || ceil > 0x100000000) {
      throw new RangeError(`ceil must be an integer in [1, 2^32], got ${ceil}`);
    }
    if (ceil === 0x100000000) return this.next_u32();
    // Lemire: the high 32 bits of r * ceil, rejecting the biased low range.
    // r * ceil can reach 2^64, so multiply in 16-bit halves to stay exact.
    const threshold = (0x100000000 - ceil) % ceil;
    for (;;) {
      const r = this.next_u32();
      const a = (r >>> 16) * ceil, b = (r & 0xffff) * ceil;
      const sum = a + Math.floor(b / 0x10000);
      const low = (sum % 0x10000) * 0x10000 + (b % 0x10000);
      if (low >= threshold) return Math.floor(sum / 0x10000);
    }
  }

  /** A uniform integer in [0, 2^53). */
  next_u53(): number {
    return (this.next_u32() & 0x1fffff) * 0x100000000 + this.next_u32();
  }

  /** A double in [0, 1). */
  next_double(): number {
    return this.next_u53() / 0x20000000000000;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The kernel's global PRNG state. */
export const kernel_prng: Xoshiro128 = new Xoshiro128(0);

/** Reseeds the kernel PRNG (KUnit does this before every case). */
export function prandom_seed(seed: number): void {
  kernel_prng.reseed(seed);
}

/** The seed the kernel PRNG was last seeded with. */
export function prandom_current_seed(): number {
  return kernel_prng.seed;
}

/** `get_random_u32()`. */
export function get_random_u32(): number {
  return kernel_prng.next_u32();
}

/** `get_random_u32_below(ceil)`: uniform in [0, ceil). */
export function get_random_u32_below(ceil: number): number {
  return kernel_prng.below(ceil);
}

/** `get_random_u32_inclusive(floor, ceil)`: uniform in [floor, ceil]. */
export function get_random_u32_inclusive(floor: number, ceil: number): number {
  if (!(floor <= ceil)) {
    throw new RangeError(`floor ${floor} must be <= ceil ${ceil}`);
  }
  return floor + kernel_prng.below(ceil - floor + 1);
}

/** `get_random_u64()` as an integer in [0, 2^53) (the lab's ULONG range). */
export function get_random_u53(): number {
  return kernel_prng.next_u53();
}

/** `prandom_u32_state(state)`: draw from a caller-owned generator. */
export function prandom_u32_state(state: Xoshiro128): number {
  return state.next_u32();
}
