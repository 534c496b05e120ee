// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  EEXIST,
  ENOMEM,
  fault_arm,
  fault_disarm,
  fault_point,
  GFP_ATOMIC,
  GFP_KERNEL,
  kasan_enable,
  kasan_is_poisoned,
  ULONG_MAX,
} from "../kernel/mod.ts";
import {
  __mt_destroy,
  MA_STATE,
  maple_arange_64,
  maple_node_object,
  maple_range_64,
  type MapleNode,
  MapleTree,
  mas_allocated,
  mas_destroy,
  mas_erase,
  mas_find,
  mas_find_rev,
  mas_is_err,
  mas_preallocate,
  mas_set_range,
  mas_store,
  mas_store_gfp,
  mas_store_prealloc,
  mas_walk,
  mt_dump_string,
  MT_FLAGS_ALLOC_RANGE,
  MT_FLAGS_LOCK_EXTERN,
  mt_height_of,
  mt_node_stats,
  mt_nr_allocated,
  mt_set_external_lock,
  mt_set_in_rcu,
  mt_validate,
  mt_validate_report,
  mte_gap,
  mte_node_type,
  mte_parent_node,
  mte_pivot,
  mte_set_gap,
  mte_set_pivot,
  mte_set_slot,
  mte_slot,
  mtree_alloc_range,
  mtree_alloc_rrange,
  mtree_erase,
  mtree_insert_range,
  mtree_load,
  mtree_store_range,
  store_type_names,
  wr_exact_fit,
} from "./mod.ts";
import { RefModel } from "./_ref_model.ts";

type Content = [number, number, unknown][];

function content(mt: MapleTree): Content {
  const out: Content = [];
  const mas = MA_STATE(mt, 0, 0);
  let e: unknown;
  while ((e = mas_find(mas, ULONG_MAX)) !== null) {
    out.push([mas.index, mas.last, e]);
  }
  return out;
}

function modelContent(ref: RefModel): Content {
  return ref.ranges.map((r) => [r.first, r.last, r.entry]);
}

function build(flags: number, n: number, step = 10, len = 5): {
  mt: MapleTree;
  ref: RefModel;
} {
  const mt = new MapleTree(flags);
  const ref = new RefModel();
  for (let i = 0; i < n; i++) {
    mtree_store_range(mt, i * step, i * step + len, i, GFP_KERNEL);
    ref.store(i * step, i * step + len, i);
  }
  return { mt, ref };
}

Deno.test("sequential insert node counts match 6.12 (73 / 76)", () => {
  for (const [flags, nodes] of [[0, 73], [MT_FLAGS_ALLOC_RANGE, 76]]) {
    const before = mt_nr_allocated();
    const mt = new MapleTree(flags);
    for (let i = 0; i <= 1000; i++) {
      assert.equal(mtree_insert_range(mt, i, i, i, GFP_KERNEL), 0);
    }
    const st = mt_node_stats(mt);
    assert.equal(st.nodes, nodes);
    assert.equal(st.bytes, nodes * 256);
    assert.equal(st.height, 3);
    assert.equal(mt_nr_allocated() - before, nodes);
    assert.deepEqual(mt_validate_report(mt), []);
    __mt_destroy(mt);
    assert.equal(mt_nr_allocated(), before);
  }
});

Deno.test("node pool: live children link back, freed nodes stay poisoned", () => {
  // Splits, rebalances, spanning and node stores, in and out of RCU mode:
  // every child a node links to names it as parent at its own slot.
  for (const flags of [0, MT_FLAGS_ALLOC_RANGE]) {
    for (const rcu of [false, true]) {
      const mt = new MapleTree(flags);
      if (rcu) mt_set_in_rcu(mt);
      for (let i = 0; i < 2000; i++) {
        mtree_store_range(mt, 3 * i, 3 * i + 1, i + 1, GFP_KERNEL);
      }
      for (let i = 0; i < 2000; i += 7) {
        mtree_store_range(mt, 3 * i, 3 * i + 7, null, GFP_KERNEL);
      }
      for (let i = 0; i < 2000; i += 5) mtree_erase(mt, 3 * i);
      let nodes = 0;
      const visit = (n: number, max: number): void => {
        nodes++;
        assert.ok(!kasan_is_poisoned(maple_node_object(n)));
        if (mte_node_type(n) < maple_range_64) return;
        const pivots = mte_node_type(n) === maple_arange_64 ? 9 : 15;
        for (let i = 0; i < pivots + 1; i++) {
          const c = mte_slot(n, i);
          assert.equal(typeof c, "number");
          assert.equal(mte_parent_node(c as number), n);
          const cmax = i < pivots ? mte_pivot(n, i) : max;
          visit(c as number, cmax);
          if (cmax === max) break;
        }
      };
      visit((mt.ma_root as MapleNode).id, ULONG_MAX);
      assert.equal(nodes, mt_node_stats(mt).nodes, `flags ${flags} rcu ${rcu}`);
      assert.deepEqual(mt_validate_report(mt), []);
      __mt_destroy(mt);
    }
  }
  // A node freed by an RCU-mode replacement stays poisoned: a stale link to
  // it is reported by mt_validate.
  const { mt } = build(MT_FLAGS_ALLOC_RANGE, 200);
  mt_set_in_rcu(mt);
  const first_leaf_parent = (): number => {
    let n = (mt.ma_root as MapleNode).id;
    while (mte_node_type(mte_slot(n, 0) as number) >= maple_range_64) {
      n = mte_slot(n, 0) as number;
    }
    return n;
  };
  const leaf = mte_slot(first_leaf_parent(), 0) as number;
  assert.ok(mte_node_type(leaf) < maple_range_64);
  assert.ok(!kasan_is_poisoned(maple_node_object(leaf)));
  mtree_erase(mt, 0);
  assert.ok(kasan_is_poisoned(maple_node_object(leaf)));
  const parent = first_leaf_parent();
  assert.notEqual(mte_slot(parent, 0), leaf);
  const live = mte_slot(parent, 0);
  mte_set_slot(parent, 0, leaf);
  assert.ok(
    mt_validate_report(mt).some((p) => /was freed \(KASAN\)/.test(p.message)),
  );
  mte_set_slot(parent, 0, live);
  assert.deepEqual(mt_validate_report(mt), []);
  __mt_destroy(mt);
});

Deno.test("root pointer, root expansion and full-range stores", () => {
  const mt = new MapleTree(0);
  assert.equal(mtree_store_range(mt, 0, 0, "a", GFP_KERNEL), 0);
  assert.equal(mt.ma_root, "a");
  assert.equal(mt_node_stats(mt).nodes, 0);
  assert.equal(mtree_store_range(mt, 5, 9, "b", GFP_KERNEL), 0);
  assert.equal(mt_node_stats(mt).nodes, 1);
  assert.deepEqual(content(mt), [[0, 0, "a"], [5, 9, "b"]]);
  const mas = MA_STATE(mt, 0, ULONG_MAX);
  mas_store_gfp(mas, "all", GFP_KERNEL);
  assert.deepEqual(content(mt), [[0, ULONG_MAX, "all"]]);
  assert.equal(mt_height_of(mt), 1);
  // NULL over [0, ULONG_MAX] of a one-slot root leaf is an exact fit in
  // 6.12 (checked before wr_new_root): the leaf stays, holding NULL.
  mas_set_range(mas, 0, ULONG_MAX);
  assert.equal(mas_preallocate(mas, null, GFP_KERNEL), 0);
  assert.equal(store_type_names[mas.store_type], "wr_exact_fit");
  mas_store_prealloc(mas, null);
  assert.deepEqual(content(mt), []);
  assert.equal(mt_height_of(mt), 1);
  // In a taller tree the same store spans and empties the tree.
  for (let i = 0; i < 100; i++) {
    mtree_store_range(mt, i * 3, i * 3, i, GFP_KERNEL);
  }
  assert.ok(mt_height_of(mt) > 1);
  mas_set_range(mas, 0, ULONG_MAX);
  mas_store_gfp(mas, null, GFP_KERNEL);
  assert.equal(mt.ma_root, null);
  assert.equal(mt_height_of(mt), 0);
  assert.equal(mt_node_stats(mt).nodes, 0);
});

Deno.test("NULL stores widen and never leave adjacent NULLs", () => {
  const { mt, ref } = build(MT_FLAGS_ALLOC_RANGE, 300);
  for (let i = 7; i < 300; i += 13) {
    const mas = MA_STATE(mt, i * 10 + 2, i * 10 + 3);
    mas_store_gfp(mas, null, GFP_KERNEL);
    ref.store(i * 10 + 2, i * 10 + 3, null);
    mtree_erase(mt, i * 10 + 20);
    ref.store((i + 2) * 10, (i + 2) * 10 + 5, null);
    assert.deepEqual(mt_validate_report(mt), []);
  }
  assert.deepEqual(content(mt), modelContent(ref));
  const mas = MA_STATE(mt, 96, 96);
  assert.equal(mas_walk(mas), null);
  const w = ref.walk(96);
  assert.deepEqual([mas.index, mas.last], [w.first, w.last]);
  __mt_destroy(mt);
});

Deno.test("mt_validate detects corruption (it can fail)", () => {
  const { mt } = build(MT_FLAGS_ALLOC_RANGE, 200);
  assert.deepEqual(mt_validate_report(mt), []);
  const root = (mt.ma_root as MapleNode).id;
  const saved = mte_gap(root, 0);
  mte_set_gap(root, 0, saved + 1);
  const problems = mt_validate_report(mt);
  assert.ok(problems.some((p) => p.bug && /gap/.test(p.message)));
  assert.throws(() => mt_validate(mt), /mt_validate/);
  mte_set_gap(root, 0, saved);
  const leaf = mte_slot(mte_slot(root, 0) as number, 0) as number;
  const piv = mte_pivot(leaf, 2);
  mte_set_pivot(leaf, 2, mte_pivot(leaf, 1));
  assert.ok(mt_validate_report(mt).length > 0);
  mte_set_pivot(leaf, 2, piv);
  assert.deepEqual(mt_validate_report(mt), []);
  assert.match(
    mt_dump_string(mt),
    /maple_tree\(#\d+\) flags [0-9A-F]+, height/,
  );
  __mt_destroy(mt);
});

Deno.test("exact-fit overwrite of a live entry needs no node (IOVA marker)", () => {
  const { mt } = build(MT_FLAGS_ALLOC_RANGE, 100);
  const mas = MA_STATE(mt, 500, 505);
  assert.equal(mas_preallocate(mas, null, GFP_KERNEL), 0);
  assert.notEqual(mas.store_type, wr_exact_fit);
  mas_destroy(mas);
  mas_set_range(mas, 500, 505);
  assert.equal(mas_preallocate(mas, "IOVA_DEFERRED", GFP_KERNEL), 0);
  assert.equal(store_type_names[mas.store_type], "wr_exact_fit");
  assert.equal(mas.node_request, 0);
  assert.equal(mas_allocated(mas), 0);
  const before = mt_nr_allocated();
  mas_store_prealloc(mas, "IOVA_DEFERRED");
  assert.equal(mt_nr_allocated(), before);
  assert.equal(mtree_load(mt, 503), "IOVA_DEFERRED");
  __mt_destroy(mt);
});

Deno.test("external lock trees and insert -EEXIST", () => {
  const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
  const lock = { name: "ext" };
  mt_set_external_lock(mt, lock);
  assert.equal(mt.ma_external_lock, lock);
  assert.equal(mtree_insert_range(mt, 10, 20, "a", GFP_KERNEL), 0);
  assert.equal(mtree_insert_range(mt, 15, 25, "b", GFP_KERNEL), -EEXIST);
  assert.equal(mtree_insert_range(mt, 5, 9, "b", GFP_KERNEL), 0);
  const mas = MA_STATE(mt, 30, 30);
  assert.equal(mas_find_rev(mas, 0), "a");
  assert.deepEqual([mas.index, mas.last], [10, 20]);
  __mt_destroy(mt);
});

Deno.test("mas_erase under allocation failure returns the entry, unchanged", () => {
  const { mt } = build(MT_FLAGS_ALLOC_RANGE, 400);
  // Find an erase that needs nodes (a rebalance or spanning store).
  let target = -1;
  for (let i = 0; i < 400 && target < 0; i++) {
    const mas = MA_STATE(mt, i * 10, i * 10);
    mas_walk(mas);
    mas_set_range(mas, i * 10, i * 10 + 5);
    mas_preallocate(mas, null, GFP_KERNEL);
    if (mas.node_request > 0) target = i;
    mas_destroy(mas);
  }
  assert.ok(target >= 0);
  const before = content(mt);
  const live = mt_nr_allocated();
  fault_arm("maple.node_alloc", { probability: 100, times: -1, verbose: 0 });
  const mas = MA_STATE(mt, target * 10 + 1, target * 10 + 1);
  const e = mas_erase(mas);
  fault_disarm("maple.node_alloc");
  assert.equal(e, target);
  assert.ok(mas_is_err(mas));
  assert.deepEqual(content(mt), before);
  assert.equal(mt_nr_allocated(), live);
  __mt_destroy(mt);
});

interface WriteCase {
  name: string;
  flags: number;
  n: number;
  /** Runs the write; returns 0 or a negative errno. */
  op: (mt: MapleTree, ref: RefModel) => number;
}

function storeOp(first: number, last: number, entry: unknown) {
  return (mt: MapleTree, ref: RefModel): number => {
    const mas = MA_STATE(mt, first, last);
    const r = mas_store_gfp(mas, entry, GFP_ATOMIC);
    if (r === 0) ref.store(first, last, entry);
    return r;
  };
}

const WRITE_CASES: WriteCase[] = [
  { name: "root expand", flags: 0, n: 0, op: storeOp(5, 9, "x") },
  { name: "new root", flags: 0, n: 50, op: storeOp(0, ULONG_MAX, "x") },
  {
    name: "split store",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      for (let i = 0; i < 40; i++) {
        const r = storeOp(2001 + 2 * i, 2001 + 2 * i, i)(mt, ref);
        if (r) return r;
      }
      return 0;
    },
  },
  {
    name: "spanning store",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: storeOp(103, 2457, "span"),
  },
  { name: "spanning NULL", flags: 0, n: 400, op: storeOp(103, 2457, null) },
  {
    name: "rebalance by erase",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      for (let i = 100; i < 200; i++) {
        const mas = MA_STATE(mt, i * 10, i * 10);
        const e = mas_erase(mas);
        if (mas_is_err(mas)) return -ENOMEM;
        if (e !== null) ref.store(i * 10, i * 10 + 5, null);
      }
      return 0;
    },
  },
  {
    name: "mas_store (no retry)",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      const mas = MA_STATE(mt, 55, 1234);
      mas_store(mas, "s");
      if (mas_is_err(mas)) {
        // Partial allocations stay in the state until mas_destroy().
        mas_destroy(mas);
        assert.equal(mas_allocated(mas), 0);
        return -ENOMEM;
      }
      ref.store(55, 1234, "s");
      return 0;
    },
  },
  {
    name: "mas_preallocate + mas_store_prealloc",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      const mas = MA_STATE(mt, 55, 1234);
      const r = mas_preallocate(mas, "p", GFP_ATOMIC);
      if (r) {
        assert.equal(mas_allocated(mas), 0);
        return r;
      }
      mas_store_prealloc(mas, "p");
      ref.store(55, 1234, "p");
      return 0;
    },
  },
  {
    name: "mtree_insert_range",
    flags: 0,
    n: 400,
    op: (mt, ref) => {
      for (let i = 0; i < 30; i++) {
        const k = 5001 + 2 * i;
        const r = mtree_insert_range(mt, k, k, i, GFP_ATOMIC);
        if (r) return r;
        ref.store(k, k, i);
      }
      return 0;
    },
  },
  {
    name: "mtree_alloc_range",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      for (let i = 0; i < 30; i++) {
        const start = { value: -1 };
        const r = mtree_alloc_range(mt, start, i, 3, 0, ULONG_MAX, GFP_ATOMIC);
        if (r) return r;
        ref.store(start.value, start.value + 2, i);
      }
      return 0;
    },
  },
  {
    name: "mtree_alloc_rrange",
    flags: MT_FLAGS_ALLOC_RANGE,
    n: 400,
    op: (mt, ref) => {
      for (let i = 0; i < 30; i++) {
        const start = { value: -1 };
        const r = mtree_alloc_rrange(mt, start, i, 3, 0, 3999, GFP_ATOMIC);
        if (r) return r;
        ref.store(start.value, start.value + 2, i);
      }
      return 0;
    },
  },
];

/**
 * The fail-nth sweep: for n = 1, 2, ... every node allocation from the n-th
 * on fails. The write either completes (matching the model) or returns
 * -ENOMEM with the tree exactly as before and no node leaked.
 */
for (const wc of WRITE_CASES) {
  Deno.test(`fail-nth sweep: ${wc.name}`, () => {
    const base = mt_nr_allocated();
    let injectedRuns = 0;
    for (let n = 1; n < 200; n++) {
      const { mt, ref } = build(wc.flags, wc.n);
      const before = content(mt);
      const live = mt_nr_allocated();
      fault_arm("maple.node_alloc", {
        probability: 100,
        times: -1,
        space: n,
        verbose: 0,
      });
      const r = wc.op(mt, ref);
      const injected = fault_point("maple.node_alloc").injected > 0;
      fault_disarm("maple.node_alloc");
      assert.deepEqual(mt_validate_report(mt), [], `n=${n}`);
      if (r === -ENOMEM) {
        assert.ok(injected);
        if (wc.n > 0 || before.length) {
          // Multi-step ops may have completed earlier steps (in the model).
          assert.deepEqual(content(mt), modelContent(ref), `n=${n}`);
        }
        if (modelContent(ref).length === before.length) {
          assert.deepEqual(content(mt), before, `n=${n}`);
        }
      } else {
        assert.equal(r, 0, `n=${n}`);
        assert.deepEqual(content(mt), modelContent(ref), `n=${n}`);
      }
      assert.equal(
        mt_nr_allocated() - live,
        mt_node_stats(mt).nodes - (live - base),
        `leak at n=${n}`,
      );
      __mt_destroy(mt);
      assert.equal(mt_nr_allocated(), base, `leak after destroy at n=${n}`);
      if (!injected) break;
      injectedRuns++;
    }
    assert.ok(
      wc.n === 0 || injectedRuns > 0 || wc.name === "new root",
      "the sweep injected at least one failure",
    );
  });
}

Deno.test("single fail_nth: the write retries through mas_nomem and succeeds", () => {
  for (let n = 1; n < 12; n++) {
    const { mt, ref } = build(MT_FLAGS_ALLOC_RANGE, 400);
    fault_arm("maple.node_alloc", { fail_nth: n, verbose: 0 });
    const mas = MA_STATE(mt, 103, 2457);
    assert.equal(mas_store_gfp(mas, "span", GFP_KERNEL), 0);
    fault_disarm("maple.node_alloc");
    ref.store(103, 2457, "span");
    assert.deepEqual(content(mt), modelContent(ref));
    assert.deepEqual(mt_validate_report(mt), []);
    __mt_destroy(mt);
  }
});

Deno.test("node memory per entry, IOVA-like pattern (10^5 single pages)", () => {
  const N = 100_000;
  const rows: string[] = [];
  // 3 x 10^5 node-level operations: skip KASAN's per-object stack traces.
  const kasan = kasan_enable();
  kasan_enable({ stacks: false });
  // Top-down allocation of single pages with a one-page gap (alloc_rrange
  // then erase of every other page), as an IOVA domain does.
  const mt = new MapleTree(MT_FLAGS_ALLOC_RANGE);
  const top = 0xfffff;
  const start = { value: 0 };
  for (let i = 0; i < 2 * N; i++) {
    assert.equal(
      mtree_alloc_rrange(mt, start, i, 1, 0, top, GFP_KERNEL),
      0,
    );
  }
  for (let i = 0; i < 2 * N; i += 2) mtree_erase(mt, top - i);
  let st = mt_node_stats(mt);
  assert.equal(st.entries, N);
  const bpe1 = st.bytes / st.entries;
  rows.push(
    `top-down alloc + free every other: ${st.nodes} nodes, ` +
      `${bpe1.toFixed(1)} B/entry, leaf fill ${
        (100 * st.leaf_fill).toFixed(0)
      }%`,
  );
  assert.deepEqual(mt_validate_report(mt), []);
  __mt_destroy(mt);
  // Ascending stores with a gap.
  const mt2 = new MapleTree(MT_FLAGS_ALLOC_RANGE);
  for (let i = 0; i < N; i++) {
    mtree_store_range(mt2, 2 * i, 2 * i, i, GFP_KERNEL);
  }
  st = mt_node_stats(mt2);
  const bpe2 = st.bytes / st.entries;
  rows.push(
    `ascending stores: ${st.nodes} nodes, ${bpe2.toFixed(1)} B/entry, ` +
      `leaf fill ${(100 * st.leaf_fill).toFixed(0)}%`,
  );
  __mt_destroy(mt2);
  kasan_enable(kasan);
  console.log(rows.join("\n"));
  for (const b of [bpe1, bpe2]) assert.ok(b > 20 && b < 80, `${b}`);
});
