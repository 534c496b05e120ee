// Copyright 2026 the iommulab authors. MIT license.
/**
 * The IOVA range cache ("rcache"), as in drivers/iommu/iova.c since 6.7:
 * per size class (1, 2, 4, 8, 16, 32 pages) and per CPU a `loaded` and a
 * `prev` magazine of 127 pfns, and an unbounded depot of full magazines
 * trimmed by one magazine every 100 ms (virtual) while it holds more than
 * `num_online_cpus()`. Identical in every variant. Cached pfns stay
 * allocated in the tree until a flush, a trim or a CPU's death returns
 * them.
 *
 * @module
 */
import {
  alloc_percpu,
  cancel_delayed_work_sync,
  check_ulong,
  CPUHP_IOMMU_IOVA_DEAD,
  cpuhp_state_add_instance_nocalls,
  cpuhp_state_remove_instance_nocalls,
  DelayedWork,
  ENOMEM,
  free_percpu,
  GFP_ATOMIC,
  GFP_KERNEL,
  INIT_DELAYED_WORK,
  kcalloc,
  kfree,
  kmem_cache_alloc,
  kmem_cache_free,
  msecs_to_jiffies,
  num_online_cpus,
  online_cpus,
  order_base_2,
  PAGE_SIZE,
  per_cpu_ptr,
  type PerCpu,
  possible_cpus,
  roundup_pow_of_two,
  schedule_delayed_work,
  spin_lock,
  spin_lock_irqsave,
  spin_unlock,
  spin_unlock_irqrestore,
  SpinLock,
  this_cpu_ptr,
  ULONG_MAX,
  WARN_ON,
} from "../kernel/mod.ts";
import {
  free_iova_mem,
  iova_magazine_cache,
  type IovaDomain,
} from "./iova_domain.ts";
import { alloc_iova, check_domain, free_iova } from "./iova.ts";
import { iova_ops } from "./_variants.ts";

/** `IOVA_RANGE_CACHE_MAX_SIZE`: log2 of the largest cached size, plus one. */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** `IOVA_MAG_SIZE`: pfns per magazine (a magazine is 1 KiB). */
export const IOVA_MAG_SIZE = 127;
/** `IOVA_DEPOT_DELAY` in ms: the depot trim period. */
export const IOVA_DEPOT_DELAY_MS = 100;
/** `sizeof(struct iova_rcache)` on x86-64 (for the kcalloc accounting). */
export const IOVA_RCACHE_STRUCT_SIZE = 120;

/** `struct iova_magazine`: `size` (or `next` in the depot) and 127 pfns. */
export class IovaMagazine {
  /** Number of pfns held. */
  size = 0;
  /** The next magazine in the depot (shares storage with `size`). */
  next: IovaMagazine | null = null;
  /** The pfns. */
  readonly pfns: Float64Array = new Float64Array(IOVA_MAG_SIZE);
}

/** `struct iova_cpu_rcache`. */
export class IovaCpuRcache {
  /** Protects this CPU's magazines. */
  readonly lock: SpinLock = new SpinLock("iova_cpu_rcache.lock");
  /** The magazine allocations come from and frees go to. */
  loaded: IovaMagazine | null = null;
  /** The other magazine (swapped in when `loaded` is empty or full). */
  prev: IovaMagazine | null = null;
}

/** `struct iova_rcache`: one size class. */
export class IovaRcache {
  /** Protects the depot. */
  readonly lock: SpinLock = new SpinLock("iova_rcache.lock");
  /** Full magazines in the depot. */
  depot_size = 0;
  /** The depot: a stack of full magazines linked through `next`. */
  depot: IovaMagazine | null = null;
  /** Per-CPU loaded/prev magazines (null until allocated). */
  cpu_rcaches: PerCpu<IovaCpuRcache> | null = null;
  /** Back-pointer for the trim work. */
  readonly iovad: IovaDomain;
  /** The depot trim work. */
  readonly work: DelayedWork = new DelayedWork(() => {});
  /** Creates the size class of `iovad`. */
  constructor(iovad: IovaDomain) {
    this.iovad = iovad;
  }
}

/** `iova_rcache_range()`: the largest cached size in bytes (128 KiB). */
export function iova_rcache_range(): number {
  return PAGE_SIZE * 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1);
}

// --- magazines -------------------------------------------------------------------

function iova_magazine_alloc(gfp: number): IovaMagazine | null {
  const mag = kmem_cache_alloc(iova_magazine_cache()!, gfp) as
    | IovaMagazine
    | null;
  if (mag !== null) mag.size = 0;
  return mag;
}

function iova_magazine_free(mag: IovaMagazine | null): void {
  kmem_cache_free(iova_magazine_cache()!, mag);
}

// iova_magazine_free_pfns(): every pfn back to the tree in one lock hold.
function iova_magazine_free_pfns(mag: IovaMagazine, iovad: IovaDomain): void {
  const ops = iova_ops(iovad);
  const flags = spin_lock_irqsave(iovad.iova_lock);
  for (let i = 0; i < mag.size; ++i) {
    const iova = ops.find(iovad, mag.pfns[i]!);
    if (WARN_ON(iova === null)) continue;
    if (ops.remove(iovad, iova!)) free_iova_mem(iovad, iova!);
  }
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  mag.size = 0;
}

function iova_magazine_full(mag: IovaMagazine): boolean {
  return mag.size === IOVA_MAG_SIZE;
}

function iova_magazine_empty(mag: IovaMagazine): boolean {
  return mag.size === 0;
}

// iova_magazine_pop(): the topmost pfn <= limit_pfn ("Only fall back to the
// rbtree if we have no suitable pfns at all"), swapped out with the last.
function iova_magazine_pop(mag: IovaMagazine, limit_pfn: number): number {
  const pfns = mag.pfns;
  let i = mag.size - 1;
  for (; pfns[i]! > limit_pfn; i--) if (i === 0) return 0;
  const pfn = pfns[i]!;
  pfns[i] = pfns[--mag.size]!;
  return pfn;
}

function iova_magazine_push(mag: IovaMagazine, pfn: number): void {
  mag.pfns[mag.size++] = pfn;
}

function iova_depot_pop(rcache: IovaRcache): IovaMagazine {
  const mag = rcache.depot!;
  rcache.depot = mag.next;
  mag.next = null;
  mag.size = IOVA_MAG_SIZE;
  rcache.depot_size--;
  return mag;
}

function iova_depot_push(rcache: IovaRcache, mag: IovaMagazine): void {
  mag.next = rcache.depot;
  rcache.depot = mag;
  rcache.depot_size++;
}

// iova_depot_work_func(): shed one magazine while the depot holds more than
// one per online CPU; reschedule only after shedding.
function iova_depot_work_func(rcache: IovaRcache): void {
  let mag: IovaMagazine | null = null;
  const flags = spin_lock_irqsave(rcache.lock);
  if (rcache.depot_size > num_online_cpus()) mag = iova_depot_pop(rcache);
  spin_unlock_irqrestore(rcache.lock, flags);
  if (mag !== null) {
    iova_magazine_free_pfns(mag, rcache.iovad);
    iova_magazine_free(mag);
    schedule_delayed_work(rcache.work, msecs_to_jiffies(IOVA_DEPOT_DELAY_MS));
  }
}

// --- set-up and teardown ------------------------------------------------------------

/**
 * `iova_domain_init_rcaches(iovad)`: 6 size classes, a loaded and a prev
 * magazine for every possible CPU, the CPU-dead instance. 0, or -ENOMEM /
 * the hotplug error with everything undone.
 */
export function iova_domain_init_rcaches(iovad: IovaDomain): number {
  const mem = kcalloc(
    IOVA_RANGE_CACHE_MAX_SIZE,
    IOVA_RCACHE_STRUCT_SIZE,
    GFP_KERNEL,
  );
  if (mem === null) return -ENOMEM;
  iovad.rcaches_mem = mem;
  iovad.rcaches = [];
  for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; ++i) {
    iovad.rcaches.push(new IovaRcache(iovad));
  }
  let ret = 0;
  out: for (const rcache of iovad.rcaches) {
    INIT_DELAYED_WORK(rcache.work, () => iova_depot_work_func(rcache));
    rcache.cpu_rcaches = alloc_percpu(() => new IovaCpuRcache());
    for (const cpu of possible_cpus()) {
      const cpu_rcache = per_cpu_ptr(rcache.cpu_rcaches, cpu);
      cpu_rcache.loaded = iova_magazine_alloc(GFP_KERNEL);
      cpu_rcache.prev = iova_magazine_alloc(GFP_KERNEL);
      if (cpu_rcache.loaded === null || cpu_rcache.prev === null) {
        ret = -ENOMEM;
        break out;
      }
    }
  }
  if (ret === 0) {
    ret = cpuhp_state_add_instance_nocalls(
      CPUHP_IOMMU_IOVA_DEAD,
      iovad.cpuhp_dead,
    );
  }
  if (ret !== 0) free_iova_rcaches(iovad);
  return ret;
}

// free_iova_rcaches(): magazines freed without returning their pfns.
function free_iova_rcaches(iovad: IovaDomain): void {
  for (const rcache of iovad.rcaches ?? []) {
    const pcp = rcache.cpu_rcaches;
    if (pcp === null) break;
    for (const cpu of possible_cpus()) {
      const cpu_rcache = per_cpu_ptr(pcp, cpu);
      iova_magazine_free(cpu_rcache.loaded);
      iova_magazine_free(cpu_rcache.prev);
      cpu_rcache.loaded = cpu_rcache.prev = null;
    }
    free_percpu(pcp);
    rcache.cpu_rcaches = null;
    cancel_delayed_work_sync(rcache.work);
    while (rcache.depot !== null) iova_magazine_free(iova_depot_pop(rcache));
  }
  kfree(iovad.rcaches_mem);
  iovad.rcaches_mem = null;
  iovad.rcaches = null;
}

/** `iova_domain_free_rcaches()`: hotplug instance removed, rcaches freed. */
export function iova_domain_free_rcaches(iovad: IovaDomain): void {
  cpuhp_state_remove_instance_nocalls(CPUHP_IOMMU_IOVA_DEAD, iovad.cpuhp_dead);
  free_iova_rcaches(iovad);
}

// --- insert / get ---------------------------------------------------------------

// __iova_rcache_insert()
function __iova_rcache_insert(rcache: IovaRcache, iova_pfn: number): boolean {
  const cpu_rcache = this_cpu_ptr(rcache.cpu_rcaches!);
  let can_insert = false;
  const flags = spin_lock_irqsave(cpu_rcache.lock);
  if (!iova_magazine_full(cpu_rcache.loaded!)) {
    can_insert = true;
  } else if (!iova_magazine_full(cpu_rcache.prev!)) {
    const t = cpu_rcache.prev;
    cpu_rcache.prev = cpu_rcache.loaded;
    cpu_rcache.loaded = t;
    can_insert = true;
  } else {
    const new_mag = iova_magazine_alloc(GFP_ATOMIC);
    if (new_mag !== null) {
      spin_lock(rcache.lock);
      iova_depot_push(rcache, cpu_rcache.loaded!);
      spin_unlock(rcache.lock);
      schedule_delayed_work(
        rcache.work,
        msecs_to_jiffies(IOVA_DEPOT_DELAY_MS),
      );
      cpu_rcache.loaded = new_mag;
      can_insert = true;
    }
  }
  if (can_insert) iova_magazine_push(cpu_rcache.loaded!, iova_pfn);
  spin_unlock_irqrestore(cpu_rcache.lock, flags);
  return can_insert;
}

function iova_rcache_insert(
  iovad: IovaDomain,
  pfn: number,
  size: number,
): boolean {
  const log_size = order_base_2(size);
  if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
  return __iova_rcache_insert(iovad.rcaches![log_size]!, pfn);
}

// __iova_rcache_get(): loaded, else swap with prev, else a depot magazine.
function __iova_rcache_get(rcache: IovaRcache, limit_pfn: number): number {
  const cpu_rcache = this_cpu_ptr(rcache.cpu_rcaches!);
  let iova_pfn = 0;
  let has_pfn = false;
  const flags = spin_lock_irqsave(cpu_rcache.lock);
  if (!iova_magazine_empty(cpu_rcache.loaded!)) {
    has_pfn = true;
  } else if (!iova_magazine_empty(cpu_rcache.prev!)) {
    const t = cpu_rcache.prev;
    cpu_rcache.prev = cpu_rcache.loaded;
    cpu_rcache.loaded = t;
    has_pfn = true;
  } else {
    spin_lock(rcache.lock);
    if (rcache.depot !== null) {
      iova_magazine_free(cpu_rcache.loaded);
      cpu_rcache.loaded = iova_depot_pop(rcache);
      has_pfn = true;
    }
    spin_unlock(rcache.lock);
  }
  if (has_pfn) iova_pfn = iova_magazine_pop(cpu_rcache.loaded!, limit_pfn);
  spin_unlock_irqrestore(cpu_rcache.lock, flags);
  return iova_pfn;
}

// iova_rcache_get(): `limit_pfn` exclusive; a cached pfn qualifies iff
// pfn + size - 1 < limit_pfn.
function iova_rcache_get(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
): number {
  const log_size = order_base_2(size);
  if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE || iovad.rcaches === null) {
    return 0;
  }
  // unsigned long arithmetic: a limit below the size wraps to near
  // ULONG_MAX, so every cached pfn qualifies (as in the kernel).
  const limit = limit_pfn >= size
    ? limit_pfn - size
    : ULONG_MAX + 1 - (size - limit_pfn);
  return __iova_rcache_get(iovad.rcaches[log_size]!, limit);
}

// --- the fast API --------------------------------------------------------------

function check_fast(fn: string, iovad: IovaDomain, size: number): void {
  check_domain(iovad, fn);
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`${fn}: size must be an integer >= 1, got ${size}`);
  }
  if (iovad.rcaches === null) {
    throw new TypeError(
      `${fn}: the domain has no rcaches (call iova_domain_init_rcaches())`,
    );
  }
}

/**
 * `alloc_iova_fast(iovad, size, limit_pfn, flush_rcache)`: from this CPU's
 * rcache, else a size-aligned `alloc_iova`; on failure with `flush_rcache`,
 * every CPU's and the depot's cached pfns go back to the tree and the tree
 * allocation is retried once. Sizes below 32 are rounded up to a power of
 * two. Returns the pfn, or 0.
 */
export function alloc_iova_fast(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  flush_rcache: boolean,
): number {
  check_fast("alloc_iova_fast", iovad, size);
  check_ulong("alloc_iova_fast: limit_pfn", limit_pfn);
  // Freeing non-power-of-two-sized allocations back into the IOVA caches
  // will come back to bite us badly, so round up anything cacheable.
  if (size < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)) {
    size = roundup_pow_of_two(size);
  }
  const iova_pfn = iova_rcache_get(iovad, size, limit_pfn + 1);
  if (iova_pfn) return iova_pfn;
  for (;;) {
    const new_iova = alloc_iova(iovad, size, limit_pfn, true);
    if (new_iova !== null) return new_iova.pfn_lo;
    if (!flush_rcache) return 0;
    // Try replenishing IOVAs by flushing rcache.
    flush_rcache = false;
    for (const cpu of online_cpus()) free_cpu_cached_iovas(cpu, iovad);
    free_global_cached_iovas(iovad);
  }
}

/**
 * `free_iova_fast(iovad, pfn, size)`: into this CPU's rcache, or to the
 * tree with `free_iova()` when the size is not cached or no magazine could
 * be allocated.
 */
export function free_iova_fast(
  iovad: IovaDomain,
  pfn: number,
  size: number,
): void {
  check_fast("free_iova_fast", iovad, size);
  check_ulong("free_iova_fast: pfn", pfn);
  if (iova_rcache_insert(iovad, pfn, size)) return;
  free_iova(iovad, pfn);
}

/**
 * `free_cpu_cached_iovas(cpu, iovad)`: returns CPU `cpu`'s loaded and prev
 * pfns to the tree (the magazines stay, empty). Used on CPU death and by
 * the flush in `alloc_iova_fast`.
 */
export function free_cpu_cached_iovas(cpu: number, iovad: IovaDomain): void {
  if (iovad.rcaches === null) return;
  for (const rcache of iovad.rcaches) {
    const cpu_rcache = per_cpu_ptr(rcache.cpu_rcaches!, cpu);
    const flags = spin_lock_irqsave(cpu_rcache.lock);
    iova_magazine_free_pfns(cpu_rcache.loaded!, iovad);
    iova_magazine_free_pfns(cpu_rcache.prev!, iovad);
    spin_unlock_irqrestore(cpu_rcache.lock, flags);
  }
}

/** `free_global_cached_iovas(iovad)`: empties every depot into the tree. */
export function free_global_cached_iovas(iovad: IovaDomain): void {
  if (iovad.rcaches === null) return;
  for (const rcache of iovad.rcaches) {
    const flags = spin_lock_irqsave(rcache.lock);
    while (rcache.depot !== null) {
      const mag = iova_depot_pop(rcache);
      iova_magazine_free_pfns(mag, iovad);
      iova_magazine_free(mag);
    }
    spin_unlock_irqrestore(rcache.lock, flags);
  }
}
