// Copyright 2026 the iommulab authors. MIT license.
/**
 * `<fmt>_fmt_test`: the format-API cases of
 * drivers/iommu/generic_pt/kunit_generic_pt.h, one suite per format, each
 * case parameterised over the format's kunit cfgs like `KUNIT_CASE_FMT`.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_ASSERT_FALSE,
  KUNIT_ASSERT_GE,
  KUNIT_ASSERT_GT,
  KUNIT_ASSERT_LE,
  KUNIT_ASSERT_NE,
  KUNIT_ASSERT_TRUE,
  KUNIT_CASE_PARAM,
  kunit_skip,
  kunit_test_suite,
  type KunitCase,
  type KunitSuite,
} from "../lib/kunit/mod.ts";
import {
  _pt_iter_first,
  ffs32,
  ffs64,
  ffz64,
  fls32,
  fls64,
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_READ,
  IOMMU_WRITE,
  log2_mod32,
  log2_to_max_int32,
  MASK,
  POW2,
  pt_compute_best_pgsize,
  pt_descend,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_SIGN_EXTEND,
  pt_feature,
  pt_index_to_va,
  pt_init,
  pt_init_top,
  pt_iommu_deinit,
  pt_load_single_entry,
  pt_make_range,
  pt_range_to_end_index,
  pt_set_sw_bit_release,
  pt_table_oa_lg2sz,
  pt_test_sw_bit_acquire,
  pt_top_range,
  pt_walk_range,
  type PtFormat,
  type PtRange,
  type PtState,
  type PtTableMem,
  PtWriteAttrs,
  U32_MAX,
  U64_MAX,
} from "../lib/pt/mod.ts";
import {
  do_map,
  get_random_u64,
  KUNIT_ASSERT_NO_ERRNO_FN,
  kunit_pt_gen_params_cfg,
  type KunitIommuPriv,
  new_priv,
  pt_formats,
  pt_kunit_priv_init,
} from "./_pt_kunit.ts";

type LevelFn = (test: Kunit, pts: PtState, arg: unknown) => void;
interface CheckLevelsArg {
  test: Kunit;
  fn_arg: unknown;
  fn: LevelFn;
}

function priv_of(test: Kunit): KunitIommuPriv {
  return test.priv as KunitIommuPriv;
}

function fmt_of(pts: PtState): PtFormat {
  return pts.range.common.fmt;
}

function KUNIT_ASSERT_PT_LOAD(test: Kunit, pts: PtState, type: number): void {
  fmt_of(pts).load_entry(pts);
  KUNIT_ASSERT_EQ(test, pts.type, type);
}

function __check_all_levels(
  range: PtRange,
  chk: CheckLevelsArg,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const test = chk.test;
  const fmt = range.common.fmt;
  _pt_iter_first(pts);
  // With the full VA space in use this is always the last index
  if (
    pt_feature(range.common, PT_FEAT_SIGN_EXTEND) &&
    pts.level === range.top_level
  ) {
    KUNIT_ASSERT_EQ(
      test,
      pts.index,
      2 ** (range.max_vasz_lg2 - 1 - fmt.table_item_lg2sz(pts)) - 1,
    );
  } else {
    KUNIT_ASSERT_EQ(
      test,
      pts.index,
      2 ** (pt_table_oa_lg2sz(pts) - fmt.table_item_lg2sz(pts)) - 1,
    );
  }
  if (fmt.can_have_table(pts)) {
    pt_load_single_entry(pts);
    KUNIT_ASSERT_EQ(test, pts.type, PT_ENTRY_TABLE);
    const ret = pt_descend(pts, chk, __check_all_levels);
    KUNIT_ASSERT_EQ(test, ret, 0);
    // Index 0 is used by the test
    KUNIT_ASSERT_NE(test, pts.index, 0);
  }
  // A format should not create a table with only one entry
  KUNIT_ASSERT_GT(test, pts.end_index, 1);
  // increase_top puts the old top at index 0: use index 1 then
  pts.index = 0;
  pt_index_to_va(pts);
  pt_load_single_entry(pts);
  if (pts.type === PT_ENTRY_TABLE && pts.end_index > 2) {
    pts.index = 1;
    pt_index_to_va(pts);
  }
  chk.fn(test, pts, chk.fn_arg);
  return 0;
}

/** `check_all_levels()`: call fn bottom-up at index 0 (or 1) of every level. */
function check_all_levels(test: Kunit, fn: LevelFn, fn_arg: unknown): void {
  const priv = priv_of(test);
  let range = pt_top_range(priv.common);
  const chk: CheckLevelsArg = { test, fn, fn_arg };
  if (
    pt_feature(priv.common, PT_FEAT_DYNAMIC_TOP) &&
    priv.common.max_vasz_lg2 > range.max_vasz_lg2
  ) range.last_va = range.va | MASK[priv.common.max_vasz_lg2]!;
  // Map a page at the highest VA: populates every level
  range.va = range.last_va - (priv.smallest_pgsz - 1n);
  do_map(test, range.va, 0n, priv.smallest_pgsz);
  range = pt_make_range(priv.common, range.va, range.last_va);
  const ret = pt_walk_range(range, __check_all_levels, chk);
  KUNIT_ASSERT_EQ(test, ret, 0);
}

function test_init(test: Kunit): void {
  // Fixture does the setup
  KUNIT_ASSERT_NE(test, priv_of(test).info.pgsize_bitmap, 0n);
}

/** The log2 helpers at the integer limits. */
function test_bitops(test: Kunit): void {
  KUNIT_ASSERT_EQ(test, fls32(0), 0);
  KUNIT_ASSERT_EQ(test, fls32(1), 1);
  KUNIT_ASSERT_EQ(test, fls32(1 << 2), 3);
  KUNIT_ASSERT_EQ(test, fls32(U32_MAX), 32);
  KUNIT_ASSERT_EQ(test, fls64(0n), 0);
  KUNIT_ASSERT_EQ(test, fls64(1n), 1);
  KUNIT_ASSERT_EQ(test, fls64(4n), 3);
  KUNIT_ASSERT_EQ(test, fls64(U64_MAX), 64);
  KUNIT_ASSERT_EQ(test, ffs32(1), 0);
  KUNIT_ASSERT_EQ(test, ffs32(1 << 2), 2);
  KUNIT_ASSERT_EQ(test, ffs32(2 ** 31), 31);
  KUNIT_ASSERT_EQ(test, ffs64(1n), 0);
  KUNIT_ASSERT_EQ(test, ffs64(4n), 2);
  KUNIT_ASSERT_EQ(test, ffs64(1n << 63n), 63);
  for (let i = 0; i !== 31; i++) KUNIT_ASSERT_EQ(test, ffz64(MASK[i]!), i);
  for (let i = 0; i !== 63; i++) KUNIT_ASSERT_EQ(test, ffz64(MASK[i]!), i);
  for (let i = 0; i !== 32; i++) {
    const val = get_random_u64();
    const v32 = Number(val & 0xffff_ffffn);
    if (v32 !== 0) KUNIT_ASSERT_EQ(test, log2_mod32(v32, ffs32(v32)), 0);
    if (val !== 0n) {
      KUNIT_ASSERT_EQ(test, val & MASK[ffs64(val)]!, 0n);
    }
    if (v32 !== U32_MAX) {
      const z = ffs32(~v32 >>> 0);
      KUNIT_ASSERT_EQ(test, log2_mod32(v32, z), log2_to_max_int32(z));
    }
    if (val !== U64_MAX) {
      const z = ffz64(val);
      KUNIT_ASSERT_EQ(test, val & MASK[z]!, MASK[z]!);
    }
  }
}

function ref_best_pgsize(
  bitmap: bigint,
  va: bigint,
  last_va: bigint,
  oa: bigint,
): number {
  // Brute force the constraints described in pt_compute_best_pgsize()
  for (let lg2 = 63; lg2 !== 0; lg2--) {
    const sz = POW2[lg2]!;
    const m = MASK[lg2]!;
    const vend = (va + sz - 1n) & U64_MAX;
    const oend = (oa + sz - 1n) & U64_MAX;
    if (
      (bitmap & sz) !== 0n && (va & m) === 0n && (oa & m) === 0n &&
      va + sz - 1n <= last_va && ((va ^ vend) >> BigInt(lg2)) === 0n &&
      ((oa ^ oend) >> BigInt(lg2)) === 0n
    ) return lg2;
  }
  return 0;
}

/** The bit logic of pt_compute_best_pgsize(). */
function test_best_pgsize(test: Kunit): void {
  const sh = (v: bigint, n: number) => (v << BigInt(n)) & U64_MAX;
  const check = (bm: bigint, va: bigint, last: bigint, oa: bigint) => {
    if (va > last) [va, last] = [last, va];
    KUNIT_ASSERT_EQ(
      test,
      pt_compute_best_pgsize(bm, va, last, oa),
      ref_best_pgsize(bm, va, last, oa),
    );
  };
  // Random prefixes with every suffix combination
  for (let a = 1; a !== 10; a++) {
    for (let b = 1; b !== 10; b++) {
      for (let c = 1; c !== 10; c++) {
        const bm = get_random_u64();
        const va = sh(get_random_u64(), a);
        const oa = sh(get_random_u64(), b);
        check(bm, va, get_random_u64() | MASK[c]!, oa);
      }
    }
  }
  // 0 prefix, every suffix
  for (let c = 1; c !== 63; c++) check(get_random_u64(), 0n, MASK[c]!, 0n);
  // 1's prefix, every suffix
  for (let a = 1; a !== 10; a++) {
    for (let b = 1; b !== 10; b++) {
      for (let c = 1; c !== 10; c++) {
        check(get_random_u64(), sh(U64_MAX, a), U64_MAX, sh(U64_MAX, b));
      }
    }
  }
  // pgsize_bitmap is always 0
  for (let a = 1; a !== 10; a++) {
    for (let b = 1; b !== 10; b++) {
      for (let c = 1; c !== 10; c++) {
        let va = sh(get_random_u64(), a);
        const oa = sh(get_random_u64(), b);
        let last = get_random_u64() | MASK[c]!;
        if (va > last) [va, last] = [last, va];
        KUNIT_ASSERT_EQ(test, pt_compute_best_pgsize(0n, va, last, oa), 0);
      }
    }
  }
  // over 32 bit page sizes
  for (let a = 32; a !== 42; a++) {
    for (let b = 32; b !== 42; b++) {
      for (let c = 32; c !== 42; c++) {
        const bm = get_random_u64();
        const va = sh(get_random_u64(), a);
        const oa = sh(get_random_u64(), b);
        check(bm, va, get_random_u64() | MASK[c]!, oa);
      }
    }
  }
}

/** pt_install_table() and pt_table_pa() match. */
function test_lvl_table_ptr(test: Kunit, pts: PtState): void {
  const priv = priv_of(test);
  const fmt = fmt_of(pts);
  const paddr = priv.test_oa & ~MASK[priv.smallest_pgsz_lg2]!;
  const attrs = new PtWriteAttrs();
  if (!fmt.can_have_table(pts)) return;
  KUNIT_ASSERT_NO_ERRNO_FN(
    test,
    "pt_iommu_set_prot",
    fmt.iommu_set_prot(pts.range.common, attrs, IOMMU_READ),
  );
  pt_load_single_entry(pts);
  KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
  KUNIT_ASSERT_TRUE(test, fmt.install_table(pts, paddr, attrs));
  // A second install passes because install updates pts->entry
  KUNIT_ASSERT_EQ(test, fmt.install_table(pts, paddr, attrs), true);
  fmt.load_entry_raw(pts);
  pts.type = fmt.load_entry_raw(pts);
  KUNIT_ASSERT_EQ(test, pts.type, PT_ENTRY_TABLE);
  KUNIT_ASSERT_EQ(test, fmt.table_pa(pts), paddr);
  fmt.clear_entries(pts, 0);
  KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
}

function test_table_ptr(test: Kunit): void {
  check_all_levels(test, test_lvl_table_ptr, null);
}

function test_max_va(test: Kunit): void {
  const priv = priv_of(test);
  const range = pt_top_range(priv.common);
  KUNIT_ASSERT_GE(test, priv.common.max_vasz_lg2, range.max_vasz_lg2);
}

/** The levels decode a continuous set of VA bits. */
function test_lvl_radix(test: Kunit, pts: PtState, arg: unknown): void {
  const radix = arg as { vbits: bigint };
  const table_lg2sz = pt_table_oa_lg2sz(pts);
  const isz = fmt_of(pts).table_item_lg2sz(pts);
  // Every bit below us is decoded
  KUNIT_ASSERT_EQ(test, MASK[isz]!, radix.vbits);
  // We are not decoding bits someone else is
  KUNIT_ASSERT_EQ(test, radix.vbits >> BigInt(isz), 0n);
  // Can't decode past the pt_vaddr_t size
  KUNIT_ASSERT_LE(test, table_lg2sz, 64);
  KUNIT_ASSERT_LE(test, table_lg2sz, fmt_of(pts).PT_MAX_VA_ADDRESS_LG2);
  radix.vbits = MASK[table_lg2sz]!;
}

function test_table_radix(test: Kunit): void {
  const priv = priv_of(test);
  const radix = { vbits: priv.smallest_pgsz - 1n };
  check_all_levels(test, test_lvl_radix, radix);
  const range = pt_top_range(priv.common);
  if (range.max_vasz_lg2 === 64) {
    KUNIT_ASSERT_EQ(test, radix.vbits, U64_MAX);
  } else {
    KUNIT_ASSERT_EQ(test, MASK[range.max_vasz_lg2]!, radix.vbits);
    KUNIT_ASSERT_EQ(test, radix.vbits >> BigInt(range.max_vasz_lg2), 0n);
  }
}

function safe_pt_num_items_lg2(pts: PtState): number {
  const top_range = pt_top_range(pts.range.common);
  const top_pts = pt_init_top(top_range);
  // Avoid pt_num_items_lg2() on the top: derive it from the top range
  if (pts.level === top_range.top_level) {
    return Math.log2(pt_range_to_end_index(top_pts));
  }
  return fmt_of(pts).num_items_lg2(pts);
}

function test_lvl_possible_sizes(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const num_items_lg2 = safe_pt_num_items_lg2(pts);
  // [2026] only sizes below half the VA are checked (matches get_info())
  const bitmap = fmt.possible_sizes(pts) &
    MASK[pts.range.common.max_vasz_lg2 - 1]!;
  const isz = fmt.table_item_lg2sz(pts);
  if (!fmt.can_have_leaf(pts)) {
    KUNIT_ASSERT_EQ(test, bitmap, 0n);
    return;
  }
  // No bits for sizes that would be outside this table
  KUNIT_ASSERT_EQ(test, bitmap & MASK[isz]!, 0n);
  KUNIT_ASSERT_EQ(test, bitmap >> BigInt(num_items_lg2 + isz), 0n);
  // Non contiguous must be supported; AMDv1 has a HW bug on one level
  if (bitmap !== 0xff0000000000n || fmt.name !== "amdv1") {
    KUNIT_ASSERT_TRUE(test, (bitmap & POW2[isz]!) !== 0n);
  } else {
    KUNIT_ASSERT_NE(test, bitmap, 0n);
  }
  // A contiguous entry should not span the whole table
  if (num_items_lg2 + isz !== 64) {
    KUNIT_ASSERT_FALSE(test, (bitmap & POW2[num_items_lg2 + isz]!) !== 0n);
  }
}

function test_entry_possible_sizes(test: Kunit): void {
  check_all_levels(test, test_lvl_possible_sizes, null);
}

function sweep_all_pgsizes(
  test: Kunit,
  pts: PtState,
  attrs: PtWriteAttrs,
  test_oaddr: bigint,
): void {
  const fmt = fmt_of(pts);
  const bitmap = fmt.possible_sizes(pts);
  const isz = fmt.table_item_lg2sz(pts);
  if (pts.index !== 0) return;
  for (let len_lg2 = 0; len_lg2 < 63; len_lg2++) {
    if ((bitmap & POW2[len_lg2]!) === 0n) continue;
    const sub = pts.clone();
    const oaddr = test_oaddr & ~MASK[len_lg2]!;
    fmt.install_leaf_entry(pts, oaddr, len_lg2, attrs);
    // Every contiguous item translates correctly
    const n = 2 ** (len_lg2 - isz);
    for (sub.index = 0; sub.index !== n; sub.index++) {
      KUNIT_ASSERT_PT_LOAD(test, sub, PT_ENTRY_OA);
      KUNIT_ASSERT_EQ(
        test,
        fmt.item_oa(sub),
        oaddr + BigInt(sub.index) * POW2[isz]!,
      );
      KUNIT_ASSERT_EQ(test, fmt.entry_oa(sub), oaddr);
      KUNIT_ASSERT_EQ(test, fmt.entry_num_contig_lg2(sub), len_lg2 - isz);
    }
    fmt.clear_entries(pts, len_lg2 - isz);
    KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
  }
}

/** pt_install_leaf_entry() and pt_entry_oa() match; clear works. */
function test_lvl_entry_oa(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const max_oa_lg2 = pts.range.common.max_oasz_lg2;
  const priv = priv_of(test);
  const attrs = new PtWriteAttrs();
  if (!fmt.can_have_leaf(pts)) return;
  KUNIT_ASSERT_NO_ERRNO_FN(
    test,
    "pt_iommu_set_prot",
    fmt.iommu_set_prot(pts.range.common, attrs, IOMMU_READ),
  );
  sweep_all_pgsizes(test, pts, attrs, priv.test_oa);
  // The table can store the boundary OAs
  sweep_all_pgsizes(test, pts, attrs, 0n);
  sweep_all_pgsizes(test, pts, attrs, MASK[max_oa_lg2]!);
}

function test_entry_oa(test: Kunit): void {
  check_all_levels(test, test_lvl_entry_oa, null);
}

/** pt_attr_from_entry() reproduces the entry. */
function test_lvl_attr_from_entry(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const bitmap = fmt.possible_sizes(pts);
  const isz = fmt.table_item_lg2sz(pts);
  const priv = priv_of(test);
  if (!fmt.can_have_leaf(pts)) return;
  const all = IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC |
    IOMMU_MMIO;
  for (let len_lg2 = 0; len_lg2 < 64; len_lg2++) {
    if ((bitmap & POW2[len_lg2]!) === 0n) continue;
    for (let prot = 0; prot <= all; prot++) {
      let attrs = new PtWriteAttrs();
      // Formats may not support every prot combination, but RW they must
      if (fmt.iommu_set_prot(pts.range.common, attrs, prot)) {
        KUNIT_ASSERT_NE(test, prot, IOMMU_READ | IOMMU_WRITE);
        continue;
      }
      const oaddr = priv.test_oa & ~MASK[len_lg2]!;
      fmt.install_leaf_entry(pts, oaddr, len_lg2, attrs);
      KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_OA);
      const good_entry = pts.entry;
      attrs = new PtWriteAttrs();
      fmt.attr_from_entry(pts, attrs);
      fmt.clear_entries(pts, len_lg2 - isz);
      KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
      fmt.install_leaf_entry(pts, oaddr, len_lg2, attrs);
      KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_OA);
      // An identical entry value when re-written
      KUNIT_ASSERT_EQ(test, good_entry, pts.entry);
      fmt.clear_entries(pts, len_lg2 - isz);
    }
  }
}

function test_attr_from_entry(test: Kunit): void {
  check_all_levels(test, test_lvl_attr_from_entry, null);
}

function test_lvl_dirty(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const bitmap = fmt.possible_sizes(pts);
  const isz = fmt.table_item_lg2sz(pts);
  const priv = priv_of(test);
  const start_idx = pts.index;
  const attrs = new PtWriteAttrs();
  if (!fmt.can_have_leaf(pts)) return;
  KUNIT_ASSERT_NO_ERRNO_FN(
    test,
    "pt_iommu_set_prot",
    fmt.iommu_set_prot(pts.range.common, attrs, IOMMU_READ | IOMMU_WRITE),
  );
  for (let len_lg2 = 0; len_lg2 < 64; len_lg2++) {
    if ((bitmap & POW2[len_lg2]!) === 0n) continue;
    const oaddr = priv.test_oa & ~MASK[len_lg2]!;
    fmt.install_leaf_entry(pts, oaddr, len_lg2, attrs);
    KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_OA);
    fmt.load_entry(pts);
    fmt.entry_make_write_clean(pts);
    fmt.load_entry(pts);
    KUNIT_ASSERT_FALSE(test, fmt.entry_is_write_dirty(pts));
    for (let i = 0; i !== 2 ** (len_lg2 - isz); i++) {
      // dirty every contiguous entry
      pts.index = start_idx + i;
      fmt.load_entry(pts);
      KUNIT_ASSERT_TRUE(test, fmt.entry_make_write_dirty(pts));
      pts.index = start_idx;
      fmt.load_entry(pts);
      KUNIT_ASSERT_TRUE(test, fmt.entry_is_write_dirty(pts));
      fmt.entry_make_write_clean(pts);
      fmt.load_entry(pts);
      KUNIT_ASSERT_FALSE(test, fmt.entry_is_write_dirty(pts));
    }
    fmt.clear_entries(pts, len_lg2 - isz);
  }
}

function test_dirty(test: Kunit): void {
  const priv = priv_of(test);
  if (!priv.common.fmt.dirty_supported(priv.common)) {
    kunit_skip(test, "Page table features do not support dirty tracking");
  }
  check_all_levels(test, test_lvl_dirty, null);
}

function sw_bit_check(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const common = pts.range.common;
  const max = fmt.max_sw_bit(common);
  for (let i = 0; i <= max; i++) {
    KUNIT_ASSERT_FALSE(test, pt_test_sw_bit_acquire(pts, i));
  }
  for (let i = 0; i <= max; i++) {
    KUNIT_ASSERT_FALSE(test, pt_test_sw_bit_acquire(pts, i));
    pt_set_sw_bit_release(pts, i);
    KUNIT_ASSERT_TRUE(test, pt_test_sw_bit_acquire(pts, i));
  }
  for (let i = 0; i <= max; i++) {
    KUNIT_ASSERT_TRUE(test, pt_test_sw_bit_acquire(pts, i));
  }
}

function test_lvl_sw_bit_leaf(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const priv = priv_of(test);
  const bitmap = fmt.possible_sizes(pts);
  const isz = fmt.table_item_lg2sz(pts);
  const attrs = new PtWriteAttrs();
  if (!fmt.can_have_leaf(pts) || pts.index !== 0) return;
  KUNIT_ASSERT_NO_ERRNO_FN(
    test,
    "pt_iommu_set_prot",
    fmt.iommu_set_prot(pts.range.common, attrs, IOMMU_READ),
  );
  for (let len_lg2 = 0; len_lg2 < 64; len_lg2++) {
    if ((bitmap & POW2[len_lg2]!) === 0n) continue;
    const oaddr = priv.test_oa & ~MASK[len_lg2]!;
    fmt.install_leaf_entry(pts, oaddr, len_lg2, attrs);
    KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_OA);
    sw_bit_check(test, pts);
    KUNIT_ASSERT_EQ(test, fmt.item_oa(pts), oaddr);
    const got = new PtWriteAttrs();
    fmt.attr_from_entry(pts, got);
    // SW bits must not leak into the attrs
    KUNIT_ASSERT_EQ(test, got.descriptor_bits, attrs.descriptor_bits);
    fmt.clear_entries(pts, len_lg2 - isz);
    KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
  }
}

function test_sw_bit_leaf(test: Kunit): void {
  check_all_levels(test, test_lvl_sw_bit_leaf, null);
}

function test_lvl_sw_bit_table(test: Kunit, pts: PtState): void {
  const fmt = fmt_of(pts);
  const priv = priv_of(test);
  const attrs = new PtWriteAttrs();
  const paddr = priv.test_oa & ~MASK[priv.smallest_pgsz_lg2]!;
  // The kernel gates on pt_can_have_leaf (sic)
  if (!fmt.can_have_leaf(pts) || pts.index !== 0) return;
  if (!fmt.can_have_table(pts)) return;
  KUNIT_ASSERT_NO_ERRNO_FN(
    test,
    "pt_iommu_set_prot",
    fmt.iommu_set_prot(pts.range.common, attrs, IOMMU_READ),
  );
  pts.type = fmt.load_entry_raw(pts);
  KUNIT_ASSERT_TRUE(test, fmt.install_table(pts, paddr, attrs));
  pts.type = fmt.load_entry_raw(pts);
  KUNIT_ASSERT_EQ(test, pts.type, PT_ENTRY_TABLE);
  sw_bit_check(test, pts);
  KUNIT_ASSERT_EQ(test, fmt.table_pa(pts), paddr);
  fmt.clear_entries(pts, 0);
  KUNIT_ASSERT_PT_LOAD(test, pts, PT_ENTRY_EMPTY);
}

function test_sw_bit_table(test: Kunit): void {
  check_all_levels(test, test_lvl_sw_bit_table, null);
}

function make_suite(fmt: PtFormat): KunitSuite {
  const gen = kunit_pt_gen_params_cfg(fmt);
  const cases: KunitCase[] = [
    test_init,
    test_bitops,
    test_best_pgsize,
    test_table_ptr,
    test_max_va,
    test_table_radix,
    test_entry_possible_sizes,
    test_entry_oa,
    test_attr_from_entry,
    ...(fmt.has_dirty ? [test_dirty] : []),
    ...(fmt.has_sw_bit ? [test_sw_bit_leaf, test_sw_bit_table] : []),
  ].map((fn) => KUNIT_CASE_PARAM(fn, gen) as KunitCase);
  return kunit_test_suite({
    name: `${fmt.name}_fmt_test`,
    init(test: Kunit): number {
      const priv = new_priv();
      const ret = pt_kunit_priv_init(test, fmt, priv);
      if (ret) return ret;
      test.priv = priv;
      return 0;
    },
    exit(test: Kunit): void {
      if (!test.priv) return;
      pt_iommu_deinit(priv_of(test).iommu);
    },
    test_cases: cases,
  });
}

/** One `<fmt>_fmt_test` suite per format. */
const suites: KunitSuite[] = pt_formats.map(make_suite);
export default suites;
