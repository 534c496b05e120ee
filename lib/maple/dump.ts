// Copyright 2026 the iommulab authors. MIT license.
/**
 * `mt_dump()` (lib/maple_tree.c) as text, the short ids it gives nodes and
 * entries, and node statistics of a tree.
 *
 * @module
 */
import { pr_info, ULONG_MAX } from "../kernel/mod.ts";
import {
  maple_arange_64,
  MAPLE_NODE_SIZE,
  MAPLE_RANGE64_SLOTS,
  mt_pivots,
  mt_slots,
  XA_ZERO_ENTRY,
  XaInternal,
} from "./_defs.ts";
import {
  GAP,
  MA_ROOT_PARENT,
  MapleNode,
  MAS_NONE,
  NEND,
  NMGAP,
  NODE_OBJ,
  NPARENT,
  NTYPE,
  PIV,
  pool_cap,
  SLOT,
} from "./_node_pool.ts";
import { ma_data_end, ma_is_leaf, MapleTree, mt_height } from "./_state.ts";

/** `enum mt_dump_format`. */
export const mt_dump_dec = 0;

/** `enum mt_dump_format`. */
export const mt_dump_hex = 1;

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

/** The short id of node n (its slab object's). */
export function nnid(n: number): string {
  if (n === MAS_NONE) return "(nil)";
  const o = n < pool_cap ? NODE_OBJ[n] : null;
  return o === null ? `node ${n}` : nid(o);
}

/** The short id of a slot value of node n: a child node or an entry. */
export function sid(n: number, v: unknown): string {
  return !ma_is_leaf(NTYPE[n]) && typeof v === "number" ? nnid(v) : nid(v);
}

/** Forget the short ids `mt_dump` gives nodes and entries. */
export function mt_dump_reset_ids(): void {
  node_ids = new WeakMap();
  next_node_id = 1;
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
