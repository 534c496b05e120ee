// Copyright 2026 the iommulab authors. MIT license.
/**
 * The test-only exports of the series (`CONFIG_IOMMU_IOVA_KUNIT_TEST`):
 * `iova_domain_verify_invariants()` (v3 on), `iova_kunit_defer_erase`,
 * `iova_kunit_store_types()` and `iova_domain_has_deferred()` (v4 on).
 * The lab offers them for every variant where they mean something: the
 * invariant check also walks the rbtree, and the store-type probe works on
 * both maple variants.
 *
 * @module
 */
import type { ULongPtr } from "../kernel/mod.ts";
import {
  GFP_ATOMIC,
  spin_lock_irqsave,
  spin_unlock_irqrestore,
} from "../kernel/mod.ts";
import { MA_STATE, mas_destroy, mas_preallocate } from "../maple/mod.ts";
import type { IovaDomain } from "./iova_domain.ts";
import type { Iova } from "./iova_h.ts";
import { check_domain } from "./iova.ts";
import { iova_ops } from "./_variants.ts";
import { IOVA_DEFERRED, iova_kunit } from "./_maple.ts";

export { IOVA_DEFERRED, iova_kunit };

/**
 * `iova_domain_verify_invariants(iovad)`: every entry's tree range equals
 * its `[pfn_lo, pfn_hi]`, `pfn_lo <= pfn_hi`, no overlap with the previous
 * entry (rbtree: also the anchor last and the red-black rules). Each
 * violation is `pr_err`ed; returns false if any.
 */
export function iova_domain_verify_invariants(iovad: IovaDomain): boolean {
  check_domain(iovad, "iova_domain_verify_invariants");
  return iova_ops(iovad).verify(iovad);
}

/** `iova_domain_has_deferred(iovad)`: whether an erase is still pending. */
export function iova_domain_has_deferred(iovad: IovaDomain): boolean {
  check_domain(iovad, "iova_domain_has_deferred");
  return iova_ops(iovad).has_deferred(iovad);
}

/**
 * `iova_kunit_store_types(iovad, iova, &erase, &marker, &marker_nodes)`:
 * what `mas_preallocate` computes for a NULL store (the erase) and for an
 * `IOVA_DEFERRED` store over `iova`'s range — the two `mas.store_type`s
 * and the marker store's `node_request`. Nothing is stored. Maple variants
 * only (TypeError for the rbtree).
 */
export function iova_kunit_store_types(
  iovad: IovaDomain,
  iova: Iova,
  erase_type: ULongPtr,
  marker_type: ULongPtr,
  marker_nodes: ULongPtr,
): void {
  check_domain(iovad, "iova_kunit_store_types");
  if (iovad.variant === "rbtree-6.12") {
    throw new TypeError(
      "iova_kunit_store_types: the rbtree-6.12 variant has no maple tree",
    );
  }
  const flags = spin_lock_irqsave(iovad.iova_lock);
  const mas = MA_STATE(iovad.mtree, iova.pfn_lo, iova.pfn_hi);
  mas_preallocate(mas, null, GFP_ATOMIC);
  erase_type.value = mas.store_type;
  mas_destroy(mas);
  const mas2 = MA_STATE(iovad.mtree, iova.pfn_lo, iova.pfn_hi);
  mas_preallocate(mas2, IOVA_DEFERRED, GFP_ATOMIC);
  marker_type.value = mas2.store_type;
  marker_nodes.value = mas2.node_request;
  mas_destroy(mas2);
  spin_unlock_irqrestore(iovad.iova_lock, flags);
}
