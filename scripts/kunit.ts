// Copyright 2026 the iommulab authors. MIT license.
/**
 * `deno task kunit`: the lab's kunit.py. Runs the KUnit suites in
 * `suites/` and reports like `kunit.py run`, or parses a KTAP log like
 * `kunit.py parse`.
 *
 * ```sh
 * deno task kunit                         # run everything, human report
 * deno task kunit run 'maple_tree*'       # filter_glob: suite_glob[.test_glob]
 * deno task kunit run --raw_output        # the KTAP the kernel would print
 * deno task kunit run --filter 'speed>slow' --filter_action skip
 * deno task kunit run --list_tests        # suite and suite.case names
 * deno task kunit run --json=out.json     # kunit_json.py's schema
 * deno task kunit run --seed 7            # kernel PRNG seed (printed on failure)
 * deno task kunit run --slow              # also run cases marked slow
 * deno task kunit run --run_isolated suite
 * deno task kunit run --scenario my.ts    # a scenario file (.ts/.json), any path
 * deno task kunit parse run.log           # or: parse - (stdin)
 * ```
 *
 * Exit status: 0 when nothing failed (`run`: all passed or skipped;
 * `parse`: the log's status is SUCCESS), 1 otherwise (an invalid scenario
 * file prints its one-line error and runs nothing), 2 for bad arguments.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { kunit_registered_suites, type KunitSuite } from "../lib/kunit/case.ts";
import { kunit_load_suites } from "../lib/kunit/discover.ts";
import { kunit_list, kunit_run } from "../lib/kunit/executor.ts";
import {
  KUNIT_DEFAULT_FILTER,
  kunit_filter_suites,
} from "../lib/kunit/filter.ts";
import {
  decode_kernel_output,
  exit_status_for_parse,
  KtapParseError,
  KtapTest,
  parse_ktap,
} from "../lib/kunit/ktap_parser.ts";
import { render_report } from "../lib/kunit/ktap_report.ts";
import { to_kunit_json } from "../lib/kunit/kunit_json.ts";
import {
  scenario_import,
  scenario_load_suite,
  ScenarioError,
} from "../lib/scenario/mod.ts";

const USAGE = `usage: deno task kunit [run] [filter_glob] [--filter ATTR_FILTER]
         [--filter_action skip] [--list_tests] [--list_tests_attr]
         [--raw_output[=all]] [--json[=FILE]] [--seed N]
         [--run_isolated suite|test] [--suite_dir DIR] [--scenario FILE]
         [--slow] (run cases marked slow; skipped by default)
       deno task kunit parse [FILE|-] [--raw_output] [--json[=FILE]]`;

/** A bad command line: printed as one line plus the usage, exit 2. */
class UsageError extends Error {}

interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  isTerminal: boolean;
}

function parse_cli(args: string[]) {
  // `--json` and `--raw_output` take an optional value: normalise the bare
  // forms before parseArgs, which wants every string option to have one.
  const norm = args.map((a) =>
    a === "--json"
      ? "--json=-"
      : a === "--raw_output"
      ? "--raw_output=kunit"
      : a
  );
  try {
    return parseArgs({
      args: norm,
      allowPositionals: true,
      options: {
        filter: { type: "string" },
        filter_action: { type: "string" },
        list_tests: { type: "boolean" },
        list_tests_attr: { type: "boolean" },
        raw_output: { type: "string" },
        json: { type: "string" },
        seed: { type: "string" },
        run_isolated: { type: "string" },
        suite_dir: { type: "string" },
        scenario: { type: "string", multiple: true },
        timestamps: { type: "boolean" },
        slow: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

async function write_json(
  io: Io,
  test: KtapTest,
  where: string,
): Promise<void> {
  const json = to_kunit_json(test);
  if (where === "-") io.out(json + "\n");
  else {
    const abs = where.startsWith("/") ? where : `${Deno.cwd()}/${where}`;
    await Deno.writeTextFile(abs, json);
    io.out(`Test results stored in ${abs}\n`);
  }
}

function report(io: Io, test: KtapTest, timestamps: boolean): void {
  io.out(
    render_report(test, { timestamps, color: io.isTerminal && !Deno.noColor }),
  );
}

/**
 * `--scenario FILE`: a scenario file (`.json`, or a `.ts` whose default
 * export is scenario data) from any path, validated like the in-repo ones;
 * a `.ts` suite file that registers code suites is still accepted.
 */
async function load_scenario_arg(file: string): Promise<KunitSuite[]> {
  const url = new URL(file, `file://${Deno.cwd()}/`);
  if (url.pathname.endsWith(".ts")) {
    const before = kunit_registered_suites().length;
    const mod = await scenario_import(url, file);
    const registered = kunit_registered_suites().slice(before);
    const d = mod.default as { test_cases?: unknown } | undefined;
    if (registered.length > 0 || Array.isArray(d?.test_cases)) {
      return registered;
    }
  }
  return [await scenario_load_suite(url, { display: file })];
}

/** Combines separately parsed isolated runs under one main test. */
function combine(tests: KtapTest[]): KtapTest {
  const main = new KtapTest();
  main.name = "main";
  main.expected_count = tests.length;
  for (const t of tests) {
    main.subtests.push(...t.subtests);
    main.counts.add_subtest_counts(t.counts);
  }
  main.status = main.counts.get_status();
  return main;
}

async function cmd_run(
  io: Io,
  v: ReturnType<typeof parse_cli>["values"],
  positionals: string[],
): Promise<number> {
  if (positionals.length > 1) {
    throw new UsageError(
      `run takes one filter_glob, got ${positionals.length}`,
    );
  }
  const seed = v.seed === undefined ? 0 : Number(v.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`--seed: "${v.seed}" is not a non-negative integer`);
  }
  if (v.filter_action !== undefined && v.filter_action !== "skip") {
    throw new UsageError(`--filter_action: "${v.filter_action}" is not "skip"`);
  }
  if (
    v.run_isolated !== undefined && v.run_isolated !== "suite" &&
    v.run_isolated !== "test"
  ) {
    throw new UsageError(
      `--run_isolated: "${v.run_isolated}" is not suite or test`,
    );
  }
  if (
    v.raw_output !== undefined && v.raw_output !== "kunit" &&
    v.raw_output !== "all"
  ) {
    throw new UsageError(`--raw_output: "${v.raw_output}" is not kunit or all`);
  }
  let suites: KunitSuite[];
  if (v.scenario?.length) {
    suites = [];
    for (const f of v.scenario) suites.push(...await load_scenario_arg(f));
  } else {
    const dir = v.suite_dir
      ? new URL(v.suite_dir.replace(/\/?$/, "/"), `file://${Deno.cwd()}/`)
      : new URL("../suites/", import.meta.url);
    suites = await kunit_load_suites(dir);
  }
  // Slow cases (some take minutes in the model) are skipped, visibly,
  // unless --slow or an explicit --filter asks otherwise.
  const skip_slow = !v.slow && v.filter === undefined;
  const filter = {
    filter_glob: positionals[0] ?? null,
    filter: skip_slow ? KUNIT_DEFAULT_FILTER : v.filter ?? null,
    filter_action: (skip_slow ? "skip" : v.filter_action ?? null) as
      | "skip"
      | null,
  };
  try {
    kunit_filter_suites(suites, filter);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (v.list_tests || v.list_tests_attr) {
    const lines = kunit_list(suites, {
      ...filter,
      include_attr: v.list_tests_attr,
    });
    io.out(lines.slice(1).join("\n") + (lines.length > 1 ? "\n" : ""));
    return 0;
  }
  // Units: everything at once, or one run per suite / per test.
  const units: { glob: string | null }[] = [];
  if (!v.run_isolated) units.push({ glob: filter.filter_glob });
  else {
    for (const p of kunit_filter_suites(suites, filter)) {
      if (v.run_isolated === "suite") units.push({ glob: `${p.suite.name}.*` });
      else {for (const c of p.cases) {
          units.push({ glob: `${p.suite.name}.${c.name}` });
        }}
    }
  }
  const parsed: KtapTest[] = [];
  let failed = false;
  for (const u of units) {
    const ktap: string[] = [];
    const run = kunit_run(suites, {
      ...filter,
      filter_glob: u.glob,
      seed,
      write: (l) => ktap.push(l),
    });
    if (run.counts.failed > 0) failed = true;
    if (v.raw_output !== undefined) io.out(ktap.join("\n") + "\n");
    else parsed.push(parse_ktap(ktap.join("\n") + "\n"));
  }
  if (v.raw_output !== undefined) return failed ? 1 : 0;
  const test = parsed.length === 1 ? parsed[0]! : combine(parsed);
  report(io, test, v.timestamps ?? false);
  if (v.json !== undefined) await write_json(io, test, v.json);
  return test.ok_status() && !failed ? 0 : 1;
}

async function cmd_parse(
  io: Io,
  v: ReturnType<typeof parse_cli>["values"],
  positionals: string[],
): Promise<number> {
  if (positionals.length > 1) {
    throw new UsageError(
      `parse takes one input file, got ${positionals.length}`,
    );
  }
  const file = positionals[0] ?? "-";
  let text: string;
  if (file === "-") text = await io.readStdin();
  else {
    try {
      // Bytes, not text: invalid UTF-8 is replaced the way kunit.py does.
      text = decode_kernel_output(await Deno.readFile(file));
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (v.raw_output !== undefined) {
    io.out(text);
    return 0;
  }
  let test: KtapTest;
  try {
    test = parse_ktap(text);
  } catch (e) {
    // Logs on which kunit.py 6.12 itself crashes or never ends: print what
    // was reported up to there, then the error, and fail like it does.
    if (!(e instanceof KtapParseError)) throw e;
    io.err(`kunit: parse error: ${e.message}\n`);
    return 1;
  }
  report(io, test, v.timestamps ?? false);
  if (v.json !== undefined) await write_json(io, test, v.json);
  return exit_status_for_parse(test);
}

/** Runs the CLI with `args`; returns the exit status. */
export async function main(args: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parse_cli(args);
    if (values.help) {
      io.out(USAGE + "\n");
      return 0;
    }
    let cmd = "run";
    if (positionals[0] === "run" || positionals[0] === "parse") {
      cmd = positionals.shift()!;
    }
    return cmd === "parse"
      ? await cmd_parse(io, values, positionals)
      : await cmd_run(io, values, positionals);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) {
      io.err(`kunit: error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ScenarioError) {
      // An invalid scenario file: its one error, and nothing was run.
      io.err(`kunit: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) {
  const enc = new TextEncoder();
  const code = await main(Deno.args, {
    out: (t) => Deno.stdout.writeSync(enc.encode(t)),
    err: (t) => Deno.stderr.writeSync(enc.encode(t)),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    isTerminal: Deno.stdout.isTerminal(),
  });
  Deno.exit(code);
}
