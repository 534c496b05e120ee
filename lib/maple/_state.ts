// Copyright 2026 the iommulab authors. MIT license.
/**
 * `struct maple_tree`, `struct ma_state`, `struct ma_wr_state`,
 * `struct maple_big_node`, `struct maple_subtree_state`, and the small
 * helpers of lib/maple_tree.c that work on them: state status and range
 * setters, parent links, `ma_data_end()`, and the state's node
 * preallocation (`mas_alloc_nodes()`, `mas_pop_node()`, `mas_push_node()`,
 * `mas_node_count_gfp()`).
 *
 * @module
 */
import {
  __GFP_NOWARN,
  BUG_ON,
  ENOMEM,
  GFP_NOWAIT,
  ULONG_MAX,
  WARN_ON,
} from "../kernel/mod.ts";
import {
  ma_active,
  ma_error,
  ma_none,
  ma_overflow,
  ma_root,
  ma_start,
  MA_STATE_PREALLOC,
  ma_underflow,
  MAPLE_ALLOC_SLOTS,
  MAPLE_ARANGE64_SLOTS,
  maple_arange_64,
  MAPLE_HEIGHT_MAX,
  MAPLE_RANGE64_SLOTS,
  maple_range_64,
  MT_FLAGS_ALLOC_RANGE,
  MT_FLAGS_HEIGHT_MASK,
  MT_FLAGS_HEIGHT_OFFSET,
  MT_FLAGS_LOCK_EXTERN,
  MT_FLAGS_LOCK_MASK,
  MT_FLAGS_USE_RCU,
  mt_pivots,
  wr_invalid,
} from "./_defs.ts";
import {
  MA_ERROR_NODE,
  MA_ROOT_PARENT,
  MAS_NONE,
  mt_alloc_bulk,
  mt_alloc_one,
  mt_free_one,
  NEND,
  NMGAP,
  node_clear,
  NPARENT,
  NPSLOT,
  NTYPE,
  PIV,
} from "./_node_pool.ts";

/** `struct maple_tree`. */
export class MapleTree {
  /** `ma_flags`. */
  ma_flags = 0;
  /** `ma_root`: null, a root entry, or the root node. */
  ma_root: unknown = null;
  /** `ma_external_lock` (lockdep map of the external lock). */
  ma_external_lock: unknown = null;
  /** Internal lock held (`mtree_lock`). */
  ma_lock_held = false;
  /** Creates a tree, like `MTREE_INIT(name, flags)`. */
  constructor(flags = 0) {
    mt_init_flags(this, flags);
  }
}

/** `struct ma_state`. */
export class MaState {
  /** The tree. */
  tree: MapleTree;
  /** Range start. */
  index: number;
  /** Range end. */
  last: number;
  /** The node (a node number; 0 when there is none). */
  node: number = MAS_NONE;
  /** Implied minimum of the node. */
  min = 0;
  /** Implied maximum of the node. */
  max: number = ULONG_MAX;
  /** Preallocated nodes (`mas->alloc`). */
  alloc: number[] = [];
  /** Outstanding allocation request (`mas_alloc_req`). */
  alloc_req = 0;
  /** `enum maple_status`. */
  status: number = ma_start;
  /** Depth of the walk. */
  depth = 0;
  /** Offset in the node. */
  offset = 0;
  /** `mas_flags`. */
  mas_flags = 0;
  /** End of data in the node. */
  end = 0;
  /** `enum store_type` computed by the last classification. */
  store_type: number = wr_invalid;
  /** The error when `status == ma_error` (`xa_err(mas->node)`). */
  err = 0;
  /** Nodes the last `mas_preallocate` requested (6.18's `node_request`). */
  node_request = 0;

  /** `MA_STATE(name, mt, first, end)`. */
  constructor(tree: MapleTree, first = 0, end = first) {
    this.tree = tree;
    this.index = first;
    this.last = end;
  }

  /** `*this = *src` (struct copy; the allocation list is shared). */
  copy(src: MaState): void {
    this.tree = src.tree;
    this.index = src.index;
    this.last = src.last;
    this.node = src.node;
    this.min = src.min;
    this.max = src.max;
    this.alloc = src.alloc;
    this.alloc_req = src.alloc_req;
    this.status = src.status;
    this.depth = src.depth;
    this.offset = src.offset;
    this.mas_flags = src.mas_flags;
    this.end = src.end;
    this.store_type = src.store_type;
    this.err = src.err;
    this.node_request = src.node_request;
  }
}

/** `MA_STATE(name, mt, first, end)`. */
export function MA_STATE(
  mt: MapleTree,
  first: number,
  end: number = first,
): MaState {
  return new MaState(mt, first, end);
}

/** `struct ma_wr_state`. */
export class MaWrState {
  mas: MaState;
  node: number = MAS_NONE;
  r_min = 0;
  r_max = 0;
  type = 0;
  offset_end = 0;
  /** Base of the node's pivots in PIV (`wr_mas->pivots`). */
  pivots = 0;
  end_piv = 0;
  /** Base of the node's slots in SLOT (`wr_mas->slots`). */
  slots = 0;
  entry: unknown;
  content: unknown = null;
  constructor(mas: MaState, entry: unknown) {
    this.mas = mas;
    this.entry = entry;
  }
}

// Write states of the top-level write paths, reused: taken with wr_get(),
// given back with wr_put() (a fault hook may nest a write, which then takes
// another state).
const WR_FREE: MaWrState[] = [];

/** `wr_get()` (lib/maple_tree.c). */
export function wr_get(mas: MaState, entry: unknown): MaWrState {
  if (WR_FREE.length === 0) return new MaWrState(mas, entry);
  const w = WR_FREE.pop()!;
  w.mas = mas;
  w.node = MAS_NONE;
  w.r_min = 0;
  w.r_max = 0;
  w.type = 0;
  w.offset_end = 0;
  w.pivots = 0;
  w.end_piv = 0;
  w.slots = 0;
  w.entry = entry;
  w.content = null;
  return w;
}

/** Returns `w`'s content and gives `w` back. */
export function wr_put(w: MaWrState): unknown {
  const content = w.content;
  w.entry = null;
  w.content = null;
  WR_FREE.push(w);
  return content;
}

const MAPLE_BIG_NODE_SLOTS = MAPLE_RANGE64_SLOTS * 2 + 2;

const MAPLE_BIG_NODE_GAPS = MAPLE_ARANGE64_SLOTS * 2 + 1;

/** `struct maple_big_node`. */
export class MapleBigNode {
  pivot: number[] = new_num_array(MAPLE_BIG_NODE_SLOTS + 8);
  slot: unknown[] = new_null_array(MAPLE_BIG_NODE_SLOTS + 8);
  gap: number[] = new_num_array(MAPLE_BIG_NODE_SLOTS + MAPLE_BIG_NODE_GAPS);
  b_end = 0;
  type = 0;
  clear(): void {
    const p = this.pivot;
    for (let i = 0; i < p.length; i++) p[i] = 0;
    const s = this.slot;
    for (let i = 0; i < s.length; i++) s[i] = null;
    const g = this.gap;
    for (let i = 0; i < g.length; i++) g[i] = 0;
    this.b_end = 0;
    this.type = 0;
  }
}

/**
 * A number array of `n` zeros held as unboxed doubles (PACKED_DOUBLE), so
 * that indices up to 2^53-1 never change its representation.
 */
function new_num_array(n: number): number[] {
  const a = [0.5];
  for (let i = 1; i < n; i++) a.push(0.5);
  for (let i = 0; i < n; i++) a[i] = 0;
  return a;
}

/** A packed array of `n` nulls. */
function new_null_array(n: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}

/** `struct maple_subtree_state`. */
export class MapleSubtreeState {
  orig_l!: MaState;
  orig_r!: MaState;
  l!: MaState;
  m!: MaState;
  r!: MaState;
  bn!: MapleBigNode;
}

/** `mt_height()` (lib/maple_tree.c). */
export function mt_height(mt: MapleTree): number {
  return (mt.ma_flags & MT_FLAGS_HEIGHT_MASK) >> MT_FLAGS_HEIGHT_OFFSET;
}

/** `mt_height(mt)`: height of the tree. */
export function mt_height_of(mt: MapleTree): number {
  return mt_height(mt);
}

/** `mas_set_height()` (lib/maple_tree.c). */
export function mas_set_height(mas: MaState): void {
  let f = mas.tree.ma_flags & ~MT_FLAGS_HEIGHT_MASK;
  BUG_ON(mas.depth > MAPLE_HEIGHT_MAX, "maple tree too high");
  f |= mas.depth << MT_FLAGS_HEIGHT_OFFSET;
  mas.tree.ma_flags = f;
}

/** `mas_mt_height()` (lib/maple_tree.c). */
export function mas_mt_height(mas: MaState): number {
  return mt_height(mas.tree);
}

/** `mt_attr()` (lib/maple_tree.c). */
export function mt_attr(mt: MapleTree): number {
  return mt.ma_flags & ~MT_FLAGS_HEIGHT_MASK;
}

/** `ma_is_leaf()` (lib/maple_tree.c). */
export function ma_is_leaf(type: number): boolean {
  return type < maple_range_64;
}

/** `mte_is_leaf()` (lib/maple_tree.c). */
export function mte_is_leaf(node: number): boolean {
  return NTYPE[node] < maple_range_64;
}

/** `ma_is_root()` (lib/maple_tree.c). */
export function ma_is_root(node: number): boolean {
  return NPARENT[node] === MA_ROOT_PARENT;
}

/** `mte_is_root()` (lib/maple_tree.c). */
export function mte_is_root(node: number): boolean {
  return NPARENT[node] === MA_ROOT_PARENT;
}

/** `mas_is_root_limits()` (lib/maple_tree.c). */
export function mas_is_root_limits(mas: MaState): boolean {
  return mas.min === 0 && mas.max === ULONG_MAX;
}

/** `ma_dead_node()` (lib/maple_tree.c). */
export function ma_dead_node(node: number): boolean {
  return NPARENT[node] === node;
}

/** `mt_is_alloc(mt)`. */
export function mt_is_alloc(mt: MapleTree): boolean {
  return (mt.ma_flags & MT_FLAGS_ALLOC_RANGE) !== 0;
}

/** `mt_in_rcu(mt)`. */
export function mt_in_rcu(mt: MapleTree): boolean {
  return (mt.ma_flags & MT_FLAGS_USE_RCU) !== 0;
}

/** `mt_external_lock(mt)`. */
export function mt_external_lock(mt: MapleTree): boolean {
  return (mt.ma_flags & MT_FLAGS_LOCK_MASK) === MT_FLAGS_LOCK_EXTERN;
}

/** What `mas->node` holds in the error state (`MA_ERROR(err)`). */
export function mas_set_err(mas: MaState, err: number): void {
  mas.node = MA_ERROR_NODE;
  mas.err = err;
  mas.status = ma_error;
}

/** `mas_is_ptr()` (lib/maple_tree.c). */
export function mas_is_ptr(mas: MaState): boolean {
  return mas.status === ma_root;
}

/** `mas_is_start()` (lib/maple_tree.c). */
export function mas_is_start(mas: MaState): boolean {
  return mas.status === ma_start;
}

/** `mas_is_none()` (lib/maple_tree.c). */
export function mas_is_none(mas: MaState): boolean {
  return mas.status === ma_none;
}

/** `mas_is_overflow()` (lib/maple_tree.c). */
export function mas_is_overflow(mas: MaState): boolean {
  return mas.status === ma_overflow;
}

/** `mas_is_underflow()` (lib/maple_tree.c). */
export function mas_is_underflow(mas: MaState): boolean {
  return mas.status === ma_underflow;
}

/** `mas_is_active()` (lib/maple_tree.c). */
export function mas_is_active(mas: MaState): boolean {
  return mas.status === ma_active;
}

/** `mas_is_err(mas)`. */
export function mas_is_err(mas: MaState): boolean {
  return mas.status === ma_error;
}

/** `xa_err(mas->node)`: the error held by a state, 0 if none. */
export function mas_err(mas: MaState): number {
  return mas.status === ma_error ? mas.err : 0;
}

/** `mas_reset(mas)`. */
export function mas_reset(mas: MaState): void {
  mas.status = ma_start;
  mas.node = MAS_NONE;
}

/** `mas_set_range(mas, start, last)`. */
export function mas_set_range(
  mas: MaState,
  start: number,
  last: number,
): void {
  mas_reset(mas);
  mas.index = start;
  mas.last = last;
}

/** `__mas_set_range(mas, start, last)`: set the range, keep the status. */
export function __mas_set_range(
  mas: MaState,
  start: number,
  last: number,
): void {
  mas.index = start;
  mas.last = last;
}

/** `mas_set(mas, index)`. */
export function mas_set(mas: MaState, index: number): void {
  mas_set_range(mas, index, index);
}

/** `mas_init(mas, tree, addr)`. */
export function mas_init(mas: MaState, tree: MapleTree, addr: number): void {
  mas.tree = tree;
  mas.index = mas.last = addr;
  mas.max = ULONG_MAX;
  mas.min = 0;
  mas.status = ma_start;
  mas.node = MAS_NONE;
  mas.alloc = [];
  mas.alloc_req = 0;
  mas.depth = 0;
  mas.offset = 0;
  mas.mas_flags = 0;
  mas.end = 0;
  mas.store_type = wr_invalid;
  mas.err = 0;
}

/** `mas_parent_type()` (lib/maple_tree.c). */
export function mas_parent_type(mas: MaState, _node: number): number {
  return mt_is_alloc(mas.tree) ? maple_arange_64 : maple_range_64;
}

/** mas_set_parent() */
export function mas_set_parent(
  _mas: MaState,
  node: number,
  parent: number,
  slot: number,
): void {
  NPARENT[node] = parent;
  NPSLOT[node] = slot;
}

/** mte_parent_slot() */
export function mte_parent_slot(node: number): number {
  if (NPARENT[node] === MA_ROOT_PARENT) return 0;
  return NPSLOT[node];
}

/** `mte_parent()` (lib/maple_tree.c). */
export function mte_parent(node: number): number {
  return NPARENT[node]!;
}

/** `mte_set_node_dead()` (lib/maple_tree.c). */
export function mte_set_node_dead(node: number): void {
  NPARENT[node] = node;
}

/** mas_safe_pivot() */
export function mas_safe_pivot(
  mas: MaState,
  pivots: number,
  piv: number,
  type: number,
): number {
  if (piv >= mt_pivots[type]) return mas.max;
  return PIV[pivots + piv];
}

/** mas_safe_min() */
export function mas_safe_min(
  mas: MaState,
  pivots: number,
  offset: number,
): number {
  if (offset) return PIV[pivots + offset - 1] + 1;
  return mas.min;
}

/** `ma_set_meta()` (lib/maple_tree.c). */
export function ma_set_meta(
  node: number,
  _type: number,
  offset: number,
  end: number,
): void {
  NMGAP[node] = offset;
  NEND[node] = end;
}

/** ma_data_end() */
export function ma_data_end(
  node: number,
  type: number,
  pivots: number,
  max: number,
): number {
  if (type === maple_arange_64) return NEND[node];
  const offset = mt_pivots[type] - 1;
  if (PIV[pivots + offset] === 0) return NEND[node];
  if (PIV[pivots + offset] === max) return offset;
  return mt_pivots[type];
}

/** mas_data_end() */
export function mas_data_end(mas: MaState): number {
  const node = mas.node;
  return ma_data_end(node, NTYPE[node], node << 4, mas.max);
}

/** `mas_allocated(mas)`: nodes held by the state. */
export function mas_allocated(mas: MaState): number {
  return mas.alloc.length;
}

/** `mas_alloc_req(mas)`: nodes still requested. */
export function mas_alloc_req(mas: MaState): number {
  return mas.alloc_req;
}

/** `mas_set_alloc_req()` (lib/maple_tree.c). */
export function mas_set_alloc_req(mas: MaState, count: number): void {
  mas.alloc_req = count;
}

/** mas_pop_node() */
export function mas_pop_node(mas: MaState): number {
  const total = mas.alloc.length;
  if (WARN_ON(!total)) {
    throw new Error("maple: mas_pop_node() with no preallocated node");
  }
  const ret = mas.alloc.pop()!;
  if (mas.alloc_req) mas.alloc_req++;
  node_clear(ret);
  return ret;
}

/** mas_push_node() */
export function mas_push_node(mas: MaState, used: number): void {
  const requested = mas.alloc_req;
  mas.alloc.push(used);
  if (requested > 1) mas.alloc_req = requested - 1;
}

/** mas_alloc_nodes() */
export function mas_alloc_nodes(mas: MaState, gfp: number): void {
  const allocated = mas.alloc.length;
  let requested = mas.alloc_req;
  if (!requested) return;
  mas.alloc_req = 0;
  if (mas.mas_flags & MA_STATE_PREALLOC) {
    if (allocated) return;
    BUG_ON(!allocated, "mas_alloc_nodes with MA_STATE_PREALLOC");
  }
  if (!allocated || allocated % (MAPLE_ALLOC_SLOTS + 1) === 0) {
    const node = mt_alloc_one(gfp);
    if (node === MAS_NONE) {
      mas.alloc_req = requested;
      mas_set_err(mas, -ENOMEM);
      return;
    }
    mas.alloc.push(node);
    requested--;
  }
  while (requested) {
    const room = MAPLE_ALLOC_SLOTS -
      ((mas.alloc.length - 1) % (MAPLE_ALLOC_SLOTS + 1));
    const max_req = requested < room ? requested : room;
    const count = mt_alloc_bulk(gfp, max_req, mas.alloc);
    if (!count) {
      mas.alloc_req = requested;
      mas_set_err(mas, -ENOMEM);
      return;
    }
    requested -= count;
  }
}

/** mas_free() */
export function mas_free(mas: MaState, used: number): void {
  if (mt_in_rcu(mas.tree)) {
    // ma_free_rcu(): the lab has no readers in flight, free at once.
    mt_free_one(used);
  } else {
    mas_push_node(mas, used);
  }
}

/** mas_node_count_gfp() */
export function mas_node_count_gfp(
  mas: MaState,
  count: number,
  gfp: number,
): void {
  const allocated = mas.alloc.length;
  if (allocated < count) {
    mas_set_alloc_req(mas, count - allocated);
    mas_alloc_nodes(mas, gfp);
  }
}

/** mas_node_count() */
export function mas_node_count(mas: MaState, count: number): void {
  mas_node_count_gfp(mas, count, GFP_NOWAIT | __GFP_NOWARN);
}

/** `mt_init_flags(mt, flags)`. */
export function mt_init_flags(mt: MapleTree, flags: number): void {
  mt.ma_flags = flags;
  mt.ma_root = null;
  mt.ma_lock_held = false;
}

/** `mtree_lock(mt)`. */
export function mtree_lock(mt: MapleTree): void {
  mt.ma_lock_held = true;
}

/** `mtree_unlock(mt)`. */
export function mtree_unlock(mt: MapleTree): void {
  mt.ma_lock_held = false;
}
