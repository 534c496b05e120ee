// Copyright 2026 the iommulab authors. MIT license.
/**
 * The per-entry checks of `iova_domain_verify_invariants()`, shared by the
 * variants, with the series' `pr_err` texts.
 *
 * @module
 */
import { pr_err } from "../kernel/mod.ts";
import type { Iova } from "./iova_h.ts";

/**
 * `pfn_lo <= pfn_hi`, and no overlap with the entry before it (`prev`, in
 * ascending order, or null for the first). `pr_err`s each violation and
 * returns false if any.
 */
export function iova_verify_entry(prev: Iova | null, iova: Iova): boolean {
  let ok = true;
  if (iova.pfn_lo > iova.pfn_hi) {
    pr_err(
      `iova_verify: pfn_lo=${iova.pfn_lo} > pfn_hi=${iova.pfn_hi}\n`,
    );
    ok = false;
  }
  if (prev !== null && prev.pfn_hi >= iova.pfn_lo) {
    pr_err(
      `iova_verify: overlap prev=[${prev.pfn_lo},${prev.pfn_hi}] curr=[${iova.pfn_lo},${iova.pfn_hi}]\n`,
    );
    ok = false;
  }
  return ok;
}
