// Copyright 2026 the iommulab authors. MIT license.
/**
 * Workqueues and delayed work on virtual time (kernel/workqueue.c,
 * include/linux/workqueue.h).
 *
 * Queued work runs only when time is advanced ({@link advance}, `msleep`)
 * or flushed. `advance(ms)` runs due work in order of expiry (ties in the
 * order it was queued), setting the clock to each work's expiry before
 * running it, so work that re-arms itself runs again at exactly the right
 * virtual millisecond. Work runs on the CPU it was queued from (or CPU 0 if
 * that one went offline).
 *
 * @module
 */
import { clock_set_ns, jiffies, ktime_get_ns, NSEC_PER_MSEC } from "./time.ts";
import { cpu_online, onCpu, smp_processor_id } from "./cpu.ts";
import { online_cpus } from "./cpu.ts";
import { rcu_tick } from "./rcu.ts";

/** `work_func_t`: receives the work item (use `container`-style closures). */
export type WorkFunc = (work: WorkStruct) => void;

/** `struct workqueue_struct`. */
export class WorkqueueStruct {
  /** The name given to `alloc_workqueue`. */
  readonly name: string;
  /** `WQ_*` flags. */
  readonly flags: number;
  /** Set by `destroy_workqueue`. */
  destroyed = false;
  /** Creates a workqueue; use {@link alloc_workqueue}. */
  constructor(name: string, flags: number) {
    this.name = name;
    this.flags = flags;
  }
}

/** `struct work_struct`. */
export class WorkStruct {
  /** The function to run. */
  func: WorkFunc;
  /** Queued (or its timer armed) and not yet started. */
  pending = false;
  /** Jiffy at which it runs (now for plain work). */
  expires = 0;
  /** Queue order, for ties. */
  seq = 0;
  /** CPU it was queued from. */
  cpu = 0;
  /** The workqueue it was queued on. */
  wq: WorkqueueStruct | null = null;
  /** Times it ran. */
  runs = 0;
  /** Creates a work item running `func`. */
  constructor(func: WorkFunc) {
    this.func = func;
  }
}

/** `struct delayed_work` (a work item with a timer). */
export class DelayedWork extends WorkStruct {}

/** `WQ_UNBOUND`. */
export const WQ_UNBOUND = 1 << 1;
/** `WQ_MEM_RECLAIM`. */
export const WQ_MEM_RECLAIM = 1 << 3;
/** `WQ_HIGHPRI`. */
export const WQ_HIGHPRI = 1 << 4;

/** `system_wq`. */
export const system_wq: WorkqueueStruct = new WorkqueueStruct("events", 0);
/** `system_unbound_wq`. */
export const system_unbound_wq: WorkqueueStruct = new WorkqueueStruct(
  "events_unbound",
  WQ_UNBOUND,
);

// Pending items, sorted by (expires, seq).
let queue: WorkStruct[] = [];
let seq = 0;
let running: WorkStruct | null = null;

function insert(w: WorkStruct): void {
  let lo = 0, hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = queue[mid]!;
    if (m.expires < w.expires || (m.expires === w.expires && m.seq < w.seq)) {
      lo = mid + 1;
    } else hi = mid;
  }
  queue.splice(lo, 0, w);
}

function remove(w: WorkStruct): void {
  const i = queue.indexOf(w);
  if (i >= 0) queue.splice(i, 1);
  w.pending = false;
}

function checkDelay(delay: number): void {
  if (!Number.isSafeInteger(delay) || delay < 0) {
    throw new RangeError(`delay must be a jiffy count >= 0, got ${delay}`);
  }
}

function enqueue(wq: WorkqueueStruct, w: WorkStruct, delay: number): void {
  if (wq.destroyed) throw new TypeError(`workqueue ${wq.name} was destroyed`);
  w.pending = true;
  w.wq = wq;
  w.expires = jiffies + delay;
  w.seq = ++seq;
  w.cpu = smp_processor_id();
  insert(w);
}

/** `INIT_WORK(work, fn)`. */
export function INIT_WORK(work: WorkStruct, fn: WorkFunc): void {
  if (work.pending) remove(work);
  work.func = fn;
}

/** `INIT_DELAYED_WORK(dwork, fn)`. */
export function INIT_DELAYED_WORK(dwork: DelayedWork, fn: WorkFunc): void {
  INIT_WORK(dwork, fn);
}

/** `to_delayed_work(work)`. */
export function to_delayed_work(work: WorkStruct): DelayedWork {
  return work as DelayedWork;
}

/** `alloc_workqueue(name, flags, max_active)`. */
export function alloc_workqueue(
  name: string,
  flags = 0,
  _max_active = 0,
): WorkqueueStruct {
  return new WorkqueueStruct(name, flags);
}

/** `destroy_workqueue(wq)`: drains it (runs its queued work) and kills it. */
export function destroy_workqueue(wq: WorkqueueStruct): void {
  drain(wq);
  wq.destroyed = true;
}

/** `queue_work(wq, work)`: false if already pending. */
export function queue_work(wq: WorkqueueStruct, work: WorkStruct): boolean {
  if (work.pending) return false;
  enqueue(wq, work, 0);
  return true;
}

/** `schedule_work(work)`. */
export function schedule_work(work: WorkStruct): boolean {
  return queue_work(system_wq, work);
}

/** `queue_delayed_work(wq, dwork, delay)`: false if already pending. */
export function queue_delayed_work(
  wq: WorkqueueStruct,
  dwork: DelayedWork,
  delay: number,
): boolean {
  checkDelay(delay);
  if (dwork.pending) return false;
  enqueue(wq, dwork, delay);
  return true;
}

/** `schedule_delayed_work(dwork, delay)`. */
export function schedule_delayed_work(
  dwork: DelayedWork,
  delay: number,
): boolean {
  return queue_delayed_work(system_wq, dwork, delay);
}

/**
 * `mod_delayed_work(wq, dwork, delay)`: (re)arms the timer to `delay` from
 * now whether or not it was pending; returns whether it was pending.
 */
export function mod_delayed_work(
  wq: WorkqueueStruct,
  dwork: DelayedWork,
  delay: number,
): boolean {
  checkDelay(delay);
  const was = dwork.pending;
  if (was) remove(dwork);
  enqueue(wq, dwork, delay);
  return was;
}

/** `cancel_work(work)` / `cancel_delayed_work(dwork)`: was it pending? */
export function cancel_delayed_work(dwork: WorkStruct): boolean {
  if (!dwork.pending) return false;
  remove(dwork);
  return true;
}

/** `cancel_delayed_work_sync(dwork)`: cancels; nothing runs concurrently. */
export function cancel_delayed_work_sync(dwork: WorkStruct): boolean {
  return cancel_delayed_work(dwork);
}

/** `cancel_work_sync(work)`. */
export const cancel_work_sync: (work: WorkStruct) => boolean =
  cancel_delayed_work_sync;

/** `delayed_work_pending(dwork)` / `work_pending(work)`. */
export function delayed_work_pending(dwork: WorkStruct): boolean {
  return dwork.pending;
}

/** `work_pending(work)`. */
export const work_pending: (work: WorkStruct) => boolean = delayed_work_pending;

function runOne(w: WorkStruct): void {
  remove(w);
  const cpu = cpu_online(w.cpu) ? w.cpu : (online_cpus()[0] ?? 0);
  const prev = running;
  running = w;
  try {
    w.runs++;
    onCpu(cpu, () => w.func(w));
  } finally {
    running = prev;
  }
}

/** `flush_work(work)`: runs it now if pending; returns whether it waited. */
export function flush_work(work: WorkStruct): boolean {
  if (!work.pending) return false;
  runOne(work);
  return true;
}

/**
 * `flush_delayed_work(dwork)`: if the timer is armed, fires it now and runs
 * the work; returns whether it waited.
 */
export function flush_delayed_work(dwork: DelayedWork): boolean {
  return flush_work(dwork);
}

/**
 * `flush_workqueue(wq)`: runs the work already queued on `wq` (timers that
 * have not expired are not waited for, as in the kernel).
 */
export function flush_workqueue(wq: WorkqueueStruct): void {
  const now = jiffies;
  const due = queue.filter((w) => w.wq === wq && w.expires <= now);
  for (const w of due) if (w.pending && w.wq === wq) runOne(w);
}

/** `drain_workqueue(wq)`: flushes until no work (including re-queued) is left due. */
export function drain_workqueue(wq: WorkqueueStruct): void {
  drain(wq);
}

function drain(wq: WorkqueueStruct): void {
  for (let guard = 0; guard < 1_000_000; guard++) {
    const w = queue.find((x) => x.wq === wq && x.expires <= jiffies);
    if (w === undefined) return;
    runOne(w);
  }
  throw new RangeError(`workqueue ${wq.name} does not drain`);
}

/** `flush_scheduled_work()`. */
export function flush_scheduled_work(): void {
  flush_workqueue(system_wq);
}

/** The maximum work items `advance` runs before deciding it loops forever. */
export const ADVANCE_MAX_WORK = 10_000_000;

/**
 * Advances virtual time by `ms` milliseconds (fractions allowed, down to a
 * nanosecond), running due work in expiry order, including work that
 * re-arms itself. `advance(0)` runs the work that is due now. Throws
 * RangeError for negative or non-finite `ms` (time never moves backwards).
 */
export function advance(ms: number): void {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `advance(ms) needs a finite ms >= 0, got ${String(ms)}`,
    );
  }
  const target = ktime_get_ns() + Math.round(ms * NSEC_PER_MSEC);
  if (!Number.isSafeInteger(target)) {
    throw new RangeError(`advance(${ms}) overflows the virtual clock`);
  }
  const targetJiffies = Math.floor(target / NSEC_PER_MSEC);
  let n = 0;
  while (queue.length > 0 && queue[0]!.expires <= targetJiffies) {
    const w = queue[0]!;
    const at = w.expires * NSEC_PER_MSEC;
    if (at > ktime_get_ns()) clock_set_ns(at);
    if (++n > ADVANCE_MAX_WORK) {
      throw new RangeError(
        `advance(${ms}): more than ${ADVANCE_MAX_WORK} work items ran`,
      );
    }
    runOne(w);
  }
  if (ms > 0) rcu_tick();
  clock_set_ns(target);
}

// --- timers (kernel/time/timer.c) on the same virtual clock ---

/** `struct timer_list`: `expires` is an absolute jiffy. */
export class TimerList extends WorkStruct {
  /** The timer function. */
  function: (timer: TimerList) => void;
  /** Creates a timer running `fn`; see {@link timer_setup}. */
  constructor(fn: (timer: TimerList) => void = () => {}) {
    super((w) => (w as TimerList).function(w as TimerList));
    this.function = fn;
  }
}

/** The queue timers live on. */
const timer_base: WorkqueueStruct = new WorkqueueStruct("timers", 0);

/** `timer_setup(timer, fn, flags)`. */
export function timer_setup(
  timer: TimerList,
  fn: (timer: TimerList) => void,
  _flags = 0,
): void {
  if (timer.pending) remove(timer);
  timer.function = fn;
}

/** `mod_timer(timer, expires)`: (re)arms at absolute jiffy `expires`; 1 if it was pending. */
export function mod_timer(timer: TimerList, expires: number): number {
  if (!Number.isSafeInteger(expires)) {
    throw new RangeError(`expires must be a jiffy, got ${expires}`);
  }
  const was = timer.pending;
  if (was) remove(timer);
  enqueue(timer_base, timer, Math.max(0, expires - jiffies));
  timer.expires = expires < jiffies ? jiffies : expires;
  return was ? 1 : 0;
}

/** `add_timer(timer)`: arms at `timer.expires`. */
export function add_timer(timer: TimerList): void {
  mod_timer(timer, timer.expires);
}

/** `timer_delete(timer)` / `del_timer`: 1 if it was pending. */
export function timer_delete(timer: TimerList): number {
  if (!timer.pending) return 0;
  remove(timer);
  return 1;
}

/** `timer_delete_sync(timer)` / `del_timer_sync`. */
export const timer_delete_sync: (timer: TimerList) => number = timer_delete;
/** `del_timer(timer)`. */
export const del_timer: (timer: TimerList) => number = timer_delete;
/** `del_timer_sync(timer)`. */
export const del_timer_sync: (timer: TimerList) => number = timer_delete;

/** `timer_pending(timer)`. */
export function timer_pending(timer: TimerList): boolean {
  return timer.pending;
}

/** `msleep(ms)`: the caller sleeps, i.e. virtual time advances. */
export function msleep(ms: number): void {
  advance(ms);
}

/** The pending work items in run order (for tests and reports). */
export function pending_work(): readonly WorkStruct[] {
  return queue.slice();
}

/** `current_work()`: the work item running now, or null. */
export function current_work(): WorkStruct | null {
  return running;
}

/** Drops all pending work (kernel_reset). Returns how many were dropped. */
export function workqueue_reset(): number {
  const n = queue.length;
  for (const w of queue) w.pending = false;
  queue = [];
  seq = 0;
  return n;
}
