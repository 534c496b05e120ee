// Copyright 2026 the iommulab authors. MIT license.
/**
 * Page-table memory on the kernel's page allocator (lib/kernel/page_alloc.ts,
 * the simulated drivers/iommu/iommu-pages.h): a table is a zeroed block from
 * `iommu_alloc_pages_node_sz()`, charged to its domain's page owner and
 * counted in `NR_SECONDARY_PAGETABLE`, which is what the generic_pt KUnit
 * leak check reads. `__va(phys)` is `pfn_to_page()`, an array lookup.
 *
 * Two fault points fail a table allocation: the lab's `pt.table_alloc`
 * (only table memory) and, below it, the allocator's `page.alloc`.
 *
 * @module
 */
import {
  global_node_page_state,
  iommu_alloc_pages_node_sz,
  NR_SECONDARY_PAGETABLE,
  type Page,
  page_owner_stats,
  pfn_to_page,
  WARN_ON,
} from "../kernel/mod.ts";
import { declare_fault_point, should_fail } from "../kernel/fault.ts";

/** A table's memory: a page-allocator block (`u64`/`u32` views, `phys`). */
export type PtTableMem = Page;

/** Fault point `pt.table_alloc`: a table allocation fails (-ENOMEM). */
export const FP_TABLE_ALLOC = declare_fault_point("pt.table_alloc");

/** Call site recorded for table blocks (no stack capture per table). */
const SITE = "iommupt:_table_alloc";

let nextOwner = 0;

/** A fresh page-owner name for a table (`iommupt:<fmt>#<n>`). */
export function pt_new_page_owner(fmt_name: string): string {
  return `iommupt:${fmt_name}#${++nextOwner}`;
}

/** `global_node_page_state(NR_SECONDARY_PAGETABLE)`: live table pages. */
export function nr_secondary_pagetable(): number {
  return global_node_page_state(NR_SECONDARY_PAGETABLE);
}

/** Live table pages charged to the table `owner` (a `PtIommu`). */
export function pt_pages_of_owner(owner: { page_owner: string }): number {
  return page_owner_stats(owner.page_owner).live_pages;
}

/**
 * `iommu_alloc_pages_node_sz(nid, gfp, size)` for a table: a zeroed block of
 * `size` bytes charged to `owner`, or null when `pt.table_alloc` or
 * `page.alloc` fires.
 */
export function pt_table_alloc_pages(
  nid: number,
  gfp: number,
  size: number,
  owner: string,
): PtTableMem | null {
  if (should_fail(FP_TABLE_ALLOC)) return null;
  return iommu_alloc_pages_node_sz(nid, gfp, size, owner, SITE);
}

/**
 * `__va(phys)`: the table at a physical address, or null if no table block
 * was ever allocated there. A lookup of freed memory is a WARN (use after
 * free).
 */
export function pt_phys_to_table(phys: bigint): PtTableMem | null {
  if (phys >= 1n << 53n) return null;
  const mem = pfn_to_page(Number(phys >> 12n));
  if (mem === null || mem.phys !== Number(phys)) return null;
  WARN_ON(mem.freed);
  return mem;
}

/** `__va()` for a numeric physical address (hot path, no WARN). */
export function pt_phys_to_table_num(phys: number): PtTableMem | undefined {
  const mem = pfn_to_page(phys / 4096);
  return mem === null ? undefined : mem;
}

/**
 * `__va()` of a 4 KiB frame number on the number fast paths: like
 * {@link pt_phys_to_table} (a WARN on freed memory), without a bigint.
 */
export function pt_pfn_to_table_n(pfn: number): PtTableMem | null {
  const mem = pfn_to_page(pfn);
  if (mem === null) return null;
  if (mem.freed) WARN_ON(true);
  return mem;
}
