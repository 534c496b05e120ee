// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_contig_clear`: mapping a large page over lower tables that an
 * unmap emptied but left linked (`clear_contig()`): the empty tables are
 * freed, counted in `clear_contig_tables`, and the table pages drop by as
 * many; the large page translates. AMDv1 starts at level 2, x86_64 at
 * level 3, hence one more top page on x86_64.
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

const FORMATS = ["amdv1", "x86_64"];

export default {
  doc: "generic page table: large pages over emptied tables",
  scenarios: [
    {
      name: "large_page_over_emptied_table",
      subjects: { pt: { format: FORMATS } },
      steps: [
        {
          op: "map",
          iova: "0x40200000",
          paddr: "0x80000000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "map",
          iova: "0x40201000",
          paddr: "0x80001000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          counters: { table_pages: { per_format: { amdv1: 3, x86_64: 4 } } },
        },
        { op: "unmap", iova: "0x40200000", size: "0x1000", expect: "0x1000" },
        { op: "unmap", iova: "0x40201000", size: "0x1000", expect: "0x1000" },
        { op: "iova_to_phys", iova: "0x40200000", expect: 0 },
        {
          op: "check",
          doc: "single-page unmaps leave the empty level-0 table linked",
          counters: {
            table_pages: { per_format: { amdv1: 3, x86_64: 4 } },
            clear_contig_tables: 0,
          },
        },
        {
          op: "map",
          iova: "0x40200000",
          paddr: "0x80200000",
          size: "0x200000",
          expect: 0,
        },
        {
          op: "check",
          counters: {
            clear_contig_tables: 1,
            table_pages: { per_format: { amdv1: 2, x86_64: 3 } },
          },
        },
        { op: "iova_to_phys", iova: "0x40212345", expect: "0x80212345" },
        { op: "iova_to_phys", iova: "0x403fffff", expect: "0x803fffff" },
      ],
    },
    {
      name: "gigabyte_over_emptied_tables",
      doc: "a 1 GiB page over a level-1 table holding two emptied level-0 " +
        "tables frees all three",
      subjects: { pt: { format: FORMATS } },
      steps: [
        {
          op: "map",
          iova: "0x40200000",
          paddr: "0x80000000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "map",
          iova: "0x40600000",
          paddr: "0x80002000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          counters: { table_pages: { per_format: { amdv1: 4, x86_64: 5 } } },
        },
        { op: "unmap", iova: "0x40200000", size: "0x1000", expect: "0x1000" },
        { op: "unmap", iova: "0x40600000", size: "0x1000", expect: "0x1000" },
        {
          op: "map",
          iova: "0x40000000",
          paddr: "0x80000000",
          size: "0x40000000",
          expect: 0,
        },
        {
          op: "check",
          counters: {
            clear_contig_tables: 3,
            table_pages: { per_format: { amdv1: 1, x86_64: 2 } },
          },
        },
        { op: "iova_to_phys", iova: "0x40612345", expect: "0x80612345" },
        {
          op: "map",
          iova: "0x40600000",
          paddr: "0x1000",
          size: "0x1000",
          expect: { error: "EADDRINUSE" },
        },
      ],
    },
    {
      name: "live_mapping_blocks_large_page",
      doc: "a table that still maps something is not cleared: the large map " +
        "fails and nothing is freed",
      subjects: { pt: { format: FORMATS } },
      steps: [
        {
          op: "map",
          iova: "0x40200000",
          paddr: "0x80000000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "map",
          iova: "0x40201000",
          paddr: "0x80001000",
          size: "0x1000",
          expect: 0,
        },
        { op: "unmap", iova: "0x40200000", size: "0x1000", expect: "0x1000" },
        {
          op: "map",
          iova: "0x40200000",
          paddr: "0x80200000",
          size: "0x200000",
          expect: { error: "EADDRINUSE" },
        },
        { op: "check", counters: { clear_contig_tables: 0 } },
        { op: "iova_to_phys", iova: "0x40201000", expect: "0x80001000" },
      ],
    },
  ],
} satisfies ScenarioFile;
