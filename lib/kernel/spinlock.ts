// Copyright 2026 the iommulab authors. MIT license.
/**
 * Spinlocks, mutexes and a lockdep-lite (include/linux/spinlock.h,
 * mutex.h, lockdep.h).
 *
 * The simulation has one thread of execution, so taking a lock that is
 * already held can never succeed: it is reported as recursive locking (the
 * kernel would deadlock) on the current test and a `KernelBug` is thrown to
 * end the case. A sleeping allocation (`GFP_KERNEL`), `might_sleep()` or a
 * `mutex_lock` while a spinlock is held or interrupts are off is reported as
 * "sleeping function called from invalid context". Unlocking a lock that is
 * not held is reported as bad unlock balance.
 *
 * A second CPU that needs a lock this one holds spins until it is released.
 * {@link run_outside_critical_section} plays that for racing code (the
 * scenario `race` steps): it runs the code at once when no lock is held and
 * interrupts and preemption are on, and otherwise at the moment the
 * interrupted code leaves its critical section.
 *
 * @module
 */
import { KernelBug } from "./bug.ts";
import { kernel_caller_site, kernel_report } from "./report.ts";

/** `spinlock_t`. */
export class SpinLock {
  /** The lock's name (its lockdep class), for reports. */
  name: string;
  /** Whether it is held. */
  locked = false;
  /** `file:line` of the acquisition (recorded only when lockdep sites are on). */
  owner_site = "";
  /** Creates an unlocked spinlock. */
  constructor(name = "spinlock") {
    this.name = name;
  }
}

/** The kernel's type name. */
export type spinlock_t = SpinLock;

/** `struct mutex`. */
export class Mutex {
  /** The lock's name, for reports. */
  name: string;
  /** Whether it is held. */
  locked = false;
  /** Creates an unlocked mutex. */
  constructor(name = "mutex") {
    this.name = name;
  }
}

let spinDepth = 0;
let irqOff = 0;
let preemptOff = 0;
const held: (SpinLock | Mutex)[] = [];
// Racing code waiting for the current critical section to end.
const waiting: (() => void)[] = [];

/** `DEFINE_SPINLOCK(name)` / `spin_lock_init(lock)` in one: a new lock. */
export function DEFINE_SPINLOCK(name: string): SpinLock {
  return new SpinLock(name);
}

/** `spin_lock_init(lock)`: resets `lock` to unlocked. */
export function spin_lock_init(lock: SpinLock): void {
  lock.locked = false;
}

function recursive(lock: SpinLock | Mutex): never {
  const site = kernel_caller_site();
  kernel_report({
    kind: "recursive-locking",
    message: `possible recursive locking detected: ${lock.name} already held`,
    site,
    details: [`held locks: ${held.map((l) => l.name).join(", ") || "none"}`],
    object: lock,
  });
  throw new KernelBug(`deadlock: ${lock.name} acquired while held`, site);
}

/** `spin_lock(lock)`. */
export function spin_lock(lock: SpinLock): void {
  if (lock.locked) recursive(lock);
  lock.locked = true;
  spinDepth++;
  held.push(lock);
}

/** `spin_trylock(lock)`: takes the lock if free. */
export function spin_trylock(lock: SpinLock): boolean {
  if (lock.locked) return false;
  spin_lock(lock);
  return true;
}

/** `spin_unlock(lock)`. */
export function spin_unlock(lock: SpinLock): void {
  if (release(lock)) spinDepth--;
}

// Marks `lock` released (false, with a report, if it was not held).
function release(lock: SpinLock | Mutex): boolean {
  if (!lock.locked) {
    kernel_report({
      kind: "bad-unlock-balance",
      message: `bad unlock balance detected: ${lock.name} is not held`,
      site: kernel_caller_site(),
      details: [],
      object: lock,
    });
    return false;
  }
  lock.locked = false;
  // Locks are almost always released in LIFO order: pop without a search.
  if (held[held.length - 1] === lock) held.pop();
  else {
    const i = held.lastIndexOf(lock);
    if (i >= 0) held.splice(i, 1);
  }
  if (waiting.length !== 0) run_waiting();
  return true;
}

function outside_critical_section(): boolean {
  return held.length === 0 && irqOff === 0 && preemptOff === 0;
}

// The critical section may have ended: run the code that waited for it, in
// the order it arrived.
function run_waiting(): void {
  while (waiting.length !== 0 && outside_critical_section()) waiting.shift()!();
}

/**
 * Runs `fn` as a second CPU would that needs what this one holds: at once
 * when no spinlock or mutex is held and interrupts and preemption are on,
 * otherwise when the last of them is released (after
 * `spin_unlock_irqrestore()` has restored interrupts). Every such run is an
 * interleaving the kernel allows; races inside a critical section that the
 * racer would not need are not played. Code still waiting at the end of a
 * case is dropped (the case already reports the lock held at exit).
 */
export function run_outside_critical_section(fn: () => void): void {
  if (outside_critical_section()) fn();
  else waiting.push(fn);
}

/** `spin_lock_irqsave(lock, flags)`: returns the saved flags. */
export function spin_lock_irqsave(lock: SpinLock): number {
  const flags = local_irq_save();
  spin_lock(lock);
  return flags;
}

/** `spin_unlock_irqrestore(lock, flags)`. */
export function spin_unlock_irqrestore(lock: SpinLock, flags: number): void {
  spin_unlock(lock);
  local_irq_restore(flags);
}

/** `spin_lock_irq(lock)`. */
export function spin_lock_irq(lock: SpinLock): void {
  irqOff++;
  spin_lock(lock);
}

/** `spin_unlock_irq(lock)`. */
export function spin_unlock_irq(lock: SpinLock): void {
  spin_unlock(lock);
  if (irqOff > 0) irqOff--;
  if (waiting.length !== 0) run_waiting();
}

/** `spin_lock_bh(lock)`. */
export const spin_lock_bh: (lock: SpinLock) => void = spin_lock;
/** `spin_unlock_bh(lock)`. */
export const spin_unlock_bh: (lock: SpinLock) => void = spin_unlock;

/** `spin_is_locked(lock)`. */
export function spin_is_locked(lock: SpinLock): boolean {
  return lock.locked;
}

/** `assert_spin_locked(lock)`: BUG if not held. */
export function assert_spin_locked(lock: SpinLock): void {
  if (!lock.locked) {
    throw new KernelBug(
      `assert_spin_locked: ${lock.name} is not held`,
      kernel_caller_site(),
    );
  }
}

/**
 * `lockdep_assert_held(lock)`: reports (WARN-level, fails the test) if the
 * lock is not held.
 */
export function lockdep_assert_held(lock: SpinLock | Mutex): void {
  if (!lock.locked) {
    kernel_report({
      kind: "bad-unlock-balance",
      message: `lockdep_assert_held: ${lock.name} is not held`,
      site: kernel_caller_site(),
      details: [],
      object: lock,
    });
  }
}

/** `lockdep_assert_not_held(lock)`. */
export function lockdep_assert_not_held(lock: SpinLock | Mutex): void {
  if (lock.locked) {
    kernel_report({
      kind: "recursive-locking",
      message: `lockdep_assert_not_held: ${lock.name} is held`,
      site: kernel_caller_site(),
      details: [],
      object: lock,
    });
  }
}

/** `local_irq_save(flags)`: returns the flags to restore. */
export function local_irq_save(): number {
  return irqOff++;
}

/** `local_irq_restore(flags)`. */
export function local_irq_restore(flags: number): void {
  irqOff = flags;
  if (waiting.length !== 0) run_waiting();
}

/** `irqs_disabled()`. */
export function irqs_disabled(): boolean {
  return irqOff > 0;
}

/** `preempt_disable()`. */
export function preempt_disable(): void {
  preemptOff++;
}

/** `preempt_enable()`. */
export function preempt_enable(): void {
  if (preemptOff > 0) preemptOff--;
  if (waiting.length !== 0) run_waiting();
}

/** `in_atomic()`: a spinlock is held, or preemption/irqs are off. */
export function in_atomic(): boolean {
  return spinDepth > 0 || irqOff > 0 || preemptOff > 0;
}

/**
 * `might_sleep()`: reports "sleeping function called from invalid context"
 * when in atomic context. Cheap when not atomic.
 */
export function might_sleep(): void {
  if (spinDepth > 0 || irqOff > 0 || preemptOff > 0) {
    sleepInAtomic("might_sleep()");
  }
}

/** The slow path of the sleeping-allocation check (slab, page allocator). */
export function might_sleep_report(what: string): void {
  sleepInAtomic(what);
}

/** Whether a spinlock is held or irqs/preemption are off (hot-path check). */
export function atomic_context(): boolean {
  return spinDepth > 0 || irqOff > 0 || preemptOff > 0;
}

function sleepInAtomic(what: string): void {
  kernel_report({
    kind: "sleep-in-atomic",
    message: `sleeping function called from invalid context: ${what}`,
    site: kernel_caller_site(),
    details: [
      `in_atomic(): ${in_atomic() ? 1 : 0}, irqs_disabled(): ${
        irqs_disabled() ? 1 : 0
      }`,
      `held locks: ${held.map((l) => l.name).join(", ") || "none"}`,
    ],
  });
}

/** `mutex_init(lock)`. */
export function mutex_init(lock: Mutex): void {
  lock.locked = false;
}

/** `mutex_lock(lock)`: may sleep. */
export function mutex_lock(lock: Mutex): void {
  might_sleep();
  if (lock.locked) recursive(lock);
  lock.locked = true;
  held.push(lock);
}

/** `mutex_trylock(lock)`: 1 if taken. */
export function mutex_trylock(lock: Mutex): number {
  if (lock.locked) return 0;
  lock.locked = true;
  held.push(lock);
  return 1;
}

/** `mutex_unlock(lock)`. */
export function mutex_unlock(lock: Mutex): void {
  release(lock);
}

/** `mutex_is_locked(lock)`. */
export function mutex_is_locked(lock: Mutex): boolean {
  return lock.locked;
}

/** The locks currently held, oldest first (for reports and tests). */
export function held_locks(): readonly (SpinLock | Mutex)[] {
  return held.slice();
}

/**
 * End-of-case check: reports locks still held (and releases them) and
 * resets the irq/preempt state. Returns how many locks were held.
 */
export function lockdep_case_end(report: boolean): number {
  const n = held.length;
  if (n > 0 && report) {
    kernel_report({
      kind: "lock-held-at-exit",
      message: `${n} lock(s) still held at the end of the case: ${
        held.map((l) => l.name).join(", ")
      }`,
      site: "<case end>:0",
      details: [],
    });
  }
  for (const l of held) l.locked = false;
  held.length = 0;
  waiting.length = 0;
  spinDepth = 0;
  irqOff = 0;
  preemptOff = 0;
  return n;
}
