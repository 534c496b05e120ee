// Copyright 2026 the iommulab authors. MIT license.
/**
 * The write path of lib/maple_tree.c: the write walk (`mas_wr_walk()`),
 * store classification (`mas_wr_store_type()`) and node requests
 * (`mas_prealloc_calc()`), the in-node stores (exact fit, append, slot and
 * node store), the big-node machinery (split, push, rebalance, spanning
 * store, `mas_topiary_replace()`), root stores, and the write interface
 * (`mas_store()`, `mas_store_gfp()`, `mas_preallocate()`,
 * `mas_store_prealloc()`, `mas_erase()`, `mas_nomem()`, `mas_destroy()`).
 *
 * @module
 */
import {
  BUG_ON,
  EEXIST,
  EINVAL,
  ENOMEM,
  GFP_KERNEL,
  gfpflags_allow_blocking,
  ULONG_MAX,
  WARN_ON,
  WARN_ON_ONCE,
} from "../kernel/mod.ts";
import {
  ma_active,
  ma_error,
  ma_none,
  ma_root,
  ma_start,
  MA_STATE_BULK,
  MA_STATE_PREALLOC,
  MA_STATE_REBALANCE,
  maple_arange_64,
  maple_dense,
  maple_leaf_64,
  MAPLE_RANGE64_SLOTS,
  maple_range_64,
  mt_min_slots,
  mt_pivots,
  mt_slots,
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
  XaInternal,
} from "./_defs.ts";
import {
  GAP,
  MA_ROOT_PARENT,
  MapleNode,
  MAS_NONE,
  mt_free_one,
  NEND,
  NMGAP,
  NODE_OBJ,
  NPARENT,
  NPSLOT,
  NTYPE,
  PIV,
  SLOT,
} from "./_node_pool.ts";
import {
  __mas_set_range,
  ma_data_end,
  ma_is_leaf,
  ma_set_meta,
  MapleBigNode,
  MapleSubtreeState,
  MapleTree,
  mas_alloc_nodes,
  mas_data_end,
  mas_free,
  mas_is_active,
  mas_is_err,
  mas_is_none,
  mas_is_ptr,
  mas_is_root_limits,
  mas_is_start,
  mas_mt_height,
  mas_node_count,
  mas_node_count_gfp,
  mas_pop_node,
  mas_push_node,
  mas_reset,
  mas_safe_min,
  mas_safe_pivot,
  mas_set_alloc_req,
  mas_set_err,
  mas_set_height,
  mas_set_parent,
  mas_set_range,
  MaState,
  MaWrState,
  mt_external_lock,
  mt_in_rcu,
  mt_is_alloc,
  mte_is_leaf,
  mte_is_root,
  mte_parent,
  mte_parent_slot,
  mte_set_node_dead,
  mtree_lock,
  mtree_unlock,
  wr_get,
  wr_put,
} from "./_state.ts";
import {
  mas_ascend,
  mas_descend,
  mas_start,
  mas_state_walk,
  mtree_range_walk,
} from "./_walk.ts";
import { mas_max_gap, mas_update_gap } from "./_gap.ts";

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

/** mt_destroy_walk(): free a subtree. */
export function mt_destroy_walk(node: number): void {
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
export const maple_store_counts: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

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

/** mas_insert() */
export function mas_insert(mas: MaState, entry: unknown): unknown {
  const wr_mas = wr_get(mas, entry);
  wr_mas.content = mas_start(mas);
  if (wr_mas.content !== null) {
    mas_set_err(mas, -EEXIST);
    return wr_put(wr_mas);
  }
  mas_wr_preallocate(wr_mas, entry);
  if (mas_is_err(mas)) {
    wr_put(wr_mas);
    return null;
  }
  if (mas.store_type === wr_spanning_store) {
    mas_set_err(mas, -EEXIST);
    return wr_put(wr_mas);
  }
  if (mas.store_type !== wr_new_root && mas.store_type !== wr_store_root) {
    wr_mas.offset_end = mas.offset;
    wr_mas.end_piv = wr_mas.r_max;
    if (wr_mas.content !== null || mas.last > wr_mas.r_max) {
      mas_set_err(mas, -EEXIST);
      return wr_put(wr_mas);
    }
  }
  mas_wr_store_entry(wr_mas);
  return wr_put(wr_mas);
}

/** `check_entry()` (lib/maple_tree.c). */
export function check_entry(entry: unknown): void {
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
  if (WARN_ON(mas.index > mas.last)) {
    mas_set_err(mas, -EINVAL);
    return null;
  }
  const wr_mas = wr_get(mas, entry);
  mas_wr_prealloc_setup(wr_mas);
  mas_wr_store_type(wr_mas);
  if (mas.mas_flags & MA_STATE_PREALLOC) {
    mas_wr_store_entry(wr_mas);
    BUG_ON(mas_is_err(mas), "mas_store with preallocation failed");
    return wr_put(wr_mas);
  }
  const request = mas_prealloc_calc(mas, entry);
  if (request) {
    mas_node_count(mas, request);
    if (mas_is_err(mas)) {
      wr_put(wr_mas);
      return null;
    }
  }
  mas_wr_store_entry(wr_mas);
  mas_destroy(mas);
  return wr_put(wr_mas);
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
  const wr_mas = wr_get(mas, entry);
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
  wr_put(wr_mas);
  mas_destroy(mas);
  return ret;
}

/** `mas_store_prealloc(mas, entry)`: store after `mas_preallocate`. */
export function mas_store_prealloc(mas: MaState, entry: unknown): void {
  check_entry(entry);
  const wr_mas = wr_get(mas, entry);
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
  wr_put(wr_mas);
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
  const wr_mas = wr_get(mas, entry);
  mas_wr_prealloc_setup(wr_mas);
  mas_wr_store_type(wr_mas);
  wr_put(wr_mas);
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

/**
 * `mas_erase(mas)`: erase the whole range containing `mas->index`. Returns
 * the entry; on allocation failure the entry is returned but not erased and
 * `mas_is_err(mas)` is true.
 */
export function mas_erase(mas: MaState): unknown {
  const index = mas.index;
  if (!mas_is_active(mas) || !mas_is_start(mas)) mas.status = ma_start;
  let entry: unknown;
  const wr_mas = wr_get(mas, null);
  for (;;) {
    entry = mas_state_walk(mas);
    if (entry === null) {
      wr_put(wr_mas);
      return null;
    }
    mas_reset(mas);
    mas_wr_preallocate(wr_mas, null);
    if (mas_nomem(mas, GFP_KERNEL)) {
      mas.index = mas.last = index;
      continue;
    }
    break;
  }
  if (!mas_is_err(mas)) mas_wr_store_entry(wr_mas);
  wr_put(wr_mas);
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
