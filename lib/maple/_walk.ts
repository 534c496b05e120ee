// Copyright 2026 the iommulab authors. MIT license.
/**
 * Read walks of lib/maple_tree.c: `mas_start()`, `mas_descend()`,
 * `mas_ascend()`, `mtree_range_walk()`, `mtree_lookup_walk()`,
 * `mas_state_walk()` and `mas_walk()`.
 *
 * @module
 */
import { ULONG_MAX } from "../kernel/mod.ts";
import {
  ma_active,
  ma_none,
  ma_root,
  ma_start,
  maple_arange_64,
  maple_dense,
  MAPLE_NODE_SLOTS,
  maple_range_64,
  mt_pivots,
} from "./_defs.ts";
import { MapleNode, MAS_NONE, NEND, NTYPE, PIV, SLOT } from "./_node_pool.ts";
import {
  ma_data_end,
  ma_dead_node,
  ma_is_root,
  mas_is_none,
  mas_is_ptr,
  mas_is_start,
  mas_parent_type,
  mas_safe_pivot,
  MaState,
  mte_is_root,
  mte_parent,
  mte_parent_slot,
} from "./_state.ts";

/** mas_descend() */
export function mas_descend(mas: MaState): void {
  const node = mas.node;
  const pivots = node << 4;
  if (mas.offset) mas.min = PIV[pivots + mas.offset - 1] + 1;
  mas.max = mas_safe_pivot(mas, pivots, mas.offset, NTYPE[node]);
  mas.node = SLOT[(node << 4) + mas.offset] as number;
}

/** mas_ascend() */
export function mas_ascend(mas: MaState): number {
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

/** mas_start() */
export function mas_start(mas: MaState): unknown {
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

/** mtree_range_walk() */
export function mtree_range_walk(mas: MaState): unknown {
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

/** mas_state_walk() */
export function mas_state_walk(mas: MaState): unknown {
  const entry = mas_start(mas);
  if (mas_is_none(mas)) return null;
  if (mas_is_ptr(mas)) return entry;
  return mtree_range_walk(mas);
}

/** mtree_lookup_walk() */
export function mtree_lookup_walk(mas: MaState): unknown {
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
