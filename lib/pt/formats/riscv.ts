// Copyright 2026 the iommulab authors. MIT license.
/**
 * RISC-V Sv39/Sv48/Sv57 page table with Svnapot 64K contiguous pages
 * (drivers/iommu/generic_pt/fmt/riscv.h, iommu_riscv64.c, 2026). Sign
 * extended; leaves at every level including the top.
 *
 * @module
 */
import {
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_READ,
  IOMMU_WRITE,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_FLUSH_RANGE,
  PT_FEAT_FMT_START,
  PT_FEAT_SIGN_EXTEND,
  pt_feature,
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
import { MASK } from "../log2.ts";
import { EINVAL, EOPNOTSUPP } from "../../kernel/errno.ts";

/** `PT_FEAT_RISCV_SVNAPOT_64K`. */
export const PT_FEAT_RISCV_SVNAPOT_64K = PT_FEAT_FMT_START;
/** `PT_FEAT_RISCV_SVPBMT` [2026]. */
export const PT_FEAT_RISCV_SVPBMT = PT_FEAT_FMT_START + 1;

const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, G = 32n, A = 64n, D = 128n;
const PPN = MASK[54]! ^ MASK[10]!;
const NC = 1n << 61n, IO = 1n << 62n, N = 1n << 63n;
const b = (n: number) => 1 << n;

/** The RISC-V 64-bit format. */
export class RiscvFormat extends PtFormat {
  readonly name = "riscv_64";
  readonly PT_GRANULE_LG2SZ = 12;
  readonly PT_MAX_TOP_LEVEL = 4;
  readonly PT_MAX_VA_ADDRESS_LG2 = 57;
  readonly PT_MAX_OUTPUT_ADDRESS_LG2 = 56;
  readonly PT_TOP_PHYS_MASK: bigint = MASK[56]! ^ MASK[12]!;
  /** Creates the format (`debug`: CONFIG_DEBUG_GENERIC_PT). */
  constructor(debug = true) {
    super();
    this.setup(
      b(PT_FEAT_SIGN_EXTEND) | b(PT_FEAT_FLUSH_RANGE) |
        b(PT_FEAT_RISCV_SVNAPOT_64K) | b(PT_FEAT_RISCV_SVPBMT),
      0,
      debug,
    );
    this.KUNIT_FMT_FEATURES = b(PT_FEAT_RISCV_SVNAPOT_64K);
    const napot = b(PT_FEAT_RISCV_SVNAPOT_64K);
    this.kunit_fmt_cfgs = [
      { features: napot, hw_max_oasz_lg2: 56, hw_max_vasz_lg2: 39 },
      { features: 0, hw_max_oasz_lg2: 56, hw_max_vasz_lg2: 48 },
      { features: napot, hw_max_oasz_lg2: 56, hw_max_vasz_lg2: 57 },
    ];
  }
  table_pa(pts: PtState): bigint {
    return ((pts.entry & PPN) >> 10n) << 12n;
  }
  override entry_oa(pts: PtState): bigint {
    const e = pts.entry;
    if ((e & N) !== 0n) return ((e & (MASK[54]! ^ MASK[14]!)) >> 14n) << 16n;
    return ((e & PPN) >> 10n) << 12n;
  }
  override entry_num_contig_lg2(pts: PtState): number {
    return (pts.entry & N) !== 0n ? 4 : 0;
  }
  override contig_count_lg2(pts: PtState): number {
    return pts.level === 0 &&
        pt_feature(pts.range.common, PT_FEAT_RISCV_SVNAPOT_64K)
      ? 4
      : 0;
  }
  can_have_leaf(_pts: PtState): boolean {
    return true;
  }
  load_entry_raw(pts: PtState): PtEntryType {
    const e = pts.entry = pts.table.u64[pts.index]!;
    if ((e & V) === 0n) return PT_ENTRY_EMPTY;
    if (pts.level === 0 || (e & (R | W | X)) !== 0n) return PT_ENTRY_OA;
    return PT_ENTRY_TABLE;
  }
  install_leaf_entry(
    pts: PtState,
    oa: bigint,
    oasz_lg2: number,
    attrs: PtWriteAttrs,
  ): void {
    const isz = this.isz[pts.level]!;
    if (this.debug && !this.check_install_leaf_args(pts, oa, oasz_lg2)) return;
    let e = V | ((oa >> 12n) << 10n) | attrs.descriptor_bits;
    if (oasz_lg2 !== isz) {
      // Svnapot 64K: N and PPN bit 3 (PTE bit 13), 16 identical PTEs
      e = (e & ~(MASK[14]! ^ MASK[10]!)) | N | (1n << 13n);
      pts.table.u64.fill(e, pts.index, pts.index + 16);
    } else {
      pts.table.u64[pts.index] = e;
    }
    pts.entry = e;
  }
  install_table(pts: PtState, table_pa: bigint, _a: PtWriteAttrs): boolean {
    return pt_table_install64(pts, V | ((table_pa >> 12n) << 10n));
  }
  attr_from_entry(pts: PtState, attrs: PtWriteAttrs): void {
    attrs.descriptor_bits = pts.entry & (R | W | X | U | G | A | D | NC | IO);
  }
  // ---- number codec (PPN is lo[31:10] and hi[21:0]; N is hi bit 31)
  override readonly n_codec = true;
  override n_decode(lo: number, hi: number, level: number): number {
    if ((lo & 1) === 0) return N_ENTRY_EMPTY;
    if (level === 0 || (lo & 0xe) !== 0) return N_ENTRY_OA;
    return (lo >>> 10) + (hi & 0x3fffff) * 0x400000;
  }
  override n_entry_oa(lo: number, hi: number, _level: number): number {
    const oa = (hi & 0x80000000) !== 0
      ? ((lo >>> 14) + (hi & 0x3fffff) * 0x40000) * 65536
      : ((lo >>> 10) + (hi & 0x3fffff) * 0x400000) * 4096;
    return oa; // a multiple of 4 KiB below 2^56: exact
  }
  override n_entry_num_contig_lg2(
    _lo: number,
    hi: number,
    _level: number,
  ): number {
    return (hi & 0x80000000) !== 0 ? 4 : 0;
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
    const ppn = oa / 4096;
    let lo = ((ppn & 0x3fffff) << 10) | 1 | alo;
    let hi = Math.floor(ppn / 0x400000) | ahi;
    if (oasz_lg2 === this.isz[level]!) {
      t[index * 2] = lo;
      t[index * 2 + 1] = hi;
      return;
    }
    // Svnapot 64K
    lo = (lo & ~0x3c00) | 0x2000;
    hi |= 0x80000000;
    for (let i = index * 2; i < (index + 16) * 2; i += 2) {
      t[i] = lo;
      t[i + 1] = hi;
    }
  }
  iommu_set_prot(common: PtCommon, attrs: PtWriteAttrs, prot: number): number {
    let pte = A | U;
    if (prot & IOMMU_WRITE) pte |= W | R | D;
    if (prot & IOMMU_READ) pte |= R;
    if (!(prot & IOMMU_NOEXEC)) pte |= X;
    if (pt_feature(common, PT_FEAT_RISCV_SVPBMT)) {
      if (prot & IOMMU_MMIO) pte |= IO;
      else if (!(prot & IOMMU_CACHE)) pte |= NC;
    }
    if (!(pte & (R | W | X))) return -EOPNOTSUPP;
    attrs.descriptor_bits = pte;
    return 0;
  }
  iommu_fmt_init(common: PtCommon, cfg: PtIommuCfg): number {
    let top: number;
    switch (cfg.hw_max_vasz_lg2) {
      case 39:
        top = 2;
        break;
      case 48:
        top = 3;
        break;
      case 57:
        top = 4;
        break;
      default:
        return -EINVAL;
    }
    pt_top_set_level(common, top);
    common.max_oasz_lg2 = Math.min(56, cfg.hw_max_oasz_lg2);
    return 0;
  }
  override iommu_fmt_hw_info(top_phys: bigint, top_level: number): PtHwInfo {
    return { ppn: top_phys >> 12n, fsc_iosatp_mode: top_level + 6 };
  }
}

/** The `riscv_64` format (debug build). */
export const riscv_64: RiscvFormat = new RiscvFormat(true);
