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
 * @module
 */
import { WARN_ON } from "../kernel/mod.ts";
import {
  _pt_top_set,
  IOMMU_READ,
  IOMMU_WRITE,
  PAGE_SHIFT,
  PAGE_SIZE,
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
  type PtRange,
  PtState,
  PtWriteAttrs,
} from "./defs.ts";
import type { PtFormat, PtHwInfo, PtIommuCfg } from "./format.ts";
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
  iommu_iotlb_gather_init,
  iommu_iotlb_gather_is_disjoint,
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
import {
  iommu_alloc_pages_sz,
  iommu_free_pages,
  iommu_put_pages_list,
  type PtTableMem,
} from "./_mem.ts";
import { declare_fault_point, should_fail } from "../kernel/fault.ts";
import { BIG, log2_mod, MASK, POW2, U64_MAX } from "./log2.ts";

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
}

/** Lab options of a table (not in the kernel struct). */
export interface PtIommuLabOptions {
  /** Use the single-page fast path (default true). */
  fast_path: boolean;
  /** [2026] gather the unmapped length, not the requested one. */
  fix_unmap_gather: boolean;
  /** [2026] get_info limits page sizes by max_vasz (04f1f4bf). */
  fix_get_info_vasz: boolean;
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
  /** DMA device for DMA_INCOHERENT tables. */
  iommu_device: object | null = null;
  /** Lab options. */
  lab: PtIommuLabOptions = {
    fast_path: true,
    fix_unmap_gather: true,
    fix_get_info_vasz: true,
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
  /** Creates an uninitialised table of `fmt`. */
  constructor(fmt: PtFormat) {
    super();
    this.common = new PtCommon(fmt);
    this._map_args = new MapArgs(this._map_gather);
    this._fast_pts = new PtState(
      null as unknown as PtRange,
      0,
      null as unknown as PtTableMem,
    );
  }
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
  return iommu_alloc_pages_sz(iommu, gfp, 2 ** lg2sz);
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
  if (!fmt.install_table(other, mem.physBig, attrs)) {
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
  if (!fmt.install_table(pts, mem.physBig, attrs)) {
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
    if (PT_WARN_ON(common, fmt.table_pa(pts) !== mem.physBig)) {
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
  num_leaves = 0n; // [2026] map_range
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

// __map_range_leaf()
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
  const isz = fmt.isz[level]!;
  const step = 2 ** (leaf_pgsize_lg2 - isz);
  const need_contig = leaf_pgsize_lg2 !== isz;
  const size = POW2[leaf_pgsize_lg2]!;
  _pt_iter_first(pts);
  const start_index = pts.index;
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
  return ret;
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
    const ret = map.leaf_level === level - 1
      ? pt_descend(pts, map, __map_range_leaf)
      : pt_descend(pts, map, __map_range);
    if (ret) return ret;
    pts.index++;
    pt_index_to_va(pts);
    if (pts.index >= pts.end_index) break;
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
    fmt.install_table(pts, pts.table_lower.physBig, map.attrs);
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
  iommu.driver_ops!.change_top(iommu, table_mem!.physBig, new_level);
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
  fmt.install_table(pts, old.physBig, map.attrs);
  iommu.driver_ops!.change_top(iommu, mem.physBig, level);
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
  if (map.leaf_level === range.top_level) {
    return pt_walk_range(range, __map_range_leaf, map);
  }
  return pt_walk_range(range, __map_range, map);
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
  const common = iommu.common;
  const fmt = common.fmt;
  const pgsize_bitmap = iommu.pgsize_bitmap;
  const gather = iommu._map_gather;
  const len = pgsize * pgcount;
  iommu_iotlb_gather_init(gather);
  if (WARN_ON(!(prot & (IOMMU_READ | IOMMU_WRITE)))) return -EINVAL;
  // Check the paddr doesn't exceed what the table can store
  if (
    common.max_oasz_lg2 !== 64 && (paddr >> BIG[common.max_oasz_lg2]!) !== 0n
  ) {
    return -ERANGE;
  }
  const map = iommu._map_args;
  map.iotlb_gather = gather;
  map.oa = paddr;
  let ret = fmt.iommu_set_prot(common, map.attrs, prot);
  if (ret) return ret;
  map.attrs.gfp = gfp;
  const r = make_range_no_check(common, iova, len);
  if (typeof r === "number") return r;
  const range = r;
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
  ret = check_map_range(iommu, range, map);
  if (ret) return ret;
  PT_WARN_ON(common, map.leaf_level > range.top_level);
  ret = do_map(iommu, range, single_page, map);
  // Tables were replaced with large items: flush walk caches, free them
  if (gather.freelist.length !== 0) iommu_iotlb_sync(iommu, gather);
  PT_WARN_ON(common, !ret && map.oa - paddr !== len);
  mapped.value += map.oa - paddr;
  return ret;
}

// ---- [2026] map_range: segments any range into best-size leaves itself

/** [2026] `map_range(table, iova, paddr, len, prot, gfp, *mapped)`. */
export function pt_iommu_map_range(
  iommu: PtIommu,
  iova: bigint,
  paddr: bigint,
  len: bigint,
  prot: number,
  gfp: number,
  mapped: SizeRef,
): number {
  // Segment into runs of one page size (pt_compute_best_pgsize +
  // pt_pgsz_count) and map each run with the same walkers as map_pages.
  if (WARN_ON(!(prot & (IOMMU_READ | IOMMU_WRITE)))) return -EINVAL;
  if (len === 0n) return -EINVAL;
  let va = iova;
  let oa = paddr;
  const last = iova + len - 1n;
  if (last > U64_MAX) return -EOVERFLOW;
  while (va <= last) {
    const lg2 = va === last
      ? 0
      : pt_compute_best_pgsize(iommu.pgsize_bitmap, va, last, oa);
    if (!lg2) return -ENXIO;
    const count = pt_pgsz_count(iommu.pgsize_bitmap, va, last, oa, lg2);
    const size = POW2[lg2]!;
    const ref = { value: 0n };
    const ret = pt_iommu_map_pages(iommu, va, oa, size, count, prot, gfp, ref);
    mapped.value += ref.value;
    if (ret) return ret;
    va += ref.value;
    oa += ref.value;
  }
  return 0;
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
  const len = pgsize * pgcount;
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
};

/** `IOMMU_PT_DOMAIN_OPS(fmt)`: the domain ops of a generic_pt table. */
export const IOMMU_PT_DOMAIN_OPS: IommuDomainOps = {
  map_pages: pt_iommu_map_pages,
  unmap_pages: pt_iommu_unmap_pages,
  iova_to_phys: pt_iommu_iova_to_phys,
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
  return iommu.common.fmt.iommu_fmt_hw_info(r.top_table!.physBig, r.top_level);
}
