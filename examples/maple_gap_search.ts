// Copyright 2026 the iommulab authors. MIT license.
/**
 * Gap search in a maple tree, the way the maple IOVA allocator uses it.
 *
 * Builds an `MT_FLAGS_ALLOC_RANGE` tree, allocates ranges top-down with
 * `mas_empty_area_rev()` + `mas_store_gfp()` (as `alloc_iova()` does), frees
 * one, finds the hole again, then prints the node accounting and the
 * `mt_dump()` of a small tree.
 *
 * Run it with:
 *
 * ```sh
 * deno run examples/maple_gap_search.ts
 * ```
 *
 * @module
 */
import {
  ENOMEM,
  GFP_KERNEL,
  MA_STATE,
  maple_type_names,
  MapleTree,
  mas_empty_area_rev,
  mas_store_gfp,
  mt_dump_string,
  MT_FLAGS_ALLOC_RANGE,
  mt_node_stats,
  mt_nr_allocated,
  mt_validate_report,
  mtree_destroy,
  mtree_erase,
  mtree_load,
  mtree_store_range,
} from "../mod.ts";

const hex = (n: number): string => "0x" + n.toString(16);

/** Top-down first fit of `size` indices in [min, max]: the start or -errno. */
function alloc_range_rev(
  mt: MapleTree,
  size: number,
  min: number,
  max: number,
  entry: unknown,
): number {
  const mas = MA_STATE(mt, 0, 0);
  const ret = mas_empty_area_rev(mas, min, max, size);
  if (ret) return ret;
  // mas.index/mas.last now span the gap found; store over exactly that.
  if (mas_store_gfp(mas, entry, GFP_KERNEL)) return -ENOMEM;
  return mas.index;
}

const nodes_before = mt_nr_allocated();
const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE);

// The address space [1, 0xfffff] (a 32-bit DMA mask in 4 KiB pfns).
const LIMIT = 0xfffff;
const a = alloc_range_rev(mt, 16, 1, LIMIT, "a");
const b = alloc_range_rev(mt, 1, 1, LIMIT, "b");
const c = alloc_range_rev(mt, 8, 1, LIMIT, "c");
console.log(`a: ${hex(a)}  b: ${hex(b)}  c: ${hex(c)}`);

// Free b: the next 1-index request fits exactly into the hole it left.
mtree_erase(mt, b);
const d = alloc_range_rev(mt, 1, 1, LIMIT, "d");
console.log(`d reuses b's hole: ${d === b} (${hex(d)})`);

// A window that is already full: -EBUSY.
console.log(`gap of 4 in [a, a+15]: ${
  mas_empty_area_rev(
    MA_STATE(mt, 0, 0),
    a,
    a + 15,
    4,
  )
}`);

// Fill enough to need internal nodes, then look at the accounting.
for (let i = 0; i < 200; i++) alloc_range_rev(mt, 2, 1, LIMIT, i);
const s = mt_node_stats(mt);
const types = s.by_type
  .map((n, t) => n ? `${maple_type_names[t]}=${n}` : "")
  .filter((x) => x)
  .join(" ");
console.log(
  `entries: ${s.entries}, height: ${s.height}, nodes: ${s.nodes} (${types})`,
);
console.log(
  `node memory: ${s.bytes} bytes, leaf fill ${
    (s.leaf_fill * 100).toFixed(1)
  } %`,
);
console.log(
  `maple_node slab objects live: ${mt_nr_allocated() - nodes_before}`,
);
console.log(`mt_validate problems: ${mt_validate_report(mt).length}`);
mtree_destroy(mt);
console.log(
  `after mtree_destroy: ${mt_nr_allocated() - nodes_before} nodes live`,
);

// mt_dump of a small tree: one leaf, NULL ranges included.
const small = new MapleTree(MT_FLAGS_ALLOC_RANGE);
mtree_store_range(small, 10, 19, "x", GFP_KERNEL);
mtree_store_range(small, 40, 40, "y", GFP_KERNEL);
console.log(`mtree_load(small, 15): ${mtree_load(small, 15)}`);
console.log(mt_dump_string(small));
mtree_destroy(small);
