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
 * @module
 */
import {
  __GFP_NOWARN,
  BUG_ON,
  declare_fault_point,
  EBUSY,
  EEXIST,
  EINVAL,
  ENOMEM,
  GFP_KERNEL,
  GFP_NOWAIT,
  gfpflags_allow_blocking,
  kasan_check,
  kasan_enabled,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
  type KmemCache,
  pr_info,
  should_fail,
  ULONG_MAX,
  type ULongPtr,
  WARN_ON,
  WARN_ON_ONCE,
} from "../kernel/mod.ts";

// ---------------------------------------------------------------------------
// Constants (include/linux/maple_tree.h, 64-bit)

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

const MA_STATE_BULK = 1;
const MA_STATE_REBALANCE = 2;
const MA_STATE_PREALLOC = 4;

const mt_slots = [MAPLE_NODE_SLOTS, 16, 16, 10];
const mt_pivots = [0, 15, 15, 9];
const mt_min_slots = [MAPLE_NODE_SLOTS >> 1, 6, 6, 4];

/** `mt_slots[]`, `mt_pivots[]`, `mt_min_slots[]` per node type. */
export const MT_SLOTS: readonly number[] = mt_slots;
/** `mt_pivots[]` per node type. */
export const MT_PIVOTS: readonly number[] = mt_pivots;
/** `mt_min_slots[]` per node type. */
export const MT_MIN_SLOTS: readonly number[] = mt_min_slots;

// ---------------------------------------------------------------------------
// Entries

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

// ---------------------------------------------------------------------------
// Nodes
//
// Node memory is pooled: node `n` (a small integer, the lab's `maple_enode`)
// keeps its pivots in PIV[16n .. 16n+14], its slots in SLOT[16n .. 16n+15]
// and its gaps in GAP[16n .. 16n+9]; type, parent, parent slot and the
// metadata are per-node typed arrays. Internal nodes hold child node numbers
// in their slots. Every node still comes from the `maple_node` slab cache:
// the slab object is a {@link MapleNode} handle naming the node number, so
// the cache accounts for 256 bytes per node, `maple.node_alloc` and slab
// fault injection apply, and KASAN sees double frees. A freed node number is
// quarantined (not reused) while KASAN tracks objects, so that a stale node
// reached later still resolves to its freed handle and `mt_validate`
// reports the use-after-free.

/** No node (`NULL`). */
const MAS_NONE = 0;
/** The parent of a root node: stands for the tree (`MA_ROOT_PARENT`). */
export const MA_ROOT_PARENT = 1;
/** What `mas->node` holds in the error state (`MA_ERROR(err)`). */
const MA_ERROR_NODE = 2;
/** First node number handed out. */
const FIRST_NODE = 3;

let pool_cap = 1024;
let PIV = new Float64Array(pool_cap << 4);
let GAP = new Float64Array(pool_cap << 4);
const SLOT: unknown[] = [];
let NTYPE = new Uint8Array(pool_cap);
let NPARENT = new Int32Array(pool_cap);
let NPSLOT = new Uint8Array(pool_cap);
let NEND = new Uint8Array(pool_cap);
let NMGAP = new Uint8Array(pool_cap);
let NFREED = new Uint8Array(pool_cap);
const NODE_OBJ: (MapleNode | null)[] = [];
for (let i = 0; i < pool_cap; i++) NODE_OBJ.push(null);
for (let i = 0; i < pool_cap << 4; i++) SLOT.push(null);
let pool_next = FIRST_NODE;
const pool_free: number[] = [];
const QUARANTINE = 4096;
const pool_quarantine = new Int32Array(QUARANTINE);
let pool_q_head = 0;
let pool_q_len = 0;

function pool_grow(): void {
  const cap = pool_cap * 2;
  const grow_f = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
    const b = new Float64Array(cap << 4);
    b.set(a);
    return b;
  };
  PIV = grow_f(PIV);
  GAP = grow_f(GAP);
  const grow_u8 = (a: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => {
    const b = new Uint8Array(cap);
    b.set(a);
    return b;
  };
  NTYPE = grow_u8(NTYPE);
  NPSLOT = grow_u8(NPSLOT);
  NEND = grow_u8(NEND);
  NMGAP = grow_u8(NMGAP);
  NFREED = grow_u8(NFREED);
  const p = new Int32Array(cap);
  p.set(NPARENT);
  NPARENT = p;
  for (let i = pool_cap; i < cap; i++) NODE_OBJ.push(null);
  for (let i = pool_cap << 4; i < cap << 4; i++) SLOT.push(null);
  pool_cap = cap;
}

// A node number for a new slab object.
function pool_get(): number {
  if (pool_free.length) return pool_free.pop()!;
  if (pool_next === pool_cap) pool_grow();
  return pool_next++;
}

// The slab freed node n's object: its number may be reused, after the
// quarantine when KASAN tracks objects.
function pool_put(n: number): void {
  if (!kasan_enabled()) {
    pool_free.push(n);
    return;
  }
  if (pool_q_len === QUARANTINE) {
    pool_free.push(pool_quarantine[pool_q_head]);
    pool_q_head = (pool_q_head + 1) % QUARANTINE;
    pool_q_len--;
  }
  pool_quarantine[(pool_q_head + pool_q_len) % QUARANTINE] = n;
  pool_q_len++;
}

// memset(node, 0, sizeof(*node))
function node_clear(n: number): void {
  NTYPE[n] = 0;
  NPARENT[n] = MAS_NONE;
  NPSLOT[n] = 0;
  NEND[n] = 0;
  NMGAP[n] = 0;
  const b = n << 4;
  const piv = PIV;
  const gap = GAP;
  const slot = SLOT;
  for (let i = b; i < b + 16; i++) {
    piv[i] = 0;
    gap[i] = 0;
    slot[i] = null;
  }
}

/**
 * The slab object of a maple node (`struct maple_node` as the slab sees
 * it): names the node's number in the node pool.
 */
export class MapleNode {
  /** The node number (the lab's `maple_enode`). */
  readonly id: number;
  /** Creates a handle for node `id`. */
  constructor(id: number) {
    this.id = id;
  }
}

/** The slab object of node `n` (the freed one while `n` is quarantined). */
export function maple_node_object(n: number): MapleNode | null {
  return n >= FIRST_NODE && n < pool_cap ? NODE_OBJ[n] : null;
}

/** `enum maple_type` of node `n`. */
export function mte_node_type(n: number): number {
  return NTYPE[n];
}
/** Pivot `i` of node `n`. */
export function mte_pivot(n: number, i: number): number {
  return PIV[(n << 4) + i];
}
/** Sets pivot `i` of node `n` (for corrupting trees in tests). */
export function mte_set_pivot(n: number, i: number, v: number): void {
  PIV[(n << 4) + i] = v;
}
/** Slot `i` of node `n`: an entry, or a child node number. */
export function mte_slot(n: number, i: number): unknown {
  return SLOT[(n << 4) + i];
}
/** Sets slot `i` of node `n` (for corrupting trees in tests). */
export function mte_set_slot(n: number, i: number, v: unknown): void {
  SLOT[(n << 4) + i] = v;
}
/** Gap `i` of node `n` (arange nodes). */
export function mte_gap(n: number, i: number): number {
  return GAP[(n << 4) + i];
}
/** Sets gap `i` of node `n` (for corrupting trees in tests). */
export function mte_set_gap(n: number, i: number, v: number): void {
  GAP[(n << 4) + i] = v;
}
/** The parent node number of node `n` ({@link MA_ROOT_PARENT} for a root). */
export function mte_parent_node(n: number): number {
  return NPARENT[n];
}

const node_cache: KmemCache<MapleNode> = kmem_cache_create(
  "maple_node",
  MAPLE_NODE_SIZE,
  MAPLE_NODE_SIZE,
  0,
  () => new MapleNode(pool_get()),
);
/** The slab cache nodes come from (`maple_node_cache`). */
export const maple_node_cache: KmemCache<MapleNode> = node_cache;
const FP_NODE_ALLOC = declare_fault_point("maple.node_alloc");

function node_from_slab(gfp: number): number {
  const obj = kmem_cache_alloc(node_cache, gfp);
  if (obj === null) return MAS_NONE;
  const n = obj.id;
  NODE_OBJ[n] = obj;
  NFREED[n] = 0;
  return n;
}

// mt_alloc_one()
function mt_alloc_one(gfp: number): number {
  if (should_fail(FP_NODE_ALLOC)) return MAS_NONE;
  return node_from_slab(gfp);
}

// mt_alloc_bulk(): all or nothing.
function mt_alloc_bulk(gfp: number, size: number, out: number[]): number {
  if (should_fail(FP_NODE_ALLOC)) return 0;
  const start = out.length;
  for (let i = 0; i < size; i++) {
    const n = node_from_slab(gfp);
    if (n === MAS_NONE) {
      while (out.length > start) mt_free_one(out.pop()!);
      return 0;
    }
    out.push(n);
  }
  return size;
}

// mt_free_one()
function mt_free_one(node: number): void {
  kmem_cache_free(node_cache, NODE_OBJ[node]);
  if (NFREED[node]) return; // a double free (reported by the slab)
  NFREED[node] = 1;
  pool_put(node);
}

/** `mt_nr_allocated()`: maple nodes currently allocated. */
export function mt_nr_allocated(): number {
  return node_cache.stats.live_objects;
}
/** `mt_nr_tallocated()`: maple nodes allocated in total. */
export function mt_nr_tallocated(): number {
  return node_cache.stats.total_allocs;
}
/** Maple nodes freed in total. */
export function mt_nr_tfreed(): number {
  return node_cache.stats.total_frees;
}
/** `mt_get_alloc_size()`: bytes of live maple nodes. */
export function mt_get_alloc_size(): number {
  return node_cache.stats.live_bytes;
}

// ---------------------------------------------------------------------------
// The tree and the states

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
class MaWrState {
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

const MAPLE_BIG_NODE_SLOTS = MAPLE_RANGE64_SLOTS * 2 + 2;
const MAPLE_BIG_NODE_GAPS = MAPLE_ARANGE64_SLOTS * 2 + 1;

/** `struct maple_big_node`. */
class MapleBigNode {
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
class MapleSubtreeState {
  orig_l!: MaState;
  orig_r!: MaState;
  l!: MaState;
  m!: MaState;
  r!: MaState;
  bn!: MapleBigNode;
}

// ---------------------------------------------------------------------------
// Small helpers

function mt_height(mt: MapleTree): number {
  return (mt.ma_flags & MT_FLAGS_HEIGHT_MASK) >> MT_FLAGS_HEIGHT_OFFSET;
}
/** `mt_height(mt)`: height of the tree. */
export function mt_height_of(mt: MapleTree): number {
  return mt_height(mt);
}
function mas_set_height(mas: MaState): void {
  let f = mas.tree.ma_flags & ~MT_FLAGS_HEIGHT_MASK;
  BUG_ON(mas.depth > MAPLE_HEIGHT_MAX, "maple tree too high");
  f |= mas.depth << MT_FLAGS_HEIGHT_OFFSET;
  mas.tree.ma_flags = f;
}
function mas_mt_height(mas: MaState): number {
  return mt_height(mas.tree);
}
function mt_attr(mt: MapleTree): number {
  return mt.ma_flags & ~MT_FLAGS_HEIGHT_MASK;
}
function ma_is_leaf(type: number): boolean {
  return type < maple_range_64;
}
function mte_is_leaf(node: number): boolean {
  return NTYPE[node] < maple_range_64;
}
function ma_is_root(node: number): boolean {
  return NPARENT[node] === MA_ROOT_PARENT;
}
function mte_is_root(node: number): boolean {
  return NPARENT[node] === MA_ROOT_PARENT;
}
function mas_is_root_limits(mas: MaState): boolean {
  return mas.min === 0 && mas.max === ULONG_MAX;
}
function ma_dead_node(node: number): boolean {
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
function mas_set_err(mas: MaState, err: number): void {
  mas.node = MA_ERROR_NODE;
  mas.err = err;
  mas.status = ma_error;
}
function mas_is_ptr(mas: MaState): boolean {
  return mas.status === ma_root;
}
function mas_is_start(mas: MaState): boolean {
  return mas.status === ma_start;
}
function mas_is_none(mas: MaState): boolean {
  return mas.status === ma_none;
}
function mas_is_overflow(mas: MaState): boolean {
  return mas.status === ma_overflow;
}
function mas_is_underflow(mas: MaState): boolean {
  return mas.status === ma_underflow;
}
function mas_is_active(mas: MaState): boolean {
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

function mas_parent_type(mas: MaState, _node: number): number {
  return mt_is_alloc(mas.tree) ? maple_arange_64 : maple_range_64;
}
// mas_set_parent()
function mas_set_parent(
  _mas: MaState,
  node: number,
  parent: number,
  slot: number,
): void {
  NPARENT[node] = parent;
  NPSLOT[node] = slot;
}
// mte_parent_slot()
function mte_parent_slot(node: number): number {
  if (NPARENT[node] === MA_ROOT_PARENT) return 0;
  return NPSLOT[node];
}
function mte_parent(node: number): number {
  return NPARENT[node]!;
}
function mte_set_node_dead(node: number): void {
  NPARENT[node] = node;
}
// mas_safe_pivot()
function mas_safe_pivot(
  mas: MaState,
  pivots: number,
  piv: number,
  type: number,
): number {
  if (piv >= mt_pivots[type]) return mas.max;
  return PIV[pivots + piv];
}
// mas_safe_min()
function mas_safe_min(
  mas: MaState,
  pivots: number,
  offset: number,
): number {
  if (offset) return PIV[pivots + offset - 1] + 1;
  return mas.min;
}
function ma_set_meta(
  node: number,
  _type: number,
  offset: number,
  end: number,
): void {
  NMGAP[node] = offset;
  NEND[node] = end;
}
// ma_data_end()
function ma_data_end(
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
// mas_data_end()
function mas_data_end(mas: MaState): number {
  const node = mas.node;
  return ma_data_end(node, NTYPE[node], node << 4, mas.max);
}

// mas_descend()
function mas_descend(mas: MaState): void {
  const node = mas.node;
  const pivots = node << 4;
  if (mas.offset) mas.min = PIV[pivots + mas.offset - 1] + 1;
  mas.max = mas_safe_pivot(mas, pivots, mas.offset, NTYPE[node]);
  mas.node = SLOT[(node << 4) + mas.offset] as number;
}

// mas_ascend()
function mas_ascend(mas: MaState): number {
  const piv_ = PIV;
  let a_node = mas.node;
  if (ma_is_root(a_node)) {
    mas.offset = 0;
    return 0;
  }
  const p_node = mte_parent(a_node);
  if (a_node === p_node) return 1;
  mas.offset = mte_parent_slot(a_node);
  let a_enode = p_node;
  mas.node = a_enode;
  if (mte_is_root(a_enode)) {
    mas.max = ULONG_MAX;
    mas.min = 0;
    return 0;
  }
  let min = 0;
  let max = ULONG_MAX;
  let set_min = false;
  let set_max = false;
  if (!mas.offset) {
    min = mas.min;
    set_min = true;
  }
  if (mas.max === ULONG_MAX) set_max = true;
  do {
    const p_enode = a_enode;
    const a_type = mas_parent_type(mas, p_enode);
    a_node = mte_parent(p_enode);
    const a_slot = mte_parent_slot(p_enode);
    a_enode = a_node;
    const pivots = a_node << 4;
    if (ma_dead_node(a_node)) return 1;
    if (!set_min && a_slot) {
      set_min = true;
      min = piv_[pivots + a_slot - 1] + 1;
    }
    if (!set_max && a_slot < mt_pivots[a_type]) {
      set_max = true;
      max = piv_[pivots + a_slot];
    }
    if (ma_is_root(a_node)) break;
  } while (!set_min || !set_max);
  mas.max = max;
  mas.min = min;
  return 0;
}

// ---------------------------------------------------------------------------
// Node allocation bookkeeping (mas_alloc_nodes and friends)

/** `mas_allocated(mas)`: nodes held by the state. */
export function mas_allocated(mas: MaState): number {
  return mas.alloc.length;
}
/** `mas_alloc_req(mas)`: nodes still requested. */
export function mas_alloc_req(mas: MaState): number {
  return mas.alloc_req;
}
function mas_set_alloc_req(mas: MaState, count: number): void {
  mas.alloc_req = count;
}

// mas_pop_node()
function mas_pop_node(mas: MaState): number {
  const total = mas.alloc.length;
  if (WARN_ON(!total)) {
    throw new Error("maple: mas_pop_node() with no preallocated node");
  }
  const ret = mas.alloc.pop()!;
  if (mas.alloc_req) mas.alloc_req++;
  node_clear(ret);
  return ret;
}

// mas_push_node()
function mas_push_node(mas: MaState, used: number): void {
  const requested = mas.alloc_req;
  mas.alloc.push(used);
  if (requested > 1) mas.alloc_req = requested - 1;
}

// mas_alloc_nodes()
function mas_alloc_nodes(mas: MaState, gfp: number): void {
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

// mas_free()
function mas_free(mas: MaState, used: number): void {
  if (mt_in_rcu(mas.tree)) {
    // ma_free_rcu(): the lab has no readers in flight, free at once.
    mt_free_one(used);
  } else {
    mas_push_node(mas, used);
  }
}

// mas_node_count_gfp()
function mas_node_count_gfp(mas: MaState, count: number, gfp: number): void {
  const allocated = mas.alloc.length;
  if (allocated < count) {
    mas_set_alloc_req(mas, count - allocated);
    mas_alloc_nodes(mas, gfp);
  }
}
// mas_node_count()
function mas_node_count(mas: MaState, count: number): void {
  mas_node_count_gfp(mas, count, GFP_NOWAIT | __GFP_NOWARN);
}

// mas_start()
function mas_start(mas: MaState): unknown {
  if (mas_is_start(mas)) {
    mas.min = 0;
    mas.max = ULONG_MAX;
    mas.depth = 0;
    const root = mas.tree.ma_root;
    if (root instanceof MapleNode) {
      mas.depth = 1;
      mas.status = ma_active;
      mas.node = root.id;
      mas.offset = 0;
      return null;
    }
    mas.node = MAS_NONE;
    if (root === null) {
      mas.status = ma_none;
      mas.offset = MAPLE_NODE_SLOTS;
      return null;
    }
    mas.status = ma_root;
    mas.offset = MAPLE_NODE_SLOTS;
    if (mas.index > 0) return null;
    return root;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Gaps

// mas_leaf_max_gap()
function mas_leaf_max_gap(mas: MaState): number {
  const piv_ = PIV;
  const slot_ = SLOT;
  const ntype_ = NTYPE;
  const mn = mas.node;
  const slots = mn << 4;
  const pivots = mn << 4;
  let max_gap = 0;
  let gap = 0;
  let i: number;
  if (slot_[slots + 0] === null) {
    max_gap = piv_[pivots + 0] - mas.min + 1;
    i = 2;
  } else {
    i = 1;
  }
  const end = ma_data_end(mn, ntype_[mn], pivots, mas.max);
  if (end === 0) {
    // A single-slot node (only a root leaf can be one).
    return slot_[slots + 0] === null ? mas.max - mas.min + 1 : 0;
  }
  const max_piv = end - 1;
  if (mas.max === ULONG_MAX && slot_[slots + max_piv + 1] === null) {
    gap = ULONG_MAX - piv_[pivots + max_piv];
    if (gap > max_gap) max_gap = gap;
    if (max_gap > piv_[pivots + max_piv] - mas.min) return max_gap;
  }
  for (; i <= max_piv; i++) {
    if (slot_[slots + i] !== null) continue;
    const pstart = piv_[pivots + i - 1];
    gap = piv_[pivots + i] - pstart;
    if (gap > max_gap) max_gap = gap;
    i++; // There cannot be two gaps in a row.
  }
  return max_gap;
}

// ma_max_gap(): returns [max_gap, offset] via the scratch.
let ma_max_gap_off = 0;
function ma_max_gap(node: number, gaps: number): number {
  let i = NEND[node];
  let offset = i;
  let max_gap = 0;
  do {
    if (GAP[gaps + i] > max_gap) {
      max_gap = GAP[gaps + i];
      offset = i;
    }
  } while (i--);
  ma_max_gap_off = offset;
  return max_gap;
}

// mas_max_gap()
function mas_max_gap(mas: MaState): number {
  const node = mas.node;
  if (ma_is_leaf(NTYPE[node])) return mas_leaf_max_gap(mas);
  return GAP[(node << 4) + NMGAP[node]];
}

// mas_parent_gap()
function mas_parent_gap(mas: MaState, offset: number, nw: number): void {
  const gap_ = GAP;
  const nmgap_ = NMGAP;
  let penode = mte_parent(mas.node);
  let pnode = penode;
  for (;;) {
    const pgaps = pnode << 4;
    let meta_offset = nmgap_[pnode];
    const meta_gap = gap_[pgaps + meta_offset];
    gap_[pgaps + offset] = nw;
    if (meta_gap === nw) return;
    if (offset !== meta_offset) {
      if (meta_gap > nw) return;
      nmgap_[pnode] = offset;
    } else if (nw < meta_gap) {
      nw = ma_max_gap(pnode, pgaps);
      meta_offset = ma_max_gap_off;
      nmgap_[pnode] = meta_offset;
    }
    if (ma_is_root(pnode)) return;
    offset = mte_parent_slot(penode);
    pnode = mte_parent(penode);
    penode = pnode;
  }
}

// mas_update_gap()
function mas_update_gap(mas: MaState): void {
  if (!mt_is_alloc(mas.tree)) return;
  const node = mas.node;
  if (mte_is_root(node)) return;
  const max_gap = mas_max_gap(mas);
  const pslot = mte_parent_slot(node);
  const p_gap = GAP[(mte_parent(node) << 4) + pslot];
  if (p_gap !== max_gap) mas_parent_gap(mas, pslot, max_gap);
}

// mas_adopt_children()
function mas_adopt_children(mas: MaState, parent: number): void {
  const slots = parent << 4;
  let offset = ma_data_end(parent, NTYPE[parent], parent << 4, mas.max);
  do {
    const child = SLOT[slots + offset] as number;
    mas_set_parent(mas, child, parent, offset);
  } while (offset--);
}

// mas_put_in_tree()
function mas_put_in_tree(mas: MaState, old_enode: number): void {
  const node = mas.node;
  if (mte_is_root(node)) {
    NPARENT[node] = MA_ROOT_PARENT;
    NPSLOT[node] = 0;
    mas.tree.ma_root = NODE_OBJ[node];
    mas_set_height(mas);
  } else {
    const offset = mte_parent_slot(node);
    SLOT[(mte_parent(node) << 4) + offset] = node;
  }
  mte_set_node_dead(old_enode);
}

// mas_replace_node()
function mas_replace_node(mas: MaState, old_enode: number): void {
  mas_put_in_tree(mas, old_enode);
  mas_free(mas, old_enode);
}

// mas_find_child()
function mas_find_child(mas: MaState, child: MaState): boolean {
  const node = mas.node;
  const slots = node << 4;
  const end = ma_data_end(node, NTYPE[node], node << 4, mas.max);
  for (let offset = mas.offset; offset <= end; offset++) {
    const entry = SLOT[slots + offset] as number;
    if (mte_parent(entry) === node) {
      child.copy(mas);
      mas.offset = offset + 1;
      child.offset = offset;
      mas_descend(child);
      child.offset = 0;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Big node helpers

// mab_shift_right()
function mab_shift_right(b_node: MapleBigNode, shift: number): void {
  const size = b_node.b_end;
  b_node.pivot.copyWithin(shift, 0, size);
  b_node.slot.copyWithin(shift, 0, size);
  if (b_node.type === maple_arange_64) b_node.gap.copyWithin(shift, 0, size);
}

// mab_middle_node()
function mab_middle_node(
  b_node: MapleBigNode,
  split: number,
  slot_count: number,
): boolean {
  const size = b_node.b_end;
  if (size >= 2 * slot_count) return true;
  if (b_node.slot[split] === null && size >= 2 * slot_count - 1) return true;
  return false;
}

// mab_no_null_split()
function mab_no_null_split(
  b_node: MapleBigNode,
  split: number,
  slot_count: number,
): number {
  if (b_node.slot[split] === null) {
    if (
      split < slot_count - 1 &&
      b_node.b_end - split > mt_min_slots[b_node.type]
    ) {
      split++;
    } else {
      split--;
    }
  }
  return split;
}

// mab_calc_split(): returns split; mid_split in the scratch below.
let calc_mid_split = 0;
function mab_calc_split(mas: MaState, bn: MapleBigNode): number {
  const b_end = bn.b_end;
  let split = b_end >> 1;
  const slot_count = mt_slots[bn.type];
  if (mas.mas_flags & MA_STATE_BULK) {
    calc_mid_split = 0;
    split = b_end - mt_min_slots[bn.type];
    if (!ma_is_leaf(bn.type)) return split;
    mas.mas_flags |= MA_STATE_REBALANCE;
    if (bn.slot[split] === null) split--;
    return split;
  }
  let mid_split: number;
  if (mab_middle_node(bn, split, slot_count)) {
    split = Math.floor(b_end / 3);
    mid_split = split * 2;
  } else {
    mid_split = 0;
  }
  split = mab_no_null_split(bn, split, slot_count);
  if (mid_split) mid_split = mab_no_null_split(bn, mid_split, slot_count);
  calc_mid_split = mid_split;
  return split;
}

// mas_mab_cp()
function mas_mab_cp(
  mas: MaState,
  mas_start: number,
  mas_end: number,
  b_node: MapleBigNode,
  mab_start: number,
): void {
  const node = mas.node;
  const mt = NTYPE[node];
  const pivots = node << 4;
  let i = mas_start;
  let j = mab_start;
  complete: {
    if (!i) {
      b_node.pivot[j] = PIV[pivots + i++];
      if (i > mas_end) break complete;
      j++;
    }
    const piv_end = mas_end < mt_pivots[mt] ? mas_end : mt_pivots[mt];
    for (; i < piv_end; i++, j++) {
      b_node.pivot[j] = PIV[pivots + i];
      if (!b_node.pivot[j]) break;
      if (mas.max === b_node.pivot[j]) break complete;
    }
    if (i <= mas_end) b_node.pivot[j] = mas_safe_pivot(mas, pivots, i, mt);
  }
  b_node.b_end = ++j;
  j -= mab_start;
  const slots = node << 4;
  for (let k = 0; k < j; k++) {
    b_node.slot[mab_start + k] = SLOT[slots + mas_start + k];
  }
  if (!ma_is_leaf(mt) && mt_is_alloc(mas.tree)) {
    const gaps = node << 4;
    for (let k = 0; k < j; k++) {
      b_node.gap[mab_start + k] = GAP[gaps + mas_start + k];
    }
  }
}

// mas_leaf_set_meta()
function mas_leaf_set_meta(node: number, mt: number, end: number): void {
  if (end < mt_slots[mt] - 1) ma_set_meta(node, mt, 0, end);
}

// mab_mas_cp()
function mab_mas_cp(
  b_node: MapleBigNode,
  mab_start: number,
  mab_end: number,
  mas: MaState,
  new_max: boolean,
): void {
  const node = mas.node;
  const mt = NTYPE[node];
  const slots = node << 4;
  const pivots = node << 4;
  let i: number;
  let j = 0;
  if (mab_end - mab_start > mt_pivots[mt]) mab_end--;
  if (!PIV[pivots + (mt_pivots[mt] - 1)]) SLOT[slots + (mt_pivots[mt])] = null;
  i = mab_start;
  do {
    // pivot[15] of a range node is slot[0] in the kernel's layout (written
    // here, then overwritten by the slot copy): skip it, so that the pivot
    // array keeps its 15 elements.
    if (j < MAPLE_RANGE64_SLOTS - 1) PIV[pivots + j] = b_node.pivot[i];
    j++;
    i++;
  } while (i <= mab_end && b_node.pivot[i]);
  for (let k = 0; k < i - mab_start; k++) {
    SLOT[slots + k] = b_node.slot[mab_start + k];
  }
  if (new_max) mas.max = b_node.pivot[i - 1];
  const end = j - 1;
  if (!ma_is_leaf(mt) && mt_is_alloc(mas.tree)) {
    let max_gap = 0;
    let offset = 0;
    const gaps = node << 4;
    do {
      GAP[gaps + --j] = b_node.gap[--i];
      if (GAP[gaps + j] > max_gap) {
        offset = j;
        max_gap = GAP[gaps + j];
      }
    } while (j);
    ma_set_meta(node, mt, offset, end);
  } else {
    mas_leaf_set_meta(node, mt, end);
  }
}

// mas_store_b_node()
function mas_store_b_node(
  wr_mas: MaWrState,
  b_node: MapleBigNode,
  offset_end: number,
): void {
  const mas = wr_mas.mas;
  b_node.type = wr_mas.type;
  let b_end = 0;
  let slot = mas.offset;
  let piv: number;
  if (slot) {
    mas_mab_cp(mas, 0, slot - 1, b_node, 0);
    b_end = b_node.b_end;
    piv = b_node.pivot[b_end - 1];
  } else {
    piv = mas.min - 1;
  }
  if (piv + 1 < mas.index) {
    b_node.slot[b_end] = wr_mas.content;
    if (wr_mas.content === null) b_node.gap[b_end] = mas.index - 1 - piv;
    b_node.pivot[b_end++] = mas.index - 1;
  }
  mas.offset = b_end;
  b_node.slot[b_end] = wr_mas.entry;
  b_node.pivot[b_end] = mas.last;
  if (mas.last >= mas.max) {
    b_node.b_end = b_end;
    return;
  }
  piv = mas_safe_pivot(mas, wr_mas.pivots, offset_end, wr_mas.type);
  if (piv > mas.last) {
    if (offset_end !== slot) wr_mas.content = SLOT[wr_mas.slots + offset_end];
    b_node.slot[++b_end] = wr_mas.content;
    if (wr_mas.content === null) b_node.gap[b_end] = piv - mas.last + 1;
    b_node.pivot[b_end] = piv;
  }
  slot = offset_end + 1;
  if (slot > mas.end) {
    b_node.b_end = b_end;
    return;
  }
  mas_mab_cp(mas, slot, mas.end + 1, b_node, ++b_end);
  b_node.b_end--;
}

// mas_prev_sibling()
function mas_prev_sibling(mas: MaState): boolean {
  const p_slot = mte_parent_slot(mas.node);
  if (mte_is_root(mas.node)) return false;
  if (!p_slot) return false;
  mas_ascend(mas);
  mas.offset = p_slot - 1;
  mas_descend(mas);
  return true;
}

// mas_next_sibling()
function mas_next_sibling(mas: MaState): boolean {
  if (mte_is_root(mas.node)) return false;
  const parent = new MaState(mas.tree, mas.index, mas.last);
  parent.copy(mas);
  mas_ascend(parent);
  parent.offset = mte_parent_slot(mas.node) + 1;
  if (parent.offset > mas_data_end(parent)) return false;
  mas.copy(parent);
  mas_descend(mas);
  return true;
}

// mas_node_or_none()
function mas_node_or_none(mas: MaState, enode: number): void {
  if (enode !== MAS_NONE) {
    mas.node = enode;
    mas.status = ma_active;
  } else {
    mas.node = MAS_NONE;
    mas.status = ma_none;
  }
}

// mas_wr_node_walk()
function mas_wr_node_walk(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  const node = mas.node;
  wr_mas.node = node;
  const pivots = node << 4;
  wr_mas.pivots = pivots;
  const count = mas.end = ma_data_end(node, wr_mas.type, pivots, mas.max);
  let offset = mas.offset;
  const index = mas.index;
  while (offset < count && index > PIV[pivots + offset]) offset++;
  wr_mas.r_max = offset < count ? PIV[pivots + offset] : mas.max;
  wr_mas.r_min = mas_safe_min(mas, pivots, offset);
  wr_mas.offset_end = mas.offset = offset;
}

// ---------------------------------------------------------------------------
// Rebalance and spanning store

// mast_rebalance_next()
function mast_rebalance_next(mast: MapleSubtreeState): void {
  const b_end = mast.bn.b_end;
  mas_mab_cp(mast.orig_r, 0, mt_slots[NTYPE[mast.orig_r.node]], mast.bn, b_end);
  mast.orig_r.last = mast.orig_r.max;
}

// mast_rebalance_prev()
function mast_rebalance_prev(mast: MapleSubtreeState): void {
  const end = mas_data_end(mast.orig_l) + 1;
  const b_end = mast.bn.b_end;
  mab_shift_right(mast.bn, end);
  mas_mab_cp(mast.orig_l, 0, end - 1, mast.bn, 0);
  mast.l.min = mast.orig_l.min;
  mast.orig_l.index = mast.orig_l.min;
  mast.bn.b_end = end + b_end;
  mast.l.offset += end;
}

// mast_spanning_rebalance()
function mast_spanning_rebalance(mast: MapleSubtreeState): boolean {
  const r_tmp = new MaState(mast.orig_r.tree);
  r_tmp.copy(mast.orig_r);
  const l_tmp = new MaState(mast.orig_l.tree);
  l_tmp.copy(mast.orig_l);
  let depth = 0;
  do {
    mas_ascend(mast.orig_r);
    mas_ascend(mast.orig_l);
    depth++;
    if (mast.orig_r.offset < mas_data_end(mast.orig_r)) {
      mast.orig_r.offset++;
      do {
        mas_descend(mast.orig_r);
        mast.orig_r.offset = 0;
      } while (--depth);
      mast_rebalance_next(mast);
      mast.orig_l.copy(l_tmp);
      return true;
    } else if (mast.orig_l.offset !== 0) {
      mast.orig_l.offset--;
      do {
        mas_descend(mast.orig_l);
        mast.orig_l.offset = mas_data_end(mast.orig_l);
      } while (--depth);
      mast_rebalance_prev(mast);
      mast.orig_r.copy(r_tmp);
      return true;
    }
  } while (!mte_is_root(mast.orig_r.node));
  mast.orig_r.copy(r_tmp);
  mast.orig_l.copy(l_tmp);
  return false;
}

// mast_ascend()
function mast_ascend(mast: MapleSubtreeState): void {
  const wr_mas = new MaWrState(mast.orig_r, null);
  mas_ascend(mast.orig_l);
  mas_ascend(mast.orig_r);
  mast.orig_r.offset = 0;
  mast.orig_r.index = mast.r.max;
  if (mast.orig_r.last < mast.orig_r.index) {
    mast.orig_r.last = mast.orig_r.index;
  }
  wr_mas.type = NTYPE[mast.orig_r.node];
  mas_wr_node_walk(wr_mas);
  mast.orig_l.offset = 0;
  mast.orig_l.index = mast.l.min;
  wr_mas.mas = mast.orig_l;
  wr_mas.type = NTYPE[mast.orig_l.node];
  mas_wr_node_walk(wr_mas);
  mast.bn.type = wr_mas.type;
}

// mas_new_ma_node()
function mas_new_ma_node(mas: MaState, b_node: MapleBigNode): number {
  const n = mas_pop_node(mas);
  NTYPE[n] = b_node.type;
  return n;
}

// mas_mab_to_node(): returns split; nodes in the scratch below.
let m2n_left: number = MAS_NONE;
let m2n_right: number = MAS_NONE;
let m2n_middle: number = MAS_NONE;
let m2n_mid_split = 0;
function mas_mab_to_node(mas: MaState, b_node: MapleBigNode): number {
  let split = 0;
  const slot_count = mt_slots[b_node.type];
  m2n_left = mas_new_ma_node(mas, b_node);
  m2n_right = MAS_NONE;
  m2n_middle = MAS_NONE;
  m2n_mid_split = 0;
  if (b_node.b_end < slot_count) {
    split = b_node.b_end;
  } else {
    split = mab_calc_split(mas, b_node);
    m2n_mid_split = calc_mid_split;
    m2n_right = mas_new_ma_node(mas, b_node);
  }
  if (m2n_mid_split) m2n_middle = mas_new_ma_node(mas, b_node);
  return split;
}

// mab_set_b_end()
function mab_set_b_end(
  b_node: MapleBigNode,
  mas: MaState,
  entry: number,
): void {
  if (entry === MAS_NONE) return;
  b_node.slot[b_node.b_end] = entry;
  if (mt_is_alloc(mas.tree)) b_node.gap[b_node.b_end] = mas_max_gap(mas);
  b_node.pivot[b_node.b_end++] = mas.max;
}

// mas_set_split_parent(): slot is passed in and returned.
function mas_set_split_parent(
  mas: MaState,
  left: number,
  right: number,
  slot: number,
  split: number,
): number {
  if (mas_is_none(mas)) return slot;
  if (slot <= split) mas_set_parent(mas, mas.node, left, slot);
  else if (right !== MAS_NONE) {
    mas_set_parent(mas, mas.node, right, slot - split - 1);
  }
  return slot + 1;
}

// mast_set_split_parents() with mte_mid_split_check() inlined.
function mast_set_split_parents(
  mast: MapleSubtreeState,
  left: number,
  middle: number,
  right: number,
  split: number,
  mid_split: number,
): void {
  let l = left;
  let r: number = right;
  if (mas_is_none(mast.l)) return;
  if (middle !== MAS_NONE) r = middle;
  let slot = mast.l.offset;
  // mte_mid_split_check() before each mas_set_split_parent()
  if (r !== right && slot >= mid_split) {
    l = r;
    r = right;
    split = mid_split;
  }
  slot = mas_set_split_parent(mast.l, l, r, slot, split);
  if (r !== right && slot >= mid_split) {
    l = r;
    r = right;
    split = mid_split;
  }
  slot = mas_set_split_parent(mast.m, l, r, slot, split);
  if (r !== right && slot >= mid_split) {
    l = r;
    r = right;
    split = mid_split;
  }
  slot = mas_set_split_parent(mast.r, l, r, slot, split);
}

// mas_topiary_node()
function mas_topiary_node(mas: MaState, tmp_mas: MaState, in_rcu: boolean) {
  if (mas_is_none(tmp_mas)) return;
  const enode = tmp_mas.node;
  mte_set_node_dead(enode);
  if (in_rcu) mt_free_one(enode);
  else mas_push_node(mas, enode);
}

// The two sets of three states mas_topiary_replace() walks with, reused:
// the function never nests, and each use starts from MA_STATE(mt, 0, 0).
const TOPIARY_STATES: MaState[][] = [];
function new_states(mt: MapleTree, set: number): MaState[] {
  if (TOPIARY_STATES.length === 0) {
    for (let i = 0; i < 2; i++) {
      TOPIARY_STATES.push([new MaState(mt), new MaState(mt), new MaState(mt)]);
    }
  }
  const states = TOPIARY_STATES[set];
  for (let i = 0; i < 3; i++) {
    const s = states[i];
    s.tree = mt;
    s.index = s.last = 0;
    s.node = MAS_NONE;
    s.min = 0;
    s.max = ULONG_MAX;
    s.alloc = [];
    s.alloc_req = 0;
    s.status = ma_start;
    s.depth = 0;
    s.offset = 0;
    s.mas_flags = 0;
    s.end = 0;
    s.store_type = wr_invalid;
    s.err = 0;
    s.node_request = 0;
  }
  return states;
}

// mas_topiary_replace()
function mas_topiary_replace(mas: MaState, old_enode: number): void {
  const subtrees: number[] = [];
  let tmp = new_states(mas.tree, 0);
  let tmp_next = new_states(mas.tree, 1);
  mas_put_in_tree(mas, old_enode);
  tmp[0].copy(mas);
  tmp[0].offset = 0;
  tmp[1].status = ma_none;
  tmp[2].status = ma_none;
  while (!mte_is_leaf(tmp[0].node)) {
    let n = 0;
    for (let i = 0; i < 3; i++) {
      if (mas_is_none(tmp[i])) continue;
      while (n < 3) {
        if (!mas_find_child(tmp[i], tmp_next[n])) break;
        n++;
      }
      mas_adopt_children(tmp[i], tmp[i].node);
    }
    if (WARN_ON(n === 0)) break;
    while (n < 3) tmp_next[n++].status = ma_none;
    const t = tmp;
    tmp = tmp_next;
    tmp_next = t;
  }
  if (mte_is_leaf(old_enode)) {
    mas_free(mas, old_enode);
    return;
  }
  tmp[0].copy(mas);
  tmp[0].offset = 0;
  tmp[0].node = old_enode;
  tmp[1].status = ma_none;
  tmp[2].status = ma_none;
  const in_rcu = mt_in_rcu(mas.tree);
  do {
    let n = 0;
    for (let i = 0; i < 3; i++) {
      if (mas_is_none(tmp[i])) continue;
      while (n < 3) {
        if (!mas_find_child(tmp[i], tmp_next[n])) break;
        if (
          tmp_next[n].min >= tmp_next[0].index &&
          tmp_next[n].max <= tmp_next[0].last
        ) {
          mte_set_node_dead(tmp_next[n].node);
          subtrees.push(tmp_next[n].node);
          tmp_next[n].status = ma_none;
        } else {
          n++;
        }
      }
    }
    if (WARN_ON(n === 0)) break;
    while (n < 3) tmp_next[n++].status = ma_none;
    for (let i = 0; i < 3; i++) mas_topiary_node(mas, tmp[i], in_rcu);
    const t = tmp;
    tmp = tmp_next;
    tmp_next = t;
  } while (!mte_is_leaf(tmp[0].node));
  for (let i = 0; i < 3; i++) mas_topiary_node(mas, tmp[i], in_rcu);
  // mas_mat_destroy()
  for (const s of subtrees) mt_destroy_walk(s);
}

// mas_wmb_replace()
function mas_wmb_replace(mas: MaState, old_enode: number): void {
  mas_topiary_replace(mas, old_enode);
  if (mte_is_leaf(mas.node)) return;
  mas_update_gap(mas);
}

// mast_cp_to_nodes()
function mast_cp_to_nodes(
  mast: MapleSubtreeState,
  left: number,
  middle: number,
  right: number,
  split: number,
  mid_split: number,
): void {
  let new_lmax = true;
  mas_node_or_none(mast.l, left);
  mas_node_or_none(mast.m, middle);
  mas_node_or_none(mast.r, right);
  mast.l.min = mast.orig_l.min;
  if (split === mast.bn.b_end) {
    mast.l.max = mast.orig_r.max;
    new_lmax = false;
  }
  mab_mas_cp(mast.bn, 0, split, mast.l, new_lmax);
  if (middle !== MAS_NONE) {
    mab_mas_cp(mast.bn, 1 + split, mid_split, mast.m, true);
    mast.m.min = mast.bn.pivot[split] + 1;
    split = mid_split;
  }
  mast.r.max = mast.orig_r.max;
  if (right !== MAS_NONE) {
    mab_mas_cp(mast.bn, 1 + split, mast.bn.b_end, mast.r, false);
    mast.r.min = mast.bn.pivot[split] + 1;
  }
}

// mast_combine_cp_left()
function mast_combine_cp_left(mast: MapleSubtreeState): void {
  const l_slot = mast.orig_l.offset;
  if (!l_slot) return;
  mas_mab_cp(mast.orig_l, 0, l_slot - 1, mast.bn, 0);
}

// mast_combine_cp_right()
function mast_combine_cp_right(mast: MapleSubtreeState): void {
  if (mast.bn.pivot[mast.bn.b_end - 1] >= mast.orig_r.max) return;
  mas_mab_cp(
    mast.orig_r,
    mast.orig_r.offset + 1,
    mt_slots[NTYPE[mast.orig_r.node]],
    mast.bn,
    mast.bn.b_end,
  );
  mast.orig_r.last = mast.orig_r.max;
}

function mast_sufficient(mast: MapleSubtreeState): boolean {
  return mast.bn.b_end > mt_min_slots[NTYPE[mast.orig_l.node]];
}
function mast_overflow(mast: MapleSubtreeState): boolean {
  return mast.bn.b_end >= mt_slots[NTYPE[mast.orig_l.node]];
}

// mtree_range_walk()
function mtree_range_walk(mas: MaState): unknown {
  const piv = PIV;
  const slot = SLOT;
  const ntype = NTYPE;
  const nend = NEND;
  let node: number = mas.node;
  let min = mas.min;
  let max = mas.max;
  const index = mas.index;
  for (;;) {
    const type = ntype[node];
    const base = node << 4;
    // ma_data_end()
    let end: number;
    if (type === maple_arange_64) {
      end = nend[node];
    } else if (type === maple_dense) {
      end = ma_data_end(node, type, base, max);
    } else {
      const p = piv[base + 14];
      end = p === 0 ? nend[node] : p === max ? 14 : 15;
    }
    const prev_min = min;
    const prev_max = max;
    let offset = 0;
    const p0 = piv[base];
    if (p0 >= index) {
      max = p0;
    } else {
      offset = 1;
      while (offset < end) {
        const p = piv[base + offset];
        if (p >= index) {
          max = p;
          break;
        }
        offset++;
      }
      min = piv[base + offset - 1] + 1;
    }
    const entry = slot[base + offset];
    if (type < maple_range_64) {
      mas.end = end;
      mas.offset = offset;
      mas.index = min;
      mas.last = max;
      mas.min = prev_min;
      mas.max = prev_max;
      mas.node = node;
      return entry;
    }
    node = entry as number;
  }
}

// mas_spanning_rebalance()
function mas_spanning_rebalance(
  mas: MaState,
  mast: MapleSubtreeState,
  count: number,
): void {
  let split: number;
  let mid_split: number;
  let slot = 0;
  let left: number = MAS_NONE;
  let middle: number = MAS_NONE;
  let right: number = MAS_NONE;
  const l_mas = new MaState(mas.tree, mas.index, mas.index);
  const r_mas = new MaState(mas.tree, mas.index, mas.last);
  const m_mas = new MaState(mas.tree, mas.index, mas.index);
  mast.l = l_mas;
  mast.m = m_mas;
  mast.r = r_mas;
  l_mas.status = r_mas.status = m_mas.status = ma_none;

  if (
    (mast.orig_l.min !== 0 || mast.orig_r.max !== ULONG_MAX) &&
    mast.bn.b_end <= mt_min_slots[mast.bn.type]
  ) {
    mast_spanning_rebalance(mast);
  }
  l_mas.depth = 0;
  let new_root = false;
  while (count--) {
    mast.bn.b_end--;
    mast.bn.type = NTYPE[mast.orig_l.node];
    split = mas_mab_to_node(mas, mast.bn);
    left = m2n_left;
    right = m2n_right;
    middle = m2n_middle;
    mid_split = m2n_mid_split;
    mast_set_split_parents(mast, left, middle, right, split, mid_split);
    mast_cp_to_nodes(mast, left, middle, right, split, mid_split);
    mast.bn.clear();
    mast.bn.type = NTYPE[left];
    l_mas.depth++;
    if (mas_is_root_limits(mast.l)) {
      new_root = true;
      break;
    }
    mast_ascend(mast);
    mast_combine_cp_left(mast);
    l_mas.offset = mast.bn.b_end;
    mab_set_b_end(mast.bn, l_mas, left);
    mab_set_b_end(mast.bn, m_mas, middle);
    mab_set_b_end(mast.bn, r_mas, right);
    mast_combine_cp_right(mast);
    mast.orig_l.last = mast.orig_l.max;
    if (mast_sufficient(mast)) continue;
    if (mast_overflow(mast)) continue;
    if (mas_is_root_limits(mast.orig_l)) break;
    mast_spanning_rebalance(mast);
    if (!count) count++;
  }

  if (!new_root) {
    l_mas.node = mas_pop_node(mas);
    NTYPE[l_mas.node] = NTYPE[mast.orig_l.node];
    l_mas.depth++;
    mab_mas_cp(mast.bn, 0, mt_slots[mast.bn.type] - 1, l_mas, true);
    mas_set_parent(mas, left, l_mas.node, slot);
    if (middle !== MAS_NONE) mas_set_parent(mas, middle, l_mas.node, ++slot);
    if (right !== MAS_NONE) mas_set_parent(mas, right, l_mas.node, ++slot);
  }
  if (new_root || mas_is_root_limits(mast.l)) {
    NPARENT[mast.l.node] = MA_ROOT_PARENT;
    NPSLOT[mast.l.node] = 0;
    while (!mte_is_root(mast.orig_l.node)) mast_ascend(mast);
  } else {
    NPARENT[l_mas.node] = NPARENT[mast.orig_l.node];
    NPSLOT[l_mas.node] = NPSLOT[mast.orig_l.node];
  }
  const old_enode = mast.orig_l.node;
  mas.depth = l_mas.depth;
  mas.node = l_mas.node;
  mas.min = l_mas.min;
  mas.max = l_mas.max;
  mas.offset = l_mas.offset;
  mas_wmb_replace(mas, old_enode);
  mtree_range_walk(mas);
}

// mas_rebalance()
function mas_rebalance(mas: MaState, b_node: MapleBigNode): void {
  const empty_count = mas_mt_height(mas);
  const mast = new MapleSubtreeState();
  const b_end = ++b_node.b_end;
  const l_mas = new MaState(mas.tree, mas.index, mas.last);
  const r_mas = new MaState(mas.tree, mas.index, mas.last);
  mast.orig_l = l_mas;
  mast.orig_r = r_mas;
  mast.bn = b_node;
  mast.bn.type = NTYPE[mas.node];
  l_mas.copy(mas);
  r_mas.copy(mas);
  if (mas_next_sibling(r_mas)) {
    mas_mab_cp(r_mas, 0, mt_slots[NTYPE[r_mas.node]], b_node, b_end);
    r_mas.last = r_mas.index = r_mas.max;
  } else {
    mas_prev_sibling(l_mas);
    const shift = mas_data_end(l_mas) + 1;
    mab_shift_right(b_node, shift);
    mas.offset += shift;
    mas_mab_cp(l_mas, 0, shift - 1, b_node, 0);
    b_node.b_end = shift + b_end;
    l_mas.index = l_mas.last = l_mas.min;
  }
  mas_spanning_rebalance(mas, mast, empty_count);
}

// ---------------------------------------------------------------------------
// Split

// mas_split_final_node()
function mas_split_final_node(
  mast: MapleSubtreeState,
  mas: MaState,
  height: number,
): void {
  if (mte_is_root(mas.node)) {
    mast.bn.type = mt_is_alloc(mas.tree) ? maple_arange_64 : maple_range_64;
    mas.depth = height;
  }
  const ancestor = mas_new_ma_node(mas, mast.bn);
  mas_set_parent(mas, mast.l.node, ancestor, mast.l.offset);
  mas_set_parent(mas, mast.r.node, ancestor, mast.r.offset);
  NPARENT[ancestor] = NPARENT[mas.node];
  NPSLOT[ancestor] = NPSLOT[mas.node];
  mast.l.node = ancestor;
  mab_mas_cp(mast.bn, 0, mt_slots[mast.bn.type] - 1, mast.l, true);
  mas.offset = mast.bn.b_end - 1;
}

// mast_fill_bnode()
function mast_fill_bnode(
  mast: MapleSubtreeState,
  mas: MaState,
  skip: number,
): void {
  let cp = true;
  mast.bn.gap.fill(0);
  mast.bn.slot.fill(null);
  mast.bn.pivot.fill(0);
  mast.bn.b_end = 0;
  if (mte_is_root(mas.node)) {
    cp = false;
  } else {
    mas_ascend(mas);
    mas.offset = mte_parent_slot(mas.node);
  }
  if (cp && mast.l.offset) mas_mab_cp(mas, 0, mast.l.offset - 1, mast.bn, 0);
  const split = mast.bn.b_end;
  mab_set_b_end(mast.bn, mast.l, mast.l.node);
  mast.r.offset = mast.bn.b_end;
  mab_set_b_end(mast.bn, mast.r, mast.r.node);
  if (mast.bn.pivot[mast.bn.b_end - 1] === mas.max) cp = false;
  if (cp) {
    mas_mab_cp(
      mas,
      split + skip,
      mt_slots[NTYPE[mas.node]] - 1,
      mast.bn,
      mast.bn.b_end,
    );
  }
  mast.bn.b_end--;
  mast.bn.type = NTYPE[mas.node];
}

// mast_split_data()
function mast_split_data(
  mast: MapleSubtreeState,
  mas: MaState,
  split: number,
): void {
  mab_mas_cp(mast.bn, 0, split, mast.l, true);
  PIV[(mast.r.node << 4) + 0] = mast.r.max; // mte_set_pivot(r, 0, r->max)
  mab_mas_cp(mast.bn, split + 1, mast.bn.b_end, mast.r, false);
  mast.l.offset = mte_parent_slot(mas.node);
  mast.l.max = mast.bn.pivot[split];
  mast.r.min = mast.l.max + 1;
  if (mte_is_leaf(mas.node)) return;
  let p_slot = mast.orig_l.offset;
  p_slot = mas_set_split_parent(
    mast.orig_l,
    mast.l.node,
    mast.r.node,
    p_slot,
    split,
  );
  mas_set_split_parent(mast.orig_r, mast.l.node, mast.r.node, p_slot, split);
}

// mas_push_data()
function mas_push_data(
  mas: MaState,
  height: number,
  mast: MapleSubtreeState,
  left: boolean,
): boolean {
  let slot_total = mast.bn.b_end;
  const tmp_mas = new MaState(mas.tree, mas.index, mas.last);
  tmp_mas.copy(mas);
  tmp_mas.depth = mast.l.depth;
  if (left && !mas_prev_sibling(tmp_mas)) return false;
  else if (!left && !mas_next_sibling(tmp_mas)) return false;
  const end = mas_data_end(tmp_mas);
  slot_total += end;
  let space = 2 * mt_slots[NTYPE[mas.node]] - 2;
  if (ma_is_leaf(mast.bn.type)) space--;
  if (mas.max === ULONG_MAX) space--;
  if (slot_total >= space) return false;
  mast.bn.b_end++;
  if (left) {
    mab_shift_right(mast.bn, end + 1);
    mas_mab_cp(tmp_mas, 0, end, mast.bn, 0);
    mast.bn.b_end = slot_total + 1;
  } else {
    mas_mab_cp(tmp_mas, 0, end, mast.bn, mast.bn.b_end);
  }
  let split = mt_slots[mast.bn.type] - 2;
  if (left) {
    mas.copy(tmp_mas);
    tmp_mas.node = mast.l.node;
    mast.l.copy(tmp_mas);
  } else {
    tmp_mas.node = mast.r.node;
    mast.r.copy(tmp_mas);
    split = slot_total - split;
  }
  split = mab_no_null_split(mast.bn, split, mt_slots[mast.bn.type]);
  if (left) mast.orig_l.offset += end + 1;
  mast_split_data(mast, mas, split);
  mast_fill_bnode(mast, mas, 2);
  mas_split_final_node(mast, mas, height + 1);
  return true;
}

// mas_split()
function mas_split(mas: MaState, b_node: MapleBigNode): void {
  const mast = new MapleSubtreeState();
  let height = 0;
  let split = 0;
  const l_mas = new MaState(mas.tree, mas.index, mas.last);
  const r_mas = new MaState(mas.tree, mas.index, mas.last);
  const prev_l_mas = new MaState(mas.tree, mas.index, mas.last);
  const prev_r_mas = new MaState(mas.tree, mas.index, mas.last);
  mas.depth = mas_mt_height(mas);
  mast.l = l_mas;
  mast.r = r_mas;
  mast.orig_l = prev_l_mas;
  mast.orig_r = prev_r_mas;
  mast.bn = b_node;
  while (height++ <= mas.depth) {
    if (mt_slots[b_node.type] > b_node.b_end) {
      mas_split_final_node(mast, mas, height);
      break;
    }
    l_mas.copy(mas);
    r_mas.copy(mas);
    l_mas.node = mas_new_ma_node(mas, b_node);
    r_mas.node = mas_new_ma_node(mas, b_node);
    if (mas_push_data(mas, height, mast, true)) break;
    if (mas_push_data(mas, height, mast, false)) break;
    split = mab_calc_split(mas, b_node);
    mast_split_data(mast, mas, split);
    mast.r.max = mas.max;
    mast_fill_bnode(mast, mas, 1);
    prev_l_mas.copy(mast.l);
    prev_r_mas.copy(mast.r);
  }
  const old = mas.node;
  mas.node = l_mas.node;
  mas_wmb_replace(mas, old);
  mtree_range_walk(mas);
}

// mas_commit_b_node()
function mas_commit_b_node(wr_mas: MaWrState, b_node: MapleBigNode): void {
  const type = wr_mas.mas.store_type;
  WARN_ON_ONCE(type !== wr_rebalance && type !== wr_split_store);
  if (type === wr_rebalance) return mas_rebalance(wr_mas.mas, b_node);
  return mas_split(wr_mas.mas, b_node);
}

// ---------------------------------------------------------------------------
// Root and walk helpers

function entry_is_internal_root(entry: unknown): boolean {
  // ((unsigned long)entry & 3) == 2: internal entries cannot live in ma_root.
  return entry instanceof XaInternal;
}

// mas_root_expand()
function mas_root_expand(mas: MaState, entry: unknown): number {
  const contents = mas.tree.ma_root;
  const node = mas_pop_node(mas);
  NTYPE[node] = maple_leaf_64;
  const pivots = node << 4;
  const slots = node << 4;
  let slot = 0;
  NPARENT[node] = MA_ROOT_PARENT;
  mas.node = node;
  mas.status = ma_active;
  if (mas.index) {
    if (contents !== null) {
      SLOT[slots + slot] = contents;
      if (mas.index > 1) slot++;
    }
    PIV[pivots + slot++] = mas.index - 1;
  }
  SLOT[slots + slot] = entry;
  mas.offset = slot;
  PIV[pivots + slot] = mas.last;
  if (mas.last !== ULONG_MAX) PIV[pivots + ++slot] = ULONG_MAX;
  mas.depth = 1;
  mas_set_height(mas);
  ma_set_meta(node, maple_leaf_64, 0, slot);
  mas.tree.ma_root = NODE_OBJ[node];
  return slot;
}

// mas_store_root()
function mas_store_root(mas: MaState, entry: unknown): void {
  if (entry === null) {
    if (!mas.index) mas.tree.ma_root = null;
  } else if (mas.last !== 0 || mas.index !== 0) {
    mas_root_expand(mas, entry);
  } else if (entry_is_internal_root(entry)) {
    mas_root_expand(mas, entry);
  } else {
    mas.tree.ma_root = entry;
    mas.status = ma_start;
  }
}

// mas_wr_walk_descend()
function mas_wr_walk_descend(wr_mas: MaWrState): void {
  wr_mas.type = NTYPE[wr_mas.mas.node];
  mas_wr_node_walk(wr_mas);
  wr_mas.slots = wr_mas.node << 4;
}

// mas_wr_walk_traverse()
function mas_wr_walk_traverse(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  mas.max = wr_mas.r_max;
  mas.min = wr_mas.r_min;
  mas.node = wr_mas.content as number;
  mas.offset = 0;
  mas.depth++;
}

// mas_wr_walk(), with mas_wr_walk_descend(), mas_wr_node_walk(),
// mas_is_span_wr() and mas_wr_walk_traverse() inlined; the states are
// written once, when the walk stops.
function mas_wr_walk(wr_mas: MaWrState): boolean {
  const piv_ = PIV;
  const slot_ = SLOT;
  const ntype_ = NTYPE;
  const nend_ = NEND;
  const mas = wr_mas.mas;
  const index = mas.index;
  const last = mas.last;
  const entry_is_null = wr_mas.entry === null;
  let node = mas.node;
  let offset = mas.offset;
  let min = mas.min;
  let max = mas.max;
  let depth = mas.depth;
  let ret: boolean;
  let type: number;
  let pivots: number;
  let slots: number;
  let count: number;
  let r_min: number;
  let r_max: number;
  for (;;) {
    type = ntype_[node];
    pivots = node << 4;
    if (type === maple_arange_64) {
      count = nend_[node];
    } else if (type === maple_dense) {
      count = ma_data_end(node, type, pivots, max);
    } else {
      const p = piv_[pivots + 14];
      count = p === 0 ? nend_[node] : p === max ? 14 : 15;
    }
    while (offset < count && index > piv_[pivots + offset]) offset++;
    r_max = offset < count ? piv_[pivots + offset] : max;
    r_min = offset ? piv_[pivots + offset - 1] + 1 : min;
    slots = node << 4;
    // mas_is_span_wr()
    if (last >= r_max) {
      let m = r_max;
      let span = true;
      if (type < maple_range_64) {
        m = max;
        if (last < m) span = false;
      }
      if (span && last === m && (!entry_is_null || last === ULONG_MAX)) {
        span = false;
      }
      if (span) {
        ret = false;
        break;
      }
    }
    wr_mas.content = slot_[slots + offset];
    if (type < maple_range_64) {
      ret = true;
      break;
    }
    // mas_wr_walk_traverse()
    max = r_max;
    min = r_min;
    node = wr_mas.content as number;
    offset = 0;
    depth++;
  }
  wr_mas.type = type;
  wr_mas.node = node;
  wr_mas.pivots = pivots;
  wr_mas.slots = slots;
  wr_mas.r_max = r_max;
  wr_mas.r_min = r_min;
  wr_mas.offset_end = offset;
  mas.node = node;
  mas.min = min;
  mas.max = max;
  mas.depth = depth;
  mas.end = count;
  mas.offset = offset;
  return ret;
}

// mas_wr_walk_index()
function mas_wr_walk_index(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  for (;;) {
    mas_wr_walk_descend(wr_mas);
    wr_mas.content = SLOT[wr_mas.slots + mas.offset];
    if (ma_is_leaf(wr_mas.type)) return;
    mas_wr_walk_traverse(wr_mas);
  }
}

// mas_extend_spanning_null()
function mas_extend_spanning_null(
  l_wr_mas: MaWrState,
  r_wr_mas: MaWrState,
): void {
  const r_mas = r_wr_mas.mas;
  const l_mas = l_wr_mas.mas;
  const l_slot = l_mas.offset;
  if (l_wr_mas.content === null) l_mas.index = l_wr_mas.r_min;
  if (
    l_mas.index === l_wr_mas.r_min &&
    l_slot && SLOT[l_wr_mas.slots + l_slot - 1] === null
  ) {
    if (l_slot > 1) l_mas.index = PIV[l_wr_mas.pivots + l_slot - 2] + 1;
    else l_mas.index = l_mas.min;
    l_mas.offset = l_slot - 1;
  }
  if (r_wr_mas.content === null) {
    if (r_mas.last < r_wr_mas.r_max) r_mas.last = r_wr_mas.r_max;
    r_mas.offset++;
  } else if (
    r_mas.last === r_wr_mas.r_max &&
    r_mas.last < r_mas.max &&
    SLOT[r_wr_mas.slots + r_mas.offset + 1] === null
  ) {
    // Unreachable in 6.12 (r_mas walked to last + 1); the kernel passes the
    // arguments of mas_safe_pivot() in the wrong order here.
    r_mas.last = mas_safe_pivot(
      r_mas,
      r_wr_mas.pivots,
      r_mas.offset + 1,
      r_wr_mas.type,
    );
    r_mas.offset++;
  }
}

// mas_state_walk()
function mas_state_walk(mas: MaState): unknown {
  const entry = mas_start(mas);
  if (mas_is_none(mas)) return null;
  if (mas_is_ptr(mas)) return entry;
  return mtree_range_walk(mas);
}

// mtree_lookup_walk()
function mtree_lookup_walk(mas: MaState): unknown {
  const piv_ = PIV;
  const slot_ = SLOT;
  const ntype_ = NTYPE;
  let node = mas.node;
  const index = mas.index;
  for (;;) {
    const type = ntype_[node];
    const pivots = node << 4;
    const end = mt_pivots[type];
    let offset = 0;
    do {
      if (piv_[pivots + offset] >= index) break;
    } while (++offset < end);
    const next = slot_[(node << 4) + offset];
    if (type < maple_range_64) return next;
    node = next as number;
  }
}

// mt_destroy_walk(): free a subtree.
function mt_destroy_walk(node: number): void {
  if (!mte_is_leaf(node)) {
    const end = NTYPE[node] === maple_arange_64
      ? NEND[node]
      : mt_data_end_any(node);
    for (let i = 0; i <= end; i++) {
      const c = SLOT[(node << 4) + i];
      if (typeof c === "number") mt_destroy_walk(c);
    }
  }
  mt_free_one(node);
}
// End of data without knowing the node max (internal range_64 nodes).
function mt_data_end_any(node: number): number {
  if (PIV[(node << 4) + 14] === 0) {
    // Either metadata is valid or slot 15 is used with pivot 14 == 0
    // (impossible for an internal node).
    let e = NEND[node];
    while (e + 1 < 16 && typeof SLOT[(node << 4) + e + 1] === "number") e++;
    return e;
  }
  return typeof SLOT[(node << 4) + 15] === "number" ? 15 : 14;
}

// mas_new_root()
function mas_new_root(mas: MaState, entry: unknown): void {
  const root = mas.tree.ma_root;
  if (entry === null && !mas.index && mas.last === ULONG_MAX) {
    mas.depth = 0;
    mas_set_height(mas);
    mas.tree.ma_root = entry;
    mas.status = ma_start;
  } else {
    const node = mas_pop_node(mas);
    NTYPE[node] = maple_leaf_64;
    NPARENT[node] = MA_ROOT_PARENT;
    mas.node = node;
    mas.status = ma_active;
    SLOT[(node << 4) + 0] = entry;
    PIV[(node << 4) + 0] = mas.last;
    mas.depth = 1;
    mas_set_height(mas);
    mas.tree.ma_root = NODE_OBJ[node];
  }
  if (root instanceof MapleNode) mt_destroy_walk(root.id);
}

// mas_wr_spanning_store()
function mas_wr_spanning_store(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  const l_mas = new MaState(mas.tree);
  const r_mas = new MaState(mas.tree);
  const r_wr_mas = new MaWrState(r_mas, wr_mas.entry);
  const l_wr_mas = new MaWrState(l_mas, wr_mas.entry);
  if (!mas.index && mas.last === ULONG_MAX) {
    return mas_new_root(mas, wr_mas.entry);
  }
  const height = mas_mt_height(mas);
  r_mas.copy(mas);
  if (r_mas.last !== ULONG_MAX) r_mas.last++;
  r_mas.index = r_mas.last;
  mas_wr_walk_index(r_wr_mas);
  r_mas.last = r_mas.index = mas.last;
  l_mas.copy(mas);
  mas_wr_walk_index(l_wr_mas);
  if (wr_mas.entry === null) {
    mas_extend_spanning_null(l_wr_mas, r_wr_mas);
    mas.offset = l_mas.offset;
    mas.index = l_mas.index;
    mas.last = l_mas.last = r_mas.last;
  }
  if (!l_mas.index && r_mas.last === ULONG_MAX) {
    mas_set_range(mas, 0, ULONG_MAX);
    return mas_new_root(mas, wr_mas.entry);
  }
  const b_node = scratch_bnode();
  mas_store_b_node(l_wr_mas, b_node, l_mas.end);
  if (r_mas.max > r_mas.last) {
    mas_mab_cp(r_mas, r_mas.offset, r_mas.end, b_node, b_node.b_end + 1);
  } else {
    b_node.b_end++;
  }
  l_mas.index = l_mas.last = mas.index;
  const mast = new MapleSubtreeState();
  mast.bn = b_node;
  mast.orig_l = l_mas;
  mast.orig_r = r_mas;
  mas_spanning_rebalance(mas, mast, height + 1);
}

const BNODE = new MapleBigNode();
function scratch_bnode(): MapleBigNode {
  BNODE.clear();
  return BNODE;
}

// mas_wr_node_store()
function mas_wr_node_store(wr_mas: MaWrState, new_end: number): void {
  const mas = wr_mas.mas;
  let offset_end = wr_mas.offset_end;
  const node_pivots = mt_pivots[wr_mas.type];
  if (mas.last === wr_mas.end_piv) offset_end++;
  if (!mt_in_rcu(mas.tree)) {
    return mas_wr_node_store_inplace(wr_mas, new_end, offset_end);
  }
  const old = mas.node;
  const newnode = mas_pop_node(mas);
  NTYPE[newnode] = wr_mas.type;
  NPARENT[newnode] = NPARENT[old];
  NPSLOT[newnode] = NPSLOT[old];
  const dst_pivots = newnode << 4;
  const dst_slots = newnode << 4;
  const src_pivots = old << 4;
  const src_slots = old << 4;
  let offset = mas.offset;
  for (let i = 0; i < offset; i++) {
    PIV[dst_pivots + i] = PIV[src_pivots + i];
    SLOT[dst_slots + i] = SLOT[src_slots + i];
  }
  if (wr_mas.r_min < mas.index) {
    SLOT[dst_slots + offset] = wr_mas.content;
    PIV[dst_pivots + offset++] = mas.index - 1;
  }
  mas.offset = offset;
  if (offset < node_pivots) PIV[dst_pivots + offset] = mas.last;
  SLOT[dst_slots + offset] = wr_mas.entry;
  const end = mas.end;
  if (offset_end <= end) {
    const dst_offset = offset + 1;
    const copy_size = end - offset_end + 1;
    for (let i = 0; i < copy_size; i++) {
      SLOT[dst_slots + dst_offset + i] = SLOT[src_slots + offset_end + i];
    }
    for (let i = 0; i < copy_size - 1; i++) {
      PIV[dst_pivots + dst_offset + i] = PIV[src_pivots + offset_end + i];
    }
    if (new_end < node_pivots) PIV[dst_pivots + new_end] = mas.max;
  }
  mas_leaf_set_meta(newnode, maple_leaf_64, new_end);
  mas.node = newnode;
  mas_replace_node(mas, old);
  mas_update_gap(mas);
  mas.end = new_end;
}

// mas_wr_node_store() outside RCU mode. The kernel builds the node in an
// on-stack copy (zeroed, then filled like the RCU case) and copies it over
// the old one; this computes the same result in place: the unchanged prefix
// stays, the tail moves, the new range is written, the rest is zeroed.
function mas_wr_node_store_inplace(
  wr_mas: MaWrState,
  new_end: number,
  offset_end: number,
): void {
  const mas = wr_mas.mas;
  const node_pivots = mt_pivots[wr_mas.type];
  const node = mas.node;
  const pivots = node << 4;
  const slots = node << 4;
  let offset = mas.offset;
  const split_first = wr_mas.r_min < mas.index;
  const offset_final = split_first ? offset + 1 : offset;
  const end = mas.end;
  const tail = offset_end <= end;
  let hi_slot = offset_final;
  let hi_piv = offset_final < node_pivots ? offset_final : offset_final - 1;
  if (tail) {
    const dst_offset = offset_final + 1;
    const copy_size = end - offset_end + 1;
    if (dst_offset > offset_end) {
      for (let i = copy_size - 1; i >= 0; i--) {
        SLOT[slots + dst_offset + i] = SLOT[slots + offset_end + i];
      }
      for (let i = copy_size - 2; i >= 0; i--) {
        PIV[pivots + dst_offset + i] = PIV[pivots + offset_end + i];
      }
    } else if (dst_offset < offset_end) {
      for (let i = 0; i < copy_size; i++) {
        SLOT[slots + dst_offset + i] = SLOT[slots + offset_end + i];
      }
      for (let i = 0; i < copy_size - 1; i++) {
        PIV[pivots + dst_offset + i] = PIV[pivots + offset_end + i];
      }
    }
    hi_slot = offset_final + copy_size;
    if (copy_size > 1) hi_piv = offset_final + copy_size - 1;
  }
  if (split_first) {
    SLOT[slots + offset] = wr_mas.content;
    PIV[pivots + offset++] = mas.index - 1;
  }
  mas.offset = offset;
  if (offset < node_pivots) PIV[pivots + offset] = mas.last;
  SLOT[slots + offset] = wr_mas.entry;
  for (let i = hi_slot + 1; i < 16; i++) SLOT[slots + i] = null;
  for (let i = hi_piv + 1; i < 15; i++) PIV[pivots + i] = 0;
  if (tail && new_end < node_pivots) PIV[pivots + new_end] = mas.max;
  const gaps = node << 4;
  for (let i = 0; i < 10; i++) GAP[gaps + i] = 0;
  // mas_leaf_set_meta() on the zeroed copy
  NEND[node] = new_end < mt_slots[maple_leaf_64] - 1 ? new_end : 0;
  NMGAP[node] = 0;
  mas_update_gap(mas);
  mas.end = new_end;
}

// mas_wr_slot_store()
function mas_wr_slot_store(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  const offset = mas.offset;
  const slots = wr_mas.slots;
  let gap = false;
  gap ||= SLOT[slots + offset] === null;
  gap ||= SLOT[slots + offset + 1] === null;
  if (wr_mas.offset_end - offset === 1) {
    if (mas.index === wr_mas.r_min) {
      SLOT[slots + offset] = wr_mas.entry;
      PIV[wr_mas.pivots + offset] = mas.last;
    } else {
      SLOT[slots + offset + 1] = wr_mas.entry;
      PIV[wr_mas.pivots + offset] = mas.index - 1;
      mas.offset++;
    }
  } else if (!mt_in_rcu(mas.tree)) {
    gap ||= SLOT[slots + offset + 2] === null;
    SLOT[slots + offset + 1] = wr_mas.entry;
    PIV[wr_mas.pivots + offset] = mas.index - 1;
    PIV[wr_mas.pivots + offset + 1] = mas.last;
    mas.offset++;
  } else {
    return;
  }
  if (wr_mas.entry === null || gap) mas_update_gap(mas);
}

// mas_wr_extend_null()
function mas_wr_extend_null(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  if (SLOT[wr_mas.slots + wr_mas.offset_end] === null) {
    mas.last = wr_mas.end_piv;
  } else if (
    mas.last === wr_mas.end_piv &&
    mas.end !== wr_mas.offset_end &&
    SLOT[wr_mas.slots + wr_mas.offset_end + 1] === null
  ) {
    wr_mas.offset_end++;
    if (wr_mas.offset_end === mas.end) mas.last = mas.max;
    else mas.last = PIV[wr_mas.pivots + wr_mas.offset_end];
    wr_mas.end_piv = mas.last;
  }
  if (wr_mas.content === null) {
    mas.index = wr_mas.r_min;
  } else if (
    mas.index === wr_mas.r_min && mas.offset &&
    SLOT[wr_mas.slots + mas.offset - 1] === null
  ) {
    mas.offset--;
    wr_mas.r_min = mas.index = mas_safe_min(mas, wr_mas.pivots, mas.offset);
    wr_mas.r_max = PIV[wr_mas.pivots + mas.offset];
  }
}

// mas_wr_end_piv()
function mas_wr_end_piv(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  while (
    wr_mas.offset_end < mas.end &&
    mas.last > PIV[wr_mas.pivots + wr_mas.offset_end]
  ) {
    wr_mas.offset_end++;
  }
  if (wr_mas.offset_end < mas.end) {
    wr_mas.end_piv = PIV[wr_mas.pivots + wr_mas.offset_end];
  } else {
    wr_mas.end_piv = mas.max;
  }
}

// mas_wr_new_end()
function mas_wr_new_end(wr_mas: MaWrState): number {
  const mas = wr_mas.mas;
  let new_end = mas.end + 2;
  new_end -= wr_mas.offset_end - mas.offset;
  if (wr_mas.r_min === mas.index) new_end--;
  if (wr_mas.end_piv === mas.last) new_end--;
  return new_end;
}

// mas_wr_append()
function mas_wr_append(wr_mas: MaWrState, new_end: number): void {
  const mas = wr_mas.mas;
  const end = mas.end;
  const pivots = wr_mas.pivots;
  if (new_end < mt_pivots[wr_mas.type]) {
    PIV[pivots + new_end] = PIV[pivots + end];
    ma_set_meta(wr_mas.node, wr_mas.type, 0, new_end);
  }
  const slots = wr_mas.slots;
  if (new_end === end + 1) {
    if (mas.last === wr_mas.r_max) {
      SLOT[slots + new_end] = wr_mas.entry;
      PIV[pivots + end] = mas.index - 1;
      mas.offset = new_end;
    } else {
      SLOT[slots + new_end] = wr_mas.content;
      PIV[pivots + end] = mas.last;
      SLOT[slots + end] = wr_mas.entry;
    }
  } else {
    SLOT[slots + new_end] = wr_mas.content;
    PIV[pivots + end + 1] = mas.last;
    SLOT[slots + end + 1] = wr_mas.entry;
    PIV[pivots + end] = mas.index - 1;
    mas.offset = end + 1;
  }
  if (wr_mas.content === null || wr_mas.entry === null) mas_update_gap(mas);
  mas.end = new_end;
}

// mas_wr_bnode()
function mas_wr_bnode(wr_mas: MaWrState): void {
  const b_node = scratch_bnode();
  mas_store_b_node(wr_mas, b_node, wr_mas.offset_end);
  mas_commit_b_node(wr_mas, b_node);
}

/** Counters of store types executed, indexed by `enum store_type`. */
export const maple_store_counts: number[] = new Array(10).fill(0);

// mas_wr_store_entry()
function mas_wr_store_entry(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  const new_end = mas_wr_new_end(wr_mas);
  maple_store_counts[mas.store_type]++;
  switch (mas.store_type) {
    case wr_invalid:
      BUG_ON(true, "mas_wr_store_entry: wr_invalid");
      return;
    case wr_new_root:
      mas_new_root(mas, wr_mas.entry);
      break;
    case wr_store_root:
      mas_store_root(mas, wr_mas.entry);
      break;
    case wr_exact_fit:
      SLOT[wr_mas.slots + mas.offset] = wr_mas.entry;
      if ((wr_mas.entry !== null) !== (wr_mas.content !== null)) {
        mas_update_gap(mas);
      }
      break;
    case wr_append:
      mas_wr_append(wr_mas, new_end);
      break;
    case wr_slot_store:
      mas_wr_slot_store(wr_mas);
      break;
    case wr_node_store:
      mas_wr_node_store(wr_mas, new_end);
      break;
    case wr_spanning_store:
      mas_wr_spanning_store(wr_mas);
      break;
    case wr_split_store:
    case wr_rebalance:
      mas_wr_bnode(wr_mas);
      break;
  }
}

// mas_wr_prealloc_setup()
function mas_wr_prealloc_setup(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  let reset = false;
  if (mas_is_start(mas)) {
    // set_content
  } else if (!mas_is_active(mas) && mas.status !== ma_root) {
    reset = true; // paused, none, overflow, underflow (and error)
  } else if (mas.last > mas.max) {
    reset = true;
  } else if (
    wr_mas.entry === null &&
    (mas.node === MAS_NONE || mte_is_leaf(mas.node)) && mas.last === mas.max
  ) {
    reset = true;
  }
  if (reset) mas_reset(mas);
  wr_mas.content = mas_start(mas);
}

// mas_prealloc_calc()
function mas_prealloc_calc(mas: MaState, entry: unknown): number {
  const h = mas_mt_height(mas);
  let ret = h * 3 + 1;
  switch (mas.store_type) {
    case wr_invalid:
      WARN_ON_ONCE(true);
      break;
    case wr_new_root:
      ret = 1;
      break;
    case wr_store_root:
      if (mas.last !== 0 || mas.index !== 0) ret = 1;
      else if (entry_is_internal_root(entry)) ret = 1;
      else ret = 0;
      break;
    case wr_spanning_store:
      ret = h * 3 + 1;
      break;
    case wr_split_store:
      ret = h * 2 + 1;
      break;
    case wr_rebalance:
      ret = h * 2 - 1;
      break;
    case wr_node_store:
      ret = mt_in_rcu(mas.tree) ? 1 : 0;
      break;
    case wr_append:
    case wr_exact_fit:
    case wr_slot_store:
      ret = 0;
  }
  return ret;
}

// mas_wr_store_type()
function mas_wr_store_type(wr_mas: MaWrState): void {
  const mas = wr_mas.mas;
  if (mas_is_none(mas) || mas_is_ptr(mas)) {
    mas.store_type = wr_store_root;
    return;
  }
  if (!mas_wr_walk(wr_mas)) {
    mas.store_type = wr_spanning_store;
    return;
  }
  mas_wr_end_piv(wr_mas);
  if (wr_mas.entry === null) mas_wr_extend_null(wr_mas);
  const new_end = mas_wr_new_end(wr_mas);
  if (wr_mas.r_min === mas.index && wr_mas.r_max === mas.last) {
    mas.store_type = wr_exact_fit;
    return;
  }
  if (!mas.index && mas.last === ULONG_MAX) {
    mas.store_type = wr_new_root;
    return;
  }
  if (new_end < mt_min_slots[wr_mas.type]) {
    if (!mte_is_root(mas.node) && !(mas.mas_flags & MA_STATE_BULK)) {
      mas.store_type = wr_rebalance;
      return;
    }
    mas.store_type = wr_node_store;
    return;
  }
  if (new_end >= mt_slots[wr_mas.type]) {
    mas.store_type = wr_split_store;
    return;
  }
  if (!mt_in_rcu(mas.tree) && mas.offset === mas.end) {
    mas.store_type = wr_append;
    return;
  }
  if (
    new_end === mas.end &&
    (!mt_in_rcu(mas.tree) || wr_mas.offset_end - mas.offset === 1)
  ) {
    mas.store_type = wr_slot_store;
    return;
  }
  if (
    mte_is_root(mas.node) || new_end >= mt_min_slots[wr_mas.type] ||
    (mas.mas_flags & MA_STATE_BULK)
  ) {
    mas.store_type = wr_node_store;
    return;
  }
  mas.store_type = wr_invalid;
  WARN_ON(true);
}

// mas_wr_preallocate()
function mas_wr_preallocate(wr_mas: MaWrState, entry: unknown): void {
  const mas = wr_mas.mas;
  mas_wr_prealloc_setup(wr_mas);
  mas_wr_store_type(wr_mas);
  const request = mas_prealloc_calc(mas, entry);
  if (!request) return;
  mas_node_count(mas, request);
}

// mas_insert()
function mas_insert(mas: MaState, entry: unknown): unknown {
  const wr_mas = new MaWrState(mas, entry);
  wr_mas.content = mas_start(mas);
  if (wr_mas.content !== null) {
    mas_set_err(mas, -EEXIST);
    return wr_mas.content;
  }
  mas_wr_preallocate(wr_mas, entry);
  if (mas_is_err(mas)) return null;
  if (mas.store_type === wr_spanning_store) {
    mas_set_err(mas, -EEXIST);
    return wr_mas.content;
  }
  if (mas.store_type !== wr_new_root && mas.store_type !== wr_store_root) {
    wr_mas.offset_end = mas.offset;
    wr_mas.end_piv = wr_mas.r_max;
    if (wr_mas.content !== null || mas.last > wr_mas.r_max) {
      mas_set_err(mas, -EEXIST);
      return wr_mas.content;
    }
  }
  mas_wr_store_entry(wr_mas);
  return wr_mas.content;
}

// ---------------------------------------------------------------------------
// Navigation

// mas_prev_node()
function mas_prev_node(mas: MaState, min: number): number {
  const piv_ = PIV;
  const slot_ = SLOT;
  const ntype_ = NTYPE;
  let node = mas.node;
  if (!mas.min) {
    mas.status = ma_underflow;
    return 0;
  }
  const max = mas.min - 1;
  if (max < min) {
    mas.status = ma_underflow;
    return 0;
  }
  let level = 0;
  let offset: number;
  do {
    if (ma_is_root(node)) {
      mas.status = ma_underflow;
      return 0;
    }
    if (mas_ascend(mas)) return 1;
    offset = mas.offset;
    level++;
    node = mas.node;
  } while (!offset);
  offset--;
  while (level > 1) {
    level--;
    mas.node = slot_[(node << 4) + offset] as number;
    node = mas.node;
    offset = ma_data_end(node, ntype_[node], node << 4, max);
  }
  mas.node = slot_[(node << 4) + offset] as number;
  const pivots = node << 4;
  if (offset) mas.min = piv_[pivots + offset - 1] + 1;
  mas.max = max;
  mas.offset = mas_data_end(mas);
  mas.end = mas.offset;
  return 0;
}

// mas_prev_slot()
function mas_prev_slot(mas: MaState, min: number, empty: boolean): unknown {
  const piv_ = PIV;
  const slot_ = SLOT;
  let node = mas.node;
  let pivots = node << 4;
  if (mas.min <= min) {
    const pivot = mas_safe_min(mas, pivots, mas.offset);
    if (pivot <= min) {
      mas.status = ma_underflow;
      return null;
    }
  }
  for (;;) {
    if (mas.offset) {
      mas.offset--;
      mas.last = mas.index - 1;
      mas.index = mas_safe_min(mas, pivots, mas.offset);
    } else {
      if (mas.index <= min) {
        mas.status = ma_underflow;
        return null;
      }
      mas_prev_node(mas, min);
      if (WARN_ON_ONCE(mas_is_underflow(mas))) return null;
      mas.last = mas.max;
      node = mas.node;
      pivots = node << 4;
      mas.index = piv_[pivots + mas.offset - 1] + 1;
    }
    const entry = slot_[(node << 4) + mas.offset];
    if (entry !== null) return entry;
    if (!empty) {
      if (mas.index <= min) {
        mas.status = ma_underflow;
        return null;
      }
      continue;
    }
    return entry;
  }
}

// mas_next_node()
function mas_next_node(mas: MaState, node: number, max: number): number {
  const slot_ = SLOT;
  const ntype_ = NTYPE;
  if (mas.max >= max) {
    mas.status = ma_overflow;
    return 0;
  }
  const min = mas.max + 1;
  let level = 0;
  let node_end: number;
  do {
    if (ma_is_root(node)) {
      mas.status = ma_overflow;
      return 0;
    }
    if (mas_ascend(mas)) return 1;
    level++;
    node = mas.node;
    node_end = ma_data_end(node, ntype_[node], node << 4, mas.max);
  } while (mas.offset === node_end);
  mas.offset++;
  let enode = slot_[(node << 4) + mas.offset] as number;
  if (level > 1) mas.offset = 0;
  while (level > 1) {
    level--;
    mas.node = enode;
    node = enode;
    enode = slot_[(node << 4) + 0] as number;
  }
  mas.max = mas_safe_pivot(mas, node << 4, mas.offset, ntype_[node]);
  mas.end = ma_data_end(enode, ntype_[enode], enode << 4, mas.max);
  mas.node = enode;
  mas.min = min;
  return 0;
}

// mas_next_slot()
function mas_next_slot(mas: MaState, max: number, empty: boolean): unknown {
  const piv_ = PIV;
  const slot_ = SLOT;
  let node = mas.node;
  let pivots = node << 4;
  if (mas.max >= max) {
    const pivot = mas.offset < mas.end ? piv_[pivots + mas.offset] : mas.max;
    if (pivot >= max) {
      mas.status = ma_overflow;
      return null;
    }
  }
  let again = false;
  if (mas.offset < mas.end) {
    mas.index = piv_[pivots + mas.offset] + 1;
    again = true;
  }
  for (;;) {
    if (again) {
      mas.offset++;
      if (mas.offset < mas.end) mas.last = piv_[pivots + mas.offset];
      else mas.last = mas.max;
    } else {
      if (mas.last >= max) {
        mas.status = ma_overflow;
        return null;
      }
      mas_next_node(mas, node, max);
      if (WARN_ON_ONCE(mas_is_overflow(mas))) return null;
      mas.offset = 0;
      mas.index = mas.min;
      node = mas.node;
      pivots = node << 4;
      mas.last = piv_[pivots + 0];
    }
    const entry = slot_[(node << 4) + mas.offset];
    if (entry !== null) return entry;
    if (!empty) {
      if (mas.last >= max) {
        mas.status = ma_overflow;
        return null;
      }
      mas.index = mas.last + 1;
      again = mas.offset < mas.end;
      if (!again) continue;
      continue;
    }
    return entry;
  }
}

// mas_next_entry()
function mas_next_entry(mas: MaState, limit: number): unknown {
  if (mas.last >= limit) {
    mas.status = ma_overflow;
    return null;
  }
  return mas_next_slot(mas, limit, false);
}

// ---------------------------------------------------------------------------
// Gap search

let rev_gap_max = 0;

// mas_rev_awalk(), with mas_safe_min() and mas_safe_pivot() inlined.
function mas_rev_awalk(mas: MaState, size: number): boolean {
  const piv_ = PIV;
  const slot_ = SLOT;
  const gap_ = GAP;
  const ntype_ = NTYPE;
  if (mas.status === ma_error) return true;
  const node = mas.node;
  const type = ntype_[node];
  const pivots = node << 4;
  const slots = node << 4;
  const gaps = type === maple_arange_64 ? (node << 4) : -1;
  const mas_min = mas.min;
  const index = mas.index;
  const last = mas.last;
  let offset = mas.offset;
  let min = offset ? piv_[pivots + offset - 1] + 1 : mas_min;
  let gap = 0;
  while (last < min) {
    --offset;
    min = offset ? piv_[pivots + offset - 1] + 1 : mas_min;
  }
  let max = offset >= mt_pivots[type] ? mas.max : piv_[pivots + offset];
  let ascend = false;
  while (index <= max) {
    gap = 0;
    if (gaps >= 0) gap = gap_[gaps + offset];
    else if (slot_[slots + offset] === null) gap = max - min + 1;
    if (gap) {
      if (size <= gap && size <= last - min + 1) break;
      if (gaps < 0) {
        if (offset < 2) {
          ascend = true;
          break;
        }
        offset -= 2;
        max = piv_[pivots + offset];
        min = offset ? piv_[pivots + offset - 1] + 1 : mas_min;
        continue;
      }
    }
    if (!offset) {
      ascend = true;
      break;
    }
    offset--;
    max = min - 1;
    min = offset ? piv_[pivots + offset - 1] + 1 : mas_min;
  }
  if (ascend) {
    if (!mte_is_root(node)) return false;
    mas_set_err(mas, -EBUSY);
    return false;
  }
  if (mas.index > max || size - 1 > max - mas.index) {
    mas_set_err(mas, -EBUSY);
    return false;
  }
  if (ma_is_leaf(type)) {
    mas.offset = offset;
    rev_gap_max = min + gap - 1;
    return true;
  }
  mas.node = slot_[slots + offset] as number;
  mas.min = min;
  mas.max = max;
  mas.offset = mas_data_end(mas);
  return false;
}

// mas_anode_descend()
function mas_anode_descend(mas: MaState, size: number): boolean {
  const slot_ = SLOT;
  const gap_ = GAP;
  const ntype_ = NTYPE;
  const node = mas.node;
  const type = ntype_[node];
  const pivots = node << 4;
  const slots = node << 4;
  const gaps = type === maple_arange_64 ? (node << 4) : -1;
  let offset = mas.offset;
  let min = mas_safe_min(mas, pivots, offset);
  const data_end = ma_data_end(node, type, pivots, mas.max);
  let gap = 0;
  let found = false;
  let done = false;
  for (; offset <= data_end; offset++) {
    const pivot = mas_safe_pivot(mas, pivots, offset, type);
    if (mas.index <= pivot) {
      let check = true;
      if (gaps >= 0) gap = gap_[gaps + offset];
      else if (slot_[slots + offset] === null) {
        gap = (pivot < mas.last ? pivot : mas.last) -
          (mas.index > min ? mas.index : min) + 1;
      } else check = false;
      if (check && gap >= size) {
        if (ma_is_leaf(type)) {
          found = true;
          done = true;
          break;
        }
        if (mas.index <= pivot) {
          mas.node = slot_[slots + offset] as number;
          mas.min = min;
          mas.max = pivot;
          offset = 0;
          break;
        }
      }
    }
    min = pivot + 1;
    if (mas.last <= pivot) {
      mas_set_err(mas, -EBUSY);
      return true;
    }
  }
  if (!done && mte_is_root(mas.node)) found = true;
  mas.offset = offset;
  return found;
}

/** `mas_walk(mas)`: the entry at `mas->index`; sets index/last to its range. */
export function mas_walk(mas: MaState): unknown {
  mas.status = ma_start; // !mas_is_active() || !mas_is_start() always holds
  const root = mas.tree.ma_root;
  if (root instanceof MapleNode) {
    // mas_start() + mtree_range_walk()
    mas.min = 0;
    mas.max = ULONG_MAX;
    mas.depth = 1;
    mas.status = ma_active;
    mas.node = root.id;
    mas.offset = 0;
    return mtree_range_walk(mas);
  }
  const entry = mas_state_walk(mas);
  if (mas_is_none(mas)) {
    mas.index = 0;
    mas.last = ULONG_MAX;
  } else if (mas_is_ptr(mas)) {
    if (!mas.index) {
      mas.last = 0;
      return entry;
    }
    mas.index = 1;
    mas.last = ULONG_MAX;
    mas.status = ma_none;
    return null;
  }
  return entry;
}

// mas_rewind_node()
function mas_rewind_node(mas: MaState): boolean {
  let slot: number;
  do {
    if (mte_is_root(mas.node)) {
      slot = mas.offset;
      if (!slot) return false;
    } else {
      mas_ascend(mas);
      slot = mas.offset;
    }
  } while (!slot);
  mas.offset = --slot;
  return true;
}

// mas_skip_node()
function mas_skip_node(mas: MaState): boolean {
  if (mas_is_err(mas)) return false;
  do {
    if (mte_is_root(mas.node)) {
      if (mas.offset >= mas_data_end(mas)) {
        mas_set_err(mas, -EBUSY);
        return false;
      }
    } else {
      mas_ascend(mas);
    }
  } while (mas.offset >= mas_data_end(mas));
  mas.offset++;
  return true;
}

// mas_awalk()
function mas_awalk(mas: MaState, size: number): void {
  let last: number = MAS_NONE;
  while (!mas_is_err(mas) && !mas_anode_descend(mas, size)) {
    if (last === mas.node) mas_skip_node(mas);
    else last = mas.node;
  }
}

// mas_sparse_area()
function mas_sparse_area(
  mas: MaState,
  min: number,
  max: number,
  size: number,
  fwd: boolean,
): number {
  if (!mas_is_none(mas) && min === 0) {
    min++;
    if (min > max || max - min + 1 < size) return -EBUSY;
  }
  if (fwd) {
    mas.index = min;
    mas.last = min + size - 1;
  } else {
    mas.last = max;
    mas.index = max - size + 1;
  }
  return 0;
}

/**
 * `mas_empty_area(mas, min, max, size)`: the lowest free range of `size`
 * indices within [min, max]. 0 with `mas->index`/`last` set, `-EBUSY`, or
 * `-EINVAL`.
 */
export function mas_empty_area(
  mas: MaState,
  min: number,
  max: number,
  size: number,
): number {
  if (min > max) return -EINVAL;
  if (size === 0 || max - min < size - 1) return -EINVAL;
  if (mas_is_start(mas)) mas_start(mas);
  else if (mas.offset >= 2) mas.offset -= 2;
  else if (!mas_skip_node(mas)) return -EBUSY;
  if (mas_is_none(mas) || mas_is_ptr(mas)) {
    return mas_sparse_area(mas, min, max, size, true);
  }
  mas.index = min;
  mas.last = max;
  mas_awalk(mas, size);
  if (mas_is_err(mas)) return mas.err;
  const offset = mas.offset;
  if (offset === MAPLE_NODE_SLOTS) return -EBUSY;
  const node = mas.node;
  const pivots = node << 4;
  min = mas_safe_min(mas, pivots, offset);
  if (mas.index < min) mas.index = min;
  mas.last = mas.index + size - 1;
  mas.end = ma_data_end(node, NTYPE[node], pivots, mas.max);
  return 0;
}

/**
 * `mas_empty_area_rev(mas, min, max, size)`: the highest free range of
 * `size` indices within [min, max].
 */
export function mas_empty_area_rev(
  mas: MaState,
  min: number,
  max: number,
  size: number,
): number {
  let last = mas.node;
  if (min > max) return -EINVAL;
  if (size === 0 || max - min < size - 1) return -EINVAL;
  if (mas_is_start(mas)) mas_start(mas);
  else if (mas.offset < 2 && !mas_rewind_node(mas)) return -EBUSY;
  if (mas_is_none(mas) || mas_is_ptr(mas)) {
    return mas_sparse_area(mas, min, max, size, false);
  } else if (mas.offset >= 2) mas.offset -= 2;
  else mas.offset = mas_data_end(mas);
  mas.index = min;
  mas.last = max;
  while (!mas_rev_awalk(mas, size)) {
    if (last === mas.node) {
      if (!mas_rewind_node(mas)) return -EBUSY;
    } else {
      last = mas.node;
    }
  }
  if (mas_is_err(mas)) return mas.err;
  if (mas.offset === MAPLE_NODE_SLOTS) return -EBUSY;
  max = rev_gap_max;
  if (max < mas.last) mas.last = max;
  mas.index = mas.last - size + 1;
  mas.end = mas_data_end(mas);
  return 0;
}

// ---------------------------------------------------------------------------
// Write interface

function check_entry(entry: unknown): void {
  if (entry === undefined) {
    throw new TypeError("maple tree entry is undefined (use null for NULL)");
  }
}

/**
 * `mas_store(mas, entry)`: store `entry` over [index, last]. Returns the
 * entry that was there. On allocation failure returns null, the state holds
 * `-ENOMEM` and the tree is unchanged (loop with {@link mas_nomem}).
 */
export function mas_store(mas: MaState, entry: unknown): unknown {
  check_entry(entry);
  const wr_mas = new MaWrState(mas, entry);
  if (WARN_ON(mas.index > mas.last)) {
    mas_set_err(mas, -EINVAL);
    return null;
  }
  mas_wr_prealloc_setup(wr_mas);
  mas_wr_store_type(wr_mas);
  if (mas.mas_flags & MA_STATE_PREALLOC) {
    mas_wr_store_entry(wr_mas);
    BUG_ON(mas_is_err(mas), "mas_store with preallocation failed");
    return wr_mas.content;
  }
  const request = mas_prealloc_calc(mas, entry);
  if (request) {
    mas_node_count(mas, request);
    if (mas_is_err(mas)) return null;
  }
  mas_wr_store_entry(wr_mas);
  mas_destroy(mas);
  return wr_mas.content;
}

/** `mas_store_gfp(mas, entry, gfp)`: 0, `-EINVAL` or `-ENOMEM`. */
export function mas_store_gfp(
  mas: MaState,
  entry: unknown,
  gfp: number,
): number {
  check_entry(entry);
  const index = mas.index;
  const last = mas.last;
  const wr_mas = new MaWrState(mas, entry);
  let ret = 0;
  for (;;) {
    mas_wr_preallocate(wr_mas, entry);
    if (mas_nomem(mas, gfp)) {
      if (entry === null) __mas_set_range(mas, index, last);
      continue;
    }
    break;
  }
  if (mas_is_err(mas)) {
    ret = mas.err;
  } else {
    mas_wr_store_entry(wr_mas);
  }
  mas_destroy(mas);
  return ret;
}

/** `mas_store_prealloc(mas, entry)`: store after `mas_preallocate`. */
export function mas_store_prealloc(mas: MaState, entry: unknown): void {
  check_entry(entry);
  const wr_mas = new MaWrState(mas, entry);
  if (mas.store_type === wr_store_root) {
    mas_wr_prealloc_setup(wr_mas);
  } else {
    mas_wr_walk_descend(wr_mas);
    if (mas.store_type !== wr_spanning_store) {
      wr_mas.content = SLOT[wr_mas.slots + mas.offset];
      mas_wr_end_piv(wr_mas);
    }
  }
  mas_wr_store_entry(wr_mas);
  BUG_ON(mas_is_err(mas), "mas_store_prealloc failed");
  mas_destroy(mas);
}

/**
 * `mas_preallocate(mas, entry, gfp)`: classify the write (`mas->store_type`)
 * and allocate the nodes it needs. 0 or `-ENOMEM` (nothing kept).
 */
export function mas_preallocate(
  mas: MaState,
  entry: unknown,
  gfp: number,
): number {
  check_entry(entry);
  const wr_mas = new MaWrState(mas, entry);
  mas_wr_prealloc_setup(wr_mas);
  mas_wr_store_type(wr_mas);
  const request = mas_prealloc_calc(mas, entry);
  mas.node_request = request;
  if (request) {
    mas.mas_flags &= ~MA_STATE_PREALLOC;
    mas_node_count_gfp(mas, request, gfp);
    if (mas_is_err(mas)) {
      mas_set_alloc_req(mas, 0);
      const ret = mas.err;
      mas_destroy(mas);
      mas_reset(mas);
      return ret;
    }
  }
  mas.mas_flags |= MA_STATE_PREALLOC;
  return 0;
}

/** `mas_destroy(mas)`: free the nodes the state still holds. */
export function mas_destroy(mas: MaState): void {
  mas.mas_flags &= ~(MA_STATE_BULK | MA_STATE_PREALLOC | MA_STATE_REBALANCE);
  const a = mas.alloc;
  while (a.length) mt_free_one(a.pop()!);
  mas.alloc_req = 0;
}

// mas_next_setup()
function mas_next_setup(mas: MaState, max: number): boolean {
  const was_none = mas_is_none(mas);
  setup_entry = null;
  if (mas.last >= max) {
    mas.status = ma_overflow;
    return true;
  }
  switch (mas.status) {
    case ma_active:
      return false;
    case ma_none:
    case ma_pause:
      mas.status = ma_start;
      mas_walk(mas);
      break;
    case ma_start:
      mas_walk(mas);
      break;
    case ma_overflow:
      mas.status = ma_active;
      break;
    case ma_underflow:
      mas.status = ma_active;
      setup_entry = mas_walk(mas);
      if (setup_entry !== null) return true;
      break;
    case ma_root:
      break;
    case ma_error:
      return true;
  }
  if (mas_is_active(mas)) return false;
  if (mas_is_ptr(mas)) {
    setup_entry = null;
    if (was_none && mas.index === 0) {
      mas.index = mas.last = 0;
      return true;
    }
    mas.index = 1;
    mas.last = ULONG_MAX;
    mas.status = ma_none;
    return true;
  }
  if (mas_is_none(mas)) return true;
  return false;
}
let setup_entry: unknown = null;

/**
 * The fast case of `mas_next_slot(mas, max, false)` on an active state whose
 * node lies below `max` (so that nothing can overflow): the next non-NULL
 * entry in the node, with the state updated as mas_next_slot() would, or
 * `undefined` (state untouched) when the rest of the node is empty.
 */
function mas_next_in_node(mas: MaState): unknown {
  const piv_ = PIV;
  const slot_ = SLOT;
  const node = mas.node;
  const pivots = node << 4;
  const slots = node << 4;
  const end = mas.end;
  let offset = mas.offset;
  while (offset < end) {
    const index = piv_[pivots + offset] + 1;
    const entry = slot_[slots + ++offset];
    if (entry !== null) {
      mas.index = index;
      mas.offset = offset;
      mas.last = offset < end ? piv_[pivots + offset] : mas.max;
      setup_entry = null;
      return entry;
    }
  }
  return undefined;
}

/** `mas_next(mas, max)`: the next non-NULL entry up to `max`. */
export function mas_next(mas: MaState, max: number): unknown {
  if (mas.status === ma_active && mas.max < max && mas.last < max) {
    const entry = mas_next_in_node(mas);
    if (entry !== undefined) return entry;
  }
  if (mas_next_setup(mas, max)) return setup_entry;
  return mas_next_slot(mas, max, false);
}

/** `mas_next_range(mas, max)`: the next range, NULL ranges included. */
export function mas_next_range(mas: MaState, max: number): unknown {
  if (mas_next_setup(mas, max)) return setup_entry;
  return mas_next_slot(mas, max, true);
}

/** `mt_next(mt, index, max)`. */
export function mt_next(mt: MapleTree, index: number, max: number): unknown {
  return mas_next(new MaState(mt, index, index), max);
}

// mas_prev_setup()
function mas_prev_setup(mas: MaState, min: number): boolean {
  setup_entry = null;
  if (mas.index <= min) {
    mas.status = ma_underflow;
    return true;
  }
  switch (mas.status) {
    case ma_active:
      return false;
    case ma_start:
      break;
    case ma_none:
    case ma_pause:
      mas.status = ma_start;
      break;
    case ma_underflow:
      mas.status = ma_active;
      break;
    case ma_overflow:
      mas.status = ma_active;
      setup_entry = mas_walk(mas);
      if (setup_entry !== null) return true;
      break;
    case ma_root:
      break;
    case ma_error:
      return true;
  }
  if (mas_is_start(mas)) mas_walk(mas);
  if (mas_is_ptr(mas)) {
    if (!mas.index) {
      mas.status = ma_none;
      return true;
    }
    mas.index = mas.last = 0;
    setup_entry = mas.tree.ma_root;
    return true;
  }
  if (mas_is_none(mas)) {
    if (mas.index) {
      mas.index = mas.last = 0;
      mas.status = ma_root;
      setup_entry = mas.tree.ma_root;
      return true;
    }
    return true;
  }
  return false;
}

/** `mas_prev(mas, min)`: the previous non-NULL entry down to `min`. */
export function mas_prev(mas: MaState, min: number): unknown {
  if (mas_prev_setup(mas, min)) return setup_entry;
  return mas_prev_slot(mas, min, false);
}

/** `mas_prev_range(mas, min)`: the previous range, NULL ranges included. */
export function mas_prev_range(mas: MaState, min: number): unknown {
  if (mas_prev_setup(mas, min)) return setup_entry;
  return mas_prev_slot(mas, min, true);
}

/** `mt_prev(mt, index, min)`. */
export function mt_prev(mt: MapleTree, index: number, min: number): unknown {
  return mas_prev(new MaState(mt, index, index), min);
}

/** `mas_pause(mas)`. */
export function mas_pause(mas: MaState): void {
  mas.status = ma_pause;
  mas.node = MAS_NONE;
}

// mas_find_setup()
function mas_find_setup(mas: MaState, max: number): boolean {
  setup_entry = null;
  switch (mas.status) {
    case ma_active:
      if (mas.last < max) return false;
      return true;
    case ma_start:
      break;
    case ma_pause:
      if (mas.last >= max) return true;
      mas.index = ++mas.last;
      mas.status = ma_start;
      break;
    case ma_none:
      if (mas.last >= max) return true;
      mas.index = mas.last;
      mas.status = ma_start;
      break;
    case ma_underflow:
      if (mas.index >= max) {
        mas.status = ma_overflow;
        return true;
      }
      mas.status = ma_active;
      setup_entry = mas_walk(mas);
      if (setup_entry !== null) return true;
      break;
    case ma_overflow:
      if (mas.last >= max) return true;
      mas.status = ma_active;
      setup_entry = mas_walk(mas);
      if (setup_entry !== null) return true;
      break;
    case ma_root:
      break;
    case ma_error:
      return true;
  }
  if (mas_is_start(mas)) {
    if (mas.index > max) return true;
    setup_entry = mas_walk(mas);
    if (setup_entry !== null) return true;
  }
  if (mas_is_ptr(mas)) {
    mas.status = ma_none;
    mas.index = 1;
    mas.last = ULONG_MAX;
    return true;
  }
  if (mas_is_none(mas)) return true;
  if (mas.index === max) return true;
  return false;
}

/** `mas_find(mas, max)`: the entry at index or the next one up to `max`. */
export function mas_find(mas: MaState, max: number): unknown {
  if (mas.status === ma_active && mas.max < max && mas.last < max) {
    const entry = mas_next_in_node(mas);
    if (entry !== undefined) return entry;
  }
  if (mas_find_setup(mas, max)) return setup_entry;
  const entry = mas_next_slot(mas, max, false);
  mas.status = ma_active; // Ignore overflow
  return entry;
}

/** `mas_find_range(mas, max)`: like mas_find, NULL ranges included. */
export function mas_find_range(mas: MaState, max: number): unknown {
  if (mas_find_setup(mas, max)) return setup_entry;
  return mas_next_slot(mas, max, true);
}

// mas_find_rev_setup()
function mas_find_rev_setup(mas: MaState, min: number): boolean {
  setup_entry = null;
  switch (mas.status) {
    case ma_active:
      return mas.index < min;
    case ma_start:
      break;
    case ma_pause:
      if (mas.index <= min) {
        mas.status = ma_underflow;
        return true;
      }
      mas.last = --mas.index;
      mas.status = ma_start;
      break;
    case ma_none:
      if (mas.index <= min) {
        mas.status = ma_none;
        return true;
      }
      mas.last = mas.index;
      mas.status = ma_start;
      break;
    case ma_overflow:
      if (mas.index <= min) {
        mas.status = ma_underflow;
        return true;
      }
      mas.status = ma_active;
      break;
    case ma_underflow:
      if (mas.index <= min) return true;
      mas.status = ma_active;
      break;
    case ma_root:
      break;
    case ma_error:
      return true;
  }
  if (mas_is_start(mas)) {
    if (mas.index < min) return true;
    setup_entry = mas_walk(mas);
    if (setup_entry !== null) return true;
  }
  if (mas_is_ptr(mas)) {
    mas.status = ma_none;
    return true;
  }
  if (mas_is_none(mas)) {
    mas.last = mas.index = 0;
    mas.status = ma_root;
    setup_entry = mas.tree.ma_root;
    return true;
  }
  return mas.index < min;
}

/** `mas_find_rev(mas, min)`: the entry at index or the previous one. */
export function mas_find_rev(mas: MaState, min: number): unknown {
  if (mas_find_rev_setup(mas, min)) return setup_entry;
  return mas_prev_slot(mas, min, false);
}

/** `mas_find_range_rev(mas, min)`. */
export function mas_find_range_rev(mas: MaState, min: number): unknown {
  if (mas_find_rev_setup(mas, min)) return setup_entry;
  return mas_prev_slot(mas, min, true);
}

/**
 * `mas_for_each(mas, entry, max)` as a generator: yields entries while
 * `mas_find(mas, max)` returns non-NULL.
 */
export function* mas_for_each(
  mas: MaState,
  max: number,
): Generator<unknown, void, void> {
  let entry: unknown;
  while ((entry = mas_find(mas, max)) !== null) yield entry;
}

/**
 * `mas_erase(mas)`: erase the whole range containing `mas->index`. Returns
 * the entry; on allocation failure the entry is returned but not erased and
 * `mas_is_err(mas)` is true.
 */
export function mas_erase(mas: MaState): unknown {
  const index = mas.index;
  const wr_mas = new MaWrState(mas, null);
  if (!mas_is_active(mas) || !mas_is_start(mas)) mas.status = ma_start;
  let entry: unknown;
  for (;;) {
    entry = mas_state_walk(mas);
    if (entry === null) return null;
    mas_reset(mas);
    mas_wr_preallocate(wr_mas, null);
    if (mas_nomem(mas, GFP_KERNEL)) {
      mas.index = mas.last = index;
      continue;
    }
    break;
  }
  if (!mas_is_err(mas)) mas_wr_store_entry(wr_mas);
  mas_destroy(mas);
  return entry;
}

/**
 * `mas_nomem(mas, gfp)`: after `-ENOMEM`, allocate the outstanding nodes
 * with `gfp` (dropping the internal lock when `gfp` may block) and ask for
 * a retry. Returns false, leaving the error, when nothing more could be
 * allocated. (6.12 retries whenever any node is held, which livelocks under
 * a permanent injected failure; the lab stops when no progress was made.)
 */
export function mas_nomem(mas: MaState, gfp: number): boolean {
  if (!(mas.status === ma_error && mas.err === -ENOMEM)) return false;
  const before = mas.alloc.length;
  if (gfpflags_allow_blocking(gfp) && !mt_external_lock(mas.tree)) {
    mtree_unlock(mas.tree);
    mas_alloc_nodes(mas, gfp);
    mtree_lock(mas.tree);
  } else {
    mas_alloc_nodes(mas, gfp);
  }
  if (!mas.alloc.length) return false;
  if (mas.alloc.length === before && mas.alloc_req) return false;
  mas.status = ma_start;
  return true;
}

// ---------------------------------------------------------------------------
// Normal API

/** `mt_init_flags(mt, flags)`. */
export function mt_init_flags(mt: MapleTree, flags: number): void {
  mt.ma_flags = flags;
  mt.ma_root = null;
  mt.ma_lock_held = false;
}
/** `mt_init(mt)`. */
export function mt_init(mt: MapleTree): void {
  mt_init_flags(mt, 0);
}
/** `mt_set_external_lock(mt, lock)`: record the external lock. */
export function mt_set_external_lock(mt: MapleTree, lock: unknown): void {
  mt.ma_external_lock = lock;
}
/** `mtree_lock(mt)`. */
export function mtree_lock(mt: MapleTree): void {
  mt.ma_lock_held = true;
}
/** `mtree_unlock(mt)`. */
export function mtree_unlock(mt: MapleTree): void {
  mt.ma_lock_held = false;
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

// ---------------------------------------------------------------------------
// Debug: mt_validate, mt_dump, node statistics

/** `enum mt_dump_format`. */
export const mt_dump_dec = 0;
/** `enum mt_dump_format`. */
export const mt_dump_hex = 1;

/** One problem `mt_validate` found: `bug` for MT_BUG_ON, else a warning. */
export interface MtProblem {
  /** True for an MT_BUG_ON-class violation, false for MAS_WARN_ON. */
  bug: boolean;
  /** What is wrong, in the kernel's words. */
  message: string;
}

let node_ids = new WeakMap<object, number>();
let next_node_id = 1;
function nid(n: unknown): string {
  if (n === null) return "(nil)";
  if (typeof n !== "object") return String(n);
  let id = node_ids.get(n as object);
  if (id === undefined) {
    id = next_node_id++;
    node_ids.set(n as object, id);
  }
  return `#${id}`;
}
// The short id of node n (its slab object's).
function nnid(n: number): string {
  if (n === MAS_NONE) return "(nil)";
  const o = n < pool_cap ? NODE_OBJ[n] : null;
  return o === null ? `node ${n}` : nid(o);
}
// The short id of a slot value of node n: a child node or an entry.
function sid(n: number, v: unknown): string {
  return !ma_is_leaf(NTYPE[n]) && typeof v === "number" ? nnid(v) : nid(v);
}
/** Forget the short ids `mt_dump` gives nodes and entries. */
export function mt_dump_reset_ids(): void {
  node_ids = new WeakMap();
  next_node_id = 1;
}

// mas_dfs_postorder()
function mas_dfs_postorder(mas: MaState, max: number): void {
  const mn = mas.node;
  mas_next_node(mas, mn, max);
  if (!mas_is_overflow(mas)) return;
  if (mte_is_root(mn)) return;
  mas.node = mn;
  mas_ascend(mas);
  let p: number;
  let p_min: number;
  let p_max: number;
  do {
    p = mas.node;
    p_min = mas.min;
    p_max = mas.max;
    mas_prev_node(mas, 0);
  } while (!mas_is_underflow(mas));
  mas.node = p;
  mas.max = p_max;
  mas.min = p_min;
}

function validate_gaps(mas: MaState, out: MtProblem[]): void {
  const node = mas.node;
  const mt = NTYPE[node];
  const pivots = node << 4;
  let gap = 0;
  let max_gap = 0;
  let p_start = mas.min;
  const gaps = mt === maple_arange_64 ? (node << 4) : -1;
  let i: number;
  for (i = 0; i < mt_slots[mt]; i++) {
    const p_end = mas_safe_pivot(mas, pivots, i, mt);
    if (gaps < 0) {
      if (SLOT[(node << 4) + i] === null) gap = p_end - p_start + 1;
    } else {
      gap = GAP[gaps + i];
      if (SLOT[(node << 4) + i] === null) {
        out.push({ bug: true, message: `${nnid(node)}[${i}] no child` });
      }
      if (gap > p_end - p_start + 1) {
        out.push({
          bug: true,
          message: `${nnid(node)}[${i}] ${gap} >= ${p_end} - ${p_start} + 1`,
        });
      }
    }
    if (gap > max_gap) max_gap = gap;
    p_start = p_end + 1;
    if (p_end >= mas.max) break;
  }
  if (mt === maple_arange_64) {
    const offset = NMGAP[node];
    if (offset > i) {
      out.push({
        bug: true,
        message: `gap offset ${nnid(node)}[${offset}] is invalid`,
      });
    }
    if (GAP[gaps + offset] !== max_gap) {
      out.push({
        bug: true,
        message: `gap ${
          nnid(node)
        }[${offset}] is not the largest gap ${max_gap}`,
      });
    }
    for (i++; i < mt_slots[mt]; i++) {
      if (GAP[gaps + i] !== 0) {
        out.push({
          bug: true,
          message: `gap ${nnid(node)}[${i}] beyond node limit != 0`,
        });
      }
    }
  }
  if (mte_is_root(node)) return;
  const p_slot = mte_parent_slot(node);
  const p_mn = mte_parent(node);
  if (max_gap > mas.max) {
    out.push({ bug: true, message: `max gap ${max_gap} > max ${mas.max}` });
  }
  if (GAP[(p_mn << 4) + p_slot] !== max_gap) {
    out.push({
      bug: true,
      message: `gap ${nnid(p_mn)}[${p_slot}] ${
        GAP[(p_mn << 4) + p_slot]
      } != ${max_gap}`,
    });
  }
}

function validate_parent_slot(mas: MaState, out: MtProblem[]): void {
  const node = mas.node;
  if (mte_is_root(node)) return;
  const p_slot = mte_parent_slot(node);
  const p_type = mas_parent_type(mas, node);
  const parent = mte_parent(node);
  if (parent === node) out.push({ bug: true, message: `${nnid(node)} dead` });
  if (NTYPE[parent] !== p_type) {
    out.push({ bug: true, message: `parent ${nnid(parent)} has wrong type` });
  }
  for (let i = 0; i < mt_slots[p_type]; i++) {
    const n = SLOT[(parent << 4) + i];
    if (i === p_slot) {
      if (n !== node) {
        out.push({
          bug: true,
          message: `parent ${nnid(parent)}[${i}] does not have ${nnid(node)}`,
        });
      }
    } else if (n === node) {
      out.push({
        bug: true,
        message:
          `Invalid child ${nnid(node)} at parent ${nnid(parent)}[${i}] ` +
          `p_slot ${p_slot}`,
      });
    }
  }
}

function validate_child_slot(mas: MaState, out: MtProblem[]): void {
  const node = mas.node;
  const type = NTYPE[node];
  if (mte_is_leaf(node)) return;
  for (let i = 0; i < mt_slots[type]; i++) {
    const child = SLOT[(node << 4) + i];
    if (typeof child !== "number" || child < FIRST_NODE) {
      out.push({
        bug: true,
        message: `Non-leaf node lacks child at ${nnid(node)}[${i}]`,
      });
      return;
    }
    if (mte_parent_slot(child) !== i) {
      out.push({
        bug: true,
        message:
          `Slot error at ${nnid(node)}[${i}]: child ${nnid(child)} has ` +
          `pslot ${mte_parent_slot(child)}`,
      });
    }
    if (mte_parent(child) !== node) {
      out.push({
        bug: true,
        message:
          `child ${nnid(child)} has parent ${nnid(NPARENT[child])} not ` +
          `${nnid(node)}`,
      });
    }
    if (i < mt_pivots[type] && PIV[(node << 4) + i] === mas.max) break;
  }
}

function validate_limits(mas: MaState, out: MtProblem[]): void {
  const node = mas.node;
  const type = NTYPE[node];
  const pivots = node << 4;
  let prev_piv = 0;
  let i: number;
  for (i = 0; i < mt_slots[type]; i++) {
    const piv = mas_safe_pivot(mas, pivots, i, type);
    if (!piv && i !== 0) {
      out.push({
        bug: false,
        message: `Missing node limit pivot at ${nnid(node)}[${i}]`,
      });
    }
    if (prev_piv > piv) {
      out.push({
        bug: false,
        message: `${nnid(node)}[${i}] piv ${piv} < prev_piv ${prev_piv}`,
      });
    }
    if (piv < mas.min) {
      out.push({
        bug: false,
        message: `${nnid(node)}[${i}] ${piv} < ${mas.min}`,
      });
    }
    if (piv > mas.max) {
      out.push({
        bug: false,
        message: `${nnid(node)}[${i}] ${piv} > ${mas.max}`,
      });
    }
    prev_piv = piv;
    if (piv === mas.max) break;
  }
  if (mas_data_end(mas) !== i) {
    out.push({
      bug: true,
      message: `node${nnid(node)}: data_end ${mas_data_end(mas)} != the last ` +
        `slot offset ${i}`,
    });
  }
  for (i += 1; i < mt_slots[type]; i++) {
    const entry = SLOT[(node << 4) + i];
    if (entry !== null && i !== mt_slots[type] - 1) {
      out.push({
        bug: true,
        message: `${nnid(node)}[${i}] should not have entry ${
          sid(node, entry)
        }`,
      });
    }
    if (i < mt_pivots[type]) {
      const piv = PIV[pivots + i];
      if (!piv) continue;
      out.push({
        bug: i < mt_pivots[type] - 1,
        message: `${nnid(node)}[${i}] should not have piv ${piv}`,
      });
    }
  }
}

function validate_nulls(mt: MapleTree, out: MtProblem[]): void {
  let last: unknown = 1;
  let offset = 0;
  const mas = new MaState(mt, 0, 0);
  mas_start(mas);
  if (mas_is_none(mas) || mas_is_ptr(mas)) return;
  while (!mte_is_leaf(mas.node)) mas_descend(mas);
  do {
    const entry = SLOT[(mas.node << 4) + offset];
    if (last === null && entry === null) {
      out.push({
        bug: true,
        message: `Sequential nulls end at ${nnid(mas.node)}[${offset}]`,
      });
    }
    last = entry;
    if (offset === mas_data_end(mas)) {
      // A non-rightmost leaf never ends in NULL.
      if (entry === null && mas.max !== ULONG_MAX) {
        out.push({
          bug: true,
          message: `leaf ${nnid(mas.node)} ends in NULL below ULONG_MAX`,
        });
      }
      mas_next_node(mas, mas.node, ULONG_MAX);
      if (mas_is_overflow(mas)) return;
      offset = 0;
    } else {
      offset++;
    }
  } while (!mas_is_overflow(mas));
}

/**
 * Every check of `mt_validate()` (6.12), returned as a list instead of
 * BUG/WARN: dead nodes, occupancy, parent slots, limits, children, gaps and
 * NULL adjacency. Also checks the height recorded in the tree flags.
 */
export function mt_validate_report(mt: MapleTree): MtProblem[] {
  const out: MtProblem[] = [];
  const mas = new MaState(mt, 0, 0);
  mas_start(mas);
  if (!mas_is_active(mas)) {
    if (mt_height(mt) !== 0) {
      out.push({ bug: true, message: `height ${mt_height(mt)} of no node` });
    }
    return out;
  }
  let depth = 1;
  while (!mte_is_leaf(mas.node)) {
    mas_descend(mas);
    depth++;
  }
  if (depth !== mt_height(mt)) {
    out.push({
      bug: true,
      message: `tree height ${mt_height(mt)} != leaf depth ${depth}`,
    });
  }
  let guard = 0;
  while (!mas_is_overflow(mas)) {
    const node = mas.node;
    if (ma_dead_node(node)) {
      out.push({ bug: false, message: `${nnid(node)} is dead` });
    }
    if (!kasan_check(NODE_OBJ[node], "mt_validate")) {
      out.push({ bug: true, message: `${nnid(node)} was freed (KASAN)` });
    }
    const end = mas_data_end(mas);
    if (end < mt_min_slots[NTYPE[node]] && mas.max !== ULONG_MAX) {
      out.push({
        bug: false,
        message: `Invalid size ${end} of ${nnid(node)}`,
      });
    }
    validate_parent_slot(mas, out);
    validate_limits(mas, out);
    validate_child_slot(mas, out);
    if (mt_is_alloc(mt)) validate_gaps(mas, out);
    if (out.length > 50 || ++guard > 10_000_000) break;
    mas_dfs_postorder(mas, ULONG_MAX);
  }
  if (out.length === 0) validate_nulls(mt, out);
  return out;
}

/**
 * `mt_validate(mt)`: BUG-class violations throw a KernelBug, the others
 * `WARN`, like CONFIG_DEBUG_MAPLE_TREE.
 */
export function mt_validate(mt: MapleTree): void {
  const problems = mt_validate_report(mt);
  for (const p of problems) {
    if (!p.bug) WARN_ON(true);
  }
  const bug = problems.find((p) => p.bug);
  if (bug) {
    BUG_ON(true, `mt_validate: ${bug.message}\n${mt_dump_string(mt)}`);
  }
}

function fmt_num(v: number, format: number): string {
  return format === mt_dump_hex ? v.toString(16) : String(v);
}
function fmt_upper(v: number, format: number): string {
  return format === mt_dump_hex ? v.toString(16).toUpperCase() : String(v);
}
function dump_range(
  min: number,
  max: number,
  depth: number,
  format: number,
): string {
  const pad = " ".repeat(Math.min(depth * 2, 32));
  return min === max
    ? `${pad}${fmt_num(min, format)}: `
    : `${pad}${fmt_num(min, format)}-${fmt_num(max, format)}: `;
}
function dump_entry(entry: unknown): string {
  if (entry === XA_ZERO_ENTRY) return "zero (257)";
  if (entry instanceof XaInternal) return `UNKNOWN ENTRY (${entry.v})`;
  if (entry === null) return "(nil)";
  if (typeof entry === "number") return `value ${entry}`;
  return nid(entry);
}
function dump_node(
  lines: string[],
  node: number,
  min: number,
  max: number,
  depth: number,
  format: number,
): void {
  const type = NTYPE[node];
  let line = dump_range(min, max, depth, format) +
    `node ${nnid(node)} depth ${depth} type ${type} parent ${
      NPARENT[node] === MA_ROOT_PARENT ? "tree" : nnid(NPARENT[node])
    } contents: `;
  const slots = mt_slots[type];
  if (type === maple_arange_64) {
    for (let i = 0; i < slots; i++) {
      line += fmt_num(GAP[(node << 4) + i], format) + " ";
    }
    line += `| ${NEND[node].toString(16).padStart(2, "0")} ${
      NMGAP[node].toString(16).padStart(2, "0")
    }| `;
  }
  for (let i = 0; i < slots - 1; i++) {
    line += `${sid(node, SLOT[(node << 4) + i])} ${
      fmt_upper(PIV[(node << 4) + i], format)
    } `;
  }
  line += sid(node, SLOT[(node << 4) + slots - 1]);
  lines.push(line);
  let first = min;
  for (let i = 0; i < slots; i++) {
    let last = max;
    if (i < slots - 1) last = PIV[(node << 4) + i];
    else if (SLOT[(node << 4) + i] === null) break;
    if (last === 0 && i > 0) break;
    if (ma_is_leaf(type)) {
      lines.push(
        dump_range(first, last, depth + 1, format) +
          dump_entry(SLOT[(node << 4) + i]),
      );
    } else if (typeof SLOT[(node << 4) + i] === "number") {
      dump_node(
        lines,
        SLOT[(node << 4) + i] as number,
        first,
        last,
        depth + 1,
        format,
      );
    }
    if (last === max) break;
    if (last > max) {
      lines.push(
        `node ${nnid(node)} last (${last}) > max (${max}) at pivot ${i}!`,
      );
    }
    first = last + 1;
  }
}

/** The text `mt_dump()` prints, as a string. */
export function mt_dump_string(
  mt: MapleTree,
  format: number = mt_dump_hex,
): string {
  const root = mt.ma_root;
  const lines = [
    `maple_tree(${nid(mt)}) flags ${mt.ma_flags.toString(16).toUpperCase()}, ` +
    `height ${mt_height(mt)} root ${
      root instanceof MapleNode ? nid(root) : dump_entry(root)
    }`,
  ];
  if (root instanceof MapleNode) {
    dump_node(lines, root.id, 0, ULONG_MAX, 0, format);
  } else if (root !== null) {
    lines.push(dump_range(0, 0, 0, format) + dump_entry(root));
  }
  return lines.join("\n");
}

/** `mt_dump(mt, format)`: print the tree through `pr_info`. */
export function mt_dump(mt: MapleTree, format: number = mt_dump_hex): void {
  for (const line of mt_dump_string(mt, format).split("\n")) pr_info(line);
}

/** Node accounting of one tree. */
export interface MtNodeStats {
  /** Nodes in the tree. */
  nodes: number;
  /** Nodes per `enum maple_type`. */
  by_type: [number, number, number, number];
  /** Node memory in bytes (256 per node). */
  bytes: number;
  /** Non-NULL ranges stored in leaves (or 1 for a root entry). */
  entries: number;
  /** NULL ranges stored in leaves. */
  null_ranges: number;
  /** Leaf slots used / leaf slots available. */
  leaf_fill: number;
  /** Tree height. */
  height: number;
}

/** Walks a tree and counts its nodes per type, bytes and leaf fill. */
export function mt_node_stats(mt: MapleTree): MtNodeStats {
  const s: MtNodeStats = {
    nodes: 0,
    by_type: [0, 0, 0, 0],
    bytes: 0,
    entries: 0,
    null_ranges: 0,
    leaf_fill: 0,
    height: mt_height(mt),
  };
  const root = mt.ma_root;
  if (!(root instanceof MapleNode)) {
    if (root !== null) s.entries = 1;
    return s;
  }
  let leaves = 0;
  let leaf_slots = 0;
  const walk = (node: number, max: number): void => {
    s.nodes++;
    s.by_type[NTYPE[node]]++;
    const end = ma_data_end(node, NTYPE[node], node << 4, max);
    if (ma_is_leaf(NTYPE[node])) {
      leaves++;
      leaf_slots += end + 1;
      for (let i = 0; i <= end; i++) {
        if (SLOT[(node << 4) + i] === null) s.null_ranges++;
        else s.entries++;
      }
      return;
    }
    for (let i = 0; i <= end; i++) {
      const cmax = i < mt_pivots[NTYPE[node]] ? PIV[(node << 4) + i] : max;
      walk(SLOT[(node << 4) + i] as number, cmax);
    }
  };
  walk(root.id, ULONG_MAX);
  s.bytes = s.nodes * MAPLE_NODE_SIZE;
  s.leaf_fill = leaves ? leaf_slots / (leaves * MAPLE_RANGE64_SLOTS) : 0;
  return s;
}
