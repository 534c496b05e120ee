// Copyright 2026 the iommulab authors. MIT license.
/**
 * The hooks through which kernel code reaches the current KUnit test,
 * mirroring include/kunit/test-bug.h and lib/kunit/hooks.c.
 *
 * The simulated kernel must not import the KUnit mirror (KUnit is built on
 * the kernel, not the other way round). As in the kernel, KUnit installs a
 * table of function pointers when it loads; until then every hook is a
 * no-op, so models run fine outside a test.
 *
 * @module
 */

/** The opaque "current test" as kernel code sees it. */
export interface KunitTestRef {
  /** The case name, as printed in KTAP. */
  readonly name: string;
}

/** The table KUnit fills in (`kunit_hooks` in lib/kunit/hooks.c). */
export interface KunitHooks {
  /** `kunit_get_current_test()`: the test running in this context. */
  get_current_test(): KunitTestRef | null;
  /**
   * `__kunit_fail_current_test_impl(file, line, fmt, ...)`: mark the current
   * test failed and log `# <case>: <file>:<line>: <message>`.
   */
  fail_current_test(file: string, line: number, message: string): void;
  /** `kunit_log()` on the current test: one diagnostic line. */
  log_current_test(message: string): void;
  /**
   * The static-stub lookup behind `KUNIT_STATIC_STUB_REDIRECT`: the
   * replacement installed for `real_fn` in the current test, if any.
   */
  get_static_stub(real_fn: unknown): ((...args: never[]) => unknown) | null;
  /**
   * `kunit_add_action(current, fn)`: run `fn` when the current test ends
   * (after `exit`, with the test's other deferred actions, LIFO). Returns
   * false when no test is running.
   */
  defer_current_test(fn: () => void): boolean;
}

/**
 * Per-case lifecycle callbacks for the simulated kernel: `begin` runs before
 * a case's `init`, `end` after its `exit` and deferred actions. The kernel
 * uses them to reseed its PRNG, disarm faults a case armed, and run leak
 * checks; KUnit calls every registered pair, in registration order (`end`
 * in reverse).
 */
export interface KernelTestLifecycle {
  /** Before `init`: `seed` is the case's PRNG seed. */
  begin(test: KunitTestRef, seed: number): void;
  /** After `exit` and the deferred actions. */
  end(test: KunitTestRef): void;
}

/** The registered lifecycle callbacks (read by KUnit's executor). */
export const kernel_test_lifecycle: KernelTestLifecycle[] = [];

/** Registers kernel per-case callbacks (once, at module load). */
export function register_test_lifecycle(cb: KernelTestLifecycle): void {
  kernel_test_lifecycle.push(cb);
}

const noHooks: KunitHooks = {
  get_current_test: () => null,
  fail_current_test: () => {},
  log_current_test: () => {},
  get_static_stub: () => null,
  defer_current_test: () => false,
};

/**
 * The live hook table. Read it at call time (`kunit_hooks.get_current_test()`)
 * rather than caching a method, so that installing KUnit later takes effect.
 */
export const kunit_hooks: KunitHooks = { ...noHooks };

/** Whether KUnit has installed its hooks (`kunit_running` in the kernel). */
export let kunit_running = false;

/** Installs (or with `null`, removes) KUnit's hook table. */
export function kunit_install_hooks(hooks: KunitHooks | null): void {
  Object.assign(kunit_hooks, hooks ?? noHooks);
  kunit_running = hooks !== null;
}

/** `kunit_get_current_test()`. */
export function kunit_get_current_test(): KunitTestRef | null {
  return kunit_running ? kunit_hooks.get_current_test() : null;
}

/**
 * `kunit_fail_current_test(fmt, ...)`: fail the current test, if any, with
 * `message`; `site` is the caller's `file:line` (see `caller_site`).
 */
export function kunit_fail_current_test(message: string, site?: string): void {
  if (!kunit_running) return;
  const s = site ?? caller_site(1);
  const colon = s.lastIndexOf(":");
  kunit_hooks.fail_current_test(
    s.slice(0, colon),
    Number(s.slice(colon + 1)),
    message,
  );
}

/** Logs one line on the current test, if any (the sink behind `pr_*`). */
export function kunit_log_current_test(message: string): void {
  if (kunit_running) kunit_hooks.log_current_test(message);
}

const FRAME = /\(?((?:file|https?):\/\/[^\s)]+|\/[^\s)]+):(\d+):(\d+)\)?$/;

/** A source position from one V8 stack-trace line. */
export interface StackFrame {
  /** Module URL or absolute path, as V8 reports it. */
  readonly url: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Parses one line of `Error.stack` (`    at f (file:///a.ts:3:7)`). */
export function parse_stack_frame(text: string): StackFrame | null {
  const m = FRAME.exec(text.trim());
  return m ? { url: m[1]!, line: Number(m[2]), column: Number(m[3]) } : null;
}

/**
 * The `file:line` of a caller, `depth` frames above the function that calls
 * `caller_site` (0 = that function's caller). The path is shown relative to
 * the working directory when it lies below it. Only call this on a slow
 * path: it builds a stack trace.
 */
export function caller_site(depth = 0): string {
  const stack = new Error().stack?.split("\n") ?? [];
  // stack[0] is "Error", [1] caller_site, [2] its caller, [3] that caller's caller
  const f = parse_stack_frame(
    stack[depth + 3] ?? stack[stack.length - 1] ?? "",
  );
  return f ? `${short_path(f.url)}:${f.line}` : "<unknown>:0";
}

let cwdUrl: string | null | undefined;

/** A module URL or path shown relative to the working directory if below it. */
export function short_path(fileOrUrl: string): string {
  let p = fileOrUrl.startsWith("file://")
    ? decodeURIComponent(fileOrUrl.slice(7))
    : fileOrUrl;
  if (cwdUrl === undefined) {
    try {
      cwdUrl = Deno.cwd() + "/";
    } catch {
      cwdUrl = null;
    }
  }
  if (cwdUrl && p.startsWith(cwdUrl)) p = p.slice(cwdUrl.length);
  return p;
}
