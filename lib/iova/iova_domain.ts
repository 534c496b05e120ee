// Copyright 2026 the iommulab authors. MIT license.
/**
 * `struct iova_domain`, the variants the lab models, and the `iommu_iova`
 * slab caches (`iova_cache_get()` / `iova_cache_put()`).
 *
 * A domain is created for one variant and keeps it for life:
 *
 * | variant | code | `struct iova` slab object |
 * | --- | --- | --- |
 * | `rbtree-6.12` | drivers/iommu/iova.c as in 6.12 (the series' base) | 40 B, `SLAB_HWCACHE_ALIGN` → 64 B |
 * | `maple-v3` | v3 1/3 + 3/3: maple tree, llist + 10 ms delayed-work retry | 24 B (16 + `llist_node`) |
 * | `maple-v4` | v4: `IOVA_DEFERRED` marker drained in place | 16 B |
 *
 * The struct carries the fields of every variant (as a union would); each
 * variant's code touches only its own.
 *
 * @module
 */
import {
  DelayedWork,
  kmem_cache_create,
  kmem_cache_destroy,
  kmem_cache_free,
  kmem_cache_zalloc,
  type KmemCache,
  SLAB_HWCACHE_ALIGN,
  SpinLock,
  ULONG_MAX,
} from "../kernel/mod.ts";
import { RbNode, RbRoot } from "../rbtree/mod.ts";
import { MapleTree } from "../maple/mod.ts";
import { Iova } from "./iova_h.ts";
import type { IovaRcache } from "./rcache.ts";

/** The allocator designs a domain can run. */
export type IovaVariant = "rbtree-6.12" | "maple-v3" | "maple-v4";

/** Every variant, oldest first. */
export const IOVA_VARIANTS: readonly IovaVariant[] = [
  "rbtree-6.12",
  "maple-v3",
  "maple-v4",
];

/** The variant a `new IovaDomain()` gets: the newest posting. */
export const IOVA_DEFAULT_VARIANT: IovaVariant = "maple-v4";

/** `IOVA_ANCHOR`: `~0UL`, the lab's ULONG_MAX. */
export const IOVA_ANCHOR: number = ULONG_MAX;

/** `sizeof(struct iova)` per variant, before slab rounding. */
export const IOVA_STRUCT_SIZE: Readonly<Record<IovaVariant, number>> = {
  // rb_node (24) + pfn_hi + pfn_lo
  "rbtree-6.12": 40,
  // pfn_hi + pfn_lo + llist_node deferred_free
  "maple-v3": 24,
  // pfn_hi + pfn_lo
  "maple-v4": 16,
};

/** The kmem_cache flags each variant creates `iommu_iova` with. */
export const IOVA_CACHE_FLAGS: Readonly<Record<IovaVariant, number>> = {
  "rbtree-6.12": SLAB_HWCACHE_ALIGN,
  // v3 1/3 drops SLAB_HWCACHE_ALIGN so that 16-byte objects pack.
  "maple-v3": 0,
  "maple-v4": 0,
};

/** `hlist_node cpuhp_dead` with its container: `hlist_entry` is `.iovad`. */
export class IovaCpuhpNode {
  /** The domain this hotplug instance belongs to. */
  readonly iovad: IovaDomain;
  /** Creates the node of `iovad`. */
  constructor(iovad: IovaDomain) {
    this.iovad = iovad;
  }
}

/** `struct iova_domain`. */
export class IovaDomain {
  /** Which allocator design this domain runs. */
  readonly variant: IovaVariant;
  /** `iova_lock` (`iova_rbtree_lock` in the rbtree variant). */
  readonly iova_lock: SpinLock = new SpinLock("iova_lock");
  /** Granule in bytes: a power of two, at most PAGE_SIZE. */
  granule = 0;
  /** Lowest usable pfn. */
  start_pfn = 0;
  /** `1 << (32 - iova_shift)`: the first pfn at or above 4 GiB. */
  dma_32bit_pfn = 0;
  /** Size of the last failed 32-bit search: the fast-fail hint. */
  max32_alloc_size = 0;
  /** The 6 per-size rcaches once `iova_domain_init_rcaches()` ran. */
  rcaches: IovaRcache[] | null = null;
  /** The kcalloc'ed memory the rcaches stand for (accounting). */
  rcaches_mem: Uint8Array | null = null;
  /** The CPU-hotplug instance. */
  readonly cpuhp_dead: IovaCpuhpNode;
  /** Set by `init_iova_domain()`. */
  initialised = false;
  /** The `iommu_iova` cache this domain's structs come from. */
  iova_cache: KmemCache<Iova> | null = null;

  // rbtree-6.12
  /** Allocated and reserved ranges plus the anchor. */
  readonly rbroot: RbRoot = new RbRoot();
  /** Where the next 64-bit search starts. */
  cached_node: RbNode | null = null;
  /** Where the next 32-bit search starts. */
  cached32_node: RbNode | null = null;
  /** The rbtree lookup anchor `[IOVA_ANCHOR, IOVA_ANCHOR]`. */
  readonly anchor: Iova = new Iova();

  // maple-v3 and maple-v4
  /** The maple tree (`MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN`). */
  readonly mtree: MapleTree = new MapleTree();
  /** maple-v3: `struct llist_head deferred_frees` (its first node). */
  deferred_frees: Iova | null = null;
  /** maple-v3: the 10 ms retry work. */
  readonly deferred_work: DelayedWork = new DelayedWork(() => {});
  /** maple-v4: low bound of live `IOVA_DEFERRED` markers. */
  deferred_lo: number = ULONG_MAX;
  /** maple-v4: high bound of live markers (`lo > hi` when none). */
  deferred_hi = 0;

  /** A domain for `variant` (default: {@link IOVA_DEFAULT_VARIANT}). */
  constructor(variant: IovaVariant = IOVA_DEFAULT_VARIANT) {
    if (!IOVA_VARIANTS.includes(variant)) {
      throw new RangeError(
        `unknown IOVA variant ${JSON.stringify(variant)}; expected one of ${
          IOVA_VARIANTS.join(", ")
        }`,
      );
    }
    this.variant = variant;
    this.cpuhp_dead = new IovaCpuhpNode(this);
  }
}

// --- iova_cache_get() / iova_cache_put() ---------------------------------

/** The `struct iova_magazine` object: `{size | next}` + 127 pfns = 1 KiB. */
export const IOVA_MAGAZINE_BYTES = 1024;

let cacheUsers = 0;
const iovaCaches = new Map<IovaVariant, KmemCache<Iova>>();
let magazineCache: KmemCache<object> | null = null;

/** The `iommu_iova` cache of `variant`, or null outside get/put. */
export function iova_cache_of(variant: IovaVariant): KmemCache<Iova> | null {
  return iovaCaches.get(variant) ?? null;
}

/** The `iommu_iova_magazine` cache, or null outside get/put. */
export function iova_magazine_cache(): KmemCache<object> | null {
  return magazineCache;
}

/** The number of `iova_cache_get()` calls not yet put. */
export function iova_cache_users(): number {
  return cacheUsers;
}

/** Creates the caches (the first `iova_cache_get()`). */
export function iova_caches_create(magazine_ctor: () => object): void {
  for (const v of IOVA_VARIANTS) {
    iovaCaches.set(
      v,
      kmem_cache_create(
        "iommu_iova",
        IOVA_STRUCT_SIZE[v],
        0,
        IOVA_CACHE_FLAGS[v],
        () => new Iova(),
      ),
    );
  }
  magazineCache = kmem_cache_create(
    "iommu_iova_magazine",
    IOVA_MAGAZINE_BYTES,
    0,
    SLAB_HWCACHE_ALIGN,
    magazine_ctor,
  );
}

/** Destroys the caches (last `iova_cache_put()`). */
export function iova_caches_destroy(): void {
  for (const c of iovaCaches.values()) kmem_cache_destroy(c);
  iovaCaches.clear();
  if (magazineCache !== null) kmem_cache_destroy(magazineCache);
  magazineCache = null;
}

/** Adjusts the user count (used by `iova_cache_get/put`). */
export function iova_cache_users_add(delta: number): number {
  cacheUsers += delta;
  return cacheUsers;
}

/** `alloc_iova_mem()`: `kmem_cache_zalloc(iova_cache, GFP_ATOMIC | __GFP_NOWARN)`. */
export function alloc_iova_mem(iovad: IovaDomain, gfp: number): Iova | null {
  const cache = iovad.iova_cache;
  if (cache === null) {
    throw new TypeError(
      "IOVA domain used before init_iova_domain() (or without iova_cache_get())",
    );
  }
  return kmem_cache_zalloc(cache, gfp);
}

/**
 * `free_iova_mem()`: returns a struct to the slab. The rbtree variant never
 * frees its embedded anchor (`pfn_lo == IOVA_ANCHOR`); the maple variants
 * have no anchor, so a struct at pfn ULONG_MAX is freed like any other.
 */
export function free_iova_mem(iovad: IovaDomain, iova: Iova): void {
  if (iovad.variant === "rbtree-6.12" && iova.pfn_lo === IOVA_ANCHOR) return;
  kmem_cache_free(iovad.iova_cache!, iova);
}
