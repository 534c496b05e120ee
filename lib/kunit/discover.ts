// Copyright 2026 the iommulab authors. MIT license.
/**
 * Loading suite files: every `*.ts` module in a folder (not `_private.ts`,
 * not `*_test.ts` or `*_bench.ts`) is imported, and the suites it
 * registered with `kunit_test_suite` are returned in file-name order.
 *
 * @module
 */
import { kunit_registered_suites, type KunitSuite } from "./case.ts";

/** Whether a file name is a suite module. */
export function is_suite_file(name: string): boolean {
  return name.endsWith(".ts") && !name.startsWith("_") &&
    !name.endsWith("_test.ts") && !name.endsWith("_bench.ts") &&
    !name.endsWith(".d.ts");
}

/**
 * Imports every suite module in `dir` (a folder URL) and returns the
 * suites registered, in file-name order, then registration order.
 */
export async function kunit_load_suites(dir: URL): Promise<KunitSuite[]> {
  const names: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && is_suite_file(e.name)) names.push(e.name);
  }
  names.sort();
  for (const n of names) await import(new URL(n, dir).href);
  return [...kunit_registered_suites()];
}

/**
 * Imports one suite file from anywhere and returns the suites it
 * registered.
 */
export async function kunit_load_suite_file(
  path: string | URL,
): Promise<KunitSuite[]> {
  const before = kunit_registered_suites().length;
  const url = path instanceof URL
    ? path
    : new URL(path, `file://${Deno.cwd()}/`);
  await import(url.href);
  return kunit_registered_suites().slice(before);
}
