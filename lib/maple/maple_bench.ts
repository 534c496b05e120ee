// Copyright 2026 the iommulab authors. MIT license.
/**
 * Benchmarks of the maple tree against `sorted-btree` doing the nearest
 * equivalent (floor lookup, insert + delete, gap search by scanning).
 *
 * Every bench iteration runs a batch of {@link BATCH} operations (the full
 * tree for iteration), so per-operation time = reported time / BATCH.
 * Tree: 10^5 entries `[3i, 3i+1]` (single free index between them) in an
 * ALLOC_RANGE tree, with every 100th entry missing (a 4-index hole).
 *
 * The walk group also times a lower bound: `mtree_lookup_walk()`, the bare
 * descent through the same nodes (scan the pivots, follow the slot) with
 * none of `mas_walk`'s state. It is what any walk of this tree's shape costs
 * on the machine, whatever the bookkeeping.
 *
 *     deno bench --allow-read --allow-env lib/maple/maple_bench.ts
 *
 * scripts/native/maple_bench.sh times the kernel's own lib/maple_tree.c on
 * the same tree and operations, for a native baseline on the same machine.
 *
 * @module
 */
import SortedBTree from "sorted-btree";
const BTree = SortedBTree.default;
import {
  GFP_KERNEL,
  kasan_enable,
  ULONG_MAX,
  Xoshiro128,
} from "../kernel/mod.ts";
import {
  MA_STATE,
  MapleTree,
  mas_empty_area_rev,
  mas_erase,
  mas_find,
  mas_reset,
  mas_set,
  mas_set_range,
  mas_store_gfp,
  mas_walk,
  MT_FLAGS_ALLOC_RANGE,
  mtree_store_range,
} from "./mod.ts";
import { MapleNode } from "./_node_pool.ts";
import { mtree_lookup_walk } from "./_walk.ts";

kasan_enable({ enabled: false, stacks: false });

/** Operations per bench iteration. */
const BATCH = 1000;
const N = 100_000;

interface Range {
  last: number;
  value: unknown;
}

const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE);
const bt = new BTree<number, Range>();
for (let i = 0; i < N; i++) {
  if (i % 100 === 99) continue;
  const v = { id: i };
  mtree_store_range(mt, 3 * i, 3 * i + 1, v, GFP_KERNEL);
  bt.set(3 * i, { last: 3 * i + 1, value: v });
}

const rng = new Xoshiro128(0x9e3779b9);
const rnd = (n: number): number => rng.below(n);
const idx = new Float64Array(BATCH);
for (let i = 0; i < BATCH; i++) idx[i] = rnd(3 * N);
const gapIdx = new Float64Array(BATCH);
for (let i = 0; i < BATCH; i++) gapIdx[i] = 3 * rnd(N - 1) + 2;

const mas = MA_STATE(mt, 0, 0);
let sink: unknown = null;

Deno.bench({
  name: "maple mas_walk x1000",
  group: "walk",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      mas_set(mas, idx[i]);
      sink = mas_walk(mas);
    }
  },
});
Deno.bench({
  name: "sorted-btree getPairOrNextLower x1000",
  group: "walk",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      const p = bt.getPairOrNextLower(idx[i]);
      sink = p !== undefined && p[1].last >= idx[i] ? p[1].value : null;
    }
  },
});

// The lower bound: mtree_lookup_walk() (mtree_load()'s descent: scan the
// pivots, follow the slot, keep no range), from the root.
const root = (mt.ma_root as MapleNode).id;
const lookup = MA_STATE(mt, 0, 0);
function bare_descent(index: number): unknown {
  lookup.node = root;
  lookup.index = index;
  return mtree_lookup_walk(lookup);
}
for (let i = 0; i < BATCH; i++) {
  mas_set(mas, idx[i]);
  if (mas_walk(mas) !== bare_descent(idx[i])) {
    throw new Error(`bare descent disagrees with mas_walk at ${idx[i]}`);
  }
}
Deno.bench({
  name: "lower bound: bare descent, same nodes x1000",
  group: "walk",
  fn() {
    for (let i = 0; i < BATCH; i++) sink = bare_descent(idx[i]);
  },
});

const marker = { marker: true };
Deno.bench({
  name: "maple store in gap + mas_erase x1000",
  group: "store_erase",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      const g = gapIdx[i];
      mas_set_range(mas, g, g);
      mas_store_gfp(mas, marker, GFP_KERNEL);
      mas_set(mas, g);
      sink = mas_erase(mas);
    }
  },
});
Deno.bench({
  name: "sorted-btree set + delete x1000",
  group: "store_erase",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      const g = gapIdx[i];
      bt.set(g, { last: g, value: marker });
      bt.delete(g);
    }
  },
});

Deno.bench({
  name: "maple mas_empty_area_rev(size 4) x1000",
  group: "empty_area_rev",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      mas_reset(mas);
      sink = mas_empty_area_rev(mas, 0, idx[i] + 400, 4);
    }
  },
});
Deno.bench({
  name: "sorted-btree reverse scan for a 4-index gap x1000",
  group: "empty_area_rev",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      let end = idx[i] + 400;
      let found = -1;
      for (const [k, r] of bt.entriesReversed(end)) {
        if (r.last < end && end - r.last >= 4) {
          found = end - 3;
          break;
        }
        end = k - 1;
      }
      sink = found;
    }
  },
});

Deno.bench({
  name: "maple mas_find iteration (whole tree)",
  group: "iterate",
  baseline: true,
  fn() {
    mas_set(mas, 0);
    let n = 0;
    while (mas_find(mas, ULONG_MAX) !== null) n++;
    sink = n;
  },
});
Deno.bench({
  name: "sorted-btree forEachPair (whole tree)",
  group: "iterate",
  fn() {
    let n = 0;
    bt.forEachPair(() => {
      n++;
    });
    sink = n;
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === undefined) console.log(sink);
});
