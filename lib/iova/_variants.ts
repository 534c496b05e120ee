// Copyright 2026 the iommulab authors. MIT license.
/**
 * The variant table: which tree code a domain runs.
 *
 * @module
 */
import type { IovaDomain, IovaVariant } from "./iova_domain.ts";
import type { IovaOps } from "./_ops.ts";
import { rbtree_ops } from "./_rbtree.ts";
import { maple_v3_ops, maple_v4_ops } from "./_maple.ts";

/** Each variant's tree code. */
export const OPS: Readonly<Record<IovaVariant, IovaOps>> = {
  "rbtree-6.12": rbtree_ops,
  "maple-v3": maple_v3_ops,
  "maple-v4": maple_v4_ops,
};

/** The tree code of a domain's variant. */
export function iova_ops(iovad: IovaDomain): IovaOps {
  return OPS[iovad.variant];
}
