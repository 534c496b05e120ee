// Copyright 2026 the iommulab authors. MIT license.
/**
 * `ERR_PTR`, `PTR_ERR`, `IS_ERR`, `IS_ERR_OR_NULL` (include/linux/err.h).
 *
 * A kernel pointer-returning function that fails returns an error pointer;
 * in the lab that is an {@link ErrPtr} object carrying the negative errno,
 * so `IS_ERR(p)` is an `instanceof` check and `PTR_ERR(p)` reads it back.
 *
 * @module
 */
import { MAX_ERRNO } from "./errno.ts";

/** An error pointer: what `ERR_PTR(err)` returns. */
export class ErrPtr {
  /** The negative errno. */
  readonly err: number;
  /** Wraps a negative errno. */
  constructor(err: number) {
    this.err = err;
  }
}

/**
 * `ERR_PTR(err)`: an error pointer for a negative errno in
 * [-MAX_ERRNO, -1].
 *
 * @example Usage
 * ```ts
 * import { ERR_PTR, IS_ERR, PTR_ERR } from "./err.ts";
 * import { ENOMEM } from "./errno.ts";
 * import assert from "node:assert/strict";
 * const p = ERR_PTR(-ENOMEM);
 * assert.ok(IS_ERR(p));
 * assert.equal(PTR_ERR(p), -ENOMEM);
 * ```
 */
export function ERR_PTR(err: number): ErrPtr {
  if (!Number.isInteger(err) || err >= 0 || err < -MAX_ERRNO) {
    throw new RangeError(
      `ERR_PTR: ${err} is not a negative errno in [-${MAX_ERRNO}, -1]`,
    );
  }
  return new ErrPtr(err);
}

/** `PTR_ERR(p)`: the errno inside an error pointer. */
export function PTR_ERR(p: ErrPtr): number {
  return p.err;
}

/** `IS_ERR(p)`. */
export function IS_ERR(p: unknown): p is ErrPtr {
  return p instanceof ErrPtr;
}

/** `IS_ERR_OR_NULL(p)`. */
export function IS_ERR_OR_NULL(p: unknown): p is ErrPtr | null | undefined {
  return p === null || p === undefined || p instanceof ErrPtr;
}
