// Copyright 2026 the iommulab authors. MIT license.
/**
 * `mt_validate()` of lib/maple_tree.c: the gap, parent-slot, child-slot,
 * limit and NULL checks, reported as a list of problems or raised as a
 * kernel bug.
 *
 * @module
 */
import { BUG_ON, kasan_check, ULONG_MAX, WARN_ON } from "../kernel/mod.ts";
import { maple_arange_64, mt_min_slots, mt_pivots, mt_slots } from "./_defs.ts";
import {
  FIRST_NODE,
  GAP,
  NMGAP,
  NODE_OBJ,
  NPARENT,
  NTYPE,
  PIV,
  SLOT,
} from "./_node_pool.ts";
import {
  ma_dead_node,
  MapleTree,
  mas_data_end,
  mas_is_active,
  mas_is_none,
  mas_is_overflow,
  mas_is_ptr,
  mas_is_underflow,
  mas_parent_type,
  mas_safe_pivot,
  MaState,
  mt_height,
  mt_is_alloc,
  mte_is_leaf,
  mte_is_root,
  mte_parent,
  mte_parent_slot,
} from "./_state.ts";
import { mas_ascend, mas_descend, mas_start } from "./_walk.ts";
import { mas_next_node, mas_prev_node } from "./_iter.ts";
import { mt_dump_string, nnid, sid } from "./dump.ts";

/** One problem `mt_validate` found: `bug` for MT_BUG_ON, else a warning. */
export interface MtProblem {
  /** True for an MT_BUG_ON-class violation, false for MAS_WARN_ON. */
  bug: boolean;
  /** What is wrong, in the kernel's words. */
  message: string;
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
