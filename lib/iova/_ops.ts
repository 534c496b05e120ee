// Copyright 2026 the iommulab authors. MIT license.
/**
 * What differs between the variants: the tree behind the domain. iova.ts
 * holds the code common to all (argument checks, locking around lookups and
 * frees, the slab) and calls these per variant.
 *
 * @module
 */
import type { IovaDomain } from "./iova_domain.ts";
import type { Iova } from "./iova_h.ts";

/** One variant's tree code. `lock held` means `iova_lock` is taken. */
export interface IovaOps {
  /** `init_iova_domain()`'s tree part. */
  init(iovad: IovaDomain): void;
  /**
   * `__alloc_and_insert_iova_range()`: takes the lock itself; `limit_pfn`
   * is exclusive. 0 or `-ENOMEM`.
   */
  alloc_and_insert(
    iovad: IovaDomain,
    size: number,
    limit_pfn: number,
    iova: Iova,
    size_aligned: boolean,
  ): number;
  /** `private_find_iova()` (lock held). */
  find(iovad: IovaDomain, pfn: number): Iova | null;
  /**
   * `remove_iova()` (lock held). Returns whether the struct left the tree
   * and may be freed; false when it must stay (maple-v3 queues it for the
   * retry work, maple-v4's WARN path leaves it for teardown).
   */
  remove(iovad: IovaDomain, iova: Iova): boolean;
  /** `reserve_iova()` after the argument check: takes the lock itself. */
  reserve(iovad: IovaDomain, pfn_lo: number, pfn_hi: number): Iova | null;
  /** `put_iova_domain()`'s tree part: frees every struct. */
  destroy(iovad: IovaDomain): void;
  /** `iova_domain_verify_invariants()` (takes the lock). */
  verify(iovad: IovaDomain): boolean;
  /** `iova_domain_has_deferred()`: erases still waiting. */
  has_deferred(iovad: IovaDomain): boolean;
  /** Every allocated or reserved range in ascending order (lock held). */
  ranges(iovad: IovaDomain): Iova[];
}
