// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  assert_spin_locked,
  held_locks,
  irqs_disabled,
  lockdep_assert_held,
  lockdep_case_end,
  might_sleep,
  Mutex,
  mutex_lock,
  mutex_unlock,
  preempt_disable,
  preempt_enable,
  run_outside_critical_section,
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

Deno.test("racing code waits for the critical section to end", () => {
  kernel_reset();
  const ran: string[] = [];
  const a = new SpinLock("a"), b = new SpinLock("b"), m = new Mutex("m");
  run_outside_critical_section(() => ran.push("now"));
  assert.deepEqual(ran, ["now"]);

  // Nested spinlocks with irqs saved: runs after the outer unlock has
  // restored interrupts, with nothing held, in arrival order.
  const fa = spin_lock_irqsave(a);
  spin_lock(b);
  run_outside_critical_section(() => {
    assert.equal(irqs_disabled(), false);
    assert.deepEqual(held_locks(), []);
    ran.push("first");
  });
  spin_unlock(b);
  run_outside_critical_section(() => ran.push("second"));
  assert.deepEqual(ran, ["now"]);
  spin_unlock_irqrestore(a, fa);
  assert.deepEqual(ran, ["now", "first", "second"]);

  // A mutex and disabled preemption are critical sections too; a racer that
  // takes the lock itself then succeeds instead of deadlocking.
  mutex_lock(m);
  preempt_disable();
  run_outside_critical_section(() => {
    mutex_lock(m);
    ran.push("mutex");
    mutex_unlock(m);
  });
  mutex_unlock(m);
  assert.equal(ran.length, 3);
  preempt_enable();
  assert.deepEqual(ran.slice(3), ["mutex"]);
});

Deno.test("racing code still waiting at the end of a case is dropped", () => {
  kernel_reset();
  const a = new SpinLock("a");
  let ran = 0;
  spin_lock(a);
  run_outside_critical_section(() => ran++);
  assert.equal(lockdep_case_end(false), 1);
  run_outside_critical_section(() => ran += 10);
  assert.equal(ran, 10);
});
