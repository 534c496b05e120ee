// Copyright 2026 the iommulab authors. MIT license.
/**
 * iommulab: the Linux IOMMU address-space code (IOVA allocator, maple tree,
 * generic page table, interval tree) running in a simulated kernel, with a
 * KUnit mirror that prints the kernel's KTAP.
 *
 * @module
 */
export * from "./lib/kernel/mod.ts";
export * from "./lib/kunit/mod.ts";
export * from "./lib/maple/mod.ts";
export * from "./lib/rbtree/mod.ts";
export * from "./lib/interval_tree/mod.ts";
export * from "./lib/iova/mod.ts";
export * from "./lib/pt/mod.ts";
