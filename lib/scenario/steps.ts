// Copyright 2026 the iommulab authors. MIT license.
/**
 * The step interpreter: one function per step kind, each calling the
 * model's kernel-mirroring API exactly as a KUnit case would, then
 * matching the result. A result that differs from its expectation is a
 * KUnit expectation failure naming the step (`step 3 (alloc): pfn_lo:
 * expected ..., found ...`) and the scenario carries on; a step that cannot
 * run (a NULL reference, an exception from the model) ends the case.
 *
 * @module
 */
import {
  add_cpu,
  advance,
  cpu_online,
  fault_arm,
  fault_disarm,
  fault_point,
  type FaultArmOptions,
  GFP_ATOMIC,
  GFP_KERNEL,
  GFP_NOWAIT,
  onCpu,
  remove_cpu,
  run_outside_critical_section,
  warn_count,
  Xoshiro128,
} from "../kernel/mod.ts";
import { type Kunit, KUNIT_FAIL } from "../kunit/mod.ts";
import {
  __free_iova,
  alloc_iova,
  alloc_iova_fast,
  find_iova,
  free_iova,
  free_iova_fast,
  type Iova,
  iova_cache_of,
  iova_deferred_count,
  iova_magazine_cache,
  iova_shift,
  reserve_iova,
} from "../iova/mod.ts";
import {
  MA_STATE,
  mas_empty_area,
  mas_empty_area_rev,
  mt_nr_allocated,
  mtree_erase,
  mtree_load,
  mtree_store_range,
} from "../maple/mod.ts";
import {
  IOMMU_CACHE,
  iommu_iova_to_phys,
  iommu_map,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_READ,
  iommu_unmap,
  IOMMU_WRITE,
  pt_pages_of_owner,
  pt_top_get_level,
  pt_top_range,
} from "../pt/mod.ts";
import type {
  CheckStep,
  CounterName,
  Expectation,
  Generator,
  GfpName,
  RepeatStep,
  Scenario,
  Step,
} from "./schema.ts";
import { match_expectation } from "./expect.ts";
import {
  subjects_invariants,
  subjects_teardown,
  type SubjectState,
} from "./subjects.ts";
import { type NamedValue, resolve, StepFailure, to_number } from "./values.ts";

/** The state of one scenario run. */
export interface RunState {
  /** The KUnit context. */
  test: Kunit;
  /** The scenario. */
  sc: Scenario;
  /** Its subjects. */
  subjects: SubjectState;
  /** Named results. */
  names: Map<string, NamedValue>;
  /** The CPU the steps run on. */
  cpu: number;
  /** Expectation failures so far. */
  failures: number;
}

/** A step's result: the main value and the fields. */
interface Result {
  value: bigint | null;
  fields: Record<string, bigint>;
  object?: unknown;
}

const NONE: Result = { value: null, fields: {} };

const GFP: Record<GfpName, number> = {
  GFP_KERNEL,
  GFP_ATOMIC,
  GFP_NOWAIT,
};

const PROT: Record<string, number> = {
  read: IOMMU_READ,
  write: IOMMU_WRITE,
  cache: IOMMU_CACHE,
  noexec: IOMMU_NOEXEC,
  mmio: IOMMU_MMIO,
};

function label(idx: string, st: Step): string {
  return `step ${idx} (${st.op})`;
}

function fail(rs: RunState, text: string): void {
  rs.failures++;
  KUNIT_FAIL(rs.test, "%s", text);
}

/** Runs `steps`; indices are `prefix` + position. */
export function run_steps(
  rs: RunState,
  steps: readonly Step[],
  prefix: string,
): void {
  for (let i = 0; i < steps.length; i++) {
    run_step(rs, steps[i]!, `${prefix}${i}`);
  }
}

function run_step(rs: RunState, st: Step, idx: string): void {
  const where = label(idx, st);
  let r: Result;
  try {
    if (st.op === "cpu" && st.switch !== undefined) {
      r = NONE;
      if (!cpu_online(st.switch)) {
        throw new StepFailure(`cpu ${st.switch} is offline`);
      }
      rs.cpu = st.switch;
    } else if (st.op === "repeat") {
      run_repeat(rs, st, idx);
      r = NONE;
    } else {
      if (!cpu_online(rs.cpu)) {
        throw new StepFailure(`the current cpu ${rs.cpu} is offline`);
      }
      r = onCpu(rs.cpu, () => exec(rs, st, idx));
    }
  } catch (e) {
    if (e instanceof StepFailure) {
      throw e.message.startsWith("step ")
        ? e
        : new StepFailure(`${where}: ${e.message}`);
    }
    if (e instanceof Error) {
      throw new StepFailure(`${where}: ${e.name}: ${e.message}`);
    }
    throw e; // KunitAbort
  }
  const ctx = {
    names: rs.names,
    variant: rs.subjects.param.variant,
    format: rs.subjects.param.format,
  };
  const doc = st.doc ? ` [${st.doc}]` : "";
  const check = (what: string, actual: bigint | null, e: Expectation) => {
    let problem: string | null;
    try {
      problem = match_expectation(actual, e, ctx);
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem !== null) fail(rs, `${where}: ${what}${problem}${doc}`);
  };
  if (st.expect !== undefined) check("", r.value, st.expect);
  for (const [k, e] of Object.entries(st.expect_fields ?? {})) {
    check(`${k}: `, k in r.fields ? r.fields[k]! : null, e);
  }
  if (st.as !== undefined) {
    rs.names.set(st.as, { value: r.value, fields: r.fields, object: r.object });
  }
}

function iova_result(iova: Iova | null): Result {
  if (iova === null) return { value: null, fields: {}, object: null };
  return {
    value: BigInt(iova.pfn_lo),
    fields: {
      pfn_lo: BigInt(iova.pfn_lo),
      pfn_hi: BigInt(iova.pfn_hi),
      size: BigInt(iova.pfn_hi - iova.pfn_lo + 1),
    },
    object: iova,
  };
}

function need<T>(v: T | null, what: string): T {
  if (v === null) {
    throw new StepFailure(`${what} was torn down by an earlier check leaks`);
  }
  return v;
}

function exec(rs: RunState, st: Step, idx: string): Result {
  const names = rs.names;
  const s = rs.subjects;
  const n = (v: number | string, what: string) =>
    to_number(resolve(v, names), what);
  const big = (v: number | string) => resolve(v, names);
  switch (st.op) {
    case "alloc": {
      const iovad = need(s.iovad, "the IOVA domain");
      const limit = to_number(
        resolve(st.limit, names, iova_shift(iovad)),
        "limit",
      );
      return iova_result(
        alloc_iova(iovad, n(st.size, "size"), limit, st.aligned ?? false),
      );
    }
    case "alloc_fast": {
      const iovad = need(s.iovad, "the IOVA domain");
      const limit = to_number(
        resolve(st.limit, names, iova_shift(iovad)),
        "limit",
      );
      const size = n(st.size, "size");
      const pfn = alloc_iova_fast(iovad, size, limit, st.flush_rcache ?? true);
      return pfn === 0 ? { value: null, fields: {} } : {
        value: BigInt(pfn),
        fields: { pfn: BigInt(pfn), size: BigInt(size) },
      };
    }
    case "free": {
      const iovad = need(s.iovad, "the IOVA domain");
      if (st.iova !== undefined) {
        const named = names.get(st.iova);
        const obj = named?.object as Iova | null | undefined;
        if (!obj) throw new StepFailure(`$${st.iova} is NULL`);
        __free_iova(iovad, obj);
      } else free_iova(iovad, n(st.pfn!, "pfn"));
      return NONE;
    }
    case "free_fast":
      free_iova_fast(
        need(s.iovad, "the IOVA domain"),
        n(st.pfn, "pfn"),
        n(st.size, "size"),
      );
      return NONE;
    case "reserve":
      return iova_result(
        reserve_iova(
          need(s.iovad, "the IOVA domain"),
          n(st.lo, "lo"),
          n(st.hi, "hi"),
        ),
      );
    case "find":
      return iova_result(
        find_iova(need(s.iovad, "the IOVA domain"), n(st.pfn, "pfn")),
      );
    case "map": {
      let prot = 0;
      for (const p of st.prot ?? ["read", "write"]) prot |= PROT[p]!;
      const ret = iommu_map(
        need(s.pt, "the page table"),
        big(st.iova),
        big(st.paddr),
        big(st.size),
        prot,
        GFP[st.gfp ?? "GFP_KERNEL"],
      );
      return { value: BigInt(ret), fields: {} };
    }
    case "unmap":
      return {
        value: iommu_unmap(
          need(s.pt, "the page table"),
          big(st.iova),
          big(st.size),
        ),
        fields: {},
      };
    case "iova_to_phys":
      return {
        value: iommu_iova_to_phys(need(s.pt, "the page table"), big(st.iova)),
        fields: {},
      };
    case "store": {
      const index = n(st.index, "index");
      const last = st.last === undefined ? index : n(st.last, "last");
      const ret = mtree_store_range(
        need(s.mt, "the maple tree"),
        index,
        last,
        st.entry,
        GFP[st.gfp ?? "GFP_KERNEL"],
      );
      return { value: BigInt(ret), fields: {} };
    }
    case "erase":
      return entry_result(
        mtree_erase(need(s.mt, "the maple tree"), n(st.index, "index")),
      );
    case "load":
      return entry_result(
        mtree_load(need(s.mt, "the maple tree"), n(st.index, "index")),
      );
    case "empty_area":
    case "empty_area_rev": {
      const mas = MA_STATE(need(s.mt, "the maple tree"), 0, 0);
      const fn = st.op === "empty_area" ? mas_empty_area : mas_empty_area_rev;
      const ret = fn(
        mas,
        n(st.min, "min"),
        n(st.max, "max"),
        n(st.size, "size"),
      );
      return {
        value: BigInt(ret),
        fields: ret === 0
          ? { index: BigInt(mas.index), last: BigInt(mas.last) }
          : {},
      };
    }
    case "advance":
      advance(n(st.ms, "ms"));
      return NONE;
    case "cpu": {
      const ret = st.unplug !== undefined
        ? remove_cpu(st.unplug)
        : add_cpu(st.plug!);
      return { value: BigInt(ret), fields: {} };
    }
    case "arm": {
      // The step's fault_attr fields are fault_arm()'s options as they are.
      const {
        op: _op,
        point: _point,
        race: _race,
        as: _as,
        doc: _doc,
        expect: _expect,
        expect_fields: _fields,
        ...attr
      } = st;
      const opts: FaultArmOptions = attr;
      if (st.race) {
        const race = st.race;
        // The racing steps run where the point fires, on the same CPU
        // unless they switch (for the race only); if the interrupted code
        // holds a lock, they wait until it is released, as a CPU spinning
        // on that lock would.
        opts.hook = () =>
          run_outside_critical_section(() => {
            const cpu = rs.cpu;
            try {
              run_steps(rs, race, `${idx}.`);
            } finally {
              rs.cpu = cpu;
            }
          });
      }
      fault_arm(st.point, opts);
      return NONE;
    }
    case "disarm":
      fault_disarm(st.point);
      return NONE;
    case "check":
      run_check(rs, st, idx);
      return NONE;
    case "repeat":
      return NONE; // handled by run_step
  }
}

function entry_result(e: unknown): Result {
  if (e === null || e === undefined) return { value: null, fields: {} };
  if (typeof e === "number") return { value: BigInt(e), fields: {} };
  throw new StepFailure(`the entry ${String(e)} is not an integer`);
}

/** The value of a counter now. */
export function counter_value(rs: RunState, name: CounterName): bigint {
  const s = rs.subjects;
  const iovad = () => need(s.iovad, "the IOVA domain");
  const pt = () => need(s.pt, "the page table");
  switch (name) {
    case "live_iovas":
      return BigInt(
        iova_cache_of(s.param.variant!)!.stats.live_objects - s.iova_base,
      );
    case "live_iova_bytes":
      return BigInt(
        iova_cache_of(s.param.variant!)!.stats.live_bytes - s.iova_bytes_base,
      );
    case "magazines":
      return BigInt(iova_magazine_cache()!.stats.live_objects - s.mag_base);
    case "deferred":
      return BigInt(iova_deferred_count(iovad()));
    case "max32_alloc_size":
      return BigInt(iovad().max32_alloc_size);
    case "dma_32bit_pfn":
      return BigInt(iovad().dma_32bit_pfn);
    case "maple_nodes":
      return BigInt(mt_nr_allocated() - s.node_base);
    case "table_pages":
      return BigInt(s.pt === null ? 0 : pt_pages_of_owner(s.pt));
    case "top_level":
      return BigInt(pt_top_get_level(pt().common));
    case "top_va_lg2":
      return BigInt(pt_top_range(pt().common).max_vasz_lg2);
    case "install_races":
      return BigInt(pt().stats.install_races);
    case "top_races":
      return BigInt(pt().stats.top_races);
    case "change_top":
      return BigInt(pt().stats.change_top);
    case "clear_contig_tables":
      return BigInt(pt().stats.clear_contig_tables);
    case "warnings":
      return BigInt(warn_count() - s.warn_base);
  }
}

function run_check(rs: RunState, st: CheckStep, idx: string): void {
  const where = label(idx, st);
  const ctx = {
    names: rs.names,
    variant: rs.subjects.param.variant,
    format: rs.subjects.param.format,
  };
  if (st.invariants) {
    const p = subjects_invariants(rs.subjects);
    if (p !== "") fail(rs, `${where}: invariants: ${p}`);
  }
  if (st.no_warnings) {
    const w = warn_count() - rs.subjects.warn_base;
    if (w !== 0) fail(rs, `${where}: no_warnings: ${w} WARN(s) in this case`);
  }
  for (const [k, e] of Object.entries(st.counters ?? {})) {
    const v = counter_value(rs, k as CounterName);
    const p = match_expectation(v, e as Expectation, ctx);
    if (p !== null) fail(rs, `${where}: counters.${k}: ${p}`);
  }
  for (const [k, e] of Object.entries(st.injected ?? {})) {
    const v = BigInt(fault_point(k).injected);
    const p = match_expectation(v, e, ctx);
    if (p !== null) fail(rs, `${where}: injected.${k}: ${p}`);
  }
  if (st.leaks) subjects_teardown(rs.test, rs.subjects, `${where}: leaks`);
}

function draw(prng: Xoshiro128, g: Generator, rs: RunState): bigint {
  if ("range" in g) {
    const lo = resolve(g.range[0], rs.names);
    const hi = resolve(g.range[1], rs.names);
    if (hi < lo) throw new StepFailure(`gen range [${lo}, ${hi}] is empty`);
    const span = hi - lo + 1n;
    if (span > 0x100000000n) {
      // Two draws for spans beyond 32 bits.
      const r = (BigInt(prng.next_u32()) << 32n) | BigInt(prng.next_u32());
      return lo + r % span;
    }
    return lo + BigInt(prng.below(Number(span)));
  }
  if ("pick" in g) {
    return resolve(g.pick[prng.below(g.pick.length)]!, rs.names);
  }
  const [a, b] = g.pow2;
  if (b < a) throw new StepFailure(`gen pow2 [${a}, ${b}] is empty`);
  return 1n << BigInt(a + prng.below(b - a + 1));
}

function run_repeat(rs: RunState, st: RepeatStep, idx: string): void {
  const prng = new Xoshiro128(st.seed ?? 0);
  const gens = Object.entries(st.gen ?? {});
  for (let i = 0; i < st.times; i++) {
    rs.names.set("i", { value: BigInt(i), fields: {} });
    const drawn: string[] = [];
    for (const [name, g] of gens) {
      const v = draw(prng, g, rs);
      rs.names.set(name, { value: v, fields: {} });
      drawn.push(`${name}=${v}`);
    }
    const failures = rs.failures;
    try {
      run_steps(rs, st.steps, `${idx}.`);
    } catch (e) {
      if (e instanceof StepFailure) {
        throw new StepFailure(
          `${e.message} (iteration ${i}${
            drawn.length ? `, ${drawn.join(", ")}` : ""
          }, seed ${st.seed ?? 0})`,
        );
      }
      throw e;
    }
    if (rs.failures !== failures) {
      // One failing iteration is enough to read; do not flood the log.
      fail(
        rs,
        `${label(idx, st)}: stopped after iteration ${i}${
          drawn.length ? ` (${drawn.join(", ")})` : ""
        }, seed ${st.seed ?? 0}`,
      );
      break;
    }
  }
  rs.names.delete("i");
  for (const [name] of gens) rs.names.delete(name);
}
