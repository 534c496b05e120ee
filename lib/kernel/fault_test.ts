// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  declare_fault_point,
  fail_nth_get,
  fail_nth_set,
  fault_arm,
  fault_disarm,
  fault_point,
  should_fail,
  should_fail_alloc_page,
  should_failslab,
} from "./fault.ts";
import { kernel_reset } from "./kernel.ts";
import { __GFP_NOFAIL, GFP_ATOMIC, GFP_KERNEL } from "./gfp.ts";

const FP = declare_fault_point("test.point");
const FP2 = declare_fault_point("test.other");

function run(n: number, size = 1): boolean[] {
  return Array.from({ length: n }, () => should_fail(FP, size));
}

Deno.test("unarmed point never fails and is inactive", () => {
  kernel_reset();
  assert.equal(FP.active, false);
  assert.deepEqual(run(5), [false, false, false, false, false]);
  assert.equal(FP.calls, 0);
});

Deno.test("fail_nth: 3 fails exactly the 3rd call, once", () => {
  kernel_reset();
  fault_arm("test.point", { fail_nth: 3, verbose: 0 });
  assert.deepEqual(run(6), [false, false, true, false, false, false]);
  assert.equal(FP.injected, 1);
});

Deno.test("reference examples of should_fail_ex order", () => {
  kernel_reset();
  // probability=100, interval=3, times=2: calls 3 and 6 fail
  fault_arm("test.point", {
    probability: 100,
    interval: 3,
    times: 2,
    verbose: 0,
  });
  assert.deepEqual(run(9).flatMap((f, i) => f ? [i + 1] : []), [3, 6]);
  assert.equal(FP.attr.count, 6, "count stops once times is 0");
  // space=10, size 4: calls 1,2 consume; 3 and later fail
  fault_arm("test.point", {
    probability: 100,
    times: -1,
    space: 10,
    verbose: 0,
  });
  assert.deepEqual(run(5, 4), [false, false, true, true, true]);
  assert.equal(FP.attr.space, 2);
  // space=8: call 2 has space == size and fails
  fault_arm("test.point", {
    probability: 100,
    times: -1,
    space: 8,
    verbose: 0,
  });
  assert.deepEqual(run(2, 4), [false, true]);
});

Deno.test("probability draws from the seeded PRNG: same seed, same failures", () => {
  const draw = (seed: number): boolean[] => {
    kernel_reset({ seed });
    fault_arm("test.point", { probability: 30, times: -1, verbose: 0 });
    return run(200);
  };
  const a = draw(7), b = draw(7), c = draw(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const n = a.filter(Boolean).length;
  assert.ok(n > 30 && n < 90, `about 30% fail, got ${n}/200`);
});

Deno.test("hook form runs the callback instead of failing", () => {
  kernel_reset();
  const seen: number[] = [];
  fault_arm("test.point", {
    fail_nth: 2,
    hook: () => seen.push(FP.calls),
    verbose: 0,
  });
  assert.deepEqual(run(4), [false, false, false, false]);
  assert.deepEqual(seen, [2]);
});

Deno.test("task fail-nth covers every active point and reads back 0", () => {
  kernel_reset();
  fail_nth_set(3);
  assert.equal(FP.active && FP2.active, true);
  assert.equal(should_fail(FP), false);
  assert.equal(should_fail(FP2), false);
  assert.equal(should_fail(FP), true);
  assert.equal(fail_nth_get(), 0);
  assert.equal(FP.active, false);
  fail_nth_set(5);
  should_fail(FP);
  assert.equal(fail_nth_get(), 4, "not reached: non-zero");
  fail_nth_set(0);
});

Deno.test("capability filters: NOFAIL, ignore_gfp_wait, cache, min_order", () => {
  kernel_reset();
  fault_arm("test.point", {
    probability: 100,
    times: -1,
    ignore_gfp_wait: true,
    cache: "a",
    min_order: 1,
    verbose: 0,
  });
  assert.equal(
    should_failslab(FP, "a", 8, GFP_KERNEL),
    false,
    "sleeping ignored",
  );
  assert.equal(should_failslab(FP, "a", 8, GFP_ATOMIC | __GFP_NOFAIL), false);
  assert.equal(should_failslab(FP, "b", 8, GFP_ATOMIC), false, "cache filter");
  assert.equal(should_failslab(FP, "a", 8, GFP_ATOMIC), true);
  assert.equal(should_fail_alloc_page(FP, GFP_ATOMIC, 0), false, "min_order");
  assert.equal(should_fail_alloc_page(FP, GFP_ATOMIC, 1), true);
});

Deno.test("bad arming throws naming the value and changes nothing", () => {
  kernel_reset();
  assert.throws(
    () => fault_arm("no.such_point", {}),
    (e: Error) => e instanceof RangeError && /no\.such_point/.test(e.message),
  );
  assert.throws(
    () => fault_arm("test.point", { probability: 101 }),
    /probability.*101/,
  );
  assert.throws(() => fault_arm("test.point", { fail_nth: 0 }), /fail_nth.*0/);
  assert.throws(() => fault_arm("test.point", { times: -2 }), /times.*-2/);
  assert.throws(
    () => fault_arm("test.point", { bogus: 1 } as never),
    TypeError,
  );
  assert.throws(() => declare_fault_point("Bad Name"), TypeError);
  assert.equal(FP.armed, false);
  assert.throws(() => fault_disarm("nope"), RangeError);
  assert.throws(() => fail_nth_set(-1), RangeError);
});

// Reference model: lib/fault-inject.c should_fail_ex() written plainly.
interface RefAttr {
  probability: number;
  interval: number;
  times: number;
  space: number;
  count: number;
}
function refShouldFail(a: RefAttr, size: number): boolean {
  if (a.probability === 0) return false;
  if (a.times === 0) return false;
  if (a.space > size) {
    a.space -= size;
    return false;
  }
  if (a.interval > 1) {
    a.count++;
    if (a.count % a.interval) return false;
  }
  // probability 100 only (no PRNG in the model)
  if (a.times !== -1) a.times--;
  return true;
}

Deno.test("property: should_fail matches the reference order of checks", () => {
  const seed = 20260401;
  try {
    fc.assert(
      fc.property(
        fc.record({
          interval: fc.integer({ min: 1, max: 5 }),
          times: fc.integer({ min: -1, max: 4 }),
          space: fc.integer({ min: 0, max: 20 }),
        }),
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 40 }),
        (cfg, sizes) => {
          kernel_reset();
          fault_arm("test.point", { probability: 100, ...cfg, verbose: 0 });
          const ref: RefAttr = { probability: 100, count: 0, ...cfg };
          for (const s of sizes) {
            assert.equal(should_fail(FP, s), refShouldFail(ref, s));
          }
          assert.equal(fault_point("test.point").attr.space, ref.space);
        },
      ),
      { seed, numRuns: 300 },
    );
  } catch (e) {
    throw new Error(`fast-check seed ${seed}: ${e}`);
  }
});
