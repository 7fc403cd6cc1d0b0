import { describe, expect, it, vi } from "vitest";
import { UserError } from "../src/errors.js";
import type { MachineEvent } from "../src/hw/api.js";
import { DEFAULT_COST_TABLE } from "../src/hw/cost.js";
import { Machine } from "../src/hw/machine.js";
import { PhysicalMemory } from "../src/hw/memory.js";
import { KiB, l1, machine, PAGE, pte, slotsHolding, USER_TOP, userSpace } from "./hw-fixtures.js";

const VA = 0x0002_0000;
const PFN = 0x10;
const PA = PFN * PAGE;
const KVA = USER_TOP + PA;

describe("physical memory", () => {
  it("is sparse, zero-filled and word-addressed at every supported page size", () => {
    for (const pageSize of [4 * KiB, 8 * KiB, 16 * KiB, 64 * KiB]) {
      const memory = new PhysicalMemory(pageSize);
      expect(memory.read(0xfff0_0000)).toBe(0);
      expect(memory.frameNumbers()).toEqual([]); // reading allocates nothing
      memory.write(0xfff0_0004, 0xffff_ffff);
      memory.write(3 * pageSize - 4, 7);
      expect(memory.read(0xfff0_0004)).toBe(0xffff_ffff);
      expect(memory.read(0xfff0_0000)).toBe(0);
      expect(memory.read(3 * pageSize - 4)).toBe(7);
      expect(memory.frameNumbers()).toEqual([2, 0xfff0_0000 / pageSize]);
    }
  });

  it("refuses other page sizes with a UserError naming the field", () => {
    expect(() => new PhysicalMemory(2048)).toThrow(UserError);
    expect(() => new PhysicalMemory(32 * KiB, "profile foo: pageSize")).toThrow(
      /^page size 32768 is not one of/,
    );
  });
});

describe("the MMU", () => {
  it("returns faults as values: not-present, write-protect, no-exec, user-to-kernel", () => {
    const m = machine();
    expect(m.load(0, VA)).toEqual({ kind: "not-present", va: VA, cpu: 0, access: "load" }); // no user space yet
    const space = userSpace(m);
    expect(m.store(0, VA, 1)).toEqual({ kind: "not-present", va: VA, cpu: 0, access: "store" });
    space.setPte(VA, pte(PFN, { writable: false }));
    expect(m.store(0, VA, 1)).toEqual({ kind: "write-protect", va: VA, cpu: 0, access: "store" });
    expect(m.ifetch(0, VA)).toEqual({ kind: "no-exec", va: VA, cpu: 0, access: "ifetch" });
    space.setPte(VA, pte(PFN, { present: false }));
    expect(m.load(0, VA)).toMatchObject({ kind: "not-present" });
    m.kernelSpace.setPte(KVA, pte(PFN, { user: false }));
    expect(m.load(0, KVA)).toEqual({ kind: "user-to-kernel", va: KVA, cpu: 0, access: "load" });
    expect(m.load(0, KVA, "kernel")).toBe(0);
    expect(m.store(0, KVA, 1, "kernel")).toBeUndefined();
    // A faulting store changes nothing.
    expect(m.peekMemory(PA)).toBe(0);
    expect(m.costs().perCpu[0].d.writeHits + m.costs().perCpu[0].d.writeMisses).toBe(1);
  });

  it("sees page-table changes at once (no TLB) and counts TLB flushes as cost", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(VA, pte(PFN, { cacheable: false }));
    m.store(0, VA, 1);
    space.setPte(VA, pte(PFN + 1, { cacheable: false }));
    expect(m.load(0, VA)).toBe(0);
    space.clearPte(VA);
    expect(m.load(0, VA)).toMatchObject({ kind: "not-present" });
    m.flushTlb(0, space.asid);
    m.flushTlb(0, null);
    expect(m.costs().tlbFlushes).toBe(2);
    expect([...space.entries()]).toEqual([]);
    space.setPte(VA + PAGE, pte(3));
    space.setPte(VA, pte(2));
    expect([...space.entries()].map(([va, p]) => [va, p.pfn])).toEqual([
      [VA, 2],
      [VA + PAGE, 3],
    ]);
    expect(Object.isFrozen(space.pte(VA))).toBe(true);
  });

  it("an uncached mapping bypasses the cache, and a cached alias of it goes stale", () => {
    const m = machine();
    const space = userSpace(m);
    const UNCACHED = 0x0003_0000; // colour 0, like VA
    space.setPte(UNCACHED, pte(PFN, { cacheable: false }));
    space.setPte(VA, pte(PFN));
    m.store(0, UNCACHED, 5);
    expect(m.peekMemory(PA)).toBe(5);
    expect(m.load(0, UNCACHED)).toBe(5);
    expect(slotsHolding(m.cpus[0].dcache, PA)).toEqual([]);
    expect(m.costs().uncachedAccesses).toBe(2);
    expect(m.load(0, VA)).toBe(5); // fills the line
    m.store(0, UNCACHED, 6);
    expect(m.load(0, VA)).toBe(5);
    expect(m.violations.map((v) => [v.kind, v.expected, v.got])).toEqual([["stale-read", 6, 5]]);
  });
});

describe("costs", () => {
  it("counts hits, misses, write-backs, maintenance and computes cycles from the table", () => {
    const costs = {
      hit: 2,
      miss: 100,
      writeback: 50,
      uncached: 70,
      lineOp: 3,
      wholeCacheOp: 500,
      tlbFlush: 11,
    };
    const m = machine({ costs });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN, { executable: true }));
    space.setPte(VA + PAGE, pte(PFN + 1, { cacheable: false }));
    m.store(0, VA, 1); // write miss
    m.store(0, VA + 4, 2); // write hit
    m.load(0, VA); // read hit
    m.load(0, VA + 32); // read miss
    m.ifetch(0, VA + 64); // fetch miss
    m.ifetch(0, VA + 68); // fetch hit
    m.load(0, VA + PAGE); // uncached
    m.maintain(0, "d", "flush", { scope: "va", start: VA, length: 64, asid: space.asid }); // 2 lines, 1 write-back
    m.maintain(0, "i", "invalidate", { scope: "all" });
    m.flushTlb(0, null);
    m.dmaRead(PA);
    const result = m.costs();
    expect(result.perCpu[0].d).toEqual({
      readHits: 1,
      readMisses: 1,
      writeHits: 1,
      writeMisses: 1,
      fetchHits: 0,
      fetchMisses: 0,
      writebacks: 1,
      lineOps: { clean: 0, invalidate: 0, flush: 2 },
      wholeCacheOps: 0,
    });
    expect(result.perCpu[0].i).toMatchObject({ fetchHits: 1, fetchMisses: 1, wholeCacheOps: 1 });
    expect(result).toMatchObject({
      uncachedAccesses: 1,
      tlbFlushes: 1,
      dmaReads: 1,
      dmaWrites: 0,
      linesMaintained: 3,
    });
    const hits = 3;
    const misses = 3;
    expect(result.cycles).toBe(hits * 2 + misses * 100 + 1 * 50 + 1 * 70 + 2 * 3 + 1 * 500 + 1 * 11);
  });

  it("uses the documented default table where the configuration overrides nothing", () => {
    const m = machine({ costs: { miss: 10 } });
    expect(m.costTable).toEqual({ ...DEFAULT_COST_TABLE, miss: 10 });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.load(0, VA);
    m.load(0, VA);
    expect(m.costs().cycles).toBe(10 + DEFAULT_COST_TABLE.hit);
  });
});

describe("observation", () => {
  it("observers see accesses, maintenance, TLB flushes, DMA and violations; unsubscribe stops them", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    space.setPte(VA + PAGE, pte(PFN));
    const events: MachineEvent[] = [];
    const unsubscribe = m.observe((event) => events.push(event));
    m.store(0, VA, 3);
    m.load(0, VA);
    m.load(0, VA + PAGE); // colour 1: stale
    m.flushTlb(0, space.asid);
    m.dmaWrite(PA + 4, 1);
    const op = m.maintain(0, "d", "clean", { scope: "all" });
    expect(events.map((e) => e.type)).toEqual([
      "access",
      "access",
      "violation",
      "access",
      "tlb-flush",
      "dma",
      "maintenance",
    ]);
    expect(events[0]).toEqual({
      type: "access",
      access: "store",
      cpu: 0,
      va: VA,
      pa: PA,
      value: 3,
      hit: false,
      cached: true,
      colour: 0,
    });
    expect(events[1]).toMatchObject({ access: "load", hit: true, value: 3 });
    expect(events[2]).toEqual({ type: "violation", violation: m.violations[0] });
    expect(events[6]).toEqual({ type: "maintenance", op });
    unsubscribe();
    m.load(0, VA);
    expect(events).toHaveLength(7);
  });

  it("builds no event when nobody observes", () => {
    const emit = vi.spyOn(Machine.prototype as unknown as { emit: (e: MachineEvent) => void }, "emit");
    try {
      const m = machine();
      const space = userSpace(m);
      space.setPte(VA, pte(PFN));
      space.setPte(VA + PAGE, pte(PFN));
      m.store(0, VA, 3);
      m.load(0, VA + PAGE); // a violation too
      m.maintain(0, "d", "flush", { scope: "all" });
      m.dmaRead(PA);
      m.flushTlb(0, null);
      m.finish();
      expect(emit).not.toHaveBeenCalled();
      const stop = m.observe(() => {});
      m.load(0, VA);
      expect(emit).toHaveBeenCalledTimes(1);
      stop();
      m.load(0, VA);
      expect(emit).toHaveBeenCalledTimes(1);
    } finally {
      emit.mockRestore();
    }
  });
});

describe("configuration", () => {
  const where = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return [(error as UserError).where, (error as UserError).message];
    }
    return ["no error", ""];
  };
  const base = { pageSize: PAGE, cpus: 1, dcache: l1(), icache: l1(), userTop: USER_TOP };

  it("names the field of each invalid setting", () => {
    expect(where(() => new Machine({ ...base, pageSize: 2048 }))).toEqual([
      "machine.pageSize",
      "page size 2048 is not one of 4096, 8192, 16384 or 65536 bytes (4, 8, 16 or 64 KiB).",
    ]);
    expect(where(() => new Machine({ ...base, cpus: 0 }))[0]).toBe("machine.cpus");
    expect(where(() => new Machine({ ...base, cpus: 1.5 }))[1]).toMatch(/integer from 1 to 64, not 1.5/);
    expect(where(() => new Machine({ ...base, dcache: l1({ size: 3000 }) }))).toEqual([
      "machine.dcache",
      "invalid cache geometry (size 3000, 4 ways, 32-byte lines): the size must be a power of two.",
    ]);
    expect(where(() => new Machine({ ...base, icache: l1({ ways: 3 }) }))[0]).toBe("machine.icache");
    expect(
      where(() => new Machine({ ...base, dcache: l1({ size: 64 * KiB, ways: 1, lineSize: 8192 }) })),
    ).toEqual([
      "machine.dcache",
      "a 8192-byte line is larger than a 4096-byte page: a line must lie within one page.",
    ]);
    expect(where(() => new Machine({ ...base, userTop: 0x1234 }))[0]).toBe("machine.userTop");
    expect(where(() => new Machine({ ...base, costs: { miss: -1 } }))).toEqual([
      "machine.costs.miss",
      "a cost must be a non-negative number of cycles, not -1.",
    ]);
    expect(
      where(() => new Machine({ ...base, icache: l1({ lineSize: 64 }), icacheFillsFromDcache: true }))[0],
    ).toBe("machine.icacheFillsFromDcache");
    expect(where(() => new Machine({ ...base, seed: 0.5 }))[0]).toBe("machine.seed");
    expect(where(() => new Machine({ ...base, pageSize: 3 }, "profile arm11.yaml"))[0]).toBe(
      "profile arm11.yaml.pageSize",
    );
  });

  it("accepts every supported page size and resolves defaults", () => {
    for (const pageSize of [4 * KiB, 8 * KiB, 16 * KiB, 64 * KiB]) {
      const m = new Machine({ ...base, pageSize });
      expect(m.colours).toBe(Math.max(1, (8 * KiB) / pageSize));
    }
    const m = new Machine(base);
    expect(m.config).toMatchObject({
      smpCoherent: false,
      maintenanceBroadcast: false,
      dmaCoherent: false,
      seed: 1,
    });
    expect(m.config.dcache.sets).toBe(256);
  });
});
