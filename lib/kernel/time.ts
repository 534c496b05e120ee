// Copyright 2026 the iommulab authors. MIT license.
/**
 * Virtual time (include/linux/jiffies.h, include/linux/timekeeping.h).
 *
 * The clock only moves when {@link advance} (in workqueue.ts) or `msleep`
 * moves it; nothing runs on wall time. `HZ` is 1000, so one jiffy is one
 * virtual millisecond and delayed work runs at exactly the millisecond it
 * was scheduled for. `ktime_get_ns()` returns virtual nanoseconds unless a
 * benchmark switches it to the wall clock with {@link ktime_use_wall_clock}.
 *
 * @module
 */

/** Ticks per second. */
export const HZ = 1000;
/** Nanoseconds per millisecond. */
export const NSEC_PER_MSEC = 1_000_000;
/** Nanoseconds per microsecond. */
export const NSEC_PER_USEC = 1_000;
/** Nanoseconds per second. */
export const NSEC_PER_SEC = 1_000_000_000;
/** `MAX_JIFFY_OFFSET`. */
export const MAX_JIFFY_OFFSET: number = Number.MAX_SAFE_INTEGER;

/**
 * `jiffies`: the virtual tick counter (a live binding: importers see it
 * move). It starts at 0 after `kernel_reset()`.
 */
export let jiffies = 0;
let nowNs = 0;
let wall = false;

/** `get_jiffies_64()`. */
export function get_jiffies_64(): number {
  return jiffies;
}

/** `msecs_to_jiffies(ms)` (rounds up, like the kernel for HZ <= 1000). */
export function msecs_to_jiffies(ms: number): number {
  if (!(ms >= 0)) return MAX_JIFFY_OFFSET;
  return Math.ceil((ms * HZ) / 1000);
}

/** `usecs_to_jiffies(us)`. */
export function usecs_to_jiffies(us: number): number {
  if (!(us >= 0)) return MAX_JIFFY_OFFSET;
  return Math.ceil((us * HZ) / 1_000_000);
}

/** `jiffies_to_msecs(j)`. */
export function jiffies_to_msecs(j: number): number {
  return (j * 1000) / HZ;
}

/** `time_after(a, b)`: a is later than b. */
export function time_after(a: number, b: number): boolean {
  return a > b;
}

/** `time_before(a, b)`. */
export function time_before(a: number, b: number): boolean {
  return a < b;
}

/** `time_after_eq(a, b)`. */
export function time_after_eq(a: number, b: number): boolean {
  return a >= b;
}

/** `time_before_eq(a, b)`. */
export function time_before_eq(a: number, b: number): boolean {
  return a <= b;
}

/** `ktime_get_ns()`: virtual nanoseconds (or wall, see the module docs). */
export function ktime_get_ns(): number {
  return wall ? Math.round(performance.now() * 1e6) : nowNs;
}

/** `ktime_get()` (ktime_t is nanoseconds). */
export const ktime_get: () => number = ktime_get_ns;

/** `ktime_get_mono_fast_ns()`. */
export const ktime_get_mono_fast_ns: () => number = ktime_get_ns;

/**
 * Switches `ktime_get_ns()` to the wall clock (for benchmarks timing
 * themselves) or back to virtual time. Jiffies and work stay virtual.
 */
export function ktime_use_wall_clock(on: boolean): void {
  wall = on;
}

/** The virtual time in milliseconds (may be fractional after ns steps). */
export function virtual_now_ms(): number {
  return nowNs / NSEC_PER_MSEC;
}

/**
 * Moves the clock to `ns` (internal to the kernel: used by `advance`).
 * Throws RangeError when `ns` would move time backwards.
 */
export function clock_set_ns(ns: number): void {
  if (!Number.isSafeInteger(ns) || ns < nowNs) {
    throw new RangeError(
      `time cannot move backwards: ${ns} ns < now ${nowNs} ns`,
    );
  }
  nowNs = ns;
  jiffies = Math.floor(ns / (NSEC_PER_SEC / HZ));
}

/** Resets the clock to 0 (kernel_reset). */
export function clock_reset(): void {
  nowNs = 0;
  jiffies = 0;
  wall = false;
}
