// Copyright 2026 the iommulab authors. MIT license.
/**
 * The `rbtree-6.12` variant: drivers/iommu/iova.c as of 6.12 — cached
 * 32/64-bit start nodes, the anchor, the first-fit walk down from the
 * cached node with one retry pass above it, the linear `reserve_iova()`
 * that widens nodes in place.
 *
 * @module
 */
import {
  __GFP_NOWARN,
  ENOMEM,
  fls_long,
  GFP_ATOMIC,
  kasan_check,
  pr_err,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
  WARN_ON,
} from "../kernel/mod.ts";
import {
  rb_check,
  rb_erase,
  rb_first,
  rb_first_postorder,
  rb_insert_color,
  rb_link_node,
  rb_next,
  rb_next_postorder,
  rb_prev,
  RbLink,
  type RbNode,
} from "../rbtree/mod.ts";
import {
  alloc_iova_mem,
  free_iova_mem,
  IOVA_ANCHOR,
  type IovaDomain,
} from "./iova_domain.ts";
import type { Iova } from "./iova_h.ts";
import type { IovaOps } from "./_ops.ts";
import { iova_verify_entry } from "./_verify.ts";

/** `to_iova(node)`: the node is the struct (Iova extends RbNode). */
function to_iova(node: RbNode): Iova {
  return node as Iova;
}

// A candidate below 0 wraps in the kernel ((high_pfn - size) & mask): any
// value above every pfn behaves the same in the walk's comparisons.
const WRAPPED = Number.POSITIVE_INFINITY;

const link = new RbLink();

// __get_cached_rbnode()
function get_cached_rbnode(iovad: IovaDomain, limit_pfn: number): RbNode {
  return limit_pfn <= iovad.dma_32bit_pfn
    ? iovad.cached32_node!
    : iovad.cached_node!;
}

// __cached_rbnode_insert_update()
function cached_rbnode_insert_update(iovad: IovaDomain, nw: Iova): void {
  if (nw.pfn_hi < iovad.dma_32bit_pfn) iovad.cached32_node = nw;
  else iovad.cached_node = nw;
}

// __cached_rbnode_delete_update(): insert tests pfn_hi, delete tests pfn_lo.
function cached_rbnode_delete_update(iovad: IovaDomain, free: Iova): void {
  let cached = to_iova(iovad.cached32_node!);
  if (
    free === cached ||
    (free.pfn_hi < iovad.dma_32bit_pfn && free.pfn_lo >= cached.pfn_lo)
  ) {
    iovad.cached32_node = rb_next(free);
  }
  if (free.pfn_lo < iovad.dma_32bit_pfn) {
    iovad.max32_alloc_size = iovad.dma_32bit_pfn;
  }
  cached = to_iova(iovad.cached_node!);
  if (free.pfn_lo >= cached.pfn_lo) iovad.cached_node = rb_next(free);
}

// iova_find_limit(): the lowest node with pfn_lo >= limit_pfn (the anchor
// for limits above 32 bits: "an incredibly crude approximation").
function iova_find_limit(iovad: IovaDomain, limit_pfn: number): RbNode {
  if (limit_pfn > iovad.dma_32bit_pfn) return iovad.anchor;
  let node = iovad.rbroot.rb_node!;
  while (to_iova(node).pfn_hi < limit_pfn) node = node.rb_right!;
  for (;;) {
    // search_left:
    while (node.rb_left && to_iova(node.rb_left).pfn_lo >= limit_pfn) {
      node = node.rb_left;
    }
    if (!node.rb_left) return node;
    let next: RbNode = node.rb_left;
    let moved = false;
    while (next.rb_right) {
      next = next.rb_right;
      if (to_iova(next).pfn_lo >= limit_pfn) {
        node = next;
        moved = true;
        break;
      }
    }
    if (!moved) return node;
  }
}

// iova_insert_rbtree(): descend from `start` (or the root); a duplicate
// pfn_lo WARNs and is not inserted.
function iova_insert_rbtree(
  iovad: IovaDomain,
  iova: Iova,
  start: RbNode | null,
): void {
  if (start !== null) link.var(start);
  else link.root(iovad.rbroot);
  let parent: RbNode | null = null;
  let cur = link.get();
  while (cur !== null) {
    const self = to_iova(cur);
    parent = cur;
    if (iova.pfn_lo < self.pfn_lo) link.left(cur);
    else if (iova.pfn_lo > self.pfn_lo) link.right(cur);
    else {
      WARN_ON(true); // this should not happen
      return;
    }
    cur = link.get();
  }
  rb_link_node(iova, parent, link);
  rb_insert_color(iova, iovad.rbroot);
}

function alloc_and_insert(
  iovad: IovaDomain,
  size: number,
  limit_pfn: number,
  nw: Iova,
  size_aligned: boolean,
): number {
  // align_mask = ~0UL << fls_long(size - 1), applied as a round-down.
  const align = size_aligned ? 2 ** fls_long(size - 1) : 1;
  let high_pfn = limit_pfn;
  let low_pfn = iovad.start_pfn;
  let new_pfn = 0;
  const flags = spin_lock_irqsave(iovad.iova_lock);
  if (limit_pfn <= iovad.dma_32bit_pfn && size >= iovad.max32_alloc_size) {
    spin_unlock_irqrestore(iovad.iova_lock, flags);
    return -ENOMEM; // iova32_full
  }
  let curr: RbNode | null = get_cached_rbnode(iovad, limit_pfn);
  let curr_iova = to_iova(curr);
  const retry_pfn = curr_iova.pfn_hi;
  let prev: RbNode = curr;
  for (;;) {
    // retry: walk the tree backwards
    do {
      high_pfn = Math.min(high_pfn, curr_iova.pfn_lo);
      new_pfn = high_pfn < size
        ? WRAPPED
        : Math.floor((high_pfn - size) / align) * align;
      prev = curr!;
      curr = rb_prev(curr!);
      if (curr !== null) curr_iova = to_iova(curr);
    } while (
      curr !== null && new_pfn <= curr_iova.pfn_hi && new_pfn >= low_pfn
    );
    if (high_pfn < size || new_pfn < low_pfn) {
      if (low_pfn === iovad.start_pfn && retry_pfn < limit_pfn) {
        high_pfn = limit_pfn;
        low_pfn = retry_pfn + 1;
        curr = iova_find_limit(iovad, limit_pfn);
        curr_iova = to_iova(curr);
        continue;
      }
      iovad.max32_alloc_size = size;
      spin_unlock_irqrestore(iovad.iova_lock, flags);
      return -ENOMEM;
    }
    break;
  }
  // pfn_lo will point to a size-aligned address if size_aligned is set
  nw.pfn_lo = new_pfn;
  nw.pfn_hi = new_pfn + size - 1;
  // If we have 'prev', it's a valid place to start the insertion.
  iova_insert_rbtree(iovad, nw, prev);
  cached_rbnode_insert_update(iovad, nw);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return 0;
}

function find(iovad: IovaDomain, pfn: number): Iova | null {
  let node = iovad.rbroot.rb_node;
  while (node !== null) {
    const iova = to_iova(node);
    if (pfn < iova.pfn_lo) node = node.rb_left;
    else if (pfn > iova.pfn_hi) node = node.rb_right;
    else {
      kasan_check(iova, "private_find_iova");
      return iova; // pfn falls within iova's range
    }
  }
  return null;
}

// remove_iova(): rb_erase never allocates and never fails.
function remove(iovad: IovaDomain, iova: Iova): boolean {
  kasan_check(iova, "remove_iova");
  cached_rbnode_delete_update(iovad, iova);
  rb_erase(iova, iovad.rbroot);
  return true;
}

// __adjust_overlap_range() and the linear reserve_iova() walk.
function reserve(
  iovad: IovaDomain,
  pfn_lo: number,
  pfn_hi: number,
): Iova | null {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  let overlap = false;
  let iova: Iova | null = null;
  for (let node = rb_first(iovad.rbroot); node; node = rb_next(node)) {
    const cur = to_iova(node);
    if (pfn_lo <= cur.pfn_hi && pfn_hi >= cur.pfn_lo) {
      if (pfn_lo < cur.pfn_lo) cur.pfn_lo = pfn_lo;
      if (pfn_hi > cur.pfn_hi) pfn_lo = cur.pfn_hi + 1;
      if (pfn_lo >= cur.pfn_lo && pfn_hi <= cur.pfn_hi) {
        spin_unlock_irqrestore(iovad.iova_lock, flags);
        return cur;
      }
      overlap = true;
    } else if (overlap) break;
  }
  // The first reserved node, or the non-overlapping remainder on top.
  iova = alloc_iova_mem(iovad, GFP_ATOMIC | __GFP_NOWARN);
  if (iova !== null) {
    iova.pfn_lo = pfn_lo;
    iova.pfn_hi = pfn_hi;
    iova_insert_rbtree(iovad, iova, null);
  }
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return iova;
}

function init(iovad: IovaDomain): void {
  iovad.rbroot.rb_node = null;
  iovad.cached_node = iovad.anchor;
  iovad.cached32_node = iovad.anchor;
  iovad.anchor.pfn_lo = iovad.anchor.pfn_hi = IOVA_ANCHOR;
  link.root(iovad.rbroot);
  rb_link_node(iovad.anchor, null, link);
  rb_insert_color(iovad.anchor, iovad.rbroot);
}

// put_iova_domain(): rbtree_postorder_for_each_entry_safe + free_iova_mem.
function destroy(iovad: IovaDomain): void {
  let node = rb_first_postorder(iovad.rbroot);
  while (node !== null) {
    const next = rb_next_postorder(node);
    free_iova_mem(iovad, to_iova(node));
    node = next;
  }
  iovad.rbroot.rb_node = null;
}

// The lab's iova_domain_verify_invariants() for the rbtree (the series
// only has the maple one): ordered, non-overlapping, anchor last, and the
// red-black rules.
function verify(iovad: IovaDomain): boolean {
  const flags = spin_lock_irqsave(iovad.iova_lock);
  let ok = true;
  let prev: Iova | null = null;
  for (let node = rb_first(iovad.rbroot); node; node = rb_next(node)) {
    const iova = to_iova(node);
    if (!iova_verify_entry(prev, iova)) ok = false;
    prev = iova;
  }
  if (prev !== iovad.anchor) {
    pr_err("iova: the anchor is not the last node\n");
    ok = false;
  }
  const rb = rb_check(iovad.rbroot, (a: Iova, b: Iova) => a.pfn_lo < b.pfn_lo);
  if (rb.error !== null) {
    pr_err(`iova: rbtree invalid: ${rb.error}\n`);
    ok = false;
  }
  spin_unlock_irqrestore(iovad.iova_lock, flags);
  return ok;
}

function ranges(iovad: IovaDomain): Iova[] {
  const out: Iova[] = [];
  for (let node = rb_first(iovad.rbroot); node; node = rb_next(node)) {
    if (node !== iovad.anchor) out.push(to_iova(node));
  }
  return out;
}

/** The rbtree-6.12 variant. */
export const rbtree_ops: IovaOps = {
  init,
  alloc_and_insert,
  find,
  remove,
  reserve,
  destroy,
  verify,
  has_deferred: () => false,
  ranges,
};
