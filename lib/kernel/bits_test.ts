// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import { dma_bit_mask_pfn } from "./bits.ts";
import { PAGE_SHIFT } from "./page_alloc.ts";

Deno.test("dma_bit_mask_pfn is DMA_BIT_MASK(n) >> shift, exact past 2^53", () => {
  assert.equal(dma_bit_mask_pfn(32, PAGE_SHIFT), 2 ** 20 - 1);
  assert.equal(dma_bit_mask_pfn(56, PAGE_SHIFT), 2 ** 44 - 1);
  assert.equal(dma_bit_mask_pfn(64, PAGE_SHIFT), 2 ** 52 - 1);
  assert.equal(dma_bit_mask_pfn(PAGE_SHIFT, PAGE_SHIFT), 0);
  assert.throws(() => dma_bit_mask_pfn(65, PAGE_SHIFT), RangeError);
  assert.throws(() => dma_bit_mask_pfn(64, 0), RangeError);
});
