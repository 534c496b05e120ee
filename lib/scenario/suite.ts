// Copyright 2026 the iommulab authors. MIT license.
/**
 * A scenario file as a KUnit suite: one case per scenario, named after it;
 * a scenario over several IOVA variants or page-table formats is a
 * parameterised case (`KUNIT_CASE_PARAM`) whose parameters are described
 * by the variant and/or format, as the code suites do.
 *
 * @module
 */
import { fault_disarm_all } from "../kernel/mod.ts";
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_FAIL,
  kunit_make_suite,
  kunit_test_suite,
  type KunitCase,
  type KunitSuite,
  type KunitSuiteDef,
} from "../kunit/mod.ts";
import {
  load_scenario_file,
  type LoadedScenarioFile,
  type LoadOptions,
  scenario_formats,
  scenario_variants,
} from "./load.ts";
import type { Scenario } from "./schema.ts";
import { run_steps, type RunState } from "./steps.ts";
import {
  type ScenarioParam,
  subjects_setup,
  subjects_teardown,
  type SubjectState,
} from "./subjects.ts";
import { StepFailure } from "./values.ts";

/** The parameters a scenario runs with (variants x formats). */
export function scenario_params(sc: Scenario): ScenarioParam[] {
  const vs = scenario_variants(sc);
  const fs = scenario_formats(sc);
  const out: ScenarioParam[] = [];
  for (const variant of vs.length ? vs : [null]) {
    for (const format of fs.length ? fs : [null]) {
      out.push({ variant, format });
    }
  }
  return out;
}

/** Whether the scenario is a parameterised case. */
export function scenario_is_param(sc: Scenario): boolean {
  const v = sc.subjects.iova;
  const p = sc.subjects.pt;
  return (v !== undefined && typeof v.variant !== "string") ||
    (p !== undefined && Array.isArray(p.format));
}

/** A parameter's KTAP description: `rbtree-6.12`, `amdv1`, `maple-v4 amdv1`. */
export function scenario_param_desc(p: ScenarioParam): string {
  return [p.variant, p.format].filter((x) => x !== null).join(" ");
}

/** Runs one scenario for one parameter on `test`. */
export function run_scenario(
  test: Kunit,
  sc: Scenario,
  param: ScenarioParam,
): void {
  let subjects: SubjectState;
  try {
    subjects = subjects_setup(test, sc, param);
  } catch (e) {
    KUNIT_FAIL(test, "%s", describe(e, "setup"));
    return;
  }
  const rs: RunState = {
    test,
    sc,
    subjects,
    names: new Map(),
    cpu: 0,
    failures: 0,
  };
  try {
    run_steps(rs, sc.steps, "");
  } catch (e) {
    if (!(e instanceof StepFailure) && !(e instanceof Error)) throw e;
    KUNIT_FAIL(test, "%s", describe(e, "scenario"));
  } finally {
    // Faults armed by the steps must not hit the teardown.
    fault_disarm_all();
    try {
      subjects_teardown(test, subjects, "teardown");
    } catch (e) {
      KUNIT_FAIL(test, "%s", describe(e, "teardown"));
    }
  }
}

function describe(e: unknown, where: string): string {
  if (e instanceof StepFailure) return e.message;
  if (e instanceof Error) return `${where}: ${e.name}: ${e.message}`;
  return `${where}: ${String(e)}`;
}

function scenario_case(sc: Scenario): KunitCase<ScenarioParam> {
  const params = scenario_params(sc);
  const param = scenario_is_param(sc);
  return {
    name: sc.name,
    run_case: (test: Kunit<ScenarioParam>) =>
      run_scenario(test, sc, param ? test.param_value : params[0]!),
    generate_params: param
      ? KUNIT_ARRAY_PARAM(params, scenario_param_desc)
      : null,
    param_init: null,
    param_exit: null,
    attr: {},
  };
}

/** The suite definition of a loaded scenario file. */
export function scenario_suite_def(loaded: LoadedScenarioFile): KunitSuiteDef {
  return {
    name: loaded.suite,
    test_cases: loaded.scenarios.map(scenario_case),
    attr: { module: loaded.suite },
  };
}

/** A runnable (unregistered) suite for a loaded scenario file. */
export function scenario_make_suite(loaded: LoadedScenarioFile): KunitSuite {
  return kunit_make_suite(scenario_suite_def(loaded), loaded.suite);
}

/** Registers a loaded scenario file as a suite (`kunit_test_suite`). */
export function scenario_register_suite(
  loaded: LoadedScenarioFile,
): KunitSuite {
  return kunit_test_suite(scenario_suite_def(loaded));
}

/**
 * Loads every `*.ts` and `*.json` scenario file in `dir` (a folder URL),
 * in file-name order, validating all of them before registering any: one
 * bad file throws its {@link ScenarioError} and registers nothing.
 */
export async function scenario_register_dir(dir: URL): Promise<KunitSuite[]> {
  const names: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (
      e.isFile && !e.name.startsWith("_") &&
      (e.name.endsWith(".json") ||
        (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") &&
          !e.name.endsWith(".d.ts")))
    ) names.push(e.name);
  }
  names.sort();
  const loaded: LoadedScenarioFile[] = [];
  for (const n of names) {
    loaded.push(await load_scenario_file(new URL(n, dir), {}));
  }
  return loaded.map(scenario_register_suite);
}

/** Loads one scenario file from anywhere as an unregistered suite. */
export async function scenario_load_suite(
  path: string | URL,
  opts: LoadOptions = {},
): Promise<KunitSuite> {
  return scenario_make_suite(await load_scenario_file(path, opts));
}
