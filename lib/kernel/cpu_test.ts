// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  add_cpu,
  alloc_percpu,
  cpu_online,
  CPUHP_AP_ONLINE_DYN,
  cpuhp_remove_multi_state,
  cpuhp_setup_state_multi,
  cpuhp_state_add_instance_nocalls,
  cpuhp_state_remove_instance_nocalls,
  num_online_cpus,
  onCpu,
  per_cpu_ptr,
  remove_cpu,
  smp_processor_id,
  this_cpu_ptr,
} from "./cpu.ts";
import { kernel_reset } from "./kernel.ts";
import { EBUSY } from "./errno.ts";

Deno.test("onCpu switches and restores smp_processor_id", () => {
  kernel_reset({ cpus: 8 });
  assert.equal(num_online_cpus(), 8);
  assert.equal(smp_processor_id(), 0);
  const seen = onCpu(
    5,
    () => [smp_processor_id(), onCpu(3, smp_processor_id), smp_processor_id()],
  );
  assert.deepEqual(seen, [5, 3, 5]);
  assert.equal(smp_processor_id(), 0);
  assert.throws(
    () => onCpu(8, () => 0),
    (e: Error) => e instanceof RangeError && /8/.test(e.message),
  );
  assert.throws(() =>
    onCpu(1, () => {
      throw new Error("x");
    }), /x/);
  assert.equal(smp_processor_id(), 0);
});

Deno.test("per-CPU storage", () => {
  kernel_reset({ cpus: 3 });
  const pc = alloc_percpu((cpu) => ({ cpu, n: 0 }));
  onCpu(2, () => this_cpu_ptr(pc).n++);
  assert.deepEqual([0, 1, 2].map((c) => per_cpu_ptr(pc, c).n), [0, 0, 1]);
  assert.equal(per_cpu_ptr(pc, 1).cpu, 1);
});

Deno.test("hotplug: offlining a CPU runs dead callbacks per instance", () => {
  kernel_reset({ cpus: 4, hotplug: true });
  const calls: string[] = [];
  const state = cpuhp_setup_state_multi(
    CPUHP_AP_ONLINE_DYN,
    "t:dead",
    null,
    (cpu, node) => {
      calls.push(
        `${(node as { name: string }).name}@${cpu} on ${smp_processor_id()}`,
      );
      return 0;
    },
  );
  assert.ok(state > CPUHP_AP_ONLINE_DYN);
  const a = { name: "a" }, b = { name: "b" };
  cpuhp_state_add_instance_nocalls(state, a);
  cpuhp_state_add_instance_nocalls(state, b);
  assert.equal(remove_cpu(2), 0);
  assert.equal(cpu_online(2), false);
  assert.equal(num_online_cpus(), 3);
  assert.deepEqual(calls, ["a@2 on 0", "b@2 on 0"]);
  assert.throws(() => onCpu(2, () => 0), /offline/);
  cpuhp_state_remove_instance_nocalls(state, a);
  remove_cpu(3);
  assert.deepEqual(calls.slice(2), ["b@3 on 0"]);
  assert.equal(remove_cpu(0), -EBUSY, "the running CPU");
  assert.equal(add_cpu(2), 0);
  assert.equal(num_online_cpus(), 3);
  cpuhp_remove_multi_state(state);
});
