// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  alloc_iova,
  iova_cache_get,
  iova_cache_put,
  IOVA_VARIANTS,
  put_iova_domain,
} from "../iova/mod.ts";
import {
  createIovaDomain,
  holesHaveAlignedFit,
  iovaDeferredRanges,
  iovaFreeHoles,
} from "./iova_util.ts";

Deno.test("holesHaveAlignedFit", () => {
  const holes = [{ lo: 1, hi: 4 }, { lo: 9, hi: 10 }];
  assert.equal(holesHaveAlignedFit(holes, 2, 2), true); // [2,3]
  assert.equal(holesHaveAlignedFit(holes, 4, 4), false);
  assert.equal(holesHaveAlignedFit(holes, 4, 1), true);
});

Deno.test("iovaFreeHoles of every variant", () => {
  iova_cache_get();
  try {
    for (const v of IOVA_VARIANTS) {
      const iovad = createIovaDomain(v, { startPfn: 1 });
      alloc_iova(iovad, 2, 10, false); // [9, 10]
      alloc_iova(iovad, 1, 6, false); // [6, 6]
      assert.deepEqual(iovaFreeHoles(iovad, 1, 12), [
        { lo: 1, hi: 5 },
        { lo: 7, hi: 8 },
        { lo: 11, hi: 12 },
      ], v);
      assert.deepEqual(iovaDeferredRanges(iovad), [], v);
      put_iova_domain(iovad);
    }
  } finally {
    iova_cache_put();
  }
});
