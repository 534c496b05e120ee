// Copyright 2026 the iommulab authors. MIT license.
/**
 * A fail-nth sweep over a maple-tree store (the iommufd `TEST_FAIL_NTH`
 * pattern): the store runs once cleanly, then with the 1st, 2nd, ... maple
 * node allocation failing, until every allocation was covered. Each failed
 * store must return -ENOMEM with the tree unchanged, and no maple node may
 * be left outside the tree.
 *
 * Run it with:
 *
 * ```sh
 * deno run examples/fault_sweep.ts
 * ```
 *
 * @module
 */
import {
  ENOMEM,
  fail_nth_sweep,
  GFP_KERNEL,
  MA_STATE,
  MapleTree,
  mas_for_each,
  mas_preallocate,
  mas_store_prealloc,
  MT_FLAGS_ALLOC_RANGE,
  mt_node_stats,
  mt_nr_allocated,
  mt_validate_report,
  mtree_destroy,
  mtree_load,
  mtree_store_range,
  ULONG_MAX,
} from "../mod.ts";

const nodes_at_start = mt_nr_allocated();
let mt = build();
/** 200 ranges [10i, 10i + 4] (and the NULL ranges between them). */
function build(): MapleTree {
  const t = new MapleTree(MT_FLAGS_ALLOC_RANGE);
  for (let i = 0; i < 200; i++) {
    mtree_store_range(t, i * 10, i * 10 + 4, i, GFP_KERNEL);
  }
  return t;
}

/** Every range and its entry, as text. */
function contents(t: MapleTree): string {
  const mas = MA_STATE(t, 0, 0);
  const out: string[] = [];
  for (const entry of mas_for_each(mas, ULONG_MAX)) {
    out.push(`${mas.index}-${mas.last}:${entry}`);
  }
  return out.join(" ");
}

/** Nodes allocated but not in the tree: leaked by the iteration. */
function leaked_nodes(): number {
  return mt_nr_allocated() - nodes_at_start - mt_node_stats(mt).nodes;
}

const before = contents(mt);
const s = mt_node_stats(mt);
console.log(`tree: ${s.entries} entries, ${s.nodes} nodes, height ${s.height}`);

// The operation: a spanning store over [555, 1234] that preallocates first
// (mas_preallocate: 0, or -ENOMEM with nothing kept and the tree untouched).
const op = (): number => {
  const mas = MA_STATE(mt, 555, 1234);
  const ret = mas_preallocate(mas, "span", GFP_KERNEL);
  if (ret) return ret;
  mas_store_prealloc(mas, "span");
  return 0;
};

// After each iteration (with the fault disarmed): check, then put the tree
// back for the next iteration.
let unchanged_on_enomem = true;
let last: number | undefined;
const check = (): boolean => {
  let ok = mt_validate_report(mt).length === 0;
  if (last === -ENOMEM && contents(mt) !== before) {
    unchanged_on_enomem = false;
    ok = false;
  }
  if (last === 0 && mtree_load(mt, 1000) !== "span") ok = false;
  mtree_destroy(mt);
  mt = build();
  return ok;
};

const r = fail_nth_sweep({
  op: () => (last = op()),
  point: "maple.node_alloc",
  check,
  leaks: leaked_nodes,
});

console.log("nth  injected  result  invariants  leaks");
for (const row of r.rows) {
  console.log(
    [
      String(row.iteration).padStart(3),
      String(row.injected).padEnd(8),
      String(row.result).padStart(6),
      String(row.invariants_ok).padEnd(10),
      row.leaks,
    ].join("  "),
  );
}
const failed = r.rows.filter((x) => x.injected).length;
console.log(`node allocations covered: ${failed}, complete: ${r.complete}`);
console.log(`-ENOMEM left the tree unchanged: ${unchanged_on_enomem}`);
console.log(`sweep ok: ${r.ok}`);
mtree_destroy(mt);
console.log(`leaked: ${mt_nr_allocated() - nodes_at_start}`);
