// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  _pt_iter_first,
  _pt_iter_load,
  amdv1,
  amdv1_mock,
  iommu_iotlb_gather_add_range,
  iommu_iotlb_gather_add_range_n,
  iommu_iotlb_gather_init,
  iommu_iotlb_gather_is_disjoint_n,
  iommu_iova_to_phys,
  iommu_iova_to_phys_hl,
  iommu_map,
  iommu_unmap,
  IommuIotlbGather,
  kunit_pt_ops,
  nr_secondary_pagetable,
  pt_compute_best_pgsize,
  pt_descend,
  PT_ENTRY_OA,
  pt_entry_oa_lg2sz,
  PT_ENTRY_TABLE,
  pt_init,
  pt_iommu_deinit,
  pt_iommu_init,
  pt_iommu_map_range,
  pt_kunit_cfg,
  pt_kunit_driver_ops,
  pt_next_entry,
  pt_pages_of_owner,
  pt_pgsz_count,
  pt_top_range,
  pt_walk_range,
  type PtFormat,
  PtIommu,
  type PtRange,
  type PtTableMem,
  riscv_64,
  vtdss,
  x86_64,
} from "./mod.ts";
import {
  fail_nth_sweep,
  fault_arm,
  fault_disarm,
  live_pages,
  page_owner_stats,
  pfn_to_page,
} from "../kernel/mod.ts";

function make(fmt: PtFormat, i = 0, number_path = true): PtIommu {
  const t = try_make(fmt, number_path, i);
  if (typeof t === "number") assert.equal(t, 0, "pt_iommu_init");
  return t as PtIommu;
}

Deno.test("amdv1 map / iova_to_phys / unmap, contiguous and 2M", () => {
  const before = nr_secondary_pagetable();
  const t = make(amdv1);
  assert.equal(t.pgsize_bitmap, 0x000fff7ffffff000n);
  assert.equal(iommu_map(t, 0x10000n, 0x30000n, 0x10000n, 3, 0), 0);
  assert.equal(iommu_iova_to_phys(t, 0x1f123n), 0x3f123n);
  assert.equal(iommu_map(t, 0x200000n, 0x400000n, 0x400000n, 3, 0), 0);
  assert.equal(iommu_iova_to_phys(t, 0x3fffffn), 0x5fffffn);
  assert.equal(iommu_map(t, 0x10000n, 0x30000n, 0x1000n, 3, 0), -98);
  // unmap of the first 4K of a 64K entry removes all of it
  assert.equal(iommu_unmap(t, 0x10000n, 0x1000n), 0x10000n);
  assert.equal(iommu_iova_to_phys(t, 0x1f123n), 0n);
  pt_iommu_deinit(t);
  assert.equal(nr_secondary_pagetable(), before);
});

Deno.test("tables come from the page allocator: owner, pfn lookup, page.alloc", () => {
  const t = make(amdv1);
  const owner = t.page_owner;
  assert.match(owner, /^iommupt:amdv1#\d+$/);
  assert.equal(page_owner_stats(owner).live_pages, 1); // the top
  assert.equal(iommu_map(t, 0x40000000n, 0x1000n, 0x1000n, 3, 0), 0);
  // level 2 top -> level 1 -> level 0 table
  assert.equal(pt_pages_of_owner(t), 3);
  const tables = live_pages(owner);
  assert.equal(tables.length, 3);
  for (const p of tables) assert.equal(pfn_to_page(p.pfn), p);
  // Both fault points fail a table allocation; the map unwinds cleanly
  for (const point of ["page.alloc", "pt.table_alloc"]) {
    fault_arm(point, { fail_nth: 1, verbose: 0 });
    assert.equal(iommu_map(t, 0x80000000n, 0x1000n, 0x1000n, 3, 0), -12);
    fault_disarm(point);
    assert.equal(iommu_iova_to_phys(t, 0x80000000n), 0n);
  }
  assert.equal(page_owner_stats(owner).failed_allocs, 1);
  pt_iommu_deinit(t);
  assert.equal(page_owner_stats(owner).live_pages, 0);
  assert.equal(live_pages(owner).length, 0);
});

/** The smallest page size of a format's first kunit cfg. */
function make_granule(fmt: PtFormat): bigint {
  const t = make(fmt);
  const g = t.pgsize_bitmap & -t.pgsize_bitmap;
  pt_iommu_deinit(t);
  return g;
}

/** Leaf entries per lg2 size (a contiguous entry counts once). */
function leaf_sizes(t: PtIommu): Map<number, number> {
  const out = new Map<number, number>();
  const fn = (
    range: PtRange,
    arg: Map<number, number>,
    level: number,
    table: PtTableMem,
  ): number => {
    const pts = pt_init(range, level, table);
    for (_pt_iter_first(pts); _pt_iter_load(pts); pt_next_entry(pts)) {
      if (pts.type === PT_ENTRY_TABLE) pt_descend(pts, arg, fn);
      else if (pts.type === PT_ENTRY_OA) {
        const lg2 = pt_entry_oa_lg2sz(pts);
        arg.set(lg2, (arg.get(lg2) ?? 0) + 1);
      }
    }
    return 0;
  };
  assert.equal(pt_walk_range(pt_top_range(t.common), fn, out), 0);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

Deno.test("[2026] map_range maps mixed page sizes in one call", () => {
  const before = nr_secondary_pagetable();
  const t = make(amdv1);
  // 12 KiB at va = pa = 0: one 8K contiguous entry, then one 4K entry
  const m = { value: 0n };
  assert.equal(pt_iommu_map_range(t, 0n, 0n, 0x3000n, 3, 0, m), 0);
  assert.equal(m.value, 0x3000n);
  assert.deepEqual(leaf_sizes(t), new Map([[12, 1], [13, 1]]));
  for (let va = 0n; va < 0x3000n; va += 0x800n) {
    assert.equal(iommu_iova_to_phys(t, va + 0x123n), va + 0x123n);
  }
  assert.equal(iommu_iova_to_phys(t, 0x3000n), 0n);
  // The 4K entry, then the whole 8K entry from its first page
  assert.equal(iommu_unmap(t, 0x2000n, 0x1000n), 0x1000n);
  assert.equal(iommu_unmap(t, 0n, 0x1000n), 0x2000n);
  // 4K .. 2M .. 4K across a 2M boundary with va != pa
  const va = 0x1ff000n, pa = 0x5ff000n, len = 0x202000n;
  m.value = 0n;
  assert.equal(pt_iommu_map_range(t, va, pa, len, 3, 0, m), 0);
  assert.equal(m.value, len);
  assert.deepEqual(leaf_sizes(t), new Map([[12, 2], [21, 1]]));
  for (let off = 0n; off < len; off += 0x1000n) {
    assert.equal(iommu_iova_to_phys(t, va + off), pa + off);
  }
  // Over an existing mapping: -EADDRINUSE, the prefix is reported mapped
  // (3 x 4K from 0x1fd000 (va ^ pa is not 8K aligned); the third is taken)
  m.value = 0n;
  assert.equal(pt_iommu_map_range(t, 0x1fd000n, 0n, 0x3000n, 3, 0, m), -98);
  assert.equal(m.value, 0x2000n);
  assert.equal(iommu_iova_to_phys(t, 0x1fe000n), 0x1000n);
  assert.equal(iommu_unmap(t, 0x1fd000n, 0x2000n), 0x2000n);
  assert.equal(iommu_unmap(t, va, len), len);
  assert.deepEqual(leaf_sizes(t), new Map());
  pt_iommu_deinit(t);
  assert.equal(nr_secondary_pagetable(), before);
});

Deno.test("property: map_range builds the same entries as iommu_map", () => {
  const seed = 0x6d6170;
  for (const fmt of [amdv1, amdv1_mock, x86_64, riscv_64]) {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 2 ** 12 }),
        (va_pg, pa_pg, npg) => {
          const g = BigInt(Math.log2(Number(make_granule(fmt))));
          const va = BigInt(va_pg) << g, pa = BigInt(pa_pg) << g;
          const len = BigInt(npg) << g;
          // a: map_range on numbers, c: on the bigint walkers, b: the
          // classic core path (iommu_pgsize + map_pages per run)
          const a = make(fmt), b = make(fmt), c = make(fmt, 0, false);
          b.is_iommupt = false;
          const m = { value: 0n };
          assert.equal(pt_iommu_map_range(a, va, pa, len, 3, 0, m), 0);
          assert.equal(m.value, len);
          m.value = 0n;
          assert.equal(pt_iommu_map_range(c, va, pa, len, 3, 0, m), 0);
          assert.equal(m.value, len);
          assert.equal(iommu_map(b, va, pa, len, 3, 0), 0);
          const sizes = leaf_sizes(b);
          assert.deepEqual(leaf_sizes(a), sizes);
          assert.deepEqual(leaf_sizes(c), sizes);
          for (const off of [0n, len / 2n, len - 1n]) {
            assert.equal(iommu_iova_to_phys(a, va + off), pa + off);
            assert.equal(iommu_iova_to_phys(c, va + off), pa + off);
          }
          pt_iommu_deinit(a);
          pt_iommu_deinit(b);
          pt_iommu_deinit(c);
        },
      ),
      { seed, numRuns: 40 },
    );
  }
});

Deno.test("[2026] map_range changes size mid-table and across tables", () => {
  for (const number_path of [true, false]) {
    const before = nr_secondary_pagetable();
    const t = make(amdv1, 0, number_path);
    // 4K, 8K, ... 1M in one level-0 table: a new size after every leaf
    const m = { value: 0n };
    const len = 0x200000n - 0x1000n;
    assert.equal(pt_iommu_map_range(t, 0x1000n, 0x1000n, len, 3, 0, m), 0);
    assert.equal(m.value, len);
    const want = new Map<number, number>();
    for (let lg2 = 12; lg2 <= 20; lg2++) want.set(lg2, 1);
    assert.deepEqual(leaf_sizes(t), want);
    // 1M, 2M (level 1), 1G (level 2), 2M, 1M: up and down the levels
    const va = (1n << 30n) - 0x300000n;
    const len2 = (1n << 30n) + 0x600000n;
    m.value = 0n;
    assert.equal(pt_iommu_map_range(t, va, va, len2, 3, 0, m), 0);
    assert.equal(m.value, len2);
    for (const off of [0n, 0x100000n, 0x300000n, len2 - 0x100000n]) {
      assert.equal(iommu_iova_to_phys(t, va + off + 5n), va + off + 5n);
    }
    want.set(20, 3).set(21, 2).set(30, 1);
    assert.deepEqual(leaf_sizes(t), want);
    assert.equal(iommu_unmap(t, va, len2), len2);
    assert.equal(iommu_unmap(t, 0x1000n, len), len);
    pt_iommu_deinit(t);
    assert.equal(nr_secondary_pagetable(), before);
  }
});

Deno.test("[2026] map_range grows the top once for a range crossing it", () => {
  for (const number_path of [true, false]) {
    const t = make(amdv1, 0, number_path);
    const b = make(amdv1, 0, number_path);
    b.is_iommupt = false;
    const top = pt_top_range(t.common);
    const level = top.top_level;
    // 64K below the top's end and 64K above it
    const va = top.last_va + 1n - 0x10000n;
    const m = { value: 0n };
    assert.equal(pt_iommu_map_range(t, va, 0x10000n, 0x20000n, 3, 0, m), 0);
    assert.equal(m.value, 0x20000n);
    assert.equal(t.stats.change_top, 1);
    assert.equal(pt_top_range(t.common).top_level, level + 1);
    // The classic core maps the first 64K, then grows for the second
    assert.equal(iommu_map(b, va, 0x10000n, 0x20000n, 3, 0), 0);
    assert.equal(b.stats.change_top, 1);
    assert.deepEqual(leaf_sizes(t), leaf_sizes(b));
    assert.deepEqual(leaf_sizes(t), new Map([[16, 2]]));
    for (let off = 0n; off < 0x20000n; off += 0x1000n) {
      assert.equal(iommu_iova_to_phys(t, va + off), 0x10000n + off);
    }
    // Over a mapping it does not grow: -EADDRINUSE with nothing mapped
    m.value = 0n;
    assert.equal(pt_iommu_map_range(t, va, 0n, 0x1000n, 3, 0, m), -98);
    assert.equal(m.value, 0n);
    pt_iommu_deinit(t);
    pt_iommu_deinit(b);
  }
});

/** A table of `fmt`'s kunit cfg `i`, or the errno of a failed init. */
function try_make(
  fmt: PtFormat,
  number_path: boolean,
  i = 0,
): PtIommu | number {
  const t = new PtIommu(fmt);
  t.driver_ops = pt_kunit_driver_ops;
  t.iommu_device = {};
  t.ops = kunit_pt_ops;
  t.lab.number_path = number_path;
  const ret = pt_iommu_init(t, pt_kunit_cfg(fmt, i), 0);
  if (ret) {
    pt_iommu_deinit(t);
    return ret;
  }
  return t;
}

Deno.test("[2026] map_range under fail-nth table allocation", () => {
  // Mixed sizes over several lower tables (4K .. 2M .. 4K, va != pa), and
  // for amdv1 a range that also grows the top
  const cases: [PtFormat, (t: PtIommu) => bigint, bigint, bigint][] = [
    [amdv1, () => (1n << 30n) - 0x203000n, 0x7fd000n, 0x406000n],
    [x86_64, () => (1n << 30n) - 0x203000n, 0x7fd000n, 0x406000n],
    [amdv1, (t) => pt_top_range(t.common).last_va + 1n - 0x3000n, 0n, 0x6000n],
  ];
  for (const [fmt, va_of, pa, len] of cases) {
    for (const number_path of [true, false]) {
      const before = nr_secondary_pagetable();
      let bad = "";
      const results: number[] = [];
      const res = fail_nth_sweep({
        point: "pt.table_alloc",
        op: () => {
          const t = try_make(fmt, number_path);
          if (typeof t === "number") return t;
          const va = va_of(t);
          const m = { value: 0n };
          const ret = pt_iommu_map_range(t, va, pa, len, 3, 0, m);
          results.push(ret);
          // mapped equals what iova_to_phys shows
          if (ret === 0 && m.value !== len) bad = `mapped ${m.value}`;
          for (let off = 0n; off < len; off += 0x1000n) {
            const want = off < m.value ? pa + off : 0n;
            const got = iommu_iova_to_phys(t, va + off);
            // Outside a not yet grown top: the (u64)-ERANGE quirk
            if (got !== want && !(want === 0n && got === (1n << 64n) - 34n)) {
              bad = `${fmt.name} ${ret} off ${off}: ${got} != ${want}`;
            }
          }
          // The caller's unwind, then the table maps the range again
          if (ret && m.value !== 0n && iommu_unmap(t, va, m.value) < m.value) {
            bad = "unwind";
          }
          pt_iommu_deinit(t);
          return ret;
        },
        check: () => bad === "",
        leaks: () => nr_secondary_pagetable() - before,
      });
      assert.ok(res.complete, fmt.name);
      assert.ok(res.ok, `${fmt.name} number_path=${number_path}: ${bad}`);
      // Failures mid-range with a partial prefix were reached
      assert.ok(results.filter((r) => r === -12).length >= 2);
      assert.equal(results.at(-1), 0);
      assert.equal(nr_secondary_pagetable(), before);
    }
  }
});

Deno.test("[2026] iommu_map: map_range for iommupt domains, unwinds on error", () => {
  const before = nr_secondary_pagetable();
  const t = make(amdv1);
  assert.equal(iommu_map(t, 0x1fd000n, 0x1fd000n, 0x3000n, 3, 0), 0);
  // The third page is taken: map_range maps two, the core unmaps them
  const va = 0x1fb000n;
  assert.equal(iommu_map(t, va, va, 0x3000n, 3, 0), -98);
  assert.equal(iommu_iova_to_phys(t, va), 0n);
  assert.equal(iommu_iova_to_phys(t, va + 0x1000n), 0n);
  assert.equal(iommu_iova_to_phys(t, 0x1fd000n), 0x1fd000n);
  // A table allocation failure mid-range: nothing stays mapped
  fault_arm("pt.table_alloc", { fail_nth: 2, verbose: 0 });
  assert.equal(iommu_map(t, 0x3fe000n, 0x3fe000n, 0x4000n, 3, 0), -12);
  fault_disarm("pt.table_alloc");
  for (let off = 0n; off < 0x4000n; off += 0x1000n) {
    assert.equal(iommu_iova_to_phys(t, 0x3fe000n + off), 0n);
  }
  pt_iommu_deinit(t);
  assert.equal(nr_secondary_pagetable(), before);
});

Deno.test("amdv1 grows its top for a high VA", () => {
  const t = make(amdv1);
  assert.equal(t.common.top_of_table % 8, 2);
  assert.equal(iommu_map(t, 1n << 60n, 0x1000n, 0x1000n, 3, 0), 0);
  assert.equal(t.common.top_of_table % 8, 5);
  assert.equal(t.stats.change_top, 1);
  assert.equal(iommu_iova_to_phys(t, (1n << 60n) + 7n), 0x1007n);
  pt_iommu_deinit(t);
});

Deno.test("fixed-top formats reject VAs outside the table", () => {
  for (const fmt of [x86_64, vtdss, riscv_64]) {
    const t = make(fmt);
    assert.equal(iommu_map(t, 1n << 58n, 0n, 0x1000n, 3, 0), -34, fmt.name);
    pt_iommu_deinit(t);
  }
});

Deno.test("pt_compute_best_pgsize picks the largest aligned size", () => {
  const bm = 0x40201000n;
  assert.equal(pt_compute_best_pgsize(bm, 0n, (1n << 31n) - 1n, 0n), 30);
  assert.equal(pt_compute_best_pgsize(bm, 0x1000n, (1n << 31n) - 1n, 0n), 12);
  assert.equal(pt_compute_best_pgsize(bm, 0n, 0x1fffffn, 0x200000n), 21);
  assert.equal(pt_compute_best_pgsize(0n, 0n, 0xfffn, 0n), 0);
});

Deno.test("pt_pgsz_count stops where a larger size becomes usable", () => {
  // The two checks of the kernel's [2026] test_pgsz_count
  const SZ_4K = 1n << 12n, SZ_2M = 1n << 21n, SZ_1G = 1n << 30n;
  assert.equal(pt_pgsz_count(SZ_4K, 0n, SZ_1G - 1n, 0n, 12), SZ_1G / SZ_4K);
  assert.equal(
    pt_pgsz_count(SZ_2M | SZ_4K, SZ_4K, SZ_1G - 1n, SZ_4K, 12),
    (SZ_2M - SZ_4K) / SZ_4K,
  );
  // va and oa disagree modulo 2M: 2M pages never become usable
  assert.equal(
    pt_pgsz_count(SZ_2M | SZ_4K, SZ_4K, SZ_1G - 1n, 0n, 12),
    (SZ_1G - SZ_4K) / SZ_4K,
  );
});

Deno.test("property: random map/unmap matches a VA->PA page model", () => {
  const seed = 0x5eed;
  for (const fmt of [amdv1, x86_64]) {
    const before = nr_secondary_pagetable();
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            map: fc.boolean(),
            page: fc.integer({ min: 0, max: 63 }),
            npages: fc.integer({ min: 1, max: 16 }),
            pa: fc.integer({ min: 0, max: 1 << 20 }),
          }),
          { maxLength: 40 },
        ),
        (ops) => {
          const t = make(fmt);
          const model = new Map<number, bigint>();
          const base = 0x40000000n;
          for (const op of ops) {
            const va = base + BigInt(op.page) * 0x1000n;
            const len = BigInt(op.npages) * 0x1000n;
            if (op.map) {
              // va ^ pa has bit 12 set: only 4K leaves (page-exact model)
              const pa = BigInt(2 * op.pa + ((op.page + 1) & 1)) * 0x1000n;
              let free = true;
              for (let i = 0; i < op.npages; i++) {
                if (model.has(op.page + i)) free = false;
              }
              const ret = iommu_map(t, va, pa, len, 3, 0);
              if (free) {
                assert.equal(ret, 0);
                for (let i = 0; i < op.npages; i++) {
                  model.set(op.page + i, pa + BigInt(i) * 0x1000n);
                }
              } else assert.equal(ret, -98);
            } else if (model.has(op.page)) {
              assert.equal(iommu_unmap(t, va, 0x1000n), 0x1000n);
              model.delete(op.page);
            }
          }
          for (let p = 0; p < 80; p++) {
            const got = iommu_iova_to_phys(t, base + BigInt(p) * 0x1000n + 5n);
            const want = model.get(p);
            assert.equal(got, want === undefined ? 0n : want + 5n);
          }
          pt_iommu_deinit(t);
        },
      ),
      { seed, numRuns: 60 },
    );
    assert.equal(nr_secondary_pagetable(), before, `leak in ${fmt.name}`);
  }
});

Deno.test("property: number paths agree with the bigint walkers", () => {
  const seed = 0x6e756d;
  const before = nr_secondary_pagetable();
  for (const fmt of [amdv1, amdv1_mock, vtdss, x86_64, riscv_64]) {
    for (let cfg = 0; cfg < fmt.kunit_fmt_cfgs.length; cfg++) {
      const g = BigInt(fmt.PT_GRANULE_LG2SZ);
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              kind: fc.constantFrom("map", "map", "unmap", "high"),
              page: fc.integer({ min: 0, max: 4095 }),
              npages: fc.oneof(
                fc.integer({ min: 1, max: 40 }),
                fc.constantFrom(512, 1024, 1536, 2048),
              ),
              skew: fc.constantFrom(0, 0, 1, 16),
            }),
            { maxLength: 30 },
          ),
          (ops) => {
            const a = make(fmt, cfg, true);
            const b = make(fmt, cfg, false);
            const base = 0x4000_0000n;
            const probes: bigint[] = [];
            const maps: Array<[bigint, bigint]> = [];
            for (const op of ops) {
              let va = base + (BigInt(op.page) << g);
              if (op.kind === "high") va = (1n << 60n) + (BigInt(op.page) << g);
              let len = BigInt(op.npages) << g;
              // Mostly unmap what an earlier map mapped (whole or its start)
              if (op.kind === "unmap" && maps.length && op.skew !== 1) {
                [va, len] = maps[op.page % maps.length]!;
              } else if (op.kind !== "unmap") maps.push([va, len]);
              const pa = va + (BigInt(op.skew) << g) - base;
              probes.push(va, va + len - 1n, va + (len >> 1n) + 3n);
              if (op.kind === "unmap") {
                assert.equal(iommu_unmap(a, va, len), iommu_unmap(b, va, len));
              } else {
                assert.equal(
                  iommu_map(a, va, pa, len, 3, 0),
                  iommu_map(b, va, pa, len, 3, 0),
                );
              }
              assert.equal(pt_pages_of_owner(a), pt_pages_of_owner(b));
              assert.equal(
                a.common.top_of_table % 8,
                b.common.top_of_table % 8,
              );
            }
            for (const va of probes) {
              const want = iommu_iova_to_phys(b, va);
              assert.equal(iommu_iova_to_phys(a, va), want);
              const hl = iommu_iova_to_phys_hl(
                a,
                Number(va >> 32n),
                Number(va & 0xffff_ffffn),
              );
              assert.equal(
                hl,
                BigInt(Number(want)) === want ? Number(want) : -1,
              );
            }
            assert.deepEqual(a.stats, b.stats);
            pt_iommu_deinit(a);
            pt_iommu_deinit(b);
          },
        ),
        { seed, numRuns: 25 },
      );
    }
  }
  assert.equal(nr_secondary_pagetable(), before);
});

Deno.test("iova_to_phys_hl reads sign-extended upper-half IOVAs", () => {
  const t = make(x86_64, 0); // 48-bit, SIGN_EXTEND
  const va = 0xffff_8000_0020_0000n;
  assert.equal(iommu_map(t, va, 0x1_2340_0000n, 0x40_0000n, 3, 0), 0);
  assert.equal(
    iommu_iova_to_phys_hl(t, 0xffff8000, 0x0030_0123),
    0x1_2350_0123,
  );
  assert.equal(iommu_iova_to_phys(t, va + 0x10_0123n), 0x1_2350_0123n);
  // Outside the table: the errno quirk is not an address
  assert.equal(iommu_iova_to_phys_hl(t, 0x0001_0000, 0), -1);
  assert.throws(() => iommu_iova_to_phys_hl(t, 2 ** 32, 0), RangeError);
  pt_iommu_deinit(t);
  // RISC-V OAs reach 2^56: page-aligned ones are exact numbers, others -1
  const r = make(riscv_64, 0);
  const pa = 1n << 55n;
  assert.equal(iommu_map(r, 0x20_0000n, pa, 0x20_0000n, 3, 0), 0);
  assert.equal(iommu_iova_to_phys_hl(r, 0, 0x21_0000), 2 ** 55 + 0x1_0000);
  assert.equal(iommu_iova_to_phys_hl(r, 0, 0x21_0123), -1);
  assert.equal(iommu_iova_to_phys(r, 0x21_0123n), pa + 0x1_0123n);
  pt_iommu_deinit(r);
});

Deno.test("gather: number ranges fold into the bigint range", () => {
  const g = new IommuIotlbGather();
  iommu_iotlb_gather_init(g);
  assert.equal(iommu_iotlb_gather_is_disjoint_n(g, 0x1000, 0x1000), false);
  iommu_iotlb_gather_add_range_n(g, 0x5000, 0x1000);
  assert.equal(iommu_iotlb_gather_is_disjoint_n(g, 0x6000, 0x1000), false);
  assert.equal(iommu_iotlb_gather_is_disjoint_n(g, 0x8000, 0x1000), true);
  iommu_iotlb_gather_add_range(g, 0xffff_0000_0000_0000n, 0x1000n);
  assert.equal(g.start, 0x5000n);
  assert.equal(g.end, 0xffff_0000_0000_0fffn);
  iommu_iotlb_gather_add_range_n(g, 0x1000, 0x1000);
  assert.equal(iommu_iotlb_gather_is_disjoint_n(g, 0x3000, 0x1000), false);
  assert.equal(g.start, 0x1000n);
  iommu_iotlb_gather_init(g);
  assert.equal(g.start, 0xffff_ffff_ffff_ffffn);
  assert.equal(g.end, 0n);
});
