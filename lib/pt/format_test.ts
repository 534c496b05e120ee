// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amdv1,
  amdv1_mock,
  N_ENTRY_EMPTY,
  N_ENTRY_OA,
  PT_ENTRY_EMPTY,
  PT_ENTRY_OA,
  pt_init_top,
  pt_top_range,
  PtCommon,
  type PtFormat,
  PtWriteAttrs,
  riscv_64,
  vtdss,
  x86_64,
} from "./mod.ts";
import { iommu_alloc_pages_sz, iommu_free_pages } from "../kernel/mod.ts";

const formats: PtFormat[] = [amdv1, amdv1_mock, vtdss, x86_64, riscv_64];
const owner = "pt_format_test";

/** A common with the format's features, its top level and a scratch table. */
function setup(fmt: PtFormat) {
  const common = new PtCommon(fmt);
  common.features = fmt.PT_SUPPORTED_FEATURES_RAW;
  common.max_vasz_lg2 = fmt.PT_MAX_VA_ADDRESS_LG2;
  common.max_oasz_lg2 = fmt.PT_MAX_OUTPUT_ADDRESS_LG2;
  common.top_of_table = fmt.PT_MAX_TOP_LEVEL;
  const mem = iommu_alloc_pages_sz(0, 4096, owner)!;
  const pts = pt_init_top(pt_top_range(common));
  pts.table = mem;
  return { common, mem, pts };
}

/** Runs `f`, returning its value or the class of what it threw. */
function result<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).constructor.name;
  }
}

Deno.test("number codec decodes entries like the bigint format API", () => {
  for (const fmt of formats) {
    const { mem, pts } = setup(fmt);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: fmt.PT_MAX_TOP_LEVEL }),
        (e, level) => {
          mem.u64[0] = e;
          pts.index = 0;
          pts.level = level;
          const type = fmt.load_entry_raw(pts);
          const lo = mem.u32[0]!, hi = mem.u32[1]!;
          const d = fmt.n_decode(lo, hi, level);
          assert.equal(fmt.n_type(lo, hi, level), type, fmt.name);
          if (type === PT_ENTRY_EMPTY) assert.equal(d, N_ENTRY_EMPTY);
          else if (type === PT_ENTRY_OA) {
            assert.equal(d, N_ENTRY_OA);
            const oa = fmt.n_entry_oa(lo, hi, level);
            if (oa >= 0) assert.equal(BigInt(oa), fmt.entry_oa(pts));
            assert.equal(
              result(() => fmt.n_entry_num_contig_lg2(lo, hi, level)),
              result(() => fmt.entry_num_contig_lg2(pts)),
            );
          } else {
            const pa = fmt.table_pa(pts);
            if ((pa & 0xfffn) === 0n) assert.equal(BigInt(d) * 4096n, pa);
          }
        },
      ),
      { seed: 0xc0dec, numRuns: 3000 },
    );
    iommu_free_pages(mem);
  }
});

Deno.test("number codec installs the same leaf words as the bigint one", () => {
  for (const fmt of formats) {
    const { common, mem, pts } = setup(fmt);
    const other = iommu_alloc_pages_sz(0, 4096, owner)!;
    const limit = Math.min(53, fmt.PT_MAX_OUTPUT_ADDRESS_LG2);
    let checked = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fmt.PT_MAX_TOP_LEVEL }),
        fc.integer({ min: 0, max: 63 }),
        fc.bigInt({ min: 0n, max: (1n << BigInt(limit)) - 1n }),
        fc.constantFrom(1, 2, 3, 1 | 8, 3 | 4, 3 | 16),
        (level, pick, oa_raw, prot) => {
          pts.level = level;
          pts.index = 0;
          const sizes = fmt.possible_sizes(pts);
          const lg2s: number[] = [];
          for (let i = 0; i < 64; i++) {
            if ((sizes >> BigInt(i)) & 1n) lg2s.push(i);
          }
          if (lg2s.length === 0) return;
          const sz = lg2s[pick % lg2s.length]!;
          const attrs = new PtWriteAttrs();
          if (fmt.iommu_set_prot(common, attrs, prot)) return;
          const oa = (oa_raw >> BigInt(sz)) << BigInt(sz);
          mem.u64.fill(0n);
          other.u64.fill(0n);
          fmt.install_leaf_entry(pts, oa, sz, attrs);
          const d = attrs.descriptor_bits;
          fmt.n_install_leaf_entry(
            other.u32,
            0,
            Number(oa),
            sz,
            level,
            Number(d & 0xffff_ffffn),
            Number(d >> 32n),
          );
          assert.deepEqual(other.u64, mem.u64, `${fmt.name} ${level} ${sz}`);
          checked++;
        },
      ),
      { seed: 0x1eaf, numRuns: 3000 },
    );
    assert.ok(checked > 100, `${fmt.name}: only ${checked} installs checked`);
    iommu_free_pages(mem);
    iommu_free_pages(other);
  }
});
