// Copyright 2026 the iommulab authors. MIT license.
/**
 * The executor: runs suites exactly in the order lib/kunit/test.c does
 * (`kunit_run_tests`, `kunit_run_case_catch_errors`) and prints the KTAP a
 * 6.12 kernel prints, line by line as it happens.
 *
 * @module
 */
import {
  kernel_test_lifecycle,
  kunit_install_hooks,
  parse_stack_frame,
  short_path,
} from "../kernel/test_bug.ts";
import {
  type KunitAttributes,
  type KunitCase,
  type KunitParamDesc,
  type KunitSuite,
  set_suite_writer,
} from "./case.ts";
import { kunit_filter_suites, type KunitFilterOptions } from "./filter.ts";
import { kunit_cleanup } from "./resource.ts";
import {
  Kunit,
  kunit_err,
  KUNIT_FAILURE,
  kunit_info,
  kunit_log,
  kunit_set_failure,
  KUNIT_SKIPPED,
  kunit_status_to_ok_not_ok,
  KUNIT_SUBTEST_INDENT,
  KUNIT_SUCCESS,
  KunitAbort,
  type KunitStatus,
} from "./test.ts";

/** The result of one run of a case: the case itself, or one parameter. */
export interface KunitRunResult {
  /** Case name, or the parameter's description. */
  readonly name: string;
  /** Final status of the run. */
  readonly status: KunitStatus;
  /** Skip reason (status comment). */
  readonly status_comment: string;
  /** Log lines of this run. */
  readonly log: readonly string[];
}

/** The result of a case (with its parameter runs, if parameterised). */
export interface KunitCaseResult extends KunitRunResult {
  /** The parameter runs, or null for a plain case. */
  readonly params: readonly KunitRunResult[] | null;
}

/** The result of a suite. */
export interface KunitSuiteResult {
  /** Suite name. */
  readonly name: string;
  /** `kunit_suite_has_succeeded()`. */
  readonly status: KunitStatus;
  /** `suite->status_comment`. */
  readonly status_comment: string;
  /** Suite log (suite_init/exit messages, statistics). */
  readonly log: readonly string[];
  /** Case results in order. */
  readonly cases: readonly KunitCaseResult[];
}

/** Pass/fail/skip counts over runs (each parameter counts once). */
export interface KunitCounts {
  /** Passed runs. */
  passed: number;
  /** Failed runs. */
  failed: number;
  /** Skipped runs. */
  skipped: number;
  /** All runs. */
  total: number;
}

/** What {@link kunit_run} returns. */
export interface KunitRun {
  /** The suites that ran, in order. */
  readonly suites: readonly KunitSuiteResult[];
  /** Counts over every run (the `# Totals` of all suites). */
  readonly counts: KunitCounts;
  /** The run's seed (printed on failures). */
  readonly seed: number;
}

/** Options for {@link kunit_run}. */
export interface KunitRunOptions extends KunitFilterOptions {
  /** Receives every KTAP line (default: discard). */
  write?: (line: string) => void;
  /** Seed for the simulated kernel's PRNG (default 0). */
  seed?: number;
  /** `kunit.stats_enabled`: 0 never, 1 if more than one (default), 2 always. */
  stats_enabled?: 0 | 1 | 2;
  /**
   * Warn `Test should be marked slow` after 2 s of wall time, as the kernel
   * does. Off by default so that the KTAP is the same run after run.
   */
  check_speed?: boolean;
  /** Print the top-level `KTAP version 1` / `1..N` header (default true). */
  header?: boolean;
  /** Number of the first suite's result line (default 1). */
  first_suite_number?: number;
}

let current: Kunit | null = null;

/** The test running now (`current->kunit_test`). */
export function kunit_current_test(): Kunit | null {
  return current;
}

kunit_install_hooks({
  get_current_test: () => current,
  fail_current_test(file, line, message) {
    if (current === null) return;
    kunit_set_failure(current);
    kunit_err(current, `${file}:${line}: ${message}`);
  },
  log_current_test(message) {
    if (current !== null) kunit_info(current, message);
  },
  get_static_stub: (real_fn) => current?.stubs.get(real_fn) ?? null,
  defer_current_test(fn) {
    if (current === null) return false;
    current.resources.push({
      fn: fn as (ctx: never) => void,
      ctx: null,
      name: null,
    });
    return true;
  },
});

/** A 32-bit FNV-1a mix of the run seed and a case's full name. */
function case_seed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

function should_print_stats(enabled: 0 | 1 | 2, c: KunitCounts): boolean {
  return enabled === 2 || (enabled === 1 && c.total > 1);
}

function update(c: KunitCounts, s: KunitStatus): void {
  if (s === KUNIT_SUCCESS) c.passed++;
  else if (s === KUNIT_SKIPPED) c.skipped++;
  else c.failed++;
  c.total++;
}

function stats_text(c: KunitCounts): string {
  return `pass:${c.passed} fail:${c.failed} skip:${c.skipped} total:${c.total}`;
}

/** Describes an exception that escaped a case, like an oops report. */
function describe_fault(e: unknown): string[] {
  if (e instanceof Error) {
    const frames = (e.stack ?? "").split("\n").slice(1)
      .map((l) => l.trim())
      .filter((l) =>
        l.startsWith("at ") && !l.includes("/lib/kunit/") &&
        !l.includes("/scripts/") && !l.includes("(<anonymous>)")
      )
      .slice(0, 4);
    return [`${e.name}: ${e.message}`, ...frames];
  }
  return [`thrown: ${String(e)}`];
}

/** `file:line` of the frame that threw, for `try faulted: last line seen`. */
function fault_site(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  for (const line of (e.stack ?? "").split("\n").slice(1)) {
    const f = parse_stack_frame(line);
    if (f) return `${short_path(f.url)}:${f.line}`;
  }
  return null;
}

/**
 * `kunit_run_case_catch_errors`: thread A (`init`, the case), thread B
 * (`exit`, `kunit_cleanup`), then the simulated kernel's end-of-case checks.
 */
function run_case_catch_errors(
  suite: KunitSuite,
  // deno-lint-ignore no-explicit-any
  kcase: KunitCase<any>,
  test: Kunit,
  seed: number,
  check_speed: boolean,
): void {
  const prev = current;
  current = test;
  try {
    for (const l of kernel_test_lifecycle) l.begin(test, seed);
    // Thread A.
    try {
      const ret = suite.init ? suite.init(test) : 0;
      if (ret) {
        kunit_err(test, `failed to initialize: ${ret}\n`);
        kunit_set_failure(test);
      } else {
        const start = check_speed ? performance.now() : 0;
        const r = kcase.run_case(test) as unknown;
        if (r instanceof Promise) {
          r.catch(() => {});
          throw new TypeError(
            `${kcase.name} returned a Promise: KUnit cases are synchronous`,
          );
        }
        if (check_speed) check_case_speed(test, kcase.attr, start);
      }
    } catch (e) {
      if (!(e instanceof KunitAbort)) {
        kunit_set_failure(test);
        const site = fault_site(e);
        kunit_err(
          test,
          site ? `try faulted: last line seen ${site}\n` : "try faulted\n",
        );
        for (const line of describe_fault(e)) kunit_err(test, line);
        kunit_err(
          test,
          "internal error occurred preventing test case from running: -4\n",
        );
      }
    }
    // Thread B.
    try {
      suite.exit?.(test);
      kunit_cleanup(test);
    } catch (e) {
      kunit_set_failure(test);
      if (e instanceof KunitAbort) {
        kunit_err(
          test,
          "test aborted during cleanup. continuing without cleaning up\n",
        );
      } else {
        for (const line of describe_fault(e)) kunit_err(test, line);
        kunit_err(
          test,
          "internal error occurred during test case cleanup: -4\n",
        );
      }
      test.resources.length = 0;
    }
  } finally {
    for (let i = kernel_test_lifecycle.length - 1; i >= 0; i--) {
      try {
        kernel_test_lifecycle[i]!.end(test);
      } catch (e) {
        kunit_set_failure(test);
        for (const line of describe_fault(e)) kunit_err(test, line);
      }
    }
    current = prev;
  }
}

function check_case_speed(test: Kunit, attr: KunitAttributes, start: number) {
  const ms = performance.now() - start;
  if (ms < 2000 || attr.speed === "slow" || attr.speed === "very_slow") return;
  const s = Math.floor(ms / 1000);
  const ns = String(Math.round((ms - s * 1000) * 1e6)).padStart(9, "0");
  kunit_info(test, `Test should be marked slow (runtime: ${s}.${ns}s)`);
}

function print_attrs(
  write: (line: string) => void,
  attr: KunitAttributes,
  level: number,
  case_name: string | null,
  log: ((line: string) => void) | null,
): void {
  const ind = " ".repeat(4 * level);
  const out = log ?? write;
  if (attr.speed) {
    out(
      case_name
        ? `${ind}# ${case_name}.speed: ${attr.speed}`
        : `${ind}# speed: ${attr.speed}`,
    );
  }
  if (case_name === null) {
    if (attr.module) out(`${ind}# module: ${attr.module}`);
    if (attr.is_init) out(`${ind}# is_init: true`);
  }
}

/**
 * `kunit_run_tests(suite)`: runs one planned suite, printing its KTAP
 * through `write`, and returns its result.
 */
function run_suite(
  suite: KunitSuite,
  // deno-lint-ignore no-explicit-any
  cases: readonly KunitCase<any>[],
  preskipped: ReadonlySet<number>,
  number: number,
  opts:
    & Required<Pick<KunitRunOptions, "seed" | "stats_enabled" | "check_speed">>
    & {
      write: (line: string) => void;
      totals: KunitCounts;
    },
): KunitSuiteResult {
  const { write } = opts;
  suite.log.length = 0;
  suite.status_comment = "";
  suite.suite_init_err = 0;
  set_suite_writer(write);
  const results: KunitCaseResult[] = [];
  let failed_init = false;
  if (suite.suite_init) {
    try {
      suite.suite_init_err = suite.suite_init(suite);
    } catch (e) {
      if (e instanceof KunitAbort) suite.suite_init_err = -4;
      else {
        for (const l of describe_fault(e)) kunit_err(suite, l);
        suite.suite_init_err = -4;
      }
    }
    if (suite.suite_init_err) {
      kunit_err(
        suite,
        `${KUNIT_SUBTEST_INDENT}# failed to initialize (${suite.suite_init_err})`,
      );
      failed_init = true;
    }
  }
  const suite_stats: KunitCounts = {
    passed: 0,
    failed: 0,
    skipped: 0,
    total: 0,
  };
  const total_stats: KunitCounts = {
    passed: 0,
    failed: 0,
    skipped: 0,
    total: 0,
  };
  if (!failed_init) {
    write(`${KUNIT_SUBTEST_INDENT}KTAP version 1`);
    write(`${KUNIT_SUBTEST_INDENT}# Subtest: ${suite.name}`);
    print_attrs(write, suite.attr, 1, null, null);
    write(`${KUNIT_SUBTEST_INDENT}1..${cases.length}`);
    cases.forEach((kcase, ci) => {
      results.push(
        run_one_case(
          suite,
          kcase,
          ci + 1,
          preskipped.has(ci),
          opts,
          total_stats,
        ),
      );
      update(suite_stats, results[results.length - 1]!.status);
    });
    try {
      suite.suite_exit?.(suite);
    } catch (e) {
      for (const l of describe_fault(e)) kunit_err(suite, l);
    }
    if (should_print_stats(opts.stats_enabled, suite_stats)) {
      kunit_log(suite, `# ${suite.name}: ${stats_text(suite_stats)}`);
    }
    if (should_print_stats(opts.stats_enabled, total_stats)) {
      kunit_log(suite, `# Totals: ${stats_text(total_stats)}`);
    }
  }
  // kunit_suite_has_succeeded()
  let status: KunitStatus = KUNIT_SKIPPED;
  if (failed_init) status = KUNIT_FAILURE;
  else {
    for (const r of results) {
      if (r.status === KUNIT_FAILURE) {
        status = KUNIT_FAILURE;
        break;
      }
      if (r.status === KUNIT_SUCCESS) status = KUNIT_SUCCESS;
    }
  }
  suite.status = status;
  write(result_line(0, status, number, suite.name, suite.status_comment));
  opts.totals.passed += total_stats.passed;
  opts.totals.failed += total_stats.failed + (failed_init ? 1 : 0);
  opts.totals.skipped += total_stats.skipped;
  opts.totals.total += total_stats.total + (failed_init ? 1 : 0);
  return {
    name: suite.name,
    status,
    status_comment: suite.status_comment,
    log: [...suite.log],
    cases: results,
  };
}

function result_line(
  level: number,
  status: KunitStatus,
  n: number,
  desc: string,
  comment: string,
): string {
  const skip = status === KUNIT_SKIPPED;
  return `${" ".repeat(4 * level)}${
    kunit_status_to_ok_not_ok(status)
  } ${n} ${desc}${skip ? " # SKIP " : ""}${skip ? comment : ""}`;
}

function run_one_case(
  suite: KunitSuite,
  // deno-lint-ignore no-explicit-any
  kcase: KunitCase<any>,
  number: number,
  preskipped: boolean,
  opts: {
    write: (line: string) => void;
    seed: number;
    stats_enabled: 0 | 1 | 2;
    check_speed: boolean;
  },
  total_stats: KunitCounts,
): KunitCaseResult {
  const test = new Kunit(kcase.name, opts.write);
  const param_stats: KunitCounts = {
    passed: 0,
    failed: 0,
    skipped: 0,
    total: 0,
  };
  const full = `${suite.name}.${kcase.name}`;
  let case_status: KunitStatus;
  let params: KunitRunResult[] | null = null;
  const failed_seed = () => {
    kunit_info(
      test,
      `random seed ${opts.seed} (repeat with --seed ${opts.seed})`,
    );
  };
  if (preskipped) {
    test.status = KUNIT_SKIPPED;
    case_status = KUNIT_SKIPPED;
    update(param_stats, test.status);
  } else if (!kcase.generate_params) {
    run_case_catch_errors(
      suite,
      kcase,
      test,
      case_seed(opts.seed, full),
      opts.check_speed,
    );
    if (test.status === KUNIT_FAILURE) failed_seed();
    case_status = test.status;
    update(param_stats, test.status);
  } else {
    params = [];
    case_status = KUNIT_SKIPPED;
    const desc: KunitParamDesc = { value: "" };
    let init_ok = true;
    if (kcase.param_init) {
      let ret = 0;
      try {
        ret = kcase.param_init(test);
      } catch {
        ret = -4; // an abort or fault in param_init fails it like -EINTR
      }
      if (ret) {
        kunit_log(
          test,
          `${KUNIT_SUBTEST_INDENT}${KUNIT_SUBTEST_INDENT}# failed to initialize parent parameter test.`,
        );
        case_status = KUNIT_FAILURE;
        init_ok = false;
      }
    }
    if (init_ok) {
      test.param_value = kcase.generate_params(null, desc);
      kunit_log(
        test,
        `${KUNIT_SUBTEST_INDENT}${KUNIT_SUBTEST_INDENT}KTAP version 1`,
      );
      kunit_log(
        test,
        `${KUNIT_SUBTEST_INDENT}${KUNIT_SUBTEST_INDENT}# Subtest: ${kcase.name}`,
      );
      while (test.param_value !== null && test.param_value !== undefined) {
        const log_start = test.log.length;
        run_case_catch_errors(
          suite,
          kcase,
          test,
          case_seed(opts.seed, `${full}#${test.param_index}`),
          opts.check_speed,
        );
        if (test.status === KUNIT_FAILURE) failed_seed();
        // Propagate the parameter result to the test case.
        if (test.status === KUNIT_FAILURE) case_status = KUNIT_FAILURE;
        else if (
          case_status !== KUNIT_FAILURE && test.status === KUNIT_SUCCESS
        ) {
          case_status = KUNIT_SUCCESS;
        }
        if (desc.value === "") desc.value = `param-${test.param_index}`;
        kunit_log(
          test,
          result_line(
            2,
            test.status,
            test.param_index + 1,
            desc.value,
            test.status_comment,
          ),
        );
        params.push({
          name: desc.value,
          status: test.status,
          status_comment: test.status_comment,
          log: test.log.slice(log_start),
        });
        update(param_stats, test.status);
        desc.value = "";
        test.param_value = kcase.generate_params(test.param_value, desc);
        test.param_index++;
        test.status = KUNIT_SUCCESS;
        test.status_comment = "";
        test.priv = null;
      }
      if (kcase.param_exit) {
        current = test;
        try {
          kcase.param_exit(test);
          kunit_cleanup(test);
        } catch (e) {
          for (const l of describe_fault(e)) kunit_err(test, l);
        } finally {
          current = null;
        }
      }
    }
  }
  print_attrs(opts.write, kcase.attr, 1, kcase.name, (l) => kunit_log(test, l));
  if (should_print_stats(opts.stats_enabled, param_stats)) {
    kunit_log(
      test,
      `${KUNIT_SUBTEST_INDENT}# ${kcase.name}: ${stats_text(param_stats)}`,
    );
  }
  const comment = params === null ? test.status_comment : "";
  kunit_log(test, result_line(1, case_status, number, kcase.name, comment));
  total_stats.passed += param_stats.passed;
  total_stats.failed += param_stats.failed;
  total_stats.skipped += param_stats.skipped;
  total_stats.total += param_stats.total;
  return {
    name: kcase.name,
    status: case_status,
    status_comment: comment,
    log: [...test.log],
    params,
  };
}

/**
 * Runs suites as the kernel's executor does (`kunit_exec_run_tests`):
 * filters them, prints the top-level KTAP header, runs each suite.
 */
export function kunit_run(
  suites: readonly KunitSuite[],
  opts: KunitRunOptions = {},
): KunitRun {
  const planned = kunit_filter_suites(suites, opts);
  const write = opts.write ?? (() => {});
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed: ${seed} is not a non-negative integer`);
  }
  const totals: KunitCounts = { passed: 0, failed: 0, skipped: 0, total: 0 };
  if (opts.header ?? true) {
    write("KTAP version 1");
    write(`1..${planned.length}`);
  }
  const first = opts.first_suite_number ?? 1;
  const results = planned.map((p, i) =>
    run_suite(p.suite, p.cases, p.skipped, first + i, {
      write,
      seed,
      stats_enabled: opts.stats_enabled ?? 1,
      check_speed: opts.check_speed ?? false,
      totals,
    })
  );
  set_suite_writer(() => {});
  return { suites: results, counts: totals, seed };
}

/**
 * `kunit_exec_list_tests`: `KTAP version 1`, then `suite` and `suite.case`
 * lines (with attribute lines when `include_attr`).
 */
export function kunit_list(
  suites: readonly KunitSuite[],
  opts: KunitFilterOptions & { include_attr?: boolean } = {},
): string[] {
  const out = ["KTAP version 1"];
  for (const p of kunit_filter_suites(suites, opts)) {
    out.push(p.suite.name);
    if (opts.include_attr) {
      print_attrs((l) => out.push(l), p.suite.attr, 0, null, null);
    }
    for (const c of p.cases) {
      out.push(`${p.suite.name}.${c.name}`);
      if (opts.include_attr) {
        print_attrs((l) => out.push(l), c.attr, 0, c.name, null);
      }
    }
  }
  return out;
}
