// Copyright 2026 the iommulab authors. MIT license.
/**
 * The IOVA allocator of drivers/iommu/iova.c in three variants that run
 * side by side: `rbtree-6.12` (upstream), `maple-v3` and `maple-v4` (the
 * 2026 series "iova: use maple tree for O(log n) allocation"), each with
 * its own `struct iova` slab size, the shared per-CPU rcache and depot,
 * and each maple variant's way of handling an erase that fails under
 * `GFP_ATOMIC`.
 *
 * @example Usage
 * ```ts
 * import {
 *   alloc_iova, DMA_BIT_MASK, __free_iova, init_iova_domain, iova_cache_get,
 *   iova_cache_put, IovaDomain, PAGE_SHIFT, PAGE_SIZE, put_iova_domain,
 * } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * iova_cache_get();
 * const iovad = new IovaDomain("maple-v4");
 * init_iova_domain(iovad, PAGE_SIZE, 1);
 * const limit = DMA_BIT_MASK(32) / 2 ** PAGE_SHIFT;
 * const a = alloc_iova(iovad, 4, limit, true)!;
 * assert.equal(a.pfn_hi, limit);          // top-down, naturally aligned
 * assert.equal(a.pfn_lo % 4, 0);
 * __free_iova(iovad, a);
 * put_iova_domain(iovad);
 * iova_cache_put();
 * ```
 *
 * @module
 */
export * from "./iova_h.ts";
export {
  alloc_iova_mem,
  free_iova_mem,
  IOVA_ANCHOR,
  IOVA_CACHE_FLAGS,
  iova_cache_of,
  iova_cache_users,
  IOVA_DEFAULT_VARIANT,
  IOVA_MAGAZINE_BYTES,
  iova_magazine_cache,
  IOVA_STRUCT_SIZE,
  IOVA_VARIANTS,
  IovaCpuhpNode,
  IovaDomain,
  type IovaVariant,
} from "./iova_domain.ts";
export * from "./iova.ts";
export * from "./lifetime.ts";
export * from "./rcache.ts";
export * from "./kunit_hooks.ts";
export * from "./stats.ts";
export {
  iova_deferred_count,
  IOVA_DEFERRED_RETRY_MS,
  iova_drain_deferred,
} from "./_maple.ts";
export { iova_ops } from "./_variants.ts";
export type { IovaOps } from "./_ops.ts";
