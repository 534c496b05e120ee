// Copyright 2026 the iommulab authors. MIT license.
/**
 * The generic page table language (pt_defs.h, include/linux/generic_pt/
 * common.h): features and their gating, entry types, `pt_common` with the
 * `top_of_table` word, `pt_range`, `pt_state`, write attributes and the
 * debug-checked `PT_WARN_ON`.
 *
 * @module
 */
import {
  kunit_fail_current_test,
  kunit_get_current_test,
  WARN_ON,
} from "../kernel/mod.ts";
import type { PtFormat } from "./format.ts";
import { pt_phys_to_table_num, type PtTableMem } from "./_mem.ts";

// enum pt_features (include/linux/generic_pt/common.h), baseline numbering
/** Table memory must be flushed before HW can see it. */
export const PT_FEAT_DMA_INCOHERENT = 0;
/** The table spans the whole 64-bit VA. */
export const PT_FEAT_FULL_VA = 1;
/** The top level may be raised while mapping. */
export const PT_FEAT_DYNAMIC_TOP = 2;
/** The top VA bit sign-extends (lower and upper halves). */
export const PT_FEAT_SIGN_EXTEND = 3;
/** Invalidate by (possibly over-large) ranges. */
export const PT_FEAT_FLUSH_RANGE = 4;
/** Never invalidate IOVA that did not change. */
export const PT_FEAT_FLUSH_RANGE_NO_GAPS = 5;
/** First format-private feature bit. */
export const PT_FEAT_FMT_START = 6;

/** `enum pt_entry_type`. */
export const PT_ENTRY_EMPTY = 0;
/** A table pointer. */
export const PT_ENTRY_TABLE = 1;
/** An output address (leaf). */
export const PT_ENTRY_OA = 2;
/** One of the `PT_ENTRY_*` values. */
export type PtEntryType = 0 | 1 | 2;

/** Bits of `top_of_table` holding the level. */
export const PT_TOP_LEVEL_BITS = 3;
/** Mask of the level in `top_of_table`. */
export const PT_TOP_LEVEL_MASK = 7;

// include/linux/iommu.h
/** `IOMMU_READ`. */
export const IOMMU_READ = 1;
/** `IOMMU_WRITE`. */
export const IOMMU_WRITE = 2;
/** `IOMMU_CACHE`. */
export const IOMMU_CACHE = 4;
/** `IOMMU_NOEXEC`. */
export const IOMMU_NOEXEC = 8;
/** `IOMMU_MMIO`. */
export const IOMMU_MMIO = 16;

/** `PAGE_SHIFT` of the simulated host. */
export { PAGE_SHIFT } from "../kernel/page_alloc.ts";

/** `struct pt_common`. */
export class PtCommon {
  /** The format (the C code's compile-time instantiation). */
  readonly fmt: PtFormat;
  /** Top table physical address | top level, read/written whole. */
  top_of_table = 0;
  /** Maximum OA bits. */
  max_oasz_lg2 = 0;
  /** Maximum VA bits (with DYNAMIC_TOP: what the table may grow to). */
  max_vasz_lg2 = 0;
  /** Bitmap of `PT_FEAT_*`. */
  features = 0;
  /** Creates an empty common for `fmt`. */
  constructor(fmt: PtFormat) {
    this.fmt = fmt;
  }
}

/** `struct pt_write_attrs`: the descriptor bits of a leaf and the gfp. */
export class PtWriteAttrs {
  /** Format bits OR'ed into every leaf. */
  descriptor_bits = 0n;
  /** Allocation flags. */
  gfp = 0;
}

/** `pt_feature(common, nr)`: force-enabled, else supported && requested. */
export function pt_feature(common: PtCommon, nr: number): boolean {
  const bit = 1 << nr;
  const fmt = common.fmt;
  if ((fmt.PT_FORCE_ENABLED_FEATURES & bit) !== 0) return true;
  if ((fmt.PT_SUPPORTED_FEATURES & bit) === 0) return false;
  return (common.features & bit) !== 0;
}

/** `pts_feature(pts, nr)`. */
export function pts_feature(pts: PtState, nr: number): boolean {
  return pt_feature(pts.range.common, nr);
}

/** `pt_top_get_level(common)`. */
export function pt_top_get_level(common: PtCommon): number {
  return common.top_of_table % 8;
}

/** `_pt_top_set(mem, level)`: encode a top pointer and level in one word. */
export function _pt_top_set(mem: PtTableMem | null, level: number): number {
  return (mem === null ? 0 : mem.phys) + level;
}

/** `pt_top_set(common, mem, level)`: WRITE_ONCE of the encoded top. */
export function pt_top_set(
  common: PtCommon,
  mem: PtTableMem | null,
  level: number,
): void {
  common.top_of_table = _pt_top_set(mem, level);
}

/** `pt_top_set_level(common, level)`: before a top table exists. */
export function pt_top_set_level(common: PtCommon, level: number): void {
  pt_top_set(common, null, level);
}

/** The table memory a `top_of_table` word points at (null if none). */
export function pt_top_table(top_of_table: number): PtTableMem | null {
  const phys = top_of_table - (top_of_table % 8);
  return phys === 0 ? null : pt_phys_to_table_num(phys) ?? null;
}

/** `struct pt_range`: the VA span of a walk. */
export class PtRange {
  /** The table. */
  common: PtCommon;
  /** The top table memory. */
  top_table: PtTableMem | null;
  /** Current VA (lazily updated, see `pt_index_to_va`). */
  va: bigint;
  /** Last VA (inclusive). */
  last_va: bigint;
  /** Level of the top table. */
  top_level: number;
  /** VA bits decoded by the current top. */
  max_vasz_lg2: number;
  /** Creates a range. */
  constructor(
    common: PtCommon,
    top_table: PtTableMem | null,
    va: bigint,
    last_va: bigint,
    top_level: number,
    max_vasz_lg2: number,
  ) {
    this.common = common;
    this.top_table = top_table;
    this.va = va;
    this.last_va = last_va;
    this.top_level = top_level;
    this.max_vasz_lg2 = max_vasz_lg2;
  }
  /** A copy (C struct assignment). */
  clone(): PtRange {
    return new PtRange(
      this.common,
      this.top_table,
      this.va,
      this.last_va,
      this.top_level,
      this.max_vasz_lg2,
    );
  }
}

/** `struct pt_state`: one in-progress parse of one table level. */
export class PtState {
  /** The walk range. */
  range: PtRange;
  /** The table at this level. */
  table: PtTableMem;
  /** The lower table when `type` is TABLE. */
  table_lower: PtTableMem | null = null;
  /** The last loaded item. */
  entry = 0n;
  /** Type of `entry`. */
  type: PtEntryType = PT_ENTRY_EMPTY;
  /** Current index. */
  index = 0;
  /** End index (exclusive). */
  end_index = 0;
  /** The level of `table`. */
  level: number;
  /** `pt_init(range, level, table)`. */
  constructor(range: PtRange, level: number, table: PtTableMem) {
    this.range = range;
    this.level = level;
    this.table = table;
  }
  /** A copy (C struct assignment). */
  clone(): PtState {
    const s = new PtState(this.range, this.level, this.table);
    s.table_lower = this.table_lower;
    s.entry = this.entry;
    s.type = this.type;
    s.index = this.index;
    s.end_index = this.end_index;
    return s;
  }
}

/** `pt_init(range, level, table)`. */
export function pt_init(
  range: PtRange,
  level: number,
  table: PtTableMem,
): PtState {
  return new PtState(range, level, table);
}

/** `pt_init_top(range)`. */
export function pt_init_top(range: PtRange): PtState {
  return new PtState(range, range.top_level, range.top_table!);
}

/**
 * `PT_WARN_ON(cond)`: with CONFIG_DEBUG_GENERIC_PT (the format's `debug`) a
 * real `WARN_ON` that also fails the current KUnit case (the lab's policy,
 * so debug checks are meaningful in tests); otherwise constant false.
 */
export function PT_WARN_ON(common: PtCommon, cond: boolean): boolean {
  if (!cond || !common.fmt.debug) return false;
  WARN_ON(true);
  if (kunit_get_current_test() !== null) {
    kunit_fail_current_test("PT_WARN_ON fired", "generic_pt:0");
  }
  return true;
}

/**
 * `pt_table_install64(pts, entry)`: compare-exchange `table[index]` from the
 * loaded `pts.entry` to `entry`; on success updates `pts.entry`.
 */
export function pt_table_install64(pts: PtState, entry: bigint): boolean {
  const t = pts.table.u64;
  if (t[pts.index] !== pts.entry) return false;
  t[pts.index] = entry;
  pts.entry = entry;
  return true;
}
