// Copyright 2026 the iommulab authors. MIT license.
/**
 * Benchmarks of the IOVA variants. Every bench iteration runs
 * {@link BATCH} operation pairs, so per-pair time = reported time / BATCH.
 *
 * - `churn`: 10^5 live size-1 IOVAs; each pair frees a random live one and
 *   allocates a new one (`alloc_iova(size 1, 36-bit limit, aligned)` +
 *   `__free_iova`), Peng Zhang's "random free + allocate" loop.
 * - `rcache hit`: `alloc_iova_fast` + `free_iova_fast` of one page on the
 *   same CPU (always served by the loaded magazine).
 * - `32-bit in 64-bit domain, n=10^k`: a domain holding n size-1 64-bit
 *   IOVAs; each pair allocates one page below 4 GiB and frees it.
 *
 *     deno bench --allow-read --allow-env lib/iova/iova_bench.ts
 *
 * KASAN is off (counters only), as for any speed run.
 *
 * @module
 */
import { kasan_enable, PAGE_SIZE, Xoshiro128 } from "../kernel/mod.ts";
import {
  __free_iova,
  alloc_iova,
  alloc_iova_fast,
  free_iova_fast,
  init_iova_domain,
  type Iova,
  iova_cache_get,
  iova_domain_init_rcaches,
  IOVA_VARIANTS,
  IovaDomain,
  type IovaVariant,
} from "./mod.ts";

kasan_enable(false);
iova_cache_get();

/** Operation pairs per bench iteration. */
const BATCH = 100;
const LIMIT_32 = 2 ** 20 - 1;
const LIMIT_64 = 2 ** 24; // (1ULL << 36) >> PAGE_SHIFT, as the KUnit suite
const SIZES = (Deno.env.get("IOVA_BENCH_SIZES") ?? "1000,10000,100000,1000000")
  .split(",").map(Number);

function domain(variant: IovaVariant): IovaDomain {
  const iovad = new IovaDomain(variant);
  init_iova_domain(iovad, PAGE_SIZE, 1);
  return iovad;
}

function fill(iovad: IovaDomain, n: number): Iova[] {
  const out: Iova[] = [];
  for (let i = 0; i < n; i++) out.push(alloc_iova(iovad, 1, LIMIT_64, true)!);
  return out;
}

const rng = new Xoshiro128(0x9e3779b9);
const rnd = (n: number): number => rng.below(n);

for (const variant of IOVA_VARIANTS) {
  const iovad = domain(variant);
  const live = fill(iovad, 100_000);
  Deno.bench({
    name: `${variant}: churn, 10^5 live (x${BATCH} pairs)`,
    group: "alloc_iova + __free_iova",
    baseline: variant === "maple-v4",
    fn() {
      for (let i = 0; i < BATCH; i++) {
        const k = rnd(live.length);
        __free_iova(iovad, live[k]!);
        live[k] = alloc_iova(iovad, 1, LIMIT_64, true)!;
      }
    },
  });
}

for (const variant of IOVA_VARIANTS) {
  const iovad = domain(variant);
  iova_domain_init_rcaches(iovad);
  Deno.bench({
    name: `${variant}: rcache hit (x${BATCH} pairs)`,
    group: "alloc_iova_fast + free_iova_fast",
    baseline: variant === "maple-v4",
    fn() {
      for (let i = 0; i < BATCH; i++) {
        const pfn = alloc_iova_fast(iovad, 1, LIMIT_32, true);
        free_iova_fast(iovad, pfn, 1);
      }
    },
  });
}

for (const variant of IOVA_VARIANTS) {
  for (const n of SIZES) {
    const iovad = domain(variant);
    fill(iovad, n);
    Deno.bench({
      name: `${variant}: 32-bit in 64-bit domain, n=${n} (x${BATCH} pairs)`,
      group: `32-bit alloc, ${variant}`,
      baseline: n === SIZES[0],
      fn() {
        for (let i = 0; i < BATCH; i++) {
          __free_iova(iovad, alloc_iova(iovad, 1, LIMIT_32, true)!);
        }
      },
    });
  }
}
