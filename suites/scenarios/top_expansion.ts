// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_top_expansion`: `PT_FEAT_DYNAMIC_TOP`. An AMDv1 table starting
 * at level 2 (39-bit VA) grows one level per map past its top, up to the
 * 64-bit level 5, each growth one `change_top` and one new top page; a
 * racing top update (`pt.top_race`) makes `increase_top` throw its levels
 * away and retry. A fixed-top format (x86_64, four levels) cannot grow.
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

export default {
  doc: "generic page table: growing the top",
  scenarios: [
    {
      name: "amdv1_grows_one_level_per_map",
      subjects: { pt: { format: "amdv1" } },
      steps: [
        {
          op: "check",
          counters: { top_level: 2, top_va_lg2: 39, table_pages: 1 },
        },
        {
          op: "map",
          iova: "0x7ffffff000",
          paddr: "0x200000",
          size: "0x1000",
          expect: 0,
          doc: "the last page below 2^39 needs no growth",
        },
        { op: "check", counters: { top_level: 2, change_top: 0 } },
        {
          op: "map",
          iova: "0x8000000000",
          paddr: "0x201000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          counters: { top_level: 3, top_va_lg2: 48, change_top: 1 },
        },
        {
          op: "map",
          iova: "0x1000000000000",
          paddr: "0x202000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          counters: { top_level: 4, top_va_lg2: 57, change_top: 2 },
        },
        {
          op: "map",
          iova: "0x200000000000000",
          paddr: "0x203000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          counters: { top_level: 5, top_va_lg2: 64, change_top: 3 },
        },
        { op: "iova_to_phys", iova: "0x7ffffff123", expect: "0x200123" },
        { op: "iova_to_phys", iova: "0x8000000123", expect: "0x201123" },
        { op: "iova_to_phys", iova: "0x1000000000123", expect: "0x202123" },
        { op: "iova_to_phys", iova: "0x200000000000123", expect: "0x203123" },
      ],
    },
    {
      name: "growth_adds_the_path",
      doc: "one map at 2^39 adds the new top and a table per level below it",
      subjects: { pt: { format: "amdv1" } },
      steps: [
        {
          op: "map",
          iova: "0x8000000000",
          paddr: "0x200000",
          size: "0x1000",
          expect: 0,
        },
        { op: "check", counters: { table_pages: 5, top_level: 3 } },
        {
          op: "map",
          iova: "0x1000000000000",
          paddr: "0x200000",
          size: "0x1000",
          expect: 0,
        },
        { op: "check", counters: { table_pages: 10, top_level: 4 } },
        { op: "check", leaks: true },
      ],
    },
    {
      name: "racing_top_update",
      doc: "pt.top_race: another CPU changes the top while increase_top " +
        "builds its levels; the levels are freed and the growth retried",
      subjects: { pt: { format: "amdv1" } },
      steps: [
        { op: "arm", point: "pt.top_race", fail_nth: 1, verbose: 0 },
        {
          op: "map",
          iova: "0x8000000000",
          paddr: "0x201000",
          size: "0x1000",
          expect: 0,
        },
        { op: "disarm", point: "pt.top_race" },
        {
          op: "check",
          counters: {
            top_races: 1,
            top_level: 3,
            change_top: 1,
            table_pages: 5,
          },
        },
        { op: "iova_to_phys", iova: "0x8000000000", expect: "0x201000" },
      ],
    },
    {
      name: "fixed_top_cannot_grow",
      doc: "x86_64 with four levels has no DYNAMIC_TOP: past 2^48 is -ERANGE " +
        "and iova_to_phys outside the table returns (u64)-ERANGE",
      subjects: { pt: { format: "x86_64" } },
      steps: [
        { op: "check", counters: { top_level: 3, top_va_lg2: 48 } },
        {
          op: "map",
          iova: "0x1000000000000",
          paddr: "0x200000",
          size: "0x1000",
          expect: { error: "ERANGE" },
        },
        {
          op: "check",
          counters: { top_level: 3, change_top: 0, table_pages: 1 },
        },
        {
          op: "iova_to_phys",
          iova: "0x1000000000000",
          expect: "0xffffffffffffffde",
        },
      ],
    },
  ],
} satisfies ScenarioFile;
