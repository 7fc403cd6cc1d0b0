import { describe, expect, it } from "vitest";
import { dirtyLines, l1, machine, PAGE, pte, slotsHolding, userSpace } from "./hw-fixtures.js";

const PFN = 0x10;
const PA = PFN * PAGE;
const C0 = 0x0002_0000; // colour 0 alias of PFN
const C1 = 0x0002_1000; // colour 1 alias of PFN

/** A machine with PFN mapped at both colours and dirty lines: 3 at colour 0 (lines 0-2), 2 at colour 1 (lines 4, 5). */
function twoColours(extra = {}) {
  const m = machine(extra);
  const space = userSpace(m);
  space.setPte(C0, pte(PFN));
  space.setPte(C1, pte(PFN));
  for (const line of [0, 1, 2]) m.store(0, C0 + line * 32, 0xa0 + line);
  for (const line of [4, 5]) m.store(0, C1 + line * 32, 0xb0 + line);
  return { m, space, d: m.cpus[0].dcache };
}

describe("maintenance scopes act on exactly their lines", () => {
  it("by VA range: the lines of the range through the mapping, nothing else", () => {
    const { m, space, d } = twoColours();
    // [C0 + 16, C0 + 80) covers lines 0, 1 and 2 of the colour-0 alias.
    const op = m.maintain(0, "d", "clean", { scope: "va", start: C0 + 16, length: 64, asid: space.asid });
    expect(op).toEqual({
      cpu: 0,
      cache: "d",
      kind: "clean",
      scope: "va",
      start: C0 + 16,
      length: 64,
      asid: space.asid,
      linesTouched: 3,
    });
    expect(dirtyLines(d)).toBe(2);
    expect([m.peekMemory(PA), m.peekMemory(PA + 32), m.peekMemory(PA + 64)]).toEqual([0xa0, 0xa1, 0xa2]);
    // A clean of clean lines acts on nothing; an invalidate drops them.
    expect(
      m.maintain(0, "d", "clean", { scope: "va", start: C0, length: 96, asid: space.asid }).linesTouched,
    ).toBe(0);
    expect(
      m.maintain(0, "d", "invalidate", { scope: "va", start: C0, length: 96, asid: space.asid }).linesTouched,
    ).toBe(3);
    expect(d.lineOps).toEqual({ clean: 3 + 3, invalidate: 3, flush: 0 });
  });

  it("by VA on an unmapped page of a physically tagged cache: lines examined, none touched", () => {
    const { m, space } = twoColours();
    const op = m.maintain(0, "d", "flush", {
      scope: "va",
      start: 0x0005_0000,
      length: PAGE,
      asid: space.asid,
    });
    expect(op.linesTouched).toBe(0);
    expect(m.cpus[0].dcache.lineOps.flush).toBe(PAGE / 32);
  });

  it("by PA at a colour: only the lines of that colour (a temporary alias's view)", () => {
    const { m, d } = twoColours();
    const op = m.maintain(0, "d", "flush", { scope: "pa-colour", pa: PA, length: PAGE, colour: 1 });
    expect(op.linesTouched).toBe(2);
    expect(dirtyLines(d)).toBe(3);
    expect([m.peekMemory(PA + 4 * 32), m.peekMemory(PA + 5 * 32)]).toEqual([0xb4, 0xb5]);
    expect(slotsHolding(d, PA + 4 * 32)).toEqual([]);
    expect(
      m.maintain(0, "d", "flush", { scope: "pa-colour", pa: PA, length: PAGE, colour: 0 }).linesTouched,
    ).toBe(3);
  });

  it("by PA at a colour over several pages: page k at colour + k, as a contiguous temporary mapping", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(C1, pte(PFN)); // colour 1
    space.setPte(C1 + PAGE, pte(PFN + 1)); // colour 0
    m.store(0, C1, 1);
    m.store(0, C1 + PAGE, 2);
    const op = m.maintain(0, "d", "clean", { scope: "pa-colour", pa: PA, length: 2 * PAGE, colour: 1 });
    expect(op.linesTouched).toBe(2);
    expect([m.peekMemory(PA), m.peekMemory(PA + PAGE)]).toEqual([1, 2]);
  });

  it("by PA at a colour of an I-cache that aliases while the D-cache does not (Cortex-A9-like)", () => {
    const m = machine({ dcache: l1({ indexing: "pipt" }) });
    expect(m.colours).toBe(1);
    const space = userSpace(m);
    space.setPte(C1, pte(PFN, { executable: true }));
    m.ifetch(0, C1 + 64);
    const at = (colour: number) =>
      m.maintain(0, "i", "invalidate", { scope: "pa-colour", pa: PA, length: PAGE, colour }).linesTouched;
    expect(at(0)).toBe(0);
    expect(at(1)).toBe(1);
    expect(() => at(2)).toThrow(/not one of the 2 colours/);
  });

  it("by PA at every colour: the copies at both colours", () => {
    const { m, d } = twoColours();
    m.load(0, C1); // a clean colour-1 copy of line 0 beside the dirty colour-0 one
    const op = m.maintain(0, "d", "invalidate", { scope: "pa-all", pa: PA, length: 32 });
    expect(op.linesTouched).toBe(2);
    expect(slotsHolding(d, PA)).toEqual([]);
    // Left dirty: lines 1 and 2 at colour 0, lines 4 and 5 at colour 1.
    expect(m.maintain(0, "d", "clean", { scope: "pa-all", pa: PA, length: PAGE }).linesTouched).toBe(4);
    expect(dirtyLines(d)).toBe(0);
  });

  it("the whole cache: every line, counted as one whole-cache operation", () => {
    const { m, d } = twoColours();
    m.load(0, C0 + 10 * 32); // one clean line more
    expect(m.maintain(0, "d", "clean", { scope: "all" }).linesTouched).toBe(5);
    expect(m.maintain(0, "d", "invalidate", { scope: "all" }).linesTouched).toBe(6);
    expect(d.wholeCacheOps).toBe(2);
    expect(m.costs().linesMaintained).toBe(11);
  });

  it("a VIVT cache cannot be maintained by PA at a colour: the caller must map the page", () => {
    const m = machine({ dcache: l1({ indexing: "vivt" }) });
    expect(() => m.maintain(0, "d", "flush", { scope: "pa-colour", pa: PA, length: 32, colour: 0 })).toThrow(
      /VIVT cache: map the page/,
    );
    // By VA needs no translation on VIVT: the line is found by its virtual address.
    const space = userSpace(m);
    space.setPte(C0, pte(PFN));
    m.store(0, C0, 1);
    space.clearPte(C0);
    expect(
      m.maintain(0, "d", "clean", { scope: "va", start: C0, length: 4, asid: space.asid }).linesTouched,
    ).toBe(1);
    expect(m.peekMemory(PA)).toBe(1);
  });
});

describe("maintenance and other CPUs", () => {
  function dirtyOnCpu1(maintenanceBroadcast: boolean) {
    const m = machine({ cpus: 2, maintenanceBroadcast });
    const space = userSpace(m);
    space.setPte(C0, pte(PFN));
    m.store(1, C0, 42);
    const op = m.maintain(0, "d", "clean", { scope: "va", start: C0, length: 4, asid: space.asid });
    return { m, op };
  }

  it("without broadcast (ARM11MPCore) CPU 0's clean leaves CPU 1's dirty line", () => {
    const { m, op } = dirtyOnCpu1(false);
    expect(op.linesTouched).toBe(0);
    expect(m.peekMemory(PA)).toBe(0);
    expect(dirtyLines(m.cpus[1].dcache)).toBe(1);
  });

  it("with broadcast CPU 0's clean reaches CPU 1's cache", () => {
    const { m, op } = dirtyOnCpu1(true);
    expect(op.linesTouched).toBe(1);
    expect(m.peekMemory(PA)).toBe(42);
    expect(m.cpus[1].dcache.lineOps.clean).toBe(1);
  });

  it("smpCoherent: stores invalidate the other CPUs' copies and misses take their dirty data", () => {
    for (const smpCoherent of [true, false]) {
      const m = machine({ cpus: 2, smpCoherent });
      const space = userSpace(m);
      space.setPte(C0, pte(PFN));
      space.setPte(C1, pte(PFN));
      m.store(0, C0, 1);
      expect(m.load(1, C1)).toBe(smpCoherent ? 1 : 0); // CPU 0's dirty copy, at another colour
      m.store(1, C1, 2);
      expect(m.load(0, C0)).toBe(smpCoherent ? 2 : 1);
      expect(m.violations.length).toBe(smpCoherent ? 0 : 2);
      if (smpCoherent) {
        expect(slotsHolding(m.cpus[1].dcache, PA)).toHaveLength(1);
        expect(m.finish()).toEqual([]);
      }
    }
  });
});

describe("the DMA device", () => {
  function buffer(dmaCoherent: boolean) {
    const m = machine({ dmaCoherent });
    const space = userSpace(m);
    space.setPte(C0, pte(PFN));
    return { m, space };
  }

  it("a device read of a dirty line's word sees stale memory unless the line is cleaned or DMA is coherent", () => {
    const { m, space } = buffer(false);
    m.store(0, C0 + 8, 5);
    m.setContext(9, "device");
    expect(m.dmaRead(PA + 8)).toBe(0);
    expect(m.violations).toHaveLength(1);
    expect(m.violations[0]).toMatchObject({
      kind: "device-stale-read",
      step: 9,
      cpu: -1,
      va: null,
      colour: null,
      pa: PA + 8,
      expected: 5,
      got: 0,
      writer: { cpu: 0, va: C0 + 8 },
    });
    m.maintain(0, "d", "clean", { scope: "va", start: C0, length: PAGE, asid: space.asid });
    expect(m.dmaRead(PA + 8)).toBe(5);
    expect(m.violations).toHaveLength(1);

    const coherent = buffer(true).m;
    coherent.store(0, C0 + 8, 5);
    expect(coherent.dmaRead(PA + 8)).toBe(5);
    expect(coherent.violations).toEqual([]);
  });

  it("a device write leaves stale cached copies unless they are invalidated or DMA is coherent", () => {
    const { m, space } = buffer(false);
    expect(m.load(0, C0)).toBe(0); // a clean cached copy
    m.dmaWrite(PA, 9);
    expect(m.load(0, C0)).toBe(0);
    expect(m.violations[0]).toMatchObject({
      kind: "stale-read",
      expected: 9,
      got: 0,
      writer: { cpu: -1, va: null, colour: null },
    });
    m.maintain(0, "d", "invalidate", { scope: "va", start: C0, length: 32, asid: space.asid });
    expect(m.load(0, C0)).toBe(9);

    const coherent = buffer(true).m;
    coherent.store(0, C0 + 4, 3); // a dirty neighbour word in the same line survives the device write
    coherent.dmaWrite(PA, 9);
    expect([coherent.load(0, C0), coherent.load(0, C0 + 4)]).toEqual([9, 3]);
    expect(coherent.finish()).toEqual([]);
    expect(coherent.costs()).toMatchObject({ dmaReads: 0, dmaWrites: 1 });
  });
});

describe("the I-cache", () => {
  const CODE = 0x0004_0000;
  function code(extra = {}) {
    const m = machine(extra);
    const space = userSpace(m);
    space.setPte(CODE, pte(PFN, { executable: true }));
    return { m, space };
  }

  it("never snoops stores: a fetch after a store is stale until D is cleaned and I invalidated", () => {
    const { m, space } = code();
    m.store(0, CODE, 0xe1a00000); // a new instruction, dirty in D
    expect(m.ifetch(0, CODE)).toBe(0); // I fills from memory
    expect(m.violations[0]).toMatchObject({ kind: "stale-ifetch", va: CODE, expected: 0xe1a00000, got: 0 });
    // Clean D alone is not enough: I holds the old line.
    const range = { scope: "va", start: CODE, length: 32, asid: space.asid } as const;
    expect(m.maintain(0, "d", "clean", range).linesTouched).toBe(1);
    expect(m.ifetch(0, CODE)).toBe(0);
    expect(m.maintain(0, "i", "invalidate", range).linesTouched).toBe(1);
    expect(m.ifetch(0, CODE)).toBe(0xe1a00000);
    expect(m.violations).toHaveLength(2);
    expect(m.costs().perCpu[0].i).toMatchObject({ fetchHits: 1, fetchMisses: 2 });
  });

  it("icacheFillsFromDcache: a miss takes the dirty D line, but a line already in I stays stale", () => {
    const { m } = code({ icacheFillsFromDcache: true });
    m.store(0, CODE, 1);
    expect(m.ifetch(0, CODE)).toBe(1);
    m.store(0, CODE, 2);
    expect(m.ifetch(0, CODE)).toBe(1);
    expect(m.violations.map((v) => v.kind)).toEqual(["stale-ifetch"]);
    expect(m.peekMemory(PA)).toBe(0); // the D line was not cleaned by the fill
  });

  it("icacheCoherent (x86-like): fetches always see the newest store", () => {
    const { m } = code({
      icacheCoherent: true,
      dcache: l1({ indexing: "pipt" }),
      icache: l1({ indexing: "pipt" }),
    });
    m.store(0, CODE, 1);
    expect(m.ifetch(0, CODE)).toBe(1);
    m.store(0, CODE, 2);
    expect(m.ifetch(0, CODE)).toBe(2);
    m.dmaWrite(PA, 3);
    m.maintain(0, "d", "invalidate", { scope: "all" });
    expect(m.ifetch(0, CODE)).toBe(3);
    expect(m.violations).toEqual([]);
  });
});
