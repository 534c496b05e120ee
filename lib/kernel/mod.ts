// Copyright 2026 the iommulab authors. MIT license.
/**
 * The simulated kernel every model runs in: errno, bit helpers, BUG/WARN and
 * printk routed to the current KUnit test, the slab, the page allocator,
 * fault injection, virtual time and workqueues, CPUs and locks.
 *
 * @module
 */
export * from "./errno.ts";
export * from "./bits.ts";
export * from "./bug.ts";
export * from "./test_bug.ts";
