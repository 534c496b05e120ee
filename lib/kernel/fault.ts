// Copyright 2026 the iommulab authors. MIT license.
/**
 * Fault injection (lib/fault-inject.c, include/linux/fault-inject.h) with
 * named injection points.
 *
 * Code declares a point once, at module load, and checks it on the hot path;
 * an unarmed point costs one property load:
 *
 * ```ts
 * const FP = declare_fault_point("maple.node_alloc");
 * if (should_fail(FP)) return null; // or -ENOMEM
 * ```
 *
 * Tests, scenarios and scripts arm points by name:
 *
 * - `fault_arm(name, { fail_nth: 3 })`: the 3rd call from now fails (once);
 * - `fault_arm(name, { probability, interval, times, space, verbose })`: a
 *   `struct fault_attr`, checked in `should_fail_ex()` order; `probability`
 *   defaults to 100 and `times` to 1 (the kernel's default) when armed;
 * - `fault_arm(name, { hook })`: the hook form. When the point "fails", the
 *   hook runs at that moment (e.g. to play a racing CPU) and the call does
 *   not fail;
 * - `fail_nth_set(n)`: the per-task `fail-nth` of the kernel: the n-th call
 *   of *any* active point fails.
 *
 * Points armed while a KUnit case runs are disarmed when it ends. Random
 * decisions draw from the kernel PRNG, which KUnit reseeds per case.
 *
 * @module
 */
import {
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGHMEM,
  __GFP_NOFAIL,
  __GFP_NOWARN,
} from "./gfp.ts";
import { kernel_prng } from "./random.ts";
import { kunit_get_current_test, kunit_log_current_test } from "./test_bug.ts";
import { kernel_caller_site } from "./report.ts";

/** `FAULT_NOWARN`: do not report the injected failure. */
export const FAULT_NOWARN = 1;

/** `struct fault_attr` (the fields the lab models) with kernel defaults. */
export class FaultAttr {
  /** Percentage 0..100; 0 never fails except through fail-nth. */
  probability = 0;
  /** Fail only every `interval`-th call that passed the earlier checks. */
  interval = 1;
  /** Failures still allowed; -1 = unlimited. */
  times = 1;
  /** Size budget consumed before injection may start. */
  space = 0;
  /** 0 silent, 1 one line per failure, 2 also the caller's site. */
  verbose = 2;
  /** Calls counted for `interval`. */
  count = 0;
  /** Per-point fail-nth: the n-th call from arming fails (0 = off). */
  fail_nth = 0;
  /** failslab/fail_page_alloc `ignore-gfp-wait` (the lab default is off). */
  ignore_gfp_wait = false;
  /** fail_page_alloc `ignore-gfp-highmem`. */
  ignore_gfp_highmem = false;
  /** fail_page_alloc `min-order` (the lab default is 0). */
  min_order = 0;
  /** failslab cache filter: only this cache name is failed (null = all). */
  cache_filter: string | null = null;
  /** The hook form: run this instead of failing. */
  hook: ((point: FaultPoint) => void) | null = null;
}

/** A named injection point. Check it with {@link should_fail}. */
export class FaultPoint {
  /** The point's name, e.g. `"slab.alloc"`. */
  readonly name: string;
  /** Whether the slow path must run (armed, or task fail-nth active). */
  active = false;
  /** Whether a test armed this point. */
  armed = false;
  /** The armed attribute. */
  attr: FaultAttr = new FaultAttr();
  /** Calls that reached `should_fail` while active. */
  calls = 0;
  /** Failures injected (or hook runs) since arming. */
  injected = 0;
  /** Creates a point; use {@link declare_fault_point}. */
  constructor(name: string) {
    this.name = name;
  }
}

const points = new Map<string, FaultPoint>();
let taskFailNth = 0;
let armedInCase: Set<FaultPoint> | null = null;

/**
 * Declares (or returns the already declared) injection point `name`. Call
 * it once at module load and keep the result.
 */
export function declare_fault_point(name: string): FaultPoint {
  if (typeof name !== "string" || !/^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(name)) {
    throw new TypeError(`invalid fault point name ${JSON.stringify(name)}`);
  }
  let fp = points.get(name);
  if (fp === undefined) {
    fp = new FaultPoint(name);
    fp.active = taskFailNth !== 0;
    points.set(name, fp);
  }
  return fp;
}

/** The well-known points, declared here so they can be armed early. */
export const FAULT_POINTS: readonly string[] = [
  "slab.alloc",
  "page.alloc",
  "maple.node_alloc",
  "pt.table_alloc",
  "pt.install_race",
  "pt.top_race",
];
for (const n of FAULT_POINTS) declare_fault_point(n);

/** The names of all declared points, sorted. */
export function fault_point_names(): string[] {
  return [...points.keys()].sort();
}

/** The declared point `name`; RangeError naming it when unknown. */
export function fault_point(name: string): FaultPoint {
  const fp = points.get(name);
  if (fp === undefined) {
    throw new RangeError(
      `unknown fault point ${JSON.stringify(name)} (declared: ${
        fault_point_names().join(", ")
      })`,
    );
  }
  return fp;
}

/** Options of {@link fault_arm}. */
export interface FaultArmOptions {
  /** The n-th call from now fails (n >= 1); overrides probability. */
  fail_nth?: number;
  /** Percentage 0..100 (default 100 unless only `fail_nth` is given). */
  probability?: number;
  /** Fail every `interval`-th eligible call (default 1). */
  interval?: number;
  /** How many failures (default 1; -1 = unlimited). */
  times?: number;
  /** Size budget before failures start (default 0). */
  space?: number;
  /** 0 silent, 1 a line per failure, 2 with the caller's site (default 1). */
  verbose?: number;
  /** Run this instead of failing (the call then succeeds). */
  hook?: (point: FaultPoint) => void;
  /** failslab/fail_page_alloc: never fail sleeping allocations. */
  ignore_gfp_wait?: boolean;
  /** fail_page_alloc: never fail highmem allocations. */
  ignore_gfp_highmem?: boolean;
  /** fail_page_alloc: never fail orders below this (default 0). */
  min_order?: number;
  /** failslab: only fail allocations from the cache with this name. */
  cache?: string;
}

const ARM_KEYS = new Set([
  "fail_nth",
  "probability",
  "interval",
  "times",
  "space",
  "verbose",
  "hook",
  "ignore_gfp_wait",
  "ignore_gfp_highmem",
  "min_order",
  "cache",
]);

function int(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(
      `${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`,
    );
  }
  return v;
}

/**
 * Arms point `name` (see the module docs). Re-arming replaces the previous
 * configuration and resets the point's counters. Throws RangeError/TypeError
 * naming the bad value, leaving the point unchanged.
 */
export function fault_arm(
  name: string,
  opts: FaultArmOptions = {},
): FaultPoint {
  const fp = fault_point(name);
  if (typeof opts !== "object" || opts === null) {
    throw new TypeError(
      `fault_arm options must be an object, got ${String(opts)}`,
    );
  }
  for (const k of Object.keys(opts)) {
    if (!ARM_KEYS.has(k)) {
      throw new TypeError(`unknown fault_arm option ${JSON.stringify(k)}`);
    }
  }
  const a = new FaultAttr();
  const onlyNth = opts.fail_nth !== undefined && opts.probability === undefined;
  a.probability = opts.probability === undefined
    ? (onlyNth ? 0 : 100)
    : int("probability", opts.probability, 0, 100);
  if (opts.fail_nth !== undefined) {
    a.fail_nth = int("fail_nth", opts.fail_nth, 1, Number.MAX_SAFE_INTEGER);
  }
  if (opts.interval !== undefined) {
    a.interval = int("interval", opts.interval, 1, Number.MAX_SAFE_INTEGER);
  }
  if (opts.times !== undefined) {
    a.times = int("times", opts.times, -1, Number.MAX_SAFE_INTEGER);
  }
  if (opts.space !== undefined) {
    a.space = int("space", opts.space, 0, Number.MAX_SAFE_INTEGER);
  }
  a.verbose = opts.verbose === undefined
    ? 1
    : int("verbose", opts.verbose, 0, 2);
  if (opts.min_order !== undefined) {
    a.min_order = int("min_order", opts.min_order, 0, 63);
  }
  if (opts.hook !== undefined) {
    if (typeof opts.hook !== "function") {
      throw new TypeError(`hook must be a function, got ${typeof opts.hook}`);
    }
    a.hook = opts.hook;
  }
  if (opts.ignore_gfp_wait !== undefined) {
    a.ignore_gfp_wait = !!opts.ignore_gfp_wait;
  }
  if (opts.ignore_gfp_highmem !== undefined) {
    a.ignore_gfp_highmem = !!opts.ignore_gfp_highmem;
  }
  if (opts.cache !== undefined) {
    if (typeof opts.cache !== "string") {
      throw new TypeError(
        `cache must be a cache name, got ${String(opts.cache)}`,
      );
    }
    a.cache_filter = opts.cache;
  }
  fp.attr = a;
  fp.armed = true;
  fp.active = true;
  fp.calls = 0;
  fp.injected = 0;
  if (armedInCase !== null && kunit_get_current_test() !== null) {
    armedInCase.add(fp);
  }
  return fp;
}

/** Disarms point `name` (RangeError when unknown). */
export function fault_disarm(name: string): void {
  disarm(fault_point(name));
}

function disarm(fp: FaultPoint): void {
  fp.armed = false;
  fp.attr = new FaultAttr();
  fp.active = taskFailNth !== 0;
}

/** Disarms every point and clears the task fail-nth. */
export function fault_disarm_all(): void {
  taskFailNth = 0;
  for (const fp of points.values()) disarm(fp);
}

/**
 * Sets the task `fail-nth` (`/proc/self/fail-nth`): the n-th call of any
 * active point fails; 0 turns it off. Every declared point takes part.
 */
export function fail_nth_set(n: number): void {
  taskFailNth = int("fail_nth", n, 0, Number.MAX_SAFE_INTEGER);
  for (const fp of points.values()) fp.active = fp.armed || taskFailNth !== 0;
}

/**
 * Reads the task `fail-nth` back: 0 means the failure was injected (or it
 * was never set); non-zero means fewer than n calls were made.
 */
export function fail_nth_get(): number {
  return taskFailNth;
}

/** `should_fail(attr, size)`: whether this call of `fp` must fail. */
export function should_fail(fp: FaultPoint, size = 1): boolean {
  return fp.active ? should_fail_ex(fp, size, 0) : false;
}

/** `should_fail_ex(attr, size, flags)`: the checks of lib/fault-inject.c. */
export function should_fail_ex(
  fp: FaultPoint,
  size: number,
  flags: number,
): boolean {
  if (!fp.active) return false;
  fp.calls++;
  const a = fp.attr;
  // 1. fail-nth (task level, then the point's own)
  if (taskFailNth !== 0) {
    if (--taskFailNth === 0) {
      for (const p of points.values()) p.active = p.armed;
      return fail(fp, size, flags);
    }
    return false;
  }
  if (a.fail_nth !== 0) {
    if (--a.fail_nth === 0) return fail(fp, size, flags);
    return false;
  }
  // 2. probability == 0
  if (a.probability === 0) return false;
  // 4. times == 0
  if (a.times === 0) return false;
  // 6. space > size: consume
  if (a.space > size) {
    a.space -= size;
    return false;
  }
  // 7. interval
  if (a.interval > 1) {
    a.count++;
    if (a.count % a.interval !== 0) return false;
  }
  // 8. probability
  if (a.probability <= kernel_prng.below(100)) return false;
  return fail(fp, size, flags);
}

function fail(fp: FaultPoint, size: number, flags: number): boolean {
  const a = fp.attr;
  fp.injected++;
  if ((flags & FAULT_NOWARN) === 0 && a.verbose > 0) {
    kunit_log_current_test(
      a.hook === null
        ? "FAULT_INJECTION: forcing a failure."
        : "FAULT_INJECTION: running the hook.",
    );
    kunit_log_current_test(
      `name ${fp.name}, interval ${a.interval}, probability ${a.probability}, space ${a.space}, times ${a.times}` +
        (a.verbose > 1 ? `, at ${kernel_caller_site()}` : ""),
    );
  }
  if (a.times !== -1 && a.times > 0) a.times--;
  if (a.hook !== null) {
    a.hook(fp);
    return false;
  }
  return size >= 0;
}

/**
 * `should_failslab(s, gfp)` pre-filters (mm/failslab.c), then `should_fail`.
 * `cacheName` and `objectSize` describe the cache.
 */
export function should_failslab(
  fp: FaultPoint,
  cacheName: string,
  objectSize: number,
  gfp: number,
): boolean {
  if (!fp.active) return false;
  const a = fp.attr;
  if (gfp & __GFP_NOFAIL) return false;
  if (a.ignore_gfp_wait && (gfp & __GFP_DIRECT_RECLAIM)) return false;
  if (a.cache_filter !== null && a.cache_filter !== cacheName) return false;
  return should_fail_ex(fp, objectSize, gfp & __GFP_NOWARN ? FAULT_NOWARN : 0);
}

/** `should_fail_alloc_page(gfp, order)` pre-filters, then `should_fail`. */
export function should_fail_alloc_page(
  fp: FaultPoint,
  gfp: number,
  order: number,
): boolean {
  if (!fp.active) return false;
  const a = fp.attr;
  if (order < a.min_order) return false;
  if (gfp & __GFP_NOFAIL) return false;
  if (a.ignore_gfp_highmem && (gfp & __GFP_HIGHMEM)) return false;
  if (a.ignore_gfp_wait && (gfp & __GFP_DIRECT_RECLAIM)) return false;
  return should_fail_ex(fp, 2 ** order, gfp & __GFP_NOWARN ? FAULT_NOWARN : 0);
}

/** Starts tracking points armed during a KUnit case (lifecycle begin). */
export function fault_case_begin(): void {
  armedInCase = new Set();
}

/** Disarms the points armed during the case and clears fail-nth (end). */
export function fault_case_end(): void {
  if (armedInCase !== null) { for (const fp of armedInCase) disarm(fp); }
  armedInCase = null;
  if (taskFailNth !== 0) fail_nth_set(0);
}
