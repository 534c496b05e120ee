// Copyright 2026 the iommulab authors. MIT license.
/**
 * Iteration of lib/maple_tree.c: `mas_next_node()`/`mas_prev_node()`,
 * `mas_next_slot()`/`mas_prev_slot()`, and the `mas_next()`, `mas_prev()`,
 * `mas_find()`, `mas_find_rev()` families with their `*_setup()` state
 * handling, `mt_next()` and `mt_prev()`.
 *
 * @module
 */
import { ULONG_MAX, WARN_ON_ONCE } from "../kernel/mod.ts";
import {
  ma_active,
  ma_error,
  ma_none,
  ma_overflow,
  ma_pause,
  ma_root,
  ma_start,
  ma_underflow,
} from "./_defs.ts";
import { MAS_NONE, NTYPE, PIV, SLOT } from "./_node_pool.ts";
import {
  ma_data_end,
  ma_is_root,
  MapleTree,
  mas_data_end,
  mas_is_active,
  mas_is_none,
  mas_is_overflow,
  mas_is_ptr,
  mas_is_start,
  mas_is_underflow,
  mas_safe_min,
  mas_safe_pivot,
  MaState,
} from "./_state.ts";
import { mas_ascend, mas_walk } from "./_walk.ts";

/** mas_prev_node() */
export function mas_prev_node(mas: MaState, min: number): number {
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

/** mas_next_node() */
export function mas_next_node(mas: MaState, node: number, max: number): number {
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
      continue;
    }
    return entry;
  }
}

/** mas_next_entry() */
export function mas_next_entry(mas: MaState, limit: number): unknown {
  if (mas.last >= limit) {
    mas.status = ma_overflow;
    return null;
  }
  return mas_next_slot(mas, limit, false);
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
