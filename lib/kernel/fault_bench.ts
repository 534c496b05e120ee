// Copyright 2026 the iommulab authors. MIT license.
import { declare_fault_point, should_fail } from "./fault.ts";
import { kernel_reset } from "./kernel.ts";

const FP = declare_fault_point("bench.point");
kernel_reset();
let sink = 0;

Deno.bench("should_fail, unarmed point (x1000)", { group: "fault" }, () => {
  for (let i = 0; i < 1000; i++) if (should_fail(FP)) sink++;
});

Deno.bench("loop baseline (x1000)", { group: "fault", baseline: true }, () => {
  for (let i = 0; i < 1000; i++) if (i === -1) sink++;
});

globalThis.addEventListener("unload", () => {
  if (sink !== 0) throw new Error("unexpected failure");
});
