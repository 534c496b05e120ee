// Copyright 2026 the iommulab authors. MIT license.
/**
 * The kernel's own KTAP parser, `tools/testing/kunit/kunit.py parse`
 * (Linux 6.12), as a test oracle. It is never committed (GPL-2.0): it is
 * found through `KUNIT_PY`, or in a per-user cache directory, or extracted
 * there from Debian's `linux-source-6.12` tarball on first use.
 *
 * ```ts
 * import { runKunitPyParse } from "./kunit_py.ts";
 * const r = await runKunitPyParse("KTAP version 1\n1..1\nok 1 a\n");
 * if (r === null) console.log("kunit.py not available");
 * else console.log(r.code, r.summaryLine); // 0 "Testing complete. Ran 1 tests: passed: 1"
 * ```
 *
 * @module
 */

/** Where the oracle comes from; every field is optional. */
export interface KunitPyOptions {
  /** Path of kunit.py (default: env `KUNIT_PY`, then the cache). */
  kunitPy?: string;
  /** Python interpreter (default: env `PYTHON`, else `python3`). */
  python?: string;
  /**
   * Cache directory holding `tools/testing/kunit/` (default:
   * `$XDG_CACHE_HOME` or `$HOME/.cache`, then `iommulab/kunit-6.12`).
   */
  cacheDir?: string;
  /**
   * Kernel source tarball to extract from (default: env
   * `KUNIT_LINUX_TARBALL`, else Debian's `/usr/src/linux-source-6.12.tar.xz`).
   */
  tarball?: string;
}

/** Options for `runKunitPyParse`. */
export interface RunKunitPyOptions extends KunitPyOptions {
  /** Also produce `--json` output (written to a temporary file). */
  json?: boolean;
  /** Kill kunit.py after this many milliseconds (default 30000). */
  timeoutMs?: number;
}

/** The oracle's verdict on one log. */
export interface KunitPyResult {
  /** Exit status of `kunit.py parse`. */
  code: number;
  /**
   * The `Testing complete. Ran N tests: ...` line without its timestamp
   * ("" if kunit.py died before printing it).
   */
  summaryLine: string;
  /** Raw stdout (with `[HH:MM:SS] ` timestamps). */
  stdout: string;
  /**
   * The report: stdout without timestamps and without the
   * `Test results stored in ...` line.
   */
  report: string;
  /** Raw stderr (a Python traceback if the parser raised). */
  stderr: string;
  /**
   * True when kunit.py was killed after `timeoutMs` (its parser never
   * terminates on some inputs) or after printing more than 32 MiB.
   */
  timedOut: boolean;
  /** The `--json` text when asked for and written. */
  json?: string;
}

/** Result of `locateKunitPy`: a usable oracle, or why there is none. */
export type KunitPyLocation =
  | { ok: true; python: string; kunitPy: string }
  | { ok: false; reason: string };

/** The files `kunit.py parse` (6.12) imports. */
export const KUNIT_PY_FILES: readonly string[] = [
  "kunit.py",
  "kunit_parser.py",
  "kunit_printer.py",
  "kunit_json.py",
  "kunit_kernel.py",
  "kunit_config.py",
  "qemu_config.py",
];

const SUBDIR = "tools/testing/kunit";
const DEFAULT_TARBALL = "/usr/src/linux-source-6.12.tar.xz";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

async function runQuiet(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

function defaultCacheDir(): string | null {
  const xdg = env("XDG_CACHE_HOME");
  const home = env("HOME");
  const base = xdg ? xdg : home ? `${home}/.cache` : null;
  return base ? `${base}/iommulab/kunit-6.12` : null;
}

async function extract(tarball: string, cacheDir: string): Promise<string> {
  const parent = cacheDir.replace(/\/[^/]*$/, "") || "/";
  await Deno.mkdir(parent, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".kunit-py-" });
  try {
    const members = KUNIT_PY_FILES.map((f) => `*/${SUBDIR}/${f}`);
    const out = await new Deno.Command("tar", {
      args: [
        "-xJf",
        tarball,
        "-C",
        tmp,
        "--strip-components=1",
        "--wildcards",
        ...members,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `tar failed: ${new TextDecoder().decode(out.stderr).trim()}`,
      );
    }
    for (const f of KUNIT_PY_FILES) {
      if (!isFile(`${tmp}/${SUBDIR}/${f}`)) {
        throw new Error(`${f} not found in ${tarball}`);
      }
    }
    try {
      await Deno.rename(tmp, cacheDir);
    } catch {
      // Someone else finished first (or a stale partial copy exists).
      if (!isFile(`${cacheDir}/${SUBDIR}/kunit.py`)) {
        await Deno.remove(cacheDir, { recursive: true }).catch(() => {});
        await Deno.rename(tmp, cacheDir);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return `${cacheDir}/${SUBDIR}/kunit.py`;
}

const located = new Map<string, Promise<KunitPyLocation>>();

/**
 * Finds python3 and kunit.py (6.12), extracting the seven needed files
 * from the kernel source tarball into the cache directory if necessary
 * (10–15 s, once). Never throws: a missing interpreter, tarball or
 * permission gives `{ ok: false, reason }`.
 */
export function locateKunitPy(
  opts: KunitPyOptions = {},
): Promise<KunitPyLocation> {
  const key = JSON.stringify(opts);
  let p = located.get(key);
  if (!p) {
    p = doLocate(opts);
    located.set(key, p);
  }
  return p;
}

async function doLocate(opts: KunitPyOptions): Promise<KunitPyLocation> {
  for (const name of ["run", "read", "env"] as const) {
    const state = Deno.permissions.querySync({ name }).state;
    if (state !== "granted") {
      return { ok: false, reason: `no --allow-${name} permission` };
    }
  }
  const python = opts.python ?? env("PYTHON") ?? "python3";
  if (!await runQuiet(python, ["--version"])) {
    return { ok: false, reason: `${python} not found` };
  }
  const explicit = opts.kunitPy ?? env("KUNIT_PY");
  if (explicit) {
    if (isFile(explicit)) return { ok: true, python, kunitPy: explicit };
    return { ok: false, reason: `KUNIT_PY=${explicit} does not exist` };
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  if (!cacheDir) return { ok: false, reason: "no HOME for the cache" };
  const cached = `${cacheDir}/${SUBDIR}/kunit.py`;
  if (KUNIT_PY_FILES.every((f) => isFile(`${cacheDir}/${SUBDIR}/${f}`))) {
    return { ok: true, python, kunitPy: cached };
  }
  const tarball = opts.tarball ?? env("KUNIT_LINUX_TARBALL") ??
    DEFAULT_TARBALL;
  if (!isFile(tarball)) {
    return {
      ok: false,
      reason: `no kunit.py (set KUNIT_PY) and no ${tarball} ` +
        "(package linux-source-6.12)",
    };
  }
  if (Deno.permissions.querySync({ name: "write" }).state !== "granted") {
    return { ok: false, reason: "no --allow-write permission to extract" };
  }
  try {
    return { ok: true, python, kunitPy: await extract(tarball, cacheDir) };
  } catch (e) {
    return { ok: false, reason: `extracting kunit.py failed: ${e}` };
  }
}

const MAX_OUTPUT = 32 << 20;

/** Reads a stream to the end, or calls `onOverflow` past `max` bytes. */
async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  onOverflow: () => void,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size + chunk.length > max) {
      onOverflow();
      continue; // drain without keeping
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

const TIMESTAMP = /^\[\d\d:\d\d:\d\d\] /;

/**
 * Runs `python3 kunit.py parse [--json=FILE]` with `ktap` on stdin (the
 * only safe way: kunit.py changes directory before opening files) and
 * returns its exit status, summary line, stdout, timestamp-free report and
 * optional JSON. Returns null when the oracle is unavailable (see
 * `locateKunitPy`), so callers can skip visibly.
 */
export async function runKunitPyParse(
  ktap: string | Uint8Array,
  opts: RunKunitPyOptions = {},
): Promise<KunitPyResult | null> {
  const where = await locateKunitPy({
    kunitPy: opts.kunitPy,
    python: opts.python,
    cacheDir: opts.cacheDir,
    tarball: opts.tarball,
  });
  if (!where.ok) return null;
  const jsonPath = opts.json
    ? await Deno.makeTempFile({ suffix: ".json" })
    : null;
  try {
    const args = [where.kunitPy, "parse"];
    if (jsonPath) args.push(`--json=${jsonPath}`);
    const child = new Deno.Command(where.python, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONIOENCODING: "utf-8" },
    }).spawn();
    let timedOut = false;
    const kill = () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const giveUp = () => {
      timedOut = true;
      kill();
    };
    const timer = setTimeout(giveUp, opts.timeoutMs ?? 30_000);
    const bytes = typeof ktap === "string"
      ? new TextEncoder().encode(ktap)
      : ktap;
    const writer = (async () => {
      const w = child.stdin.getWriter();
      try {
        await w.write(bytes);
      } finally {
        await w.close().catch(() => {});
      }
    })();
    const [outBytes, errBytes, status] = await Promise.all([
      readCapped(child.stdout, MAX_OUTPUT, giveUp),
      readCapped(child.stderr, MAX_OUTPUT, giveUp),
      child.status,
    ]);
    clearTimeout(timer);
    await writer.catch(() => {});
    const out = { stdout: outBytes, stderr: errBytes, code: status.code };
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    const lines = stdout.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const plain = lines.map((l) => l.replace(TIMESTAMP, ""));
    const summaryLine = plain.findLast((l) =>
      l.startsWith("Testing complete. ")
    ) ?? "";
    const report = plain.filter((l) => !l.startsWith("Test results stored in "))
      .map((l) => l + "\n").join("");
    const result: KunitPyResult = {
      code: out.code,
      timedOut,
      summaryLine,
      stdout,
      report,
      stderr,
    };
    if (jsonPath) {
      const json = await Deno.readTextFile(jsonPath);
      if (json !== "") result.json = json;
    }
    return result;
  } finally {
    if (jsonPath) await Deno.remove(jsonPath).catch(() => {});
  }
}
