// Copyright 2026 the iommulab authors. MIT license.
/**
 * Simulated CPUs (include/linux/smp.h, cpumask.h, percpu.h, cpuhotplug.h).
 *
 * There is one thread of execution; "running on CPU n" is a context that
 * {@link onCpu} switches, so per-CPU code (the IOVA rcache) sees the CPU it
 * would on a real machine. CPUs can be taken offline and back online;
 * offlining runs the teardown ("dead") callbacks registered with
 * `cpuhp_setup_state*`, for every instance of multi-instance states.
 *
 * @module
 */
import { EBUSY, EINVAL } from "./errno.ts";

/** The largest CPU count the simulation accepts. */
export const NR_CPUS_MAX = 1024;

let nrCpus = 4;
let online: boolean[] = [true, true, true, true];
let nrOnline = 4;
let current = 0;

/** `nr_cpu_ids`: the number of possible CPUs. */
export function nr_cpu_ids(): number {
  return nrCpus;
}

/** `num_possible_cpus()`. */
export function num_possible_cpus(): number {
  return nrCpus;
}

/** `num_online_cpus()`. */
export function num_online_cpus(): number {
  return nrOnline;
}

/** `smp_processor_id()`: the CPU the current code runs on. */
export function smp_processor_id(): number {
  return current;
}

/** `raw_smp_processor_id()`. */
export const raw_smp_processor_id: () => number = smp_processor_id;

/** `cpu_online(cpu)`. */
export function cpu_online(cpu: number): boolean {
  return online[cpu] === true;
}

/** `cpu_possible(cpu)`. */
export function cpu_possible(cpu: number): boolean {
  return Number.isInteger(cpu) && cpu >= 0 && cpu < nrCpus;
}

/** The online CPUs in ascending order (`for_each_online_cpu`). */
export function online_cpus(): number[] {
  const r: number[] = [];
  for (let c = 0; c < nrCpus; c++) if (online[c]) r.push(c);
  return r;
}

/** The possible CPUs in ascending order (`for_each_possible_cpu`). */
export function possible_cpus(): number[] {
  return Array.from({ length: nrCpus }, (_, i) => i);
}

function checkCpu(cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= nrCpus) {
    throw new RangeError(
      `cpu must be an integer in [0, ${nrCpus - 1}], got ${cpu}`,
    );
  }
}

/**
 * Runs `fn` on CPU `cpu` (which must be online) and returns its result; the
 * previous CPU is restored afterwards, even if `fn` throws.
 */
export function onCpu<R>(cpu: number, fn: () => R): R {
  checkCpu(cpu);
  if (!online[cpu]) throw new RangeError(`cpu ${cpu} is offline`);
  const prev = current;
  current = cpu;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * Sets the number of CPUs (all online, current CPU 0). Per-CPU areas
 * allocated before keep their size; call it before creating models.
 */
export function set_nr_cpus(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > NR_CPUS_MAX) {
    throw new RangeError(
      `CPU count must be an integer in [1, ${NR_CPUS_MAX}], got ${n}`,
    );
  }
  nrCpus = n;
  online = new Array<boolean>(n).fill(true);
  nrOnline = n;
  current = 0;
}

/** Per-CPU storage (`alloc_percpu`): one value per possible CPU. */
export class PerCpu<T> {
  /** The values, indexed by CPU. */
  readonly slots: T[];
  /** Creates per-CPU storage with `init(cpu)` for each possible CPU. */
  constructor(init: (cpu: number) => T) {
    this.slots = [];
    for (let c = 0; c < nrCpus; c++) this.slots.push(init(c));
  }
}

/** `alloc_percpu(type)`: `init(cpu)` builds each CPU's value. */
export function alloc_percpu<T>(init: (cpu: number) => T): PerCpu<T> {
  return new PerCpu(init);
}

/** `free_percpu(pcp)` (nothing to release; kept for symmetry). */
export function free_percpu<T>(_pcp: PerCpu<T> | null): void {}

/** `per_cpu_ptr(pcp, cpu)`. */
export function per_cpu_ptr<T>(pcp: PerCpu<T>, cpu: number): T {
  const v = pcp.slots[cpu];
  if (v === undefined) checkCpu(cpu);
  return v as T;
}

/** `this_cpu_ptr(pcp)`: the current CPU's value. */
export function this_cpu_ptr<T>(pcp: PerCpu<T>): T {
  return pcp.slots[current] as T;
}

/** `per_cpu_ptr` store: replaces CPU `cpu`'s value. */
export function per_cpu_set<T>(pcp: PerCpu<T>, cpu: number, v: T): void {
  checkCpu(cpu);
  pcp.slots[cpu] = v;
}

// --- CPU hotplug (kernel/cpu.c) ---

/** `CPUHP_IOMMU_IOVA_DEAD` (a "dead" state: teardown runs on another CPU). */
export const CPUHP_IOMMU_IOVA_DEAD = 60;
/** `CPUHP_AP_ONLINE_DYN`: ask for a dynamically allocated state. */
export const CPUHP_AP_ONLINE_DYN = 200;

/** A hotplug instance node (`struct hlist_node` in a multi-instance state). */
export type CpuhpNode = object;

/** Single-instance callback: `int (*)(unsigned int cpu)`. */
export type CpuhpCallback = (cpu: number) => number;
/** Multi-instance callback: `int (*)(unsigned int cpu, struct hlist_node *)`. */
export type CpuhpMultiCallback = (cpu: number, node: CpuhpNode) => number;

interface CpuhpState {
  state: number;
  name: string;
  multi: boolean;
  startup: CpuhpCallback | CpuhpMultiCallback | null;
  teardown: CpuhpCallback | CpuhpMultiCallback | null;
  instances: CpuhpNode[];
}

const states = new Map<number, CpuhpState>();
let nextDyn = CPUHP_AP_ONLINE_DYN;

function setupState(
  state: number,
  name: string,
  multi: boolean,
  startup: CpuhpCallback | CpuhpMultiCallback | null,
  teardown: CpuhpCallback | CpuhpMultiCallback | null,
  invoke: boolean,
): number {
  if (!Number.isInteger(state) || state < 0) {
    throw new RangeError(`cpuhp state must be an integer >= 0, got ${state}`);
  }
  let s = state;
  if (state === CPUHP_AP_ONLINE_DYN) s = ++nextDyn;
  else if (states.has(state)) return -EBUSY;
  states.set(s, { state: s, name, multi, startup, teardown, instances: [] });
  if (invoke && !multi && startup) {
    for (const c of online_cpus()) (startup as CpuhpCallback)(c);
  }
  return state === CPUHP_AP_ONLINE_DYN ? s : 0;
}

/**
 * `cpuhp_setup_state(state, name, startup, teardown)`: registers callbacks
 * and runs `startup` on the online CPUs. Returns 0 (or the dynamic state).
 */
export function cpuhp_setup_state(
  state: number,
  name: string,
  startup: CpuhpCallback | null,
  teardown: CpuhpCallback | null,
): number {
  return setupState(state, name, false, startup, teardown, true);
}

/** `cpuhp_setup_state_nocalls(...)`: without running `startup`. */
export function cpuhp_setup_state_nocalls(
  state: number,
  name: string,
  startup: CpuhpCallback | null,
  teardown: CpuhpCallback | null,
): number {
  return setupState(state, name, false, startup, teardown, false);
}

/** `cpuhp_setup_state_multi(state, name, startup, teardown)`. */
export function cpuhp_setup_state_multi(
  state: number,
  name: string,
  startup: CpuhpMultiCallback | null,
  teardown: CpuhpMultiCallback | null,
): number {
  return setupState(state, name, true, startup, teardown, false);
}

/** `cpuhp_remove_state(state)` / `cpuhp_remove_multi_state(state)`. */
export function cpuhp_remove_state(state: number): void {
  states.delete(state);
}

/** `cpuhp_remove_multi_state(state)`. */
export const cpuhp_remove_multi_state: (state: number) => void =
  cpuhp_remove_state;

/** `cpuhp_state_add_instance_nocalls(state, node)`. */
export function cpuhp_state_add_instance_nocalls(
  state: number,
  node: CpuhpNode,
): number {
  const s = states.get(state);
  if (s === undefined || !s.multi) return -EINVAL;
  s.instances.push(node);
  return 0;
}

/** `cpuhp_state_remove_instance_nocalls(state, node)`. */
export function cpuhp_state_remove_instance_nocalls(
  state: number,
  node: CpuhpNode,
): number {
  const s = states.get(state);
  if (s === undefined || !s.multi) return -EINVAL;
  const i = s.instances.indexOf(node);
  if (i >= 0) s.instances.splice(i, 1);
  return 0;
}

/**
 * `remove_cpu(cpu)`: takes `cpu` offline and runs every state's teardown
 * for it, in descending state order, on another online CPU (as "dead"
 * callbacks do). Returns 0, or -EBUSY for the last online CPU or the CPU
 * the caller is running on, -EINVAL if already offline.
 */
export function remove_cpu(cpu: number): number {
  checkCpu(cpu);
  if (!online[cpu]) return -EINVAL;
  if (nrOnline === 1 || cpu === current) return -EBUSY;
  online[cpu] = false;
  nrOnline--;
  const sorted = [...states.values()].sort((a, b) => b.state - a.state);
  for (const s of sorted) {
    if (!s.teardown) continue;
    if (s.multi) {
      for (const n of [...s.instances]) {
        (s.teardown as CpuhpMultiCallback)(cpu, n);
      }
    } else (s.teardown as CpuhpCallback)(cpu);
  }
  return 0;
}

/** `add_cpu(cpu)`: brings `cpu` online and runs the startup callbacks. */
export function add_cpu(cpu: number): number {
  checkCpu(cpu);
  if (online[cpu]) return -EINVAL;
  online[cpu] = true;
  nrOnline++;
  const sorted = [...states.values()].sort((a, b) => a.state - b.state);
  for (const s of sorted) {
    if (!s.startup) continue;
    if (s.multi) {
      for (const n of [...s.instances]) {
        (s.startup as CpuhpMultiCallback)(cpu, n);
      }
    } else (s.startup as CpuhpCallback)(cpu);
  }
  return 0;
}

/** Resets CPUs to `n` online (current CPU 0); keeps registered states. */
export function cpu_reset(n: number = nrCpus): void {
  set_nr_cpus(n);
}

/** Forgets every hotplug state (kernel_reset with `hotplug: true`). */
export function cpuhp_reset(): void {
  states.clear();
  nextDyn = CPUHP_AP_ONLINE_DYN;
}
