// Copyright 2026 the iommulab authors. MIT license.
/**
 * Property test: random sequences of writes and reads on a maple tree agree
 * with a reference model (a sorted array of ranges), and `mt_validate` finds
 * nothing after every write. fast-check shrinks a failure to a minimal
 * sequence.
 *
 * Default: 40 sequences of up to 400 operations (a few seconds).
 * `MAPLE_PROPERTY_OPS=100000` runs one sequence of that many operations
 * (and `MAPLE_PROPERTY_SEED` picks the seed).
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { EBUSY, EEXIST, EINVAL, GFP_KERNEL, ULONG_MAX } from "../kernel/mod.ts";
import {
  __mt_destroy,
  MA_STATE,
  MapleTree,
  mas_empty_area,
  mas_empty_area_rev,
  mas_find,
  mas_find_rev,
  mas_next,
  mas_prev,
  mas_walk,
  MT_FLAGS_ALLOC_RANGE,
  mt_node_stats,
  mt_nr_allocated,
  mt_validate_report,
  mtree_alloc_range,
  mtree_alloc_rrange,
  mtree_erase,
  mtree_insert_range,
  mtree_load,
  mtree_store_range,
} from "./mod.ts";
import { RefModel } from "./_ref_model.ts";

const SPACE = 4000;

type Op =
  | { k: "store"; a: number; len: number; v: number }
  | { k: "null"; a: number; len: number }
  | { k: "erase"; a: number }
  | { k: "insert"; a: number; len: number; v: number }
  | { k: "walk"; a: number }
  | { k: "find"; a: number; len: number }
  | { k: "find_rev"; a: number; len: number }
  | { k: "next"; a: number; len: number }
  | { k: "prev"; a: number; len: number }
  | { k: "empty"; a: number; len: number; size: number }
  | { k: "empty_rev"; a: number; len: number; size: number }
  | { k: "alloc"; a: number; len: number; size: number; v: number }
  | { k: "ralloc"; a: number; len: number; size: number; v: number };

const idx = fc.integer({ min: 0, max: SPACE });
const len = fc.oneof(
  fc.integer({ min: 0, max: 6 }),
  fc.integer({ min: 0, max: 400 }),
);
const size = fc.integer({ min: 1, max: 40 });
const val = fc.integer({ min: 0, max: 1_000_000 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("store" as const),
      a: idx,
      len,
      v: val,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("null" as const), a: idx, len }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("erase" as const), a: idx }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("insert" as const),
      a: idx,
      len,
      v: val,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("walk" as const), a: idx }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("find" as const), a: idx, len }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("find_rev" as const), a: idx, len }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("next" as const), a: idx, len }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("prev" as const), a: idx, len }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("empty" as const),
      a: idx,
      len,
      size,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("empty_rev" as const),
      a: idx,
      len,
      size,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("alloc" as const),
      a: idx,
      len,
      size,
      v: val,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("ralloc" as const),
      a: idx,
      len,
      size,
      v: val,
    }),
  },
);

/** Entries are wrapped so that equal numbers from different stores differ. */
function entry(v: number): { v: number } {
  return { v };
}

function checkContent(mt: MapleTree, ref: RefModel): void {
  const mas = MA_STATE(mt, 0, 0);
  let i = 0;
  let e: unknown;
  while ((e = mas_find(mas, ULONG_MAX)) !== null) {
    const r = ref.ranges[i++];
    assert.ok(r !== undefined, `extra range ${mas.index}-${mas.last}`);
    assert.deepEqual([mas.index, mas.last], [r.first, r.last]);
    assert.equal(e, r.entry);
  }
  assert.equal(i, ref.ranges.length);
}

function run(flags: number, ops: Op[]): void {
  const base = mt_nr_allocated();
  const mt = new MapleTree(flags);
  const ref = new RefModel();
  const alloc = (flags & MT_FLAGS_ALLOC_RANGE) !== 0;
  try {
    for (const op of ops) {
      let write = true;
      const last = Math.min(op.a + ("len" in op ? op.len : 0), ULONG_MAX);
      switch (op.k) {
        case "store": {
          const e = entry(op.v);
          assert.equal(mtree_store_range(mt, op.a, last, e, GFP_KERNEL), 0);
          ref.store(op.a, last, e);
          break;
        }
        case "null":
          assert.equal(mtree_store_range(mt, op.a, last, null, GFP_KERNEL), 0);
          ref.store(op.a, last, null);
          break;
        case "erase": {
          const r = ref.at(op.a);
          assert.equal(mtree_erase(mt, op.a), r === null ? null : r.entry);
          if (r !== null) ref.store(r.first, r.last, null);
          break;
        }
        case "insert": {
          const e = entry(op.v);
          const want = ref.occupied(op.a, last) ? -EEXIST : 0;
          assert.equal(mtree_insert_range(mt, op.a, last, e, GFP_KERNEL), want);
          if (want === 0) ref.store(op.a, last, e);
          break;
        }
        case "alloc":
        case "ralloc": {
          const e = entry(op.v);
          const start = { value: -1 };
          const fn = op.k === "alloc" ? mtree_alloc_range : mtree_alloc_rrange;
          const r = fn(mt, start, e, op.size, op.a, last, GFP_KERNEL);
          if (!alloc) {
            assert.equal(r, -EINVAL);
            break;
          }
          const want = last - op.a < op.size - 1
            ? -EINVAL
            : op.k === "alloc"
            ? ref.emptyArea(op.a, last, op.size)
            : ref.emptyAreaRev(op.a, last, op.size);
          if (want === -EINVAL) assert.equal(r, -EINVAL);
          else if (want < 0) assert.equal(r, -EBUSY);
          else {
            assert.equal(r, 0);
            assert.equal(start.value, want);
            ref.store(want, want + op.size - 1, e);
          }
          break;
        }
        default:
          write = false;
      }
      if (write) {
        const problems = mt_validate_report(mt);
        assert.deepEqual(problems, [], JSON.stringify(op));
        continue;
      }
      const mas = MA_STATE(mt, op.a, op.a);
      switch (op.k) {
        case "walk": {
          const e = mas_walk(mas);
          const w = ref.walk(op.a);
          assert.equal(e, w.entry);
          assert.equal(mtree_load(mt, op.a), w.entry);
          if (
            mt.ma_root !== null &&
            (op.a === 0 || ref.ranges.length > 1 || ref.at(0) === null)
          ) {
            assert.deepEqual([mas.index, mas.last], [w.first, w.last]);
          }
          break;
        }
        case "find": {
          const r = ref.find(op.a, last);
          assert.equal(mas_find(mas, last), r === null ? null : r.entry);
          if (r !== null) {
            assert.deepEqual([mas.index, mas.last], [r.first, r.last]);
          }
          break;
        }
        case "find_rev": {
          const min = Math.max(0, op.a - op.len);
          const r = ref.findRev(op.a, min);
          assert.equal(mas_find_rev(mas, min), r === null ? null : r.entry);
          if (r !== null) {
            assert.deepEqual([mas.index, mas.last], [r.first, r.last]);
          }
          break;
        }
        case "next": {
          if (
            !(mt.ma_root !== null && typeof mt.ma_root === "object" &&
              mt_node_stats(mt).nodes)
          ) break;
          mas_walk(mas);
          const cur = ref.walk(op.a);
          const r = cur.last >= last ? null : ref.find(cur.last + 1, last);
          assert.equal(mas_next(mas, last), r === null ? null : r.entry);
          if (r !== null) {
            assert.deepEqual([mas.index, mas.last], [r.first, r.last]);
          }
          break;
        }
        case "prev": {
          if (
            !(mt.ma_root !== null && typeof mt.ma_root === "object" &&
              mt_node_stats(mt).nodes)
          ) break;
          const min = Math.max(0, op.a - op.len);
          mas_walk(mas);
          const cur = ref.walk(op.a);
          const r = cur.first <= min ? null : ref.findRev(cur.first - 1, min);
          assert.equal(mas_prev(mas, min), r === null ? null : r.entry);
          if (r !== null) {
            assert.deepEqual([mas.index, mas.last], [r.first, r.last]);
          }
          break;
        }
        case "empty":
        case "empty_rev": {
          if (!alloc && mt_node_stats(mt).height > 1) break;
          const rev = op.k === "empty_rev";
          const r = rev
            ? mas_empty_area_rev(mas, op.a, last, op.size)
            : mas_empty_area(mas, op.a, last, op.size);
          if (last - op.a < op.size - 1) {
            assert.equal(r, -EINVAL);
            break;
          }
          let want = rev
            ? ref.emptyAreaRev(op.a, last, op.size)
            : ref.emptyArea(op.a, last, op.size);
          if (mt.ma_root === null) want = rev ? last - op.size + 1 : op.a;
          if (want < 0) assert.equal(r, -EBUSY);
          else {
            assert.equal(r, 0, JSON.stringify(op));
            assert.deepEqual([mas.index, mas.last], [want, want + op.size - 1]);
          }
          break;
        }
      }
    }
    checkContent(mt, ref);
  } finally {
    __mt_destroy(mt);
  }
  assert.equal(mt_nr_allocated(), base, "nodes leaked");
}

const longOps = Number(Deno.env.get("MAPLE_PROPERTY_OPS") ?? 0);
const seed = Number(Deno.env.get("MAPLE_PROPERTY_SEED") ?? 20260601);

for (
  const [name, flags] of [["plain", 0], [
    "ALLOC_RANGE",
    MT_FLAGS_ALLOC_RANGE,
  ]] as const
) {
  Deno.test(`maple tree agrees with the sorted-array model (${name})`, () => {
    const params = longOps > 0 ? { seed, numRuns: 1 } : { seed, numRuns: 40 };
    const arb = longOps > 0
      ? fc.array(opArb, { minLength: longOps, maxLength: longOps })
      : fc.array(opArb, { maxLength: 400, size: "max" });
    try {
      fc.assert(fc.property(arb, (ops) => run(flags, ops)), params);
    } catch (e) {
      console.error(`maple property test failed; seed ${seed}`);
      throw e;
    }
  });
}
