// Copyright 2026 the iommulab authors. MIT license.
/**
 * Lab API: what a domain holds and what it costs in memory, measured from
 * the simulated kernel's accounting (slab object sizes, maple nodes of 256
 * bytes, magazines of 1 KiB), never assumed.
 *
 * @module
 */
import { mt_node_stats } from "../maple/mod.ts";
import type { IovaDomain, IovaVariant } from "./iova_domain.ts";
import { IOVA_MAGAZINE_BYTES } from "./iova_domain.ts";
import { iova_ops } from "./_variants.ts";
import { iova_deferred_count } from "./_maple.ts";
import { ksize } from "../kernel/mod.ts";

/** Memory held by one domain. */
export interface IovaDomainMemory {
  /** The domain's variant. */
  variant: IovaVariant;
  /** Live `struct iova`s in the tree (allocated, reserved, cached). */
  iovas: number;
  /** Bytes per `struct iova` after slab rounding. */
  structSize: number;
  /** `iovas * structSize`. */
  structBytes: number;
  /** Maple nodes (0 for the rbtree: its node is inside `struct iova`). */
  treeNodes: number;
  /** `treeNodes * 256`. */
  treeBytes: number;
  /** Leaf slots used / available (maple), 0 for the rbtree. */
  leafFill: number;
  /** `IOVA_DEFERRED` markers (maple-v4) or queued structs (maple-v3). */
  deferred: number;
  /** Magazines (per-CPU and depot) and the rcache array, in bytes. */
  rcacheBytes: number;
  /** `(structBytes + treeBytes) / iovas` (0 when empty). */
  bytesPerIova: number;
}

function count_magazines(iovad: IovaDomain): number {
  let n = 0;
  for (const rc of iovad.rcaches ?? []) {
    n += rc.depot_size;
    for (const c of rc.cpu_rcaches?.slots ?? []) {
      if (c.loaded !== null) n++;
      if (c.prev !== null) n++;
    }
  }
  return n;
}

/** Measures `iovad` (takes no lock: call it between operations). */
export function iovaDomainMemory(iovad: IovaDomain): IovaDomainMemory {
  const iovas = iova_ops(iovad).ranges(iovad).length;
  const structSize = iovad.iova_cache?.size ?? 0;
  const maple = iovad.variant !== "rbtree-6.12";
  const ns = maple ? mt_node_stats(iovad.mtree) : null;
  const treeNodes = ns?.nodes ?? 0;
  const treeBytes = ns?.bytes ?? 0;
  const structBytes = iovas * structSize;
  return {
    variant: iovad.variant,
    iovas,
    structSize,
    structBytes,
    treeNodes,
    treeBytes,
    leafFill: ns?.leaf_fill ?? 0,
    deferred: iova_deferred_count(iovad),
    rcacheBytes: count_magazines(iovad) * IOVA_MAGAZINE_BYTES +
      (iovad.rcaches_mem !== null ? ksize(iovad.rcaches_mem) : 0),
    bytesPerIova: iovas ? (structBytes + treeBytes) / iovas : 0,
  };
}
