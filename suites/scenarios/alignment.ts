// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_alignment`: `alloc_iova(..., size_aligned)` in every variant.
 * Aligned and unaligned sizes top-down below the 32-bit limit, alignment
 * with a `start_pfn` that is not aligned, and the `size + align - 1`
 * divergence: the maple search needs a gap that large, so an exactly
 * sized aligned hole the rbtree finds is invisible to it (reference §4.8).
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

export default {
  doc: "alloc_iova alignment in every variant",
  scenarios: [
    {
      name: "aligned_sizes_top_down",
      doc: "power-of-two aligned requests pack down from the 32-bit limit",
      subjects: { iova: {} },
      steps: [
        {
          op: "alloc",
          size: 1,
          limit: "32bit",
          aligned: true,
          expect: "0xfffff",
        },
        {
          op: "alloc",
          size: 2,
          limit: "32bit",
          aligned: true,
          expect: "0xffffc",
        },
        {
          op: "alloc",
          size: 4,
          limit: "32bit",
          aligned: true,
          expect: "0xffff8",
        },
        {
          op: "alloc",
          size: 8,
          limit: "32bit",
          aligned: true,
          expect: "0xffff0",
          expect_fields: { pfn_hi: "0xffff7", size: 8 },
        },
        { op: "check", invariants: true, counters: { live_iovas: 4 } },
      ],
    },
    {
      name: "unaligned_sizes_pack",
      doc: "unaligned requests leave no hole; limit_pfn is inclusive",
      subjects: { iova: {} },
      steps: [
        { op: "alloc", size: 1, limit: "32bit", expect: "0xfffff" },
        { op: "alloc", size: 3, limit: "32bit", expect: "0xffffc" },
        {
          op: "alloc",
          size: 5,
          limit: "32bit",
          as: "c",
          expect: "0xffff7",
          expect_fields: { pfn_hi: "0xffffb" },
        },
        { op: "alloc", size: 1, limit: "$c-1", expect: "$c-1" },
        { op: "check", invariants: true },
      ],
    },
    {
      name: "non_power_of_two_aligned",
      doc: "size 3 aligns to 4 and keeps its length; the pfn left above it " +
        "is where maple puts the next request, the rbtree walks on below",
      subjects: { iova: {} },
      steps: [
        {
          op: "alloc",
          size: 3,
          limit: "32bit",
          aligned: true,
          as: "a",
          expect: "0xffffc",
          expect_fields: { pfn_hi: "0xffffe", size: 3 },
        },
        {
          op: "alloc",
          size: 1,
          limit: "32bit",
          expect: {
            per_variant: {
              "rbtree-6.12": "$a-1",
              "maple-v3": "0xfffff",
              "maple-v4": "0xfffff",
            },
          },
        },
      ],
    },
    {
      name: "start_pfn_not_aligned",
      doc:
        "window [5, 30], size 8 aligned: [16, 23] for everyone; the rbtree " +
        "then finds [8, 15], maple needs 15 free pfns and has 11",
      subjects: { iova: { start_pfn: 5 } },
      steps: [
        { op: "alloc", size: 8, limit: 30, aligned: true, expect: 16 },
        {
          op: "alloc",
          size: 8,
          limit: 30,
          aligned: true,
          expect: {
            per_variant: {
              "rbtree-6.12": 8,
              "maple-v3": null,
              "maple-v4": null,
            },
          },
        },
        { op: "alloc", size: 8, limit: 30, aligned: true, expect: null },
      ],
    },
    {
      name: "size_plus_align_minus_one",
      doc: "[8, 15] is the only aligned fit in [5, 15]: the rbtree takes it, " +
        "maple's gap search asks for 8 + 8 - 1 = 15 pfns, fails, and sets " +
        "the max32 hint to 8, so an unaligned size 8 then fails fast " +
        "although 11 pfns are free; size 7 is searched and fits",
      subjects: { iova: { start_pfn: 5 } },
      steps: [
        {
          op: "alloc",
          size: 8,
          limit: 15,
          aligned: true,
          expect: {
            per_variant: {
              "rbtree-6.12": 8,
              "maple-v3": null,
              "maple-v4": null,
            },
          },
        },
        {
          op: "check",
          counters: {
            max32_alloc_size: {
              per_variant: {
                "rbtree-6.12": "0x100000",
                "maple-v3": 8,
                "maple-v4": 8,
              },
            },
          },
        },
        { op: "alloc", size: 8, limit: 15, expect: null },
        {
          op: "alloc",
          size: 3,
          limit: 15,
          expect: {
            per_variant: {
              "rbtree-6.12": 5,
              "maple-v3": 13,
              "maple-v4": 13,
            },
          },
        },
      ],
    },
    {
      name: "start_pfn_below_alignment",
      doc: "start 5, limit 14, size 8: the only aligned start would be 0; " +
        "the failure sets the hint, so size 8 unaligned fails fast too",
      subjects: { iova: { start_pfn: 5 } },
      steps: [
        { op: "alloc", size: 8, limit: 14, aligned: true, expect: null },
        { op: "check", counters: { max32_alloc_size: 8 } },
        { op: "alloc", size: 8, limit: 14, expect: null },
        { op: "alloc", size: 7, limit: 14, expect: 8 },
      ],
    },
    {
      name: "random_aligned_sizes",
      doc: "seeded sizes 1..64, each aligned to its power of two, freed again",
      subjects: { iova: {} },
      steps: [
        {
          op: "repeat",
          times: 64,
          seed: 7,
          gen: { size: { pow2: [0, 6] } },
          steps: [
            {
              op: "alloc",
              size: "$size",
              limit: "32bit",
              aligned: true,
              as: "a",
              expect: { aligned: "$size", range: [1, "0xfffff"] },
              expect_fields: { size: "$size" },
            },
            { op: "free", iova: "a" },
          ],
        },
        { op: "check", invariants: true, counters: { live_iovas: 0 } },
      ],
    },
  ],
} satisfies ScenarioFile;
