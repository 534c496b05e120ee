// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { fail_nth_sweep } from "./sweep.ts";
import { kernel_reset } from "./kernel.ts";
import {
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
} from "./slab.ts";
import { GFP_KERNEL } from "./gfp.ts";
import { ENOMEM } from "./errno.ts";

class N {
  v = 0;
}
const cache = kmem_cache_create("t_sweep", 32, 0, 0, () => new N());

function op(leaky: boolean): number {
  const objs: N[] = [];
  for (let i = 0; i < 3; i++) {
    const o = kmem_cache_alloc(cache, GFP_KERNEL);
    if (o === null) {
      if (!leaky) { for (const x of objs) kmem_cache_free(cache, x); }
      return -ENOMEM;
    }
    objs.push(o);
  }
  for (const x of objs) kmem_cache_free(cache, x);
  return 0;
}

Deno.test("sweep covers each call, then completes", () => {
  kernel_reset();
  const r = fail_nth_sweep({
    op: () => op(false),
    point: "slab.alloc",
    check: () => cache.stats.live_objects === 0,
  });
  assert.deepEqual(
    r.rows.map((x) => [x.iteration, x.injected, x.result, x.leaks]),
    [
      [0, false, 0, 0],
      [1, true, -ENOMEM, 0],
      [2, true, -ENOMEM, 0],
      [3, true, -ENOMEM, 0],
      [4, false, 0, 0],
    ],
  );
  assert.equal(r.complete, true);
  assert.equal(r.ok, true);
});

Deno.test("sweep finds the leaking error path (task fail-nth form)", () => {
  kernel_reset();
  const r = fail_nth_sweep({ op: () => op(true) });
  assert.deepEqual(r.rows.map((x) => x.leaks), [0, 0, 1, 2, 0]);
  assert.deepEqual(r.rows.map((x) => x.invariants_ok), [
    true,
    true,
    true,
    true,
    true,
  ]);
  assert.equal(r.ok, false);
  // clean up what the leaky path left
  kernel_reset();
});

Deno.test("sweep rejects bad options", () => {
  assert.throws(() => fail_nth_sweep({ op: () => 0, point: "nope" }), /nope/);
  assert.throws(
    () => fail_nth_sweep({ op: () => 0, max_iterations: 0 }),
    RangeError,
  );
});
