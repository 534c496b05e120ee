// Copyright 2026 the iommulab authors. MIT license.
/**
 * The page allocator for page-table memory (mm/page_alloc.c,
 * drivers/iommu/iommu-pages.h) with per-owner accounting.
 *
 * `alloc_pages(gfp, order)` returns a {@link Page} of `2^order` 4 KiB pages;
 * `iommu_alloc_pages_node_sz(nid, gfp, size)` returns a naturally aligned
 * block of `size` bytes rounded up to a power of two, which may be smaller
 * than a page (generic_pt's amdv1_mock format uses 2 KiB tables). Each block
 * has zeroed memory (`buffer`, with a `BigUint64Array` view `u64`), a
 * simulated physical address `phys` (deterministic), and an owner: counters
 * per owner let a test check that table memory returns to its starting
 * count. The fault point `page.alloc` fails allocations
 * (`should_fail_alloc_page` order of checks; the lab's `min_order` is 0).
 *
 * With KASAN on, a freed block's memory is poisoned (filled with 0x6b, as
 * SLUB's POISON_FREE), a second free is reported as double free, and
 * `kasan_check_page(page)` reports use-after-free.
 *
 * Blocks of at least a page are also found by page frame number,
 * `pfn_to_page(pfn)` (an array lookup, for page-table walkers that decode a
 * PFN from an entry), and have a `Uint32Array` view `u32` beside `u64`.
 * `iommu_alloc_pages_node_sz` / `iommu_free_pages` keep the node counters
 * `NR_IOMMU_PAGES` and `NR_SECONDARY_PAGETABLE` (`global_node_page_state`),
 * in whole pages as the kernel's iommu-pages does.
 *
 * @module
 */
import { __GFP_DIRECT_RECLAIM, __GFP_NOLOCKDEP } from "./gfp.ts";
import { declare_fault_point, should_fail_alloc_page } from "./fault.ts";
import { atomic_context, might_sleep_report } from "./spinlock.ts";
import { kasan_enabled, kasan_stacks_enabled } from "./slab.ts";
import {
  kernel_caller_site,
  kernel_report,
  resolve_site,
  type SiteRecord,
} from "./report.ts";

/** `PAGE_SHIFT`. */
export const PAGE_SHIFT = 12;
/** `PAGE_SIZE`. */
export const PAGE_SIZE = 4096;
/** `MAX_PAGE_ORDER`. */
export const MAX_PAGE_ORDER = 10;
/** The smallest block `iommu_alloc_pages_node_sz` hands out. */
export const PAGE_ALLOC_MIN_SIZE = 64;
/** The first simulated physical address handed out. */
export const PHYS_BASE = 0x100000;
/** `NUMA_NO_NODE`. */
export const NUMA_NO_NODE = -1;

/** A block of page memory (`struct page` + its virtual address). */
export class Page {
  /** Bytes in the block (a power of two). */
  readonly size: number;
  /** `get_order(size)` (0 for sub-page blocks). */
  readonly order: number;
  /** Simulated physical address, aligned to `size`. */
  readonly phys: number;
  /** The owner charged for it. */
  readonly owner: string;
  /** The memory. */
  readonly buffer: ArrayBuffer;
  /** The memory as 64-bit words (table entries). */
  readonly u64: BigUint64Array;
  /** The same memory as 32-bit words (little endian: low half first). */
  readonly u32: Uint32Array;
  /** First page frame number (`phys >> PAGE_SHIFT`). */
  readonly pfn: number;
  /** Allocated by iommu-pages (counted in `NR_IOMMU_PAGES`). */
  iommu = false;
  /** Allocation sequence number. */
  readonly seq: number;
  /** Where it was allocated. */
  readonly alloc_site: SiteRecord;
  /** Where it was freed. */
  free_site: SiteRecord = null;
  /** Whether it was freed. */
  freed = false;
  /** Creates a block; use the allocation functions. */
  constructor(
    size: number,
    order: number,
    phys: number,
    owner: string,
    seq: number,
    site: SiteRecord,
  ) {
    this.size = size;
    this.order = order;
    this.phys = phys;
    this.owner = owner;
    this.buffer = new ArrayBuffer(size);
    this.u64 = new BigUint64Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
    this.pfn = Math.floor(phys / PAGE_SIZE);
    this.seq = seq;
    this.alloc_site = site;
  }
}

/** Counters of one owner. */
export interface PageOwnerStats {
  /** Live blocks. */
  live_allocs: number;
  /** Live bytes. */
  live_bytes: number;
  /** Live memory in 4 KiB pages (a sub-page block counts as a fraction). */
  live_pages: number;
  /** Highest `live_bytes`. */
  peak_bytes: number;
  /** Successful allocations. */
  total_allocs: number;
  /** Frees. */
  total_frees: number;
  /** Injected failures. */
  failed_allocs: number;
}

// The u32 views assume a little-endian host (every Deno target is).
if (new Uint32Array(new BigUint64Array([1n]).buffer)[0] !== 1) {
  throw new Error("page_alloc needs a little-endian host");
}

const FP_PAGE = declare_fault_point("page.alloc");
const owners = new Map<string, PageOwnerStats>();
const live = new Map<number, Page>();
const PFN_BASE = PHYS_BASE / PAGE_SIZE;
/**
 * Blocks of at least a page by `pfn - PFN_BASE`, every frame of the block:
 * the live block, or the last one freed there (a freed frame is only ever
 * reused for a block of the same size).
 */
const pfnPages: (Page | undefined)[] = [];
/** `NR_SECONDARY_PAGETABLE`. */
export const NR_SECONDARY_PAGETABLE = 0;
/** `NR_IOMMU_PAGES`. */
export const NR_IOMMU_PAGES = 1;
/** Node counters, indexed by item (pages). */
const nodeStat = [0, 0];
const freeLists = new Map<number, number[]>();
let nextPhys = PHYS_BASE;
let seq = 0;

function ownerStats(owner: string): PageOwnerStats {
  let s = owners.get(owner);
  if (s === undefined) {
    s = {
      live_allocs: 0,
      live_bytes: 0,
      live_pages: 0,
      peak_bytes: 0,
      total_allocs: 0,
      total_frees: 0,
      failed_allocs: 0,
    };
    owners.set(owner, s);
  }
  return s;
}

/** The counters of `owner` (zeros for an owner never seen). */
export function page_owner_stats(owner: string): Readonly<PageOwnerStats> {
  return { ...ownerStats(owner) };
}

/** All owners and their counters. */
export function page_owners(): Map<string, Readonly<PageOwnerStats>> {
  return new Map([...owners].map(([k, v]) => [k, { ...v }]));
}

/** Live bytes over all owners. */
export function page_live_bytes(): number {
  let n = 0;
  for (const s of owners.values()) n += s.live_bytes;
  return n;
}

/** `get_order(size)`. */
export function get_order(size: number): number {
  if (size <= PAGE_SIZE) return 0;
  return Math.ceil(Math.log2(size)) - PAGE_SHIFT;
}

function physFor(size: number): number {
  const fl = freeLists.get(size);
  if (fl !== undefined && fl.length > 0) return fl.pop()!;
  const p = Math.ceil(nextPhys / size) * size;
  nextPhys = p + size;
  return p;
}

function alloc(
  gfp: number,
  order: number,
  size: number,
  owner: string,
  site: string | undefined,
): Page | null {
  if (
    (gfp & __GFP_DIRECT_RECLAIM) !== 0 && atomic_context() &&
    (gfp & __GFP_NOLOCKDEP) === 0
  ) {
    might_sleep_report(
      `alloc_pages(GFP flags ${gfp.toString(16)}, order ${order})`,
    );
  }
  const st = ownerStats(owner);
  if (FP_PAGE.active && should_fail_alloc_page(FP_PAGE, gfp, order)) {
    st.failed_allocs++;
    return null;
  }
  const s: SiteRecord = site !== undefined
    ? site
    : kasan_stacks_enabled()
    ? new Error()
    : null;
  const page = new Page(size, order, physFor(size), owner, ++seq, s);
  live.set(page.phys, page);
  if (size >= PAGE_SIZE) {
    const first = page.pfn - PFN_BASE;
    for (let i = size / PAGE_SIZE - 1; i >= 0; i--) pfnPages[first + i] = page;
  }
  st.live_allocs++;
  st.live_bytes += size;
  st.live_pages += size / PAGE_SIZE;
  if (st.live_bytes > st.peak_bytes) st.peak_bytes = st.live_bytes;
  st.total_allocs++;
  return page;
}

function checkOwner(owner: unknown): string {
  if (typeof owner !== "string" || owner.length === 0) {
    throw new TypeError(
      `page owner must be a non-empty string, got ${String(owner)}`,
    );
  }
  return owner;
}

/**
 * `alloc_pages(gfp, order)`: `2^order` zeroed pages charged to `owner`, or
 * null when the `page.alloc` fault fires. RangeError for a bad order.
 */
export function alloc_pages(
  gfp: number,
  order: number,
  owner = "kernel",
  site?: string,
): Page | null {
  if (!Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) {
    throw new RangeError(
      `order must be an integer in [0, ${MAX_PAGE_ORDER}], got ${order}`,
    );
  }
  return alloc(gfp, order, PAGE_SIZE * 2 ** order, checkOwner(owner), site);
}

/** `alloc_page(gfp)`. */
export function alloc_page(
  gfp: number,
  owner = "kernel",
  site?: string,
): Page | null {
  return alloc_pages(gfp, 0, owner, site);
}

/**
 * `iommu_alloc_pages_node_sz(nid, gfp, size)`: a naturally aligned block of
 * `roundup_pow_of_two(max(size, 64))` zeroed bytes charged to `owner`
 * (default "iommu"), or null on injected failure. RangeError for a size
 * that is not an integer in [1, 4 MiB].
 */
export function iommu_alloc_pages_node_sz(
  nid: number,
  gfp: number,
  size: number,
  owner = "iommu",
  site?: string,
): Page | null {
  if (!Number.isInteger(nid) || nid < NUMA_NO_NODE) {
    throw new RangeError(`nid must be an integer >= -1, got ${nid}`);
  }
  const max = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;
  if (
    typeof size !== "number" || !Number.isInteger(size) || size < 1 ||
    size > max
  ) {
    throw new RangeError(
      `size must be an integer in [1, ${max}], got ${String(size)}`,
    );
  }
  const sz = Math.max(PAGE_ALLOC_MIN_SIZE, 2 ** Math.ceil(Math.log2(size)));
  const page = alloc(gfp, get_order(sz), sz, checkOwner(owner), site);
  if (page !== null) {
    // __iommu_alloc_account()
    page.iommu = true;
    const pgcnt = 2 ** page.order;
    nodeStat[NR_IOMMU_PAGES] += pgcnt;
    nodeStat[NR_SECONDARY_PAGETABLE] += pgcnt;
  }
  return page;
}

/** `iommu_alloc_pages_sz(gfp, size)`. */
export function iommu_alloc_pages_sz(
  gfp: number,
  size: number,
  owner = "iommu",
  site?: string,
): Page | null {
  return iommu_alloc_pages_node_sz(NUMA_NO_NODE, gfp, size, owner, site);
}

/**
 * `__free_pages(page, order)` / `iommu_free_pages(virt)`: frees a block.
 * A second free is reported as double free; something that is not a live
 * or freed block throws TypeError. `null` is ignored.
 */
export function free_page_block(page: Page | null, site?: string): void {
  if (page === null || page === undefined) return;
  if (!(page instanceof Page)) {
    throw new TypeError(`free of ${String(page)}: not a page block`);
  }
  if (page.freed) {
    const s = site ?? kernel_caller_site();
    kernel_report({
      kind: "double-free",
      message: `free of page block phys 0x${
        page.phys.toString(16)
      } (${page.size} bytes, owner ${page.owner}) #${page.seq} (allocated at ${
        resolve_site(page.alloc_site)
      }, freed at ${resolve_site(page.free_site)})`,
      site: s,
      details: [`BUG: KASAN: double-free in ${s}`],
      object: page,
      alloc_site: resolve_site(page.alloc_site),
      free_site: resolve_site(page.free_site),
    });
    return;
  }
  if (live.get(page.phys) !== page) {
    throw new TypeError(
      `free of page block phys 0x${page.phys.toString(16)}: not allocated here`,
    );
  }
  live.delete(page.phys);
  page.freed = true;
  if (page.iommu) {
    // __iommu_free_account()
    const pgcnt = 2 ** page.order;
    nodeStat[NR_IOMMU_PAGES] -= pgcnt;
    nodeStat[NR_SECONDARY_PAGETABLE] -= pgcnt;
  }
  if (kasan_enabled()) {
    page.free_site = site !== undefined
      ? site
      : kasan_stacks_enabled()
      ? new Error()
      : null;
    new Uint8Array(page.buffer).fill(0x6b);
  }
  let fl = freeLists.get(page.size);
  if (fl === undefined) freeLists.set(page.size, fl = []);
  fl.push(page.phys);
  const st = ownerStats(page.owner);
  st.live_allocs--;
  st.live_bytes -= page.size;
  st.live_pages -= page.size / PAGE_SIZE;
  st.total_frees++;
}

/** `__free_pages(page, order)`: RangeError if `order` is not the block's. */
export function __free_pages(
  page: Page | null,
  order: number,
  site?: string,
): void {
  if (page !== null && page instanceof Page && order !== page.order) {
    throw new RangeError(
      `__free_pages: order ${order} but the block has order ${page.order}`,
    );
  }
  free_page_block(page, site);
}

/** `iommu_free_pages(virt)`. */
export function iommu_free_pages(page: Page | null, site?: string): void {
  free_page_block(page, site);
}

/**
 * `iommu_put_pages_list(list)`: frees every block on the list (the lab's
 * `struct iommu_pages_list` is an array) and empties it.
 */
export function iommu_put_pages_list(list: Page[], site?: string): void {
  for (let i = 0; i < list.length; i++) free_page_block(list[i]!, site);
  list.length = 0;
}

/**
 * `global_node_page_state(item)` for `NR_SECONDARY_PAGETABLE` and
 * `NR_IOMMU_PAGES`: pages currently allocated by iommu-pages.
 */
export function global_node_page_state(item: number): number {
  const v = nodeStat[item];
  if (v === undefined) {
    throw new RangeError(`unknown node_stat_item ${item}`);
  }
  return v;
}

/**
 * `pfn_to_page(pfn)`: the block of at least a page that holds page frame
 * `pfn`, or null. The block may have been freed (`page.freed`; check it,
 * or use {@link kasan_check_page}); sub-page blocks are not indexed.
 */
export function pfn_to_page(pfn: number): Page | null {
  const p = pfnPages[pfn - PFN_BASE];
  return p === undefined ? null : p;
}

/** `virt_to_phys(page)`: the block's simulated physical address. */
export function virt_to_phys(page: Page): number {
  return page.phys;
}

/** `phys_to_virt(phys)`: the live block starting at `phys`, or null. */
export function phys_to_virt(phys: number): Page | null {
  return live.get(phys) ?? null;
}

/**
 * KASAN check of an access to page block `page`: reports use-after-free
 * and returns false if it was freed.
 */
export function kasan_check_page(
  page: Page,
  what = "access",
  site?: string,
): boolean {
  if (!page.freed || !kasan_enabled()) return true;
  const s = site ?? kernel_caller_site();
  kernel_report({
    kind: "use-after-free",
    message: `${what} of page block phys 0x${
      page.phys.toString(16)
    } (${page.size} bytes, owner ${page.owner}) #${page.seq} (allocated at ${
      resolve_site(page.alloc_site)
    }, freed at ${resolve_site(page.free_site)})`,
    site: s,
    details: [`BUG: KASAN: use-after-free in ${s}`],
    object: page,
    alloc_site: resolve_site(page.alloc_site),
    free_site: resolve_site(page.free_site),
  });
  return false;
}

/** The live blocks (optionally of one owner, allocated after `since_seq`). */
export function live_pages(owner?: string, since_seq = 0): Page[] {
  const r: Page[] = [];
  for (const p of live.values()) {
    if (p.seq > since_seq && (owner === undefined || p.owner === owner)) {
      r.push(p);
    }
  }
  return r.sort((a, b) => a.seq - b.seq);
}

/** The page allocation sequence number. */
export function page_alloc_seq(): number {
  return seq;
}

/**
 * Resets the physical address space when no block is live, so that each
 * KUnit case sees the same addresses whatever ran before. Returns whether
 * it did.
 */
export function page_alloc_reset_phys(): boolean {
  if (live.size !== 0) return false;
  freeLists.clear();
  pfnPages.length = 0;
  nextPhys = PHYS_BASE;
  return true;
}

/** Forgets all blocks and counters (kernel_reset). */
export function page_alloc_reset(): void {
  live.clear();
  owners.clear();
  freeLists.clear();
  pfnPages.length = 0;
  nodeStat[NR_SECONDARY_PAGETABLE] = 0;
  nodeStat[NR_IOMMU_PAGES] = 0;
  nextPhys = PHYS_BASE;
}
