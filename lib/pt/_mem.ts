// Copyright 2026 the iommulab authors. MIT license.
/**
 * Page-table memory: the simulated `iommu_alloc_pages_node_sz()` /
 * `iommu_free_pages()` / `iommu_put_pages_list()` (drivers/iommu/iommu-pages.h).
 *
 * Every table is a zeroed, physically contiguous run of 4 KiB pages with a
 * fake physical address (a 4 KiB-aligned number below 2^44, so every format's
 * table-pointer field can encode it) and a `BigUint64Array` view. Live pages
 * are accounted globally (`NR_SECONDARY_PAGETABLE`) and per owner, which is
 * what the generic_pt KUnit leak check reads. `__va(phys)` is an array lookup.
 *
 * @module
 */
import { declare_fault_point, should_fail } from "../kernel/fault.ts";
import { WARN_ON } from "../kernel/mod.ts";

/** One table allocation. */
export class PtTableMem {
  /** Fake physical address (4 KiB aligned). */
  readonly phys: number;
  /** `phys` as a bigint, for PTE encoding. */
  readonly physBig: bigint;
  /** The table words. */
  readonly u64: BigUint64Array;
  /** The same memory as 32-bit halves (little endian: low word first). */
  readonly u32: Uint32Array;
  /** Accounting owner (e.g. the domain); null when free. */
  owner: object | null = null;
  /** Whether the memory is allocated. */
  live = false;
  /** Number of 4 KiB pages. */
  readonly npages: number;
  /** @internal */
  constructor(phys: number, bytes: number) {
    this.phys = phys;
    this.physBig = BigInt(phys);
    this.u64 = new BigUint64Array(bytes / 8);
    this.u32 = new Uint32Array(this.u64.buffer);
    this.npages = Math.max(1, bytes / 4096);
  }
}

// The u32 view assumes a little-endian host (every Deno target is).
if (new Uint32Array(new BigUint64Array([1n]).buffer)[0] !== 1) {
  throw new Error("generic_pt table memory needs a little-endian host");
}

const BASE_PFN = 0x10000; // tables live at 0x1000_0000 and up
/** Pages indexed by pfn - BASE_PFN (head pages only). */
const pages: (PtTableMem | undefined)[] = [];
const freeBySize = new Map<number, PtTableMem[]>();
let nextPfn = BASE_PFN;

/** Fault point `pt.table_alloc`: a table allocation fails (-ENOMEM). */
export const FP_TABLE_ALLOC = declare_fault_point("pt.table_alloc");

/** Global live table pages (`NR_SECONDARY_PAGETABLE`). */
let nrSecondary = 0;
const perOwner = new WeakMap<object, number>();

/** `global_node_page_state(NR_SECONDARY_PAGETABLE)`: live table pages. */
export function nr_secondary_pagetable(): number {
  return nrSecondary;
}

/** Live table pages charged to `owner`. */
export function pt_pages_of_owner(owner: object): number {
  return perOwner.get(owner) ?? 0;
}

/**
 * `iommu_alloc_pages_node_sz(nid, gfp, size)`: a zeroed table of `size`
 * bytes (rounded up to 4 KiB), or null when the `pt.table_alloc` fault fires.
 */
export function iommu_alloc_pages_sz(
  owner: object,
  _gfp: number,
  size: number,
): PtTableMem | null {
  if (should_fail(FP_TABLE_ALLOC)) return null;
  const bytes = Math.max(4096, size);
  let mem: PtTableMem | undefined;
  const fl = freeBySize.get(bytes);
  if (fl !== undefined && fl.length !== 0) {
    mem = fl.pop()!;
    mem.u32.fill(0);
  } else {
    mem = new PtTableMem(nextPfn * 4096, bytes);
    pages[nextPfn - BASE_PFN] = mem;
    nextPfn += mem.npages;
  }
  mem.live = true;
  mem.owner = owner;
  nrSecondary += mem.npages;
  perOwner.set(owner, (perOwner.get(owner) ?? 0) + mem.npages);
  return mem;
}

/** `iommu_free_pages(virt)`. A double free is a WARN and is ignored. */
export function iommu_free_pages(mem: PtTableMem): void {
  if (WARN_ON(!mem.live)) return;
  mem.live = false;
  nrSecondary -= mem.npages;
  const owner = mem.owner!;
  perOwner.set(owner, perOwner.get(owner)! - mem.npages);
  mem.owner = null;
  let fl = freeBySize.get(mem.u64.length * 8);
  if (fl === undefined) freeBySize.set(mem.u64.length * 8, fl = []);
  fl.push(mem);
}

/** `iommu_put_pages_list(list)`: free every table on the list and empty it. */
export function iommu_put_pages_list(list: PtTableMem[]): void {
  for (let i = 0; i < list.length; i++) iommu_free_pages(list[i]!);
  list.length = 0;
}

/**
 * `__va(phys)`: the table at a physical address, or null if none was ever
 * allocated there. A lookup of freed memory is a WARN (use after free).
 */
export function pt_phys_to_table(phys: bigint): PtTableMem | null {
  const mem = pages[Number(phys >> 12n) - BASE_PFN];
  if (mem === undefined) return null;
  WARN_ON(!mem.live);
  return mem;
}

/** `__va()` for a numeric physical address (hot path, no WARN). */
export function pt_phys_to_table_num(phys: number): PtTableMem | undefined {
  return pages[phys / 4096 - BASE_PFN];
}

/**
 * `__va()` of a 4 KiB frame number on the number fast paths: like
 * {@link pt_phys_to_table} (a WARN on freed memory), without a bigint.
 */
export function pt_pfn_to_table_n(pfn: number): PtTableMem | null {
  const mem = pages[pfn - BASE_PFN];
  if (mem === undefined) return null;
  if (!mem.live) WARN_ON(true);
  return mem;
}
