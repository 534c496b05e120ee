// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  get_random_u32,
  get_random_u32_below,
  prandom_seed,
  Xoshiro128,
} from "./random.ts";

Deno.test("same seed, same sequence; different seeds differ", () => {
  const a = new Xoshiro128(1), b = new Xoshiro128(1), c = new Xoshiro128(2);
  const sa = Array.from({ length: 16 }, () => a.next_u32());
  assert.deepEqual(sa, Array.from({ length: 16 }, () => b.next_u32()));
  assert.notDeepEqual(sa, Array.from({ length: 16 }, () => c.next_u32()));
  for (const v of sa) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  prandom_seed(9);
  const x = get_random_u32();
  prandom_seed(9);
  assert.equal(get_random_u32(), x);
});

Deno.test("below: in range and roughly uniform", () => {
  const r = new Xoshiro128(3);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 10000; i++) counts[r.below(10)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `count ${c}`);
  for (const ceil of [1, 2, 3, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32]) {
    for (let i = 0; i < 100; i++) {
      const v = r.below(ceil);
      assert.ok(Number.isInteger(v) && v >= 0 && v < ceil, `${v} < ${ceil}`);
    }
  }
  assert.throws(
    () => get_random_u32_below(0),
    (e: Error) => e instanceof RangeError && /0/.test(e.message),
  );
  assert.throws(() => new Xoshiro128(-1), RangeError);
});
