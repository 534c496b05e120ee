// Copyright 2026 the iommulab authors. MIT license.
/**
 * Every page-table format the lab implements, in the kernel's Makefile order.
 *
 * @module
 */
import type { PtFormat } from "../format.ts";
import { amdv1, amdv1_mock } from "./amdv1.ts";
import { x86_64 } from "./x86_64.ts";
import { vtdss } from "./vtdss.ts";
import { riscv_64 } from "./riscv.ts";

export * from "./amdv1.ts";
export * from "./x86_64.ts";
export * from "./vtdss.ts";
export * from "./riscv.ts";

/** The formats with KUnit suites (`<name>_fmt_test`, `<name>_iommu_test`). */
export const pt_formats: readonly PtFormat[] = [
  amdv1,
  amdv1_mock,
  vtdss,
  x86_64,
  riscv_64,
];
