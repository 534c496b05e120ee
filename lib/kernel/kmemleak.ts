// Copyright 2026 the iommulab authors. MIT license.
/**
 * A kmemleak-like report of objects still live (mm/kmemleak.c): slab
 * objects (tracked by KASAN) and page blocks allocated after a mark.
 *
 * A suite asks for a leak check at the end of each case by calling
 * {@link kmemleak_check_at_end} (typically in `init`): when the case ends,
 * every object or page block allocated during the case and still live is
 * reported on it as `memory-leak`.
 *
 * @module
 */
import { kunit_get_current_test } from "./test_bug.ts";
import { kernel_report } from "./report.ts";
import { resolve_site } from "./report.ts";
import { type KmemCache, live_records, slab_alloc_seq } from "./slab.ts";
import { live_pages, page_alloc_seq } from "./page_alloc.ts";

/** One leaked object or page block. */
export interface LeakRecord {
  /** "slab" object or "page" block. */
  type: "slab" | "page";
  /** The cache name (slab) or the owner (page). */
  where: string;
  /** Bytes it takes. */
  size: number;
  /** Allocation sequence number. */
  seq: number;
  /** `file:line` of the allocation (or "<not recorded>"). */
  alloc_site: string;
  /** The object or block. */
  object: object;
}

/** A point in the allocation history, from {@link kmemleak_mark}. */
export interface KmemleakMark {
  /** Slab allocation sequence number at the mark. */
  slab_seq: number;
  /** Page allocation sequence number at the mark. */
  page_seq: number;
}

/** The current point in the allocation history. */
export function kmemleak_mark(): KmemleakMark {
  return { slab_seq: slab_alloc_seq(), page_seq: page_alloc_seq() };
}

/** Options of {@link kmemleak_scan}. */
export interface KmemleakOptions {
  /** Only objects allocated after this mark (default: all). */
  since?: KmemleakMark;
  /** Only these caches (default: every cache). */
  caches?: readonly KmemCache<object>[];
  /** Only page blocks of these owners (default: every owner). */
  owners?: readonly string[];
  /** Include page blocks (default true). */
  pages?: boolean;
}

/** The live objects and page blocks matching `opts`, oldest first. */
export function kmemleak_scan(opts: KmemleakOptions = {}): LeakRecord[] {
  const out: LeakRecord[] = [];
  const since = opts.since ?? { slab_seq: 0, page_seq: 0 };
  for (const r of live_records(undefined, since.slab_seq)) {
    if (opts.caches !== undefined && !opts.caches.includes(r.cache)) continue;
    out.push({
      type: "slab",
      where: r.cache.name,
      size: r.cache.size,
      seq: r.seq,
      alloc_site: resolve_site(r.alloc_site),
      object: r.obj,
    });
  }
  if (opts.pages !== false) {
    for (const p of live_pages(undefined, since.page_seq)) {
      if (opts.owners !== undefined && !opts.owners.includes(p.owner)) continue;
      out.push({
        type: "page",
        where: p.owner,
        size: p.size,
        seq: p.seq,
        alloc_site: resolve_site(p.alloc_site),
        object: p,
      });
    }
  }
  return out;
}

/**
 * Reports each leak in `leaks` (at most `max` lines of detail) as one
 * `memory-leak` report on the current test. Returns the leak count.
 */
export function kmemleak_report(leaks: LeakRecord[], max = 10): number {
  if (leaks.length === 0) return 0;
  const bytes = leaks.reduce((s, l) => s + l.size, 0);
  kernel_report({
    kind: "memory-leak",
    message:
      `kmemleak: ${leaks.length} new suspected memory leaks (${bytes} bytes)`,
    site: leaks[0]!.alloc_site,
    details: leaks.slice(0, max).map((l) =>
      `unreferenced ${
        l.type === "slab" ? "object" : "page block"
      } #${l.seq} (size ${l.size}) from ${l.where}, allocated at ${l.alloc_site}`
    ),
    alloc_site: leaks[0]!.alloc_site,
  });
  return leaks.length;
}

interface Pending {
  test: object;
  mark: KmemleakMark;
  opts: KmemleakOptions;
}
let pending: Pending | null = null;

/**
 * Asks for a leak check when the current KUnit case ends: whatever the case
 * allocated (since the case began, or since now when called outside
 * `begin`) and did not free is reported. Returns false outside a test.
 */
export function kmemleak_check_at_end(
  opts: Omit<KmemleakOptions, "since"> = {},
): boolean {
  const t = kunit_get_current_test();
  if (t === null) return false;
  pending = { test: t, mark: caseMark ?? kmemleak_mark(), opts };
  return true;
}

let caseMark: KmemleakMark | null = null;

/** Lifecycle: a case begins. */
export function kmemleak_case_begin(): void {
  caseMark = kmemleak_mark();
  pending = null;
}

/** Lifecycle: a case ends; runs the requested check. Returns the leak count. */
export function kmemleak_case_end(): number {
  const p = pending;
  pending = null;
  caseMark = null;
  if (p === null) return 0;
  return kmemleak_report(kmemleak_scan({ ...p.opts, since: p.mark }));
}
