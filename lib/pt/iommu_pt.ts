// Copyright 2026 the iommulab authors. MIT license.
/**
 * The IOMMU implementation of the generic page table (iommu_pt.h):
 * `pt_iommu_init`, `map_pages` (best page size, the single-page fast path,
 * `clear_contig`, DYNAMIC_TOP growth with `increase_top`), `unmap_pages`,
 * `iova_to_phys`, `read_and_clear_dirty`, `set_dirty`, `get_info`, `deinit`,
 * and the 2026 `map_range` engine.
 *
 * Fault points: `pt.table_alloc` (in the table allocator), `pt.install_race`
 * (another CPU installs a table into the slot just before our
 * compare-exchange), `pt.top_race` (another CPU grows the top while
 * `increase_top` builds its new levels).
 *
 * Map, unmap and iova_to_phys run on JS numbers (entries as 32-bit words,
 * see the format's number codec) whenever the VAs and OAs lie below 2^53
 * (iova_to_phys: any 64-bit VA); otherwise, or with `lab.number_path`
 * false, the bigint walkers run. Both give the same results.
 *
 * @module
 */
import { WARN_ON } from "../kernel/mod.ts";
import {
  _pt_top_set,
  IOMMU_READ,
  IOMMU_WRITE,
  PAGE_SHIFT,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_DMA_INCOHERENT,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_FLUSH_RANGE_NO_GAPS,
  PT_FEAT_FULL_VA,
  PT_FEAT_SIGN_EXTEND,
  pt_feature,
  pt_init,
  pt_init_top,
  pt_top_get_level,
  pt_top_set,
  pt_top_table,
  PT_WARN_ON,
  PtCommon,
  PtRange,
  PtState,
  PtWriteAttrs,
} from "./defs.ts";
import {
  N_ENTRY_EMPTY,
  N_ENTRY_OA,
  type PtFormat,
  type PtHwInfo,
  type PtIommuCfg,
} from "./format.ts";
import {
  _pt_iter_first,
  _pt_iter_load,
  _pt_top_range,
  pt_all_range,
  pt_check_range,
  pt_compute_best_pgsize,
  pt_descend,
  pt_entry_fully_covered,
  pt_entry_oa_exact,
  pt_entry_oa_lg2sz,
  pt_index_to_va,
  pt_load_single_entry,
  pt_make_range,
  pt_next_entry,
  pt_pgsz_count,
  pt_top_memsize_lg2,
  pt_top_range,
  pt_walk_descend_all,
  pt_walk_range,
} from "./iter.ts";
import {
  __IOMMU_DOMAIN_PAGING,
  iommu_iotlb_gather_add_range,
  iommu_iotlb_gather_add_range_n,
  iommu_iotlb_gather_init,
  iommu_iotlb_gather_is_disjoint,
  iommu_iotlb_gather_is_disjoint_n,
  iommu_iotlb_sync,
  IommuDomain,
  type IommuDomainOps,
  IommuIotlbGather,
  type SizeRef,
} from "./iommu.ts";
import {
  EADDRINUSE,
  EAGAIN,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENXIO,
  EOPNOTSUPP,
  EOVERFLOW,
  ERANGE,
} from "../kernel/errno.ts";
import { iommu_free_pages, iommu_put_pages_list } from "../kernel/mod.ts";
import {
  pt_new_page_owner,
  pt_pfn_to_table_n,
  pt_table_alloc_pages,
  type PtTableMem,
} from "./_mem.ts";
import { declare_fault_point, should_fail } from "../kernel/fault.ts";
import {
  BIG,
  div2n,
  ffs53,
  fls53,
  log2_mod,
  MASK,
  mod2n,
  POW2,
  POW2N,
  TWO32,
  U64_MAX,
} from "./log2.ts";

/** `PAGE_SIZE` as a bigint (u64 arithmetic on the bigint paths). */
const PAGE_SIZE = 4096n;

/** Fault point `pt.install_race`: a racer fills the slot before our cmpxchg. */
export const FP_INSTALL_RACE = declare_fault_point("pt.install_race");
/** Fault point `pt.top_race`: a racer grows the top during increase_top. */
export const FP_TOP_RACE = declare_fault_point("pt.top_race");

/** SW bit recording that a new table item's cache flush is done. */
export const SW_BIT_CACHE_FLUSH_DONE = 0;

/** `struct pt_iommu_driver_ops`. */
export interface PtIommuDriverOps {
  /** Make the new top reachable by HW (called under the top lock). */
  change_top(iommu: PtIommu, top_paddr: bigint, top_level: number): void;
  /** The lock serialising top changes. */
  get_top_lock(iommu: PtIommu): object;
}

/** `struct pt_iommu_info`. */
export interface PtIommuInfo {
  /** Supported page sizes. */
  pgsize_bitmap: bigint;
}

/** `struct pt_iommu_ops`. */
export interface PtIommuOps {
  /** `get_info`. */
  get_info(iommu: PtIommu, info: PtIommuInfo): void;
  /** `deinit`. */
  deinit(iommu: PtIommu): void;
  /** `set_dirty` (iommufd selftest): 0, -EAGAIN or -ENOENT. */
  set_dirty?(iommu: PtIommu, iova: bigint): number;
  /** [2026] `map_range`. */
  map_range(
    iommu: PtIommu,
    iova: bigint,
    paddr: bigint,
    len: bigint,
    prot: number,
    gfp: number,
    mapped: SizeRef,
  ): number;
  /** [2026] `unmap_range` (99fb8afa16ad): bytes unmapped. */
  unmap_range(
    iommu: PtIommu,
    iova: bigint,
    len: bigint,
    gather: IommuIotlbGather,
  ): bigint;
  /** Lab: `unmap_range` on numbers (see `map_range_n`). */
  unmap_range_n?(
    iommu: PtIommu,
    iova: number,
    len: number,
    gather: IommuIotlbGather,
  ): number;
  /**
   * Lab: `map_range` on numbers (`iova + len` and `paddr + len` below
   * 2^53); `Number.MIN_SAFE_INTEGER` means "not handled, nothing done".
   */
  map_range_n?(
    iommu: PtIommu,
    iova: number,
    paddr: number,
    len: number,
    prot: number,
    gfp: number,
    mapped: NumRef,
  ): number;
}

/** Lab options of a table (not in the kernel struct). */
export interface PtIommuLabOptions {
  /** Use the single-page fast path (default true). */
  fast_path: boolean;
  /** [2026] gather the unmapped length, not the requested one. */
  fix_unmap_gather: boolean;
  /** [2026] get_info limits page sizes by max_vasz (04f1f4bf). */
  fix_get_info_vasz: boolean;
  /**
   * Run map/unmap/iova_to_phys on JS numbers when every VA and OA is below
   * 2^53 (default true); false forces the bigint walkers.
   */
  number_path: boolean;
}

/** Counters a table keeps for observation (lab only). */
export interface PtIommuStats {
  /** Single-page fast-path hits. */
  fast_path: number;
  /** Table installs lost to a racer (retried). */
  install_races: number;
  /** `increase_top` attempts thrown away and retried. */
  top_races: number;
  /** Successful top growths (`change_top` calls). */
  change_top: number;
  /** Tables freed by `clear_contig` (over-mapped empty tables). */
  clear_contig_tables: number;
  /** CPU cache flushes of table memory (DMA_INCOHERENT). */
  flushes: number;
}

/**
 * `struct pt_iommu_<fmt>`: a domain overlaid with the page table (the C
 * union of `iommu_domain` and `pt_iommu`).
 */
export class PtIommu extends IommuDomain {
  /** The table. */
  readonly common: PtCommon;
  /** Ops; set last by init (deinit before/after a failed init is a no-op). */
  pt_ops: PtIommuOps | null = null;
  /** Driver ops (required with DYNAMIC_TOP). */
  driver_ops: PtIommuDriverOps | null = null;
  /** NUMA node. */
  nid = -1;
  /** Page-allocator owner its table pages are charged to. */
  readonly page_owner: string;
  /** DMA device for DMA_INCOHERENT tables. */
  iommu_device: object | null = null;
  /** Lab options. */
  lab: PtIommuLabOptions = {
    fast_path: true,
    fix_unmap_gather: true,
    fix_get_info_vasz: true,
    number_path: true,
  };
  /** Lab counters. */
  stats: PtIommuStats = {
    fast_path: 0,
    install_races: 0,
    top_races: 0,
    change_top: 0,
    clear_contig_tables: 0,
    flushes: 0,
  };
  /** @internal map_pages' gather (reused, no allocation per call). */
  _map_gather: IommuIotlbGather = new IommuIotlbGather();
  /** @internal map_pages' arguments (reused). */
  _map_args: MapArgs;
  /** @internal the fast path's state (reused). */
  _fast_pts: PtState;
  /** @internal caches of the number paths. */
  _n: PtNumCache;
  /** @internal map and unmap calls running on this table (see op_enter). */
  _ops_running = 0;
  /** Creates an uninitialised table of `fmt`. */
  constructor(fmt: PtFormat) {
    super();
    this.common = new PtCommon(fmt);
    this.page_owner = pt_new_page_owner(fmt.name);
    this._map_args = new MapArgs(this._map_gather);
    this._fast_pts = new_fast_pts();
    this._n = new PtNumCache(this.common);
  }
}

function new_fast_pts(): PtState {
  return new PtState(
    null as unknown as PtRange,
    0,
    null as unknown as PtTableMem,
  );
}

/** The scratch of the map or unmap call a nested one interrupted. */
interface PtOpScratch {
  gather: IommuIotlbGather;
  map: MapArgs;
  fast_pts: PtState;
  n: PtNumCache;
}

// Map and unmap keep their scratch (map gather, map args, fast-path state,
// number cache) in the table, reused by every call. A call that starts while
// another runs on the same table (a fault hook playing a second CPU) takes
// fresh scratch, as that CPU would have its own stack, and op_exit() gives
// the first call's back. Both ends drop iova_to_phys's walk cache: tables
// change in between, and a hook may translate (and cache) mid-call.
function op_enter(iommu: PtIommu): PtOpScratch | null {
  iommu._n.gen++;
  if (iommu._ops_running++ === 0) return null;
  const saved: PtOpScratch = {
    gather: iommu._map_gather,
    map: iommu._map_args,
    fast_pts: iommu._fast_pts,
    n: iommu._n,
  };
  iommu._map_gather = new IommuIotlbGather();
  iommu._map_args = new MapArgs(iommu._map_gather);
  iommu._fast_pts = new_fast_pts();
  iommu._n = new PtNumCache(iommu.common);
  return saved;
}

function op_exit(iommu: PtIommu, saved: PtOpScratch | null): void {
  iommu._ops_running--;
  if (saved !== null) {
    iommu._map_gather = saved.gather;
    iommu._map_args = saved.map;
    iommu._fast_pts = saved.fast_pts;
    iommu._n = saved.n;
  }
  iommu._n.gen++;
}

/** `common_from_iommu()`. */
export function common_from_iommu(iommu: PtIommu): PtCommon {
  return iommu.common;
}

const owners = new WeakMap<PtCommon, PtIommu>();
/** `iommu_from_common()`. */
export function iommu_from_common(common: PtCommon): PtIommu {
  return owners.get(common)!;
}

// ---- table memory (iommu_pt.h _table_alloc / table_alloc_top / table_alloc)

function _table_alloc(
  common: PtCommon,
  lg2sz: number,
  gfp: number,
): PtTableMem | null {
  const iommu = iommu_from_common(common);
  return pt_table_alloc_pages(iommu.nid, gfp, 2 ** lg2sz, iommu.page_owner);
}

function table_alloc_top(
  common: PtCommon,
  top_of_table: number,
  gfp: number,
): PtTableMem | null {
  return _table_alloc(common, pt_top_memsize_lg2(common, top_of_table), gfp);
}

function table_alloc(parent: PtState, gfp: number): PtTableMem | null {
  const fmt = parent.range.common.fmt;
  return _table_alloc(
    parent.range.common,
    fmt.num_items_lg2_level(parent.level - 1) +
      Math.log2(fmt.PT_ITEM_WORD_SIZE),
    gfp,
  );
}

function flush_writes_item(pts: PtState): void {
  if (pt_feature(pts.range.common, PT_FEAT_DMA_INCOHERENT)) {
    iommu_from_common(pts.range.common).stats.flushes++;
  }
}

function flush_writes_range(pts: PtState, start: number, end: number): void {
  if (start !== end && pt_feature(pts.range.common, PT_FEAT_DMA_INCOHERENT)) {
    iommu_from_common(pts.range.common).stats.flushes++;
  }
}

/** `pt_test_sw_bit_acquire(pts, n)`: test a SW bit in the cached entry. */
export function pt_test_sw_bit_acquire(pts: PtState, n: number): boolean {
  return (pts.entry & pts.range.common.fmt.sw_bit(n)) !== 0n;
}

/** `pt_set_sw_bit_release(pts, n)`: cmpxchg loop from `pts.entry`. */
export function pt_set_sw_bit_release(pts: PtState, n: number): void {
  const t = pts.table.u64;
  const bit = pts.range.common.fmt.sw_bit(n);
  for (;;) {
    const cur = t[pts.index]!;
    if (cur === pts.entry) {
      pts.entry = cur | bit;
      t[pts.index] = pts.entry;
      return;
    }
    pts.entry = cur;
  }
}

/** The racing CPU of `pt.install_race`: installs its own table in the slot. */
function install_race_other_cpu(pts: PtState, attrs: PtWriteAttrs): void {
  const other = pts.clone();
  const mem = table_alloc(other, attrs.gfp);
  if (mem === null) return;
  const fmt = pts.range.common.fmt;
  other.range.common.fmt.load_entry_raw(other);
  if (!fmt.install_table(other, BigInt(mem.phys), attrs)) {
    iommu_free_pages(mem);
    return;
  }
  if (pt_feature(pts.range.common, PT_FEAT_DMA_INCOHERENT)) {
    flush_writes_item(other);
    pt_set_sw_bit_release(other, SW_BIT_CACHE_FLUSH_DONE);
  }
}

// pt_iommu_new_table()
function pt_iommu_new_table(pts: PtState, attrs: PtWriteAttrs): number {
  const common = pts.range.common;
  const fmt = common.fmt;
  // Given PA/VA/length can't be represented
  if (PT_WARN_ON(common, !fmt.can_have_table(pts))) return -ENXIO;
  const mem = table_alloc(pts, attrs.gfp);
  if (mem === null) return -ENOMEM;
  if (should_fail(FP_INSTALL_RACE)) {
    install_race_other_cpu(pts, attrs);
  }
  if (!fmt.install_table(pts, BigInt(mem.phys), attrs)) {
    iommu_from_common(common).stats.install_races++;
    iommu_free_pages(mem);
    return -EAGAIN;
  }
  if (pt_feature(common, PT_FEAT_DMA_INCOHERENT)) {
    flush_writes_item(pts);
    pt_set_sw_bit_release(pts, SW_BIT_CACHE_FLUSH_DONE);
  }
  if (fmt.debug) {
    // The table can't store the physical table address
    pt_load_single_entry(pts);
    if (PT_WARN_ON(common, fmt.table_pa(pts) !== BigInt(mem.phys))) {
      fmt.clear_entries(pts, 0);
      iommu_free_pages(mem);
      return -EINVAL;
    }
  }
  pts.table_lower = mem;
  return 0;
}

// ---- gather (gather_range_pages)

function gather_range_pages(
  gather: IommuIotlbGather,
  iommu: PtIommu,
  iova: bigint,
  len: bigint,
  free_list: PtTableMem[],
): void {
  const common = iommu.common;
  if (
    pt_feature(common, PT_FEAT_FLUSH_RANGE_NO_GAPS) &&
    iommu_iotlb_gather_is_disjoint(gather, iova, len)
  ) {
    iommu_iotlb_sync(iommu, gather);
  }
  if (!gather.queued) iommu_iotlb_gather_add_range(gather, iova, len);
  for (let i = 0; i < free_list.length; i++) {
    gather.freelist.push(free_list[i]!);
  }
  free_list.length = 0;
}

// ---- __collect_tables / clear_contig

interface CollectArgs {
  free_list: PtTableMem[];
  check_mapped: boolean;
}

function __collect_tables(
  range: PtRange,
  collect: CollectArgs,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const fmt = range.common.fmt;
  if (!collect.check_mapped && !fmt.can_have_table(pts)) return 0;
  for (_pt_iter_first(pts); _pt_iter_load(pts); pt_next_entry(pts)) {
    if (pts.type === PT_ENTRY_TABLE) {
      collect.free_list.push(pts.table_lower!);
      const ret = pt_descend(pts, collect, __collect_tables);
      if (ret) return ret;
      continue;
    }
    if (pts.type === PT_ENTRY_OA && collect.check_mapped) return -EADDRINUSE;
  }
  return 0;
}

/** `struct pt_iommu_map_args`. */
export class MapArgs {
  iotlb_gather: IommuIotlbGather;
  attrs: PtWriteAttrs = new PtWriteAttrs();
  oa = 0n;
  leaf_pgsize_lg2 = 0;
  leaf_level = 0;
  /**
   * [2026] Leaves of `leaf_pgsize_lg2` left before the size changes
   * (`pt_pgsz_count`); Infinity for map_pages (one size for the whole call).
   */
  num_leaves = Infinity;
  constructor(gather: IommuIotlbGather) {
    this.iotlb_gather = gather;
  }
}

// clear_contig(): free empty tables under a new contiguous leaf
function clear_contig(
  start_pts: PtState,
  gather: IommuIotlbGather,
  step: number,
): number {
  const common = start_pts.range.common;
  const iommu = iommu_from_common(common);
  const range = start_pts.range.clone();
  const pts = pt_init(range, start_pts.level, start_pts.table);
  const collect: CollectArgs = { free_list: [], check_mapped: true };
  const fmt = common.fmt;
  pts.index = start_pts.index;
  pts.end_index = start_pts.index + step;
  for (; _pt_iter_load(pts); pt_next_entry(pts)) {
    if (pts.type === PT_ENTRY_TABLE) {
      collect.free_list = [];
      const ret = pt_walk_descend_all(pts, __collect_tables, collect);
      if (ret) return ret;
      // The table item must be cleared before we can update the gather
      fmt.clear_entries(pts, 0);
      flush_writes_item(pts);
      collect.free_list.push(pts.table_lower!);
      iommu.stats.clear_contig_tables += collect.free_list.length;
      gather_range_pages(
        gather,
        iommu,
        range.va,
        POW2[fmt.isz[pts.level]!]!,
        collect.free_list,
      );
    } else if (pts.type !== PT_ENTRY_EMPTY) {
      return -EADDRINUSE;
    }
  }
  return 0;
}

function compute_best_pgsize(pts: PtState, oa: bigint): number {
  const fmt = pts.range.common.fmt;
  if (!fmt.can_have_leaf(pts)) return 0;
  return pt_compute_best_pgsize(
    fmt.possible_sizes(pts) &
      iommu_from_common(pts.range.common).pgsize_bitmap,
    pts.range.va,
    pts.range.last_va,
    oa,
  );
}

// __map_range_leaf(): with map_range it stops where the page size changes,
// computes the next size and returns -EAGAIN if this table is not finished
function __map_range_leaf(
  range: PtRange,
  map: MapArgs,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const common = range.common;
  const fmt = common.fmt;
  const leaf_pgsize_lg2 = map.leaf_pgsize_lg2;
  let oa = map.oa;
  let ret = 0;
  PT_WARN_ON(common, map.leaf_level !== level);
  PT_WARN_ON(common, !fmt.can_have_leaf(pts));
  const step_lg2 = leaf_pgsize_lg2 - fmt.isz[level]!;
  const step = 2 ** step_lg2;
  const need_contig = step_lg2 !== 0;
  const size = POW2[leaf_pgsize_lg2]!;
  _pt_iter_first(pts);
  const start_index = pts.index;
  const orig_end = pts.end_index;
  const leaves_avail = (pts.end_index - pts.index) >>> step_lg2;
  let num_leaves: number;
  if (map.num_leaves <= leaves_avail) {
    // Need to stop in the middle of the table to change sizes
    pts.end_index = pts.index + map.num_leaves * step;
    num_leaves = 0;
  } else {
    num_leaves = map.num_leaves - leaves_avail;
  }
  PT_WARN_ON(common, ((pts.end_index - pts.index) & (step - 1)) !== 0);
  do {
    pts.type = fmt.load_entry_raw(pts);
    if (pts.type !== PT_ENTRY_EMPTY || need_contig) {
      if (pts.index !== start_index) pt_index_to_va(pts);
      ret = clear_contig(pts, map.iotlb_gather, step);
      if (ret) break;
    }
    if (fmt.debug) {
      pt_index_to_va(pts);
      PT_WARN_ON(common, compute_best_pgsize(pts, oa) !== leaf_pgsize_lg2);
    }
    fmt.install_leaf_entry(pts, oa, leaf_pgsize_lg2, map.attrs);
    oa += size;
    pts.index += step;
  } while (pts.index < pts.end_index);
  flush_writes_range(pts, start_index, pts.index);
  map.oa = oa;
  map.num_leaves = num_leaves;
  if (ret || num_leaves) return ret;
  // range->va is not valid if we reached the end of the table
  pts.index -= step;
  pt_index_to_va(pts);
  pts.index += step;
  const last_va = range.va + size;
  if (last_va - 1n === range.last_va) {
    PT_WARN_ON(common, pts.index !== orig_end);
    return 0;
  }
  // Reached a point where the page size changed, compute the new parameters
  const bitmap = iommu_from_common(common).pgsize_bitmap;
  map.leaf_pgsize_lg2 = pt_compute_best_pgsize(
    bitmap,
    last_va,
    range.last_va,
    oa,
  );
  // No size fits the rest (not a multiple of the smallest page): the kernel
  // ends in pt_iommu_new_table()'s PT_WARN_ON and -ENXIO
  if (PT_WARN_ON(common, map.leaf_pgsize_lg2 === 0)) return -ENXIO;
  map.leaf_level = fmt.pgsz_lg2_to_level(common, map.leaf_pgsize_lg2);
  map.num_leaves = Number(
    pt_pgsz_count(bitmap, last_va, range.last_va, oa, map.leaf_pgsize_lg2),
  );
  // Didn't finish this table level, caller will repeat it
  if (pts.index !== orig_end) {
    if (pts.index !== start_index) pt_index_to_va(pts);
    return -EAGAIN;
  }
  return 0;
}

// __map_range()
function __map_range(
  range: PtRange,
  map: MapArgs,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const common = range.common;
  const fmt = common.fmt;
  PT_WARN_ON(common, map.leaf_level === level);
  PT_WARN_ON(common, !fmt.can_have_table(pts));
  _pt_iter_first(pts);
  for (;;) {
    pts.type = fmt.load_entry_raw(pts);
    if (pts.type !== PT_ENTRY_TABLE) {
      if (pts.type !== PT_ENTRY_EMPTY) return -EADDRINUSE;
      const ret = pt_iommu_new_table(pts, map.attrs);
      if (ret) {
        // Racing with another thread installing a table: reload this index
        if (ret === -EAGAIN) continue;
        return ret;
      }
    } else {
      fmt.load_entry(pts);
      // A racing sharer may still be flushing: flush too
      if (
        pt_feature(common, PT_FEAT_DMA_INCOHERENT) &&
        !pt_test_sw_bit_acquire(pts, SW_BIT_CACHE_FLUSH_DONE)
      ) flush_writes_item(pts);
    }
    // The present table may be shared with a concurrent map. -EAGAIN: the
    // page size changed inside it (map_range), descend again
    let ret: number;
    do {
      ret = map.leaf_level === level - 1
        ? pt_descend(pts, map, __map_range_leaf)
        : pt_descend(pts, map, __map_range);
    } while (ret === -EAGAIN);
    if (ret) return ret;
    pts.index++;
    pt_index_to_va(pts);
    if (pts.index >= pts.end_index) break;
    // The target level became this level: have the caller invoke
    // __map_range_leaf()
    if (map.leaf_level === level) return -EAGAIN;
  }
  return 0;
}

/**
 * `__map_single_page()` (PT_MAKE_LEVELS): walk one entry per level of
 * existing tables and install one PAGE_SIZE leaf; -EAGAIN for the full path.
 * Specialised to numbers for the index arithmetic.
 */
function __map_single_page(
  range: PtRange,
  map: MapArgs,
  iommu: PtIommu,
): number {
  const fmt = range.common.fmt;
  const pts = iommu._fast_pts;
  pts.range = range;
  pts.level = range.top_level;
  pts.table = range.top_table!;
  const va = range.va;
  for (;;) {
    const level = pts.level;
    const isz = fmt.isz[level]!;
    pts.index = level === range.top_level
      ? Number((va & MASK[range.max_vasz_lg2]!) >> BIG[isz]!)
      : Number((va >> BIG[isz]!) & 511n);
    const type = fmt.load_entry_raw(pts);
    if (level === 0) {
      if (type !== PT_ENTRY_EMPTY) return -EADDRINUSE;
      fmt.install_leaf_entry(pts, map.oa, PAGE_SHIFT, map.attrs);
      // No flush, not used when incoherent
      map.oa += PAGE_SIZE;
      return 0;
    }
    if (type !== PT_ENTRY_TABLE) return -EAGAIN;
    fmt.load_entry(pts);
    pts.table = pts.table_lower!;
    pts.level = level - 1;
  }
}

// increase_top(): add levels on top until the range fits
function increase_top(iommu: PtIommu, range: PtRange, map: MapArgs): number {
  iommu._n.gen++;
  const common = iommu.common;
  const fmt = common.fmt;
  const free_list: PtTableMem[] = [];
  const top_of_table = common.top_of_table;
  let new_top_of_table = top_of_table;
  let table_mem: PtTableMem | null = null;
  let new_level = 0;
  let ret = 0;
  for (;;) {
    const top_range = _pt_top_range(common, new_top_of_table);
    const pts = pt_init_top(top_range);
    top_range.va = range.va;
    top_range.last_va = range.last_va;
    if (pt_check_range(top_range) === 0 && map.leaf_level <= pts.level) {
      new_level = pts.level;
      break;
    }
    pts.level++;
    if (
      pts.level > fmt.PT_MAX_TOP_LEVEL ||
      fmt.isz[pts.level]! >= common.max_vasz_lg2
    ) {
      ret = -ERANGE;
      iommu_put_pages_list(free_list);
      return ret;
    }
    table_mem = table_alloc_top(
      common,
      _pt_top_set(null, pts.level),
      map.attrs.gfp,
    );
    if (table_mem === null) {
      iommu_put_pages_list(free_list);
      return -ENOMEM;
    }
    free_list.push(table_mem);
    // The new table links to the lower table always at index 0
    top_range.va = 0n;
    top_range.top_level = pts.level;
    pts.table_lower = pts.table;
    pts.table = table_mem;
    pt_load_single_entry(pts);
    PT_WARN_ON(common, pts.index !== 0);
    fmt.install_table(pts, BigInt(pts.table_lower.phys), map.attrs);
    new_top_of_table = _pt_top_set(pts.table, pts.level);
  }
  if (should_fail(FP_TOP_RACE)) {
    // Another CPU grows the top first
    const ret2 = top_race_other_cpu(iommu, map);
    if (ret2) {
      iommu_put_pages_list(free_list);
      return ret2;
    }
  }
  const lock = iommu.driver_ops!.get_top_lock(iommu);
  void lock; // spin_lock_irqsave(lock)
  if (
    common.top_of_table !== top_of_table || top_of_table === new_top_of_table
  ) {
    iommu.stats.top_races++;
    iommu_put_pages_list(free_list);
    return -EAGAIN;
  }
  // No flushes for change_top: all new IOVA is non-present
  iommu.driver_ops!.change_top(iommu, BigInt(table_mem!.phys), new_level);
  iommu.stats.change_top++;
  common.top_of_table = new_top_of_table;
  return 0;
}

/** The racing CPU of `pt.top_race`: grows the top by one level. */
function top_race_other_cpu(iommu: PtIommu, map: MapArgs): number {
  const common = iommu.common;
  const fmt = common.fmt;
  const level = pt_top_get_level(common) + 1;
  if (level > fmt.PT_MAX_TOP_LEVEL || fmt.isz[level]! >= common.max_vasz_lg2) {
    return 0;
  }
  const mem = table_alloc_top(common, _pt_top_set(null, level), map.attrs.gfp);
  if (mem === null) return 0;
  const old = pt_top_table(common.top_of_table)!;
  const top_range = _pt_top_range(common, _pt_top_set(mem, level));
  const pts = pt_init_top(top_range);
  pts.index = 0;
  fmt.load_entry_raw(pts);
  fmt.install_table(pts, BigInt(old.phys), map.attrs);
  iommu.driver_ops!.change_top(iommu, BigInt(mem.phys), level);
  iommu.stats.change_top++;
  common.top_of_table = _pt_top_set(mem, level);
  return 0;
}

// check_map_range()
function check_map_range(iommu: PtIommu, range: PtRange, map: MapArgs): number {
  const common = iommu.common;
  let ret: number;
  do {
    ret = pt_check_range(range);
    if (!pt_feature(common, PT_FEAT_DYNAMIC_TOP)) return ret;
    if (!ret && map.leaf_level <= range.top_level) break;
    ret = increase_top(iommu, range, map);
    if (ret && ret !== -EAGAIN) return ret;
    // Reload the new top
    const r = pt_make_range(common, range.va, range.last_va);
    range.top_table = r.top_table;
    range.top_level = r.top_level;
    range.max_vasz_lg2 = r.max_vasz_lg2;
  } while (ret);
  PT_WARN_ON(common, pt_check_range(range) !== 0);
  return 0;
}

function do_map(
  iommu: PtIommu,
  range: PtRange,
  single_page: boolean,
  map: MapArgs,
): number {
  const common = iommu.common;
  if (
    single_page && iommu.lab.fast_path &&
    !pt_feature(common, PT_FEAT_DMA_INCOHERENT)
  ) {
    const ret = __map_single_page(range, map, iommu);
    if (ret !== -EAGAIN) {
      if (ret === 0) iommu.stats.fast_path++;
      return ret;
    }
    // EAGAIN falls through to the full path
  }
  let ret: number;
  do {
    ret = map.leaf_level === range.top_level
      ? pt_walk_range(range, __map_range_leaf, map)
      : pt_walk_range(range, __map_range, map);
  } while (ret === -EAGAIN);
  return ret;
}

// make_range_no_check() / make_range()
function make_range_no_check(
  common: PtCommon,
  iova: bigint,
  len: bigint,
): PtRange | number {
  if (len === 0n) return -EINVAL;
  const last = iova + len - 1n;
  if (last > U64_MAX) return -EOVERFLOW;
  return pt_make_range(common, iova, last);
}

function make_range(
  common: PtCommon,
  iova: bigint,
  len: bigint,
): PtRange | number {
  const r = make_range_no_check(common, iova, len);
  if (typeof r === "number") return r;
  const ret = pt_check_range(r);
  return ret ? ret : r;
}

/**
 * The tail `map_pages` and `map_range` share: grow the top if needed, map,
 * sync the gather if tables were freed, report `mapped`.
 */
function map_finish(
  iommu: PtIommu,
  range: PtRange,
  single_page: boolean,
  paddr: bigint,
  len: bigint,
  mapped: SizeRef,
): number {
  const common = iommu.common;
  const map = iommu._map_args;
  let ret = check_map_range(iommu, range, map);
  if (ret) return ret;
  PT_WARN_ON(common, map.leaf_level > range.top_level);
  ret = do_map(iommu, range, single_page, map);
  // Tables were replaced with large items: flush walk caches, free them
  if (iommu._map_gather.freelist.length !== 0) {
    iommu_iotlb_sync(iommu, iommu._map_gather);
  }
  PT_WARN_ON(common, !ret && map.oa - paddr !== len);
  mapped.value += map.oa - paddr;
  return ret;
}

/**
 * The checks and set-up `map_pages` and `map_range` share: the gather, the
 * prot and OA-size checks, the prot bits, and the range (or an errno).
 */
function map_begin(
  iommu: PtIommu,
  iova: bigint,
  paddr: bigint,
  len: bigint,
  prot: number,
  gfp: number,
): PtRange | number {
  const common = iommu.common;
  iommu._n.prot = -1;
  iommu_iotlb_gather_init(iommu._map_gather);
  if (WARN_ON(!(prot & (IOMMU_READ | IOMMU_WRITE)))) return -EINVAL;
  // Check the paddr doesn't exceed what the table can store
  if (
    common.max_oasz_lg2 !== 64 && (paddr >> BIG[common.max_oasz_lg2]!) !== 0n
  ) {
    return -ERANGE;
  }
  const map = iommu._map_args;
  map.iotlb_gather = iommu._map_gather;
  map.oa = paddr;
  const ret = common.fmt.iommu_set_prot(common, map.attrs, prot);
  if (ret) return ret;
  map.attrs.gfp = gfp;
  return make_range_no_check(common, iova, len);
}

/** `DOMAIN_NS(map_pages)`: map pgcount pages of pgsize at iova. */
export function pt_iommu_map_pages(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  pgsize: bigint,
  pgcount: bigint,
  prot: number,
  gfp: number,
  mapped: SizeRef,
): number {
  const iommu = domain as PtIommu;
  const saved = op_enter(iommu);
  try {
    return map_pages_op(iommu, iova, paddr, pgsize, pgcount, prot, gfp, mapped);
  } finally {
    op_exit(iommu, saved);
  }
}

function map_pages_op(
  iommu: PtIommu,
  iova: bigint,
  paddr: bigint,
  pgsize: bigint,
  pgcount: bigint,
  prot: number,
  gfp: number,
  mapped: SizeRef,
): number {
  const common = iommu.common;
  const fmt = common.fmt;
  const pgsize_bitmap = iommu.pgsize_bitmap;
  const len = pgsize * pgcount;
  if (iommu.lab.number_path) {
    const n_len = Number(len);
    const n_iova = Number(iova);
    const n_paddr = Number(paddr);
    if (n_map_fits(n_iova, n_paddr, n_len)) {
      const ref = iommu._n.mapped;
      ref.value = 0;
      const ret = map_pages_n_op(
        iommu,
        n_iova,
        n_paddr,
        Number(pgsize),
        Number(pgcount),
        prot,
        gfp,
        ref,
      );
      if (ret !== N_FALLBACK) {
        mapped.value += BigInt(ref.value);
        return ret;
      }
    }
  }
  const r = map_begin(iommu, iova, paddr, len, prot, gfp);
  if (typeof r === "number") return r;
  const range = r;
  const map = iommu._map_args;
  map.num_leaves = Infinity;
  let single_page = false;
  // Calculate target page size and level for the leaves
  if (
    fmt.has_system_page_size(common) && pgsize === PAGE_SIZE && pgcount === 1n
  ) {
    PT_WARN_ON(common, (pgsize_bitmap & PAGE_SIZE) === 0n);
    if (((iova | paddr) & (PAGE_SIZE - 1n)) !== 0n) return -ENXIO;
    map.leaf_pgsize_lg2 = PAGE_SHIFT;
    map.leaf_level = 0;
    single_page = true;
  } else {
    map.leaf_pgsize_lg2 = pt_compute_best_pgsize(
      pgsize_bitmap,
      range.va,
      range.last_va,
      paddr,
    );
    if (!map.leaf_pgsize_lg2) return -ENXIO;
    map.leaf_level = fmt.pgsz_lg2_to_level(common, map.leaf_pgsize_lg2);
  }
  return map_finish(iommu, range, single_page, paddr, len, mapped);
}

// ---- [2026] map_range: segments any range into best-size leaves itself

/**
 * [2026] `NS(map_range)(table, iova, paddr, len, prot, gfp, *mapped)`: map
 * `len` bytes at `iova`, any valid alignment, choosing the best page size at
 * every position (`pt_compute_best_pgsize` + `pt_pgsz_count`, recomputed by
 * `__map_range_leaf` where the size changes). One range check and top
 * growth for the whole call, one gather. `mapped` is added to, also on error
 * (the caller unmaps that prefix). Returns 0 or -errno.
 */
export function pt_iommu_map_range(
  iommu: PtIommu,
  iova: bigint,
  paddr: bigint,
  len: bigint,
  prot: number,
  gfp: number,
  mapped: SizeRef,
): number {
  const saved = op_enter(iommu);
  try {
    return map_range_op(iommu, iova, paddr, len, prot, gfp, mapped);
  } finally {
    op_exit(iommu, saved);
  }
}

function map_range_op(
  iommu: PtIommu,
  iova: bigint,
  paddr: bigint,
  len: bigint,
  prot: number,
  gfp: number,
  mapped: SizeRef,
): number {
  if (iommu.lab.number_path) {
    const n_len = Number(len);
    const n_iova = Number(iova);
    const n_paddr = Number(paddr);
    if (n_map_fits(n_iova, n_paddr, n_len)) {
      const ref = iommu._n.mapped;
      ref.value = 0;
      const ret = map_range_n_op(
        iommu,
        n_iova,
        n_paddr,
        n_len,
        prot,
        gfp,
        ref,
      );
      if (ret !== N_FALLBACK) {
        mapped.value += BigInt(ref.value);
        return ret;
      }
    }
  }
  const common = iommu.common;
  const fmt = common.fmt;
  const pgsize_bitmap = iommu.pgsize_bitmap;
  const r = map_begin(iommu, iova, paddr, len, prot, gfp);
  if (typeof r === "number") return r;
  const range = r;
  const map = iommu._map_args;
  let single_page = false;
  // Calculate target page size and level for the leaves
  if (
    fmt.has_system_page_size(common) && len === PAGE_SIZE &&
    (pgsize_bitmap & PAGE_SIZE) !== 0n
  ) {
    if (((iova | paddr) & (PAGE_SIZE - 1n)) !== 0n) return -ENXIO;
    map.leaf_pgsize_lg2 = PAGE_SHIFT;
    map.leaf_level = 0;
    map.num_leaves = 1;
    single_page = true;
  } else {
    map.leaf_pgsize_lg2 = pt_compute_best_pgsize(
      pgsize_bitmap,
      range.va,
      range.last_va,
      paddr,
    );
    if (!map.leaf_pgsize_lg2) return -ENXIO;
    map.leaf_level = fmt.pgsz_lg2_to_level(common, map.leaf_pgsize_lg2);
    map.num_leaves = Number(
      pt_pgsz_count(
        pgsize_bitmap,
        range.va,
        range.last_va,
        paddr,
        map.leaf_pgsize_lg2,
      ),
    );
  }
  return map_finish(iommu, range, single_page, paddr, len, mapped);
}

// ---- unmap

interface UnmapArgs {
  free_list: PtTableMem[];
  unmapped: bigint;
}

// __unmap_range()
function __unmap_range(
  range: PtRange,
  unmap: UnmapArgs,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const fmt = range.common.fmt;
  let flush_start = -1;
  let flush_end = -1;
  let num_oas = 0;
  let ret = 0;
  _pt_iter_first(pts);
  const start_index = pts.index;
  pts.type = fmt.load_entry_raw(pts);
  // A starting index in the middle of a contiguous entry
  if (pts.type === PT_ENTRY_OA) {
    if (log2_mod(range.va, pt_entry_oa_lg2sz(pts)) !== 0n) return -EINVAL;
  }
  for (;;) {
    if (pts.type !== PT_ENTRY_OA) {
      if (pts.type !== PT_ENTRY_TABLE) {
        ret = -EINVAL;
        break;
      }
      if (pts.index !== start_index) pt_index_to_va(pts);
      fmt.load_entry(pts);
      const fully_covered = pt_entry_fully_covered(pts, fmt.isz[level]!);
      ret = pt_descend(pts, unmap, __unmap_range);
      if (ret) break;
      // Fully covered: free the lower table too (clear delayed until now)
      if (fully_covered) {
        unmap.free_list.push(pts.table_lower!);
        fmt.clear_entries(pts, 0);
        if (flush_start < 0 || pts.index < flush_start) flush_start = pts.index;
        flush_end = pts.index + 1;
      }
      pts.index++;
    } else {
      // A last inside an entry unmaps the entire entry
      const n = fmt.entry_num_contig_lg2(pts);
      fmt.clear_entries(pts, n);
      num_oas += 2 ** n;
      if (flush_start < 0 || pts.index < flush_start) flush_start = pts.index;
      pts.index += 2 ** n;
      flush_end = pts.index;
    }
    if (pts.index >= pts.end_index) break;
    pts.type = fmt.load_entry_raw(pts);
  }
  unmap.unmapped += BigInt(num_oas) << BIG[fmt.isz[level]!]!;
  if (flush_start !== flush_end) {
    flush_writes_range(pts, flush_start, flush_end);
  }
  return ret;
}

/** `DOMAIN_NS(unmap_pages)`: bytes unmapped (iova + res is where it stopped). */
export function pt_iommu_unmap_pages(
  domain: IommuDomain,
  iova: bigint,
  pgsize: bigint,
  pgcount: bigint,
  gather: IommuIotlbGather,
): bigint {
  const iommu = domain as PtIommu;
  const saved = op_enter(iommu);
  try {
    return unmap_pages_op(iommu, iova, pgsize * pgcount, gather);
  } finally {
    op_exit(iommu, saved);
  }
}

function unmap_pages_op(
  iommu: PtIommu,
  iova: bigint,
  len: bigint,
  gather: IommuIotlbGather,
): bigint {
  const n_iova = Number(iova);
  const n_len = Number(len);
  if (
    iommu.lab.number_path && n_iova >= 0 && n_len >= 0 &&
    n_iova + n_len < N_LIMIT
  ) {
    const ret = unmap_pages_n_op(iommu, n_iova, n_len, gather);
    if (ret !== N_FALLBACK) return BigInt(ret);
  }
  const r = make_range(iommu.common, iova, len);
  if (typeof r === "number") return 0n;
  const unmap: UnmapArgs = { free_list: [], unmapped: 0n };
  pt_walk_range(r, __unmap_range, unmap);
  gather_range_pages(
    gather,
    iommu,
    iova,
    iommu.lab.fix_unmap_gather && unmap.unmapped !== 0n ? unmap.unmapped : len,
    unmap.free_list,
  );
  return unmap.unmapped;
}

/**
 * [2026] `NS(unmap_range)(table, iova, len, gather)` (99fb8afa16ad): the
 * unmap_pages walk over `len` bytes; bytes unmapped.
 */
export function pt_iommu_unmap_range(
  iommu: PtIommu,
  iova: bigint,
  len: bigint,
  gather: IommuIotlbGather,
): bigint {
  return pt_iommu_unmap_pages(iommu, iova, len, 1n, gather);
}

// ---- iova_to_phys

function __iova_to_phys(
  range: PtRange,
  res: { oa: bigint },
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  for (;;) {
    switch (pt_load_single_entry(pts)) {
      case PT_ENTRY_EMPTY:
        return -ENOENT;
      case PT_ENTRY_TABLE:
        pts.table = pts.table_lower!;
        pts.level--;
        continue;
      default:
        res.oa = pt_entry_oa_exact(pts);
        return 0;
    }
  }
}

/**
 * `DOMAIN_NS(iova_to_phys)`: the OA, 0 when not mapped, or (quirk) a
 * negative errno cast to u64 when the IOVA is outside the table.
 */
export function pt_iommu_iova_to_phys(
  domain: IommuDomain,
  iova: bigint,
): bigint {
  const iommu = domain as PtIommu;
  if (iommu.lab.number_path && iova >= 0n && iova <= U64_MAX) {
    const n = Number(iova);
    const ret = n < N_LIMIT
      ? pt_iommu_iova_to_phys_n(iommu, n)
      : pt_iommu_iova_to_phys_hl(
        iommu,
        Number(iova >> 32n),
        Number(iova & 0xffff_ffffn),
      );
    if (ret >= 0) return BigInt(ret);
    if (ret !== N_FALLBACK) return BigInt.asUintN(64, BigInt(ret));
  }
  const r = make_range(iommu.common, iova, 1n);
  if (typeof r === "number") return BigInt.asUintN(64, BigInt(r));
  const res = { oa: 0n };
  const ret = pt_walk_range(r, __iova_to_phys, res);
  return ret ? 0n : res.oa;
}

// ---- dirty tracking

/** `struct iommu_dirty_bitmap` (the lab keeps recorded ranges). */
export interface IommuDirtyBitmap {
  /** Recorded [iova, length] pairs (null: don't record). */
  bitmap: Array<[bigint, bigint]> | null;
  /** Gather for the clean operations. */
  gather: IommuIotlbGather;
}
/** `IOMMU_DIRTY_NO_CLEAR`. */
export const IOMMU_DIRTY_NO_CLEAR = 1;

interface DirtyArgs {
  dirty: IommuDirtyBitmap;
  flags: number;
}

function record_dirty(pts: PtState, dirty: IommuDirtyBitmap, n: number): void {
  const fmt = pts.range.common.fmt;
  const isz = fmt.isz[pts.level]!;
  let len: bigint;
  if (n > 0) {
    // Kernel: last_index_of_block is inclusive, end_index exclusive (the
    // suspected undercount, kept bit-exact).
    const last_index_of_block = pts.index | ((1 << n) - 1);
    len = BigInt(Math.min(last_index_of_block, pts.end_index) - pts.index) <<
      BIG[isz]!;
  } else {
    len = POW2[isz]!;
  }
  if (dirty.bitmap) dirty.bitmap.push([pts.range.va, len]);
  fmt.entry_make_write_clean(pts);
  iommu_iotlb_gather_add_range(dirty.gather, pts.range.va, len);
}

function __read_and_clear_dirty(
  range: PtRange,
  arg: DirtyArgs,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  const fmt = range.common.fmt;
  for (_pt_iter_first(pts); _pt_iter_load(pts); pt_next_entry(pts)) {
    if (pts.type === PT_ENTRY_TABLE) {
      const ret = pt_descend(pts, arg, __read_and_clear_dirty);
      if (ret) return ret;
      continue;
    }
    if (pts.type === PT_ENTRY_OA && fmt.entry_is_write_dirty(pts)) {
      if (arg.flags & IOMMU_DIRTY_NO_CLEAR) {
        const n = fmt.entry_num_contig_lg2(pts);
        const isz = fmt.isz[pts.level]!;
        const len = n > 0
          ? BigInt(
            Math.min(pts.index | ((1 << n) - 1), pts.end_index) - pts.index,
          ) << BIG[isz]!
          : POW2[isz]!;
        if (arg.dirty.bitmap) arg.dirty.bitmap.push([pts.range.va, len]);
      } else {
        record_dirty(pts, arg.dirty, fmt.entry_num_contig_lg2(pts));
      }
    }
  }
  return 0;
}

/** `DOMAIN_NS(read_and_clear_dirty)`. */
export function pt_iommu_read_and_clear_dirty(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  flags: number,
  dirty: IommuDirtyBitmap,
): number {
  const iommu = domain as PtIommu;
  if (!iommu.common.fmt.has_dirty) return -EOPNOTSUPP;
  const r = make_range(iommu.common, iova, size);
  if (typeof r === "number") return r;
  const ret = pt_walk_range(r, __read_and_clear_dirty, { dirty, flags });
  WARN_ON(ret !== 0);
  return ret;
}

function __set_dirty(
  range: PtRange,
  _arg: null,
  level: number,
  table: PtTableMem,
): number {
  const pts = pt_init(range, level, table);
  switch (pt_load_single_entry(pts)) {
    case PT_ENTRY_EMPTY:
      return -ENOENT;
    case PT_ENTRY_TABLE:
      return pt_descend(pts, null, __set_dirty);
    default:
      return range.common.fmt.entry_make_write_dirty(pts) ? 0 : -EAGAIN;
  }
}

/** `NS(set_dirty)` (iommufd selftest). */
export function pt_iommu_set_dirty(iommu: PtIommu, iova: bigint): number {
  const r = make_range(iommu.common, iova, 1n);
  if (typeof r === "number") return r;
  return pt_walk_range(r, __set_dirty, null);
}

// ---- get_info / deinit / init

/** `NS(get_info)`. */
export function pt_iommu_get_info(iommu: PtIommu, info: PtIommuInfo): void {
  const common = iommu.common;
  const fmt = common.fmt;
  const range = pt_top_range(common);
  const pts = pt_init_top(range);
  let bitmap = 0n;
  if (pt_feature(common, PT_FEAT_DYNAMIC_TOP)) {
    for (pts.level = 0; pts.level <= fmt.PT_MAX_TOP_LEVEL; pts.level++) {
      if (fmt.isz[pts.level]! >= common.max_vasz_lg2) break;
      bitmap |= fmt.possible_sizes(pts);
    }
  } else {
    for (pts.level = 0; pts.level <= range.top_level; pts.level++) {
      bitmap |= fmt.possible_sizes(pts);
    }
  }
  // Hide page sizes larger than the maximum OA
  bitmap &= MASK[common.max_oasz_lg2]!;
  // [2026] 04f1f4bf: and larger than the VA
  if (iommu.lab.fix_get_info_vasz) bitmap &= MASK[common.max_vasz_lg2]!;
  info.pgsize_bitmap = bitmap;
}

/** `NS(deinit)`: free the top and every lower table. */
export function pt_iommu_table_deinit(iommu: PtIommu): void {
  iommu._n.gen++;
  const common = iommu.common;
  const range = pt_all_range(common);
  const collect: CollectArgs = { free_list: [], check_mapped: false };
  collect.free_list.push(range.top_table!);
  pt_walk_range(range, __collect_tables, collect);
  iommu_put_pages_list(collect.free_list);
  common.top_of_table = pt_top_get_level(common);
}

/** `pt_iommu_deinit(iommu)`: safe before init and after a failed init. */
export function pt_iommu_deinit(iommu: PtIommu): void {
  if (iommu.pt_ops) iommu.pt_ops.deinit(iommu);
  iommu.pt_ops = null;
}

const pt_ops: PtIommuOps = {
  get_info: pt_iommu_get_info,
  deinit: pt_iommu_table_deinit,
  set_dirty: pt_iommu_set_dirty,
  map_range: pt_iommu_map_range,
  map_range_n: pt_iommu_map_range_n,
  unmap_range: pt_iommu_unmap_range,
  unmap_range_n: pt_iommu_unmap_range_n,
};

/** `IOMMU_PT_DOMAIN_OPS(fmt)`: the domain ops of a generic_pt table. */
export const IOMMU_PT_DOMAIN_OPS: IommuDomainOps = {
  map_pages: pt_iommu_map_pages,
  unmap_pages: pt_iommu_unmap_pages,
  iova_to_phys: pt_iommu_iova_to_phys,
  map_pages_n: pt_iommu_map_pages_n,
  unmap_pages_n: pt_iommu_unmap_pages_n,
  iova_to_phys_hl: pt_iommu_iova_to_phys_hl,
};

// pt_init_common()
function pt_init_common(common: PtCommon): number {
  const fmt = common.fmt;
  const top_range = pt_top_range(common);
  if (PT_WARN_ON(common, top_range.top_level > fmt.PT_MAX_TOP_LEVEL)) {
    return -EINVAL;
  }
  if (
    top_range.top_level === fmt.PT_MAX_TOP_LEVEL ||
    common.max_vasz_lg2 === top_range.max_vasz_lg2
  ) common.features &= ~(1 << PT_FEAT_DYNAMIC_TOP);
  if (top_range.max_vasz_lg2 === 64) common.features |= 1 << PT_FEAT_FULL_VA;
  // Requested features must match features compiled into this format
  if (
    (common.features & ~fmt.PT_SUPPORTED_FEATURES) !== 0 ||
    (!fmt.debug &&
      (common.features & fmt.PT_FORCE_ENABLED_FEATURES) !==
        fmt.PT_FORCE_ENABLED_FEATURES)
  ) return -EOPNOTSUPP;
  // Is the top level too small to hold max_vasz?
  if (
    !pt_feature(common, PT_FEAT_DYNAMIC_TOP) &&
    top_range.top_level !== fmt.PT_MAX_TOP_LEVEL
  ) {
    const l = top_range.top_level;
    if (common.max_vasz_lg2 > fmt.num_items_lg2_level(l) + fmt.isz[l]!) {
      return -EOPNOTSUPP;
    }
  }
  if (common.max_oasz_lg2 === 0) common.max_oasz_lg2 = fmt.max_oa_lg2(common);
  else {
    common.max_oasz_lg2 = Math.min(common.max_oasz_lg2, fmt.max_oa_lg2(common));
  }
  return 0;
}

// pt_iommu_init_domain()
function pt_iommu_init_domain(iommu: PtIommu): number {
  const common = iommu.common;
  const info: PtIommuInfo = { pgsize_bitmap: 0n };
  pt_iommu_get_info(iommu, info);
  iommu.type = __IOMMU_DOMAIN_PAGING;
  iommu.pgsize_bitmap = info.pgsize_bitmap;
  const range = pt_feature(common, PT_FEAT_DYNAMIC_TOP)
    ? _pt_top_range(common, _pt_top_set(null, common.fmt.PT_MAX_TOP_LEVEL))
    : pt_top_range(common);
  // 64-bit host: unsigned long holds every pt_vaddr_t
  iommu.geometry.aperture_start = range.va;
  iommu.geometry.aperture_end = range.last_va;
  iommu.geometry.force_aperture = true;
  iommu.is_iommupt = true;
  return 0;
}

/**
 * `pt_iommu_<fmt>_init(fmt_table, cfg, gfp)`. The caller may set
 * `driver_ops`, `nid`, `iommu_device` (and `ops` for the domain) first.
 */
export function pt_iommu_init(
  iommu: PtIommu,
  cfg: PtIommuCfg,
  gfp: number,
): number {
  const common = iommu.common;
  const fmt = common.fmt;
  owners.set(common, iommu);
  if (
    cfg.hw_max_vasz_lg2 > fmt.PT_MAX_VA_ADDRESS_LG2 || !cfg.hw_max_vasz_lg2 ||
    !cfg.hw_max_oasz_lg2
  ) return -EINVAL;
  // pt_iommu_zero()
  iommu.pt_ops = null;
  iommu._n = new PtNumCache(common);
  common.top_of_table = 0;
  common.features = cfg.features;
  common.max_vasz_lg2 = cfg.hw_max_vasz_lg2;
  common.max_oasz_lg2 = cfg.hw_max_oasz_lg2;
  let ret = fmt.iommu_fmt_init(common, cfg);
  if (ret) return ret;
  if (cfg.hw_max_oasz_lg2 > fmt.max_oa_lg2(common)) return -EINVAL;
  ret = pt_init_common(common);
  if (ret) return ret;
  if (pt_feature(common, PT_FEAT_DYNAMIC_TOP) && WARN_ON(!iommu.driver_ops)) {
    return -EINVAL;
  }
  if (
    pt_feature(common, PT_FEAT_SIGN_EXTEND) &&
    (pt_feature(common, PT_FEAT_FULL_VA) ||
      pt_feature(common, PT_FEAT_DYNAMIC_TOP))
  ) return -EINVAL;
  if (
    pt_feature(common, PT_FEAT_DMA_INCOHERENT) && WARN_ON(!iommu.iommu_device)
  ) return -EINVAL;
  ret = pt_iommu_init_domain(iommu);
  if (ret) return ret;
  const mem = table_alloc_top(common, common.top_of_table, gfp);
  if (mem === null) return -ENOMEM;
  pt_top_set(common, mem, pt_top_get_level(common));
  if (iommu.ops === null) iommu.ops = IOMMU_PT_DOMAIN_OPS;
  // Must be last, see pt_iommu_deinit()
  iommu.pt_ops = pt_ops;
  return 0;
}

/** `pt_iommu_<fmt>_hw_info(table, info)`. */
export function pt_iommu_hw_info(iommu: PtIommu): PtHwInfo {
  const r = pt_top_range(iommu.common);
  return iommu.common.fmt.iommu_fmt_hw_info(
    BigInt(r.top_table!.phys),
    r.top_level,
  );
}

// ---- number fast paths
//
// The same walkers on JS numbers, for tables whose format has a number codec
// and requests whose VAs and OAs lie below 2^53 (everything else takes the
// bigint walkers above). Entries are read and written as 32-bit words; rare
// steps (a new table, clear_contig, increase_top) build a bigint `pt_state`
// and call the bigint code.

/** Returned by a number path that cannot take the request (use bigint). */
export const N_FALLBACK: number = Number.MIN_SAFE_INTEGER;
/** 2^53: the number paths need every VA and OA below it. */
export const N_LIMIT = 2 ** 53;

/** Whether a map of `len` bytes at `iova` to `paddr` can run on numbers. */
function n_map_fits(iova: number, paddr: number, len: number): boolean {
  return iova >= 0 && paddr >= 0 && len >= 0 && iova + len < N_LIMIT &&
    paddr + len < N_LIMIT;
}

/** A `size_t *` out-parameter on the number paths. */
export interface NumRef {
  /** The value. */
  value: number;
}

/** @internal Per-table caches of the number paths. */
export class PtNumCache {
  /** `common.top_of_table` the top fields were read for (-1: stale). */
  top_of_table = -1;
  /** `pgsize_bitmap` the size tables were built for. */
  pgsize_bitmap = -1n;
  /** Whether the number paths apply to this table at all. */
  ok = false;
  /** The top table and its level and VA bits (`_pt_top_range`). */
  top_table: PtTableMem | null = null;
  /** See `top_table`. */
  top_level = 0;
  /** See `top_table`. */
  top_vasz = 0;
  /** `PT_FEAT_DMA_INCOHERENT`. */
  incoherent = false;
  /** `PT_FEAT_DYNAMIC_TOP`. */
  dyn_top = false;
  /** `PT_FEAT_SIGN_EXTEND`. */
  sign_extend = false;
  /** `PT_FEAT_FLUSH_RANGE_NO_GAPS`. */
  no_gaps = false;
  /** `pgsize_bitmap` has PAGE_SIZE. */
  has_4k = false;
  /** `pt_has_system_page_size()` (fixed at init). */
  sys_page = false;
  /** `pt_pgsz_lg2_to_level()` per page size lg2 (fixed at init). */
  lvl_of: Int8Array = new Int8Array(65);
  /** SW bit 0 (CACHE_FLUSH_DONE), low word. */
  sw0_lo = 0;
  /** SW bit 0 (CACHE_FLUSH_DONE), high word. */
  sw0_hi = 0;
  /**
   * Per level, then the whole pgsize_bitmap at slot 8 (stride 65): the
   * largest page size lg2 <= k, 0 if none.
   */
  best: Int8Array = new Int8Array(9 * 65);
  /** Per level: `pt_can_have_leaf()`. */
  can_leaf: Uint8Array = new Uint8Array(8);
  /** Per level: the format's item lg2 size. */
  isz: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Per level: the format's `pt_num_items_lg2`. */
  items: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** prot the attribute words were computed for (-1: none). */
  prot = -1;
  /** Descriptor bits of `prot`, low word. */
  alo = 0;
  /** Descriptor bits of `prot`, high word. */
  ahi = 0;
  /** map_pages' OA cursor. */
  oa = 0;
  /** map_range: the VA a walk resumes at after -EAGAIN (`range->va`). */
  va = 0;
  /** The smallest supported page size lg2 > k, -1 if none (`pt_pgsz_count`). */
  gt: Int8Array = new Int8Array(65);
  /** unmap_pages' byte count. */
  unmapped = 0;
  /** unmap_pages' free list (reused). */
  free_list: PtTableMem[] = [];
  /** The bigint map ops' `*mapped` for the number walk (reused). */
  mapped: NumRef = { value: 0 };
  /** Bumped by every op that may change or free a table pointer. */
  gen = 0;
  /**
   * Walk cache of iova_to_phys: the last lower table a walk ended in, valid
   * while `wc_gen === gen`, for IOVAs whose bits at and above `wc_p` match.
   * Table pointers change only through map/unmap/increase_top/deinit, which
   * bump `gen`; code that rewrites table entries directly (the format API)
   * must bump `gen` too before translating through this table.
   */
  wc_gen = -1;
  /** See `wc_gen`. */
  wc_table: PtTableMem | null = null;
  /** See `wc_gen`. */
  wc_level = 0;
  /** See `wc_gen`. */
  wc_p = 0;
  /** See `wc_gen`. */
  wc_phi = 0;
  /** See `wc_gen`. */
  wc_plo = 0;
  /** lg2 size of the leaf entry the last number iova_to_phys found (0: none). */
  leaf_lg2 = 0;
  /** The table a successful n_new_table() installed. */
  lower: PtTableMem | null = null;
  /** Scratch bigint range for the rare steps. */
  slow_range: PtRange;
  /** Scratch bigint state for the rare steps. */
  slow_pts: PtState;
  /** An empty cache for `common`. */
  constructor(common: PtCommon) {
    this.slow_range = new PtRange(common, null, 0n, 0n, 0, 0);
    this.slow_pts = new PtState(
      this.slow_range,
      0,
      null as unknown as PtTableMem,
    );
  }
}

// The top, features and per-level constants (the features are fixed at init)
function n_refresh_top(iommu: PtIommu, nc: PtNumCache): void {
  const common = iommu.common;
  const fmt = common.fmt;
  const tot = common.top_of_table;
  const r = _pt_top_range(common, tot);
  nc.top_of_table = tot;
  nc.top_table = r.top_table;
  nc.top_level = r.top_level;
  nc.top_vasz = r.max_vasz_lg2;
  nc.ok = fmt.n_codec && fmt.full_va_prefix(common) === 0n &&
    r.top_table !== null;
  nc.incoherent = pt_feature(common, PT_FEAT_DMA_INCOHERENT);
  nc.dyn_top = pt_feature(common, PT_FEAT_DYNAMIC_TOP);
  nc.sign_extend = pt_feature(common, PT_FEAT_SIGN_EXTEND);
  nc.no_gaps = pt_feature(common, PT_FEAT_FLUSH_RANGE_NO_GAPS);
  if (fmt.has_sw_bit) {
    const b = fmt.sw_bit(SW_BIT_CACHE_FLUSH_DONE);
    nc.sw0_lo = Number(b & 0xffff_ffffn);
    nc.sw0_hi = Number(b >> 32n);
  }
  for (let l = 0; l < 8; l++) {
    nc.isz[l] = fmt.isz[l]!;
    nc.items[l] = fmt.n_items_lg2[l]!;
  }
  nc.sys_page = fmt.has_system_page_size(common);
  for (let k = 0; k <= 64; k++) {
    const lvl = fmt.pgsz_lg2_to_level(common, k);
    nc.lvl_of[k] = lvl >= 0 && lvl < 8 ? lvl : -1;
  }
}

// compute_best_pgsize()'s possible_sizes(level) & pgsize_bitmap, as tables
function n_refresh_sizes(iommu: PtIommu, nc: PtNumCache): void {
  const common = iommu.common;
  const fmt = common.fmt;
  nc.pgsize_bitmap = iommu.pgsize_bitmap;
  nc.has_4k = (iommu.pgsize_bitmap & PAGE_SIZE) !== 0n;
  const pts = pt_init_top(pt_top_range(common));
  for (let level = 0; level < 9; level++) {
    let bm = 0n;
    if (level === 8) bm = iommu.pgsize_bitmap;
    else if (level <= fmt.PT_MAX_TOP_LEVEL) {
      pts.level = level;
      nc.can_leaf[level] = fmt.can_have_leaf(pts) ? 1 : 0;
      if (nc.can_leaf[level]) {
        bm = fmt.possible_sizes(pts) & iommu.pgsize_bitmap;
      }
    }
    let best = 0;
    for (let k = 0; k <= 64; k++) {
      if (k < 64 && (bm & POW2[k]!) !== 0n) best = k;
      nc.best[level * 65 + k] = best;
    }
  }
  let gt = -1;
  for (let k = 64; k >= 0; k--) {
    nc.gt[k] = gt;
    if (k < 64 && (iommu.pgsize_bitmap & POW2[k]!) !== 0n) gt = k;
  }
}

/** The number cache of `iommu` if the number walks apply, else null. */
function n_ready(iommu: PtIommu): PtNumCache | null {
  if (!iommu.lab.number_path) return null;
  const nc = iommu._n;
  if (nc.top_of_table !== iommu.common.top_of_table) n_refresh_top(iommu, nc);
  return nc.ok ? nc : null;
}

/** {@link n_ready} plus the page-size tables map needs. */
function n_ready_map(iommu: PtIommu): PtNumCache | null {
  const nc = n_ready(iommu);
  if (nc !== null && nc.pgsize_bitmap !== iommu.pgsize_bitmap) {
    n_refresh_sizes(iommu, nc);
  }
  return nc;
}

/** Exact `a | b` of numbers below 2^53. */
function or53(a: number, b: number): number {
  return (Math.floor(a / TWO32) | Math.floor(b / TWO32)) * TWO32 +
    (((a >>> 0) | (b >>> 0)) >>> 0);
}

/** `pt_check_range()` of [va, last] against the cached top. */
function n_check_range(nc: PtNumCache, va: number, last: number): number {
  const m = nc.top_vasz;
  if (nc.sign_extend && va >= POW2N[m - 1]!) return -ERANGE;
  return va < POW2N[m]! && last < POW2N[m]! ? 0 : -ERANGE;
}

/** `pt_range_to_index()`. */
function n_index(
  nc: PtNumCache,
  va: number,
  level: number,
): number {
  const isz = nc.isz[level]!;
  const q = div2n(va, isz);
  if (level !== nc.top_level) return q & (POW2N[nc.items[level]!]! - 1);
  const bits = nc.top_vasz - isz;
  return bits < 31 ? q & (POW2N[bits]! - 1) : mod2n(q, bits);
}

/** `pt_range_to_end_index()` (exclusive). */
function n_end_index(
  nc: PtNumCache,
  va: number,
  last: number,
  level: number,
  index: number,
): number {
  if (va === last) return index + 1;
  const isz = nc.isz[level]!;
  if (level === nc.top_level) {
    return div2n(mod2n(last, nc.top_vasz), isz) + 1;
  }
  const n = nc.items[level]!;
  if (div2n(va, n + isz) === div2n(last, n + isz)) {
    return (div2n(last, isz) & (POW2N[n]! - 1)) + 1;
  }
  return POW2N[n]!;
}

/** `pt_index_to_va()`: the VA of `index` at `level`, upper bits from `va`. */
function n_index_to_va(
  nc: PtNumCache,
  common: PtCommon,
  va: number,
  index: number,
  level: number,
): number {
  const isz = nc.isz[level]!;
  const t = level === nc.top_level
    ? nc.top_vasz
    : Math.min(common.max_vasz_lg2, nc.items[level]! + isz);
  return va - mod2n(va, t) + index * POW2N[isz]!;
}

/** `pt_compute_best_pgsize()` for a leaf at `level` (0: none). */
function n_best_pgsize(
  nc: PtNumCache,
  level: number,
  va: number,
  last: number,
  oa: number,
): number {
  if (va >= last) return 0;
  let best = fls53(last - va + 1) - 1;
  const a = ffs53(va);
  if (a < best) best = a;
  const o = ffs53(oa);
  if (o < best) best = o;
  return nc.best[level * 65 + best]!;
}

/** `pt_pgsz_count()`: leaves of 2^lg2 until a larger size becomes usable. */
function n_pgsz_count(
  nc: PtNumCache,
  va: number,
  last: number,
  oa: number,
  lg2: number,
): number {
  let len = last - va + 1;
  const next = nc.gt[lg2]!;
  // next >= 53: va ^ oa is aligned only when va === oa, and then the
  // boundary lies beyond last
  if (next >= 0 && next < 53) {
    const off = mod2n(va, next);
    if (off === mod2n(oa, next)) {
      const dist = POW2N[next]! - off;
      if (dist < len) len = dist;
    }
  }
  return div2n(len, lg2);
}

/** `pt_install_leaf_entry()` with the debug argument checks. */
function n_install_leaf(
  nc: PtNumCache,
  common: PtCommon,
  table: PtTableMem,
  index: number,
  oa: number,
  oasz_lg2: number,
  level: number,
): void {
  const fmt = common.fmt;
  if (fmt.debug) {
    const isz = nc.isz[level]!;
    if (PT_WARN_ON(common, mod2n(oa, oasz_lg2) !== 0)) return;
    if (
      PT_WARN_ON(
        common,
        oasz_lg2 < isz || oasz_lg2 > isz + nc.items[level]!,
      )
    ) return;
    if (PT_WARN_ON(common, mod2n(index, oasz_lg2 - isz) !== 0)) return;
  }
  fmt.n_install_leaf_entry(
    table.u32,
    index,
    oa,
    oasz_lg2,
    level,
    nc.alo,
    nc.ahi,
  );
}

/** A bigint `pt_state` for the entry at `index` (rare steps only). */
function n_slow_pts(
  nc: PtNumCache,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
  index: number,
): PtState {
  const r = nc.slow_range;
  r.top_table = nc.top_table;
  r.va = BigInt(va);
  r.last_va = BigInt(last);
  r.top_level = nc.top_level;
  r.max_vasz_lg2 = nc.top_vasz;
  const pts = nc.slow_pts;
  pts.range = r;
  pts.level = level;
  pts.table = table;
  pts.index = index;
  pts.table_lower = null;
  pts.entry = table.u64[index]!;
  pts.type = PT_ENTRY_EMPTY;
  return pts;
}

// pt_iommu_new_table() through the bigint code; the table lands in nc.lower
function n_new_table(
  nc: PtNumCache,
  map: MapArgs,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
  index: number,
): number {
  const pts = n_slow_pts(nc, va, last, level, table, index);
  const ret = pt_iommu_new_table(pts, map.attrs);
  nc.lower = ret ? null : pts.table_lower;
  return ret;
}

// clear_contig(): a scan for the common all-empty case, else the bigint code
function n_clear_contig(
  nc: PtNumCache,
  map: MapArgs,
  fmt: PtFormat,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
  index: number,
  step: number,
): number {
  const t = table.u32;
  const end = index + step;
  let i = index;
  while (i < end && fmt.n_type(t[i * 2]!, t[i * 2 + 1]!, level) === 0) i++;
  if (i === end) return 0;
  return clear_contig(
    n_slow_pts(nc, va, last, level, table, index),
    map.iotlb_gather,
    step,
  );
}

// __map_range_leaf(); on -EAGAIN the walk resumes at nc.va
function n_map_range_leaf(
  nc: PtNumCache,
  common: PtCommon,
  map: MapArgs,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
): number {
  const fmt = common.fmt;
  const leaf_pgsize_lg2 = map.leaf_pgsize_lg2;
  let oa = nc.oa;
  let ret = 0;
  if (fmt.debug) {
    PT_WARN_ON(common, map.leaf_level !== level);
    PT_WARN_ON(common, nc.can_leaf[level] === 0);
  }
  const step_lg2 = leaf_pgsize_lg2 - nc.isz[level]!;
  const step = POW2N[step_lg2]!;
  const need_contig = step_lg2 !== 0;
  const size = POW2N[leaf_pgsize_lg2]!;
  let index = n_index(nc, va, level);
  const orig_end = n_end_index(nc, va, last, level, index);
  PT_WARN_ON(common, index > orig_end);
  const start_index = index;
  let end_index = orig_end;
  const leaves_avail = (orig_end - index) >>> step_lg2;
  let num_leaves: number;
  if (map.num_leaves <= leaves_avail) {
    // Need to stop in the middle of the table to change sizes
    end_index = index + map.num_leaves * step;
    num_leaves = 0;
  } else {
    num_leaves = map.num_leaves - leaves_avail;
  }
  if (fmt.debug) {
    PT_WARN_ON(common, ((end_index - index) & (step - 1)) !== 0);
  }
  const t = table.u32;
  const va0 = va; // aligned to the leaf size (pt_compute_best_pgsize)
  do {
    if (need_contig || fmt.n_type(t[index * 2]!, t[index * 2 + 1]!, level)) {
      if (index !== start_index) {
        va = n_index_to_va(nc, common, va, index, level);
      }
      ret = n_clear_contig(nc, map, fmt, va, last, level, table, index, step);
      if (ret) break;
    }
    if (fmt.debug) {
      va = n_index_to_va(nc, common, va, index, level);
      PT_WARN_ON(
        common,
        n_best_pgsize(nc, level, va, last, oa) !== leaf_pgsize_lg2,
      );
    }
    n_install_leaf(nc, common, table, index, oa, leaf_pgsize_lg2, level);
    oa += size;
    index += step;
  } while (index < end_index);
  if (index !== start_index && nc.incoherent) {
    iommu_from_common(common).stats.flushes++;
  }
  nc.oa = oa;
  map.num_leaves = num_leaves;
  if (ret || num_leaves) return ret;
  // The VA after the last leaf
  const next_va = va0 + (index - start_index) * POW2N[nc.isz[level]!]!;
  if (next_va - 1 === last) {
    PT_WARN_ON(common, index !== orig_end);
    return 0;
  }
  // Reached a point where the page size changed, compute the new parameters
  map.leaf_pgsize_lg2 = n_best_pgsize(nc, 8, next_va, last, oa);
  // No size fits the rest: the kernel ends in pt_iommu_new_table()'s
  // PT_WARN_ON and -ENXIO
  if (PT_WARN_ON(common, map.leaf_pgsize_lg2 === 0)) return -ENXIO;
  map.leaf_level = nc.lvl_of[map.leaf_pgsize_lg2]!;
  map.num_leaves = n_pgsz_count(nc, next_va, last, oa, map.leaf_pgsize_lg2);
  // Didn't finish this table level, caller will repeat it
  if (index !== orig_end) {
    nc.va = next_va;
    return -EAGAIN;
  }
  return 0;
}

// __map_range(); on -EAGAIN the walk resumes at nc.va
function n_map_range(
  nc: PtNumCache,
  common: PtCommon,
  map: MapArgs,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
): number {
  const fmt = common.fmt;
  if (fmt.debug) {
    PT_WARN_ON(common, map.leaf_level === level);
    PT_WARN_ON(common, level === 0);
  }
  let index = n_index(nc, va, level);
  const end_index = n_end_index(nc, va, last, level, index);
  PT_WARN_ON(common, index > end_index);
  const t = table.u32;
  for (;;) {
    const lo = t[index * 2]!;
    const hi = t[index * 2 + 1]!;
    const d = fmt.n_decode(lo, hi, level);
    let lower: PtTableMem | null;
    if (d < 0) {
      if (d !== N_ENTRY_EMPTY) return -EADDRINUSE;
      const ret = n_new_table(nc, map, va, last, level, table, index);
      if (ret) {
        // Racing with another thread installing a table: reload this index
        if (ret === -EAGAIN) continue;
        return ret;
      }
      lower = nc.lower;
    } else {
      lower = pt_pfn_to_table_n(d);
      // A racing sharer may still be flushing: flush too
      if (
        nc.incoherent && ((lo & nc.sw0_lo) | (hi & nc.sw0_hi)) === 0
      ) iommu_from_common(common).stats.flushes++;
    }
    if (PT_WARN_ON(common, lower === null)) return -EINVAL;
    // -EAGAIN: the page size changed inside the lower table, descend again
    let ret: number;
    for (;;) {
      ret = map.leaf_level === level - 1
        ? n_map_range_leaf(nc, common, map, va, last, level - 1, lower!)
        : n_map_range(nc, common, map, va, last, level - 1, lower!);
      if (ret !== -EAGAIN) break;
      va = nc.va;
    }
    if (ret) return ret;
    index++;
    if (index >= end_index) break;
    va = n_index_to_va(nc, common, va, index, level);
    // The target level became this level: have the caller invoke
    // __map_range_leaf()
    if (map.leaf_level === level) {
      nc.va = va;
      return -EAGAIN;
    }
  }
  return 0;
}

// __map_single_page()
function n_map_single_page(
  nc: PtNumCache,
  common: PtCommon,
  va: number,
): number {
  const fmt = common.fmt;
  let level = nc.top_level;
  let table = nc.top_table!;
  for (;;) {
    const index = n_index(nc, va, level);
    const t = table.u32;
    const d = fmt.n_decode(t[index * 2]!, t[index * 2 + 1]!, level);
    if (level === 0) {
      if (d !== N_ENTRY_EMPTY) return -EADDRINUSE;
      n_install_leaf(nc, common, table, index, nc.oa, PAGE_SHIFT, 0);
      // No flush, not used when incoherent
      nc.oa += 4096;
      return 0;
    }
    if (d < 0) return -EAGAIN;
    const lower = pt_pfn_to_table_n(d);
    if (PT_WARN_ON(common, lower === null)) return -EINVAL;
    table = lower!;
    level--;
  }
}

// check_map_range()
function n_check_map_range(
  iommu: PtIommu,
  nc: PtNumCache,
  va: number,
  last: number,
  map: MapArgs,
): number {
  const common = iommu.common;
  let ret: number;
  do {
    ret = n_check_range(nc, va, last);
    if (!nc.dyn_top) return ret;
    if (!ret && map.leaf_level <= nc.top_level) break;
    ret = increase_top(
      iommu,
      pt_make_range(common, BigInt(va), BigInt(last)),
      map,
    );
    if (ret && ret !== -EAGAIN) return ret;
    // Reload the new top
    n_refresh_top(iommu, nc);
  } while (ret);
  PT_WARN_ON(common, n_check_range(nc, va, last) !== 0);
  return 0;
}

// do_map()'s full path: walk from the top, again after each -EAGAIN
function n_do_map(
  nc: PtNumCache,
  common: PtCommon,
  map: MapArgs,
  va: number,
  last: number,
): number {
  for (;;) {
    const ret = map.leaf_level === nc.top_level
      ? n_map_range_leaf(nc, common, map, va, last, nc.top_level, nc.top_table!)
      : n_map_range(nc, common, map, va, last, nc.top_level, nc.top_table!);
    if (ret !== -EAGAIN) return ret;
    va = nc.va;
  }
}

/**
 * The set-up `map_pages` and `map_range` share on numbers: the walk cache
 * generation, the table's number cache, the gather, the prot and OA-size
 * checks and the prot's attribute words. Returns the cache, -errno, or
 * {@link N_FALLBACK}.
 */
function n_map_begin(
  iommu: PtIommu,
  paddr: number,
  len: number,
  prot: number,
  gfp: number,
): PtNumCache | number {
  const nc = n_ready_map(iommu);
  if (nc === null) return N_FALLBACK;
  const common = iommu.common;
  iommu_iotlb_gather_init(iommu._map_gather);
  if (WARN_ON(!(prot & (IOMMU_READ | IOMMU_WRITE)))) return -EINVAL;
  // Check the paddr doesn't exceed what the table can store
  if (paddr >= POW2N[common.max_oasz_lg2]!) return -ERANGE;
  const map = iommu._map_args;
  map.iotlb_gather = iommu._map_gather;
  if (prot !== nc.prot) {
    const ret = common.fmt.iommu_set_prot(common, map.attrs, prot);
    if (ret) return ret;
    const d = map.attrs.descriptor_bits;
    nc.alo = Number(d & 0xffff_ffffn);
    nc.ahi = Number(d >> 32n);
    nc.prot = prot;
  }
  map.attrs.gfp = gfp;
  if (len === 0) return -EINVAL;
  return nc;
}

/**
 * The shared tail: grow the top if needed, try the single-page fast path,
 * else walk; sync the gather if tables were freed; report `mapped`.
 */
function n_map_finish(
  iommu: PtIommu,
  nc: PtNumCache,
  single_page: boolean,
  iova: number,
  last: number,
  paddr: number,
  mapped: NumRef,
): number {
  const common = iommu.common;
  const map = iommu._map_args;
  const gather = iommu._map_gather;
  let ret = n_check_map_range(iommu, nc, iova, last, map);
  if (ret) return ret;
  PT_WARN_ON(common, map.leaf_level > nc.top_level);
  nc.oa = paddr;
  ret = N_FALLBACK;
  if (single_page && iommu.lab.fast_path && !nc.incoherent) {
    ret = n_map_single_page(nc, common, iova);
    if (ret === 0) iommu.stats.fast_path++;
    // EAGAIN falls through to the full path
    if (ret === -EAGAIN) ret = N_FALLBACK;
  }
  if (ret === N_FALLBACK) ret = n_do_map(nc, common, map, iova, last);
  // Tables were replaced with large items: flush walk caches, free them
  if (gather.freelist.length !== 0) iommu_iotlb_sync(iommu, gather);
  PT_WARN_ON(common, !ret && nc.oa - paddr !== last + 1 - iova);
  mapped.value += nc.oa - paddr;
  return ret;
}

/**
 * `DOMAIN_NS(map_pages)` on numbers: the caller guarantees that
 * `iova + pgsize * pgcount` and `paddr + pgsize * pgcount` are below 2^53.
 * Returns 0, -errno, or {@link N_FALLBACK} (nothing done: use the bigint op).
 */
export function pt_iommu_map_pages_n(
  domain: IommuDomain,
  iova: number,
  paddr: number,
  pgsize: number,
  pgcount: number,
  prot: number,
  gfp: number,
  mapped: NumRef,
): number {
  const iommu = domain as PtIommu;
  const saved = op_enter(iommu);
  try {
    return map_pages_n_op(
      iommu,
      iova,
      paddr,
      pgsize,
      pgcount,
      prot,
      gfp,
      mapped,
    );
  } finally {
    op_exit(iommu, saved);
  }
}

function map_pages_n_op(
  iommu: PtIommu,
  iova: number,
  paddr: number,
  pgsize: number,
  pgcount: number,
  prot: number,
  gfp: number,
  mapped: NumRef,
): number {
  const len = pgsize * pgcount;
  const nc = n_map_begin(iommu, paddr, len, prot, gfp);
  if (typeof nc === "number") return nc;
  const common = iommu.common;
  const fmt = common.fmt;
  const map = iommu._map_args;
  map.num_leaves = Infinity;
  const last = iova + len - 1;
  let single_page = false;
  // Calculate target page size and level for the leaves
  if (fmt.has_system_page_size(common) && pgsize === 4096 && pgcount === 1) {
    PT_WARN_ON(common, !nc.has_4k);
    if (((iova | paddr) & 4095) !== 0) return -ENXIO;
    map.leaf_pgsize_lg2 = PAGE_SHIFT;
    map.leaf_level = 0;
    single_page = true;
  } else {
    map.leaf_pgsize_lg2 = n_best_pgsize(nc, 8, iova, last, paddr);
    if (!map.leaf_pgsize_lg2) return -ENXIO;
    map.leaf_level = fmt.pgsz_lg2_to_level(common, map.leaf_pgsize_lg2);
  }
  return n_map_finish(iommu, nc, single_page, iova, last, paddr, mapped);
}

/**
 * [2026] `NS(map_range)` on numbers: the caller guarantees that `iova + len`
 * and `paddr + len` are below 2^53. Returns 0, -errno, or
 * {@link N_FALLBACK} (nothing done: use the bigint op).
 */
export function pt_iommu_map_range_n(
  iommu: PtIommu,
  iova: number,
  paddr: number,
  len: number,
  prot: number,
  gfp: number,
  mapped: NumRef,
): number {
  const saved = op_enter(iommu);
  try {
    return map_range_n_op(iommu, iova, paddr, len, prot, gfp, mapped);
  } finally {
    op_exit(iommu, saved);
  }
}

function map_range_n_op(
  iommu: PtIommu,
  iova: number,
  paddr: number,
  len: number,
  prot: number,
  gfp: number,
  mapped: NumRef,
): number {
  const nc = n_map_begin(iommu, paddr, len, prot, gfp);
  if (typeof nc === "number") return nc;
  const map = iommu._map_args;
  const last = iova + len - 1;
  let single_page = false;
  // Calculate target page size and level for the leaves
  if (nc.sys_page && len === 4096 && nc.has_4k) {
    if (((iova | paddr) & 4095) !== 0) return -ENXIO;
    map.leaf_pgsize_lg2 = PAGE_SHIFT;
    map.leaf_level = 0;
    map.num_leaves = 1;
    single_page = true;
  } else {
    map.leaf_pgsize_lg2 = n_best_pgsize(nc, 8, iova, last, paddr);
    if (!map.leaf_pgsize_lg2) return -ENXIO;
    map.leaf_level = nc.lvl_of[map.leaf_pgsize_lg2]!;
    map.num_leaves = n_pgsz_count(nc, iova, last, paddr, map.leaf_pgsize_lg2);
  }
  return n_map_finish(iommu, nc, single_page, iova, last, paddr, mapped);
}

// __unmap_range()
function n_unmap_range(
  nc: PtNumCache,
  common: PtCommon,
  va: number,
  last: number,
  level: number,
  table: PtTableMem,
): number {
  const fmt = common.fmt;
  const isz = nc.isz[level]!;
  let flush_start = -1;
  let flush_end = -1;
  let num_oas = 0;
  let ret = 0;
  let index = n_index(nc, va, level);
  const end_index = n_end_index(nc, va, last, level, index);
  PT_WARN_ON(common, index > end_index);
  const start_index = index;
  const t = table.u32;
  let lo = t[index * 2]!;
  let hi = t[index * 2 + 1]!;
  let d = fmt.n_decode(lo, hi, level);
  // A starting index in the middle of a contiguous entry
  if (d === N_ENTRY_OA) {
    const sz = fmt.n_entry_num_contig_lg2(lo, hi, level) + isz;
    if (mod2n(va, sz) !== 0) return -EINVAL;
  }
  for (;;) {
    if (d !== N_ENTRY_OA) {
      if (d === N_ENTRY_EMPTY) {
        ret = -EINVAL;
        break;
      }
      if (index !== start_index) {
        va = n_index_to_va(nc, common, va, index, level);
      }
      const lower = pt_pfn_to_table_n(d);
      // pt_entry_fully_covered(pts, isz)
      const fully_covered = mod2n(va, isz) === 0 &&
        (div2n(va, isz) !== div2n(last, isz) ||
          mod2n(last, isz) === POW2N[isz]! - 1);
      if (PT_WARN_ON(common, lower === null)) {
        ret = -EINVAL;
        break;
      }
      ret = n_unmap_range(nc, common, va, last, level - 1, lower!);
      if (ret) break;
      // Fully covered: free the lower table too (clear delayed until now)
      if (fully_covered) {
        nc.free_list.push(lower!);
        t[index * 2] = 0;
        t[index * 2 + 1] = 0;
        if (flush_start < 0 || index < flush_start) flush_start = index;
        flush_end = index + 1;
      }
      index++;
    } else {
      // A last inside an entry unmaps the entire entry
      const n = fmt.n_entry_num_contig_lg2(lo, hi, level);
      const cnt = POW2N[n]!;
      PT_WARN_ON(common, (index & (cnt - 1)) !== 0);
      for (let i = index * 2; i < (index + cnt) * 2; i++) t[i] = 0;
      num_oas += cnt;
      if (flush_start < 0 || index < flush_start) flush_start = index;
      index += cnt;
      flush_end = index;
    }
    if (index >= end_index) break;
    lo = t[index * 2]!;
    hi = t[index * 2 + 1]!;
    d = fmt.n_decode(lo, hi, level);
  }
  nc.unmapped += num_oas * POW2N[isz]!;
  if (flush_start !== flush_end && nc.incoherent) {
    iommu_from_common(common).stats.flushes++;
  }
  return ret;
}

/**
 * `DOMAIN_NS(unmap_pages)` on numbers (`iova + pgsize * pgcount` below
 * 2^53): bytes unmapped, or {@link N_FALLBACK} (nothing done).
 */
export function pt_iommu_unmap_pages_n(
  domain: IommuDomain,
  iova: number,
  pgsize: number,
  pgcount: number,
  gather: IommuIotlbGather,
): number {
  const iommu = domain as PtIommu;
  const saved = op_enter(iommu);
  try {
    return unmap_pages_n_op(iommu, iova, pgsize * pgcount, gather);
  } finally {
    op_exit(iommu, saved);
  }
}

function unmap_pages_n_op(
  iommu: PtIommu,
  iova: number,
  len: number,
  gather: IommuIotlbGather,
): number {
  const nc = n_ready(iommu);
  if (nc === null) return N_FALLBACK;
  const common = iommu.common;
  if (len === 0) return 0;
  const last = iova + len - 1;
  if (n_check_range(nc, iova, last)) return 0;
  nc.unmapped = 0;
  n_unmap_range(nc, common, iova, last, nc.top_level, nc.top_table!);
  const unmapped = nc.unmapped;
  const glen = iommu.lab.fix_unmap_gather && unmapped !== 0 ? unmapped : len;
  if (nc.no_gaps && iommu_iotlb_gather_is_disjoint_n(gather, iova, glen)) {
    iommu_iotlb_sync(iommu, gather);
  }
  if (!gather.queued) iommu_iotlb_gather_add_range_n(gather, iova, glen);
  const fl = nc.free_list;
  for (let i = 0; i < fl.length; i++) gather.freelist.push(fl[i]!);
  fl.length = 0;
  return unmapped;
}

/**
 * [2026] `NS(unmap_range)` on numbers (`iova + len` below 2^53): bytes
 * unmapped, or {@link N_FALLBACK} (nothing done).
 */
export function pt_iommu_unmap_range_n(
  iommu: PtIommu,
  iova: number,
  len: number,
  gather: IommuIotlbGather,
): number {
  return pt_iommu_unmap_pages_n(iommu, iova, len, 1, gather);
}

/** Bits [pos, pos + n) of the 64-bit value hi:lo (n <= 31). */
function bits64(hi: number, lo: number, pos: number, n: number): number {
  const mask = POW2N[n]! - 1;
  if (pos >= 32) return (hi >>> (pos - 32)) & mask;
  if (pos + n <= 32) return (lo >>> pos) & mask;
  return ((lo >>> pos) | (hi << (32 - pos))) & mask;
}

/**
 * `DOMAIN_NS(iova_to_phys)` on numbers, for any 64-bit IOVA given as its
 * high and low 32-bit words: the OA, 0 when not mapped, a negative errno
 * when outside the table, or {@link N_FALLBACK} (the OA is not exactly a
 * number, or no number codec). OAs of 2^53 and more are returned when
 * exact (e.g. page aligned).
 */
export function pt_iommu_iova_to_phys_hl(
  domain: IommuDomain,
  hi: number,
  lo: number,
): number {
  const iommu = domain as PtIommu;
  const nc = n_ready(iommu);
  if (nc === null) return N_FALLBACK;
  nc.leaf_lg2 = 0;
  const fmt = iommu.common.fmt;
  // pt_check_range(): the bits at and above m must equal the prefix
  const m = nc.top_vasz;
  if (m < 64) {
    const ones = nc.sign_extend && bits64(hi, lo, m - 1, 1) !== 0;
    if (m >= 32) {
      if (hi >>> (m - 32) !== (ones ? (0xffffffff >>> (m - 32)) : 0)) {
        return -ERANGE;
      }
    } else if (
      hi !== (ones ? 0xffffffff : 0) ||
      lo >>> m !== (ones ? 0xffffffff >>> m : 0)
    ) return -ERANGE;
  }
  let level = nc.top_level;
  let table: PtTableMem | null = nc.top_table;
  if (nc.wc_gen === nc.gen) {
    const p = nc.wc_p;
    if (
      p >= 32
        ? hi >>> (p - 32) === nc.wc_phi
        : hi === nc.wc_phi && lo >>> p === nc.wc_plo
    ) {
      level = nc.wc_level;
      table = nc.wc_table;
    }
  }
  for (;;) {
    const isz = nc.isz[level]!;
    if (
      level !== nc.top_level && (table !== nc.wc_table || nc.wc_gen !== nc.gen)
    ) {
      // Remember this table for the next lookup nearby
      const p = isz + nc.items[level]!;
      nc.wc_gen = nc.gen;
      nc.wc_table = table;
      nc.wc_level = level;
      nc.wc_p = p;
      nc.wc_phi = p >= 32 ? hi >>> (p - 32) : hi;
      nc.wc_plo = p >= 32 ? 0 : lo >>> p;
    }
    const index = bits64(
      hi,
      lo,
      isz,
      level === nc.top_level ? m - isz : nc.items[level]!,
    );
    const t = table!.u32;
    const elo = t[index * 2]!;
    const ehi = t[index * 2 + 1]!;
    const d = fmt.n_decode(elo, ehi, level);
    if (d === N_ENTRY_EMPTY) return 0;
    if (d !== N_ENTRY_OA) {
      table = pt_pfn_to_table_n(d);
      if (table === null) return N_FALLBACK;
      level--;
      continue;
    }
    const oa = fmt.n_entry_oa(elo, ehi, level);
    if (oa < 0) return N_FALLBACK;
    // pt_entry_oa_exact(): OR in the offset inside the entry
    const sz = fmt.n_entry_num_contig_lg2(elo, ehi, level) + isz;
    const off = sz >= 32
      ? (hi & (POW2N[sz - 32]! - 1)) * TWO32 + lo
      : (lo & (POW2N[sz]! - 1)) >>> 0;
    const low = mod2n(oa, sz);
    const base = oa - low;
    const add = low === 0 ? off : or53(low, off);
    const pa = base + add;
    // Above 2^53 only what a double holds exactly (e.g. page-aligned OAs)
    if (pa < N_LIMIT || pa - base === add) {
      nc.leaf_lg2 = sz;
      return pa;
    }
    return N_FALLBACK;
  }
}

/**
 * Lab: the lg2 size of the leaf entry that the last successful
 * {@link pt_iommu_iova_to_phys_hl} of `domain` translated through, or 0 when
 * the last call did not return an OA on the number path. Every IOVA in that
 * entry translates to `entry_oa | (iova mod 2^lg2)`.
 */
export function pt_iommu_last_leaf_lg2(domain: IommuDomain): number {
  return (domain as PtIommu)._n.leaf_lg2;
}

/** {@link pt_iommu_iova_to_phys_hl} for an IOVA below 2^53. */
export function pt_iommu_iova_to_phys_n(
  domain: IommuDomain,
  va: number,
): number {
  return pt_iommu_iova_to_phys_hl(domain, Math.floor(va / TWO32), va >>> 0);
}
