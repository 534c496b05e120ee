// Copyright 2026 the iommulab authors. MIT license.
/**
 * The subjects of a scenario, built and torn down through the models'
 * public APIs as the KUnit suites do: an IOVA domain
 * (`iova_cache_get`, `init_iova_domain`, `iova_domain_init_rcaches`), a
 * generic page table (`pt_iommu_init` with the KUnit harness's stub
 * driver) and a maple tree. Teardown checks that nothing outlived them.
 *
 * @module
 */
import { nr_cpu_ids, set_nr_cpus, warn_count } from "../kernel/mod.ts";
import { type Kunit, KUNIT_FAIL } from "../kunit/mod.ts";
import {
  init_iova_domain,
  iova_cache_get,
  iova_cache_of,
  iova_cache_put,
  iova_domain_init_rcaches,
  iova_domain_verify_invariants,
  iova_magazine_cache,
  IovaDomain,
  type IovaVariant,
  put_iova_domain,
} from "../iova/mod.ts";
import {
  MapleTree,
  MT_FLAGS_ALLOC_RANGE,
  mt_nr_allocated,
  mt_validate_report,
  mtree_destroy,
} from "../maple/mod.ts";
import {
  kunit_pt_ops,
  nr_secondary_pagetable,
  PT_FEAT_DMA_INCOHERENT,
  PT_FEAT_DYNAMIC_TOP,
  PT_FEAT_FLUSH_RANGE,
  PT_FEAT_FLUSH_RANGE_NO_GAPS,
  PT_FEAT_FMT_START,
  PT_FEAT_FULL_VA,
  PT_FEAT_SIGN_EXTEND,
  pt_formats,
  pt_iommu_deinit,
  pt_iommu_init,
  pt_kunit_cfg,
  pt_kunit_driver_ops,
  type PtFormat,
  PtIommu,
} from "../pt/mod.ts";
import type { PtFeatureName, Scenario } from "./schema.ts";
import { StepFailure } from "./values.ts";

/** One run's parameter: the variant and/or format. */
export interface ScenarioParam {
  /** The IOVA variant, when the scenario has an IOVA subject. */
  variant: IovaVariant | null;
  /** The page-table format name, when it has a pt subject. */
  format: string | null;
}

/** The live subjects of one run and the baselines teardown compares. */
export interface SubjectState {
  /** The parameter. */
  param: ScenarioParam;
  /** The IOVA domain. */
  iovad: IovaDomain | null;
  /** The page table. */
  pt: PtIommu | null;
  /** The maple tree. */
  mt: MapleTree | null;
  /** Live `struct iova`s of the variant's cache before the domain. */
  iova_base: number;
  /** Their bytes. */
  iova_bytes_base: number;
  /** Live magazines before the domain. */
  mag_base: number;
  /** Maple nodes before any subject. */
  node_base: number;
  /** Table pages before the page table. */
  page_base: number;
  /** WARNs before the case's steps. */
  warn_base: number;
  /** The CPU count to restore, if the scenario changed it. */
  cpus_before: number | null;
  /** Whether the iova cache reference is held. */
  cache_held: boolean;
  /** Set once torn down. */
  torn: boolean;
}

const FEATURE_BITS: Record<PtFeatureName, [number, string | null]> = {
  dma_incoherent: [PT_FEAT_DMA_INCOHERENT, null],
  full_va: [PT_FEAT_FULL_VA, null],
  dynamic_top: [PT_FEAT_DYNAMIC_TOP, null],
  sign_extend: [PT_FEAT_SIGN_EXTEND, null],
  flush_range: [PT_FEAT_FLUSH_RANGE, null],
  flush_range_no_gaps: [PT_FEAT_FLUSH_RANGE_NO_GAPS, null],
  amdv1_encrypt_tables: [PT_FEAT_FMT_START, "amdv1"],
  amdv1_force_coherence: [PT_FEAT_FMT_START + 1, "amdv1"],
  vtdss_force_coherence: [PT_FEAT_FMT_START, "vtdss"],
  vtdss_force_writeable: [PT_FEAT_FMT_START + 1, "vtdss"],
  x86_64_amd_encrypt_tables: [PT_FEAT_FMT_START, "x86_64"],
  riscv_svnapot_64k: [PT_FEAT_FMT_START, "riscv_64"],
  riscv_svpbmt: [PT_FEAT_FMT_START + 1, "riscv_64"],
};

/** The format object named `name`. */
export function pt_format_of(name: string): PtFormat {
  const f = pt_formats.find((x) => x.name === name);
  if (!f) throw new StepFailure(`unknown page-table format ${name}`);
  return f;
}

/**
 * Builds the subjects of `sc` for `param`. Throws StepFailure on failure,
 * after tearing down what was built.
 */
export function subjects_setup(
  test: Kunit,
  sc: Scenario,
  param: ScenarioParam,
): SubjectState {
  const st: SubjectState = {
    param,
    iovad: null,
    pt: null,
    mt: null,
    iova_base: 0,
    iova_bytes_base: 0,
    mag_base: 0,
    node_base: mt_nr_allocated(),
    page_base: nr_secondary_pagetable(),
    warn_base: warn_count(),
    cpus_before: null,
    cache_held: false,
    torn: false,
  };
  try {
    build(st, sc);
  } catch (e) {
    subjects_teardown(test, st, "setup");
    throw e;
  }
  return st;
}

function build(st: SubjectState, sc: Scenario): void {
  const s = sc.subjects;
  const param = st.param;
  if (s.iova) {
    if (s.iova.cpus !== undefined) {
      st.cpus_before = nr_cpu_ids();
      set_nr_cpus(s.iova.cpus);
    }
    const ret = iova_cache_get();
    if (ret) throw new StepFailure(`setup: iova_cache_get() returned ${ret}`);
    st.cache_held = true;
    const variant = param.variant!;
    st.iova_base = iova_cache_of(variant)!.stats.live_objects;
    st.iova_bytes_base = iova_cache_of(variant)!.stats.live_bytes;
    st.mag_base = iova_magazine_cache()!.stats.live_objects;
    const iovad = new IovaDomain(variant);
    init_iova_domain(iovad, s.iova.granule ?? 4096, s.iova.start_pfn ?? 1);
    st.iovad = iovad;
    if (s.iova.rcache ?? true) {
      const r = iova_domain_init_rcaches(iovad);
      if (r) {
        throw new StepFailure(`setup: iova_domain_init_rcaches returned ${r}`);
      }
    }
  }
  if (s.pt) {
    const fmt = pt_format_of(param.format!);
    // Defaults: the format's first KUnit cfg, completed as the harness does.
    const cfg = pt_kunit_cfg(fmt, 0);
    if (s.pt.features !== undefined) {
      cfg.features = 0;
      for (const name of s.pt.features) {
        const [bit, only] = FEATURE_BITS[name];
        if (only !== null && only !== fmt.name.replace(/_mock$/, "")) {
          throw new StepFailure(
            `setup: feature ${name} belongs to ${only}, not ${fmt.name}`,
          );
        }
        cfg.features |= 1 << bit;
      }
    }
    if (s.pt.vasz_lg2 !== undefined) cfg.hw_max_vasz_lg2 = s.pt.vasz_lg2;
    if (s.pt.oasz_lg2 !== undefined) cfg.hw_max_oasz_lg2 = s.pt.oasz_lg2;
    if (s.pt.starting_level !== undefined) {
      cfg.starting_level = s.pt.starting_level;
    }
    if (s.pt.top_level !== undefined) cfg.top_level = s.pt.top_level;
    const iommu = new PtIommu(fmt);
    iommu.nid = -1;
    iommu.driver_ops = pt_kunit_driver_ops;
    iommu.iommu_device = { name: "scenario_dev" };
    iommu.ops = kunit_pt_ops;
    const ret = pt_iommu_init(iommu, cfg, 0);
    if (ret) {
      throw new StepFailure(
        `setup: pt_iommu_init(${fmt.name}, ${
          JSON.stringify(cfg)
        }) returned ${ret}`,
      );
    }
    st.pt = iommu;
  }
  if (s.maple) {
    st.mt = new MapleTree(
      (s.maple.alloc_range ?? true) ? MT_FLAGS_ALLOC_RANGE : 0,
    );
  }
}

/** The invariant problems of the subjects ("" when all hold). */
export function subjects_invariants(st: SubjectState): string {
  const out: string[] = [];
  if (
    st.iovad && st.iovad.initialised && !iova_domain_verify_invariants(st.iovad)
  ) {
    out.push("iova_domain_verify_invariants failed");
  }
  if (st.mt) {
    const p = mt_validate_report(st.mt);
    if (p.length) {
      out.push(`mt_validate: ${p.map((x) => x.message).join("; ")}`);
    }
  }
  return out.join("; ");
}

/**
 * Tears the subjects down and fails the test (naming `where`) for every
 * leak: `struct iova`s, magazines, maple nodes, table pages.
 */
export function subjects_teardown(
  test: Kunit,
  st: SubjectState,
  where: string,
): void {
  if (st.torn) return;
  st.torn = true;
  const leak = (what: string, now: number, base: number) => {
    if (now !== base) {
      KUNIT_FAIL(
        test,
        `${where}: ${now - base} ${what} leaked (live ${now}, before ${base})`,
      );
    }
  };
  try {
    if (st.mt) mtree_destroy(st.mt);
    if (st.pt) {
      pt_iommu_deinit(st.pt);
      leak("table page(s)", nr_secondary_pagetable(), st.page_base);
    }
    if (st.iovad) {
      const variant = st.param.variant!;
      if (st.iovad.initialised) put_iova_domain(st.iovad);
      leak(
        "struct iova(s)",
        iova_cache_of(variant)!.stats.live_objects,
        st.iova_base,
      );
      leak(
        "magazine(s)",
        iova_magazine_cache()!.stats.live_objects,
        st.mag_base,
      );
    }
    leak("maple node(s)", mt_nr_allocated(), st.node_base);
  } finally {
    if (st.cache_held) iova_cache_put();
    st.cache_held = false;
    if (st.cpus_before !== null) set_nr_cpus(st.cpus_before);
  }
}
