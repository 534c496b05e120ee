// Copyright 2026 the iommulab authors. MIT license.
/**
 * `<fmt>_iommu_test`: the IOMMU-operation cases of
 * drivers/iommu/generic_pt/kunit_iommu_pt.h, one suite per format, each case
 * parameterised over the format's kunit cfgs, with the table-memory leak
 * check in `exit`.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_GE,
  KUNIT_ASSERT_NE,
  KUNIT_ASSERT_TRUE,
  KUNIT_CASE_PARAM,
  kunit_skip,
  kunit_test_suite,
  type KunitCase,
  type KunitSuite,
} from "../lib/kunit/mod.ts";
import {
  get_random_u32_below,
  get_random_u32_inclusive,
} from "../lib/kernel/random.ts";
import { pfn_to_page } from "../lib/kernel/page_alloc.ts";
import {
  _pt_iter_first,
  _pt_iter_load,
  fls64,
  iommu_iova_to_phys,
  iommu_iova_to_phys_hl,
  iommu_map,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  MASK,
  N_ENTRY_EMPTY,
  N_ENTRY_OA,
  nr_secondary_pagetable,
  POW2,
  POW2N,
  pt_descend,
  PT_ENTRY_OA,
  pt_entry_oa_lg2sz,
  PT_ENTRY_TABLE,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_SIGN_EXTEND,
  pt_feature,
  pt_init,
  pt_iommu_deinit,
  pt_iommu_last_leaf_lg2,
  pt_next_entry,
  pt_top_range,
  pt_upper_range,
  pt_walk_range,
  type PtFormat,
  type PtRange,
  type PtTableMem,
  U32_MAX,
  U64_MAX,
} from "../lib/pt/mod.ts";
import {
  do_map,
  KUNIT_ASSERT_NO_ERRNO,
  kunit_pt_gen_params_cfg,
  type KunitIommuPriv,
  new_priv,
  pt_formats,
  pt_kunit_priv_init,
} from "./_pt_kunit.ts";

const EADDRINUSE = 98;
const SZ_1G = 1n << 30n;
const SZ_2G = 1n << 31n;
const SZ_4K = 1n << 12n;
const SZ_16G = 1n << 34n;
const MAPLE_RESERVED_RANGE = 4096n;

function priv_of(test: Kunit): KunitIommuPriv {
  return test.priv as KunitIommuPriv;
}

function ALIGN(x: bigint, a: bigint): bigint {
  return (x + a - 1n) & ~(a - 1n);
}

/** `__count_valids()`: OA entries per size (a contiguous entry counts once). */
export function __count_valids(
  range: PtRange,
  per_size: number[],
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  for (_pt_iter_first(pts); _pt_iter_load(pts); pt_next_entry(pts)) {
    if (pts.type === PT_ENTRY_TABLE) {
      pt_descend(pts, per_size, __count_valids);
      continue;
    }
    if (pts.type === PT_ENTRY_OA) per_size[pt_entry_oa_lg2sz(pts)]!++;
  }
  return 0;
}

/**
 * Lab: `__count_valids()` over the number codec (same walk: the top range's
 * index span, every item of each lower table, a contiguous entry counted
 * once by `pt_entry_oa_lg2sz`); the bigint walker costs ~1 µs per entry and
 * test_map_table_to_oa counts 2^21 entries. Falls back to the bigint walk.
 */
function count_valids_per_size(test: Kunit): number[] {
  const common = priv_of(test).common;
  const fmt = common.fmt;
  const range = pt_top_range(common);
  const per_size = new Array<number>(64).fill(0);
  if (!fmt.n_codec || range.top_table === null) {
    KUNIT_ASSERT_NO_ERRNO(test, pt_walk_range(range, __count_valids, per_size));
    return per_size;
  }
  const pts = pt_init(range, range.top_level, range.top_table);
  _pt_iter_first(pts);
  const walk = (
    t: Uint32Array,
    level: number,
    index: number,
    end: number,
  ): boolean => {
    while (index < end) {
      const lo = t[index * 2]!, hi = t[index * 2 + 1]!;
      const d = fmt.n_decode(lo, hi, level);
      if (d === N_ENTRY_EMPTY) {
        index++;
      } else if (d === N_ENTRY_OA) {
        const c = fmt.n_entry_num_contig_lg2(lo, hi, level);
        per_size[fmt.isz[level]! + c]!++;
        index = (Math.floor(index / POW2N[c]!) + 1) * POW2N[c]!;
      } else {
        const lower = pfn_to_page(d);
        if (lower === null || lower.freed) return false;
        if (
          !walk(lower.u32, level - 1, 0, POW2N[fmt.n_items_lg2[level - 1]!]!)
        ) {
          return false;
        }
        index++;
      }
    }
    return true;
  };
  KUNIT_ASSERT_TRUE(
    test,
    walk(range.top_table.u32, range.top_level, pts.index, pts.end_index),
  );
  return per_size;
}

function count_valids(test: Kunit): number {
  return count_valids_per_size(test).reduce((a, b) => a + b, 0);
}

/** Only one page size is present: the number of valid entries of it. */
function count_valids_single(test: Kunit, pgsz: bigint): number {
  const per_size = count_valids_per_size(test);
  let total = 0;
  for (let i = 0; i !== 64; i++) {
    if (POW2[i] === pgsz) total = per_size[i]!;
    else KUNIT_ASSERT_EQ(test, per_size[i]!, 0);
  }
  return total;
}

function do_unmap(test: Kunit, va: bigint, len: bigint): void {
  const ret = iommu_unmap(priv_of(test).iommu, va, len);
  KUNIT_ASSERT_EQ(test, ret, len);
}

const TWO32 = 2 ** 32;

function check_iova(test: Kunit, va: bigint, pa: bigint, len: bigint): void {
  const priv = priv_of(test);
  const s_lg2 = priv.smallest_pgsz_lg2;
  const lg2 = BigInt(s_lg2);
  let pfn = va >> lg2;
  const end_pfn = pfn + (len >> lg2);
  // Lab: the loop runs on numbers, the IOVA as two 32-bit words, and
  // translates pages with iommu_iova_to_phys_hl (the same walk, without
  // bigints per page); a mismatch is re-read and asserted as bigint. Page
  // aligned PAs are exact numbers up to 2^64. Where the walk ends in a leaf
  // entry larger than the smallest page, only the first and the last page
  // of the entry inside the range are translated (iova_to_phys of any page
  // of an entry is entry_oa | offset, from the same entry), not every page:
  // the kernel's per-page loop is ~10^8 walks per test_random_map cfg.
  if ((pa & (priv.smallest_pgsz - 1n)) === 0n && pa + len <= 1n << 64n) {
    const pgsz = Number(priv.smallest_pgsz);
    const start = (pfn << lg2) & U64_MAX;
    let hi = Number(start >> 32n);
    let lo = Number(start & 0xffff_ffffn);
    let pa_n = Number(pa);
    let n = Number(end_pfn - pfn);
    const check = (h: number, l: number, want: number): boolean => {
      if (iommu_iova_to_phys_hl(priv.iommu, h, l) === want) return true;
      const res = iommu_iova_to_phys(
        priv.iommu,
        (BigInt(h) << 32n) | BigInt(l),
      );
      KUNIT_ASSERT_EQ(test, res, BigInt(want));
      return res === BigInt(want);
    };
    while (n !== 0) {
      if (!check(hi, lo, pa_n)) break;
      let step = 1;
      const e_lg2 = pt_iommu_last_leaf_lg2(priv.iommu);
      if (e_lg2 > s_lg2) {
        // Pages from here to the end of the leaf entry
        const off = e_lg2 > 32
          ? (hi % POW2N[e_lg2 - 32]!) * TWO32 + lo
          : lo % POW2N[e_lg2]!;
        step = Math.min(n, (POW2N[e_lg2]! - off) / pgsz);
        if (step > 1) {
          const d = (step - 1) * pgsz;
          const l2 = lo + d;
          const h2 = (hi + Math.floor(l2 / TWO32)) >>> 0;
          if (!check(h2, l2 % TWO32, pa_n + d)) break;
        }
      }
      const d = step * pgsz;
      pa_n += d;
      lo += d;
      if (lo >= TWO32) {
        hi = (hi + Math.floor(lo / TWO32)) >>> 0;
        lo %= TWO32;
      }
      n -= step;
    }
    return;
  }
  for (; pfn !== end_pfn; pfn++) {
    const res = iommu_iova_to_phys(priv.iommu, pfn * priv.smallest_pgsz);
    if (res !== pa) {
      KUNIT_ASSERT_EQ(test, res, pa);
      break;
    }
    pa += priv.smallest_pgsz;
  }
}

function test_increase_level(test: Kunit): void {
  const priv = priv_of(test);
  const common = priv.common;
  if (!pt_feature(common, PT_FEAT_DYNAMIC_TOP)) {
    kunit_skip(test, "PT_FEAT_DYNAMIC_TOP not set for this format");
  }
  if (common.max_vasz_lg2 <= pt_top_range(common).max_vasz_lg2) {
    kunit_skip(test, "max_vasz_lg2 fits in starting level, no growth possible");
  }
  // Add every possible level to the max
  while (common.max_vasz_lg2 !== pt_top_range(common).max_vasz_lg2) {
    const top_range = pt_top_range(common);
    if (top_range.va === 0n) {
      do_map(test, top_range.last_va + 1n, 0n, priv.smallest_pgsz);
    } else {
      do_map(test, top_range.va - priv.smallest_pgsz, 0n, priv.smallest_pgsz);
    }
    KUNIT_ASSERT_EQ(
      test,
      pt_top_range(common).top_level,
      top_range.top_level + 1,
    );
    KUNIT_ASSERT_GE(
      test,
      common.max_vasz_lg2,
      pt_top_range(common).max_vasz_lg2,
    );
  }
}

function test_map_simple(test: Kunit): void {
  const priv = priv_of(test);
  let range = pt_top_range(priv.common);
  const bitmap = priv.safe_pgsize_bitmap;
  const per_size = new Array<number>(64).fill(0);
  // Map every reported page size
  let cur_va = range.va + priv.smallest_pgsz * 256n;
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    const paddr = priv.test_oa & ~MASK[lg2]!;
    const len = POW2[lg2]!;
    if ((bitmap & len) === 0n) continue;
    cur_va = ALIGN(cur_va, len);
    do_map(test, cur_va, paddr, len);
    if (len <= SZ_2G) check_iova(test, cur_va, paddr, len);
    cur_va += len;
  }
  // The read interface reports that every page size was created
  range = pt_top_range(priv.common);
  KUNIT_ASSERT_NO_ERRNO(test, pt_walk_range(range, __count_valids, per_size));
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    KUNIT_ASSERT_EQ(test, per_size[lg2]!, (bitmap & POW2[lg2]!) ? 1 : 0);
  }
  // Lab: the number walk of count_valids() agrees with the bigint one
  const n_per_size = count_valids_per_size(test);
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    KUNIT_ASSERT_EQ(test, n_per_size[lg2]!, per_size[lg2]!);
  }
  // Unmap works
  range = pt_top_range(priv.common);
  cur_va = range.va + priv.smallest_pgsz * 256n;
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    const len = POW2[lg2]!;
    if ((bitmap & len) === 0n) continue;
    cur_va = ALIGN(cur_va, len);
    do_unmap(test, cur_va, len);
    cur_va += len;
  }
  KUNIT_ASSERT_EQ(test, count_valids(test), 0);
}

/** Map small, unmap leaving table pointers, map larger over them. */
function test_map_table_to_oa(test: Kunit): void {
  const priv = priv_of(test);
  const limited = priv.info.pgsize_bitmap % SZ_16G;
  const range = pt_top_range(priv.common);
  const max_pgsize = 1n << BigInt(fls64(limited) - 1);
  KUNIT_ASSERT_TRUE(test, (priv.info.pgsize_bitmap & max_pgsize) !== 0n);
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    const paddr = priv.test_oa & ~MASK[lg2]!;
    const len = POW2[lg2]!;
    if ((priv.info.pgsize_bitmap & len) === 0n) continue;
    if (len > max_pgsize) break;
    const cur_va = ALIGN(range.va + priv.smallest_pgsz * 256n, max_pgsize);
    for (let offset = 0n; offset !== max_pgsize; offset += len) {
      do_map(test, cur_va + offset, paddr + offset, len);
    }
    check_iova(test, cur_va, paddr, max_pgsize);
    KUNIT_ASSERT_EQ(
      test,
      count_valids_single(test, len),
      Number(max_pgsize >> BigInt(lg2)),
    );
    if (len === max_pgsize) {
      do_unmap(test, cur_va, max_pgsize);
    } else {
      do_unmap(test, cur_va, max_pgsize / 2n);
      for (let offset = max_pgsize / 2n; offset !== max_pgsize; offset += len) {
        do_unmap(test, cur_va + offset, len);
      }
    }
    KUNIT_ASSERT_EQ(test, count_valids(test), 0);
  }
}

/** Unmapping a small page at the start of a large page unmaps it all. */
function test_unmap_split(test: Kunit): void {
  const priv = priv_of(test);
  const top_range = pt_top_range(priv.common);
  const bitmap = priv.safe_pgsize_bitmap;
  let count = 0;
  for (let lg2 = 0; lg2 !== 64; lg2++) {
    const base_len = POW2[lg2]!;
    if ((bitmap & base_len) === 0n) continue;
    for (let next = lg2 + 1; next !== 64; next++) {
      const next_len = POW2[next]!;
      const vaddr = top_range.va;
      const paddr = 0n;
      if ((bitmap & next_len) === 0n) continue;
      do_map(test, vaddr, paddr, next_len);
      let n = iommu_unmap(priv.iommu, vaddr, base_len);
      KUNIT_ASSERT_EQ(test, n, next_len);
      // Make sure unmap doesn't keep going
      do_map(test, vaddr, paddr, next_len);
      do_map(test, vaddr + next_len, paddr, next_len);
      n = iommu_unmap(priv.iommu, vaddr, base_len);
      KUNIT_ASSERT_EQ(test, n, next_len);
      n = iommu_unmap(priv.iommu, vaddr + next_len, next_len);
      KUNIT_ASSERT_EQ(test, n, next_len);
      count++;
    }
  }
  if (count === 0) kunit_skip(test, "Test needs two page sizes");
}

/** The maple tree of test_random_map: sorted disjoint [start, last] ranges. */
class RangeSet {
  r: Array<[bigint, bigint]> = [];
  /** Overlapping ranges, removed (mas_for_each + mas_erase). */
  take(start: bigint, last: bigint): Array<[bigint, bigint]> {
    const out: Array<[bigint, bigint]> = [];
    this.r = this.r.filter((x) => {
      if (x[1] < start || x[0] > last) return true;
      out.push(x);
      return false;
    });
    return out;
  }
  /** mtree_insert_range(): -EEXIST on overlap. */
  insert(start: bigint, last: bigint): number {
    if (this.r.some((x) => !(x[1] < start || x[0] > last))) return -17;
    this.r.push([start, last]);
    return 0;
  }
}

function unmap_collisions(
  test: Kunit,
  mt: RangeSet,
  start: bigint,
  last: bigint,
): void {
  const priv = priv_of(test);
  for (const [s, l] of mt.take(start, last)) {
    const len = l - s + 1n;
    const paddr = s & MASK[priv.common.max_oasz_lg2]!;
    check_iova(test, s, paddr, len);
    do_unmap(test, s, len);
  }
}

function clamp_range(test: Kunit, range: PtRange): void {
  const priv = priv_of(test);
  if (range.last_va - range.va > SZ_1G) range.last_va = range.va + SZ_1G;
  KUNIT_ASSERT_NE(test, range.last_va, U64_MAX);
  if (range.va <= MAPLE_RESERVED_RANGE) {
    range.va = ALIGN(MAPLE_RESERVED_RANGE, priv.smallest_pgsz);
  }
}

/** Random map/unmap with large pages; overlaps are unmapped and retried. */
function test_random_map(test: Kunit): void {
  const priv = priv_of(test);
  const upper_range = pt_upper_range(priv.common);
  const top_range = pt_top_range(priv.common);
  const mt = new RangeSet();
  const u32 = (v: bigint) => Number(v > BigInt(U32_MAX) ? BigInt(U32_MAX) : v);
  // Shrink the range so intersections are more likely
  clamp_range(test, top_range);
  clamp_range(test, upper_range);
  for (let iter = 0; iter !== 1000; iter++) {
    let range = top_range;
    if (
      pt_feature(priv.common, PT_FEAT_SIGN_EXTEND) &&
      get_random_u32_inclusive(0, 1)
    ) range = upper_range;
    let start = BigInt(get_random_u32_below(u32(range.last_va - range.va)));
    let end = BigInt(get_random_u32_below(u32(range.last_va - start)));
    start = start & ~(priv.smallest_pgsz - 1n);
    end = ALIGN(end, priv.smallest_pgsz);
    start += range.va;
    end += start;
    if (start < range.va || end > range.last_va + 1n || start >= end) continue;
    // Try overmapping to test the failure handling
    const paddr = start & MASK[priv.common.max_oasz_lg2]!;
    const ret = iommu_map(
      priv.iommu,
      start,
      paddr,
      end - start,
      IOMMU_READ | IOMMU_WRITE,
      0,
    );
    if (ret) {
      KUNIT_ASSERT_EQ(test, ret, -EADDRINUSE);
      unmap_collisions(test, mt, start, end - 1n);
      do_map(test, start, paddr, end - start);
    }
    KUNIT_ASSERT_EQ(test, mt.insert(start, end - 1n), 0);
    check_iova(test, start, paddr, end - start);
  }
  unmap_collisions(test, mt, 0n, U64_MAX);
  KUNIT_ASSERT_EQ(test, count_valids(test), 0);
}

/** lore b9b18a03-63a2-4065-a27e-d92dd5c860bc@amd.com */
function test_pgsize_boundary(test: Kunit): void {
  const priv = priv_of(test);
  const top_range = pt_top_range(priv.common);
  if (
    top_range.va !== 0n || top_range.last_va < 0xfef9ffffn ||
    priv.smallest_pgsz !== SZ_4K
  ) kunit_skip(test, "Format does not have the required range");
  do_map(test, 0xfef80000n, 0x208b95d000n, 0xfef9ffffn - 0xfef80000n + 1n);
}

/** lore 20250826143816.38686-1-eugkoira@amazon.com */
function test_mixed(test: Kunit): void {
  const priv = priv_of(test);
  const top_range = pt_top_range(priv.common);
  const start = 0x3fe400n << 12n;
  const end = 0x4c0600n << 12n;
  const len = end - start;
  const oa = start;
  if (top_range.last_va <= start) kunit_skip(test, "range is too small");
  const mid = priv.safe_pgsize_bitmap & (MASK[31]! ^ MASK[21]!);
  if (mid !== ((1n << 30n) | (1n << 21n))) {
    kunit_skip(test, "incompatible psize");
  }
  do_map(test, start, oa, len);
  // 14 2M, 3 1G, 3 2M
  KUNIT_ASSERT_EQ(test, count_valids(test), 20);
  check_iova(test, start, oa, len);
}

function make_suite(fmt: PtFormat): KunitSuite {
  const gen = kunit_pt_gen_params_cfg(fmt);
  const cases: KunitCase[] = [
    test_increase_level,
    test_map_simple,
    test_map_table_to_oa,
    test_unmap_split,
    test_random_map,
    test_pgsize_boundary,
    test_mixed,
  ].map((fn) => KUNIT_CASE_PARAM(fn, gen) as KunitCase);
  return kunit_test_suite({
    name: `${fmt.name}_iommu_test`,
    init(test: Kunit): number {
      const priv = new_priv();
      const ret = pt_kunit_priv_init(test, fmt, priv);
      if (ret) return ret;
      test.priv = priv;
      return 0;
    },
    exit(test: Kunit): void {
      if (!test.priv) return;
      const priv = priv_of(test);
      pt_iommu_deinit(priv.iommu);
      // Look for memory leaks: every table page must be freed
      KUNIT_ASSERT_EQ(
        test,
        priv.orig_nr_secondary_pagetable,
        nr_secondary_pagetable(),
      );
    },
    test_cases: cases,
  });
}

/** One `<fmt>_iommu_test` suite per format. */
const suites: KunitSuite[] = pt_formats.map(make_suite);
export default suites;
