// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  advance,
  alloc_workqueue,
  cancel_delayed_work_sync,
  delayed_work_pending,
  DelayedWork,
  flush_delayed_work,
  flush_workqueue,
  mod_delayed_work,
  mod_timer,
  pending_work,
  queue_delayed_work,
  schedule_delayed_work,
  schedule_work,
  system_wq,
  timer_delete_sync,
  timer_pending,
  timer_setup,
  TimerList,
  WorkStruct,
} from "./workqueue.ts";
import { jiffies, ktime_get_ns, msecs_to_jiffies } from "./time.ts";
import { kernel_reset } from "./kernel.ts";
import { onCpu, smp_processor_id } from "./cpu.ts";

Deno.test("delayed work runs at exactly its virtual millisecond", () => {
  kernel_reset();
  const at: number[] = [];
  const w = new DelayedWork(() => at.push(jiffies));
  schedule_delayed_work(w, msecs_to_jiffies(10));
  advance(9);
  assert.equal(at.length, 0);
  advance(1);
  assert.deepEqual(at, [10]);
  assert.equal(ktime_get_ns(), 10_000_000);
});

Deno.test("self re-arming work runs at every period within one advance", () => {
  kernel_reset();
  const at: number[] = [];
  const w: DelayedWork = new DelayedWork(() => {
    at.push(jiffies);
    if (at.length < 5) schedule_delayed_work(w, 7);
  });
  schedule_delayed_work(w, 3);
  advance(100);
  assert.deepEqual(at, [3, 10, 17, 24, 31]);
  assert.equal(jiffies, 100);
});

Deno.test("mod_delayed_work, cancel, flush", () => {
  kernel_reset();
  let runs = 0;
  const w = new DelayedWork(() => runs++);
  assert.equal(schedule_delayed_work(w, 10), true);
  assert.equal(schedule_delayed_work(w, 1), false, "already pending");
  assert.equal(mod_delayed_work(system_wq, w, 50), true);
  advance(20);
  assert.equal(runs, 0);
  assert.equal(flush_delayed_work(w), true);
  assert.equal(runs, 1);
  assert.equal(flush_delayed_work(w), false);
  schedule_delayed_work(w, 5);
  assert.equal(cancel_delayed_work_sync(w), true);
  assert.equal(delayed_work_pending(w), false);
  advance(100);
  assert.equal(runs, 1);
});

Deno.test("flush_workqueue runs only due work of that queue", () => {
  kernel_reset();
  const wq = alloc_workqueue("t", 0, 0);
  const log: string[] = [];
  const a = new WorkStruct(() => log.push("a"));
  const b = new DelayedWork(() => log.push("b"));
  const c = new WorkStruct(() => log.push("c"));
  queue_delayed_work(wq, b, 5);
  queue_delayed_work(wq, a as DelayedWork, 0);
  schedule_work(c);
  flush_workqueue(wq);
  assert.deepEqual(log, ["a"]);
  advance(0);
  assert.deepEqual(log, ["a", "c"]);
  advance(5);
  assert.deepEqual(log, ["a", "c", "b"]);
});

Deno.test("work runs on the CPU it was queued from", () => {
  kernel_reset({ cpus: 4 });
  let cpu = -1;
  const w = new DelayedWork(() => cpu = smp_processor_id());
  onCpu(2, () => schedule_delayed_work(w, 1));
  advance(1);
  assert.equal(cpu, 2);
});

Deno.test("bad time arguments throw RangeError naming the value", () => {
  kernel_reset();
  assert.throws(
    () => advance(-1),
    (e: Error) => e instanceof RangeError && /-1/.test(e.message),
  );
  assert.throws(() => advance(NaN), /NaN/);
  assert.throws(
    () => schedule_delayed_work(new DelayedWork(() => {}), -5),
    /-5/,
  );
  assert.equal(jiffies, 0);
  assert.equal(pending_work().length, 0);
});

Deno.test("property: execution order equals sorting by (expiry, queue order)", () => {
  const seed = 424242;
  try {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 50 }),
            fc.integer({ min: 0, max: 60 }),
          ),
          { maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 0, max: 30 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (items, steps) => {
          kernel_reset();
          const ran: { id: number; at: number }[] = [];
          const expected: { id: number; expires: number; seq: number }[] = [];
          // schedule item i at time t_i with delay d_i; scheduling times are
          // reached by advancing, so schedule all at time 0 here
          items.forEach(([delay], id) => {
            const w = new DelayedWork(() => ran.push({ id, at: jiffies }));
            schedule_delayed_work(w, delay);
            expected.push({ id, expires: delay, seq: id });
          });
          let now = 0;
          for (const s of steps) {
            advance(s);
            now += s;
          }
          const want = expected.filter((e) => e.expires <= now)
            .sort((a, b) => a.expires - b.expires || a.seq - b.seq);
          assert.deepEqual(ran.map((r) => r.id), want.map((w) => w.id));
          assert.deepEqual(ran.map((r) => r.at), want.map((w) => w.expires));
        },
      ),
      { seed, numRuns: 200 },
    );
  } catch (e) {
    throw new Error(`fast-check seed ${seed}: ${e}`);
  }
});

Deno.test("timers fire at their absolute jiffy", () => {
  kernel_reset();
  const at: number[] = [];
  const t = new TimerList();
  timer_setup(t, () => at.push(jiffies));
  assert.equal(mod_timer(t, jiffies + 10), 0);
  assert.equal(mod_timer(t, jiffies + 20), 1);
  assert.equal(timer_pending(t), true);
  advance(15);
  assert.equal(at.length, 0);
  advance(5);
  assert.deepEqual(at, [20]);
  mod_timer(t, 30);
  assert.equal(timer_delete_sync(t), 1);
  advance(50);
  assert.deepEqual(at, [20]);
});
