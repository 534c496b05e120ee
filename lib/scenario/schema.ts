// Copyright 2026 the iommulab authors. MIT license.
/**
 * The one schema of scenario files (`npm:zod`), and the TypeScript types
 * scenario authors write against. The types are written out by hand (for
 * readable editor completion) and the schemas are annotated with them, so
 * `deno check` fails if the two ever disagree.
 *
 * Numbers: IOVA pfns and sizes, maple indices and every page-table address
 * are given as JSON numbers (integers up to 2^53 - 1) or as strings: hex
 * (`"0x200000"`, any width, so 64-bit page-table addresses fit), or a
 * reference to an earlier named result (`"$a"`, `"$a.pfn_hi"`,
 * `"$a.size+1"`). Page-table values are converted to bigint.
 *
 * @module
 */
import { z } from "zod";
import { FAULT_POINTS, type FaultArmOptions } from "../kernel/fault.ts";
import { IOVA_VARIANTS, type IovaVariant } from "../iova/mod.ts";
import { pt_formats } from "../pt/mod.ts";

/** A hex literal: `0x` and hex digits. */
export const HEX_RE: RegExp = /^0x[0-9a-fA-F]+$/;
/** A reference: `$name`, optional `.field`, optional `+N` / `-N` offset. */
export const REF_RE: RegExp =
  /^\$([a-z_][a-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?(?:([+-])(0x[0-9a-fA-F]+|[0-9]+))?$/;
/** A DMA mask limit for IOVA steps: `"32bit"` is `DMA_BIT_MASK(32) >> shift`. */
export const BITS_RE: RegExp = /^([0-9]{1,2})bit$/;
/** A name: KTAP-safe snake_case. */
export const NAME_RE: RegExp = /^[a-z][a-z0-9_]*$/;

const NUM_STRING_RE = new RegExp(`(?:${HEX_RE.source})|(?:${REF_RE.source})`);
const LIMIT_STRING_RE = new RegExp(
  `(?:${HEX_RE.source})|(?:${REF_RE.source})|(?:${BITS_RE.source})`,
);

/** What the error message says a number field expects. */
export const NUM_EXPECTED =
  'an integer, a hex string ("0x1000") or a reference ("$a", "$a.pfn_hi+1")';
/** What the error message says a limit field expects. */
export const LIMIT_EXPECTED =
  'an integer pfn, a hex string, a reference or a DMA mask ("32bit")';
/** What the error message says an expectation expects. */
export const EXPECTATION_EXPECTED =
  "an expectation: an integer, a hex string, a reference, null, or an object " +
  "with value, range, aligned, error, not_null, per_variant or per_format";

/** The regex sources the error formatter translates into words. */
export const PATTERN_WORDS: ReadonlyMap<string, string> = new Map([
  [NUM_STRING_RE.source, NUM_EXPECTED],
  [LIMIT_STRING_RE.source, LIMIT_EXPECTED],
  [NAME_RE.source, 'a snake_case name ("[a-z][a-z0-9_]*")'],
]);

/** A number field: integer, hex string or reference. */
export type Num = number | string;
/** A limit pfn: a {@link Num} or a DMA mask such as `"32bit"`. */
export type Limit = number | string;

/** The errno names an `{ error }` expectation accepts. */
export const ERRNO_NAMES = [
  "EPERM",
  "ENOENT",
  "EIO",
  "EAGAIN",
  "ENOMEM",
  "EFAULT",
  "EBUSY",
  "EEXIST",
  "ENODEV",
  "EINVAL",
  "ENOSPC",
  "ERANGE",
  "EOVERFLOW",
  "EOPNOTSUPP",
  "EADDRINUSE",
] as const;
/** An errno name. */
export type ErrnoName = typeof ERRNO_NAMES[number];

/** The page-table format names (`amdv1`, `amdv1_mock`, ...). */
export const PT_FORMAT_NAMES: readonly string[] = pt_formats.map((f) => f.name);

/** Page-table feature names (`PT_FEAT_*` lower-cased, without the prefix). */
export const PT_FEATURE_NAMES = [
  "dma_incoherent",
  "full_va",
  "dynamic_top",
  "sign_extend",
  "flush_range",
  "flush_range_no_gaps",
  "amdv1_encrypt_tables",
  "amdv1_force_coherence",
  "vtdss_force_coherence",
  "vtdss_force_writeable",
  "x86_64_amd_encrypt_tables",
  "riscv_svnapot_64k",
  "riscv_svpbmt",
] as const;
/** A page-table feature name. */
export type PtFeatureName = typeof PT_FEATURE_NAMES[number];

/** IOMMU protection names for `map`. */
export const PROT_NAMES = ["read", "write", "cache", "noexec", "mmio"] as const;
/** A protection bit name. */
export type ProtName = typeof PROT_NAMES[number];

/** GFP names for `map` and `store`. */
export const GFP_NAMES = ["GFP_KERNEL", "GFP_ATOMIC", "GFP_NOWAIT"] as const;
/** A GFP mask name. */
export type GfpName = typeof GFP_NAMES[number];

/** Counters a `check` step can read (see the README's reference). */
export const COUNTER_NAMES = [
  "live_iovas",
  "live_iova_bytes",
  "magazines",
  "deferred",
  "max32_alloc_size",
  "dma_32bit_pfn",
  "maple_nodes",
  "table_pages",
  "top_level",
  "top_va_lg2",
  "install_races",
  "top_races",
  "change_top",
  "clear_contig_tables",
  "warnings",
] as const;
/** A counter name. */
export type CounterName = typeof COUNTER_NAMES[number];

/**
 * What a step must produce. A number, hex string or reference is an exact
 * value; `null` means NULL (no iova, no entry, an alloc_fast that returned
 * 0); an object combines checks, all of which must hold.
 */
export type Expectation = number | string | null | ExpectationObject;

/** The object form of an {@link Expectation}. */
export interface ExpectationObject {
  /** Exactly this value (`null` for NULL). */
  value?: number | string | null;
  /** Within `[lo, hi]`, both inclusive. */
  range?: [Num, Num];
  /** A multiple of this. */
  aligned?: Num;
  /** The step returned `-E<name>`. */
  error?: ErrnoName;
  /** Not NULL (`true`), or NULL (`false`). */
  not_null?: boolean;
  /** One expectation per IOVA variant the scenario runs. */
  per_variant?: Partial<Record<IovaVariant, Expectation>>;
  /** One expectation per page-table format the scenario runs. */
  per_format?: Record<string, Expectation>;
}

/** Fields every step accepts. */
export interface StepCommon {
  /** Names the step's result so later steps can use `"$name"`. */
  as?: string;
  /** A comment, shown in failure messages. */
  doc?: string;
  /** The step's result. */
  expect?: Expectation;
  /** Fields of the result (`pfn_lo`, `pfn_hi`, `size`, `index`, `last`). */
  expect_fields?: Record<string, Expectation>;
}

/** `alloc_iova(iovad, size, limit, aligned)`: result `pfn_lo` or null. */
export interface AllocStep extends StepCommon {
  /** The step kind. */
  op: "alloc";
  /** Size in granules. */
  size: Num;
  /** Inclusive limit pfn, or `"32bit"`-style DMA mask. */
  limit: Limit;
  /** `size_aligned` (default false). */
  aligned?: boolean;
}
/** `alloc_iova_fast(iovad, size, limit, flush_rcache)`: pfn or null (0). */
export interface AllocFastStep extends StepCommon {
  /** The step kind. */
  op: "alloc_fast";
  /** Size in granules. */
  size: Num;
  /** Inclusive limit pfn, or `"32bit"`-style DMA mask. */
  limit: Limit;
  /** `flush_rcache` (default true). */
  flush_rcache?: boolean;
}
/** `__free_iova(iovad, $iova)` or `free_iova(iovad, pfn)`. */
export interface FreeStep extends StepCommon {
  /** The step kind. */
  op: "free";
  /** The name of an earlier `alloc`/`reserve`/`find` result. */
  iova?: string;
  /** A pfn inside the range to free (`free_iova`). */
  pfn?: Num;
}
/** `free_iova_fast(iovad, pfn, size)`. */
export interface FreeFastStep extends StepCommon {
  /** The step kind. */
  op: "free_fast";
  /** The pfn `alloc_fast` returned. */
  pfn: Num;
  /** Its size. */
  size: Num;
}
/** `reserve_iova(iovad, lo, hi)`: result `pfn_lo` or null. */
export interface ReserveStep extends StepCommon {
  /** The step kind. */
  op: "reserve";
  /** First pfn. */
  lo: Num;
  /** Last pfn (inclusive). */
  hi: Num;
}
/** `find_iova(iovad, pfn)`: result `pfn_lo` or null. */
export interface FindStep extends StepCommon {
  /** The step kind. */
  op: "find";
  /** The pfn to look up. */
  pfn: Num;
}
/** `iommu_map(domain, iova, paddr, size, prot, gfp)`: 0 or -errno. */
export interface MapStep extends StepCommon {
  /** The step kind. */
  op: "map";
  /** IO virtual address. */
  iova: Num;
  /** Physical address. */
  paddr: Num;
  /** Length in bytes. */
  size: Num;
  /** Protection (default read, write). */
  prot?: ProtName[];
  /** Allocation mask (default GFP_KERNEL). */
  gfp?: GfpName;
}
/** `iommu_unmap(domain, iova, size)`: bytes unmapped. */
export interface UnmapStep extends StepCommon {
  /** The step kind. */
  op: "unmap";
  /** IO virtual address. */
  iova: Num;
  /** Length in bytes. */
  size: Num;
}
/** `iommu_iova_to_phys(domain, iova)`: the physical address (0 if none). */
export interface IovaToPhysStep extends StepCommon {
  /** The step kind. */
  op: "iova_to_phys";
  /** IO virtual address. */
  iova: Num;
}
/** `mtree_store_range(mt, index, last, entry, gfp)`: 0 or -errno. */
export interface StoreStep extends StepCommon {
  /** The step kind. */
  op: "store";
  /** First index. */
  index: Num;
  /** Last index (default: index). */
  last?: Num;
  /** The entry: an integer, or null to clear. */
  entry: number | null;
  /** Allocation mask (default GFP_KERNEL). */
  gfp?: GfpName;
}
/** `mtree_erase(mt, index)`: the erased entry or null. */
export interface EraseStep extends StepCommon {
  /** The step kind. */
  op: "erase";
  /** Any index of the range. */
  index: Num;
}
/** `mtree_load(mt, index)`: the entry or null. */
export interface LoadStep extends StepCommon {
  /** The step kind. */
  op: "load";
  /** The index. */
  index: Num;
}
/**
 * `mas_empty_area(mas, min, max, size)` / `mas_empty_area_rev`: 0 or
 * -errno; fields `index` and `last` of the area found.
 */
export interface EmptyAreaStep extends StepCommon {
  /** The step kind. */
  op: "empty_area" | "empty_area_rev";
  /** Lowest index. */
  min: Num;
  /** Highest index. */
  max: Num;
  /** Size of the area. */
  size: Num;
}
/** Advances the virtual clock, running the work that falls due. */
export interface AdvanceStep extends StepCommon {
  /** The step kind. */
  op: "advance";
  /** Milliseconds. */
  ms: Num;
}
/** Switches the current CPU, or hot-unplugs / plugs one: 0 or -errno. */
export interface CpuStep extends StepCommon {
  /** The step kind. */
  op: "cpu";
  /** Later steps run on this CPU. */
  switch?: number;
  /** `remove_cpu(n)`: runs the CPU-dead callbacks. */
  unplug?: number;
  /** `add_cpu(n)`. */
  plug?: number;
}
/**
 * Arms a fault point (`fault_arm`) with `fault_attr` fields or `fail_nth`,
 * or with `race`: nested steps that run at the moment the point fires
 * (the call itself then succeeds).
 */
export interface ArmStep
  extends StepCommon, Omit<FaultArmOptions, "hook" | "ignore_gfp_highmem"> {
  /** The step kind. */
  op: "arm";
  /** A declared fault point (`maple.node_alloc`, `pt.table_alloc`, ...). */
  point: string;
  /**
   * Steps to run when the point fires (a racing CPU); if the interrupted
   * code holds a lock, when it releases it. A `cpu` switch among them holds
   * for the race only.
   */
  race?: Step[];
}
/** Disarms a fault point. */
export interface DisarmStep extends StepCommon {
  /** The step kind. */
  op: "disarm";
  /** The point. */
  point: string;
}
/** Checks the state of the subjects. */
export interface CheckStep extends StepCommon {
  /** The step kind. */
  op: "check";
  /** Every subject's invariants hold. */
  invariants?: boolean;
  /** No WARN since the case started. */
  no_warnings?: boolean;
  /** Tears the subjects down now and expects nothing leaked. */
  leaks?: boolean;
  /** Counter values. */
  counters?: Partial<Record<CounterName, Expectation>>;
  /** Failures injected per fault point since it was armed. */
  injected?: Record<string, Expectation>;
}
/** A value generator of `repeat`. */
export type Generator =
  | { range: [Num, Num] }
  | { pick: Num[] }
  | { pow2: [number, number] };
/** Runs `steps` `times` times; `gen` draws seeded values per iteration. */
export interface RepeatStep extends StepCommon {
  /** The step kind. */
  op: "repeat";
  /** Iterations. */
  times: number;
  /** PRNG seed (default 0). `$i` is the iteration index. */
  seed?: number;
  /** Generated values, `$name` inside the body. */
  gen?: Record<string, Generator>;
  /** The body. */
  steps: Step[];
}

/** One step. */
export type Step =
  | AllocStep
  | AllocFastStep
  | FreeStep
  | FreeFastStep
  | ReserveStep
  | FindStep
  | MapStep
  | UnmapStep
  | IovaToPhysStep
  | StoreStep
  | EraseStep
  | LoadStep
  | EmptyAreaStep
  | AdvanceStep
  | CpuStep
  | ArmStep
  | DisarmStep
  | CheckStep
  | RepeatStep;

/** The IOVA domain subject. */
export interface IovaSubject {
  /** One variant, or several: one KUnit parameter each (default: all). */
  variant?: IovaVariant | IovaVariant[];
  /** The granule in bytes (default 4096). */
  granule?: number;
  /** `start_pfn` (default 1). */
  start_pfn?: number;
  /** `iova_domain_init_rcaches` (default true). */
  rcache?: boolean;
  /** Simulated CPUs while the scenario runs (default: unchanged). */
  cpus?: number;
}
/** The page-table subject (a domain of the generic page table). */
export interface PtSubject {
  /** One format, or several: one KUnit parameter each. */
  format: string | string[];
  /** `PT_FEAT_*` names (default: the KUnit harness's set). */
  features?: PtFeatureName[];
  /** `hw_max_vasz_lg2` (default: the format's maximum). */
  vasz_lg2?: number;
  /** `hw_max_oasz_lg2` (default: the format's maximum). */
  oasz_lg2?: number;
  /** AMDv1 starting level. */
  starting_level?: number;
  /** x86_64 / VT-d top level. */
  top_level?: number;
}
/** The maple tree subject. */
export interface MapleSubject {
  /** `MT_FLAGS_ALLOC_RANGE` (default true). */
  alloc_range?: boolean;
}
/** The subjects a scenario's steps act on (at least one). */
export interface Subjects {
  /** An IOVA domain. */
  iova?: IovaSubject;
  /** A page table. */
  pt?: PtSubject;
  /** A maple tree. */
  maple?: MapleSubject;
}

/** One scenario: a KUnit case. */
export interface Scenario {
  /** The KTAP case name (snake_case). */
  name: string;
  /** What it shows. */
  doc?: string;
  /** What the steps act on. */
  subjects: Subjects;
  /** The steps, in order. */
  steps: Step[];
}

/** A scenario file: one KUnit suite. */
export interface ScenarioFile {
  /** Suite name (default `scenario_<file name>`). */
  suite?: string;
  /** What the suite covers. */
  doc?: string;
  /** The scenarios, one KUnit case each. */
  scenarios: Scenario[];
}

// ---- the schema

const int = (lo: number, hi: number = Number.MAX_SAFE_INTEGER) =>
  z.number().int().min(lo).max(hi);

const NumSchema: z.ZodType<Num> = z.union([
  int(0),
  z.string().regex(NUM_STRING_RE),
], { error: NUM_EXPECTED }).describe("integer | hex string | reference");

const LimitSchema: z.ZodType<Limit> = z.union([
  int(0),
  z.string().regex(LIMIT_STRING_RE),
], { error: LIMIT_EXPECTED }).describe(
  'integer | hex string | reference | "<n>bit"',
);

const NameSchema = z.string().regex(NAME_RE);

const ExpectValueSchema = z.union([
  z.number().int(),
  z.string().regex(NUM_STRING_RE),
  z.null(),
], { error: "an integer, a hex string, a reference or null" });

const ExpectationObjectSchema: z.ZodType<ExpectationObject> = z.object({
  value: ExpectValueSchema.optional().describe("exactly this value"),
  range: z.tuple([NumSchema, NumSchema]).optional().describe(
    "[lo, hi], inclusive",
  ),
  aligned: NumSchema.optional().describe("a multiple of this"),
  error: z.enum(ERRNO_NAMES).optional().describe("the step returned -E<name>"),
  not_null: z.boolean().optional().describe("not NULL (true) or NULL (false)"),
  get per_variant() {
    return z.partialRecord(z.enum(IOVA_VARIANTS), ExpectationSchema)
      .optional().describe("one expectation per IOVA variant run");
  },
  get per_format() {
    return z.record(z.string(), ExpectationSchema).optional().describe(
      "one expectation per page-table format run",
    );
  },
}).strict();

/** An {@link Expectation}. */
export const ExpectationSchema: z.ZodType<Expectation> = z.union([
  z.number().int(),
  z.string().regex(NUM_STRING_RE),
  z.null(),
  ExpectationObjectSchema,
], { error: EXPECTATION_EXPECTED });

const common = {
  as: NameSchema.optional().describe("name the result for later steps"),
  doc: z.string().optional().describe("a comment"),
  expect: ExpectationSchema.optional().describe("the result"),
  expect_fields: z.record(z.string(), ExpectationSchema).optional().describe(
    "fields of the result",
  ),
};

const GfpSchema = z.enum(GFP_NAMES);

const StepsSchema: z.ZodType<Step[]> = z.lazy(() => z.array(StepSchema));

const GeneratorSchema: z.ZodType<Generator> = z.union([
  z.object({ range: z.tuple([NumSchema, NumSchema]) }).strict(),
  z.object({ pick: z.array(NumSchema).min(1) }).strict(),
  z.object({ pow2: z.tuple([int(0, 52), int(0, 52)]) }).strict(),
], {
  error:
    "a generator: { range: [lo, hi] }, { pick: [...] } or { pow2: [lo, hi] }",
});

/** One object schema per step kind, by `op`. */
export const STEP_SCHEMAS = {
  alloc: z.object({
    op: z.literal("alloc"),
    size: NumSchema.describe("size in granules"),
    limit: LimitSchema.describe("inclusive limit pfn"),
    aligned: z.boolean().optional().describe("size_aligned (default false)"),
    ...common,
  }).strict().describe(
    "alloc_iova(iovad, size, limit, aligned); result pfn_lo or null; " +
      "fields pfn_lo, pfn_hi, size",
  ),
  alloc_fast: z.object({
    op: z.literal("alloc_fast"),
    size: NumSchema.describe("size in granules"),
    limit: LimitSchema.describe("inclusive limit pfn"),
    flush_rcache: z.boolean().optional().describe("default true"),
    ...common,
  }).strict().describe(
    "alloc_iova_fast(iovad, size, limit, flush_rcache); result pfn or null (0)",
  ),
  free: z.object({
    op: z.literal("free"),
    iova: NameSchema.optional().describe(
      "__free_iova of a named alloc/reserve/find result",
    ),
    pfn: NumSchema.optional().describe("free_iova(iovad, pfn)"),
    ...common,
  }).strict().describe("__free_iova or free_iova; give iova or pfn"),
  free_fast: z.object({
    op: z.literal("free_fast"),
    pfn: NumSchema.describe("the pfn alloc_fast returned"),
    size: NumSchema.describe("its size"),
    ...common,
  }).strict().describe("free_iova_fast(iovad, pfn, size)"),
  reserve: z.object({
    op: z.literal("reserve"),
    lo: NumSchema.describe("first pfn"),
    hi: NumSchema.describe("last pfn"),
    ...common,
  }).strict().describe(
    "reserve_iova(iovad, lo, hi); result pfn_lo or null; fields pfn_lo, pfn_hi, size",
  ),
  find: z.object({
    op: z.literal("find"),
    pfn: NumSchema.describe("the pfn"),
    ...common,
  }).strict().describe(
    "find_iova(iovad, pfn); result pfn_lo or null; fields pfn_lo, pfn_hi, size",
  ),
  map: z.object({
    op: z.literal("map"),
    iova: NumSchema.describe("IO virtual address"),
    paddr: NumSchema.describe("physical address"),
    size: NumSchema.describe("bytes"),
    prot: z.array(z.enum(PROT_NAMES)).optional().describe(
      "default [read, write]",
    ),
    gfp: GfpSchema.optional().describe("default GFP_KERNEL"),
    ...common,
  }).strict().describe(
    "iommu_map(domain, iova, paddr, size, prot, gfp); result 0 or -errno",
  ),
  unmap: z.object({
    op: z.literal("unmap"),
    iova: NumSchema.describe("IO virtual address"),
    size: NumSchema.describe("bytes"),
    ...common,
  }).strict().describe(
    "iommu_unmap(domain, iova, size); result bytes unmapped",
  ),
  iova_to_phys: z.object({
    op: z.literal("iova_to_phys"),
    iova: NumSchema.describe("IO virtual address"),
    ...common,
  }).strict().describe("iommu_iova_to_phys(domain, iova); result the address"),
  store: z.object({
    op: z.literal("store"),
    index: NumSchema.describe("first index"),
    last: NumSchema.optional().describe("last index (default index)"),
    entry: z.union([int(0), z.null()], {
      error: "an integer entry or null",
    }).describe("integer or null"),
    gfp: GfpSchema.optional().describe("default GFP_KERNEL"),
    ...common,
  }).strict().describe(
    "mtree_store_range(mt, index, last, entry, gfp); result 0 or -errno",
  ),
  erase: z.object({
    op: z.literal("erase"),
    index: NumSchema.describe("an index of the range"),
    ...common,
  }).strict().describe("mtree_erase(mt, index); result the entry or null"),
  load: z.object({
    op: z.literal("load"),
    index: NumSchema.describe("the index"),
    ...common,
  }).strict().describe("mtree_load(mt, index); result the entry or null"),
  empty_area: z.object({
    op: z.literal("empty_area"),
    min: NumSchema.describe("lowest index"),
    max: NumSchema.describe("highest index"),
    size: NumSchema.describe("size"),
    ...common,
  }).strict().describe(
    "mas_empty_area(mas, min, max, size); result 0 or -errno; fields index, last",
  ),
  empty_area_rev: z.object({
    op: z.literal("empty_area_rev"),
    min: NumSchema.describe("lowest index"),
    max: NumSchema.describe("highest index"),
    size: NumSchema.describe("size"),
    ...common,
  }).strict().describe(
    "mas_empty_area_rev(mas, min, max, size); result 0 or -errno; fields index, last",
  ),
  advance: z.object({
    op: z.literal("advance"),
    ms: NumSchema.describe("virtual milliseconds"),
    ...common,
  }).strict().describe("advance(ms): runs the delayed work that falls due"),
  cpu: z.object({
    op: z.literal("cpu"),
    switch: int(0, 1023).optional().describe("later steps run on this CPU"),
    unplug: int(0, 1023).optional().describe("remove_cpu(n)"),
    plug: int(0, 1023).optional().describe("add_cpu(n)"),
    ...common,
  }).strict().describe(
    "switch CPU, or hot-unplug / plug one; result 0 or -errno",
  ),
  arm: z.object({
    op: z.literal("arm"),
    point: z.string().describe("a declared fault point"),
    fail_nth: int(1).optional().describe("the n-th call from now fails"),
    probability: int(0, 100).optional().describe("percent (default 100)"),
    interval: int(1).optional().describe("every interval-th call"),
    times: int(-1).optional().describe("failures allowed (-1 unlimited)"),
    space: int(0).optional().describe("size budget first"),
    verbose: int(0, 2).optional().describe("default 1"),
    cache: z.string().optional().describe("failslab: only this cache"),
    ignore_gfp_wait: z.boolean().optional().describe("skip sleeping allocs"),
    min_order: int(0, 63).optional().describe("fail_page_alloc min order"),
    race: StepsSchema.optional().describe(
      "steps run when the point fires, or when the lock held then is " +
        "released (the call then succeeds)",
    ),
    ...common,
  }).strict().describe("fault_arm(point, fault_attr | fail_nth | race hook)"),
  disarm: z.object({
    op: z.literal("disarm"),
    point: z.string().describe("a declared fault point"),
    ...common,
  }).strict().describe("fault_disarm(point)"),
  check: z.object({
    op: z.literal("check"),
    invariants: z.boolean().optional().describe("subject invariants hold"),
    no_warnings: z.boolean().optional().describe("no WARN in this case"),
    leaks: z.boolean().optional().describe(
      "tear the subjects down now; nothing leaked",
    ),
    counters: z.partialRecord(z.enum(COUNTER_NAMES), ExpectationSchema)
      .optional().describe("counter values"),
    injected: z.record(z.string(), ExpectationSchema).optional().describe(
      "failures injected per armed point",
    ),
    ...common,
  }).strict().describe("check invariants, leaks, warnings, counters"),
  repeat: z.object({
    op: z.literal("repeat"),
    times: int(1, 1_000_000).describe("iterations"),
    seed: int(0, 0xffffffff).optional().describe("PRNG seed (default 0)"),
    gen: z.record(NameSchema, GeneratorSchema).optional().describe(
      "seeded values per iteration, $name in the body",
    ),
    steps: StepsSchema.describe("the body; $i is the iteration"),
    ...common,
  }).strict().describe("run the body times times"),
} as const;

/** The step kinds, in the documented order. */
export const STEP_OPS: readonly string[] = Object.keys(STEP_SCHEMAS);

/** A {@link Step}. */
export const StepSchema: z.ZodType<Step> = z.discriminatedUnion(
  "op",
  Object.values(STEP_SCHEMAS) as unknown as [
    typeof STEP_SCHEMAS.alloc,
    typeof STEP_SCHEMAS.alloc_fast,
  ],
) as unknown as z.ZodType<Step>;

const IovaSubjectSchema: z.ZodType<IovaSubject> = z.object({
  variant: z.union([
    z.enum(IOVA_VARIANTS),
    z.array(z.enum(IOVA_VARIANTS)).min(1),
  ], { error: `one of ${IOVA_VARIANTS.join(", ")}, or a list of them` })
    .optional().describe("default: every variant"),
  granule: int(512, 2 ** 30).optional().describe("bytes (default 4096)"),
  start_pfn: int(0).optional().describe("default 1"),
  rcache: z.boolean().optional().describe("init the rcaches (default true)"),
  cpus: int(1, 64).optional().describe("simulated CPUs"),
}).strict();

const PtSubjectSchema: z.ZodType<PtSubject> = z.object({
  format: z.union([
    z.enum(PT_FORMAT_NAMES as [string, ...string[]]),
    z.array(z.enum(PT_FORMAT_NAMES as [string, ...string[]])).min(1),
  ], { error: `one of ${PT_FORMAT_NAMES.join(", ")}, or a list of them` })
    .describe("format or formats"),
  features: z.array(z.enum(PT_FEATURE_NAMES)).optional().describe(
    "PT_FEAT_* names (default: the KUnit harness's set)",
  ),
  vasz_lg2: int(12, 64).optional().describe("hw_max_vasz_lg2"),
  oasz_lg2: int(12, 64).optional().describe("hw_max_oasz_lg2"),
  starting_level: int(0, 5).optional().describe("AMDv1 starting level"),
  top_level: int(0, 5).optional().describe("x86_64 / VT-d top level"),
}).strict();

const MapleSubjectSchema: z.ZodType<MapleSubject> = z.object({
  alloc_range: z.boolean().optional().describe(
    "MT_FLAGS_ALLOC_RANGE (default true)",
  ),
}).strict();

const SubjectsSchema: z.ZodType<Subjects> = z.object({
  iova: IovaSubjectSchema.optional().describe("an IOVA domain"),
  pt: PtSubjectSchema.optional().describe("a page table"),
  maple: MapleSubjectSchema.optional().describe("a maple tree"),
}).strict();

/** A {@link Scenario}. */
export const ScenarioSchema: z.ZodType<Scenario> = z.object({
  name: NameSchema.describe("the KTAP case name"),
  doc: z.string().optional().describe("what it shows"),
  subjects: SubjectsSchema.describe("what the steps act on"),
  steps: StepsSchema.describe("the steps"),
}).strict();

/** The one schema: a {@link ScenarioFile}. */
export const ScenarioFileSchema: z.ZodType<ScenarioFile> = z.object({
  suite: NameSchema.optional().describe(
    "suite name (default scenario_<file name>)",
  ),
  doc: z.string().optional().describe("what the suite covers"),
  scenarios: z.array(ScenarioSchema).min(1).describe(
    "the scenarios, one KUnit case each",
  ),
}).strict();

/** Known fields per object context, for "unknown field" messages. */
export const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  file: ["suite", "doc", "scenarios"],
  scenario: ["name", "doc", "subjects", "steps"],
  subjects: ["iova", "pt", "maple"],
  iova: ["variant", "granule", "start_pfn", "rcache", "cpus"],
  pt: [
    "format",
    "features",
    "vasz_lg2",
    "oasz_lg2",
    "starting_level",
    "top_level",
  ],
  maple: ["alloc_range"],
  expectation: [
    "value",
    "range",
    "aligned",
    "error",
    "not_null",
    "per_variant",
    "per_format",
  ],
};

/** The well-known fault points (the registry has them all at load). */
export { FAULT_POINTS };

// The step schemas produce exactly the hand-written Step types (checked).
type StepSchemaOutput = z.output<
  (typeof STEP_SCHEMAS)[keyof typeof STEP_SCHEMAS]
>;
const _steps_agree: [StepSchemaOutput] extends [Step]
  ? ([Step] extends [StepSchemaOutput] ? true : never)
  : never = true;
void _steps_agree;
