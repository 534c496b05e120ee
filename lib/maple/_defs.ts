// Copyright 2026 the iommulab authors. MIT license.
/**
 * Constants, node and store types, states and reserved entries of the maple
 * tree (include/linux/maple_tree.h, 64-bit; `mt_slots`/`mt_pivots`/
 * `mt_min_slots` and `mt_is_reserved()` of lib/maple_tree.c).
 *
 * @module
 */

/** `MAPLE_NODE_SLOTS`. */
export const MAPLE_NODE_SLOTS = 31;

/** `MAPLE_RANGE64_SLOTS`. */
export const MAPLE_RANGE64_SLOTS = 16;

/** `MAPLE_ARANGE64_SLOTS`. */
export const MAPLE_ARANGE64_SLOTS = 10;

/** `MAPLE_ALLOC_SLOTS`. */
export const MAPLE_ALLOC_SLOTS = MAPLE_NODE_SLOTS - 1;

/** `MAPLE_HEIGHT_MAX`. */
export const MAPLE_HEIGHT_MAX = 31;

/** `MAPLE_RESERVED_RANGE`. */
export const MAPLE_RESERVED_RANGE = 4096;

/** Size in bytes of one maple node (`sizeof(struct maple_node)`). */
export const MAPLE_NODE_SIZE = 256;

/** `MT_FLAGS_ALLOC_RANGE`: track gaps (arange internal nodes). */
export const MT_FLAGS_ALLOC_RANGE = 0x01;

/** `MT_FLAGS_USE_RCU`. */
export const MT_FLAGS_USE_RCU = 0x02;

/** `MT_FLAGS_HEIGHT_OFFSET`. */
export const MT_FLAGS_HEIGHT_OFFSET = 0x02;

/** `MT_FLAGS_HEIGHT_MASK`. */
export const MT_FLAGS_HEIGHT_MASK = 0x7c;

/** `MT_FLAGS_LOCK_MASK`. */
export const MT_FLAGS_LOCK_MASK = 0x300;

/** `MT_FLAGS_LOCK_IRQ`. */
export const MT_FLAGS_LOCK_IRQ = 0x100;

/** `MT_FLAGS_LOCK_BH`. */
export const MT_FLAGS_LOCK_BH = 0x200;

/** `MT_FLAGS_LOCK_EXTERN`: the caller supplies the lock. */
export const MT_FLAGS_LOCK_EXTERN = 0x300;

/** `MT_FLAGS_ALLOC_WRAPPED`. */
export const MT_FLAGS_ALLOC_WRAPPED = 0x0800;

/** `enum maple_type`. */
export const maple_dense = 0;

/** `enum maple_type`. */
export const maple_leaf_64 = 1;

/** `enum maple_type`. */
export const maple_range_64 = 2;

/** `enum maple_type`. */
export const maple_arange_64 = 3;

/** Names of the node types, indexed by `enum maple_type`. */
export const maple_type_names: readonly string[] = [
  "maple_dense",
  "maple_leaf_64",
  "maple_range_64",
  "maple_arange_64",
];

/** `enum store_type`. */
export const wr_invalid = 0;

/** `enum store_type`. */
export const wr_new_root = 1;

/** `enum store_type`. */
export const wr_store_root = 2;

/** `enum store_type`. */
export const wr_exact_fit = 3;

/** `enum store_type`. */
export const wr_spanning_store = 4;

/** `enum store_type`. */
export const wr_split_store = 5;

/** `enum store_type`. */
export const wr_rebalance = 6;

/** `enum store_type`. */
export const wr_append = 7;

/** `enum store_type`. */
export const wr_node_store = 8;

/** `enum store_type`. */
export const wr_slot_store = 9;

/** Names of the store types, indexed by `enum store_type`. */
export const store_type_names: readonly string[] = [
  "wr_invalid",
  "wr_new_root",
  "wr_store_root",
  "wr_exact_fit",
  "wr_spanning_store",
  "wr_split_store",
  "wr_rebalance",
  "wr_append",
  "wr_node_store",
  "wr_slot_store",
];

/** `enum maple_status`. */
export const ma_active = 0;

/** `enum maple_status`. */
export const ma_start = 1;

/** `enum maple_status`. */
export const ma_root = 2;

/** `enum maple_status`. */
export const ma_none = 3;

/** `enum maple_status`. */
export const ma_pause = 4;

/** `enum maple_status`. */
export const ma_overflow = 5;

/** `enum maple_status`. */
export const ma_underflow = 6;

/** `enum maple_status`. */
export const ma_error = 7;

/** `MA_STATE_BULK`. */
export const MA_STATE_BULK = 1;

/** `MA_STATE_REBALANCE`. */
export const MA_STATE_REBALANCE = 2;

/** `MA_STATE_PREALLOC`. */
export const MA_STATE_PREALLOC = 4;

/** `mt_slots`. */
export const mt_slots = [MAPLE_NODE_SLOTS, 16, 16, 10];

/** `mt_pivots`. */
export const mt_pivots = [0, 15, 15, 9];

/** `mt_min_slots`. */
export const mt_min_slots = [MAPLE_NODE_SLOTS >> 1, 6, 6, 4];

/** `mt_slots[]`, `mt_pivots[]`, `mt_min_slots[]` per node type. */
export const MT_SLOTS: readonly number[] = mt_slots;

/** `mt_pivots[]` per node type. */
export const MT_PIVOTS: readonly number[] = mt_pivots;

/** `mt_min_slots[]` per node type. */
export const MT_MIN_SLOTS: readonly number[] = mt_min_slots;

/** An internal (reserved) entry, like the kernel's `xa_mk_internal(v)`. */
export class XaInternal {
  /** The internal value (`XA_ZERO_ENTRY` is 257). */
  readonly v: number;
  /** Creates an internal entry. */
  constructor(v: number) {
    this.v = v;
    Object.freeze(this);
  }
}

/** `XA_ZERO_ENTRY`: occupies its range, reads as NULL through `mtree_load`. */
export const XA_ZERO_ENTRY: XaInternal = new XaInternal(257);

/** `xa_is_zero(entry)`. */
export function xa_is_zero(entry: unknown): boolean {
  return entry === XA_ZERO_ENTRY;
}

/** `xa_is_advanced(entry)`: internal entries the normal API refuses. */
export function xa_is_advanced(entry: unknown): boolean {
  return entry instanceof XaInternal;
}

/** `mt_is_reserved(entry)`. */
export function mt_is_reserved(entry: unknown): boolean {
  return entry instanceof XaInternal;
}
