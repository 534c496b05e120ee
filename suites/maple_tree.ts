// Copyright 2026 the iommulab authors. MIT license.
/**
 * KUnit suite `maple_tree`: checks ported from lib/test_maple_tree.c and
 * tools/testing/radix-tree/maple.c (Linux 6.12), keeping their names. Every
 * `MT_BUG_ON(mt, cond)` becomes an expectation that `cond` is false; every
 * case ends with `mt_validate` and a check that no maple node leaked.
 *
 * `xa_mk_value(i)` entries are plain numbers `i` (0 is an entry, not NULL).
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ASSERT_EQ,
  KUNIT_CASE,
  KUNIT_EXPECT_EQ,
  KUNIT_EXPECT_FALSE_MSG,
  KUNIT_EXPECT_TRUE,
  kunit_info,
  kunit_test_suite,
} from "../lib/kunit/mod.ts";
import {
  EBUSY,
  EEXIST,
  EINVAL,
  ENOMEM,
  fault_arm,
  fault_disarm,
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_NOWAIT,
  ULONG_MAX,
} from "../lib/kernel/mod.ts";
import {
  MA_STATE,
  MapleTree,
  mas_allocated,
  mas_destroy,
  mas_empty_area,
  mas_empty_area_rev,
  mas_find,
  mas_for_each,
  mas_is_err,
  mas_next,
  mas_pause,
  mas_preallocate,
  mas_prev,
  mas_reset,
  mas_set,
  mas_set_range,
  mas_store,
  mas_store_gfp,
  mas_store_prealloc,
  mas_walk,
  mt_find,
  MT_FLAGS_ALLOC_RANGE,
  mt_for_each,
  mt_height_of,
  mt_init_flags,
  mt_node_stats,
  mt_nr_allocated,
  mt_validate_report,
  mtree_alloc_range,
  mtree_alloc_rrange,
  mtree_destroy,
  mtree_empty,
  mtree_erase,
  mtree_insert,
  mtree_insert_range,
  mtree_load,
  mtree_store_range,
  store_type_names,
  wr_append,
  wr_exact_fit,
  wr_new_root,
  wr_node_store,
  wr_rebalance,
  wr_slot_store,
  wr_spanning_store,
  wr_split_store,
  wr_store_root,
  XA_ZERO_ENTRY,
} from "../lib/maple/mod.ts";

interface Priv {
  mt: MapleTree;
  nodes_before: number;
}

function MT_BUG_ON(test: Kunit, cond: boolean, what = "MT_BUG_ON"): void {
  KUNIT_EXPECT_FALSE_MSG(test, cond, what);
}

function tree(test: Kunit): MapleTree {
  return (test.priv as Priv).mt;
}

function check_index_load(test: Kunit, mt: MapleTree, i: number): void {
  MT_BUG_ON(test, mtree_load(mt, i) !== i, `load ${i}`);
}

// check_seq(): 0..max inserted in order.
function do_check_seq(test: Kunit, mt: MapleTree, max: number): void {
  MT_BUG_ON(test, !mtree_empty(mt));
  for (let i = 0; i <= max; i++) {
    MT_BUG_ON(test, mtree_insert(mt, i, i, GFP_KERNEL) !== 0, `insert ${i}`);
    if (i <= 64 || i === max) {
      for (let j = 0; j <= i; j++) check_index_load(test, mt, j);
    }
    if (i) MT_BUG_ON(test, !mt_height_of(mt));
    MT_BUG_ON(test, mtree_load(mt, i + 1) !== null);
  }
}

/** check_seq: 1001 singletons in a plain tree: 73 nodes, height 3. */
function check_seq(test: Kunit): void {
  const mt = tree(test);
  do_check_seq(test, mt, 1000);
  const st = mt_node_stats(mt);
  kunit_info(
    test,
    `seq test of 0-1000 ${Math.floor(st.bytes / 1024)}K in ${st.nodes} active`,
  );
  KUNIT_EXPECT_EQ(test, st.nodes, 73);
  KUNIT_EXPECT_EQ(test, st.height, 3);
  KUNIT_EXPECT_EQ(
    test,
    mt_nr_allocated() - (test.priv as Priv).nodes_before,
    73,
  );
}

/** check_seq in an ALLOC_RANGE tree: 76 nodes. */
function check_seq_alloc_range(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  do_check_seq(test, mt, 1000);
  const st = mt_node_stats(mt);
  kunit_info(
    test,
    `seq test of 0-1000 ${Math.floor(st.bytes / 1024)}K in ${st.nodes} active`,
  );
  KUNIT_EXPECT_EQ(test, st.nodes, 76);
  KUNIT_EXPECT_EQ(test, st.by_type[3], 76 - st.by_type[1]);
}

/** check_rev_seq: 1000..1 inserted in reverse, ALLOC_RANGE tree: 76. */
function check_rev_seq(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const max = 1000;
  MT_BUG_ON(test, !mtree_empty(mt));
  for (let i = max; i; i--) {
    MT_BUG_ON(test, mtree_insert(mt, i, i, GFP_KERNEL) !== 0);
    if (i >= max - 64 || i === 1) {
      for (let j = i; j <= max; j++) check_index_load(test, mt, j);
    }
    MT_BUG_ON(test, mtree_load(mt, i - 1) !== null);
    MT_BUG_ON(test, !mt_height_of(mt));
  }
  MT_BUG_ON(test, mtree_load(mt, max + 1) !== null);
  // Index 0 joins as in check_dfs_preorder's tree: 0..1000 in 76 nodes.
  MT_BUG_ON(test, mtree_insert(mt, 0, 0, GFP_KERNEL) !== 0);
  KUNIT_EXPECT_EQ(test, mt_node_stats(mt).nodes, 76);
}

/** check_next_entry. */
function check_next_entry(test: Kunit): void {
  const mt = tree(test);
  const limit = 30;
  let i = 0;
  const mas = MA_STATE(mt, i, i);
  do_check_seq(test, mt, limit);
  MT_BUG_ON(test, mas_walk(mas) !== i++);
  for (; i <= limit + 1; i++) {
    const entry = mas_next(mas, limit);
    if (i > limit) MT_BUG_ON(test, entry !== null);
    else MT_BUG_ON(test, entry !== i, `next ${i}`);
  }
  mtree_destroy(mt);
}

/** check_prev_entry. */
function check_prev_entry(test: Kunit): void {
  const mt = tree(test);
  const index = 16;
  const mas = MA_STATE(mt, index, index);
  do_check_seq(test, mt, 30);
  let value = mas_find(mas, ULONG_MAX);
  MT_BUG_ON(test, value !== index);
  value = mas_prev(mas, 0);
  MT_BUG_ON(test, value !== index - 1);
  mtree_destroy(mt);

  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  for (let i = 0; i <= index; i++) {
    mas_set_range(mas, i * 10, i * 10 + 5);
    mas_store_gfp(mas, i, GFP_KERNEL);
  }
  mas_set(mas, 20);
  value = mas_walk(mas);
  MT_BUG_ON(test, value !== 2);
  value = mas_prev(mas, 19);
  MT_BUG_ON(test, value !== null);
  mas_set(mas, 80);
  value = mas_walk(mas);
  MT_BUG_ON(test, value !== 8);
  value = mas_prev(mas, 76);
  MT_BUG_ON(test, value !== null);
}

/** check_root_expand. */
function check_root_expand(test: Kunit): void {
  const mt = tree(test);
  const mas = MA_STATE(mt, 0, 0);
  const obj = { name: "check_prev_entry" };
  mas_set(mas, 3);
  let ptr = mas_walk(mas);
  MT_BUG_ON(test, mas.index !== 0);
  MT_BUG_ON(test, ptr !== null);
  MT_BUG_ON(test, mas.last !== ULONG_MAX);

  mas_set(mas, 1);
  mas_store_gfp(mas, obj, GFP_KERNEL);
  mas_set(mas, 0);
  ptr = mas_walk(mas);
  MT_BUG_ON(test, ptr !== null);
  mas_set(mas, 1);
  ptr = mas_walk(mas);
  MT_BUG_ON(test, ptr !== obj);
  mas_set(mas, 2);
  ptr = mas_walk(mas);
  MT_BUG_ON(test, ptr !== null);
  mtree_destroy(mt);

  mt_init_flags(mt, 0);
  mas_set(mas, 0);
  mas_store_gfp(mas, obj, GFP_KERNEL);
  // A root pointer: no node.
  KUNIT_EXPECT_EQ(test, mt_node_stats(mt).nodes, 0);
  mas_set(mas, 5);
  ptr = mas_walk(mas);
  MT_BUG_ON(test, ptr !== null);
  MT_BUG_ON(test, mas.index !== 1);
  MT_BUG_ON(test, mas.last !== ULONG_MAX);
  mas_set_range(mas, 0, 100);
  ptr = mas_walk(mas);
  MT_BUG_ON(test, ptr !== obj);
  MT_BUG_ON(test, mas.last !== 0);
  mtree_destroy(mt);

  mt_init_flags(mt, 0);
  mas_set(mas, 0);
  mas_store_gfp(mas, obj, GFP_KERNEL);
  ptr = mas_next(mas, ULONG_MAX);
  MT_BUG_ON(test, ptr !== null);
  MT_BUG_ON(test, mas.index !== 1 && mas.last !== ULONG_MAX);
  mas_set(mas, 1);
  ptr = mas_prev(mas, 0);
  MT_BUG_ON(test, mas.index !== 0 && mas.last !== 0);
  MT_BUG_ON(test, ptr !== obj);
  mtree_destroy(mt);

  // An internal entry at 0 cannot live in the root pointer: a node.
  mt_init_flags(mt, 0);
  mas_set(mas, 0);
  mas_store_gfp(mas, XA_ZERO_ENTRY, GFP_KERNEL);
  KUNIT_EXPECT_EQ(test, mt_node_stats(mt).nodes, 1);
  ptr = mas_next(mas, ULONG_MAX);
  MT_BUG_ON(test, ptr !== null);
  MT_BUG_ON(test, mas.index !== 1 || mas.last !== ULONG_MAX);
  MT_BUG_ON(test, mtree_load(mt, 0) !== null, "zero entry reads as NULL");
}

/** next_prev_test (64-bit figures: level2 707..725, last index 0x7d6). */
function next_prev_test(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const mas = MA_STATE(mt, 0, 0);
  const level2 = [707, 1000, 710, 715, 720, 725];
  const nr_entries = 200;
  const last_index = 0x7d6;
  for (let i = 0; i <= nr_entries; i++) {
    mtree_store_range(mt, i * 10, i * 10 + 5, i, GFP_KERNEL);
  }
  let i = 0;
  for (; i <= nr_entries / 2; i++) {
    mas_next(mas, 1000);
  }
  mas_reset(mas);
  mas_set(mas, 0);
  i = 0;
  for (const _ of mas_for_each(mas, 1000)) i++;
  KUNIT_EXPECT_EQ(test, i, 101);
  mas_reset(mas);
  mas_set(mas, 0);
  i = 0;
  for (const _ of mas_for_each(mas, 1000)) {
    mas_pause(mas);
    i++;
  }
  KUNIT_EXPECT_EQ(test, i, 101);

  mas_set(mas, 686);
  let val = mas_walk(mas);
  MT_BUG_ON(test, val !== null);
  val = mas_next(mas, 1000);
  MT_BUG_ON(test, val !== 69);
  MT_BUG_ON(test, mas.index !== 690 || mas.last !== 695);
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== 68);
  MT_BUG_ON(test, mas.index !== 680 || mas.last !== 685);
  val = mas_next(mas, 1000);
  MT_BUG_ON(test, val !== 69);
  MT_BUG_ON(test, mas.index !== 690 || mas.last !== 695);
  val = mas_next(mas, 1000);
  MT_BUG_ON(test, val !== 70);
  MT_BUG_ON(test, mas.index !== 700 || mas.last !== 705);

  mas_set(mas, 70);
  val = mas_walk(mas);
  MT_BUG_ON(test, val !== 7);
  MT_BUG_ON(test, mas.index !== 70 || mas.last !== 75);
  val = mas_next(mas, 1000);
  MT_BUG_ON(test, val !== 8);
  MT_BUG_ON(test, mas.index !== 80 || mas.last !== 85);
  val = mas_prev(mas, 70);
  MT_BUG_ON(test, val !== 7);
  MT_BUG_ON(test, mas.index !== 70 || mas.last !== 75);

  mas_reset(mas);
  mas_set(mas, level2[0]);
  val = mas_walk(mas);
  MT_BUG_ON(test, val !== null);
  val = mas_next(mas, level2[1]);
  MT_BUG_ON(test, val !== level2[2] / 10);
  MT_BUG_ON(test, mas.index !== level2[2] || mas.last !== level2[3]);
  const mn = mas.node;
  val = mas_next(mas, level2[1]);
  MT_BUG_ON(test, val !== level2[4] / 10);
  MT_BUG_ON(test, mas.index !== level2[4] || mas.last !== level2[5]);
  MT_BUG_ON(test, mn === mas.node, "710-715 and 720-725 in one node");
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== level2[2] / 10);
  MT_BUG_ON(test, mas.index !== level2[2] || mas.last !== level2[3]);

  mas_set(mas, nr_entries * 10);
  val = mas_walk(mas);
  MT_BUG_ON(test, val !== nr_entries);
  MT_BUG_ON(test, mas.index !== nr_entries * 10);
  MT_BUG_ON(test, mas.last !== nr_entries * 10 + 5);
  val = mas_next(mas, ULONG_MAX);
  MT_BUG_ON(test, val !== null);
  KUNIT_EXPECT_EQ(test, mas.index, last_index);
  KUNIT_EXPECT_EQ(test, mas.last, ULONG_MAX);
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== nr_entries);
  MT_BUG_ON(test, mas.index !== nr_entries * 10);
  MT_BUG_ON(test, mas.last !== nr_entries * 10 + 5);

  mas_reset(mas);
  mas_set(mas, 10);
  val = mas_walk(mas);
  MT_BUG_ON(test, val !== 1);
  MT_BUG_ON(test, mas.index !== 10 || mas.last !== 15);
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== 0);
  MT_BUG_ON(test, mas.index !== 0 || mas.last !== 5);
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== null);
  MT_BUG_ON(test, mas.index !== 0 || mas.last !== 5);
  MT_BUG_ON(test, mas.status !== 6 /* ma_underflow */);

  mas.index = 0;
  mas.last = 5;
  mas_store(mas, null);
  mas_reset(mas);
  mas_set(mas, 10);
  mas_walk(mas);
  val = mas_prev(mas, 0);
  MT_BUG_ON(test, val !== null);
  MT_BUG_ON(test, mas.index !== 0 || mas.last !== 9);
  mtree_destroy(mt);

  mt_init_flags(mt, 0);
  mtree_store_range(mt, 0, 0, 0, GFP_KERNEL);
  mtree_store_range(mt, 5, 5, 5, GFP_KERNEL);
  mas_set(mas, 5);
  val = mas_prev(mas, 4);
  MT_BUG_ON(test, val !== null);
}

/** check_empty_area_window: the table of lib/test_maple_tree.c. */
function check_empty_area_window(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const mas = MA_STATE(mt, 0, 0);
  for (let i = 1; i <= 20; i++) {
    mtree_store_range(mt, i * 10, i * 10 + 9, i, GFP_KERNEL);
  }
  mtree_store_range(mt, 160, 169, null, GFP_KERNEL);

  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 5, 90, 10), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 6, 90, 5), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 5, 90, 5), 0);
  KUNIT_EXPECT_EQ(test, mas.index, 5);
  KUNIT_EXPECT_EQ(test, mas.last, 9);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 5, 217, 9), 0);
  KUNIT_EXPECT_EQ(test, mas.index, 161);
  KUNIT_EXPECT_EQ(test, mas.last, 169);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 100, 218, 3), 0);
  KUNIT_EXPECT_EQ(test, mas.index, 216);
  KUNIT_EXPECT_EQ(test, mas.last, 218);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 100, 218, 16), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 167, 200, 4), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area_rev(mas, 100, 162, 4), -EBUSY);

  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 0, 100, 9), 0);
  KUNIT_EXPECT_EQ(test, mas.index, 0);
  KUNIT_EXPECT_EQ(test, mas.last, 8);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 0, 100, 4), 0);
  KUNIT_EXPECT_EQ(test, mas.index, 0);
  KUNIT_EXPECT_EQ(test, mas.last, 3);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 0, 100, 11), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 5, 100, 6), -EBUSY);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 0, 8, 10), -EINVAL);
  mas_reset(mas);
  mas_empty_area(mas, 100, 165, 3);
  mas_reset(mas);
  KUNIT_EXPECT_EQ(test, mas_empty_area(mas, 100, 163, 6), -EBUSY);
}

/** check_ranges (the insert/store part and the growth to height 4). */
function check_ranges(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  KUNIT_EXPECT_EQ(test, mtree_insert_range(mt, 10, 15, 10, GFP_KERNEL), 0);
  KUNIT_EXPECT_EQ(test, mtree_insert_range(mt, 20, 25, 20, GFP_KERNEL), 0);
  KUNIT_EXPECT_EQ(
    test,
    mtree_insert_range(mt, 17, 22, 17, GFP_KERNEL),
    -EEXIST,
  );
  KUNIT_EXPECT_EQ(test, mtree_store_range(mt, 17, 22, 17, GFP_KERNEL), 0);
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 16) === null);
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 17) === 17);
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 22) === 17);
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 23) === 20);
  KUNIT_EXPECT_EQ(test, mtree_insert_range(mt, 5, 3, 1, GFP_KERNEL), -EINVAL);
  mtree_destroy(mt);

  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  for (let i = 0; i <= 1300; i++) {
    mtree_store_range(mt, i * 10, (i + 1) * 10, i, GFP_KERNEL);
  }
  MT_BUG_ON(test, mt_height_of(mt) >= 4, "height stays below 4");
  // NULL stores spanning nodes keep the tree valid.
  for (let i = 5; i < 1300; i += 37) {
    mtree_store_range(mt, i * 10 + 5, i * 10 + 104, null, GFP_KERNEL);
    KUNIT_EXPECT_EQ(test, mt_validate_report(mt).length, 0);
  }
}

/** check_find (subset): mt_find / mt_for_each / mas_find over a tree. */
function check_find(test: Kunit): void {
  const mt = tree(test);
  const vals = [0, 1, 8, 60, 0x4000, 0x70000, 0x8000000, 0x900000000];
  for (const v of vals) {
    KUNIT_EXPECT_EQ(test, mtree_insert(mt, v, v, GFP_KERNEL), 0);
  }
  const index = { value: 0 };
  let count = 0;
  for (const e of mt_for_each(mt, index, ULONG_MAX)) {
    MT_BUG_ON(test, e !== vals[count], `mt_for_each ${count}`);
    count++;
  }
  KUNIT_EXPECT_EQ(test, count, vals.length);
  index.value = 9;
  MT_BUG_ON(test, mt_find(mt, index, ULONG_MAX) !== 60);
  KUNIT_EXPECT_EQ(test, index.value, 61);
  index.value = 61;
  MT_BUG_ON(test, mt_find(mt, index, 0x3fff) !== null);
  const mas = MA_STATE(mt, 0, 0);
  count = 0;
  for (const e of mas_for_each(mas, ULONG_MAX)) {
    MT_BUG_ON(test, e !== vals[count], `mas_for_each ${count}`);
    count++;
  }
  KUNIT_EXPECT_EQ(test, count, vals.length);
  // Erase and check mas_find skips the hole.
  mtree_erase(mt, 60);
  mas_set(mas, 9);
  MT_BUG_ON(test, mas_find(mas, ULONG_MAX) !== 0x4000);
}

/** check_alloc_range (small map): lowest fit, -EBUSY, -EEXIST. */
function check_alloc_range(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const map = [[0x1000, 0x1fff], [0x3000, 0x3fff], [0x5000, 0x5fff]];
  for (const [a, b] of map) mtree_insert_range(mt, a, b, a, GFP_KERNEL);
  const start = { value: 0 };
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_range(mt, start, "x", 0x1000, 0x1000, 0x6fff, GFP_KERNEL),
    0,
  );
  KUNIT_EXPECT_EQ(test, start.value, 0x2000);
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_range(mt, start, "y", 0x1001, 0x1000, 0x5fff, GFP_KERNEL),
    -EBUSY,
  );
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_range(mt, start, "y", 0x800, 0x0, 0x6fff, GFP_KERNEL),
    0,
  );
  KUNIT_EXPECT_EQ(test, start.value, 0);
  const plain = new MapleTree(0);
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_range(plain, start, "y", 1, 0, 10, GFP_KERNEL),
    -EINVAL,
  );
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_range(mt, start, XA_ZERO_ENTRY, 1, 0, ULONG_MAX, GFP_KERNEL),
    -EINVAL,
  );
}

/** check_alloc_rev_range (small map): highest fit. */
function check_alloc_rev_range(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const map = [[0x1000, 0x1fff], [0x3000, 0x3fff], [0x5000, 0x5fff]];
  for (const [a, b] of map) mtree_insert_range(mt, a, b, a, GFP_KERNEL);
  // Reserve the top, as the kernel test does with MTREE_ALLOC_MAX.
  const mas = MA_STATE(mt, 0x8000, ULONG_MAX);
  KUNIT_EXPECT_EQ(test, mas_store_gfp(mas, XA_ZERO_ENTRY, GFP_KERNEL), 0);
  MT_BUG_ON(test, mtree_load(mt, 0x9000) !== null, "zero entry reads NULL");
  const start = { value: 0 };
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_rrange(mt, start, "x", 0x1000, 0, ULONG_MAX, GFP_KERNEL),
    0,
  );
  KUNIT_EXPECT_EQ(test, start.value, 0x7000);
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_rrange(mt, start, "y", 0x1000, 0, 0x4fff, GFP_KERNEL),
    0,
  );
  KUNIT_EXPECT_EQ(test, start.value, 0x4000);
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_rrange(mt, start, "z", 0x1000, 0, 0x4fff, GFP_KERNEL),
    0,
  );
  KUNIT_EXPECT_EQ(test, start.value, 0x2000);
  KUNIT_EXPECT_EQ(
    test,
    mtree_alloc_rrange(mt, start, "z", 0x2000, 0, 0x6fff, GFP_KERNEL),
    -EBUSY,
  );
}

/** check_nomem: node allocations fail; index 0 needs no node. */
function check_nomem(test: Kunit): void {
  const mt = tree(test);
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  KUNIT_EXPECT_EQ(test, mtree_insert(mt, 1, "a", GFP_ATOMIC), -ENOMEM);
  KUNIT_EXPECT_EQ(test, mtree_insert(mt, 0, "a", GFP_ATOMIC), 0);
  const mas = MA_STATE(mt, 2, 2);
  MT_BUG_ON(test, mas_store(mas, "b") !== null);
  MT_BUG_ON(test, !mas_is_err(mas));
  KUNIT_EXPECT_EQ(test, mas_allocated(mas), 0);
  fault_disarm("maple.node_alloc");
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 0) === "a");
  KUNIT_EXPECT_TRUE(test, mtree_load(mt, 2) === null);
}

function prealloc_calc(type: number, height: number): number {
  switch (type) {
    case wr_new_root:
      return 1;
    case wr_spanning_store:
      return 3 * height + 1;
    case wr_split_store:
      return 2 * height + 1;
    case wr_rebalance:
      return 2 * height - 1;
    default:
      return 0;
  }
}

/** check_prealloc: store types and node requests of 6.12. */
function check_prealloc(test: Kunit): void {
  const mt = tree(test);
  mt_init_flags(mt, MT_FLAGS_ALLOC_RANGE);
  const max = 500;
  for (let i = 0; i <= max; i++) {
    mtree_store_range(mt, i * 10, i * 10 + 5, i, GFP_KERNEL);
  }
  const mas = MA_STATE(mt, 0, 0);
  const expect = (
    t: MapleTree,
    first: number,
    last: number,
    entry: unknown,
    type: number,
    nodes: number,
  ): void => {
    const m = MA_STATE(t, first, last);
    KUNIT_ASSERT_EQ(test, mas_preallocate(m, entry, GFP_KERNEL), 0);
    KUNIT_EXPECT_EQ(
      test,
      store_type_names[m.store_type],
      store_type_names[type],
    );
    KUNIT_EXPECT_EQ(test, m.node_request, nodes);
    KUNIT_EXPECT_EQ(test, mas_allocated(m), nodes);
    mas_destroy(m);
  };
  const h = mt_height_of(mt);
  // "Slot store does not need allocations"
  expect(mt, 6, 9, mas, wr_exact_fit, 0);
  expect(mt, 6, 10, mas, wr_slot_store, 0);
  expect(mt, 10, 15, mas, wr_exact_fit, 0);
  expect(mt, max * 10 + 7, max * 10 + 9, mas, wr_append, 0);
  expect(mt, 0, ULONG_MAX, mas, wr_spanning_store, 3 * h + 1);
  expect(mt, 100, 1200, mas, wr_spanning_store, 3 * h + 1);
  // A root leaf: node store, and new root for the full range.
  const small = new MapleTree(MT_FLAGS_ALLOC_RANGE);
  for (let i = 1; i <= 4; i++) {
    mtree_store_range(small, i * 10, i * 10 + 5, i, GFP_KERNEL);
  }
  expect(small, 7, 8, mas, wr_node_store, 0);
  expect(small, 0, ULONG_MAX, mas, wr_new_root, 1);
  mtree_destroy(small);
  // A root pointer tree.
  const t2 = new MapleTree(0);
  expect(t2, 0, 0, "r", wr_store_root, 0);
  expect(t2, 5, 5, "r", wr_store_root, 1);

  // Every write class: node request == 6.12 mas_prealloc_calc().
  const seen = new Set<number>();
  let x = 12345;
  for (let n = 0; n < 3000; n++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const a = x % 6000;
    const len = (x >> 12) % 3 === 0 ? (x >> 4) % 300 : (x >> 4) % 6;
    const entry = (x >> 8) % 4 === 0 ? null : n;
    mas_set_range(mas, a, a + len);
    KUNIT_ASSERT_EQ(test, mas_preallocate(mas, entry, GFP_KERNEL), 0);
    seen.add(mas.store_type);
    const want = prealloc_calc(mas.store_type, mt_height_of(mt));
    KUNIT_EXPECT_EQ(test, mas.node_request, want);
    KUNIT_EXPECT_EQ(test, mas_allocated(mas), want);
    mas_store_prealloc(mas, entry);
    KUNIT_EXPECT_EQ(test, mas_allocated(mas), 0);
  }
  for (
    const t of [
      wr_exact_fit,
      wr_spanning_store,
      wr_split_store,
      wr_rebalance,
      wr_append,
      wr_node_store,
      wr_slot_store,
    ]
  ) {
    KUNIT_EXPECT_TRUE(test, seen.has(t));
  }
  // A mask without direct reclaim fails with no budget, keeping nothing.
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  mas_set_range(mas, 100, 1200);
  KUNIT_EXPECT_EQ(test, mas_preallocate(mas, mas, GFP_NOWAIT), -ENOMEM);
  KUNIT_EXPECT_EQ(test, mas_allocated(mas), 0);
  fault_disarm("maple.node_alloc");
}

export default kunit_test_suite({
  name: "maple_tree",
  init(test: Kunit): number {
    test.priv = { mt: new MapleTree(0), nodes_before: mt_nr_allocated() };
    return 0;
  },
  exit(test: Kunit): void {
    const p = test.priv as Priv;
    const problems = mt_validate_report(p.mt);
    KUNIT_EXPECT_EQ(
      test,
      problems.map((x) => x.message).join("; "),
      "",
    );
    const live = mt_node_stats(p.mt).nodes;
    KUNIT_EXPECT_EQ(test, mt_nr_allocated() - p.nodes_before, live);
    mtree_destroy(p.mt);
  },
  test_cases: [
    KUNIT_CASE(check_root_expand),
    KUNIT_CASE(check_seq),
    KUNIT_CASE(check_seq_alloc_range),
    KUNIT_CASE(check_rev_seq),
    KUNIT_CASE(check_next_entry),
    KUNIT_CASE(check_prev_entry),
    KUNIT_CASE(check_find),
    KUNIT_CASE(check_ranges),
    KUNIT_CASE(check_alloc_range),
    KUNIT_CASE(check_alloc_rev_range),
    KUNIT_CASE(next_prev_test),
    KUNIT_CASE(check_empty_area_window),
    KUNIT_CASE(check_nomem),
    KUNIT_CASE(check_prealloc),
  ],
});
