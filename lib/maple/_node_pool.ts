// Copyright 2026 the iommulab authors. MIT license.
/**
 * Maple node memory: the node pool (pivots and gaps in shared Float64Array
 * pools, slots in one packed array, per-node typed metadata), node
 * accessors, and node allocation from the `maple_node` slab cache
 * (`mt_alloc_one()`, `mt_alloc_bulk()`, `mt_free_one()` and the
 * `mt_nr_allocated()` family of lib/maple_tree.c and the test harness).
 *
 * @module
 */
import {
  declare_fault_point,
  kasan_enabled,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
  type KmemCache,
  should_fail,
} from "../kernel/mod.ts";
import { MAPLE_NODE_SIZE } from "./_defs.ts";

/** No node (`NULL`). */
export const MAS_NONE = 0;

/** The parent of a root node: stands for the tree (`MA_ROOT_PARENT`). */
export const MA_ROOT_PARENT = 1;

/** What `mas->node` holds in the error state (`MA_ERROR(err)`). */
export const MA_ERROR_NODE = 2;

/** First node number handed out. */
export const FIRST_NODE = 3;

/** `pool_cap`. */
export let pool_cap = 1024;

/** `PIV`. */
export let PIV = new Float64Array(pool_cap << 4);

/** `GAP`. */
export let GAP = new Float64Array(pool_cap << 4);

/** `SLOT`. */
export const SLOT: unknown[] = [];

/** `NTYPE`. */
export let NTYPE = new Uint8Array(pool_cap);

/** `NPARENT`. */
export let NPARENT = new Int32Array(pool_cap);

/** `NPSLOT`. */
export let NPSLOT = new Uint8Array(pool_cap);

/** `NEND`. */
export let NEND = new Uint8Array(pool_cap);

/** `NMGAP`. */
export let NMGAP = new Uint8Array(pool_cap);

let NFREED = new Uint8Array(pool_cap);

/** `NODE_OBJ`. */
export const NODE_OBJ: (MapleNode | null)[] = [];
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

/** memset(node, 0, sizeof(*node)) */
export function node_clear(n: number): void {
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

/** mt_alloc_one() */
export function mt_alloc_one(gfp: number): number {
  if (should_fail(FP_NODE_ALLOC)) return MAS_NONE;
  return node_from_slab(gfp);
}

/** mt_alloc_bulk(): all or nothing. */
export function mt_alloc_bulk(
  gfp: number,
  size: number,
  out: number[],
): number {
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

/** mt_free_one() */
export function mt_free_one(node: number): void {
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
