// Copyright 2026 the iommulab authors. MIT license.
/**
 * Unit tests of the IOVA API surface: argument checking (nothing changes
 * on bad input), the iova.h helpers, cache reference counting, and the
 * per-variant `struct iova` slab sizes that memory figures rest on.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  kernel_reset,
  KernelBug,
  PAGE_SIZE,
  ULONG_MAX,
  warn_count,
} from "../kernel/mod.ts";
import {
  alloc_iova,
  find_iova,
  init_iova_domain,
  type Iova,
  iova_align,
  iova_cache_get,
  iova_cache_of,
  iova_cache_put,
  iova_cache_users,
  iova_dma_addr,
  iova_domain_verify_invariants,
  iova_mask,
  iova_offset,
  iova_pfn,
  iova_shift,
  iova_size,
  IOVA_VARIANTS,
  IovaDomain,
  iovaDomainMemory,
  put_iova_domain,
  reserve_iova,
} from "./mod.ts";

function withDomain(
  variant: (typeof IOVA_VARIANTS)[number],
  fn: (iovad: IovaDomain) => void,
): void {
  kernel_reset();
  iova_cache_get();
  const iovad = new IovaDomain(variant);
  init_iova_domain(iovad, PAGE_SIZE, 1);
  try {
    fn(iovad);
  } finally {
    put_iova_domain(iovad);
    iova_cache_put();
  }
}

Deno.test("iova.h helpers follow the granule", () => {
  const d = { granule: 4096 };
  assert.equal(iova_shift(d), 12);
  assert.equal(iova_mask(d), 4095);
  assert.equal(iova_offset(d, 0x12345), 0x345);
  assert.equal(iova_align(d, 1), 4096);
  assert.equal(iova_pfn(d, 2 ** 40 + 5), 2 ** 28);
  const iova = { pfn_lo: 0x100, pfn_hi: 0x103 } as Iova;
  assert.equal(iova_size(iova), 4);
  assert.equal(iova_dma_addr(d, iova), 0x100000);
  assert.throws(
    () => iova_dma_addr(d, { pfn_lo: 2 ** 50 } as Iova),
    RangeError,
  );
});

Deno.test("struct iova costs 64, 24 and 16 bytes per variant", () => {
  kernel_reset();
  iova_cache_get();
  try {
    assert.equal(iova_cache_of("rbtree-6.12")!.size, 64);
    assert.equal(iova_cache_of("maple-v3")!.size, 24);
    assert.equal(iova_cache_of("maple-v4")!.size, 16);
    for (const v of IOVA_VARIANTS) {
      assert.equal(iova_cache_of(v)!.name, "iommu_iova");
    }
  } finally {
    iova_cache_put();
  }
  assert.equal(iova_cache_of("maple-v4"), null);
});

Deno.test("iova_cache_get/put count users; an extra put WARNs", () => {
  kernel_reset();
  const before = iova_cache_users();
  iova_cache_get();
  iova_cache_get();
  assert.equal(iova_cache_users(), before + 2);
  iova_cache_put();
  iova_cache_put();
  assert.equal(iova_cache_users(), before);
  const warnings = warn_count(null);
  iova_cache_put();
  assert.equal(warn_count(null), warnings + 1);
  assert.equal(iova_cache_users(), before);
});

Deno.test("init_iova_domain BUGs on a bad granule and needs the cache", () => {
  kernel_reset();
  assert.throws(
    () => init_iova_domain(new IovaDomain(), 3 * 1024, 1),
    KernelBug,
  );
  assert.throws(
    () => init_iova_domain(new IovaDomain(), 2 * PAGE_SIZE, 1),
    KernelBug,
  );
  assert.throws(
    () => init_iova_domain(new IovaDomain(), PAGE_SIZE, 1),
    /iova_cache_get/,
  );
  assert.throws(() => new IovaDomain("maple-v5" as never), /unknown IOVA/);
  assert.throws(
    () => alloc_iova(new IovaDomain(), 1, 100, false),
    /init_iova_domain/,
  );
});

for (const variant of IOVA_VARIANTS) {
  Deno.test(`${variant}: bad arguments throw and change nothing`, () => {
    withDomain(variant, (iovad) => {
      const a = alloc_iova(iovad, 4, 1000, true)!;
      const before = iovaDomainMemory(iovad);
      assert.throws(() => alloc_iova(iovad, 0, 1000, false), RangeError);
      assert.throws(() => alloc_iova(iovad, 1.5, 1000, false), RangeError);
      assert.throws(() => alloc_iova(iovad, 1, -1, false), RangeError);
      assert.throws(() => alloc_iova(iovad, 1, 2 ** 53, false), RangeError);
      assert.throws(() => find_iova(iovad, -3), RangeError);
      assert.throws(() => reserve_iova(iovad, 10, 5), RangeError);
      assert.deepEqual(iovaDomainMemory(iovad), before);
      assert.equal(find_iova(iovad, a.pfn_lo), a);
      assert.ok(iova_domain_verify_invariants(iovad));
    });
  });

  Deno.test(`${variant}: limit ULONG_MAX wraps as in the kernel`, () => {
    withDomain(variant, (iovad) => {
      // limit_pfn + 1 is 0 in unsigned long: the rbtree's high_pfn becomes
      // 0 and nothing fits; the maple window top is 0 - 1 = ULONG_MAX.
      // Either way a limit of 0 is below dma_32bit_pfn, so the failure sets
      // the max32 hint and a later 32-bit request of that size fast-fails.
      const iova = alloc_iova(iovad, 1, ULONG_MAX, false);
      if (variant === "rbtree-6.12") {
        assert.equal(iova, null);
        assert.equal(iovad.max32_alloc_size, 1);
      } else {
        assert.equal(iova!.pfn_hi, ULONG_MAX);
      }
    });
  });
}
