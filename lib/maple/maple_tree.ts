// Copyright 2026 the iommulab authors. MIT license.
/**
 * The maple tree of Linux 6.12 (lib/maple_tree.c, include/linux/maple_tree.h),
 * ported function by function: the same node types and occupancy rules, the
 * same store classification (`mas_wr_store_type`), node requests
 * (`mas_prealloc_calc`), splits, pushes, rebalances and spanning stores, the
 * same gap tracking for `MT_FLAGS_ALLOC_RANGE` trees, and the same failure
 * semantics: a write classifies, then obtains every node it needs, and only
 * then modifies the tree.
 *
 * Indices are numbers in [0, ULONG_MAX] where the lab's ULONG_MAX is 2^53-1.
 * Entries are arbitrary JS values; `null` is NULL. {@link XA_ZERO_ENTRY} is
 * the kernel's reserved zero entry.
 *
 * Nodes come from the `maple_node` slab cache (256 bytes each); every node
 * allocation passes the `maple.node_alloc` fault point first. Node memory
 * is pooled (typed arrays indexed by node number, see "Nodes" below): a
 * node is a small integer, like the kernel's encoded `maple_enode`, and the
 * slab object is a {@link MapleNode} handle naming it.
 *
 * Not modelled: bulk mode (`mas_expected_entries`), `__mt_dup`/`mtree_dup`,
 * `mtree_alloc_cyclic`, dense nodes (no 6.12 write path creates them).
 * Differences: in RCU mode replaced nodes are freed at once (there are no
 * concurrent readers); `mas_nomem` gives up when an allocation made no
 * progress (6.12 would retry forever under a permanent injected failure);
 * the node metadata is a separate field instead of overlaying slot 15.
 *
 * This file holds the normal `mtree_*` API and re-exports the rest: the
 * node pool (`_node_pool.ts`), states (`_state.ts`), walks (`_walk.ts`),
 * writes (`_write.ts`), gaps (`_gap.ts`), iteration (`_iter.ts`),
 * `mt_validate` (`validate.ts`) and `mt_dump` (`dump.ts`).
 *
 * @module
 */
import {
  EINVAL,
  ULONG_MAX,
  type ULongPtr,
  WARN_ON_ONCE,
} from "../kernel/mod.ts";
import {
  ma_start,
  MT_FLAGS_USE_RCU,
  mt_is_reserved,
  wr_invalid,
  xa_is_advanced,
  XA_ZERO_ENTRY,
} from "./_defs.ts";
import { MapleNode, MAS_NONE } from "./_node_pool.ts";
import {
  MapleTree,
  mas_is_active,
  mas_is_err,
  MaState,
  mt_attr,
  mt_init_flags,
  mt_is_alloc,
  mtree_lock,
  mtree_unlock,
} from "./_state.ts";
import { mas_state_walk, mtree_lookup_walk } from "./_walk.ts";
import { mas_empty_area, mas_empty_area_rev } from "./_gap.ts";
import {
  check_entry,
  mas_destroy,
  mas_erase,
  mas_insert,
  mas_nomem,
  mas_store_gfp,
  mt_destroy_walk,
} from "./_write.ts";
import { mas_next_entry } from "./_iter.ts";

/** `mt_init(mt)`. */
export function mt_init(mt: MapleTree): void {
  mt_init_flags(mt, 0);
}

/** `mt_set_external_lock(mt, lock)`: record the external lock. */
export function mt_set_external_lock(mt: MapleTree, lock: unknown): void {
  mt.ma_external_lock = lock;
}

/** `mt_set_in_rcu(mt)`. */
export function mt_set_in_rcu(mt: MapleTree): void {
  mt.ma_flags |= MT_FLAGS_USE_RCU;
}

/** `mt_clear_in_rcu(mt)`. */
export function mt_clear_in_rcu(mt: MapleTree): void {
  mt.ma_flags &= ~MT_FLAGS_USE_RCU;
}

/** `mtree_empty(mt)`. */
export function mtree_empty(mt: MapleTree): boolean {
  return mt.ma_root === null;
}

/** `mtree_load(mt, index)`: the entry at `index` (zero entry reads NULL). */
export function mtree_load(mt: MapleTree, index: number): unknown {
  const root = mt.ma_root;
  let entry: unknown;
  if (root instanceof MapleNode) {
    LOAD_MAS.index = index;
    LOAD_MAS.node = root.id;
    entry = mtree_lookup_walk(LOAD_MAS);
    LOAD_MAS.node = MAS_NONE;
  } else {
    entry = index === 0 ? root : null;
  }
  if (entry === XA_ZERO_ENTRY) return null;
  return entry;
}

const LOAD_MAS = new MaState(new MapleTree());

/** `mtree_store_range(mt, index, last, entry, gfp)`: 0, -EINVAL, -ENOMEM. */
export function mtree_store_range(
  mt: MapleTree,
  index: number,
  last: number,
  entry: unknown,
  gfp: number,
): number {
  check_entry(entry);
  const mas = new MaState(mt, index, last);
  if (WARN_ON_ONCE(xa_is_advanced(entry))) return -EINVAL;
  if (index > last) return -EINVAL;
  mtree_lock(mt);
  const ret = mas_store_gfp(mas, entry, gfp);
  mtree_unlock(mt);
  return ret;
}

/** `mtree_store(mt, index, entry, gfp)`. */
export function mtree_store(
  mt: MapleTree,
  index: number,
  entry: unknown,
  gfp: number,
): number {
  return mtree_store_range(mt, index, index, entry, gfp);
}

/** `mtree_insert_range(mt, first, last, entry, gfp)`: 0, -EEXIST, ... */
export function mtree_insert_range(
  mt: MapleTree,
  first: number,
  last: number,
  entry: unknown,
  gfp: number,
): number {
  check_entry(entry);
  const ms = new MaState(mt, first, last);
  if (WARN_ON_ONCE(xa_is_advanced(entry))) return -EINVAL;
  if (first > last) return -EINVAL;
  mtree_lock(mt);
  for (;;) {
    mas_insert(ms, entry);
    if (!mas_nomem(ms, gfp)) break;
  }
  mtree_unlock(mt);
  const ret = mas_is_err(ms) ? ms.err : 0;
  mas_destroy(ms);
  return ret;
}

/** `mtree_insert(mt, index, entry, gfp)`. */
export function mtree_insert(
  mt: MapleTree,
  index: number,
  entry: unknown,
  gfp: number,
): number {
  return mtree_insert_range(mt, index, index, entry, gfp);
}

function mtree_alloc_common(
  mt: MapleTree,
  startp: ULongPtr,
  entry: unknown,
  size: number,
  min: number,
  max: number,
  gfp: number,
  rev: boolean,
): number {
  check_entry(entry);
  let ret = 0;
  const mas = new MaState(mt, 0, 0);
  if (!mt_is_alloc(mt)) return -EINVAL;
  if (WARN_ON_ONCE(mt_is_reserved(entry))) return -EINVAL;
  mtree_lock(mt);
  for (;;) {
    ret = rev
      ? mas_empty_area_rev(mas, min, max, size)
      : mas_empty_area(mas, min, max, size);
    if (ret) break;
    mas_insert(mas, entry);
    if (mas_nomem(mas, gfp)) continue;
    if (mas_is_err(mas)) ret = mas.err;
    else startp.value = mas.index;
    break;
  }
  mtree_unlock(mt);
  mas_destroy(mas);
  return ret;
}

/** `mtree_alloc_range(mt, &start, entry, size, min, max, gfp)`. */
export function mtree_alloc_range(
  mt: MapleTree,
  startp: ULongPtr,
  entry: unknown,
  size: number,
  min: number,
  max: number,
  gfp: number,
): number {
  return mtree_alloc_common(mt, startp, entry, size, min, max, gfp, false);
}

/** `mtree_alloc_rrange(mt, &start, entry, size, min, max, gfp)`. */
export function mtree_alloc_rrange(
  mt: MapleTree,
  startp: ULongPtr,
  entry: unknown,
  size: number,
  min: number,
  max: number,
  gfp: number,
): number {
  return mtree_alloc_common(mt, startp, entry, size, min, max, gfp, true);
}

/** `mtree_erase(mt, index)`: erase the range containing `index`. */
export function mtree_erase(mt: MapleTree, index: number): unknown {
  const mas = new MaState(mt, index, index);
  mtree_lock(mt);
  const entry = mas_erase(mas);
  mtree_unlock(mt);
  return entry;
}

/** `__mt_destroy(mt)`: free every node (entries are not freed). */
export function __mt_destroy(mt: MapleTree): void {
  const root = mt.ma_root;
  mt.ma_root = null;
  if (root instanceof MapleNode) mt_destroy_walk(root.id);
  mt.ma_flags = mt_attr(mt);
}

/** `mtree_destroy(mt)`. */
export function mtree_destroy(mt: MapleTree): void {
  mtree_lock(mt);
  __mt_destroy(mt);
  mtree_unlock(mt);
}

/**
 * `mt_find(mt, &index, max)`: the first non-NULL entry at or after `*index`
 * starting at or below `max`; sets `*index` to the entry's last + 1.
 */
export function mt_find(mt: MapleTree, index: ULongPtr, max: number): unknown {
  if (index.value > max) return null;
  // MA_STATE(mas, mt, *index, *index) on a reused state: a read never
  // allocates, so the allocation list stays empty.
  const mas = FIND_MAS;
  mas.tree = mt;
  mas.index = mas.last = index.value;
  mas.node = MAS_NONE;
  mas.min = 0;
  mas.max = ULONG_MAX;
  mas.alloc_req = 0;
  mas.status = ma_start;
  mas.depth = 0;
  mas.offset = 0;
  mas.mas_flags = 0;
  mas.end = 0;
  mas.store_type = wr_invalid;
  mas.err = 0;
  mas.node_request = 0;
  let entry = mas_state_walk(mas);
  if (entry === XA_ZERO_ENTRY) entry = null;
  if (entry === null) {
    while (mas_is_active(mas) && mas.last < max) {
      entry = mas_next_entry(mas, max);
      if (entry !== null && entry !== XA_ZERO_ENTRY) break;
    }
    if (entry === XA_ZERO_ENTRY) entry = null;
  }
  if (entry !== null) {
    index.value = mas.last === ULONG_MAX ? 0 : mas.last + 1;
  }
  mas.node = MAS_NONE;
  return entry;
}

const FIND_MAS = new MaState(new MapleTree());

/** `mt_find_after(mt, &index, max)`. */
export function mt_find_after(
  mt: MapleTree,
  index: ULongPtr,
  max: number,
): unknown {
  if (!index.value) return null;
  return mt_find(mt, index, max);
}

/** `mt_for_each(mt, entry, index, max)` as a generator over the entries. */
export function* mt_for_each(
  mt: MapleTree,
  index: ULongPtr,
  max: number,
): Generator<unknown, void, void> {
  for (
    let entry = mt_find(mt, index, max);
    entry !== null;
    entry = mt_find_after(mt, index, max)
  ) {
    yield entry;
  }
}

export {
  ma_active,
  ma_error,
  ma_none,
  ma_overflow,
  ma_pause,
  ma_root,
  ma_start,
  ma_underflow,
  MAPLE_ALLOC_SLOTS,
  MAPLE_ARANGE64_SLOTS,
  maple_arange_64,
  maple_dense,
  MAPLE_HEIGHT_MAX,
  maple_leaf_64,
  MAPLE_NODE_SIZE,
  MAPLE_NODE_SLOTS,
  MAPLE_RANGE64_SLOTS,
  maple_range_64,
  MAPLE_RESERVED_RANGE,
  maple_type_names,
  MT_FLAGS_ALLOC_RANGE,
  MT_FLAGS_ALLOC_WRAPPED,
  MT_FLAGS_HEIGHT_MASK,
  MT_FLAGS_HEIGHT_OFFSET,
  MT_FLAGS_LOCK_BH,
  MT_FLAGS_LOCK_EXTERN,
  MT_FLAGS_LOCK_IRQ,
  MT_FLAGS_LOCK_MASK,
  MT_FLAGS_USE_RCU,
  mt_is_reserved,
  MT_MIN_SLOTS,
  MT_PIVOTS,
  MT_SLOTS,
  store_type_names,
  wr_append,
  wr_exact_fit,
  wr_invalid,
  wr_new_root,
  wr_node_store,
  wr_rebalance,
  wr_slot_store,
  wr_spanning_store,
  wr_split_store,
  wr_store_root,
  xa_is_advanced,
  xa_is_zero,
  XA_ZERO_ENTRY,
  XaInternal,
} from "./_defs.ts";
export {
  MA_ROOT_PARENT,
  maple_node_cache,
  maple_node_object,
  MapleNode,
  mt_get_alloc_size,
  mt_nr_allocated,
  mt_nr_tallocated,
  mt_nr_tfreed,
  mte_gap,
  mte_node_type,
  mte_parent_node,
  mte_pivot,
  mte_set_gap,
  mte_set_pivot,
  mte_set_slot,
  mte_slot,
} from "./_node_pool.ts";
export {
  __mas_set_range,
  MA_STATE,
  MapleTree,
  mas_alloc_req,
  mas_allocated,
  mas_err,
  mas_init,
  mas_is_err,
  mas_reset,
  mas_set,
  mas_set_range,
  MaState,
  mt_external_lock,
  mt_height_of,
  mt_in_rcu,
  mt_init_flags,
  mt_is_alloc,
  mtree_lock,
  mtree_unlock,
} from "./_state.ts";
export { mas_walk } from "./_walk.ts";
export { mas_empty_area, mas_empty_area_rev } from "./_gap.ts";
export {
  maple_store_counts,
  mas_destroy,
  mas_erase,
  mas_nomem,
  mas_preallocate,
  mas_store,
  mas_store_gfp,
  mas_store_prealloc,
} from "./_write.ts";
export {
  mas_find,
  mas_find_range,
  mas_find_range_rev,
  mas_find_rev,
  mas_for_each,
  mas_next,
  mas_next_range,
  mas_pause,
  mas_prev,
  mas_prev_range,
  mt_next,
  mt_prev,
} from "./_iter.ts";
export {
  mt_dump,
  mt_dump_dec,
  mt_dump_hex,
  mt_dump_reset_ids,
  mt_dump_string,
  mt_node_stats,
  type MtNodeStats,
} from "./dump.ts";
export { mt_validate, mt_validate_report, type MtProblem } from "./validate.ts";
