// Copyright 2026 the iommulab authors. MIT license.
/**
 * The maple tree of Linux 6.12: range-to-entry B-tree with gap tracking
 * (`MT_FLAGS_ALLOC_RANGE`), the advanced `mas_*` API with preallocation and
 * store types, the normal `mtree_*` API, `mt_validate` and `mt_dump`, and
 * node accounting through the `maple_node` slab cache.
 *
 * @example Usage
 * ```ts
 * import { GFP_KERNEL } from "../kernel/mod.ts";
 * import {
 *   MA_STATE, mas_empty_area_rev, MapleTree, MT_FLAGS_ALLOC_RANGE,
 *   mtree_load, mtree_store_range,
 * } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE);
 * mtree_store_range(mt, 10, 19, "a", GFP_KERNEL);
 * assert.equal(mtree_load(mt, 15), "a");
 * const mas = MA_STATE(mt, 0, 0);
 * assert.equal(mas_empty_area_rev(mas, 0, 30, 5), 0);
 * assert.deepEqual([mas.index, mas.last], [26, 30]);
 * ```
 *
 * @module
 */
export * from "./maple_tree.ts";
