// Copyright 2026 the iommulab authors. MIT license.
/**
 * AMD IOMMU v1 page table (drivers/iommu/generic_pt/fmt/amdv1.h,
 * iommu_amdv1.c) and its iommufd-selftest variant `amdv1_mock` (2 KiB
 * granule, iommu_mock.c). Level N is AMD "mode N+1"; contiguous pages of any
 * power of two are "next level 7" entries with the size encoded as a run of
 * ones in the OA field.
 *
 * @module
 */
import {
  IOMMU_MMIO,
  IOMMU_READ,
  IOMMU_WRITE,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_FLUSH_RANGE,
  PT_FEAT_FLUSH_RANGE_NO_GAPS,
  PT_FEAT_FMT_START,
  PT_FEAT_FULL_VA,
  pt_feature,
  pt_table_install64,
  pt_top_set_level,
  PT_WARN_ON,
  type PtCommon,
  type PtEntryType,
  type PtState,
  type PtWriteAttrs,
} from "../defs.ts";
import {
  N_ENTRY_EMPTY,
  N_ENTRY_OA,
  PtFormat,
  type PtHwInfo,
  type PtIommuCfg,
} from "../format.ts";
import { BIG, ffz32, MASK, POW2N, TWO32 } from "../log2.ts";
import { EINVAL } from "../../kernel/errno.ts";

/** `PT_FEAT_AMDV1_ENCRYPT_TABLES`. */
export const PT_FEAT_AMDV1_ENCRYPT_TABLES = PT_FEAT_FMT_START;
/** `PT_FEAT_AMDV1_FORCE_COHERENCE`. */
export const PT_FEAT_AMDV1_FORCE_COHERENCE = PT_FEAT_FMT_START + 1;

/** Present. */
export const AMDV1PT_FMT_PR = 1n;
/** Dirty. */
export const AMDV1PT_FMT_D = 1n << 6n;
/** NextLevel, bits 11:9. */
export const AMDV1PT_FMT_NEXT_LEVEL = 7n << 9n;
/** OA, bits 51:12. */
export const AMDV1PT_FMT_OA = MASK[52]! ^ MASK[12]!;
/** Force coherent. */
export const AMDV1PT_FMT_FC = 1n << 60n;
/** Read permission. */
export const AMDV1PT_FMT_IR = 1n << 61n;
/** Write permission. */
export const AMDV1PT_FMT_IW = 1n << 62n;
const NL_SIZE = 7n;
const SZ_512G = 1n << 39n;

/** The AMDv1 format; `mock` selects the iommufd selftest variant. */
export class Amdv1Format extends PtFormat {
  readonly name: string;
  readonly PT_GRANULE_LG2SZ: number;
  readonly PT_MAX_TOP_LEVEL: number;
  readonly PT_MAX_VA_ADDRESS_LG2: number;
  readonly PT_MAX_OUTPUT_ADDRESS_LG2: number;
  readonly PT_TOP_PHYS_MASK: bigint = MASK[52]! ^ MASK[12]!;
  override readonly has_dirty = true;
  override readonly has_hw_info: boolean;
  /** Shift from the OA field to the granule (`PT_GRANULE_LG2SZ`). */
  private readonly g: bigint;
  /** `PT_GRANULE_LG2SZ` (number). */
  private readonly gn: number;

  /** Creates the format (`debug`: CONFIG_DEBUG_GENERIC_PT). */
  constructor(mock = false, debug = true) {
    super();
    this.name = mock ? "amdv1_mock" : "amdv1";
    this.PT_GRANULE_LG2SZ = mock ? 11 : 12;
    this.PT_MAX_TOP_LEVEL = mock ? 4 : 5;
    this.PT_MAX_VA_ADDRESS_LG2 = mock ? 56 : 64;
    this.PT_MAX_OUTPUT_ADDRESS_LG2 = mock ? 51 : 52;
    this.has_hw_info = !mock;
    this.g = BigInt(this.PT_GRANULE_LG2SZ);
    this.gn = this.PT_GRANULE_LG2SZ;
    const b = (n: number) => 1 << n;
    if (mock) {
      this.setup(0, 0, debug);
    } else {
      this.setup(
        b(PT_FEAT_FULL_VA) | b(PT_FEAT_DYNAMIC_TOP) | b(PT_FEAT_FLUSH_RANGE) |
          b(PT_FEAT_FLUSH_RANGE_NO_GAPS) | b(PT_FEAT_AMDV1_ENCRYPT_TABLES) |
          b(PT_FEAT_AMDV1_FORCE_COHERENCE),
        b(PT_FEAT_DYNAMIC_TOP) | b(PT_FEAT_AMDV1_ENCRYPT_TABLES) |
          b(PT_FEAT_AMDV1_FORCE_COHERENCE),
        debug,
      );
    }
    this.KUNIT_FMT_FEATURES = 0;
    this.kunit_fmt_cfgs = [
      // Matches what io_pgtable does
      {
        features: 0,
        hw_max_vasz_lg2: 0,
        hw_max_oasz_lg2: 0,
        starting_level: 2,
      },
      {
        features: 0,
        hw_max_vasz_lg2: 32,
        hw_max_oasz_lg2: 0,
        starting_level: 2,
      },
    ];
  }

  // amdv1pt_table_pa(); __sme_clr is the identity (no SME in the lab)
  table_pa(pts: PtState): bigint {
    const f = pts.entry & AMDV1PT_FMT_OA;
    return this.g === 12n ? f : (f >> 12n) << this.g;
  }

  // amdv1pt_entry_oa()
  override entry_oa(pts: PtState): bigint {
    const entry = pts.entry;
    let oa = (entry & AMDV1PT_FMT_OA) >> 12n;
    const nl = (entry & AMDV1PT_FMT_NEXT_LEVEL) >> 9n;
    if (nl === NL_SIZE) {
      const sz_bits = ffz64small(oa);
      oa &= ~MASK[sz_bits]!;
    } else if (PT_WARN_ON(pts.range.common, nl !== 0n)) return 0n;
    return oa << this.g;
  }

  can_have_leaf(pts: PtState): boolean {
    return pts.level < this.PT_MAX_TOP_LEVEL;
  }

  // amdv1pt_entry_num_contig_lg2()
  override entry_num_contig_lg2(pts: PtState): number {
    const entry = pts.entry;
    if ((entry & AMDV1PT_FMT_NEXT_LEVEL) === 0n) return 0;
    const code = Number(
      (entry >> BIG[12 - 1 + this.isz[pts.level]! - this.PT_GRANULE_LG2SZ]!) &
        0xffff_ffffn,
    );
    return ffz32(code);
  }

  override num_items_lg2_level(level: number): number {
    // Top entry covers bits [63:57] only, handled through max_vasz_lg2
    if (level === 5) return 7;
    return 9;
  }

  // amdv1pt_possible_sizes()
  override possible_sizes(pts: PtState): bigint {
    if (pts.level >= this.PT_MAX_TOP_LEVEL) return 0n;
    const isz = this.isz[pts.level]!;
    const hi = Math.min(51, isz + 9 - 1);
    return (MASK[hi + 1]! ^ MASK[isz]!) & ~SZ_512G;
  }

  // amdv1pt_load_entry_raw()
  load_entry_raw(pts: PtState): PtEntryType {
    const entry = pts.entry = pts.table.u64[pts.index]!;
    if ((entry & AMDV1PT_FMT_PR) === 0n) return PT_ENTRY_EMPTY;
    const nl = entry & AMDV1PT_FMT_NEXT_LEVEL;
    if (pts.level === 0 || nl === 0n || nl === AMDV1PT_FMT_NEXT_LEVEL) {
      return PT_ENTRY_OA;
    }
    return PT_ENTRY_TABLE;
  }

  // amdv1pt_install_leaf_entry()
  install_leaf_entry(
    pts: PtState,
    oa: bigint,
    oasz_lg2: number,
    attrs: PtWriteAttrs,
  ): void {
    const isz = this.isz[pts.level]!;
    if (this.debug && !this.check_install_leaf_args(pts, oa, oasz_lg2)) return;
    let entry = AMDV1PT_FMT_PR | ((oa >> this.g) << 12n) |
      attrs.descriptor_bits;
    const t = pts.table.u64;
    if (oasz_lg2 === isz) {
      t[pts.index] = entry;
    } else {
      const num_contig_lg2 = oasz_lg2 - isz;
      entry |= AMDV1PT_FMT_NEXT_LEVEL |
        (MASK[oasz_lg2 - this.PT_GRANULE_LG2SZ - 1]! << 12n);
      // memset64() above 32 items
      t.fill(entry, pts.index, pts.index + (1 << num_contig_lg2));
    }
    pts.entry = entry;
  }

  // amdv1pt_install_table(): IR/IW always set on tables
  install_table(pts: PtState, table_pa: bigint, _attrs: PtWriteAttrs): boolean {
    const entry = AMDV1PT_FMT_PR | (BigInt(pts.level) << 9n) |
      ((table_pa >> this.g) << 12n) | AMDV1PT_FMT_IR | AMDV1PT_FMT_IW;
    return pt_table_install64(pts, entry);
  }

  attr_from_entry(pts: PtState, attrs: PtWriteAttrs): void {
    attrs.descriptor_bits = pts.entry &
      (AMDV1PT_FMT_FC | AMDV1PT_FMT_IR | AMDV1PT_FMT_IW);
  }

  // amdv1pt_entry_is_write_dirty(): D of any item of the block
  override entry_is_write_dirty(pts: PtState): boolean {
    const n = 1 << this.entry_num_contig_lg2(pts);
    const start = pts.index & ~(n - 1);
    const t = pts.table.u64;
    for (let i = start; i < start + n; i++) {
      if ((t[i]! & AMDV1PT_FMT_D) !== 0n) return true;
    }
    return false;
  }

  override entry_make_write_clean(pts: PtState): void {
    const n = 1 << this.entry_num_contig_lg2(pts);
    const start = pts.index & ~(n - 1);
    const t = pts.table.u64;
    for (let i = start; i < start + n; i++) t[i] = t[i]! & ~AMDV1PT_FMT_D;
  }

  override entry_make_write_dirty(pts: PtState): boolean {
    const t = pts.table.u64;
    if (t[pts.index] !== pts.entry) {
      pts.entry = t[pts.index]!;
      return false;
    }
    pts.entry |= AMDV1PT_FMT_D;
    t[pts.index] = pts.entry;
    return true;
  }

  // ---- number codec (words of the entry; OA field is lo[31:12], hi[19:0])
  override readonly n_codec = true;

  override n_decode(lo: number, hi: number, level: number): number {
    if ((lo & 1) === 0) return N_ENTRY_EMPTY;
    const nl = lo & 0xe00;
    if (level === 0 || nl === 0 || nl === 0xe00) return N_ENTRY_OA;
    const f = (lo >>> 12) + (hi & 0xfffff) * 0x100000;
    return this.gn === 12 ? f : Math.floor(f * POW2N[this.gn]! / 4096);
  }

  override n_entry_oa(lo: number, hi: number, _level: number): number {
    let oa = (lo >>> 12) + (hi & 0xfffff) * 0x100000;
    const nl = lo & 0xe00;
    if (nl === 0xe00) {
      // The size is the run of ones at the bottom of the OA field
      const low = oa >>> 0;
      const sz_bits = low !== 0xffffffff
        ? ffz32(low)
        : 32 + ffz32((oa / TWO32) >>> 0);
      oa -= POW2N[sz_bits]! - 1;
    } else if (nl !== 0) return -1; // the bigint path warns
    return oa * POW2N[this.gn]!;
  }

  override n_entry_num_contig_lg2(
    lo: number,
    hi: number,
    level: number,
  ): number {
    if ((lo & 0xe00) === 0) return 0;
    const s = 12 - 1 + this.isz[level]! - this.gn;
    const code = s < 32 ? (lo >>> s) | (hi << (32 - s)) : hi >>> (s - 32);
    return ffz32(code >>> 0);
  }

  override n_install_leaf_entry(
    t: Uint32Array,
    index: number,
    oa: number,
    oasz_lg2: number,
    level: number,
    alo: number,
    ahi: number,
  ): void {
    // oa is aligned to oasz_lg2, so OR'ing in the size mask is an add
    let f = oa / POW2N[this.gn]!;
    const contig = oasz_lg2 !== this.isz[level]!;
    if (contig) f += POW2N[oasz_lg2 - this.gn - 1]! - 1;
    const lo = ((f & 0xfffff) << 12) | 1 | alo | (contig ? 0xe00 : 0);
    const hi = Math.floor(f / 0x100000) | ahi;
    let i = index * 2;
    if (!contig) {
      t[i] = lo;
      t[i + 1] = hi;
      return;
    }
    const end = (index + POW2N[oasz_lg2 - this.isz[level]!]!) * 2;
    for (; i < end; i += 2) {
      t[i] = lo;
      t[i + 1] = hi;
    }
  }

  // amdv1pt_iommu_set_prot()
  iommu_set_prot(common: PtCommon, attrs: PtWriteAttrs, prot: number): number {
    let pte = 0n;
    if (pt_feature(common, PT_FEAT_AMDV1_FORCE_COHERENCE)) {
      pte |= AMDV1PT_FMT_FC;
    }
    if (prot & IOMMU_READ) pte |= AMDV1PT_FMT_IR;
    if (prot & IOMMU_WRITE) pte |= AMDV1PT_FMT_IW;
    // __sme_set() is the identity without SME; IOMMU_MMIO would skip it
    void IOMMU_MMIO;
    attrs.descriptor_bits = pte;
    return 0;
  }

  // amdv1pt_iommu_fmt_init() (with the 2026 small-VA rule)
  iommu_fmt_init(common: PtCommon, cfg: PtIommuCfg): number {
    const sl = cfg.starting_level ?? 0;
    let max_vasz_lg2 = this.PT_MAX_VA_ADDRESS_LG2;
    if (sl === 0 || sl > this.PT_MAX_TOP_LEVEL) return -EINVAL;
    if (
      !pt_feature(common, PT_FEAT_DYNAMIC_TOP) && sl !== this.PT_MAX_TOP_LEVEL
    ) {
      max_vasz_lg2 = this.PT_GRANULE_LG2SZ + 9 * (sl + 1);
    }
    common.max_vasz_lg2 = Math.min(max_vasz_lg2, cfg.hw_max_vasz_lg2);
    common.max_oasz_lg2 = Math.min(
      this.PT_MAX_OUTPUT_ADDRESS_LG2,
      cfg.hw_max_oasz_lg2,
    );
    pt_top_set_level(common, sl);
    return 0;
  }

  // amdv1pt_iommu_fmt_hw_info()
  override iommu_fmt_hw_info(top_phys: bigint, top_level: number): PtHwInfo {
    return { host_pt_root: top_phys, mode: top_level + 1 };
  }
}

/** ffz of a bigint below 2^40 (the OA field). */
function ffz64small(x: bigint): number {
  const lo = Number(x & 0xffff_ffffn);
  if (lo !== -1 >>> 0) return ffz32(lo);
  return 32 + ffz32(Number((x >> 32n) & 0xffff_ffffn));
}

/** The `amdv1` format (debug build, as in the KUnit config). */
export const amdv1: Amdv1Format = new Amdv1Format(false, true);
/** The `amdv1_mock` format (2 KiB granule). */
export const amdv1_mock: Amdv1Format = new Amdv1Format(true, true);
