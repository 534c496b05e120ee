// Copyright 2026 the iommulab authors. MIT license.
/**
 * The declarative scenario files of `suites/scenarios/` as KUnit suites,
 * one suite per file (`scenario_<file>`), one case per scenario. Every
 * file is validated before any is registered: a bad file fails the whole
 * load with its one-line {@link ScenarioError}.
 *
 * @module
 */
import { scenario_register_dir } from "../lib/scenario/mod.ts";

/** The scenario suites, in file-name order. */
export default await scenario_register_dir(
  new URL("./scenarios/", import.meta.url),
);
