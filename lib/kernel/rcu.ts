// Copyright 2026 the iommulab authors. MIT license.
/**
 * RCU on a single thread of execution (include/linux/rcupdate.h).
 *
 * Readers nest `rcu_read_lock()`/`rcu_read_unlock()`. Callbacks queued with
 * `call_rcu`/`kfree_rcu`/`kmem_cache_free_rcu` run after a grace period,
 * which ends at `synchronize_rcu()`, `rcu_barrier()`, or when virtual time
 * advances (`advance()`) outside a read-side section. Until then the object
 * stays valid, so a reader that still holds it sees no use-after-free; after
 * it, KASAN reports accesses as usual.
 *
 * @module
 */
import {
  kfree,
  kmem_cache_free,
  type KmemCache,
  slab_set_rcu_barrier,
} from "./slab.ts";
import { might_sleep } from "./spinlock.ts";
import { kernel_caller_site, kernel_report } from "./report.ts";

/** `struct rcu_head`: any object can serve as the head. */
export type RcuHead = object;

/** `rcu_callback_t`. */
export type RcuCallback<H extends RcuHead> = (head: H) => void;

let readDepth = 0;
let cbs: { head: RcuHead; fn: RcuCallback<RcuHead> }[] = [];
let gp = 0;

/** `rcu_read_lock()`. */
export function rcu_read_lock(): void {
  readDepth++;
}

/** `rcu_read_unlock()`: reports an unbalanced unlock. */
export function rcu_read_unlock(): void {
  if (readDepth === 0) {
    kernel_report({
      kind: "bad-unlock-balance",
      message: "rcu_read_unlock() without rcu_read_lock()",
      site: kernel_caller_site(),
      details: [],
    });
    return;
  }
  readDepth--;
}

/** `rcu_read_lock_held()`. */
export function rcu_read_lock_held(): boolean {
  return readDepth > 0;
}

/** `call_rcu(head, fn)`: `fn(head)` runs after the next grace period. */
export function call_rcu<H extends RcuHead>(head: H, fn: RcuCallback<H>): void {
  if (typeof fn !== "function") {
    throw new TypeError(`call_rcu needs a callback, got ${typeof fn}`);
  }
  cbs.push({ head, fn: fn as RcuCallback<RcuHead> });
}

/** `kfree_rcu(obj)`: `kfree(obj)` after a grace period. */
export function kfree_rcu(obj: object | null): void {
  if (obj !== null) cbs.push({ head: obj, fn: (o) => kfree(o) });
}

/** `kmem_cache_free` after a grace period (the mt_free_rcu pattern). */
export function kmem_cache_free_rcu<T extends object>(
  cache: KmemCache<T>,
  obj: T | null,
): void {
  if (obj !== null) {
    cbs.push({
      head: obj,
      fn: (o) => kmem_cache_free(cache, o as T),
    });
  }
}

/** Ends a grace period: runs the queued callbacks (and any they queue). */
function grace_period(): number {
  let n = 0;
  while (cbs.length > 0) {
    const batch = cbs;
    cbs = [];
    gp++;
    for (const c of batch) {
      n++;
      c.fn(c.head);
    }
  }
  return n;
}

/**
 * `synchronize_rcu()`: waits for a grace period. Inside a read-side
 * section that would deadlock: reported as sleeping in atomic context /
 * recursion, and the callbacks stay queued.
 */
export function synchronize_rcu(): void {
  might_sleep();
  if (readDepth > 0) {
    kernel_report({
      kind: "recursive-locking",
      message: "synchronize_rcu() inside an RCU read-side critical section",
      site: kernel_caller_site(),
      details: [],
    });
    return;
  }
  grace_period();
}

/** `rcu_barrier()`: runs every queued callback. */
export function rcu_barrier(): void {
  if (readDepth === 0) grace_period();
}

/**
 * Lets a grace period elapse if no reader is active (called when virtual
 * time advances). Returns the callbacks run.
 */
export function rcu_tick(): number {
  return readDepth === 0 && cbs.length > 0 ? grace_period() : 0;
}

/** Callbacks waiting for a grace period. */
export function rcu_pending(): number {
  return cbs.length;
}

/** Completed grace periods (with callbacks). */
export function rcu_grace_periods(): number {
  return gp;
}

/** Drops callbacks and readers (kernel_reset). */
export function rcu_reset(): void {
  readDepth = 0;
  cbs = [];
}

slab_set_rcu_barrier(rcu_barrier);
