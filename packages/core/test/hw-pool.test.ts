// Recycled storage (hw/pool.ts, Machine.release, RunOptions.recycle): the pools hand out arrays exactly as new
// ones where the contract says so, and a machine built from a released machine's storage behaves exactly as a
// fresh one, whatever the released machine did.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { CacheGeometryInit } from "../src/hw/geometry.js";
import { Machine, type MachineInit } from "../src/hw/machine.js";
import { PhysicalMemory } from "../src/hw/memory.js";
import { AddressSpace } from "../src/hw/mmu.js";
import { ArrayPool, arrayPool, SlotPool } from "../src/hw/pool.js";
import { catalogFiles } from "../src/scenario/catalog.js";
import { loadScenarioFile } from "../src/scenario/parse.js";
import { runScenario } from "../src/simulation.js";
import { pte, USER_TOP } from "./hw-fixtures.js";

describe("ArrayPool", () => {
  it("hands out zero-filled arrays, recycled ones included, and zeroes only the part given as used", () => {
    const pool = new ArrayPool();
    const a = pool.take(Int32Array, 64);
    expect(a).toEqual(new Int32Array(64));
    a.fill(7);
    pool.give(a);
    const b = pool.take(Int32Array, 64);
    expect(b).toBe(a); // recycled
    expect(b.every((x) => x === 0)).toBe(true);
    b.fill(0);
    b[3] = 9;
    pool.give(b, 4); // the caller says only [0, 4) was written
    const c = pool.take(Int32Array, 64);
    expect(c).toBe(a);
    expect(c.every((x) => x === 0)).toBe(true);
  });

  it("keeps arrays apart by kind and length, and scratch arrays apart from zeroed ones", () => {
    const pool = new ArrayPool();
    const f = pool.take(Float64Array, 8);
    pool.give(f);
    expect(pool.take(Float64Array, 16)).not.toBe(f);
    expect(pool.take(Int32Array, 8)).not.toBe(f);
    const s = pool.takeScratch(Uint32Array, 8);
    s.fill(5);
    pool.giveScratch(s);
    const zeroed = pool.take(Uint32Array, 8);
    expect(zeroed).not.toBe(s);
    expect(zeroed.every((x) => x === 0)).toBe(true);
    const again = pool.takeScratch(Uint32Array, 8);
    expect(again).toBe(s); // scratch keeps its content: its owner writes before reading
    expect(again[0]).toBe(5);
  });

  it("refuses views and keeps no more than its byte limit", () => {
    const pool = new ArrayPool(1024);
    const whole = new Uint8Array(512);
    pool.give(whole.subarray(0, 256));
    expect(pool.heldBytes).toBe(0);
    pool.give(whole);
    expect(pool.heldBytes).toBe(512);
    pool.give(new Uint8Array(1024)); // over the limit: left to the garbage collector
    expect(pool.heldBytes).toBe(512);
    pool.take(Uint8Array, 512);
    expect(pool.heldBytes).toBe(0);
  });
});

describe("SlotPool", () => {
  it("hands out arrays of undefined, clearing a given-back one unless the caller cleared it", () => {
    const pool = new SlotPool();
    const a = pool.take<number>(16);
    expect(a).toEqual(new Array(16).fill(undefined));
    a[2] = 1;
    pool.give(a);
    const b = pool.take<number>(16);
    expect(b).toBe(a);
    expect(b.every((x) => x === undefined)).toBe(true);
    pool.give(b, true);
    expect(pool.take<number>(16)).toBe(a);
  });
});

describe("released tables come back empty", () => {
  it("PhysicalMemory: memory built from released storage reads 0 everywhere and allocates nothing", () => {
    const m = new PhysicalMemory(4096);
    for (let pa = 0; pa < 3 * 4096; pa += 4) {
      m.write(pa, pa + 1);
      m.writeShadow(pa, pa + 2);
    }
    m.release();
    const n = new PhysicalMemory(4096);
    for (let pa = 0; pa < 3 * 4096; pa += 4) {
      expect(n.read(pa)).toBe(0);
      expect(n.readShadow(pa)).toBe(0);
    }
    expect(n.frameNumbers()).toEqual([]);
    n.write(8, 1);
    expect(n.planesOf(0)?.every((x, i) => x === (i === 4 ? 1 : 0))).toBe(true);
  });

  it("AddressSpace: a space built from a released one's leaves has no PTE", () => {
    const s = new AddressSpace(1, "a", 12);
    s.setPte(0x1000, pte(7));
    s.setPte(0x4000_0000, pte(8));
    s.setPte(0x4000_1000, pte(9));
    s.clearPte(0x4000_1000);
    s.release();
    const t = new AddressSpace(2, "b", 12);
    for (const va of [0x1000, 0x4000_0000, 0x4000_1000]) {
      expect(t.packed(va >>> 12)).toBe(0);
      expect(t.pte(va)).toBeUndefined();
    }
  });
});

/** Any valid geometry (as hw-property.test.ts draws them). */
const geometry = fc
  .record({
    sizeLog: fc.integer({ min: 10, max: 15 }),
    waysLog: fc.integer({ min: 0, max: 3 }),
    lineLog: fc.integer({ min: 2, max: 6 }),
    indexing: fc.constantFrom("vivt" as const, "vipt" as const, "pipt" as const),
    writePolicy: fc.constantFrom("write-back" as const, "write-through" as const),
    writeAllocate: fc.boolean(),
    replacement: fc.constantFrom("lru" as const, "fifo" as const, "random" as const),
  })
  .map(
    (g): CacheGeometryInit => ({
      size: 2 ** g.sizeLog,
      ways: 2 ** Math.min(g.waysLog, g.sizeLog - g.lineLog),
      lineSize: 2 ** g.lineLog,
      indexing: g.indexing,
      writePolicy: g.writePolicy,
      writeAllocate: g.writeAllocate,
      replacement: g.replacement,
    }),
  );

interface Access {
  kind: "load" | "store" | "ifetch" | "dma-write" | "flush";
  cpu: number;
  page: number;
  word: number;
  value: number;
}

const program = fc.array(
  fc.record({
    kind: fc.constantFrom("load", "store", "store", "ifetch", "dma-write", "flush"),
    cpu: fc.integer({ min: 0, max: 1 }),
    page: fc.integer({ min: 0, max: 5 }),
    word: fc.integer({ min: 0, max: 40 }),
    value: fc.nat({ max: 0xffff_ffff }),
  }) as fc.Arbitrary<Access>,
  { minLength: 5, maxLength: 150 },
);

/** Run `accesses` on a new machine of `init` (pages 0-5 mapped at two colours of frames 0x100-0x102). */
function run(init: MachineInit, accesses: readonly Access[]): { machine: Machine; json: string } {
  const m = new Machine(init);
  const space = m.createSpace("t");
  for (let page = 0; page < 6; page++)
    space.setPte(page * 0x1000, pte(0x100 + (page % 3), { executable: true }));
  for (let cpu = 0; cpu < m.config.cpus; cpu++) m.setCurrentSpace(cpu, space);
  accesses.forEach((a, step) => {
    const cpu = a.cpu % m.config.cpus;
    m.setContext(step, `cpu${cpu}`);
    const va = a.page * 0x1000 + a.word * 4;
    if (a.kind === "load") m.load(cpu, va);
    else if (a.kind === "store") m.store(cpu, va, a.value);
    else if (a.kind === "ifetch") m.ifetch(cpu, va);
    else if (a.kind === "dma-write") m.dmaWrite((0x100 + (a.page % 3)) * 0x1000 + a.word * 4, a.value);
    else
      m.maintain(cpu, "d", "flush", {
        scope: "va",
        start: a.page * 0x1000,
        length: 0x1000,
        asid: space.asid,
      });
  });
  m.finish();
  return { machine: m, json: JSON.stringify({ violations: m.violations, costs: m.costs() }) };
}

describe("a machine on recycled storage", () => {
  test.prop([geometry, fc.integer({ min: 1, max: 2 }), program, program, fc.integer()], { numRuns: 80 })(
    "behaves exactly as a fresh machine, whatever the released machine did",
    (g, cpus, before, after, seed) => {
      const init: MachineInit = { pageSize: 4096, cpus, dcache: g, icache: g, userTop: USER_TOP, seed };
      const first = run(init, before);
      first.machine.release();
      first.machine.release(); // a second release does nothing (nothing is given back twice)
      const recycled = run(init, after); // takes the storage first gave back
      const fresh = run(init, after); // recycled is still held: new arrays
      expect(recycled.json).toBe(fresh.json);
    },
  );

  it("takes the storage a released machine gave back", () => {
    const init: MachineInit = {
      pageSize: 4096,
      cpus: 2,
      dcache: geometry0,
      icache: geometry0,
      userTop: USER_TOP,
    };
    const a = run(init, [{ kind: "store", cpu: 0, page: 1, word: 3, value: 42 }]);
    const tags = a.machine.cpus[1].dcache.tagStore.tags;
    const held = arrayPool.heldBytes;
    a.machine.release();
    const released = arrayPool.heldBytes;
    expect(released).toBeGreaterThan(held);
    const b = new Machine(init);
    expect(arrayPool.heldBytes).toBeLessThan(released); // the caches' arrays were taken back
    const caches = b.cpus.flatMap((cpu) => [cpu.dcache, cpu.icache]);
    expect(caches.some((cache) => cache.tagStore.tags === tags)).toBe(true);
    expect(Array.from(tags).every((t) => t === -1)).toBe(true); // as a new cache's
    const space = b.createSpace("t");
    space.setPte(0x1000, pte(0x101));
    b.setCurrentSpace(0, space);
    expect(b.load(0, 0x1000 + 12, "user")).toBe(0); // the 42 stored by `a` is gone, memory and shadow
    expect(b.violations).toEqual([]);
  });
});

const geometry0: CacheGeometryInit = { size: 8192, ways: 2, lineSize: 32, indexing: "vipt" };

describe("RunOptions.recycle", () => {
  it("gives every catalog scenario the same result on the generic profiles, recycled or not", () => {
    const scenarios = catalogFiles().map((file) => loadScenarioFile(file));
    const ids = [
      "generic/pipt@asm-generic",
      "generic/vivt@asm-generic",
      "generic/vivt@flush-all",
      "generic/vipt-32k@asm-generic",
    ];
    for (const scenario of scenarios) {
      for (const id of ids) {
        const plain = JSON.stringify(runScenario(scenario, id));
        const recycled = JSON.stringify(runScenario(scenario, id, { recycle: true }));
        const again = JSON.stringify(runScenario(scenario, id, { recycle: true }));
        expect(recycled).toBe(plain);
        expect(again).toBe(plain);
      }
    }
  });
});
