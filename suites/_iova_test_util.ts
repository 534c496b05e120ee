// Copyright 2026 the iommulab authors. MIT license.
/**
 * Private helpers of the IOVA suites: the variant parameter and the domain
 * set-up and teardown of the series' `iova_test_init()`/`.exit`, for the
 * variant in `test.param_value`.
 *
 * A case may build extra domains with {@link iova_test_domain}; the suite
 * exit verifies the invariants of every domain still set up and puts it. A
 * case that tears a domain down itself (say inside
 * `kernel_capture_reports`) leaves it to no one: `put_iova_domain` clears
 * `initialised`, and exit skips such domains.
 *
 * @module
 */
import {
  type Kunit,
  KUNIT_ARRAY_PARAM,
  KUNIT_EXPECT_TRUE_MSG,
  kunit_info,
  type KunitGenerateParams,
} from "../lib/kunit/mod.ts";
import { PAGE_SIZE } from "../lib/kernel/mod.ts";
import { KUNIT_EXPECT_EQ } from "../lib/kunit/mod.ts";
import { mt_nr_allocated } from "../lib/maple/mod.ts";
import {
  init_iova_domain,
  iova_cache_get,
  iova_cache_of,
  iova_cache_put,
  iova_domain_init_rcaches,
  iova_domain_verify_invariants,
  iova_magazine_cache,
  IOVA_VARIANTS,
  IovaDomain,
  type IovaVariant,
  put_iova_domain,
} from "../lib/iova/mod.ts";

/** Every variant as a case parameter, described by its name. */
export const IOVA_VARIANT_PARAMS: KunitGenerateParams<IovaVariant> =
  KUNIT_ARRAY_PARAM(IOVA_VARIANTS, (v) => v);

/**
 * The entry of `table` for the case's variant, logged as
 * `<what>: <variant> expects <value>` so that a difference between the
 * variants shows in the KTAP.
 */
export function variant_expect<T>(
  test: Kunit,
  what: string,
  table: Readonly<Record<IovaVariant, T>>,
): T {
  const variant = test.param_value as IovaVariant;
  const want = table[variant];
  kunit_info(test, `${what}: ${variant} expects ${JSON.stringify(want)}`);
  return want;
}

interface IovaTestPriv {
  domains: IovaDomain[];
}

/**
 * A domain of the case's variant with granule PAGE_SIZE and `start_pfn`,
 * rcaches initialised; verified and put by {@link iova_test_exit}.
 */
export function iova_test_domain(
  test: Kunit,
  start_pfn: number,
): IovaDomain {
  const iovad = new IovaDomain(test.param_value as IovaVariant);
  init_iova_domain(iovad, PAGE_SIZE, start_pfn);
  iova_domain_init_rcaches(iovad);
  (test.priv as IovaTestPriv).domains.push(iovad);
  return iovad;
}

/** Suite `.init`: `iova_cache_get()` and the case's domain (start_pfn 1). */
export function iova_test_init(test: Kunit): number {
  const ret = iova_cache_get();
  if (ret) return ret;
  test.priv = { domains: [] } satisfies IovaTestPriv;
  iova_test_domain(test, 1);
  return 0;
}

/** The domain `.init` set up. */
export function iovad_of(test: Kunit): IovaDomain {
  return (test.priv as IovaTestPriv).domains[0]!;
}

/** Suite `.exit`: verify and put every domain still set up, then the cache. */
export function iova_test_exit(test: Kunit): void {
  const priv = test.priv as IovaTestPriv | null;
  if (priv === null) return;
  for (const iovad of priv.domains) {
    if (!iovad.initialised) continue;
    KUNIT_EXPECT_TRUE_MSG(
      test,
      iova_domain_verify_invariants(iovad),
      "iova_domain_verify_invariants at exit",
    );
    put_iova_domain(iovad);
  }
  iova_cache_put();
}

/**
 * The context of a suite whose teardown checks that nothing a case
 * allocated (structs, magazines, maple nodes) outlives the domain.
 */
export interface IovaLeakCtx {
  /** The case's variant. */
  variant: IovaVariant;
  /** The domain (start_pfn 1, rcaches on). */
  iovad: IovaDomain;
  /** Live `struct iova`s before the domain existed. */
  iova_base: number;
  /** Live magazines before the domain existed. */
  mag_base: number;
  /** Maple nodes before the domain existed. */
  node_base: number;
  /** Set by a case that tore the domain down itself. */
  torn: boolean;
}

/** Live `struct iova`s of `variant`'s cache. */
export function iova_live(variant: IovaVariant): number {
  return iova_cache_of(variant)!.stats.live_objects;
}

/** Live magazines. */
export function mag_live(): number {
  return iova_magazine_cache()!.stats.live_objects;
}

/** Suite `init`: a domain for the variant in `test.param_value`, baselines taken. */
export function iova_leakcheck_init(test: Kunit<IovaVariant>): number {
  const variant = test.param_value;
  const ret = iova_cache_get();
  if (ret) return ret;
  const ctx: IovaLeakCtx = {
    variant,
    iovad: new IovaDomain(variant),
    iova_base: iova_live(variant),
    mag_base: mag_live(),
    node_base: mt_nr_allocated(),
    torn: false,
  };
  test.priv = ctx;
  init_iova_domain(ctx.iovad, PAGE_SIZE, 1);
  return iova_domain_init_rcaches(ctx.iovad);
}

/** Suite `exit`: puts the domain and expects every baseline restored. */
export function iova_leakcheck_exit(test: Kunit): void {
  const ctx = test.priv as IovaLeakCtx | null;
  if (ctx === null) return;
  if (!ctx.torn) put_iova_domain(ctx.iovad);
  // Nothing the case allocated may outlive the domain.
  KUNIT_EXPECT_EQ(test, iova_live(ctx.variant), ctx.iova_base);
  KUNIT_EXPECT_EQ(test, mag_live(), ctx.mag_base);
  KUNIT_EXPECT_EQ(test, mt_nr_allocated(), ctx.node_base);
  iova_cache_put();
}
