// Copyright 2026 the iommulab authors. MIT license.
/**
 * Gap tracking and gap search of lib/maple_tree.c: the largest-gap
 * maintenance (`mas_leaf_max_gap()`, `ma_max_gap()`, `mas_parent_gap()`,
 * `mas_update_gap()`) and the empty-area search (`mas_awalk()`,
 * `mas_rev_awalk()`, `mas_empty_area()`, `mas_empty_area_rev()`).
 *
 * @module
 */
import { EBUSY, EINVAL, ULONG_MAX } from "../kernel/mod.ts";
import {
  ma_error,
  maple_arange_64,
  MAPLE_NODE_SLOTS,
  mt_pivots,
} from "./_defs.ts";
import { GAP, MAS_NONE, NEND, NMGAP, NTYPE, PIV, SLOT } from "./_node_pool.ts";
import {
  ma_data_end,
  ma_is_leaf,
  ma_is_root,
  mas_data_end,
  mas_is_err,
  mas_is_none,
  mas_is_ptr,
  mas_is_start,
  mas_safe_min,
  mas_safe_pivot,
  mas_set_err,
  MaState,
  mt_is_alloc,
  mte_is_root,
  mte_parent,
  mte_parent_slot,
} from "./_state.ts";
import { mas_ascend, mas_start } from "./_walk.ts";

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

/** mas_max_gap() */
export function mas_max_gap(mas: MaState): number {
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

/** mas_update_gap() */
export function mas_update_gap(mas: MaState): void {
  if (!mt_is_alloc(mas.tree)) return;
  const node = mas.node;
  if (mte_is_root(node)) return;
  const max_gap = mas_max_gap(mas);
  const pslot = mte_parent_slot(node);
  const p_gap = GAP[(mte_parent(node) << 4) + pslot];
  if (p_gap !== max_gap) mas_parent_gap(mas, pslot, max_gap);
}

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
