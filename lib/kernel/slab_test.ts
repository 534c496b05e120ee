// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  calculate_alignment,
  kasan_check,
  kasan_enable,
  kasan_is_poisoned,
  kfree,
  kmalloc,
  kmalloc_size_roundup,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_destroy,
  kmem_cache_free,
  kzalloc,
  SLAB_HWCACHE_ALIGN,
} from "./slab.ts";
import { kernel_capture_reports } from "./report.ts";
import { kernel_reset } from "./kernel.ts";
import { fault_arm } from "./fault.ts";
import { GFP_ATOMIC, GFP_KERNEL } from "./gfp.ts";
import { spin_lock, spin_unlock, SpinLock } from "./spinlock.ts";
import { kmemleak_mark, kmemleak_scan } from "./kmemleak.ts";

const SRC = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");
function lineOf(marker: string): number {
  return SRC.findIndex((l) => l.endsWith(marker)) + 1;
}

class Obj {
  x = 0;
  next: Obj | null = null;
}

Deno.test("SLUB size rounding", () => {
  const c = kmem_cache_create(
    "t_round",
    24,
    0,
    SLAB_HWCACHE_ALIGN,
    () => new Obj(),
  );
  assert.equal(c.align, 32, "24 bytes <= 64/2: half a cache line");
  assert.equal(c.size, 32);
  const d = kmem_cache_create(
    "t_round2",
    40,
    0,
    SLAB_HWCACHE_ALIGN,
    () => new Obj(),
  );
  assert.equal(d.size, 64);
  const e = kmem_cache_create("t_round3", 20, 0, 0, () => new Obj());
  assert.equal(e.size, 24, "8-byte minimum alignment");
  assert.equal(calculate_alignment(SLAB_HWCACHE_ALIGN, 128, 256), 128);
  assert.equal(
    kmem_cache_create("t_iova", 40, 0, SLAB_HWCACHE_ALIGN, () => new Obj())
      .size,
    64,
  );
  for (const x of [c, d, e]) kmem_cache_destroy(x);
});

Deno.test("kmalloc size classes", () => {
  assert.deepEqual(
    [1, 8, 9, 33, 65, 97, 129, 193, 257, 1025, 4097, 8192, 8193].map(
      kmalloc_size_roundup,
    ),
    [8, 8, 16, 64, 96, 128, 192, 256, 512, 2048, 8192, 8192, 12288],
  );
  kernel_reset();
  const b = kmalloc(100, GFP_KERNEL)!;
  assert.equal(b.byteLength, 100);
  kfree(b);
  assert.throws(
    () => kmalloc(-1, GFP_KERNEL),
    (e: Error) => e instanceof RangeError && /-1/.test(e.message),
  );
  assert.throws(() => kmalloc(1.5, GFP_KERNEL), RangeError);
});

Deno.test("per-cache stats: live, bytes, peak, totals", () => {
  kernel_reset({ kasan: true });
  const c = kmem_cache_create(
    "t_stats",
    100,
    0,
    SLAB_HWCACHE_ALIGN,
    () => new Obj(),
  );
  assert.equal(c.size, 128);
  const objs = [0, 1, 2].map(() => kmem_cache_alloc(c, GFP_KERNEL)!);
  kmem_cache_free(c, objs[0]!);
  assert.deepEqual(c.stats, {
    live_objects: 2,
    live_bytes: 256,
    peak_bytes: 384,
    total_allocs: 3,
    total_frees: 1,
    failed_allocs: 0,
  });
  kmem_cache_free(c, objs[1]!);
  kmem_cache_free(c, objs[2]!);
  kmem_cache_destroy(c);
});

Deno.test("use-after-free and double free are reported with both sites", () => {
  kernel_reset({ kasan: { enabled: true, stacks: true } });
  const c = kmem_cache_create("t_uaf", 64, 0, 0, () => new Obj());
  const o = kmem_cache_alloc(c, GFP_KERNEL)!; // ALLOC_SITE
  const allocLine = lineOf("// ALLOC_SITE");
  kmem_cache_free(c, o); // FREE_SITE
  const freeLine = lineOf("// FREE_SITE");
  assert.ok(kasan_is_poisoned(o));
  const reps = kernel_capture_reports(() => {
    assert.equal(kasan_check(o, "lookup"), false);
    kmem_cache_free(c, o);
  });
  assert.deepEqual(reps.map((r) => r.kind), ["use-after-free", "double-free"]);
  assert.match(
    reps[0]!.alloc_site!,
    new RegExp(`slab_test\\.ts:${allocLine}$`),
  );
  assert.match(reps[0]!.free_site!, new RegExp(`slab_test\\.ts:${freeLine}$`));
  assert.equal(reps[0]!.cache, "t_uaf");
  assert.match(reps[1]!.site, /slab_test\.ts:\d+$/);
  assert.equal(c.stats.total_frees, 1, "the double free did not count");
  kmem_cache_destroy(c);
});

Deno.test("proxy mode reports field reads and writes after free", () => {
  kernel_reset({ kasan: { enabled: true, proxy: true, stacks: false } });
  const c = kmem_cache_create("t_proxy", 64, 0, 0, () => new Obj());
  const o = kmem_cache_alloc(c, GFP_KERNEL)!;
  o.x = 5;
  kmem_cache_free(c, o);
  const reps = kernel_capture_reports(() => {
    o.x = o.x + 1;
  });
  assert.deepEqual(reps.map((r) => r.message.match(/^\w+ of field \w+/)?.[0]), [
    "read of field x",
    "write of field x",
  ]);
  kasan_enable({ proxy: false, stacks: true });
  kmem_cache_destroy(c);
});

Deno.test("foreign objects throw TypeError and change nothing", () => {
  kernel_reset({ kasan: true });
  const a = kmem_cache_create("t_fa", 64, 0, 0, () => new Obj());
  const b = kmem_cache_create("t_fb", 64, 0, 0, () => new Obj());
  const o = kmem_cache_alloc(a, GFP_KERNEL)!;
  assert.throws(
    () => kmem_cache_free(b, o),
    (e: Error) => e instanceof TypeError && /t_fa/.test(e.message),
  );
  assert.throws(() => kmem_cache_free(a, new Obj()), TypeError);
  assert.throws(() => kfree({}), TypeError);
  assert.throws(() => kmem_cache_alloc({} as never, GFP_KERNEL), TypeError);
  assert.equal(a.stats.live_objects, 1);
  kfree(o); // kfree knows the cache
  assert.equal(a.stats.live_objects, 0);
  assert.throws(
    () => kmem_cache_create("x", -8, 0, 0, () => ({})),
    (e: Error) => e instanceof RangeError && /-8/.test(e.message),
  );
  assert.throws(() => kmem_cache_create("x", 8, 3, 0, () => ({})), /3/);
  kmem_cache_destroy(a);
  kmem_cache_destroy(b);
});

Deno.test("kmem_cache_destroy reports live objects; kmemleak lists them", () => {
  kernel_reset({ kasan: true });
  const c = kmem_cache_create("t_leak", 64, 0, 0, () => new Obj());
  const mark = kmemleak_mark();
  kmem_cache_alloc(c, GFP_KERNEL);
  const leaks = kmemleak_scan({ since: mark });
  assert.equal(leaks.length, 1);
  assert.match(leaks[0]!.alloc_site, /slab_test\.ts:\d+$/);
  const reps = kernel_capture_reports(() => kmem_cache_destroy(c));
  assert.equal(reps[0]!.kind, "cache-not-empty");
  assert.match(reps[0]!.message, /1 live/);
});

Deno.test("slab.alloc fault: 3rd allocation fails; cache filter", () => {
  kernel_reset();
  const c = kmem_cache_create("t_fault", 64, 0, 0, () => new Obj());
  fault_arm("slab.alloc", { fail_nth: 3, verbose: 0 });
  const got = [1, 2, 3, 4].map(() => kmem_cache_alloc(c, GFP_KERNEL));
  assert.deepEqual(got.map((o) => o === null), [false, false, true, false]);
  assert.equal(c.stats.failed_allocs, 1);
  for (const o of got) if (o) kmem_cache_free(c, o);
  fault_arm("slab.alloc", { cache: "other", times: -1, verbose: 0 });
  assert.notEqual(kmem_cache_alloc(c, GFP_KERNEL), null);
  kernel_reset();
});

Deno.test("sleeping allocation under a spinlock is reported", () => {
  kernel_reset();
  const l = new SpinLock("t_lock");
  const reps = kernel_capture_reports(() => {
    spin_lock(l);
    kfree(kzalloc(8, GFP_ATOMIC));
    kfree(kzalloc(8, GFP_KERNEL));
    spin_unlock(l);
  });
  assert.deepEqual(reps.map((r) => r.kind), ["sleep-in-atomic"]);
});

Deno.test("KASAN off: counters only, still rejects bad frees", () => {
  kernel_reset({ kasan: false });
  const c = kmem_cache_create("t_off", 64, 0, 0, () => new Obj());
  const o = kmem_cache_alloc(c, GFP_KERNEL)!;
  assert.equal(kasan_check(o), true);
  kmem_cache_free(c, o);
  assert.throws(() => kmem_cache_free(c, o), TypeError, "no live objects left");
  kernel_reset({ kasan: true });
  kmem_cache_destroy(c);
});
