// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  assert_spin_locked,
  held_locks,
  irqs_disabled,
  lockdep_assert_held,
  might_sleep,
  spin_lock,
  spin_lock_irqsave,
  spin_unlock,
  spin_unlock_irqrestore,
  SpinLock,
} from "./spinlock.ts";
import { KernelBug } from "./bug.ts";
import { kernel_capture_reports } from "./report.ts";
import { kernel_reset } from "./kernel.ts";

Deno.test("irqsave/irqrestore nest and restore", () => {
  kernel_reset();
  const a = new SpinLock("a"), b = new SpinLock("b");
  const fa = spin_lock_irqsave(a);
  const fb = spin_lock_irqsave(b);
  assert.equal(irqs_disabled(), true);
  assert.deepEqual(held_locks().map((l) => l.name), ["a", "b"]);
  assert_spin_locked(b);
  spin_unlock_irqrestore(b, fb);
  assert.equal(irqs_disabled(), true);
  spin_unlock_irqrestore(a, fa);
  assert.equal(irqs_disabled(), false);
  assert.throws(() => assert_spin_locked(a), KernelBug);
});

Deno.test("recursion is reported and ends the case", () => {
  kernel_reset();
  const a = new SpinLock("iova_rbtree_lock");
  const reps = kernel_capture_reports(() => {
    spin_lock(a);
    assert.throws(() => spin_lock(a), KernelBug);
  });
  assert.equal(reps.length, 1);
  assert.equal(reps[0]!.kind, "recursive-locking");
  assert.match(reps[0]!.message, /iova_rbtree_lock/);
  assert.match(reps[0]!.site, /spinlock_test\.ts:\d+$/);
  spin_unlock(a);
});

Deno.test("might_sleep, lockdep_assert_held, bad unlock", () => {
  kernel_reset();
  const a = new SpinLock("a");
  const reps = kernel_capture_reports(() => {
    might_sleep();
    lockdep_assert_held(a);
    spin_unlock(a);
    spin_lock(a);
    might_sleep();
    lockdep_assert_held(a);
    spin_unlock(a);
  });
  assert.deepEqual(reps.map((r) => r.kind), [
    "bad-unlock-balance",
    "bad-unlock-balance",
    "sleep-in-atomic",
  ]);
});
