// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_limits`: DMA limits and the 32-bit hint. Allocations at
 * limits of 32, 33, 36, 56 and 64 bits land at the top of each; a failed
 * 32-bit search sets `max32_alloc_size` so that requests as large fail
 * fast, requests above 4 GiB ignore it, and a free below 4 GiB resets it
 * (`__cached_rbnode_delete_update()`, the series' `iova_free_update()`).
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

export default {
  doc: "DMA limits and the max32_alloc_size hint",
  scenarios: [
    {
      name: "top_of_each_limit",
      doc: "size 1 below limits of 32..64 bits in turn. Maple takes the top " +
        "of the highest gap each time; the rbtree searches down from its " +
        "cached node (the previous allocation above 4 GiB), so a higher " +
        "limit does not move it back up while space remains below",
      subjects: { iova: {} },
      steps: [
        { op: "alloc", size: 1, limit: "32bit", expect: "0xfffff" },
        { op: "alloc", size: 1, limit: "33bit", expect: "0x1fffff" },
        {
          op: "alloc",
          size: 1,
          limit: "36bit",
          expect: {
            per_variant: {
              "rbtree-6.12": "0x1ffffe",
              "maple-v3": "0xffffff",
              "maple-v4": "0xffffff",
            },
          },
        },
        {
          op: "alloc",
          size: 1,
          limit: "56bit",
          expect: {
            per_variant: {
              "rbtree-6.12": "0x1ffffd",
              "maple-v3": "0xfffffffffff",
              "maple-v4": "0xfffffffffff",
            },
          },
        },
        {
          op: "alloc",
          size: 1,
          limit: "64bit",
          expect: {
            per_variant: {
              "rbtree-6.12": "0x1ffffc",
              "maple-v3": "0xfffffffffffff",
              "maple-v4": "0xfffffffffffff",
            },
          },
        },
        {
          op: "alloc",
          size: 16,
          limit: "64bit",
          aligned: true,
          doc: "[..ff0, ..fff] holds the size-1 iova: the next aligned start",
          expect: {
            per_variant: {
              "rbtree-6.12": "0x1fffe0",
              "maple-v3": "0xfffffffffffe0",
              "maple-v4": "0xfffffffffffe0",
            },
          },
        },
        { op: "check", invariants: true, counters: { live_iovas: 6 } },
      ],
    },
    {
      name: "each_limit_alone",
      doc: "each limit on an otherwise empty domain: the top pfn below it",
      subjects: { iova: {} },
      steps: [
        {
          op: "alloc",
          size: 1,
          limit: "64bit",
          as: "top",
          expect: "0xfffffffffffff",
        },
        { op: "free", iova: "top" },
        { op: "alloc", size: 1, limit: "33bit", as: "a", expect: "0x1fffff" },
        { op: "free", iova: "a" },
        {
          op: "alloc",
          size: 1,
          limit: "56bit",
          as: "b",
          expect: "0xfffffffffff",
        },
        { op: "free", iova: "b" },
        { op: "alloc", size: 1, limit: "36bit", as: "c", expect: "0xffffff" },
        { op: "free", iova: "c" },
        { op: "check", invariants: true, counters: { live_iovas: 0 } },
      ],
    },
    {
      name: "max32_hint_set_and_reset",
      subjects: { iova: {} },
      steps: [
        {
          op: "check",
          counters: { max32_alloc_size: "0x100000", dma_32bit_pfn: "0x100000" },
        },
        {
          op: "alloc",
          size: "0x80000",
          limit: "32bit",
          as: "half",
          expect: "0x80000",
        },
        {
          op: "alloc",
          size: "0x80000",
          limit: "32bit",
          expect: null,
          doc: "[1, 0x7ffff] is one pfn short",
        },
        { op: "check", counters: { max32_alloc_size: "0x80000" } },
        {
          op: "alloc",
          size: "0x7ffff",
          limit: "32bit",
          as: "rest",
          expect: 1,
          doc: "smaller than the hint: searched, fits exactly",
        },
        { op: "free", iova: "rest" },
        {
          op: "check",
          doc: "the free below 4 GiB reset the hint",
          counters: { max32_alloc_size: "0x100000" },
        },
        { op: "alloc", size: "0x80000", limit: "32bit", expect: null },
        { op: "check", counters: { max32_alloc_size: "0x80000" } },
        {
          op: "alloc",
          size: "0x80000",
          limit: "36bit",
          as: "high",
          expect: "0xf80000",
          doc: "above 4 GiB the hint does not apply",
        },
        { op: "free", iova: "high" },
        {
          op: "check",
          doc: "a free above 4 GiB leaves the hint",
          counters: { max32_alloc_size: "0x80000" },
        },
        { op: "free", iova: "half" },
        {
          op: "check",
          invariants: true,
          counters: { max32_alloc_size: "0x100000", live_iovas: 0 },
        },
      ],
    },
    {
      name: "hint_fails_fast",
      doc: "with the hint set, a 32-bit request as large fails even where " +
        "space was freed above the limit's reach",
      subjects: { iova: {} },
      steps: [
        {
          op: "alloc",
          size: "0x80000",
          limit: "32bit",
          as: "a",
          expect: "0x80000",
        },
        { op: "alloc", size: "0x7ffff", limit: "32bit", as: "b", expect: 1 },
        { op: "alloc", size: 16, limit: "32bit", expect: null },
        { op: "check", counters: { max32_alloc_size: 16 } },
        { op: "alloc", size: 16, limit: "32bit", expect: null },
        {
          op: "alloc",
          size: 8,
          limit: "32bit",
          expect: null,
          doc: "smaller: searched, still full",
        },
        { op: "check", counters: { max32_alloc_size: 8 } },
        { op: "free", iova: "b" },
        {
          op: "alloc",
          size: 16,
          limit: "32bit",
          expect: { range: [1, "0x7ffff"] },
        },
      ],
    },
  ],
} satisfies ScenarioFile;
