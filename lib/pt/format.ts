// Copyright 2026 the iommulab authors. MIT license.
/**
 * The per-format API (pt_common.h kernel-doc) and its defaults
 * (pt_fmt_defaults.h). A format is an object extending {@link PtFormat};
 * the C code's `#define pt_xxx <fmt>pt_xxx` becomes a method override.
 *
 * @module
 */
import {
  PAGE_SHIFT,
  PT_ENTRY_TABLE,
  PT_FEAT_DMA_INCOHERENT,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_FULL_VA,
  PT_FEAT_SIGN_EXTEND,
  PT_WARN_ON,
  type PtCommon,
  type PtEntryType,
  type PtState,
  type PtWriteAttrs,
} from "./defs.ts";
import { log2_mod, log2_set_mod, MASK, POW2 } from "./log2.ts";
import { pt_phys_to_table } from "./_mem.ts";

/** {@link PtFormat.n_decode}: an empty entry. */
export const N_ENTRY_EMPTY = -1;
/** {@link PtFormat.n_decode}: an OA (leaf) entry. */
export const N_ENTRY_OA = -2;

/** `struct pt_iommu_cfg` plus the per-format fields. */
export interface PtIommuCfg {
  /** Requested `PT_FEAT_*` bits. */
  features: number;
  /** HW VA bits (0: format maximum in the KUnit harness). */
  hw_max_vasz_lg2: number;
  /** HW OA bits (0: format maximum in the KUnit harness). */
  hw_max_oasz_lg2: number;
  /** AMDv1: the starting level. */
  starting_level?: number;
  /** x86_64 / VT-d: the top level. */
  top_level?: number;
}

/** `hw_info` output of a format (register values for the driver). */
export type PtHwInfo = Record<string, bigint | number>;

/** Whether a feature set widened like CONFIG_DEBUG_GENERIC_PT does. */
export function pt_debug_supported(supported: number): number {
  // pt_defs.h: everything, minus DMA_INCOHERENT unless supported, minus
  // SIGN_EXTEND unless supported, else minus DYNAMIC_TOP | FULL_VA.
  let all = 0x7fffffff;
  if (!(supported & (1 << PT_FEAT_DMA_INCOHERENT))) {
    all &= ~(1 << PT_FEAT_DMA_INCOHERENT);
  }
  if (!(supported & (1 << PT_FEAT_SIGN_EXTEND))) {
    all &= ~(1 << PT_FEAT_SIGN_EXTEND);
  } else {
    all &= ~((1 << PT_FEAT_DYNAMIC_TOP) | (1 << PT_FEAT_FULL_VA));
  }
  return all;
}

/**
 * A page-table format. Subclasses set the constants in their constructor and
 * override the bit-level functions; the defaults are pt_fmt_defaults.h.
 */
export abstract class PtFormat {
  /** `PTPFX_RAW`: the symbol / suite prefix (`amdv1`, `riscv_64`, ...). */
  abstract readonly name: string;
  /** `PT_ITEM_WORD_SIZE`. */
  readonly PT_ITEM_WORD_SIZE: number = 8;
  /** `PT_GRANULE_LG2SZ`. */
  abstract readonly PT_GRANULE_LG2SZ: number;
  /** `PT_TABLEMEM_LG2SZ`. */
  readonly PT_TABLEMEM_LG2SZ: number = 12;
  /** `PT_MAX_TOP_LEVEL`. */
  abstract readonly PT_MAX_TOP_LEVEL: number;
  /** `PT_MAX_VA_ADDRESS_LG2`. */
  abstract readonly PT_MAX_VA_ADDRESS_LG2: number;
  /** `PT_MAX_OUTPUT_ADDRESS_LG2`. */
  abstract readonly PT_MAX_OUTPUT_ADDRESS_LG2: number;
  /** `PT_TOP_PHYS_MASK`. */
  abstract readonly PT_TOP_PHYS_MASK: bigint;
  /** `PT_SUPPORTED_FEATURES` (after debug widening if `debug`). */
  PT_SUPPORTED_FEATURES = 0;
  /** `PT_FORCE_ENABLED_FEATURES`. */
  PT_FORCE_ENABLED_FEATURES = 0;
  /** The supported set before debug widening. */
  PT_SUPPORTED_FEATURES_RAW = 0;
  /** `KUNIT_FMT_FEATURES`: features the kunit cfg list controls. */
  KUNIT_FMT_FEATURES = 0;
  /** `kunit_fmt_cfgs`. */
  kunit_fmt_cfgs: readonly PtIommuCfg[] = [];
  /** CONFIG_DEBUG_GENERIC_PT: widened features, real PT_WARN_ON. */
  debug = true;
  /** Whether the format defines `pt_entry_is_write_dirty`. */
  readonly has_dirty: boolean = false;
  /** Whether the format defines `pt_sw_bit`. */
  readonly has_sw_bit: boolean = false;
  /** Whether the format defines `hw_info`. */
  readonly has_hw_info: boolean = true;
  /** Item lg2 size per level (filled by {@link setup}). */
  isz: number[] = [];
  /** lg2 of the items per table (filled by {@link setup}). */
  protected lvl_step = 9;
  /** `pt_num_items_lg2` per level below the top (filled by {@link setup}). */
  n_items_lg2: number[] = [];
  /**
   * Whether the format implements the number codec (`n_*` methods) used by
   * the map/unmap/iova_to_phys fast paths for VAs and OAs below 2^53.
   */
  readonly n_codec: boolean = false;

  /** Sets the feature sets and per-level caches; call from the constructor. */
  protected setup(supported: number, forced: number, debug: boolean): void {
    this.PT_SUPPORTED_FEATURES_RAW = supported;
    this.PT_SUPPORTED_FEATURES = debug
      ? pt_debug_supported(supported)
      : supported;
    this.PT_FORCE_ENABLED_FEATURES = forced;
    this.debug = debug;
    const step = this.PT_TABLEMEM_LG2SZ - Math.log2(this.PT_ITEM_WORD_SIZE);
    this.lvl_step = step;
    this.isz = [];
    this.n_items_lg2 = [];
    for (let l = 0; l <= 7; l++) {
      this.isz.push(this.PT_GRANULE_LG2SZ + step * l);
      this.n_items_lg2.push(this.num_items_lg2_level(l));
    }
  }

  // ---- number codec: an entry as its low and high 32-bit words

  /**
   * `pt_load_entry_raw()` and, for a TABLE, `pt_table_pa()` in one step, on
   * the words of an entry at `level`: {@link N_ENTRY_EMPTY},
   * {@link N_ENTRY_OA}, or the 4 KiB frame number of the lower table.
   */
  n_decode(_lo: number, _hi: number, _level: number): number {
    throw new TypeError(`${this.name} has no number codec`);
  }
  /** The entry type from {@link n_decode}. */
  n_type(lo: number, hi: number, level: number): PtEntryType {
    const d = this.n_decode(lo, hi, level);
    return d === N_ENTRY_EMPTY ? 0 : d === N_ENTRY_OA ? 2 : 1;
  }
  /**
   * `pt_entry_oa()` of an OA entry as an exact number (OAs are aligned to
   * the granule, so every OA below 2^(53 + granule) is), or -1 if the
   * number path cannot decode it.
   */
  n_entry_oa(_lo: number, _hi: number, _level: number): number {
    throw new TypeError(`${this.name} has no number codec`);
  }
  /** `pt_entry_num_contig_lg2()` of an OA entry. */
  n_entry_num_contig_lg2(_lo: number, _hi: number, _level: number): number {
    return 0;
  }
  /**
   * `pt_install_leaf_entry()` at `t[index]` (a u32 view) for an already
   * checked `oa`/`oasz_lg2`; `alo`/`ahi` are the descriptor bits' words.
   */
  n_install_leaf_entry(
    _t: Uint32Array,
    _index: number,
    _oa: number,
    _oasz_lg2: number,
    _level: number,
    _alo: number,
    _ahi: number,
  ): void {
    throw new TypeError(`${this.name} has no number codec`);
  }

  /** `pt_load_entry_raw(pts)`: read `table[index]` into `pts.entry`. */
  abstract load_entry_raw(pts: PtState): PtEntryType;
  /** `pt_install_leaf_entry(pts, oa, oasz_lg2, attrs)`. */
  abstract install_leaf_entry(
    pts: PtState,
    oa: bigint,
    oasz_lg2: number,
    attrs: PtWriteAttrs,
  ): void;
  /** `pt_install_table(pts, table_pa, attrs)`: compare-exchange. */
  abstract install_table(
    pts: PtState,
    table_pa: bigint,
    attrs: PtWriteAttrs,
  ): boolean;
  /** `pt_table_pa(pts)`. */
  abstract table_pa(pts: PtState): bigint;
  /** `pt_can_have_leaf(pts)`. */
  abstract can_have_leaf(pts: PtState): boolean;
  /** `pt_attr_from_entry(pts, attrs)`. */
  abstract attr_from_entry(pts: PtState, attrs: PtWriteAttrs): void;
  /** `pt_iommu_set_prot(common, attrs, prot)`. */
  abstract iommu_set_prot(
    common: PtCommon,
    attrs: PtWriteAttrs,
    prot: number,
  ): number;
  /** `pt_iommu_fmt_init(table, cfg)`: set the top level, adjust sizes. */
  abstract iommu_fmt_init(common: PtCommon, cfg: PtIommuCfg): number;

  /** `pt_entry_oa(pts)`: OA of the entry start. Default: from item_oa. */
  entry_oa(pts: PtState): bigint {
    return log2_set_mod(
      this.item_oa(pts),
      0n,
      this.entry_num_contig_lg2(pts) + this.isz[pts.level]!,
    );
  }
  /** `pt_item_oa(pts)`. Default: entry_oa | (index << isz). */
  item_oa(pts: PtState): bigint {
    const isz = this.isz[pts.level]!;
    return this.entry_oa(pts) |
      (log2_mod(BigInt(pts.index), this.entry_num_contig_lg2(pts)) <<
        BigInt(isz));
  }
  /** `pt_entry_num_contig_lg2(pts)`. Default 0. */
  entry_num_contig_lg2(_pts: PtState): number {
    return 0;
  }
  /** `pt_contig_count_lg2(pts)`. Default 0. */
  contig_count_lg2(_pts: PtState): number {
    return 0;
  }
  /** `pt_can_have_table(pts)`: level > 0. */
  can_have_table(pts: PtState): boolean {
    return pts.level > 0;
  }
  /** `pt_num_items_lg2(pts)`: index bits (never called for the top). */
  num_items_lg2(pts: PtState): number {
    return this.num_items_lg2_level(pts.level);
  }
  /** `pt_num_items_lg2` by level. */
  num_items_lg2_level(_level: number): number {
    return this.PT_TABLEMEM_LG2SZ - Math.log2(this.PT_ITEM_WORD_SIZE);
  }
  /** `pt_table_item_lg2sz(pts)`. */
  table_item_lg2sz(pts: PtState): number {
    return this.isz[pts.level]!;
  }
  /** `pt_pgsz_lg2_to_level(common, pgsize_lg2)`. */
  pgsz_lg2_to_level(_common: PtCommon, pgsize_lg2: number): number {
    return Math.trunc((pgsize_lg2 - this.PT_GRANULE_LG2SZ) / this.lvl_step);
  }
  /** `pt_possible_sizes(pts)`. */
  possible_sizes(pts: PtState): bigint {
    if (!this.can_have_leaf(pts)) return 0n;
    const isz = this.isz[pts.level]!;
    return POW2[isz]! | POW2[isz + this.contig_count_lg2(pts)]!;
  }
  /** `pt_clear_entries(pts, num_contig_lg2)`. */
  clear_entries(pts: PtState, num_contig_lg2: number): void {
    const n = 1 << num_contig_lg2;
    PT_WARN_ON(pts.range.common, (pts.index & (n - 1)) !== 0);
    pts.table.u64.fill(0n, pts.index, pts.index + n);
  }
  /** `pt_entry_is_write_dirty(pts)`. */
  entry_is_write_dirty(_pts: PtState): boolean {
    return false;
  }
  /** `pt_entry_make_write_clean(pts)`. */
  entry_make_write_clean(_pts: PtState): void {}
  /** `pt_entry_make_write_dirty(pts)`. */
  entry_make_write_dirty(_pts: PtState): boolean {
    return false;
  }
  /** `pt_dirty_supported(common)`. */
  dirty_supported(_common: PtCommon): boolean {
    return this.has_dirty;
  }
  /** `pt_max_oa_lg2(common)`. */
  max_oa_lg2(_common: PtCommon | null): number {
    return this.PT_MAX_OUTPUT_ADDRESS_LG2;
  }
  /** `pt_full_va_prefix(common)`. */
  full_va_prefix(_common: PtCommon): bigint {
    return 0n;
  }
  /** `pt_has_system_page_size(common)`. */
  has_system_page_size(_common: PtCommon): boolean {
    return this.PT_GRANULE_LG2SZ === PAGE_SHIFT;
  }
  /** `pt_max_sw_bit(common)`. */
  max_sw_bit(_common: PtCommon): number {
    return 0;
  }
  /** `pt_sw_bit(n)`: the PTE bit of SW bit n (formats with SW bits). */
  sw_bit(_n: number): bigint {
    throw new TypeError(`${this.name} has no SW bits (__pt_no_sw_bit)`);
  }
  /** `pt_iommu_fmt_hw_info(table, top_range, info)`. */
  iommu_fmt_hw_info(_top_phys: bigint, _top_level: number): PtHwInfo {
    return {};
  }

  /** `pt_load_entry(pts)`: raw load, and for a TABLE find the lower table. */
  load_entry(pts: PtState): void {
    const type = pts.type = this.load_entry_raw(pts);
    if (type === PT_ENTRY_TABLE) {
      pts.table_lower = pt_phys_to_table(this.table_pa(pts));
    }
  }

  /** `pt_check_install_leaf_args(pts, oa, oasz_lg2)` (debug checks). */
  check_install_leaf_args(pts: PtState, oa: bigint, oasz_lg2: number): boolean {
    if (!this.debug) return true;
    const common = pts.range.common;
    const isz = this.isz[pts.level]!;
    if (PT_WARN_ON(common, (oa & MASK[oasz_lg2]!) !== 0n)) return false;
    if (
      PT_WARN_ON(
        common,
        oasz_lg2 < isz || oasz_lg2 > isz + this.num_items_lg2_safe(pts),
      )
    ) return false;
    return !PT_WARN_ON(
      common,
      (pts.index & ((1 << (oasz_lg2 - isz)) - 1)) !== 0,
    );
  }
  /** num_items_lg2 that tolerates the top level (for the debug checks). */
  protected num_items_lg2_safe(pts: PtState): number {
    return this.num_items_lg2(pts);
  }
}
