// Copyright 2026 the iommulab authors. MIT license.
/**
 * A mini IOMMU core (drivers/iommu/iommu.c, include/linux/iommu.h): the
 * domain, the IOTLB gather, and `iommu_map` / `iommu_unmap` /
 * `iommu_pgsize` / `iommu_iova_to_phys`, which split requests into page sizes
 * and unwind a failed map like the kernel core does. The generic_pt KUnit
 * cases go through this layer.
 *
 * [2026] For a generic_pt domain (`domain.is_iommupt`, set by
 * `pt_iommu_init`), `iommu_map` hands the whole range to the table's
 * `map_range` op, which picks the page sizes itself, and unmaps the
 * reported prefix on failure (`iommu_map_nosync()`). Clearing
 * `is_iommupt` gives the classic path: `iommu_pgsize()` runs and
 * `map_pages` is called per run of one page size. Likewise `__iommu_unmap`
 * calls `unmap_range` with the whole range instead of `unmap_pages` per
 * `iommu_pgsize()` run (99fb8afa16ad).
 *
 * The API is bigint (u64). When a domain's ops provide number forms
 * (`map_pages_n`, `unmap_pages_n`, `iova_to_phys_hl`) and every address and
 * size lies below 2^53, `iommu_map` / `iommu_unmap` convert once and run the
 * page-size loop on JS numbers; the results are the same.
 *
 * @module
 */
import { BUG_ON } from "../kernel/mod.ts";
import { EINVAL, ENODEV } from "../kernel/errno.ts";
import type { PtTableMem } from "./_mem.ts";
import {
  BIG,
  div2n,
  ffs53,
  ffs64,
  fls53,
  fls64,
  MASK,
  mod2n,
  POW2N,
  U64_MAX,
} from "./log2.ts";

/** `__IOMMU_DOMAIN_PAGING`. */
export const __IOMMU_DOMAIN_PAGING = 1;

/** `size_t *mapped` out-parameter. */
export interface SizeRef {
  /** The value (bytes). */
  value: bigint;
}

/**
 * `struct iommu_iotlb_gather`. `start`/`end` are bigint; the number paths
 * keep a number range beside them that is folded in when either is read.
 */
export class IommuIotlbGather {
  /** @internal bigint part of the range. */
  _start: bigint = U64_MAX;
  /** @internal */
  _end = 0n;
  /** @internal number part of the range (Infinity / -1 when empty). */
  _nstart: number = Infinity;
  /** @internal */
  _nend = -1;
  /** Page size of the range, if known. */
  pgsize = 0n;
  /** Table pages to free after the flush. */
  freelist: PtTableMem[] = [];
  /** DMA-FQ: flushes are queued. */
  queued = false;

  /** @internal Fold the number range into the bigint one. */
  _fold(): void {
    if (this._nend < 0) return;
    const s = BigInt(this._nstart);
    const e = BigInt(this._nend);
    if (this._start > s) this._start = s;
    if (this._end < e) this._end = e;
    this._nstart = Infinity;
    this._nend = -1;
  }
  /** First IOVA to flush (ULONG_MAX when empty). */
  get start(): bigint {
    this._fold();
    return this._start;
  }
  set start(v: bigint) {
    this._fold();
    this._start = v;
  }
  /** Last IOVA to flush, inclusive (0 when empty). */
  get end(): bigint {
    this._fold();
    return this._end;
  }
  set end(v: bigint) {
    this._fold();
    this._end = v;
  }
}

/** `iommu_iotlb_gather_init(gather)`. */
export function iommu_iotlb_gather_init(gather: IommuIotlbGather): void {
  gather._start = U64_MAX;
  gather._end = 0n;
  gather._nstart = Infinity;
  gather._nend = -1;
  gather.pgsize = 0n;
  // A fresh list, unless the old one is empty (nobody can miss it)
  if (gather.freelist.length !== 0) gather.freelist = [];
  gather.queued = false;
}

/** `iommu_iotlb_gather_add_range(gather, iova, size)`. */
export function iommu_iotlb_gather_add_range(
  gather: IommuIotlbGather,
  iova: bigint,
  size: bigint,
): void {
  const end = (iova + size - 1n) & U64_MAX;
  if (gather.start > iova) gather.start = iova;
  if (gather.end < end) gather.end = end;
}

/** `iommu_iotlb_gather_is_disjoint(gather, iova, size)`. */
export function iommu_iotlb_gather_is_disjoint(
  gather: IommuIotlbGather,
  iova: bigint,
  size: bigint,
): boolean {
  const start = iova;
  const end = (iova + size - 1n) & U64_MAX;
  return gather.end !== 0n &&
    (end + 1n < gather.start || start > gather.end + 1n);
}

/** `iommu_iotlb_gather_add_range()` on numbers (`iova + size` below 2^53). */
export function iommu_iotlb_gather_add_range_n(
  gather: IommuIotlbGather,
  iova: number,
  size: number,
): void {
  const end = iova + size - 1;
  if (gather._nstart > iova) gather._nstart = iova;
  if (gather._nend < end) gather._nend = end;
}

/** `iommu_iotlb_gather_is_disjoint()` on numbers (`iova + size` below 2^53). */
export function iommu_iotlb_gather_is_disjoint_n(
  gather: IommuIotlbGather,
  iova: number,
  size: number,
): boolean {
  if (gather._start !== U64_MAX || gather._end !== 0n) {
    return iommu_iotlb_gather_is_disjoint(gather, BigInt(iova), BigInt(size));
  }
  const g_end = gather._nend < 0 ? 0 : gather._nend;
  const end = iova + size - 1;
  return g_end !== 0 && (end + 1 < gather._nstart || iova > g_end + 1);
}

/** `struct iommu_domain_ops` (the parts the lab uses). */
export interface IommuDomainOps {
  /** `map_pages`. */
  map_pages(
    domain: IommuDomain,
    iova: bigint,
    paddr: bigint,
    pgsize: bigint,
    pgcount: bigint,
    prot: number,
    gfp: number,
    mapped: SizeRef,
  ): number;
  /** `unmap_pages`: bytes unmapped. */
  unmap_pages(
    domain: IommuDomain,
    iova: bigint,
    pgsize: bigint,
    pgcount: bigint,
    gather: IommuIotlbGather,
  ): bigint;
  /** `iova_to_phys`. */
  iova_to_phys(domain: IommuDomain, iova: bigint): bigint;
  /**
   * Lab: `map_pages` on numbers, used by the core when every address and
   * size is below 2^53. Same contract as `map_pages` (mapped is added to),
   * except that a return of `Number.MIN_SAFE_INTEGER` means "not handled,
   * nothing done". Must implement the same operation as `map_pages`.
   */
  map_pages_n?(
    domain: IommuDomain,
    iova: number,
    paddr: number,
    pgsize: number,
    pgcount: number,
    prot: number,
    gfp: number,
    mapped: { value: number },
  ): number;
  /**
   * Lab: `iova_to_phys` on numbers, the IOVA given as its high and low
   * 32-bit words: the OA, 0 when not mapped, a negative errno for the
   * u64-cast error quirk, or `Number.MIN_SAFE_INTEGER` when the op cannot
   * answer in numbers (e.g. the OA is 2^53 or more).
   */
  iova_to_phys_hl?(domain: IommuDomain, hi: number, lo: number): number;
  /** Lab: `unmap_pages` on numbers (see `map_pages_n`). */
  unmap_pages_n?(
    domain: IommuDomain,
    iova: number,
    pgsize: number,
    pgcount: number,
    gather: IommuIotlbGather,
  ): number;
  /** `iotlb_sync`: flush and free the gather's freelist. */
  iotlb_sync?(domain: IommuDomain, gather: IommuIotlbGather): void;
  /** `iotlb_sync_map`. */
  iotlb_sync_map?(domain: IommuDomain, iova: bigint, size: bigint): number;
}

/** [2026] The `struct pt_iommu` ops the core calls for an iommupt domain. */
export interface IommuPtOps {
  /** `pt->ops->map_range(pt, iova, paddr, len, prot, gfp, &mapped)`. */
  map_range(
    pt: IommuDomain,
    iova: bigint,
    paddr: bigint,
    len: bigint,
    prot: number,
    gfp: number,
    mapped: SizeRef,
  ): number;
  /** `pt->ops->unmap_range(pt, iova, len, gather)`: bytes unmapped. */
  unmap_range(
    pt: IommuDomain,
    iova: bigint,
    len: bigint,
    gather: IommuIotlbGather,
  ): bigint;
  /** Lab: `unmap_range` on numbers (see `unmap_pages_n`). */
  unmap_range_n?(
    pt: IommuDomain,
    iova: number,
    len: number,
    gather: IommuIotlbGather,
  ): number;
  /** Lab: `map_range` on numbers (see `map_pages_n`). */
  map_range_n?(
    pt: IommuDomain,
    iova: number,
    paddr: number,
    len: number,
    prot: number,
    gfp: number,
    mapped: { value: number },
  ): number;
}

/** [2026] `struct pt_iommu` as the core sees it. */
export interface IommuPt extends IommuDomain {
  /** The table's ops (null before init). */
  pt_ops: IommuPtOps | null;
}

/** [2026] `iommupt_from_domain(domain)`: the generic_pt table or null. */
export function iommupt_from_domain(domain: IommuDomain): IommuPt | null {
  return domain.is_iommupt ? domain as IommuPt : null;
}

/** `struct iommu_domain_geometry`. */
export class IommuDomainGeometry {
  /** First usable IOVA. */
  aperture_start = 0n;
  /** Last usable IOVA. */
  aperture_end = 0n;
  /** DMA only within the aperture. */
  force_aperture = false;
}

/** `struct iommu_domain`. */
export class IommuDomain {
  /** `__IOMMU_DOMAIN_PAGING` etc. */
  type = 0;
  /** Supported page sizes. */
  pgsize_bitmap = 0n;
  /** Domain ops (null before init). */
  ops: IommuDomainOps | null = null;
  /** The aperture. */
  geometry: IommuDomainGeometry = new IommuDomainGeometry();
  /**
   * [2026] Set by pt_iommu_init_domain: the core calls the table's
   * `map_range` directly. Clear it for the classic `map_pages` path.
   */
  is_iommupt = false;
  /** @internal `pgsize_bitmap` the tables below were built for. */
  _pgsz_for = -1n;
  /** @internal largest supported page size lg2 <= k (-1: none). */
  _pgsz_le: Int8Array = new Int8Array(65);
  /** @internal smallest supported page size lg2 > k (-1: none). */
  _pgsz_gt: Int8Array = new Int8Array(65);
  /** @internal smallest supported page size lg2. */
  _pgsz_min = 0;
}

const N_LIMIT = 2 ** 53;
const N_FALLBACK = Number.MIN_SAFE_INTEGER;

function pgsz_tables(domain: IommuDomain): void {
  const bm = domain.pgsize_bitmap;
  let le = -1;
  for (let k = 0; k <= 64; k++) {
    if (k < 64 && ((bm >> BIG[k]!) & 1n) !== 0n) le = k;
    domain._pgsz_le[k] = le;
  }
  let gt = -1;
  for (let k = 64; k >= 0; k--) {
    domain._pgsz_gt[k] = gt;
    if (k < 64 && ((bm >> BIG[k]!) & 1n) !== 0n) gt = k;
  }
  domain._pgsz_min = gt < 0 ? 64 : gt;
  domain._pgsz_for = bm;
}

/** `iommu_pgsize()` on numbers below 2^53: lg2 of the size, count in `count`. */
function iommu_pgsize_n(
  domain: IommuDomain,
  iova: number,
  paddr: number,
  size: number,
  count: { value: number },
): number {
  if (domain._pgsz_for !== domain.pgsize_bitmap) pgsz_tables(domain);
  // Page sizes supported by the hardware and small enough for size, then
  // constrained by the maximum alignment
  let max = fls53(size) - 1;
  const a = Math.min(ffs53(iova), ffs53(paddr));
  if (a < max) max = a;
  const pgsize_idx = max < 0 ? -1 : domain._pgsz_le[max]!;
  BUG_ON(pgsize_idx < 0, "iommu_pgsize: no suitable page size");
  // Find the next biggest supported page size, if it exists
  const next = domain._pgsz_gt[pgsize_idx]!;
  if (next >= 0 && next < 53) {
    const pn = POW2N[next]!;
    const off_iova = mod2n(iova, next);
    if (off_iova === mod2n(paddr, next)) {
      const offset = pn - off_iova;
      if (offset + pn <= size) size = offset;
    }
  }
  count.value = div2n(size, pgsize_idx);
  return pgsize_idx;
}

const nCount = { value: 0 };

/** The out-parameters of iommu_map() and iommu_unmap(), reused by every call. */
class CoreScratch {
  /** `mapped` of the number ops. */
  n_mapped = { value: 0 };
  /** `mapped` of the bigint ops. */
  mapped: SizeRef = { value: 0n };
  /** iommu_unmap()'s gather. */
  unmap_gather = new IommuIotlbGather();
}

let scratch = new CoreScratch();
let core_calls = 0;

// A map or unmap that starts while another runs (a fault hook playing a
// second CPU, or the unroll's unmap) takes fresh out-parameters, as that CPU
// would have its own stack; core_exit() gives the first call's back.
function core_enter(): CoreScratch | null {
  if (core_calls++ === 0) return null;
  const saved = scratch;
  scratch = new CoreScratch();
  return saved;
}

function core_exit(saved: CoreScratch | null): void {
  core_calls--;
  if (saved !== null) scratch = saved;
}

// iommu_map() on numbers; N_FALLBACK if the op declined before doing anything
function iommu_map_n(
  domain: IommuDomain,
  ops: IommuDomainOps,
  iova: number,
  paddr: number,
  size: number,
  prot: number,
  gfp: number,
): number {
  const orig_iova = iova;
  const orig_size = size;
  let ret = 0;
  while (size !== 0) {
    const lg2 = iommu_pgsize_n(domain, iova, paddr, size, nCount);
    const mapped = scratch.n_mapped;
    mapped.value = 0;
    ret = ops.map_pages_n!(
      domain,
      iova,
      paddr,
      POW2N[lg2]!,
      nCount.value,
      prot,
      gfp,
      mapped,
    );
    if (ret === N_FALLBACK) {
      if (size === orig_size) return N_FALLBACK;
      ret = ops.map_pages(
        domain,
        BigInt(iova),
        BigInt(paddr),
        BigInt(POW2N[lg2]!),
        BigInt(nCount.value),
        prot,
        gfp,
        scratch.mapped,
      );
      mapped.value = Number(scratch.mapped.value);
      scratch.mapped.value = 0n;
    }
    // Some pages may be mapped even on error: account for them
    size -= mapped.value;
    if (ret) break;
    iova += mapped.value;
    paddr += mapped.value;
  }
  // unroll mapping in case something went wrong
  if (ret) {
    iommu_unmap(domain, BigInt(orig_iova), BigInt(orig_size - size));
    return ret;
  }
  if (ops.iotlb_sync_map) {
    return ops.iotlb_sync_map(domain, BigInt(orig_iova), BigInt(orig_size));
  }
  return 0;
}

/** `iommu_iotlb_sync(domain, gather)`: ops->iotlb_sync, then re-init. */
export function iommu_iotlb_sync(
  domain: IommuDomain,
  gather: IommuIotlbGather,
): void {
  domain.ops?.iotlb_sync?.(domain, gather);
  iommu_iotlb_gather_init(gather);
}

/**
 * `iommu_pgsize(domain, iova, paddr, size, &count)`: the page size to use
 * next and, in `count.value`, how many of them.
 */
export function iommu_pgsize(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  count: SizeRef | null,
): bigint {
  const addr_merge = paddr | iova;
  // Page sizes supported by the hardware and small enough for size
  let pgsizes = domain.pgsize_bitmap & MASK[fls64(size)]!;
  // Constrain further by the maximum alignment
  if (addr_merge !== 0n) pgsizes &= MASK[ffs64(addr_merge) + 1]!;
  BUG_ON(pgsizes === 0n, "iommu_pgsize: no suitable page size");
  const pgsize_idx = fls64(pgsizes) - 1;
  const pgsize = 1n << BIG[pgsize_idx]!;
  if (count === null) return pgsize;
  // Find the next biggest supported page size, if it exists
  const next = domain.pgsize_bitmap & ~MASK[pgsize_idx + 1]! & U64_MAX;
  if (next !== 0n) {
    const pgsize_next = 1n << BIG[ffs64(next)]!;
    if (((iova ^ paddr) & (pgsize_next - 1n)) === 0n) {
      const offset = pgsize_next - (addr_merge & (pgsize_next - 1n));
      const offset_end = offset + pgsize_next;
      if (offset_end <= U64_MAX && offset_end <= size) size = offset;
    }
  }
  count.value = size >> BIG[pgsize_idx]!;
  return pgsize;
}

const countScratch: SizeRef = { value: 0n };

/** `iommu_map(domain, iova, paddr, size, prot, gfp)`: 0 or -errno. */
export function iommu_map(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
  gfp: number,
): number {
  const saved = core_enter();
  try {
    return map_op(domain, iova, paddr, size, prot, gfp);
  } finally {
    core_exit(saved);
  }
}

function map_op(
  domain: IommuDomain,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
  gfp: number,
): number {
  const ops = domain.ops;
  if (domain.type !== __IOMMU_DOMAIN_PAGING) return -EINVAL;
  if (ops === null || domain.pgsize_bitmap === 0n) return -ENODEV;
  const pt = iommupt_from_domain(domain);
  if (pt !== null) return iommu_map_pt(pt, ops, iova, paddr, size, prot, gfp);
  const orig_iova = iova;
  const orig_size = size;
  if (ops.map_pages_n !== undefined) {
    const n_size = Number(size);
    const n_iova = Number(iova);
    const n_paddr = Number(paddr);
    if (
      n_iova >= 0 && n_paddr >= 0 && n_size >= 0 &&
      n_iova + n_size < N_LIMIT && n_paddr + n_size < N_LIMIT
    ) {
      if (domain._pgsz_for !== domain.pgsize_bitmap) pgsz_tables(domain);
      const min = domain._pgsz_min;
      if (Math.min(ffs53(n_iova), ffs53(n_paddr), ffs53(n_size)) < min) {
        return -EINVAL;
      }
      const ret = iommu_map_n(domain, ops, n_iova, n_paddr, n_size, prot, gfp);
      if (ret !== N_FALLBACK) return ret;
    }
  }
  const min_pagesz = 1n << BIG[ffs64(domain.pgsize_bitmap)]!;
  if (((iova | paddr | size) & (min_pagesz - 1n)) !== 0n) return -EINVAL;
  let ret = 0;
  while (size !== 0n) {
    const pgsize = iommu_pgsize(domain, iova, paddr, size, countScratch);
    const mapped = scratch.mapped;
    mapped.value = 0n;
    ret = ops.map_pages(
      domain,
      iova,
      paddr,
      pgsize,
      countScratch.value,
      prot,
      gfp,
      mapped,
    );
    // Some pages may be mapped even on error: account for them
    size -= mapped.value;
    if (ret) break;
    iova += mapped.value;
    paddr += mapped.value;
  }
  // unroll mapping in case something went wrong
  if (ret) {
    iommu_unmap(domain, orig_iova, orig_size - size);
    return ret;
  }
  if (ops.iotlb_sync_map) {
    return ops.iotlb_sync_map(domain, orig_iova, orig_size);
  }
  return 0;
}

// [2026] iommu_map_nosync() for an iommupt domain: one map_range call, the
// mapped prefix unmapped on error
function iommu_map_pt(
  pt: IommuPt,
  ops: IommuDomainOps,
  iova: bigint,
  paddr: bigint,
  size: bigint,
  prot: number,
  gfp: number,
): number {
  const pt_ops = pt.pt_ops;
  if (pt_ops === null) return -ENODEV;
  let ret = N_FALLBACK;
  if (pt_ops.map_range_n !== undefined) {
    const n_size = Number(size);
    const n_iova = Number(iova);
    const n_paddr = Number(paddr);
    if (
      n_iova >= 0 && n_paddr >= 0 && n_size >= 0 &&
      n_iova + n_size < N_LIMIT && n_paddr + n_size < N_LIMIT
    ) {
      const mapped = scratch.n_mapped;
      mapped.value = 0;
      ret = pt_ops.map_range_n(pt, n_iova, n_paddr, n_size, prot, gfp, mapped);
      if (ret !== N_FALLBACK) {
        if (ret) {
          iommu_unmap(pt, iova, BigInt(mapped.value));
          return ret;
        }
        if (ops.iotlb_sync_map) return ops.iotlb_sync_map(pt, iova, size);
        return 0;
      }
    }
  }
  const mapped = scratch.mapped;
  mapped.value = 0n;
  ret = pt_ops.map_range(pt, iova, paddr, size, prot, gfp, mapped);
  const done = mapped.value;
  mapped.value = 0n;
  if (ret) {
    iommu_unmap(pt, iova, done);
    return ret;
  }
  if (ops.iotlb_sync_map) return ops.iotlb_sync_map(pt, iova, size);
  return 0;
}

/** `__iommu_unmap()`: bytes unmapped, gathering into `gather`. */
export function __iommu_unmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
  gather: IommuIotlbGather,
): bigint {
  const ops = domain.ops;
  if (ops === null || domain.type !== __IOMMU_DOMAIN_PAGING) return 0n;
  if (domain.pgsize_bitmap === 0n) return 0n;
  // [2026] an iommupt domain takes the whole range in one unmap_range call
  const pt = iommupt_from_domain(domain);
  const pt_ops = pt === null ? null : pt.pt_ops;
  if (ops.unmap_pages_n !== undefined || pt_ops !== null) {
    const n_size = Number(size);
    const n_iova = Number(iova);
    if (n_iova >= 0 && n_size >= 0 && n_iova + n_size < N_LIMIT) {
      if (domain._pgsz_for !== domain.pgsize_bitmap) pgsz_tables(domain);
      if (Math.min(ffs53(n_iova), ffs53(n_size)) < domain._pgsz_min) return 0n;
      if (pt_ops !== null) {
        if (pt_ops.unmap_range_n !== undefined) {
          const n = pt_ops.unmap_range_n(pt!, n_iova, n_size, gather);
          if (n !== N_FALLBACK) return BigInt(n);
        }
        return pt_ops.unmap_range(pt!, iova, size, gather);
      }
      const n = iommu_unmap_n(domain, ops, n_iova, n_size, gather);
      if (n !== N_FALLBACK) return BigInt(n);
    }
  }
  const min_pagesz = 1n << BIG[ffs64(domain.pgsize_bitmap)]!;
  if (((iova | size) & (min_pagesz - 1n)) !== 0n) return 0n;
  if (pt_ops !== null) return pt_ops.unmap_range(pt!, iova, size, gather);
  let unmapped = 0n;
  while (unmapped < size) {
    const pgsize = iommu_pgsize(
      domain,
      iova,
      iova,
      size - unmapped,
      countScratch,
    );
    const n = ops.unmap_pages(domain, iova, pgsize, countScratch.value, gather);
    if (n === 0n) break;
    iova += n;
    unmapped += n;
  }
  return unmapped;
}

// __iommu_unmap() on numbers; N_FALLBACK if the op declined at once
function iommu_unmap_n(
  domain: IommuDomain,
  ops: IommuDomainOps,
  iova: number,
  size: number,
  gather: IommuIotlbGather,
): number {
  let unmapped = 0;
  while (unmapped < size) {
    const lg2 = iommu_pgsize_n(domain, iova, iova, size - unmapped, nCount);
    let n = ops.unmap_pages_n!(domain, iova, POW2N[lg2]!, nCount.value, gather);
    if (n === N_FALLBACK) {
      if (unmapped === 0) return N_FALLBACK;
      n = Number(
        ops.unmap_pages(
          domain,
          BigInt(iova),
          BigInt(POW2N[lg2]!),
          BigInt(nCount.value),
          gather,
        ),
      );
    }
    if (n === 0) break;
    iova += n;
    unmapped += n;
  }
  return unmapped;
}

/** `iommu_unmap(domain, iova, size)`: bytes unmapped (may exceed size). */
export function iommu_unmap(
  domain: IommuDomain,
  iova: bigint,
  size: bigint,
): bigint {
  const saved = core_enter();
  try {
    const gather = scratch.unmap_gather;
    iommu_iotlb_gather_init(gather);
    const ret = __iommu_unmap(domain, iova, size, gather);
    iommu_iotlb_sync(domain, gather);
    return ret;
  } finally {
    core_exit(saved);
  }
}

/** `iommu_iova_to_phys(domain, iova)`. */
export function iommu_iova_to_phys(domain: IommuDomain, iova: bigint): bigint {
  if (domain.type !== __IOMMU_DOMAIN_PAGING || domain.ops === null) return 0n;
  return domain.ops.iova_to_phys(domain, iova);
}

/**
 * Lab: `iommu_iova_to_phys()` on numbers, for any 64-bit IOVA given as its
 * high and low 32-bit words (no bigint per call when the domain has a number
 * path). Returns the physical address when a number holds it exactly (every
 * value below 2^53, and e.g. page-aligned ones up to 2^64), else -1 (read it
 * with `iommu_iova_to_phys`).
 */
export function iommu_iova_to_phys_hl(
  domain: IommuDomain,
  hi: number,
  lo: number,
): number {
  if (hi >>> 0 !== hi || lo >>> 0 !== lo) {
    throw new RangeError(
      `iommu_iova_to_phys_hl: words ${hi}:${lo} are not 32-bit unsigned`,
    );
  }
  const ops = domain.ops;
  if (domain.type !== __IOMMU_DOMAIN_PAGING || ops === null) return 0;
  if (ops.iova_to_phys_hl !== undefined) {
    const r = ops.iova_to_phys_hl(domain, hi, lo);
    if (r >= 0) return r;
    if (r !== N_FALLBACK) return -1; // an errno cast to u64
  }
  const r = ops.iova_to_phys(domain, (BigInt(hi) << 32n) | BigInt(lo));
  const n = Number(r);
  return r <= U64_MAX && BigInt(n) === r ? n : -1;
}
