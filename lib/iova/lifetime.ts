// Copyright 2026 the iommulab authors. MIT license.
/**
 * Lifetimes: the reference-counted `iommu_iova` caches and CPU-dead state
 * (`iova_cache_get()` / `iova_cache_put()`), and domain teardown
 * (`put_iova_domain()`).
 *
 * @module
 */
import {
  CPUHP_IOMMU_IOVA_DEAD,
  cpuhp_remove_multi_state,
  cpuhp_setup_state_multi,
  ERR_PTR,
  Mutex,
  mutex_lock,
  mutex_unlock,
  pr_err,
  WARN_ON,
} from "../kernel/mod.ts";
import {
  iova_cache_users,
  iova_cache_users_add,
  iova_caches_create,
  iova_caches_destroy,
  type IovaCpuhpNode,
  type IovaDomain,
} from "./iova_domain.ts";
import { check_domain } from "./iova.ts";
import { iova_ops } from "./_variants.ts";
import {
  free_cpu_cached_iovas,
  iova_domain_free_rcaches,
  IovaMagazine,
} from "./rcache.ts";

const iova_cache_mutex = new Mutex("iova_cache_mutex");

// iova_cpuhp_dead(): the CPU's loaded and prev magazines go back to the tree.
function iova_cpuhp_dead(cpu: number, node: object): number {
  const iovad = (node as IovaCpuhpNode).iovad;
  free_cpu_cached_iovas(cpu, iovad);
  return 0;
}

/**
 * `iova_cache_get()`: takes a reference on the `iommu_iova` caches (one per
 * variant, each with that variant's object size and flags), the
 * `iommu_iova_magazine` cache and the CPU-dead hotplug state. 0 or -errno.
 */
export function iova_cache_get(): number {
  mutex_lock(iova_cache_mutex);
  if (iova_cache_users() === 0) {
    iova_caches_create(() => new IovaMagazine());
    const err = cpuhp_setup_state_multi(
      CPUHP_IOMMU_IOVA_DEAD,
      "iommu/iova:dead",
      null,
      iova_cpuhp_dead,
    );
    if (err) {
      pr_err(
        `IOVA: Couldn't register cpuhp handler: ${String(ERR_PTR(err))}\n`,
      );
      iova_caches_destroy();
      mutex_unlock(iova_cache_mutex);
      return err;
    }
  }
  iova_cache_users_add(1);
  mutex_unlock(iova_cache_mutex);
  return 0;
}

/** `iova_cache_put()`: drops the reference; the last one destroys the caches. */
export function iova_cache_put(): void {
  mutex_lock(iova_cache_mutex);
  if (WARN_ON(iova_cache_users() === 0)) {
    mutex_unlock(iova_cache_mutex);
    return;
  }
  if (iova_cache_users_add(-1) === 0) {
    cpuhp_remove_multi_state(CPUHP_IOMMU_IOVA_DEAD);
    iova_caches_destroy();
  }
  mutex_unlock(iova_cache_mutex);
}

/**
 * `put_iova_domain(iovad)`: frees the rcaches (their pfns are not returned
 * to the tree, which goes next) and every `struct iova`.
 */
export function put_iova_domain(iovad: IovaDomain): void {
  check_domain(iovad, "put_iova_domain");
  if (iovad.rcaches !== null) iova_domain_free_rcaches(iovad);
  iova_ops(iovad).destroy(iovad);
  iovad.initialised = false;
}
