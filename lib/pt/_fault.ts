// Copyright 2026 the iommulab authors. MIT license.
/**
 * The kernel's named fault points, as generic_pt uses them.
 *
 * @module
 */
export {
  declare_fault_point,
  fault_arm,
  fault_disarm,
  type FaultPoint,
  should_fail,
} from "../kernel/fault.ts";
