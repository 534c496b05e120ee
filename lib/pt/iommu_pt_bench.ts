// Copyright 2026 the iommulab authors. MIT license.
import {
  amdv1,
  Amdv1Format,
  iommu_iova_to_phys,
  iommu_map,
  iommu_unmap,
  kunit_pt_ops,
  pt_iommu_init,
  pt_kunit_driver_ops,
  type PtFormat,
  PtIommu,
} from "./mod.ts";

function make(
  fmt: PtFormat,
  fast_path: boolean,
  number_path = true,
): PtIommu {
  const t = new PtIommu(fmt);
  t.driver_ops = pt_kunit_driver_ops;
  t.ops = kunit_pt_ops;
  t.lab.fast_path = fast_path;
  t.lab.number_path = number_path;
  const cfg = {
    features: fmt.PT_SUPPORTED_FEATURES_RAW,
    hw_max_vasz_lg2: 64,
    hw_max_oasz_lg2: 52,
    starting_level: 2,
  };
  if (pt_iommu_init(t, cfg, 0)) throw new Error("init");
  // populate the tables so the single page path applies
  iommu_map(t, 0x40000000n, 0n, 1n << 21n, 3, 0);
  iommu_unmap(t, 0x40000000n, 1n << 21n);
  return t;
}

// Non-debug build, as production (no PT_WARN_ON / debug checks)
const prod = new Amdv1Format(false, false);
void amdv1;
for (const [fast, num] of [[true, true], [false, true], [true, false]]) {
  const t = make(prod, fast, num);
  const tag = (fast ? "fast path" : "no fast path") +
    (num ? "" : ", bigint walkers");
  Deno.bench(`amdv1 iommu_map+unmap 4K (${tag})`, { group: "4K" }, () => {
    iommu_map(t, 0x40001000n, 0x1000n, 0x1000n, 3, 0);
    iommu_unmap(t, 0x40001000n, 0x1000n);
  });
}
for (const num of [true, false]) {
  const t = make(prod, true, num);
  iommu_map(t, 0x40001000n, 0x1000n, 0x1000n, 3, 0);
  const tag = num ? "" : " (bigint walkers)";
  Deno.bench(`amdv1 iommu_iova_to_phys${tag}`, { group: "i2p" }, () => {
    iommu_iova_to_phys(t, 0x40001234n);
  });
}
{
  const t = make(prod, true);
  Deno.bench("amdv1 256 x 4K, one call", { group: "256" }, () => {
    iommu_map(t, 0x40000000n, 0x80000000n, 256n << 12n, 3, 0);
    iommu_unmap(t, 0x40000000n, 256n << 12n);
  });
  Deno.bench("amdv1 256 x 4K, 256 calls", { group: "256" }, () => {
    for (let i = 0n; i < 256n; i++) {
      iommu_map(
        t,
        0x40000000n + (i << 12n),
        0x80000000n + (i << 12n),
        0x1000n,
        3,
        0,
      );
    }
    for (let i = 0n; i < 256n; i++) {
      iommu_unmap(t, 0x40000000n + (i << 12n), 0x1000n);
    }
  });
  Deno.bench("amdv1 256 x 2M, one call", { group: "256" }, () => {
    iommu_map(t, 1n << 40n, 1n << 40n, 256n << 21n, 3, 0);
    iommu_unmap(t, 1n << 40n, 256n << 21n);
  });
}
