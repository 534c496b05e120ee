// Copyright 2026 the iommulab authors. MIT license.
/**
 * Benchmarks of the span iterator and of iommufd's allocator against the
 * maple tree on the same fragmented space.
 *
 * - `span walk`: one full `interval_tree_for_each_span` over 10^5 disjoint
 *   nodes separated by one-index gaps: 2 * 10^5 spans per iteration, so
 *   per-span time = reported time / 200000.
 * - `alloc N=...`: N one-page areas at every other page (one-page holes),
 *   then a two-page request that only fits above them, freed again. The
 *   iommufd allocator (`iopt_alloc_iova` + insert + remove) walks every
 *   span below the fit, so its cost grows linearly with N; the maple tree
 *   (`mtree_alloc_range` + `mtree_erase`, the same ranges stored) uses its
 *   gap augmentation.
 *
 *     deno bench --allow-read --allow-env lib/interval_tree/interval_tree_bench.ts
 *
 * @module
 */
import type { ULongPtr } from "../kernel/bits.ts";
import { GFP_KERNEL, kasan_enable, ULONG_MAX } from "../kernel/mod.ts";
import { RbRootCached } from "../rbtree/mod.ts";
import {
  interval_tree_insert,
  interval_tree_span_iter_done,
  interval_tree_span_iter_first,
  interval_tree_span_iter_next,
  IntervalTreeNode,
  IntervalTreeSpanIter,
  IoPagetable,
  IOPT_ALLOC_IOVA,
  iopt_map_user_pages,
  iopt_unmap_iova,
} from "./mod.ts";
import {
  MapleTree,
  MT_FLAGS_ALLOC_RANGE,
  mtree_alloc_range,
  mtree_erase,
  mtree_store_range,
} from "../maple/mod.ts";

kasan_enable({ enabled: false, stacks: false });

const PG = 4096;
const NODES = 100_000;

const spanRoot = new RbRootCached();
for (let i = 0; i < NODES; i++) {
  interval_tree_insert(new IntervalTreeNode(2 * i + 1, 2 * i + 1), spanRoot);
}
const spanIter = new IntervalTreeSpanIter();
let sink = 0;

Deno.bench({
  name: "span walk, 10^5 nodes (2*10^5 spans)",
  group: "span",
  fn() {
    let n = 0;
    for (
      interval_tree_span_iter_first(spanIter, spanRoot, 0, 2 * NODES);
      !interval_tree_span_iter_done(spanIter);
      interval_tree_span_iter_next(spanIter)
    ) n++;
    sink += n;
  },
});

function iommufdSpace(n: number): IoPagetable {
  const iopt = new IoPagetable();
  const ref: ULongPtr = { value: 0 };
  for (let i = 0; i < n; i++) {
    ref.value = (2 * i + 1) * PG;
    iopt_map_user_pages(iopt, ref, 0, PG, 0, 0);
  }
  return iopt;
}

function mapleSpace(n: number): MapleTree {
  const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE);
  for (let i = 0; i < n; i++) {
    mtree_store_range(
      mt,
      (2 * i + 1) * PG,
      (2 * i + 2) * PG - 1,
      i + 1,
      GFP_KERNEL,
    );
  }
  return mt;
}

for (const n of [1_000, 10_000, 100_000]) {
  const iopt = iommufdSpace(n);
  const ref: ULongPtr = { value: 0 };
  const expect = 2 * n * PG; // first 8 KiB-aligned fit above the areas
  Deno.bench({
    name: `iommufd alloc+free, N=${n}`,
    group: `alloc N=${n}`,
    baseline: true,
    fn() {
      if (iopt_map_user_pages(iopt, ref, 0, 2 * PG, 0, IOPT_ALLOC_IOVA)) {
        throw new Error("alloc failed");
      }
      if (ref.value !== expect) throw new Error(`got ${ref.value}`);
      iopt_unmap_iova(iopt, ref.value, 2 * PG, null);
    },
  });
  const mt = mapleSpace(n);
  const start = { value: 0 };
  Deno.bench({
    name: `maple alloc+free, N=${n}`,
    group: `alloc N=${n}`,
    fn() {
      if (
        mtree_alloc_range(mt, start, 1, 2 * PG, PG, ULONG_MAX - PG, GFP_KERNEL)
      ) {
        throw new Error("maple alloc failed");
      }
      mtree_erase(mt, start.value);
    },
  });
}

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
