// Copyright 2026 the iommulab authors. MIT license.
/**
 * One allocation trace on the three IOVA allocator variants (`rbtree-6.12`,
 * `maple-v3`, `maple-v4`): the pfns each one hands out, where they differ,
 * and the memory each domain holds afterwards (struct iova slab objects plus
 * maple nodes, from the slab's accounting).
 *
 * Run it with:
 *
 * ```sh
 * deno run examples/iova_variants.ts
 * ```
 *
 * @module
 */
import {
  __free_iova,
  alloc_iova,
  dma_bit_mask_pfn,
  init_iova_domain,
  type Iova,
  iova_cache_get,
  iova_cache_put,
  IOVA_VARIANTS,
  IovaDomain,
  iovaDomainMemory,
  PAGE_SHIFT,
  PAGE_SIZE,
  put_iova_domain,
  reserve_iova,
} from "../mod.ts";

const hex = (n: number): string => "0x" + n.toString(16);
const LIMIT32 = dma_bit_mask_pfn(32, PAGE_SHIFT); // 0xfffff

/** One step of the trace: an allocation (named by `as`) or a free. */
type Step = { alloc: number; aligned: boolean; as: string } | { free: string };
const trace: Step[] = [
  { alloc: 3, aligned: true, as: "a" }, // 4-aligned: leaves a hole above it
  { alloc: 1, aligned: false, as: "b" }, // rbtree: below a; maple: the hole
  { alloc: 16, aligned: true, as: "c" },
  { free: "b" },
  { alloc: 2, aligned: false, as: "d" },
  { alloc: 1, aligned: false, as: "e" },
];

iova_cache_get();
const rows: string[][] = [];
for (const variant of IOVA_VARIANTS) {
  const iovad = new IovaDomain(variant);
  init_iova_domain(iovad, PAGE_SIZE, 1);
  reserve_iova(iovad, 0xfee00, 0xfeeff); // an MSI window below 4 GiB
  const named = new Map<string, Iova>();
  const row: string[] = [variant];
  for (const step of trace) {
    if ("free" in step) {
      __free_iova(iovad, named.get(step.free)!);
      continue;
    }
    const iova = alloc_iova(iovad, step.alloc, LIMIT32, step.aligned);
    if (iova) named.set(step.as, iova);
    row.push(iova ? hex(iova.pfn_lo) : "NULL");
  }
  const mem = iovaDomainMemory(iovad);
  row.push(
    `${mem.iovas} x ${mem.structSize} B + ${mem.treeNodes} nodes = ${
      mem.structBytes + mem.treeBytes
    } B`,
  );
  rows.push(row);
  put_iova_domain(iovad);
}
iova_cache_put();

const header = ["variant", ...trace.flatMap((s) => "as" in s ? [s.as] : [])];
header.push("memory (struct iova + maple nodes)");
const width = header.map((h, i) =>
  Math.max(h.length, ...rows.map((r) => r[i]!.length))
);
for (const r of [header, ...rows]) {
  console.log(r.map((c, i) => c.padEnd(width[i]!)).join("  ").trimEnd());
}
