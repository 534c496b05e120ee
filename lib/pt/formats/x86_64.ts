// Copyright 2026 the iommulab authors. MIT license.
/**
 * x86 64-bit 4/5-level page table (drivers/iommu/generic_pt/fmt/x86_64.h,
 * iommu_x86_64.c): AMD v2 and VT-d first stage. 4K/2M/1G, optional sign
 * extension, 13 SW bits.
 *
 * @module
 */
import {
  IOMMU_WRITE,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_DMA_INCOHERENT,
  PT_FEAT_FLUSH_RANGE,
  PT_FEAT_FLUSH_RANGE_NO_GAPS,
  PT_FEAT_FMT_START,
  PT_FEAT_SIGN_EXTEND,
  pt_table_install64,
  pt_top_set_level,
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
import { MASK, TWO32 } from "../log2.ts";
import { EOPNOTSUPP } from "../../kernel/errno.ts";

/** `PT_FEAT_X86_64_AMD_ENCRYPT_TABLES`. */
export const PT_FEAT_X86_64_AMD_ENCRYPT_TABLES = PT_FEAT_FMT_START;

const P = 1n, RW = 2n, U = 4n, A = 1n << 5n, D = 1n << 6n, PS = 1n << 7n;
const XD = 1n << 63n;
const OA = MASK[52]! ^ MASK[12]!;
const b = (n: number) => 1 << n;

/** The x86_64 format. */
export class X86_64Format extends PtFormat {
  readonly name = "x86_64";
  readonly PT_GRANULE_LG2SZ = 12;
  readonly PT_MAX_TOP_LEVEL = 4;
  readonly PT_MAX_VA_ADDRESS_LG2 = 57;
  readonly PT_MAX_OUTPUT_ADDRESS_LG2 = 52;
  readonly PT_TOP_PHYS_MASK: bigint = OA;
  override readonly has_sw_bit = true;
  /** Creates the format (`debug`: CONFIG_DEBUG_GENERIC_PT). */
  constructor(debug = true) {
    super();
    this.setup(
      b(PT_FEAT_SIGN_EXTEND) | b(PT_FEAT_FLUSH_RANGE) |
        b(PT_FEAT_FLUSH_RANGE_NO_GAPS) | b(PT_FEAT_X86_64_AMD_ENCRYPT_TABLES) |
        b(PT_FEAT_DMA_INCOHERENT),
      0,
      debug,
    );
    this.KUNIT_FMT_FEATURES = b(PT_FEAT_SIGN_EXTEND);
    const f = b(PT_FEAT_SIGN_EXTEND);
    this.kunit_fmt_cfgs = [
      { features: f, hw_max_vasz_lg2: 48, hw_max_oasz_lg2: 0, top_level: 3 },
      { features: f, hw_max_vasz_lg2: 57, hw_max_oasz_lg2: 0, top_level: 4 },
      // AMD IOMMU PASID 0 formats with no SIGN_EXTEND
      { features: 0, hw_max_vasz_lg2: 47, hw_max_oasz_lg2: 0, top_level: 3 },
      { features: 0, hw_max_vasz_lg2: 56, hw_max_oasz_lg2: 0, top_level: 4 },
    ];
  }
  table_pa(pts: PtState): bigint {
    return pts.entry & OA;
  }
  override entry_oa(pts: PtState): bigint {
    return pts.entry & OA;
  }
  can_have_leaf(pts: PtState): boolean {
    return pts.level <= 2;
  }
  load_entry_raw(pts: PtState): PtEntryType {
    const e = pts.entry = pts.table.u64[pts.index]!;
    if ((e & P) === 0n) return PT_ENTRY_EMPTY;
    if (pts.level === 0 || (pts.level <= 2 && (e & PS) !== 0n)) {
      return PT_ENTRY_OA;
    }
    return PT_ENTRY_TABLE;
  }
  install_leaf_entry(
    pts: PtState,
    oa: bigint,
    oasz_lg2: number,
    attrs: PtWriteAttrs,
  ): void {
    if (this.debug && !this.check_install_leaf_args(pts, oa, oasz_lg2)) return;
    let e = P | (oa & OA) | attrs.descriptor_bits;
    if (pts.level !== 0) e |= PS;
    pts.table.u64[pts.index] = e;
    pts.entry = e;
  }
  install_table(pts: PtState, table_pa: bigint, _a: PtWriteAttrs): boolean {
    return pt_table_install64(pts, P | RW | U | A | (table_pa & OA));
  }
  attr_from_entry(pts: PtState, attrs: PtWriteAttrs): void {
    attrs.descriptor_bits = pts.entry & (RW | U | A | D | XD);
  }
  // ---- number codec (OA is lo[31:12] and hi[19:0])
  override readonly n_codec = true;
  override n_decode(lo: number, hi: number, level: number): number {
    if ((lo & 1) === 0) return N_ENTRY_EMPTY;
    if (level === 0 || (level <= 2 && (lo & 0x80) !== 0)) return N_ENTRY_OA;
    return (lo >>> 12) + (hi & 0xfffff) * 0x100000;
  }
  override n_entry_oa(lo: number, hi: number, _level: number): number {
    return ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
  }
  override n_install_leaf_entry(
    t: Uint32Array,
    index: number,
    oa: number,
    _oasz_lg2: number,
    level: number,
    alo: number,
    ahi: number,
  ): void {
    t[index * 2] = (oa & 0xfffff000) | 1 | alo | (level !== 0 ? 0x80 : 0);
    t[index * 2 + 1] = ((oa / TWO32) & 0xfffff) | ahi;
  }
  iommu_set_prot(_c: PtCommon, attrs: PtWriteAttrs, prot: number): number {
    let pte = U | A;
    if (prot & IOMMU_WRITE) pte |= RW | D;
    attrs.descriptor_bits = pte;
    return 0;
  }
  iommu_fmt_init(common: PtCommon, cfg: PtIommuCfg): number {
    const top = cfg.top_level ?? 0;
    if (top !== 3 && top !== 4) return -EOPNOTSUPP;
    pt_top_set_level(common, top);
    common.max_oasz_lg2 = Math.min(52, cfg.hw_max_oasz_lg2);
    return 0;
  }
  override max_sw_bit(_c: PtCommon): number {
    return 12;
  }
  override sw_bit(n: number): bigint {
    if (n === 0) return 1n << 9n;
    if (n === 1) return 1n << 11n;
    return 1n << BigInt(52 + n - 2);
  }
  override iommu_fmt_hw_info(top_phys: bigint, top_level: number): PtHwInfo {
    return { gcr3_pt: top_phys, levels: top_level + 1 };
  }
}

/** The `x86_64` format (debug build). */
export const x86_64: X86_64Format = new X86_64Format(true);
