// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { median, medianNsPerOp, timeOnceNs } from "./timing.ts";

Deno.test("median", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("medianNsPerOp calls fn (warmup + repeats) * batch times", () => {
  let n = 0;
  const r = medianNsPerOp(() => {
    n++;
  }, { batch: 7, repeats: 3, warmup: 2 });
  assert.equal(n, 35);
  assert.equal(r.calls, 21);
  assert.ok(r.medianNs >= 0 && r.minNs <= r.medianNs);
});

Deno.test("medianNsPerOp rejects bad options", () => {
  assert.throws(() => medianNsPerOp(() => {}, { batch: 0 }), RangeError);
  assert.throws(() => medianNsPerOp(() => {}, { repeats: 1.5 }), RangeError);
  assert.throws(() => medianNsPerOp(() => {}, { warmup: -1 }), RangeError);
});

Deno.test("timeOnceNs runs fn once", () => {
  let n = 0;
  assert.ok(timeOnceNs(() => n++) >= 0);
  assert.equal(n, 1);
});
