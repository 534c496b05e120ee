// Copyright 2026 the iommulab authors. MIT license.
/**
 * iommufd's IOVA allocator (drivers/iommu/iommufd/io_pagetable.c, v6.12):
 * `iopt_alloc_iova()` walks the used spans of `allowed_itree` and, inside
 * each, the holes of the union of `reserved_itree` and `area_itree` (double
 * span iterator), taking the first hole that fits: first fit from the
 * bottom, alignment derived from the user address, never IOVA 0 or the top
 * page. Its cost is linear in the spans visited.
 *
 * Addresses are bytes. `PAGE_SIZE` is 4096; `max_alignment` is `HPAGE_SIZE`
 * (2 MiB), as with `CONFIG_TRANSPARENT_HUGEPAGE=y`.
 *
 * @module
 */
import {
  __ffs,
  check_ulong,
  fls_long,
  ULONG_MAX,
  type ULongPtr,
} from "../kernel/bits.ts";
import { PAGE_SIZE } from "../kernel/page_alloc.ts";
import { kfree, kzalloc } from "../kernel/slab.ts";
import { GFP_KERNEL } from "../kernel/gfp.ts";
import {
  EADDRINUSE,
  EBUSY,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  EOVERFLOW,
} from "../kernel/errno.ts";
import { RB_EMPTY_ROOT, RbRootCached } from "../rbtree/mod.ts";
import {
  interval_tree_insert,
  interval_tree_iter_first,
  interval_tree_iter_next,
  interval_tree_remove,
  IntervalTreeNode,
} from "./interval_tree.ts";
import {
  interval_tree_span_iter_done,
  interval_tree_span_iter_first,
  interval_tree_span_iter_next,
  IntervalTreeSpanIter,
} from "./span_iter.ts";
import {
  interval_tree_double_span_iter_done,
  interval_tree_double_span_iter_first,
  interval_tree_double_span_iter_next,
  IntervalTreeDoubleSpanIter,
} from "./double_span.ts";

const HPAGE_SIZE = 2 * 1024 * 1024;

/** `IOPT_ALLOC_IOVA`: let iopt_map_user_pages() choose the IOVA. */
export const IOPT_ALLOC_IOVA = 1;

/**
 * `sizeof(struct iopt_area)` on 6.12 x86-64 (io_pagetable.h): two
 * `struct interval_tree_node` (rb_node 24 + start, last, __subtree_last
 * 3 x 8 = 48 each) = 96, `iopt`, `pages`, `storage_domain` pointers 3 x 8
 * = 120, `page_offset` and `iommu_prot` 2 x 4 = 128, `prevent_access:1` in
 * one byte = 129, `num_accesses` aligned to 4: 132 + 4 = 136 (a multiple
 * of 8, no tail padding). `iopt_area_alloc()` kzallocs it: kmalloc-192.
 */
export const IOPT_AREA_SIZE = 136;

/** `struct iopt_area`: a mapped range in `area_itree`. */
export class IoptArea extends IntervalTreeNode {
  /** The kzalloc'd memory the area's struct stands for (slab accounting). */
  _mem: Uint8Array | null = null;
  /** The io_pagetable this area is inserted in, or null. */
  iopt: IoPagetable | null = null;
  /** `start_byte % PAGE_SIZE`. */
  page_offset = 0;
  /** `IOMMU_READ`/`IOMMU_WRITE` bits. */
  iommu_prot = 0;
  /** The user address the area maps (stands in for `pages`). */
  uptr = 0;
}

/** `struct iopt_reserved`: a reserved range in `reserved_itree`. */
export class IoptReserved extends IntervalTreeNode {
  /** Owner cookie (`void *owner`), matched by iopt_remove_reserved_iova(). */
  owner: unknown = null;
}

/** `struct iopt_allowed`: an allowed range in `allowed_itree`. */
export class IoptAllowed extends IntervalTreeNode {}

/** The IOVA part of `struct io_pagetable`. */
export class IoPagetable {
  /** Mapped areas (`struct iopt_area`). */
  area_itree: RbRootCached = new RbRootCached();
  /** Allowed ranges; an empty tree allows everything. */
  allowed_itree: RbRootCached = new RbRootCached();
  /** Reserved ranges. */
  reserved_itree: RbRootCached = new RbRootCached();
  /** Minimum IOMMU page size of the attached domains; 1 with none. */
  iova_alignment = 1;
  /** Alignment cap: `HPAGE_SIZE` (or `PAGE_SIZE` without THP). */
  max_alignment = HPAGE_SIZE;
  /** Scratch iterators (the kernel keeps them on the stack). */
  readonly _allowed_span: IntervalTreeSpanIter = new IntervalTreeSpanIter();
  /** Scratch double-span iterator. */
  readonly _used_span: IntervalTreeDoubleSpanIter =
    new IntervalTreeDoubleSpanIter();
}

/** `iopt_init_table()` (IOVA part): empty trees, `iova_alignment` 1. */
export function iopt_init_table(iopt: IoPagetable): void {
  iopt.area_itree = new RbRootCached();
  iopt.allowed_itree = new RbRootCached();
  iopt.reserved_itree = new RbRootCached();
  iopt.iova_alignment = 1;
}

// `*start = aligned` through the span's union field: `obj.start_hole`.
interface StartHolder {
  start_hole: number;
}

// __alloc_iova_check_range()
function __alloc_iova_check_range(
  span: StartHolder,
  last: number,
  length: number,
  iova_alignment: number,
  page_offset: number,
): boolean {
  // ALIGN_UP(), with check_add_overflow()
  let aligned_start = span.start_hole + (iova_alignment - 1);
  if (aligned_start > ULONG_MAX) return false;
  aligned_start -= aligned_start % iova_alignment;
  // aligned_start |= page_offset (page_offset < PAGE_SIZE)
  const low = aligned_start % PAGE_SIZE;
  aligned_start += (low | page_offset) - low;

  if (aligned_start >= last || last - aligned_start < length - 1) return false;
  span.start_hole = aligned_start;
  return true;
}

// __alloc_iova_check_hole()
function __alloc_iova_check_hole(
  span: IntervalTreeDoubleSpanIter,
  length: number,
  iova_alignment: number,
  page_offset: number,
): boolean {
  if (span.is_used) return false;
  return __alloc_iova_check_range(
    span,
    span.last_hole,
    length,
    iova_alignment,
    page_offset,
  );
}

// __alloc_iova_check_used()
function __alloc_iova_check_used(
  span: IntervalTreeSpanIter,
  length: number,
  iova_alignment: number,
  page_offset: number,
): boolean {
  if (span.is_hole) return false;
  return __alloc_iova_check_range(
    span,
    span.last_hole,
    length,
    iova_alignment,
    page_offset,
  );
}

/**
 * `iopt_alloc_iova()`: find a free, unreserved, allowed IOVA range of
 * `length` bytes for user address `uptr`; stores it in `iova.value`.
 * Never returns IOVA 0.
 *
 * @returns 0, `-EOVERFLOW` for a zero or huge length, `-EINVAL` when the
 * alignment is below `iopt.iova_alignment`, `-ENOSPC` when nothing fits.
 */
export function iopt_alloc_iova(
  iopt: IoPagetable,
  iova: ULongPtr,
  uptr: number,
  length: number,
): number {
  const page_offset = uptr % PAGE_SIZE;
  const used_span = iopt._used_span;
  const allowed_span = iopt._allowed_span;
  const max_alignment = iopt.max_alignment;
  let iova_alignment: number;

  // Protect roundup_pow_of_two() from overflow
  if (length === 0 || length >= Math.floor(ULONG_MAX / 2)) return -EOVERFLOW;

  // Keep alignment present in the uptr when building the IOVA.
  const pow2 = 2 ** fls_long(length - 1); // roundup_pow_of_two()
  if (!uptr) iova_alignment = pow2;
  else {
    const ua = 2 ** __ffs(uptr);
    iova_alignment = pow2 < ua ? pow2 : ua;
  }
  // Protect against ALIGN() overflow
  if (iova_alignment >= max_alignment) iova_alignment = max_alignment;

  if (iova_alignment < iopt.iova_alignment) return -EINVAL;

  const allowed_empty = RB_EMPTY_ROOT(iopt.allowed_itree.rb_root);
  for (
    interval_tree_span_iter_first(
      allowed_span,
      iopt.allowed_itree,
      PAGE_SIZE,
      ULONG_MAX - PAGE_SIZE,
    );
    !interval_tree_span_iter_done(allowed_span);
    interval_tree_span_iter_next(allowed_span)
  ) {
    if (allowed_empty) {
      allowed_span.start_hole = PAGE_SIZE; // start_used
      allowed_span.last_hole = ULONG_MAX - PAGE_SIZE; // last_used
      allowed_span.is_hole = 0;
    }

    if (
      !__alloc_iova_check_used(
        allowed_span,
        length,
        iova_alignment,
        page_offset,
      )
    ) continue;

    for (
      interval_tree_double_span_iter_first(
        used_span,
        iopt.reserved_itree,
        iopt.area_itree,
        allowed_span.start_hole,
        allowed_span.last_hole,
      );
      !interval_tree_double_span_iter_done(used_span);
      interval_tree_double_span_iter_next(used_span)
    ) {
      if (
        !__alloc_iova_check_hole(
          used_span,
          length,
          iova_alignment,
          page_offset,
        )
      ) continue;
      iova.value = used_span.start_hole;
      return 0;
    }
  }
  return -ENOSPC;
}

/**
 * `iopt_check_iova()`: validate a fixed IOVA range.
 *
 * @returns 0, `-EINVAL` (misaligned or reserved), `-EOVERFLOW`, or
 * `-EEXIST` when an area is already mapped there.
 */
export function iopt_check_iova(
  iopt: IoPagetable,
  iova: number,
  length: number,
): number {
  if (iova % iopt.iova_alignment !== 0) return -EINVAL;
  const last = iova + length - 1;
  if (last > ULONG_MAX) return -EOVERFLOW;
  if (interval_tree_iter_first(iopt.reserved_itree, iova, last)) return -EINVAL;
  if (interval_tree_iter_first(iopt.area_itree, iova, last)) return -EEXIST;
  return 0;
}

/**
 * `iopt_map_user_pages()` reduced to its IOVA bookkeeping
 * (iopt_alloc_area_pages() and iopt_insert_area()): with `IOPT_ALLOC_IOVA`
 * the IOVA is allocated and stored in `iova.value`; otherwise `iova.value`
 * is checked. On success an {@linkcode IoptArea} is inserted.
 */
export function iopt_map_user_pages(
  iopt: IoPagetable,
  iova: ULongPtr,
  uptr: number,
  length: number,
  iommu_prot: number,
  flags: number,
): number {
  let rc: number;
  if (length % iopt.iova_alignment !== 0 || !length) return -EINVAL;
  if (flags & IOPT_ALLOC_IOVA) {
    rc = iopt_alloc_iova(iopt, iova, uptr, length);
    if (rc) return rc;
    // CONFIG_IOMMUFD_TEST self-check
    if (iopt_check_iova(iopt, iova.value, length)) return -EINVAL;
  } else {
    rc = iopt_check_iova(iopt, iova.value, length);
    if (rc) return rc;
  }
  // iopt_area_alloc(): kzalloc(sizeof(*area)), accounted in kmalloc-192
  const mem = kzalloc(IOPT_AREA_SIZE, GFP_KERNEL);
  if (mem === null) return -ENOMEM;
  // iopt_insert_area()
  const area = new IoptArea();
  area._mem = mem;
  area.iommu_prot = iommu_prot;
  area.page_offset = uptr % PAGE_SIZE;
  if (area.page_offset % iopt.iova_alignment) {
    kfree(mem);
    return -EINVAL;
  }
  area.start = iova.value;
  area.last = iova.value + length - 1;
  if (area.last > ULONG_MAX) {
    kfree(mem);
    return -EOVERFLOW;
  }
  area.uptr = uptr;
  area.iopt = iopt;
  interval_tree_insert(area, iopt.area_itree);
  return 0;
}

/**
 * `iopt_unmap_iova()`: remove every area inside `[iova, iova + length - 1]`.
 * Areas must lie wholly inside the range. Stores the bytes unmapped.
 *
 * @returns 0, `-EINVAL`, `-EOVERFLOW`, or `-ENOENT` (nothing mapped, or an
 * area crosses the range's ends).
 */
export function iopt_unmap_iova(
  iopt: IoPagetable,
  iova: number,
  length: number,
  unmapped: ULongPtr | null,
): number {
  if (!length) return -EINVAL;
  const last = iova + length - 1;
  if (last > ULONG_MAX) return -EOVERFLOW;
  return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

// iopt_unmap_iova_range()
function iopt_unmap_iova_range(
  iopt: IoPagetable,
  start: number,
  last: number,
  unmapped: ULongPtr | null,
): number {
  let unmapped_bytes = 0;
  let rc = -ENOENT;
  let area: IoptArea | null;
  while (
    (area = interval_tree_iter_first(iopt.area_itree, start, last) as
      | IoptArea
      | null) !== null
  ) {
    if (area.iopt !== iopt) {
      rc = -EBUSY;
      break;
    }
    if (area.start < start || area.last > last) {
      rc = -ENOENT;
      break;
    }
    interval_tree_remove(area, iopt.area_itree);
    area.iopt = null;
    // iopt_abort_area(): kfree(area)
    kfree(area._mem);
    area._mem = null;
    unmapped_bytes += area.last - area.start + 1;
  }
  if (unmapped_bytes && rc === -ENOENT && area === null) rc = 0;
  if (unmapped !== null) unmapped.value = unmapped_bytes;
  return rc;
}

/** `iopt_unmap_all()`: unmap every area; 0 even when nothing is mapped. */
export function iopt_unmap_all(
  iopt: IoPagetable,
  unmapped: ULongPtr | null,
): number {
  const rc = iopt_unmap_iova_range(iopt, 0, ULONG_MAX, unmapped);
  return rc === -ENOENT ? 0 : rc;
}

/**
 * `iopt_reserve_iova()`: reserve `[start, last]` for `owner`.
 *
 * @returns 0, or `-EADDRINUSE` if it intersects an area or an allowed range.
 */
export function iopt_reserve_iova(
  iopt: IoPagetable,
  start: number,
  last: number,
  owner: unknown,
): number {
  if (
    interval_tree_iter_first(iopt.area_itree, start, last) ||
    interval_tree_iter_first(iopt.allowed_itree, start, last)
  ) return -EADDRINUSE;
  const reserved = new IoptReserved(start, last);
  reserved.owner = owner;
  interval_tree_insert(reserved, iopt.reserved_itree);
  return 0;
}

/** `iopt_remove_reserved_iova()`: drop every reserved range of `owner`. */
export function iopt_remove_reserved_iova(
  iopt: IoPagetable,
  owner: unknown,
): void {
  let next: IntervalTreeNode | null;
  for (
    let reserved = interval_tree_iter_first(iopt.reserved_itree, 0, ULONG_MAX);
    reserved !== null;
    reserved = next
  ) {
    next = interval_tree_iter_next(reserved, 0, ULONG_MAX);
    if ((reserved as IoptReserved).owner === owner) {
      interval_tree_remove(reserved, iopt.reserved_itree);
    }
  }
}

/**
 * `iopt_set_allow_iova()`: swap `allowed_iova` in as the allowed tree (the
 * old tree is left in `allowed_iova`).
 *
 * @returns 0, or `-EADDRINUSE` (and no change) if an allowed range
 * intersects a reserved one.
 */
export function iopt_set_allow_iova(
  iopt: IoPagetable,
  allowed_iova: RbRootCached,
): number {
  const swap = (): void => {
    const t = iopt.allowed_itree;
    iopt.allowed_itree = new RbRootCached();
    iopt.allowed_itree.rb_root = allowed_iova.rb_root;
    iopt.allowed_itree.rb_leftmost = allowed_iova.rb_leftmost;
    allowed_iova.rb_root = t.rb_root;
    allowed_iova.rb_leftmost = t.rb_leftmost;
  };
  swap();
  for (
    let allowed = interval_tree_iter_first(iopt.allowed_itree, 0, ULONG_MAX);
    allowed !== null;
    allowed = interval_tree_iter_next(allowed, 0, ULONG_MAX)
  ) {
    if (
      interval_tree_iter_first(iopt.reserved_itree, allowed.start, allowed.last)
    ) {
      swap();
      return -EADDRINUSE;
    }
  }
  return 0;
}

/** Options of {@linkcode IommufdAllocator}. */
export interface IommufdAllocatorOptions {
  /** Minimum IOVA alignment (a domain's page size); default 1. */
  iovaAlignment?: number;
  /** Alignment cap; default 2 MiB (`HPAGE_SIZE`), or 4096 without THP. */
  maxAlignment?: number;
}

function checkPow2(name: string, v: number): void {
  check_ulong(name, v);
  if (v === 0 || 2 ** fls_long(v - 1) !== v) {
    throw new RangeError(`${name}: ${v} is not a power of two`);
  }
}

/**
 * Lab API: the iommufd allocator as an experiment allocator, in bytes.
 *
 * @example Usage
 * ```ts
 * import { IommufdAllocator } from "./iopt_alloc.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new IommufdAllocator();
 * assert.equal(a.alloc(4096), 4096); // first fit above IOVA 0
 * assert.equal(a.alloc(8192), 8192);
 * a.free(4096);
 * assert.equal(a.alloc(4096), 4096);
 * ```
 */
export class IommufdAllocator {
  /** The underlying io_pagetable. */
  readonly iopt: IoPagetable = new IoPagetable();
  readonly #ref: ULongPtr = { value: 0 };

  /** A new allocator with empty trees. */
  constructor(options: IommufdAllocatorOptions = {}) {
    const { iovaAlignment = 1, maxAlignment = HPAGE_SIZE } = options;
    checkPow2("iovaAlignment", iovaAlignment);
    checkPow2("maxAlignment", maxAlignment);
    this.iopt.iova_alignment = iovaAlignment;
    this.iopt.max_alignment = maxAlignment;
  }

  /**
   * Allocates and maps `length` bytes for user address `uptr` (default 0:
   * alignment is `roundup_pow_of_two(length)`, capped). Returns the IOVA or
   * a negative errno (`-ENOSPC`, `-EINVAL`, `-EOVERFLOW`).
   */
  alloc(length: number, uptr = 0): number {
    check_ulong("length", length);
    check_ulong("uptr", uptr);
    const rc = iopt_map_user_pages(
      this.iopt,
      this.#ref,
      uptr,
      length,
      0,
      IOPT_ALLOC_IOVA,
    );
    return rc < 0 ? rc : this.#ref.value;
  }

  /** Maps `length` bytes at a fixed `iova`; 0 or a negative errno. */
  map(iova: number, length: number, uptr = 0): number {
    check_ulong("iova", iova);
    check_ulong("length", length);
    check_ulong("uptr", uptr);
    this.#ref.value = iova;
    return iopt_map_user_pages(this.iopt, this.#ref, uptr, length, 0, 0);
  }

  /** Unmaps the area starting at `iova`; returns the bytes unmapped (0 if none). */
  free(iova: number): number {
    check_ulong("iova", iova);
    const area = interval_tree_iter_first(this.iopt.area_itree, iova, iova);
    if (area === null || area.start !== iova) return 0;
    iopt_unmap_iova(
      this.iopt,
      area.start,
      area.last - area.start + 1,
      this.#ref,
    );
    return this.#ref.value;
  }

  /** Reserves `[start, last]`; 0 or `-EADDRINUSE`. */
  reserve(start: number, last: number, owner: unknown = null): number {
    check_ulong("start", start);
    check_ulong("last", last);
    if (last < start) {
      throw new RangeError(`reserve: last ${last} is below start ${start}`);
    }
    return iopt_reserve_iova(this.iopt, start, last, owner);
  }

  /** Sets the allowed ranges (inclusive pairs); 0 or `-EADDRINUSE`. */
  setAllowed(ranges: ReadonlyArray<readonly [number, number]>): number {
    const root = new RbRootCached();
    for (const [s, l] of ranges) {
      check_ulong("start", s);
      check_ulong("last", l);
      if (l < s) {
        throw new RangeError(`setAllowed: last ${l} is below start ${s}`);
      }
      interval_tree_insert(new IoptAllowed(s, l), root);
    }
    return iopt_set_allow_iova(this.iopt, root);
  }

  /** Number of mapped areas. */
  get areas(): number {
    let n = 0;
    for (
      let a = interval_tree_iter_first(this.iopt.area_itree, 0, ULONG_MAX);
      a !== null;
      a = interval_tree_iter_next(a, 0, ULONG_MAX)
    ) n++;
    return n;
  }
}
