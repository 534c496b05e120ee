// Copyright 2026 the iommulab authors. MIT license.
/**
 * A progress bar on stderr for long experiment runs (cli-progress), and a
 * no-op stand-in when stderr is not a terminal or output is JSON.
 *
 * @module
 */
import cliProgress from "cli-progress";
import process from "node:process";

/** A progress bar (or a no-op). */
export interface Progress {
  /** Advances by `n` units (default 1) and shows `label` if given. */
  tick(n?: number, label?: string): void;
  /** Removes the bar. Idempotent. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface CreateProgressOptions {
  /** Total units of work. */
  total: number;
  /** Shown before the bar. */
  label?: string;
  /** Force on/off (default: on iff stderr is a terminal). */
  enabled?: boolean;
}

const NOOP: Progress = { tick(): void {}, stop(): void {} };

/** A progress bar on stderr; a no-op unless `enabled` (default: TTY). */
export function createProgress(opts: CreateProgressOptions): Progress {
  if (!Number.isFinite(opts.total) || opts.total < 0) {
    throw new RangeError(`total must be a number >= 0, got ${opts.total}`);
  }
  const enabled = opts.enabled ?? Deno.stderr.isTerminal();
  if (!enabled) return NOOP;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: "{label} [{bar}] {percentage}% {value}/{total} {step}",
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(opts.total, 0, { label: opts.label ?? "", step: "" });
  let done = false;
  return {
    tick(n = 1, label?: string): void {
      if (done) return;
      bar.increment(n, label === undefined ? {} : { step: label });
    },
    stop(): void {
      if (done) return;
      done = true;
      bar.stop();
    },
  };
}
