// Copyright 2026 the iommulab authors. MIT license.
/**
 * Intel VT-d second-stage page table (drivers/iommu/generic_pt/fmt/vtdss.h,
 * iommu_vtdss.c). No present bit: an all-zero item is empty.
 *
 * @module
 */
import {
  IOMMU_READ,
  IOMMU_WRITE,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  PT_ENTRY_TABLE,
  PT_FEAT_DMA_INCOHERENT,
  PT_FEAT_FLUSH_RANGE,
  PT_FEAT_FMT_START,
  pt_feature,
  pt_table_install64,
  pt_top_set_level,
  type PtCommon,
  type PtEntryType,
  type PtState,
  type PtWriteAttrs,
} from "../defs.ts";
import { pr_err } from "../../kernel/mod.ts";
import {
  N_ENTRY_EMPTY,
  N_ENTRY_OA,
  PtFormat,
  type PtHwInfo,
  type PtIommuCfg,
} from "../format.ts";
import { MASK, TWO32 } from "../log2.ts";
import { EINVAL, EOPNOTSUPP } from "../../kernel/errno.ts";

/** `PT_FEAT_VTDSS_FORCE_COHERENCE`. */
export const PT_FEAT_VTDSS_FORCE_COHERENCE = PT_FEAT_FMT_START;
/** `PT_FEAT_VTDSS_FORCE_WRITEABLE` (ERRATA_772415_SPR17). */
export const PT_FEAT_VTDSS_FORCE_WRITEABLE = PT_FEAT_FMT_START + 1;

const R = 1n, W = 2n, PS = 1n << 7n, D = 1n << 9n, SNP = 1n << 11n;
const OA = MASK[52]! ^ MASK[12]!;
const b = (n: number) => 1 << n;

/** The VT-d second-stage format. */
export class VtdssFormat extends PtFormat {
  readonly name = "vtdss";
  readonly PT_GRANULE_LG2SZ = 12;
  readonly PT_MAX_TOP_LEVEL = 4;
  readonly PT_MAX_VA_ADDRESS_LG2 = 57;
  readonly PT_MAX_OUTPUT_ADDRESS_LG2 = 52;
  readonly PT_TOP_PHYS_MASK: bigint = MASK[64]! ^ MASK[12]!;
  override readonly has_sw_bit = true;
  override readonly has_dirty = true;
  /** Creates the format (`debug`: CONFIG_DEBUG_GENERIC_PT). */
  constructor(debug = true) {
    super();
    this.setup(
      b(PT_FEAT_FLUSH_RANGE) | b(PT_FEAT_VTDSS_FORCE_COHERENCE) |
        b(PT_FEAT_VTDSS_FORCE_WRITEABLE) | b(PT_FEAT_DMA_INCOHERENT),
      0,
      debug,
    );
    this.KUNIT_FMT_FEATURES = b(PT_FEAT_VTDSS_FORCE_WRITEABLE);
    this.kunit_fmt_cfgs = [
      { features: 0, hw_max_vasz_lg2: 39, hw_max_oasz_lg2: 0, top_level: 2 },
      { features: 0, hw_max_vasz_lg2: 48, hw_max_oasz_lg2: 0, top_level: 3 },
      { features: 0, hw_max_vasz_lg2: 57, hw_max_oasz_lg2: 0, top_level: 4 },
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
    if (e === 0n) return PT_ENTRY_EMPTY;
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
    let e = (oa & OA) | attrs.descriptor_bits;
    if (pts.level !== 0) e |= PS;
    pts.table.u64[pts.index] = e;
    pts.entry = e;
  }
  install_table(pts: PtState, table_pa: bigint, _a: PtWriteAttrs): boolean {
    return pt_table_install64(pts, R | W | (table_pa & OA));
  }
  attr_from_entry(pts: PtState, attrs: PtWriteAttrs): void {
    attrs.descriptor_bits = pts.entry & (R | W | SNP);
  }
  override entry_is_write_dirty(pts: PtState): boolean {
    return (pts.table.u64[pts.index]! & D) !== 0n;
  }
  override entry_make_write_clean(pts: PtState): void {
    const t = pts.table.u64;
    t[pts.index] = t[pts.index]! & ~D;
  }
  override entry_make_write_dirty(pts: PtState): boolean {
    const t = pts.table.u64;
    if (t[pts.index] !== pts.entry) {
      pts.entry = t[pts.index]!;
      return false;
    }
    pts.entry |= D;
    t[pts.index] = pts.entry;
    return true;
  }
  // ---- number codec (OA is lo[31:12] and hi[19:0])
  override readonly n_codec = true;
  override n_decode(lo: number, hi: number, level: number): number {
    if (lo === 0 && hi === 0) return N_ENTRY_EMPTY;
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
    t[index * 2] = (oa & 0xfffff000) | alo | (level !== 0 ? 0x80 : 0);
    t[index * 2 + 1] = ((oa / TWO32) & 0xfffff) | ahi;
  }
  iommu_set_prot(common: PtCommon, attrs: PtWriteAttrs, prot: number): number {
    let pte = 0n;
    if (!(prot & (IOMMU_READ | IOMMU_WRITE))) return -EINVAL;
    if (prot & IOMMU_READ) pte |= R;
    if (prot & IOMMU_WRITE) pte |= W;
    if (pt_feature(common, PT_FEAT_VTDSS_FORCE_COHERENCE)) pte |= SNP;
    if (
      pt_feature(common, PT_FEAT_VTDSS_FORCE_WRITEABLE) && !(pte & W)
    ) {
      pr_err(
        "Read-only mapping is disallowed on the domain which serves as the parent in a nested configuration, due to HW errata (ERRATA_772415_SPR17)",
      );
      return -EINVAL;
    }
    attrs.descriptor_bits = pte;
    return 0;
  }
  iommu_fmt_init(common: PtCommon, cfg: PtIommuCfg): number {
    const top = cfg.top_level ?? 0;
    if (top < 2 || top > 4) return -EOPNOTSUPP;
    pt_top_set_level(common, top);
    common.max_oasz_lg2 = Math.min(52, cfg.hw_max_oasz_lg2);
    return 0;
  }
  override max_sw_bit(_c: PtCommon): number {
    return 10;
  }
  override sw_bit(n: number): bigint {
    if (n === 0) return 1n << 10n;
    if (n <= 9) return 1n << BigInt(52 + n - 1);
    return 1n << 63n;
  }
  override iommu_fmt_hw_info(top_phys: bigint, top_level: number): PtHwInfo {
    return { ssptptr: top_phys, aw: top_level - 1 };
  }
}

/** The `vtdss` format (debug build). */
export const vtdss: VtdssFormat = new VtdssFormat(true);
