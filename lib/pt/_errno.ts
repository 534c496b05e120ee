// Copyright 2026 the iommulab authors. MIT license.
/**
 * Error numbers generic_pt needs that lib/kernel/errno.ts does not define
 * (yet); the values are the kernel's (include/uapi/asm-generic/errno.h).
 *
 * @module
 */
export {
  EADDRINUSE,
  EAGAIN,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOMEM,
  EOPNOTSUPP,
  ERANGE,
} from "../kernel/errno.ts";

/** No such device or address. */
export const ENXIO = 6;
/** Value too large for defined data type. */
export const EOVERFLOW = 75;
/** Protocol wrong type for socket (PT_MAKE_LEVELS descend below 0). */
export const EPROTOTYPE = 91;
