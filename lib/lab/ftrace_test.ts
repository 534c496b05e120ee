// Copyright 2026 the iommulab authors. MIT license.
import assert from "node:assert/strict";
import {
  formatDmaMap,
  formatDmaUnmap,
  formatFtraceLine,
  formatIommuMap,
  formatIommuUnmap,
  parseFtrace,
  TraceSyntaxError,
} from "./ftrace.ts";

// Lines in the kernel's layout: trace_print_context() with irq-info on,
// with it off, with record-tgid, and with the system prefix.
const MAP =
  "IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x00000003ed1a5000 size=4096";
const UNMAP =
  "IOMMU: iova=0x00000000ffc00000 - 0x00000000ffc01000 size=4096 unmapped_size=2097152";

Deno.test("parseFtrace() reads iommu events with and without irq-info", () => {
  const text = [
    "# tracer: nop",
    "#",
    ` irq/124-nvme0q3-611     [000] dNs1.  1520.000367: map: ${MAP}`,
    `          <idle>-0       [002]  1520.000491: unmap: ${UNMAP}`,
    `   kworker/u16:3-187     (    187) [001] d..1. 1520.1: iommu:map: ${MAP}`,
    "",
  ].join("\n");
  const p = parseFtrace(text, "t.trace");
  assert.equal(p.iommu.length, 3);
  assert.equal(p.ignored, 0);
  const [a, b, c] = p.iommu;
  assert.deepEqual(
    { ...a },
    {
      line: 3,
      task: "irq/124-nvme0q3",
      pid: 611,
      cpu: 0,
      flags: "dNs1.",
      ts: 1520.000367,
      kind: "map",
      iova: 0xfffff000n,
      paddr: 0x3ed1a5000n,
      size: 4096n,
    },
  );
  assert.equal(b!.kind, "unmap");
  assert.equal(b!.flags, null);
  assert.equal(b!.task, "<idle>");
  assert.ok(b!.kind === "unmap" && b!.unmapped === 2097152n);
  assert.equal(c!.line, 5);
  assert.equal(c!.task, "kworker/u16:3");
});

Deno.test("parseFtrace() reads dma events, counts others and lost ones", () => {
  const text = [
    "           fio-5121    [003] ...1.  1520.2: dma_map_page: 0000:01:00.0 dir=TO_DEVICE dma_addr=ffff8e00 size=20480 phys_addr=5ed06be00 attrs=",
    "           fio-5121    [003] ...1.  1520.3: dma:dma_unmap_page: 0000:01:00.0 dir=TO_DEVICE dma_addr=ffff8e00 size=20480 attrs=SKIP_CPU_SYNC|NO_WARN",
    "           fio-5121    [003] ...1.  1520.4: sched_switch: prev_comm=fio",
    "           fio-5121    [003] ...1.  1520.4: other:map: IOMMU: whatever",
    "CPU:2 [LOST 17 EVENTS]",
  ].join("\n");
  const p = parseFtrace(text);
  assert.equal(p.iommu.length, 0);
  assert.equal(p.ignored, 2);
  assert.equal(p.lost, 17);
  assert.equal(p.dma.length, 2);
  const [m, u] = p.dma;
  assert.ok(m!.kind === "map");
  assert.equal(m!.device, "0000:01:00.0");
  assert.equal(m!.dma_addr, 0xffff8e00n);
  assert.equal(m!.size, 20480);
  assert.equal(m!.phys_addr, 0x5ed06be00n);
  assert.equal(m!.attrs, "");
  assert.equal(u!.kind, "unmap");
  assert.equal(u!.attrs, "SKIP_CPU_SYNC|NO_WARN");
});

Deno.test("parseFtrace() names the file and line of a bad line", () => {
  const good = `   fio-1 [000] 1.5: map: ${MAP}`;
  const cases: [string, RegExp][] = [
    ["garbage", /^x\.trace:2: not an ftrace event line/],
    ["   fio-1 [000] 1.5: map: IOMMU: iova=0x1", /^x\.trace:2: .*iommu:map/],
    [
      "   fio-1 [000] 1.5: unmap: IOMMU: iova=0x1000 - 0x3000 size=4096 unmapped_size=4096",
      /^x\.trace:2: iommu:unmap end 0x3000 is not iova \+ size/,
    ],
    [
      "   fio-1 [000] 1.5: dma_map_page: dev dir=SIDEWAYS dma_addr=1 size=1 phys_addr=1 attrs=",
      /^x\.trace:2: .*dma:dma_map_page/,
    ],
  ];
  for (const [line, re] of cases) {
    assert.throws(() => parseFtrace(`${good}\n${line}\n`, "x.trace"), (e) => {
      assert.ok(e instanceof TraceSyntaxError);
      assert.ok(e instanceof SyntaxError);
      assert.equal(e.line, 2);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("formatFtraceLine() and the payload formatters round-trip", () => {
  const lines = [
    formatFtraceLine({
      task: "kworker/u16:3",
      pid: 187,
      cpu: 1,
      flags: "d..1.",
      ts: 1520.000226,
      event: "map",
      payload: formatIommuMap(0xfffe0000n, 0x764_6f0000n, 65536n),
    }),
    formatFtraceLine({
      task: "fio",
      pid: 5121,
      cpu: 12,
      flags: null,
      ts: 3.5,
      event: "unmap",
      payload: formatIommuUnmap(0xfffe0000n, 4096n, 65536n),
    }),
    formatFtraceLine({
      task: "x",
      pid: 1,
      cpu: 0,
      flags: ".....",
      ts: 2,
      event: "dma_map_page",
      payload: formatDmaMap("0000:02:00.0", "FROM_DEVICE", 0xfc0n, 66, 0x3fc0n),
    }),
    formatFtraceLine({
      task: "x",
      pid: 1,
      cpu: 0,
      flags: ".....",
      ts: 2,
      event: "dma_unmap_page",
      payload: formatDmaUnmap("0000:02:00.0", "FROM_DEVICE", 0xfc0n, 66),
    }),
  ];
  // The kernel's column layout: %16s-%-7d [%03d] flags %5lu.%06lu
  assert.equal(
    lines[0]!.slice(0, 51),
    "   kworker/u16:3-187     [001] d..1.  1520.000226: ",
  );
  assert.equal(
    lines[0]!.slice(51),
    "map: IOMMU: iova=0x00000000fffe0000 - 0x00000000ffff0000 paddr=0x00000007646f0000 size=65536",
  );
  const p = parseFtrace(lines.join("\n"));
  assert.equal(p.iommu.length, 2);
  assert.equal(p.dma.length, 2);
  const u = p.iommu[1]!;
  assert.ok(u.kind === "unmap" && u.unmapped === 65536n && u.size === 4096n);
  assert.equal(u.cpu, 12);
  assert.equal(u.ts, 3.5);
  const d = p.dma[0]!;
  assert.ok(d.kind === "map" && d.phys_addr === 0x3fc0n && d.size === 66);
});
