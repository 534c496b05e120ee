// Copyright 2026 the iommulab authors. MIT license.
/**
 * Kernel error numbers (include/uapi/asm-generic/errno-base.h and errno.h).
 *
 * Functions that return `-ERRNO` in the kernel return the negative of these
 * values in the lab, so `if (ret === -ENOMEM)` ports verbatim.
 *
 * @module
 */

/** Operation not permitted. */
export const EPERM = 1;
/** No such file or directory. */
export const ENOENT = 2;
/** I/O error. */
export const EIO = 5;
/** No such device or address. */
export const ENXIO = 6;
/** Try again. */
export const EAGAIN = 11;
/** Out of memory. */
export const ENOMEM = 12;
/** Bad address. */
export const EFAULT = 14;
/** Device or resource busy. */
export const EBUSY = 16;
/** File exists. */
export const EEXIST = 17;
/** No such device. */
export const ENODEV = 19;
/** Invalid argument. */
export const EINVAL = 22;
/** No space left on device. */
export const ENOSPC = 28;
/** Math result not representable. */
export const ERANGE = 34;
/** Function not implemented. */
export const ENOSYS = 38;
/** Value too large for defined data type. */
export const EOVERFLOW = 75;
/** Protocol wrong type for socket. */
export const EPROTOTYPE = 91;
/** Operation not supported on transport endpoint. */
export const EOPNOTSUPP = 95;
/** Address already in use. */
export const EADDRINUSE = 98;
/** Operation timed out. */
export const ETIMEDOUT = 110;

/** `MAX_ERRNO` from include/linux/err.h. */
export const MAX_ERRNO = 4095;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EIO]: "EIO",
  [ENXIO]: "ENXIO",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [ENODEV]: "ENODEV",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [ERANGE]: "ERANGE",
  [ENOSYS]: "ENOSYS",
  [EOVERFLOW]: "EOVERFLOW",
  [EPROTOTYPE]: "EPROTOTYPE",
  [EOPNOTSUPP]: "EOPNOTSUPP",
  [EADDRINUSE]: "EADDRINUSE",
  [ETIMEDOUT]: "ETIMEDOUT",
};

/**
 * The symbolic name of an error number, positive or negative
 * (`errname(-ENOMEM)` is `"ENOMEM"`), or `undefined` for an unknown one.
 *
 * @example Usage
 * ```ts
 * import { errname, ENOMEM } from "./errno.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errname(-ENOMEM), "ENOMEM");
 * ```
 */
export function errname(err: number): string | undefined {
  return NAMES[Math.abs(err)];
}

/**
 * The error number for a symbolic name (`errno_from_name("ENOMEM")` is 12),
 * or `undefined` for an unknown name.
 */
export function errno_from_name(name: string): number | undefined {
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return Number(k);
  return undefined;
}
