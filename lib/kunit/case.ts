// Copyright 2026 the iommulab authors. MIT license.
/**
 * Test cases, suites, parameter generators and registration
 * (`struct kunit_case`, `struct kunit_suite`, `KUNIT_CASE*`,
 * `KUNIT_ARRAY_PARAM*`, `kunit_test_suite(s)`).
 *
 * Parameterised cases follow 6.12: the generator is `(prev, desc)`, the
 * first parameter's default description is `param-0`, one context is
 * reused for every parameter with `status`, `status_comment` and `priv`
 * reset between them. `KUNIT_CASE_PARAM_WITH_INIT`'s `param_init` and
 * `param_exit` (v6.18) are honoured around the parameter loop.
 *
 * @module
 */
import { caller_site } from "../kernel/test_bug.ts";
import {
  type Kunit,
  KUNIT_PARAM_DESC_SIZE,
  type KunitLoggable,
  type KunitStatus,
} from "./test.ts";

/** `enum kunit_speed`; unset counts as normal. */
export type KunitSpeed = "very_slow" | "slow" | "normal";

/** `struct kunit_attributes`. */
export interface KunitAttributes {
  /** `KUNIT_SPEED_*`; unset = normal. */
  speed?: KunitSpeed;
  /** Module name (a suite takes its first case's). */
  module?: string;
  /** Init-section suite (`kunit_test_init_section_suites`). */
  is_init?: boolean;
}

/**
 * The description cell a generator may fill (`char *desc`): set `value`;
 * it is cut to `KUNIT_PARAM_DESC_SIZE - 1` characters.
 */
export interface KunitParamDesc {
  /** The description; empty means the default `param-<index>`. */
  value: string;
}

/** A parameter generator: the next value after `prev`, or null at the end. */
export type KunitGenerateParams<P> = (
  prev: P | null,
  desc: KunitParamDesc,
) => P | null;

/** `struct kunit_case`. */
export interface KunitCase<P = unknown> {
  /** The case function (`run_case`). Cases are synchronous. */
  readonly run_case: (test: Kunit<P>) => void;
  /** The case name, as printed in KTAP. */
  readonly name: string;
  /** Parameter generator for a parameterised case. */
  readonly generate_params: KunitGenerateParams<P> | null;
  /** v6.18 `param_init(parent)`: non-zero fails the case. */
  readonly param_init: ((test: Kunit<P>) => number) | null;
  /** v6.18 `param_exit(parent)`. */
  readonly param_exit: ((test: Kunit<P>) => void) | null;
  /** Attributes. */
  readonly attr: KunitAttributes;
}

/** What a suite declares (`struct kunit_suite`, public part). */
export interface KunitSuiteDef {
  /** The suite name. */
  readonly name: string;
  /** Runs once before the cases; non-zero skips them all (no `suite_exit`). */
  suite_init?: (suite: KunitSuite) => number;
  /** Runs once after the cases. */
  suite_exit?: (suite: KunitSuite) => void;
  /** Runs before each case (and each parameter); non-zero fails it. */
  // deno-lint-ignore no-explicit-any
  init?: (test: Kunit<any>) => number;
  /** Runs after each case, even after an abort or a failed `init`. */
  // deno-lint-ignore no-explicit-any
  exit?: (test: Kunit<any>) => void;
  /** The cases, in order. */
  // deno-lint-ignore no-explicit-any
  readonly test_cases: readonly KunitCase<any>[];
  /** Suite attributes. */
  readonly attr?: KunitAttributes;
}

/** A registered suite: the definition plus its run-time state. */
export interface KunitSuite extends KunitSuiteDef, KunitLoggable {
  /** The suite's status after a run. */
  status: KunitStatus;
  /** `suite->status_comment`. */
  status_comment: string;
  /** `suite_init`'s return value in the last run. */
  suite_init_err: number;
  /** The suite's own log lines. */
  readonly log: string[];
  /** Attributes, with `module` filled in. */
  readonly attr: KunitAttributes;
}

function case_name(fn: { name: string }, what: string): string {
  if (!fn.name) {
    throw new TypeError(
      `${what}: the case function has no name; use a named function or ${what}_NAMED(name, fn)`,
    );
  }
  return fn.name;
}

function make_case<P>(
  name: string,
  run_case: (test: Kunit<P>) => void,
  generate_params: KunitGenerateParams<P> | null,
  attr: KunitAttributes,
  param_init: ((test: Kunit<P>) => number) | null = null,
  param_exit: ((test: Kunit<P>) => void) | null = null,
): KunitCase<P> {
  if (typeof run_case !== "function") {
    throw new TypeError(`KUNIT_CASE: ${String(run_case)} is not a function`);
  }
  return { run_case, name, generate_params, param_init, param_exit, attr };
}

/** `KUNIT_CASE(fn)`: a case named after the function. */
export function KUNIT_CASE(run_case: (test: Kunit) => void): KunitCase {
  return make_case(case_name(run_case, "KUNIT_CASE"), run_case, null, {});
}

/** A case with an explicit name (for arrow functions). */
export function KUNIT_CASE_NAMED(
  name: string,
  run_case: (test: Kunit) => void,
): KunitCase {
  return make_case(name, run_case, null, {});
}

/** `KUNIT_CASE_SLOW(fn)`: a case with `speed = slow`. */
export function KUNIT_CASE_SLOW(run_case: (test: Kunit) => void): KunitCase {
  return make_case(case_name(run_case, "KUNIT_CASE_SLOW"), run_case, null, {
    speed: "slow",
  });
}

/** `KUNIT_CASE_ATTR(fn, attrs)`. */
export function KUNIT_CASE_ATTR(
  run_case: (test: Kunit) => void,
  attr: KunitAttributes,
): KunitCase {
  return make_case(case_name(run_case, "KUNIT_CASE_ATTR"), run_case, null, {
    ...attr,
  });
}

/** `KUNIT_CASE_PARAM(fn, gen)`: one run per generated parameter. */
export function KUNIT_CASE_PARAM<P>(
  run_case: (test: Kunit<P>) => void,
  generate_params: KunitGenerateParams<P>,
): KunitCase<P> {
  return make_case(
    case_name(run_case, "KUNIT_CASE_PARAM"),
    run_case,
    generate_params,
    {},
  );
}

/** `KUNIT_CASE_PARAM_ATTR(fn, gen, attrs)`. */
export function KUNIT_CASE_PARAM_ATTR<P>(
  run_case: (test: Kunit<P>) => void,
  generate_params: KunitGenerateParams<P>,
  attr: KunitAttributes,
): KunitCase<P> {
  return make_case(
    case_name(run_case, "KUNIT_CASE_PARAM_ATTR"),
    run_case,
    generate_params,
    { ...attr },
  );
}

/**
 * `KUNIT_CASE_PARAM_WITH_INIT(fn, gen, init, exit)` (v6.18): `param_init`
 * runs on the parent context before the first parameter (non-zero: the
 * case fails with `# failed to initialize parent parameter test.`),
 * `param_exit` after the last.
 */
export function KUNIT_CASE_PARAM_WITH_INIT<P>(
  run_case: (test: Kunit<P>) => void,
  generate_params: KunitGenerateParams<P>,
  param_init: ((test: Kunit<P>) => number) | null,
  param_exit: ((test: Kunit<P>) => void) | null,
): KunitCase<P> {
  return make_case(
    case_name(run_case, "KUNIT_CASE_PARAM_WITH_INIT"),
    run_case,
    generate_params,
    {},
    param_init,
    param_exit,
  );
}

/** Sets a generator's description, cut to `KUNIT_PARAM_DESC_SIZE - 1`. */
export function kunit_set_param_desc(desc: KunitParamDesc, s: string): void {
  desc.value = s.length < KUNIT_PARAM_DESC_SIZE
    ? s
    : s.slice(0, KUNIT_PARAM_DESC_SIZE - 1);
}

/**
 * `KUNIT_ARRAY_PARAM(name, array, get_desc)`: a generator stepping through
 * `array`. `get_desc(elem, desc)` may set the description (or return it).
 * Elements must not be `null` (NULL ends a generator).
 */
export function KUNIT_ARRAY_PARAM<P>(
  array: readonly P[],
  get_desc?: ((elem: P, desc: KunitParamDesc) => string | void) | null,
): KunitGenerateParams<P> {
  let i = 0;
  return (prev, desc) => {
    i = prev === null ? 0 : i + 1;
    if (i >= array.length) return null;
    const elem = array[i]!;
    if (get_desc) {
      const s = get_desc(elem, desc);
      if (typeof s === "string") kunit_set_param_desc(desc, s);
      else kunit_set_param_desc(desc, desc.value);
    }
    return elem;
  };
}

/** `KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)`. */
export function KUNIT_ARRAY_PARAM_DESC<P, K extends keyof P>(
  array: readonly P[],
  desc_member: K,
): KunitGenerateParams<P> {
  return KUNIT_ARRAY_PARAM(array, (elem) => String(elem[desc_member]));
}

const registry: KunitSuite[] = [];

function module_of_caller(): string {
  // [0] module_of_caller, [1] kunit_test_suite(s), [2] the suite's file
  const site = caller_site(1);
  const file = site.slice(0, site.lastIndexOf(":"));
  const base = file.slice(file.lastIndexOf("/") + 1);
  return base.replace(/\.[cm]?[jt]sx?$/, "");
}

/** Turns a definition into a runnable suite, validating it. */
export function kunit_make_suite(
  def: KunitSuiteDef,
  module?: string,
): KunitSuite {
  if (typeof def?.name !== "string" || def.name === "") {
    throw new TypeError(`kunit suite: name must be a non-empty string`);
  }
  if (!Array.isArray(def.test_cases)) {
    throw new TypeError(`kunit suite ${def.name}: test_cases must be an array`);
  }
  for (const c of def.test_cases) {
    if (typeof c?.run_case !== "function" || typeof c.name !== "string") {
      throw new TypeError(
        `kunit suite ${def.name}: test_cases holds ${
          String(c)
        }, not a KUNIT_CASE`,
      );
    }
  }
  const log: string[] = [];
  const suite: KunitSuite = {
    ...def,
    attr: { ...def.attr, module: def.attr?.module ?? module ?? def.name },
    status: 0,
    status_comment: "",
    suite_init_err: 0,
    log,
    log_raw(text: string): void {
      for (const line of text.replace(/\n$/, "").split("\n")) {
        log.push(line);
        current_writer(line);
      }
    },
  };
  return suite;
}

let current_writer: (line: string) => void = () => {};

/** Where suite-level log lines go while a suite runs (set by the executor). */
export function set_suite_writer(w: (line: string) => void): void {
  current_writer = w;
}

/**
 * `kunit_test_suite(suite)`: registers a suite for `deno task kunit` and
 * `deno test`, and returns the runnable suite. The module attribute is the
 * registering file's name, as `KBUILD_MODNAME` is the object's.
 */
export function kunit_test_suite(def: KunitSuiteDef): KunitSuite {
  const suite = kunit_make_suite(def, def.attr?.module ?? module_of_caller());
  if (registry.some((s) => s.name === suite.name)) {
    throw new TypeError(
      `kunit_test_suite: suite ${suite.name} is registered twice`,
    );
  }
  registry.push(suite);
  return suite;
}

/** `kunit_test_suites(a, b, ...)`. */
export function kunit_test_suites(...defs: KunitSuiteDef[]): KunitSuite[] {
  const module = module_of_caller();
  return defs.map((d) =>
    kunit_test_suite({ ...d, attr: { module, ...d.attr } })
  );
}

/** Every registered suite, in registration order. */
export function kunit_registered_suites(): readonly KunitSuite[] {
  return registry;
}
