// Copyright 2026 the iommulab authors. MIT license.
/**
 * `scenario_faults`: fault hooks. Node-allocation failure on the erase of
 * `__free_iova` in each deferred-erase design: the rbtree never allocates
 * to erase; maple-v3 keeps the struct in the tree and retries from a
 * worker every 10 ms; maple-v4 leaves an `IOVA_DEFERRED` marker, frees the
 * struct at once and drains on the next allocation. Then the page table:
 * a table allocation failing in the middle of a map (unwound, retried),
 * and the install race, played by the fault point itself, and racing
 * steps run at the moment of the install. Last, racers against the IOVA
 * allocator and the maple tree: one that must wait for `iova_lock`, one
 * that gets in before it, and one that stores while `mas_nomem()` has
 * dropped the tree's lock.
 *
 * @module
 */
import type { ScenarioFile } from "../../lib/scenario/mod.ts";

export default {
  doc: "fault injection and race hooks",
  scenarios: [
    {
      name: "erase_node_alloc_failure",
      subjects: { iova: {} },
      steps: [
        {
          op: "alloc",
          size: 4,
          limit: "32bit",
          aligned: true,
          as: "a",
          expect: "0xffffc",
        },
        {
          op: "arm",
          point: "maple.node_alloc",
          probability: 100,
          times: -1,
          verbose: 0,
        },
        { op: "free", iova: "a" },
        {
          op: "check",
          invariants: true,
          counters: {
            deferred: {
              per_variant: { "rbtree-6.12": 0, "maple-v3": 1, "maple-v4": 1 },
            },
            live_iovas: {
              per_variant: { "rbtree-6.12": 0, "maple-v3": 1, "maple-v4": 0 },
            },
          },
          injected: {
            "maple.node_alloc": {
              per_variant: {
                "rbtree-6.12": 0,
                "maple-v3": { range: [1, 2] },
                "maple-v4": { range: [1, 2] },
              },
            },
          },
        },
        {
          op: "find",
          pfn: "$a.pfn_hi",
          doc: "v3 keeps the struct in the tree; the v4 marker is not an iova",
          expect: {
            per_variant: {
              "rbtree-6.12": null,
              "maple-v3": "$a",
              "maple-v4": null,
            },
          },
        },
        { op: "disarm", point: "maple.node_alloc" },
        { op: "advance", ms: 9 },
        {
          op: "check",
          counters: {
            deferred: {
              per_variant: { "rbtree-6.12": 0, "maple-v3": 1, "maple-v4": 1 },
            },
          },
        },
        { op: "advance", ms: 1, doc: "v3's retry is due" },
        {
          op: "check",
          counters: {
            deferred: {
              per_variant: { "rbtree-6.12": 0, "maple-v3": 0, "maple-v4": 1 },
            },
            live_iovas: 0,
          },
        },
        {
          op: "alloc",
          size: 1,
          limit: "32bit",
          expect: "0xfffff",
          doc: "v4 drains its marker first; the space is free everywhere",
        },
        {
          op: "check",
          invariants: true,
          no_warnings: true,
          counters: { deferred: 0, live_iovas: 1 },
        },
      ],
    },
    {
      name: "v3_erase_retried_forever",
      doc: "while the failure lasts, v3's worker retries every 10 ms with " +
        "no backoff and no message; once memory is back the erase succeeds",
      subjects: { iova: { variant: "maple-v3" } },
      steps: [
        { op: "alloc", size: 1, limit: "32bit", as: "a", expect: "0xfffff" },
        {
          op: "arm",
          point: "maple.node_alloc",
          probability: 100,
          times: -1,
          verbose: 0,
        },
        { op: "free", iova: "a" },
        { op: "advance", ms: 1000 },
        {
          op: "check",
          no_warnings: true,
          counters: { deferred: 1, live_iovas: 1 },
        },
        { op: "find", pfn: "$a", expect: "$a" },
        { op: "disarm", point: "maple.node_alloc" },
        { op: "advance", ms: 10 },
        { op: "check", counters: { deferred: 0, live_iovas: 0 } },
        { op: "find", pfn: "$a", expect: null },
      ],
    },
    {
      name: "table_alloc_failure_mid_map",
      doc: "a 4 MiB map across two level-1 tables with the second table " +
        "allocation failing: -ENOMEM, the mapped prefix unwound; the same " +
        "map then succeeds",
      subjects: { pt: { format: ["amdv1", "x86_64"] } },
      steps: [
        { op: "arm", point: "pt.table_alloc", fail_nth: 2, verbose: 0 },
        {
          op: "map",
          iova: "0xbfe00000",
          paddr: "0x100000000",
          size: "0x400000",
          expect: { error: "ENOMEM" },
        },
        { op: "check", injected: { "pt.table_alloc": 1 } },
        { op: "disarm", point: "pt.table_alloc" },
        { op: "iova_to_phys", iova: "0xbfe00000", expect: 0 },
        {
          op: "map",
          iova: "0xbfe00000",
          paddr: "0x100000000",
          size: "0x400000",
          expect: 0,
        },
        { op: "iova_to_phys", iova: "0xbfe00000", expect: "0x100000000" },
        { op: "iova_to_phys", iova: "0xc01ff000", expect: "0x1003ff000" },
      ],
    },
    {
      name: "install_race",
      doc: "pt.install_race: a racer fills the slot before the cmpxchg; the " +
        "map uses the racer's table and frees its own",
      subjects: { pt: { format: ["amdv1", "x86_64"] } },
      steps: [
        { op: "arm", point: "pt.install_race", fail_nth: 1, verbose: 0 },
        {
          op: "map",
          iova: "0x40000000",
          paddr: "0x201000",
          size: "0x1000",
          expect: 0,
        },
        { op: "disarm", point: "pt.install_race" },
        {
          op: "check",
          counters: {
            install_races: 1,
            table_pages: { per_format: { amdv1: 3, x86_64: 4 } },
          },
        },
        { op: "iova_to_phys", iova: "0x40000000", expect: "0x201000" },
      ],
    },
    {
      name: "install_race_reader",
      doc: "racing steps at the install point: a reader on the same " +
        "region sees nothing mapped yet; once the map returns it translates",
      subjects: { pt: { format: ["amdv1", "x86_64"] } },
      steps: [
        {
          op: "arm",
          point: "pt.install_race",
          fail_nth: 1,
          verbose: 0,
          race: [
            { op: "iova_to_phys", iova: "0x1000000", expect: 0 },
            { op: "check", counters: { install_races: 0 } },
          ],
        },
        {
          op: "map",
          iova: "0x1000000",
          paddr: "0x4000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          injected: { "pt.install_race": 1 },
          counters: { install_races: 0 },
        },
        { op: "iova_to_phys", iova: "0x1000000", expect: "0x4000" },
      ],
    },
    {
      name: "racer_maps_the_slot",
      doc: "a second CPU maps the next page at the install point: its " +
        "tables win the cmpxchg, the first map frees its own table and " +
        "descends through the racer's; the table holds no more pages than " +
        "two maps one after the other",
      subjects: { pt: { format: ["amdv1", "x86_64", "vtdss", "riscv_64"] } },
      steps: [
        {
          op: "arm",
          point: "pt.install_race",
          fail_nth: 1,
          verbose: 0,
          race: [
            { op: "iova_to_phys", iova: "0x1000000", expect: 0 },
            {
              op: "map",
              iova: "0x1001000",
              paddr: "0x8000",
              size: "0x1000",
              expect: 0,
            },
          ],
        },
        {
          op: "map",
          iova: "0x1000000",
          paddr: "0x4000",
          size: "0x1000",
          expect: 0,
        },
        {
          op: "check",
          injected: { "pt.install_race": 1 },
          counters: {
            install_races: 1,
            table_pages: {
              per_format: { amdv1: 3, x86_64: 4, vtdss: 3, riscv_64: 3 },
            },
          },
        },
        { op: "iova_to_phys", iova: "0x1000000", expect: "0x4000" },
        { op: "iova_to_phys", iova: "0x1001000", expect: "0x8000" },
      ],
    },
    {
      name: "racer_unmaps_elsewhere",
      doc: "a second CPU unmaps a 2M mapping in another subtree while the " +
        "first map allocates a table: both finish, each sees its own result",
      subjects: { pt: { format: ["amdv1", "x86_64"] } },
      steps: [
        {
          op: "map",
          iova: "0x80000000",
          paddr: "0x200000",
          size: "0x200000",
          expect: 0,
        },
        {
          op: "arm",
          point: "pt.table_alloc",
          fail_nth: 1,
          verbose: 0,
          race: [
            {
              op: "unmap",
              iova: "0x80000000",
              size: "0x200000",
              expect: "0x200000",
            },
          ],
        },
        {
          op: "map",
          iova: "0x40000000",
          paddr: "0x3000",
          size: "0x1000",
          expect: 0,
        },
        { op: "check", injected: { "pt.table_alloc": 1 } },
        { op: "iova_to_phys", iova: "0x80000000", expect: 0 },
        { op: "iova_to_phys", iova: "0x40000000", expect: "0x3000" },
      ],
    },
    {
      name: "racer_waits_for_the_iova_lock",
      doc: "a second CPU allocates while the first one's maple store " +
        "allocates a node under iova_lock: it spins until the lock is " +
        "released, so the first allocation takes the top of the window",
      subjects: { iova: { variant: ["maple-v3", "maple-v4"] } },
      steps: [
        {
          op: "arm",
          point: "maple.node_alloc",
          fail_nth: 1,
          verbose: 0,
          race: [
            { op: "alloc", size: 1, limit: "32bit", expect: "0xffffe" },
          ],
        },
        { op: "alloc", size: 1, limit: "32bit", expect: "0xfffff" },
        {
          op: "check",
          invariants: true,
          injected: { "maple.node_alloc": 1 },
          counters: { live_iovas: 2 },
        },
      ],
    },
    {
      name: "racer_allocs_before_the_lock",
      doc: "a second CPU allocates while the first one allocates its struct " +
        "iova, before taking iova_lock: the racer takes the top of the window",
      subjects: { iova: {} },
      steps: [
        {
          op: "arm",
          point: "slab.alloc",
          cache: "iommu_iova",
          fail_nth: 1,
          verbose: 0,
          race: [
            { op: "alloc", size: 1, limit: "32bit", expect: "0xfffff" },
          ],
        },
        { op: "alloc", size: 1, limit: "32bit", expect: "0xffffe" },
        {
          op: "check",
          invariants: true,
          injected: { "slab.alloc": 1 },
          counters: { live_iovas: 2 },
        },
      ],
    },
    {
      name: "racer_stores_while_the_writer_sleeps",
      doc: "mtree_store_range() with GFP_KERNEL: the node allocation under " +
        "the lock fails, mas_nomem() drops the lock to allocate, and a " +
        "second CPU stores meanwhile; the writer restarts its walk and its " +
        "store overwrites the racer's where they overlap",
      subjects: { maple: {} },
      steps: [
        ...Array.from({ length: 40 }, (_, i) => ({
          op: "store" as const,
          index: 10 * i,
          last: 10 * i + 5,
          entry: 1,
          expect: 0,
        })),
        {
          op: "arm",
          point: "slab.alloc",
          cache: "maple_node",
          ignore_gfp_wait: true,
          verbose: 0,
        },
        {
          op: "arm",
          point: "maple.node_alloc",
          fail_nth: 2,
          verbose: 0,
          race: [
            { op: "load", index: 100, expect: 1 },
            { op: "store", index: 50, last: 60, entry: 7, expect: 0 },
            { op: "store", index: 1000, last: 1005, entry: 7, expect: 0 },
          ],
        },
        { op: "store", index: 3, last: 197, entry: 2, expect: 0 },
        {
          op: "check",
          invariants: true,
          injected: { "slab.alloc": 1, "maple.node_alloc": 1 },
        },
        { op: "load", index: 55, expect: 2 },
        { op: "load", index: 1002, expect: 7 },
        { op: "load", index: 198, expect: null },
      ],
    },
  ],
} satisfies ScenarioFile;
