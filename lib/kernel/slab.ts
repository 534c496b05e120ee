// Copyright 2026 the iommulab authors. MIT license.
/**
 * The slab allocator (mm/slub.c, include/linux/slab.h) with KASAN-like
 * checking.
 *
 * Objects are JS objects built by the cache's constructor function; the slab
 * accounts for them with SLUB's object size (`SLAB_HWCACHE_ALIGN` aligns to
 * the cache line the way `calculate_alignment()` does) and keeps per-cache
 * live objects, live bytes, peak bytes and totals.
 *
 * ## KASAN
 *
 * With KASAN on (the default) every object is tracked: a freed object is
 * poisoned (kept in a quarantine of {@link KASAN_QUARANTINE} objects), and
 *
 * - `kmem_cache_free`/`kfree` of a freed object reports `double-free`;
 * - `kasan_check(obj)` of a freed object reports `use-after-free` (models
 *   call it where they read a node or hand one out, e.g. on lookup);
 * - `kasan_enable({ proxy: true })` additionally hands out Proxies, so that
 *   any read or write of a field of a freed object is reported (slow);
 *
 * each with the object, its cache and the allocation and free sites
 * (`file:line` of the caller outside lib/kernel). Capturing a site costs a
 * stack trace (microseconds); `kasan_enable({ stacks: false })` keeps the
 * checks but records no sites (a caller can still pass an explicit site
 * string, which is free). For speed runs turn everything off with
 * `kasan_enable(false)`: then only the counters are kept.
 *
 * Change the KASAN mode only while no objects are live (e.g. right after
 * `kernel_reset()`); objects allocated while it was off are freed quietly.
 *
 * @module
 */
import { __GFP_DIRECT_RECLAIM, __GFP_NOLOCKDEP } from "./gfp.ts";
import { declare_fault_point, should_failslab } from "./fault.ts";
import { atomic_context, might_sleep_report } from "./spinlock.ts";
import {
  kernel_caller_site,
  kernel_report,
  resolve_site,
  type SiteRecord,
} from "./report.ts";

/** `SLAB_CONSISTENCY_CHECKS`. */
export const SLAB_CONSISTENCY_CHECKS = 0x100;
/** `SLAB_RED_ZONE`. */
export const SLAB_RED_ZONE = 0x400;
/** `SLAB_POISON`. */
export const SLAB_POISON = 0x800;
/** `SLAB_KMALLOC`. */
export const SLAB_KMALLOC = 0x1000;
/** `SLAB_HWCACHE_ALIGN`: align objects to the cache line. */
export const SLAB_HWCACHE_ALIGN = 0x2000;
/** `SLAB_CACHE_DMA`. */
export const SLAB_CACHE_DMA = 0x4000;
/** `SLAB_CACHE_DMA32`. */
export const SLAB_CACHE_DMA32 = 0x8000;
/** `SLAB_STORE_USER`. */
export const SLAB_STORE_USER = 0x10000;
/** `SLAB_PANIC`: creation failure is fatal. */
export const SLAB_PANIC = 0x40000;
/** `SLAB_TYPESAFE_BY_RCU`. */
export const SLAB_TYPESAFE_BY_RCU = 0x80000;
/** `SLAB_NO_MERGE`. */
export const SLAB_NO_MERGE = 0x1000000;
/** `SLAB_FAILSLAB`. */
export const SLAB_FAILSLAB = 0x2000000;
/** `SLAB_ACCOUNT`. */
export const SLAB_ACCOUNT = 0x4000000;
/** `SLAB_RECLAIM_ACCOUNT`. */
export const SLAB_RECLAIM_ACCOUNT = 0x20000;

/** `cache_line_size()`. */
export const L1_CACHE_BYTES = 64;
/** `ARCH_SLAB_MINALIGN` / `sizeof(void *)`. */
export const ARCH_SLAB_MINALIGN = 8;
/** `KMALLOC_MAX_CACHE_SIZE` (2 * PAGE_SIZE): larger kmallocs use pages. */
export const KMALLOC_MAX_CACHE_SIZE = 8192;
/** Freed objects KASAN remembers (its quarantine) before forgetting the oldest. */
export const KASAN_QUARANTINE = 1 << 12;

/** Per-cache counters. */
export interface SlabStats {
  /** Objects allocated and not freed. */
  live_objects: number;
  /** `live_objects * size`. */
  live_bytes: number;
  /** The highest `live_bytes` seen. */
  peak_bytes: number;
  /** Successful allocations. */
  total_allocs: number;
  /** Frees. */
  total_frees: number;
  /** Allocations that failed (fault injection). */
  failed_allocs: number;
}

/** `struct kmem_cache`. */
export class KmemCache<T extends object = object> {
  /** The cache name, as in /proc/slabinfo. */
  readonly name: string;
  /** The requested object size. */
  readonly object_size: number;
  /** The object size after SLUB's rounding (what each object costs). */
  readonly size: number;
  /** The effective alignment. */
  readonly align: number;
  /** `SLAB_*` flags. */
  readonly flags: number;
  /** Builds a new object. */
  readonly ctor: () => T;
  /** Counters. */
  readonly stats: SlabStats = {
    live_objects: 0,
    live_bytes: 0,
    peak_bytes: 0,
    total_allocs: 0,
    total_frees: 0,
    failed_allocs: 0,
  };
  /** Live objects allocated while KASAN was off (not tracked). */
  untracked = 0;
  /** Set by `kmem_cache_destroy`. */
  destroyed = false;
  /** Creates a cache; use {@link kmem_cache_create}. */
  constructor(
    name: string,
    object_size: number,
    size: number,
    align: number,
    flags: number,
    ctor: () => T,
  ) {
    this.name = name;
    this.object_size = object_size;
    this.size = size;
    this.align = align;
    this.flags = flags;
    this.ctor = ctor;
  }
}

/** KASAN's record of one object. */
export class SlabObjectRecord {
  /** The object. */
  readonly obj: object;
  /** Its cache. */
  readonly cache: KmemCache<object>;
  /** Allocation sequence number (global, increasing). */
  readonly seq: number;
  /** Where it was allocated. */
  readonly alloc_site: SiteRecord;
  /** Where it was freed (null while live). */
  free_site: SiteRecord = null;
  /** Whether it was freed. */
  freed = false;
  /** Creates a record. */
  constructor(
    obj: object,
    cache: KmemCache<object>,
    seq: number,
    alloc_site: SiteRecord,
  ) {
    this.obj = obj;
    this.cache = cache;
    this.seq = seq;
    this.alloc_site = alloc_site;
  }
}

/** KASAN settings (see the module docs). */
export interface KasanOptions {
  /** Track objects: detect use-after-free and double free. */
  enabled?: boolean;
  /** Record allocation/free sites from a stack trace (slow). */
  stacks?: boolean;
  /** Hand out Proxies that report any field access after free (slow). */
  proxy?: boolean;
}

let kasanOn = true;
let kasanStacks = true;
let kasanProxy = false;
let seq = 0;
const objects = new Map<object, SlabObjectRecord>();
const quarantine: (SlabObjectRecord | undefined)[] = new Array(
  KASAN_QUARANTINE,
);
let qHead = 0;
const caches: KmemCache<object>[] = [];
const FP_SLAB = declare_fault_point("slab.alloc");

/**
 * Turns KASAN on/off (`true`/`false`) or sets individual options. With no
 * argument, only returns the current settings.
 */
export function kasan_enable(
  on?: boolean | KasanOptions,
): Required<KasanOptions> {
  if (typeof on === "boolean") {
    kasanOn = on;
    if (!on) kasanProxy = false;
  } else if (on !== undefined) {
    if (typeof on !== "object" || on === null) {
      throw new TypeError(
        `kasan_enable takes a boolean or options, got ${String(on)}`,
      );
    }
    if (on.enabled !== undefined) kasanOn = !!on.enabled;
    if (on.stacks !== undefined) kasanStacks = !!on.stacks;
    if (on.proxy !== undefined) kasanProxy = !!on.proxy;
  }
  return {
    enabled: kasanOn,
    stacks: kasanStacks,
    proxy: kasanProxy && kasanOn,
  };
}

/** Whether KASAN records allocation/free sites (and tracking is on). */
export function kasan_stacks_enabled(): boolean {
  return kasanOn && kasanStacks;
}

/** Whether KASAN tracking is on. */
export function kasan_enabled(): boolean {
  return kasanOn;
}

/** The global allocation sequence number (increases with every allocation). */
export function slab_alloc_seq(): number {
  return seq;
}

/** SLUB `calculate_alignment(flags, align, size)`. */
export function calculate_alignment(
  flags: number,
  align: number,
  size: number,
): number {
  if (flags & SLAB_HWCACHE_ALIGN) {
    let ralign = L1_CACHE_BYTES;
    while (size <= ralign / 2) ralign /= 2;
    align = Math.max(align, ralign);
  }
  align = Math.max(align, ARCH_SLAB_MINALIGN);
  return Math.ceil(align / 8) * 8;
}

function checkSize(what: string, v: unknown, max = 0x40000000): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(
      `${what} must be an integer in [0, ${max}], got ${String(v)}`,
    );
  }
  return v;
}

/**
 * `kmem_cache_create(name, size, align, flags, ctor)`. `ctor` builds each
 * object (the lab's stand-in for the memory: it must return a new object
 * with the fields zeroed). Throws RangeError/TypeError on bad arguments.
 */
export function kmem_cache_create<T extends object>(
  name: string,
  size: number,
  align: number,
  flags: number,
  ctor: () => T,
): KmemCache<T> {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(
      `cache name must be a non-empty string, got ${String(name)}`,
    );
  }
  checkSize("object size", size);
  if (size === 0) {
    throw new RangeError(`object size of cache ${name} must be > 0, got 0`);
  }
  checkSize("align", align, 1 << 20);
  if (align !== 0 && (align & (align - 1)) !== 0) {
    throw new RangeError(`align must be 0 or a power of two, got ${align}`);
  }
  checkSize("flags", flags, 0x7fffffff);
  if (typeof ctor !== "function") {
    throw new TypeError(
      `kmem_cache_create(${name}) needs a ctor function, got ${typeof ctor}`,
    );
  }
  const a = calculate_alignment(flags, align, size);
  const rounded = Math.ceil(Math.ceil(size / 8) * 8 / a) * a;
  const c = new KmemCache<T>(name, size, rounded, a, flags, ctor);
  caches.push(c as unknown as KmemCache<object>);
  return c;
}

/** `KMEM_CACHE(struct, flags)`-style helper: name, size, no alignment. */
export function KMEM_CACHE<T extends object>(
  name: string,
  size: number,
  flags: number,
  ctor: () => T,
): KmemCache<T> {
  return kmem_cache_create(name, size, 0, flags, ctor);
}

function checkCache(cache: unknown, fn: string): void {
  if (!(cache instanceof KmemCache)) {
    throw new TypeError(`${fn}: not a kmem_cache: ${String(cache)}`);
  }
}

/**
 * `kmem_cache_alloc(cache, gfp)`: a new object, or null when the `slab.alloc`
 * fault fires. `site` optionally names the caller (free, unlike a stack).
 */
export function kmem_cache_alloc<T extends object>(
  cache: KmemCache<T>,
  gfp: number,
  site?: string,
): T | null {
  if (!(cache instanceof KmemCache)) checkCache(cache, "kmem_cache_alloc");
  return slab_alloc(cache, gfp, cache.ctor, site);
}

/** `kmem_cache_zalloc(cache, gfp)`: objects are always built zeroed. */
export function kmem_cache_zalloc<T extends object>(
  cache: KmemCache<T>,
  gfp: number,
  site?: string,
): T | null {
  if (!(cache instanceof KmemCache)) checkCache(cache, "kmem_cache_zalloc");
  return slab_alloc(cache, gfp, cache.ctor, site);
}

function slab_alloc<T extends object>(
  cache: KmemCache<T>,
  gfp: number,
  make: () => T,
  site: string | undefined,
): T | null {
  if (
    (gfp & __GFP_DIRECT_RECLAIM) !== 0 && atomic_context() &&
    (gfp & __GFP_NOLOCKDEP) === 0
  ) {
    might_sleep_report(
      `kmem_cache_alloc(${cache.name}, GFP flags ${gfp.toString(16)})`,
    );
  }
  const st = cache.stats;
  if (
    FP_SLAB.active &&
    should_failslab(FP_SLAB, cache.name, cache.object_size, gfp)
  ) {
    st.failed_allocs++;
    return null;
  }
  if (cache.destroyed) {
    throw new TypeError(`kmem_cache_alloc: cache ${cache.name} was destroyed`);
  }
  let obj = make();
  st.live_objects++;
  st.total_allocs++;
  const lb = st.live_bytes += cache.size;
  if (lb > st.peak_bytes) st.peak_bytes = lb;
  seq++;
  if (kasanOn) {
    if (kasanProxy) obj = proxify(obj);
    const s: SiteRecord = site !== undefined
      ? site
      : kasanStacks
      ? new Error()
      : null;
    objects.set(
      obj,
      new SlabObjectRecord(obj, cache as unknown as KmemCache<object>, seq, s),
    );
  } else cache.untracked++;
  return obj;
}

/**
 * `kmem_cache_free(cache, obj)`. A double free is reported on the current
 * test; an object this cache did not allocate throws TypeError (nothing
 * changes). `null` is ignored.
 */
export function kmem_cache_free<T extends object>(
  cache: KmemCache<T>,
  obj: T | null,
  site?: string,
): void {
  if (!(cache instanceof KmemCache)) checkCache(cache, "kmem_cache_free");
  if (obj === null || obj === undefined) return;
  slab_free(
    cache as unknown as KmemCache<object>,
    obj,
    site,
    "kmem_cache_free",
  );
}

function slab_free(
  cache: KmemCache<object>,
  obj: object,
  site: string | undefined,
  fn: string,
): boolean {
  const rec = kasanOn ? objects.get(obj) : undefined;
  if (rec === undefined) {
    if (cache.untracked === 0) {
      throw new TypeError(
        `${fn}(${cache.name}): ${
          describe(obj)
        } was not allocated from this cache`,
      );
    }
    cache.untracked--;
  } else {
    if (rec.freed) {
      const s = site ?? kernel_caller_site();
      report(rec, "double-free", `${fn}(${cache.name})`, s);
      return false;
    }
    if (rec.cache !== cache) {
      throw new TypeError(
        `${fn}(${cache.name}): ${
          describe(obj)
        } belongs to cache ${rec.cache.name}`,
      );
    }
    rec.freed = true;
    rec.free_site = site !== undefined
      ? site
      : kasanStacks
      ? new Error()
      : null;
    const old = quarantine[qHead];
    if (old !== undefined && old.freed && objects.get(old.obj) === old) {
      objects.delete(old.obj);
    }
    quarantine[qHead] = rec;
    qHead = (qHead + 1) & (KASAN_QUARANTINE - 1);
  }
  const st = cache.stats;
  st.live_objects--;
  st.total_frees++;
  st.live_bytes -= cache.size;
  return true;
}

function describe(obj: unknown): string {
  if (obj === null) return "null";
  if (typeof obj !== "object") return `${typeof obj} ${String(obj)}`;
  const name = (obj as { constructor?: { name?: string } }).constructor?.name ??
    "Object";
  if (obj instanceof Uint8Array) return `${name}(${obj.byteLength})`;
  return `object ${name}`;
}

let reporting = false;

function report(
  rec: SlabObjectRecord,
  kind: "use-after-free" | "double-free",
  what: string,
  site: string,
): void {
  if (reporting) return;
  reporting = true;
  try {
    reportInner(rec, kind, what, site);
  } finally {
    reporting = false;
  }
}

function reportInner(
  rec: SlabObjectRecord,
  kind: "use-after-free" | "double-free",
  what: string,
  site: string,
): void {
  const alloc = resolve_site(rec.alloc_site);
  const free = resolve_site(rec.free_site);
  const c = rec.cache;
  kernel_report({
    kind,
    message: `${what} of ${
      describe(rec.obj)
    } #${rec.seq} from cache ${c.name} (allocated at ${alloc}, freed at ${free})`,
    site,
    details: [
      `BUG: KASAN: slab-${kind} in ${site}`,
      `Allocated at ${alloc} (object #${rec.seq})`,
      `Freed at ${free}`,
      `The buggy address belongs to the object which belongs to the cache ${c.name} of size ${c.object_size}`,
    ],
    object: rec.obj,
    cache: c.name,
    alloc_site: alloc,
    free_site: free,
  });
}

/**
 * KASAN check of an access to `obj` (`what`: "read", "write", "lookup"...).
 * Reports a use-after-free on the current test and returns false if `obj`
 * was freed; returns true otherwise (also when KASAN is off).
 */
export function kasan_check(
  obj: unknown,
  what = "read",
  site?: string,
): boolean {
  if (!kasanOn || obj === null || typeof obj !== "object") return true;
  const rec = objects.get(obj);
  if (rec === undefined || !rec.freed) return true;
  report(rec, "use-after-free", what, site ?? kernel_caller_site());
  return false;
}

/** Whether `obj` is a freed (poisoned) object KASAN still remembers. */
export function kasan_is_poisoned(obj: unknown): boolean {
  if (obj === null || typeof obj !== "object") return false;
  const rec = objects.get(obj);
  return rec !== undefined && rec.freed;
}

/** KASAN's record of `obj` (live or in quarantine), if it has one. */
export function kasan_object_record(
  obj: unknown,
): SlabObjectRecord | undefined {
  return obj !== null && typeof obj === "object" ? objects.get(obj) : undefined;
}

function proxify<T extends object>(obj: T): T {
  const handler: ProxyHandler<T> = {
    get(target, key) {
      const rec = objects.get(self);
      if (rec !== undefined && rec.freed) {
        report(
          rec,
          "use-after-free",
          `read of field ${String(key)}`,
          kernel_caller_site(),
        );
      }
      return Reflect.get(target, key, target);
    },
    set(target, key, value) {
      const rec = objects.get(self);
      if (rec !== undefined && rec.freed) {
        report(
          rec,
          "use-after-free",
          `write of field ${String(key)}`,
          kernel_caller_site(),
        );
      }
      return Reflect.set(target, key, value, target);
    },
  };
  const self: T = new Proxy(obj, handler);
  return self;
}

let rcuBarrier: () => void = () => {};

/** Installs `rcu_barrier` (rcu.ts) for `kmem_cache_destroy` to call. */
export function slab_set_rcu_barrier(fn: () => void): void {
  rcuBarrier = fn;
}

/**
 * `kmem_cache_destroy(cache)`: waits for pending RCU frees, reports the objects still live (as SLUB's
 * "Objects remaining on __kmem_cache_shutdown()") and retires the cache.
 */
export function kmem_cache_destroy(
  cache: KmemCache<object> | null,
  site?: string,
): void {
  if (cache === null) return;
  checkCache(cache, "kmem_cache_destroy");
  if (cache.destroyed) {
    throw new TypeError(
      `kmem_cache_destroy: cache ${cache.name} already destroyed`,
    );
  }
  rcuBarrier();
  const live = cache.stats.live_objects;
  if (live > 0) {
    const recs = live_records(cache);
    kernel_report({
      kind: "cache-not-empty",
      message:
        `kmem_cache_destroy ${cache.name}: Slab cache still has objects (${live} live)`,
      site: site ?? kernel_caller_site(),
      details: recs.slice(0, 10).map((r) =>
        `Object ${describe(r.obj)} #${r.seq} allocated at ${
          resolve_site(r.alloc_site)
        }`
      ),
      cache: cache.name,
    });
  }
  cache.destroyed = true;
  const i = caches.indexOf(cache);
  if (i >= 0) caches.splice(i, 1);
}

/** The live tracked objects of `cache` (or of all caches), oldest first. */
export function live_records(
  cache?: KmemCache<object>,
  since_seq = 0,
): SlabObjectRecord[] {
  const r: SlabObjectRecord[] = [];
  for (const rec of objects.values()) {
    if (
      !rec.freed && rec.seq > since_seq &&
      (cache === undefined || rec.cache === cache)
    ) r.push(rec);
  }
  return r.sort((a, b) => a.seq - b.seq);
}

/** The caches that exist (not destroyed), in creation order. */
export function slab_caches(): readonly KmemCache<object>[] {
  return caches.slice();
}

// --- kmalloc ---

/** The kmalloc size classes (SLUB, 4 KiB pages). */
export const KMALLOC_SIZES: readonly number[] = [
  8,
  16,
  32,
  64,
  96,
  128,
  192,
  256,
  512,
  1024,
  2048,
  4096,
  8192,
];

const kmallocCaches: KmemCache<Uint8Array>[] = KMALLOC_SIZES.map((s) =>
  kmem_cache_create(
    `kmalloc-${s >= 1024 ? `${s / 1024}k` : s}`,
    s,
    0,
    SLAB_KMALLOC,
    () => new Uint8Array(0),
  )
);
/** The large-kmalloc pseudo cache (allocations above 8 KiB, page multiples). */
const kmallocLarge = new KmemCache<Uint8Array>(
  "kmalloc-large",
  1,
  4096,
  4096,
  SLAB_KMALLOC,
  () => new Uint8Array(0),
);

/** `kmalloc_size_roundup(size)`: what a kmalloc of `size` really takes. */
export function kmalloc_size_roundup(size: number): number {
  checkSize("kmalloc size", size, Number.MAX_SAFE_INTEGER);
  if (size > KMALLOC_MAX_CACHE_SIZE) return Math.ceil(size / 4096) * 4096;
  return KMALLOC_SIZES[kmallocIndex(size)]!;
}

function kmallocIndex(size: number): number {
  if (size <= 8) return 0;
  if (size <= 16) return 1;
  if (size <= 32) return 2;
  if (size <= 64) return 3;
  if (size <= 96) return 4;
  if (size <= 128) return 5;
  if (size <= 192) return 6;
  return 7 + Math.max(0, Math.ceil(Math.log2(size)) - 8);
}

/** The kmalloc cache that serves `size` bytes (null above 8 KiB). */
export function kmalloc_cache(size: number): KmemCache<Uint8Array> | null {
  if (size > KMALLOC_MAX_CACHE_SIZE) return null;
  return kmallocCaches[kmallocIndex(size)]!;
}

/**
 * `kmalloc(size, gfp)`: a zero-filled `Uint8Array` of `size` bytes (the
 * accounting uses the kmalloc size class), or null on injected failure.
 * `size` must be an integer >= 0 (RangeError otherwise); 0 gives an empty
 * buffer (the kernel's ZERO_SIZE_PTR).
 */
export function kmalloc(
  size: number,
  gfp: number,
  site?: string,
): Uint8Array | null {
  if (
    typeof size !== "number" || !Number.isInteger(size) || size < 0 ||
    size > 0x40000000
  ) {
    throw new RangeError(
      `kmalloc size must be an integer in [0, 2^30], got ${String(size)}`,
    );
  }
  let cache: KmemCache<Uint8Array>;
  if (size <= KMALLOC_MAX_CACHE_SIZE) {
    cache = kmallocCaches[kmallocIndex(size)]!;
  } else cache = kmallocLarge;
  const obj = slab_alloc(cache, gfp, () => new Uint8Array(size), site);
  if (obj !== null && cache === kmallocLarge) {
    // account whole pages for large kmallocs
    const extra = Math.ceil(size / 4096) * 4096 - cache.size;
    const st = cache.stats;
    st.live_bytes += extra;
    if (st.live_bytes > st.peak_bytes) st.peak_bytes = st.live_bytes;
  }
  return obj;
}

/** `kzalloc(size, gfp)`: memory from kmalloc is always zeroed here. */
export function kzalloc(
  size: number,
  gfp: number,
  site?: string,
): Uint8Array | null {
  return kmalloc(size, gfp, site);
}

/** `kcalloc(n, size, gfp)`. */
export function kcalloc(
  n: number,
  size: number,
  gfp: number,
  site?: string,
): Uint8Array | null {
  return kmalloc(n * size, gfp, site);
}

/** `ksize(obj)`: the bytes really reserved for a kmalloc buffer. */
export function ksize(obj: Uint8Array): number {
  return kmalloc_size_roundup(obj.byteLength);
}

/**
 * `kfree(obj)`: frees a kmalloc buffer, or (with KASAN on, which knows each
 * object's cache) any slab object. `null` is ignored. A double free is
 * reported; a foreign object throws TypeError.
 */
export function kfree(obj: object | null, site?: string): void {
  if (obj === null || obj === undefined) return;
  let cache: KmemCache<object> | undefined;
  const rec = kasanOn ? objects.get(obj) : undefined;
  if (rec !== undefined) cache = rec.cache;
  else if (obj instanceof Uint8Array) {
    cache = (obj.byteLength > KMALLOC_MAX_CACHE_SIZE
      ? kmallocLarge
      : kmallocCaches[kmallocIndex(obj.byteLength)]!) as unknown as KmemCache<
        object
      >;
  }
  if (cache === undefined) {
    throw new TypeError(
      `kfree: ${describe(obj)} was not allocated by the slab`,
    );
  }
  if (
    slab_free(cache, obj, site, "kfree") && cache === (kmallocLarge as unknown)
  ) {
    const len = (obj as Uint8Array).byteLength;
    cache.stats.live_bytes -= Math.ceil(len / 4096) * 4096 - cache.size;
  }
}

/** Counters summed over every cache (kmalloc included). */
export function slab_totals(): SlabStats {
  const t: SlabStats = {
    live_objects: 0,
    live_bytes: 0,
    peak_bytes: 0,
    total_allocs: 0,
    total_frees: 0,
    failed_allocs: 0,
  };
  for (const c of [...caches, kmallocLarge as unknown as KmemCache<object>]) {
    const s = c.stats;
    t.live_objects += s.live_objects;
    t.live_bytes += s.live_bytes;
    t.peak_bytes += s.peak_bytes;
    t.total_allocs += s.total_allocs;
    t.total_frees += s.total_frees;
    t.failed_allocs += s.failed_allocs;
  }
  return t;
}

/** Resets a cache's counters (peak to current). */
export function kmem_cache_reset_stats(cache: KmemCache<object>): void {
  const s = cache.stats;
  s.peak_bytes = s.live_bytes;
  s.total_allocs = 0;
  s.total_frees = 0;
  s.failed_allocs = 0;
}

/** Forgets KASAN's quarantine (freed objects) (kernel_reset). */
export function kasan_reset_quarantine(): void {
  for (const [k, r] of objects) if (r.freed) objects.delete(k);
  quarantine.fill(undefined);
  qHead = 0;
}
