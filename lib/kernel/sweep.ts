// Copyright 2026 the iommulab authors. MIT license.
/**
 * The fail-nth sweep: the iommufd `TEST_FAIL_NTH` pattern as a reusable
 * helper (tools/testing/selftests/iommu/iommufd_fail_nth.c).
 *
 * The operation runs once cleanly, then with the 1st, 2nd, 3rd ... call of
 * a fault point (or of every active point, like `/proc/self/fail-nth`)
 * failing, until an iteration completes without reaching the n-th call.
 * After each iteration the caller's invariant check and a leak check run;
 * the result is a table of what happened at each iteration.
 *
 * @module
 */
import {
  fail_nth_get,
  fail_nth_set,
  fault_arm,
  fault_disarm,
  fault_point,
} from "./fault.ts";
import { kernel_capture_reports, type KernelReport } from "./report.ts";
import { kmemleak_mark, kmemleak_scan } from "./kmemleak.ts";

/** Options of {@link fail_nth_sweep}. */
export interface FailNthSweepOptions<R> {
  /**
   * The operation: sets up, runs and tears down, returning its result
   * (e.g. 0 or -ENOMEM). It must free what it allocated when it succeeds
   * and when it fails.
   */
  op: () => R;
  /** The point to fail; omitted = every active point (task fail-nth). */
  point?: string;
  /** Invariant check after each iteration: true (or nothing) means ok. */
  check?: () => boolean | void;
  /** Leak check: the number of leaked objects (default: kmemleak since the iteration began). */
  leaks?: () => number;
  /** Stop after this many injected iterations (default 400, as iommufd). */
  max_iterations?: number;
  /** Collect kernel reports (KASAN, lockdep) instead of failing the test (default true). */
  capture_reports?: boolean;
}

/** One row of the sweep table. */
export interface FailNthRow<R> {
  /** 0 for the clean run, else the n whose call was failed. */
  iteration: number;
  /** Whether the n-th call was reached and failed. */
  injected: boolean;
  /** What the operation returned (undefined if it threw). */
  result: R | undefined;
  /** The exception it threw, if any. */
  error: unknown;
  /** Whether the invariant check passed. */
  invariants_ok: boolean;
  /** Objects/blocks leaked by the iteration. */
  leaks: number;
  /** Kernel reports produced (when captured). */
  reports: KernelReport[];
}

/** The result of {@link fail_nth_sweep}. */
export interface FailNthSweepResult<R> {
  /** Rows: the clean run (iteration 0), then 1, 2, ... */
  rows: FailNthRow<R>[];
  /** Whether the sweep covered every call (an iteration reached no failure). */
  complete: boolean;
  /** Whether every row kept the invariants, leaked nothing and threw nothing. */
  ok: boolean;
}

/**
 * Runs the sweep (see the module docs). Throws RangeError for an unknown
 * point or a bad `max_iterations`.
 */
export function fail_nth_sweep<R>(
  opts: FailNthSweepOptions<R>,
): FailNthSweepResult<R> {
  if (
    typeof opts !== "object" || opts === null || typeof opts.op !== "function"
  ) {
    throw new TypeError("fail_nth_sweep needs { op: () => result }");
  }
  if (opts.point !== undefined) fault_point(opts.point);
  const max = opts.max_iterations ?? 400;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`max_iterations must be an integer >= 1, got ${max}`);
  }
  const capture = opts.capture_reports ?? true;
  const rows: FailNthRow<R>[] = [];
  let complete = false;
  const runOnce = (n: number): FailNthRow<R> => {
    const mark = kmemleak_mark();
    let result: R | undefined, error: unknown = undefined;
    let injected = false;
    const body = (): void => {
      if (n > 0) {
        if (opts.point !== undefined) {
          fault_arm(opts.point, { fail_nth: n, verbose: 0 });
        } else fail_nth_set(n);
      }
      try {
        result = opts.op();
      } catch (e) {
        error = e;
      } finally {
        if (n > 0) {
          if (opts.point !== undefined) {
            injected = fault_point(opts.point).injected > 0;
            fault_disarm(opts.point);
          } else {
            injected = fail_nth_get() === 0;
            fail_nth_set(0);
          }
        }
      }
    };
    const reports = capture ? kernel_capture_reports(body) : (body(), []);
    let ok = true;
    try {
      ok = opts.check === undefined ? true : opts.check() !== false;
    } catch (e) {
      ok = false;
      if (error === undefined) error = e;
    }
    const leaks = opts.leaks
      ? opts.leaks()
      : kmemleak_scan({ since: mark }).length;
    return {
      iteration: n,
      injected,
      result,
      error,
      invariants_ok: ok,
      leaks,
      reports,
    };
  };
  rows.push(runOnce(0));
  for (let n = 1; n <= max; n++) {
    const row = runOnce(n);
    rows.push(row);
    if (!row.injected) {
      complete = true;
      break;
    }
  }
  const ok = rows.every((r) =>
    r.invariants_ok && r.leaks === 0 && r.error === undefined &&
    r.reports.length === 0
  );
  return { rows, complete, ok };
}
