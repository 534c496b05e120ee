// Copyright 2026 the iommulab authors. MIT license.
import {
  kasan_enable,
  kmem_cache_alloc,
  kmem_cache_create,
  kmem_cache_free,
  SLAB_HWCACHE_ALIGN,
} from "./slab.ts";
import { GFP_KERNEL } from "./gfp.ts";

class Node {
  a = 0;
  b = 0;
  c: Node | null = null;
}
const cache = kmem_cache_create(
  "bench_node",
  64,
  0,
  SLAB_HWCACHE_ALIGN,
  () => new Node(),
);
const N = 100;
const objs: Node[] = new Array(N);

function cycle(): void {
  for (let i = 0; i < N; i++) objs[i] = kmem_cache_alloc(cache, GFP_KERNEL)!;
  for (let i = 0; i < N; i++) kmem_cache_free(cache, objs[i]!);
}

Deno.bench("alloc+free, KASAN off (x100)", { group: "slab" }, (b) => {
  kasan_enable(false);
  b.start();
  cycle();
  b.end();
  kasan_enable({ enabled: true, stacks: true });
});

Deno.bench("alloc+free, KASAN on, no stacks (x100)", {
  group: "slab",
  baseline: true,
}, (b) => {
  kasan_enable({ enabled: true, stacks: false });
  b.start();
  cycle();
  b.end();
  kasan_enable({ enabled: true, stacks: true });
});

Deno.bench("alloc+free, KASAN on with sites (default) (x100)", {
  group: "slab",
}, () => {
  cycle();
});

Deno.bench("bare `new Node()` (x100)", { group: "slab" }, () => {
  for (let i = 0; i < N; i++) objs[i] = new Node();
});
