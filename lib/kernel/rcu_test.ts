// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  call_rcu,
  kfree_rcu,
  kmem_cache_free_rcu,
  rcu_pending,
  rcu_read_lock,
  rcu_read_unlock,
  synchronize_rcu,
} from "./rcu.ts";
import {
  kasan_check,
  kmalloc,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_destroy,
} from "./slab.ts";
import { kernel_capture_reports } from "./report.ts";
import { kernel_reset } from "./kernel.ts";
import { advance } from "./workqueue.ts";
import { GFP_KERNEL } from "./gfp.ts";

Deno.test("callbacks run after a grace period, not inside a reader", () => {
  kernel_reset();
  const log: string[] = [];
  rcu_read_lock();
  call_rcu({}, () => log.push("cb"));
  advance(10);
  assert.equal(log.length, 0, "a reader is active");
  rcu_read_unlock();
  advance(1);
  assert.deepEqual(log, ["cb"]);
  call_rcu({}, () => log.push("cb2"));
  synchronize_rcu();
  assert.deepEqual(log, ["cb", "cb2"]);
});

Deno.test("kfree_rcu keeps the object valid until the grace period", () => {
  kernel_reset();
  const c = kmem_cache_create("t_rcu", 32, 0, 0, () => ({ v: 1 }));
  const o = kmem_cache_alloc(c, GFP_KERNEL)!;
  const b = kmalloc(8, GFP_KERNEL)!;
  rcu_read_lock();
  kmem_cache_free_rcu(c, o);
  kfree_rcu(b);
  assert.equal(kasan_check(o), true);
  rcu_read_unlock();
  assert.equal(rcu_pending(), 2);
  synchronize_rcu();
  assert.equal(c.stats.live_objects, 0);
  const reps = kernel_capture_reports(() => kasan_check(o));
  assert.equal(reps[0]!.kind, "use-after-free");
  kmem_cache_destroy(c);
});

Deno.test("synchronize_rcu inside a reader and unbalanced unlock are reported", () => {
  kernel_reset();
  const reps = kernel_capture_reports(() => {
    rcu_read_lock();
    synchronize_rcu();
    rcu_read_unlock();
    rcu_read_unlock();
  });
  assert.deepEqual(reps.map((r) => r.kind), [
    "recursive-locking",
    "bad-unlock-balance",
  ]);
});
