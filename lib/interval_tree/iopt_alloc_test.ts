// Copyright 2026 the iommulab authors. MIT license.
import type { ULongPtr } from "../kernel/bits.ts";
import { kmalloc_cache } from "../kernel/slab.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  EADDRINUSE,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOSPC,
  EOVERFLOW,
} from "../kernel/errno.ts";
import { ULONG_MAX } from "../kernel/bits.ts";
import {
  IommufdAllocator,
  IoPagetable,
  iopt_alloc_iova,
  IOPT_AREA_SIZE,
  iopt_check_iova,
  iopt_remove_reserved_iova,
  iopt_reserve_iova,
  iopt_unmap_all,
  iopt_unmap_iova,
} from "./iopt_alloc.ts";

const PG = 4096;

Deno.test("iopt_alloc_iova(): first fit from the bottom, never IOVA 0", () => {
  const a = new IommufdAllocator();
  assert.equal(a.alloc(PG), PG);
  assert.equal(a.alloc(PG), 2 * PG);
  assert.equal(a.alloc(2 * PG), 4 * PG); // aligned to 8 KiB: skips 3 * PG
  assert.equal(a.alloc(PG), 3 * PG); // the hole left behind
  assert.equal(a.free(2 * PG), PG);
  assert.equal(a.alloc(PG), 2 * PG);
  assert.equal(a.areas, 4);
});

Deno.test("iopt_alloc_iova(): alignment comes from the user address and is capped", () => {
  const a = new IommufdAllocator();
  a.map(PG, PG);
  // uptr aligned to 16 KiB, length 64 KiB: alignment 16 KiB.
  assert.equal(a.alloc(16 * PG, 4 * PG), 4 * PG);
  // uptr 0: alignment roundup_pow_of_two(length) = 64 KiB.
  assert.equal(a.alloc(16 * PG), 32 * PG);
  // A 4 MiB map aligns to HPAGE_SIZE (2 MiB), not 4 MiB.
  assert.equal(a.alloc(1024 * PG), 512 * PG);
  // The sub-page offset of uptr is kept.
  const b = new IommufdAllocator();
  assert.equal(b.alloc(100, 0x1234), PG + 0x234);
});

Deno.test("iopt_alloc_iova(): the top page is never used", () => {
  const iopt = new IoPagetable();
  assert.equal(iopt_reserve_iova(iopt, 0, ULONG_MAX - 2 * PG, null), 0);
  const iova: ULongPtr = { value: 0 };
  // Free space is [ULONG_MAX - 2 * PG + 1, ULONG_MAX]; the last page is out.
  assert.equal(iopt_alloc_iova(iopt, iova, PG, PG), 0);
  assert.equal(iova.value, ULONG_MAX - 2 * PG + 1);
  assert.equal(iopt_alloc_iova(iopt, iova, PG, 2 * PG), -ENOSPC);
});

Deno.test("iopt_check_iova(), iopt_unmap_iova(), reserved owners", () => {
  const a = new IommufdAllocator({ iovaAlignment: PG });
  assert.equal(a.map(8 * PG, 2 * PG), 0);
  assert.equal(iopt_check_iova(a.iopt, 9 * PG, PG), -EEXIST);
  assert.equal(iopt_check_iova(a.iopt, 9 * PG + 1, PG), -EINVAL);
  assert.equal(iopt_check_iova(a.iopt, ULONG_MAX - PG + 1, 2 * PG), -EOVERFLOW);
  assert.equal(a.reserve(20 * PG, 21 * PG - 1, "owner"), 0);
  assert.equal(a.reserve(8 * PG, 8 * PG), -EADDRINUSE);
  assert.equal(iopt_check_iova(a.iopt, 20 * PG, PG), -EINVAL);
  assert.equal(a.alloc(3 * PG), 4 * PG); // 16 KiB-aligned, below the area
  assert.equal(a.alloc(PG + 1), -EINVAL); // length not a multiple of PG
  assert.equal(iopt_unmap_iova(a.iopt, 8 * PG, PG, null), -ENOENT); // partial
  const un: ULongPtr = { value: 0 };
  assert.equal(iopt_unmap_iova(a.iopt, 0, 16 * PG, un), 0);
  assert.equal(un.value, 5 * PG);
  assert.equal(iopt_unmap_all(a.iopt, un), 0);
  assert.equal(un.value, 0);
  iopt_remove_reserved_iova(a.iopt, "owner");
  assert.equal(iopt_check_iova(a.iopt, 20 * PG, PG), 0);
});

Deno.test("IommufdAllocator rejects bad lab input with RangeError", () => {
  assert.throws(() => new IommufdAllocator({ iovaAlignment: 3 }), RangeError);
  const a = new IommufdAllocator();
  assert.throws(() => a.alloc(-1), RangeError);
  assert.throws(() => a.reserve(10, 5), RangeError);
  assert.throws(() => a.setAllowed([[2 ** 53, 2 ** 53]]), RangeError);
  assert.equal(a.areas, 0);
});

// Oracle: the lowest address a, a multiple of the alignment, in
// [PG, ULONG_MAX - PG], whose pages are all free and inside one allowed run.
Deno.test("iopt_alloc_iova() equals a page-bitmap first-fit oracle (property)", () => {
  const N = 64; // pages in the universe
  const seed = 0x10f7;
  const op = fc.oneof(
    fc.record({
      t: fc.constant("alloc"),
      pages: fc.integer({ min: 1, max: 9 }),
      ua: fc.integer({ min: 0, max: 5 }),
    }),
    fc.record({ t: fc.constant("free"), pick: fc.nat() }),
    fc.record({
      t: fc.constant("reserve"),
      s: fc.nat(N - 1),
      len: fc.integer({ min: 1, max: 6 }),
    }),
  );
  try {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(N - 1), fc.integer({ min: 1, max: 20 })), {
          maxLength: 3,
        }),
        fc.array(op, { maxLength: 40 }),
        (allowed, ops) => {
          const a = new IommufdAllocator();
          const allowedRanges = allowed.map(([s, l]) =>
            [s * PG, (s + l) * PG - 1] as [number, number]
          );
          assert.equal(a.setAllowed(allowedRanges), 0);
          const state = new Uint8Array(N + 32); // 0 free, 1 mapped, 2 reserved
          const allow = new Uint8Array(N + 32);
          for (const [s, l] of allowed) {
            for (let p = s; p < s + l; p++) allow[p] = 1;
          }
          const anyAllowed = allowed.length > 0;
          const areas: number[] = [];
          for (const o of ops) {
            if (o.t === "alloc") {
              const len = o.pages * PG;
              const uptr = o.ua === 0 ? 0 : 2 ** (11 + o.ua) * 3; // ffs = 11 + ua
              let align = 2 ** Math.ceil(Math.log2(len));
              if (uptr) align = Math.min(align, 2 ** (11 + o.ua));
              let want = -ENOSPC;
              for (let p = 1; p + o.pages <= N + 32; p++) {
                if ((p * PG) % align !== 0) continue;
                let ok = true;
                for (let q = p; q < p + o.pages && ok; q++) {
                  if (state[q] !== 0 || (anyAllowed && !allow[q])) ok = false;
                }
                if (ok) {
                  want = p * PG + (uptr % PG);
                  break;
                }
              }
              const got = a.alloc(len, uptr);
              assert.equal(got, want);
              if (got > 0) {
                for (let q = got / PG; q < got / PG + o.pages; q++) {
                  state[q] = 1;
                }
                areas.push(got);
              }
            } else if (o.t === "free") {
              if (areas.length === 0) continue;
              const [iova] = areas.splice(o.pick % areas.length, 1);
              const n = a.free(iova) / PG;
              assert.ok(n > 0);
              for (let q = iova / PG; q < iova / PG + n; q++) state[q] = 0;
            } else {
              let busy = false;
              for (let q = o.s; q < o.s + o.len; q++) {
                if (state[q] === 1 || allow[q]) busy = true;
              }
              const rc = a.reserve(o.s * PG, (o.s + o.len) * PG - 1);
              assert.equal(rc, busy ? -EADDRINUSE : 0);
              if (!busy) {
                for (let q = o.s; q < o.s + o.len; q++) state[q] = 2;
              }
            }
          }
        },
      ),
      { seed, numRuns: 300 },
    );
  } catch (e) {
    console.error(`iopt_alloc_iova property failed with seed ${seed}`);
    throw e;
  }
});

Deno.test("IoptArea structs are accounted in kmalloc-192 (136 bytes)", () => {
  const cache = kmalloc_cache(IOPT_AREA_SIZE)!;
  assert.equal(cache.size, 192);
  const before = cache.stats.live_bytes;
  const a = new IommufdAllocator({ iovaAlignment: 4096 });
  const iovas = [a.alloc(4096), a.alloc(8192), a.alloc(4096)];
  assert.equal(cache.stats.live_bytes - before, 3 * 192);
  assert.equal(a.free(iovas[1]!), 8192);
  assert.equal(cache.stats.live_bytes - before, 2 * 192);
  // A failed insert (page_offset not aligned) frees its struct again.
  assert.equal(a.map(1 << 30, 4096, 1), -EINVAL);
  assert.equal(cache.stats.live_bytes - before, 2 * 192);
  const n: ULongPtr = { value: 0 };
  assert.equal(iopt_unmap_all(a.iopt, n), 0);
  assert.equal(n.value, 8192);
  assert.equal(cache.stats.live_bytes - before, 0);
});
