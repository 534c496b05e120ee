// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_reserve`: `reserve_iova()` against every overlap shape with
 * A = [100, 199] reserved first. The rbtree widens the overlapped node
 * down in place and inserts what is left above it (the node returned may
 * cover only part of the request); maple merges everything overlapped into
 * one entry covering the whole request and frees the old structs
 * (reference §6.4).
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

const A = { op: "reserve", lo: 100, hi: 199, as: "a", expect: 100 } as const;

export default {
  doc: "reserve_iova overlap shapes, per variant",
  scenarios: [
    {
      name: "left_overlap",
      subjects: { iova: {} },
      steps: [
        A,
        {
          op: "reserve",
          lo: 50,
          hi: 149,
          expect: 50,
          expect_fields: { pfn_hi: 199 },
        },
        { op: "find", pfn: 50, expect: 50, expect_fields: { pfn_hi: 199 } },
        { op: "check", invariants: true, counters: { live_iovas: 1 } },
      ],
    },
    {
      name: "right_overlap",
      subjects: { iova: {} },
      steps: [
        A,
        {
          op: "reserve",
          lo: 150,
          hi: 249,
          expect: {
            per_variant: {
              "rbtree-6.12": 200,
              "maple-v3": 100,
              "maple-v4": 100,
            },
          },
          expect_fields: { pfn_hi: 249 },
        },
        {
          op: "find",
          pfn: 120,
          expect: 100,
          expect_fields: {
            pfn_hi: {
              per_variant: {
                "rbtree-6.12": 199,
                "maple-v3": 249,
                "maple-v4": 249,
              },
            },
          },
        },
        {
          op: "check",
          invariants: true,
          counters: {
            live_iovas: {
              per_variant: { "rbtree-6.12": 2, "maple-v3": 1, "maple-v4": 1 },
            },
          },
        },
      ],
    },
    {
      name: "covering",
      subjects: { iova: {} },
      steps: [
        A,
        {
          op: "reserve",
          lo: 50,
          hi: 249,
          expect: {
            per_variant: { "rbtree-6.12": 200, "maple-v3": 50, "maple-v4": 50 },
          },
          expect_fields: { pfn_hi: 249 },
        },
        { op: "find", pfn: 50, expect: 50 },
        {
          op: "find",
          pfn: 249,
          expect: {
            per_variant: { "rbtree-6.12": 200, "maple-v3": 50, "maple-v4": 50 },
          },
        },
        { op: "check", invariants: true },
      ],
    },
    {
      name: "inside",
      doc: "a request inside A returns A unchanged",
      subjects: { iova: {} },
      steps: [
        A,
        {
          op: "reserve",
          lo: 120,
          hi: 150,
          expect: 100,
          expect_fields: { pfn_hi: 199 },
        },
        {
          op: "reserve",
          lo: 100,
          hi: 199,
          expect: 100,
          expect_fields: { pfn_hi: 199 },
        },
        { op: "check", invariants: true, counters: { live_iovas: 1 } },
      ],
    },
    {
      name: "adjacent_and_disjoint",
      doc: "touching A is not overlapping it: a new entry each time",
      subjects: { iova: {} },
      steps: [
        A,
        {
          op: "reserve",
          lo: 200,
          hi: 249,
          expect: 200,
          expect_fields: { pfn_hi: 249 },
        },
        {
          op: "reserve",
          lo: 50,
          hi: 99,
          expect: 50,
          expect_fields: { pfn_hi: 99 },
        },
        { op: "reserve", lo: 400, hi: 499, expect: 400 },
        { op: "find", pfn: 150, expect: 100, expect_fields: { pfn_hi: 199 } },
        { op: "check", invariants: true, counters: { live_iovas: 4 } },
      ],
    },
    {
      name: "spanning_two",
      doc: "[150, 349] over A and B = [300, 399]: the rbtree moves the " +
        "request above A and widens B down to 200; maple makes [100, 399]",
      subjects: { iova: {} },
      steps: [
        A,
        { op: "reserve", lo: 300, hi: 399, as: "b", expect: 300 },
        {
          op: "reserve",
          lo: 150,
          hi: 349,
          expect: {
            per_variant: {
              "rbtree-6.12": 200,
              "maple-v3": 100,
              "maple-v4": 100,
            },
          },
          expect_fields: { pfn_hi: 399 },
        },
        {
          op: "check",
          invariants: true,
          counters: {
            live_iovas: {
              per_variant: { "rbtree-6.12": 2, "maple-v3": 1, "maple-v4": 1 },
            },
          },
        },
      ],
    },
    {
      name: "allocations_avoid_reservation",
      doc: "test_reserve_iova: with [256, 767] reserved below a 1023 limit, " +
        "size-16 aligned allocations never land inside it",
      subjects: { iova: {} },
      steps: [
        { op: "reserve", lo: 256, hi: 767, expect: 256 },
        {
          op: "repeat",
          times: 15,
          steps: [
            {
              op: "alloc",
              size: 16,
              limit: 1023,
              aligned: true,
              expect: { range: [784, 1023], aligned: 16 },
            },
          ],
        },
        {
          op: "alloc",
          size: 16,
          limit: 1023,
          aligned: true,
          doc: "[768, 783] is left: the rbtree finds it, maple needs a gap " +
            "of 16 + 16 - 1 pfns and goes below the reservation",
          expect: {
            per_variant: {
              "rbtree-6.12": 768,
              "maple-v3": 240,
              "maple-v4": 240,
            },
          },
        },
        {
          op: "alloc",
          size: 16,
          limit: 1023,
          aligned: true,
          expect: { range: [1, 255] },
        },
        { op: "check", invariants: true },
      ],
    },
  ],
} satisfies ScenarioFile;
