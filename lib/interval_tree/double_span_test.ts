// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ULONG_MAX } from "../kernel/bits.ts";
import { bitmapSpans, doubleSpans, type Span, tree } from "./_test_util.ts";

Deno.test("double span iterator: worked examples", () => {
  const cases: [
    [number, number][],
    [number, number][],
    number,
    number,
    Span[],
  ][] = [
    [[[10, 19]], [[0, 29], [40, 49]], 0, 59, [
      [2, 0, 9],
      [1, 10, 19],
      [2, 20, 29],
      [0, 30, 39],
      [2, 40, 49],
      [0, 50, 59],
    ]],
    [[[0, 9], [20, 29]], [[5, 24]], 0, 29, [[1, 0, 9], [2, 10, 19], [
      1,
      20,
      29,
    ]]],
    [[], [[3, 5]], 0, 9, [[0, 0, 2], [2, 3, 5], [0, 6, 9]]],
    [[[0, 9]], [], 0, 9, [[1, 0, 9]]],
    [[], [], 0, 9, [[0, 0, 9]]],
  ];
  for (const [a, b, first, last, want] of cases) {
    assert.deepEqual(
      doubleSpans(tree(a).root, tree(b).root, first, last),
      want,
    );
  }
});

const SIZE = 40;
const range = fc.tuple(fc.nat(SIZE - 1), fc.nat(SIZE - 1)).map(([a, b]) =>
  a <= b ? [a, b] as [number, number] : [b, a] as [number, number]
);

Deno.test("double span iterator equals a two-bitmap oracle (property, incl. 0 and ULONG_MAX)", () => {
  const seed = 0xd0b1e;
  try {
    fc.assert(
      fc.property(
        fc.constantFrom(0, ULONG_MAX - SIZE + 1, 2 ** 33),
        fc.array(range, { maxLength: 8 }),
        fc.array(range, { maxLength: 8 }),
        fc.oneof(range, fc.constant([-1, -1] as [number, number])),
        (base, r0, r1, q) => {
          const a0 = r0.map(([s, l]) =>
            [base + s, base + l] as [number, number]
          );
          const a1 = r1.map(([s, l]) =>
            [base + s, base + l] as [number, number]
          );
          const first = q[0] < 0 ? 0 : base + q[0];
          const last = q[1] < 0 ? ULONG_MAX : base + q[1];
          const kind = (i: number): number =>
            a0.some(([s, l]) => s <= i && i <= l)
              ? 1
              : a1.some(([s, l]) => s <= i && i <= l)
              ? 2
              : 0;
          const want = bitmapSpans(kind, base, SIZE, 0, first, last);
          assert.deepEqual(
            doubleSpans(tree(a0).root, tree(a1).root, first, last),
            want,
          );
        },
      ),
      { seed, numRuns: 400 },
    );
  } catch (e) {
    console.error(`double span property failed with seed ${seed}`);
    throw e;
  }
});
