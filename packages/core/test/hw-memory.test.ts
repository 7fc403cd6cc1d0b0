// Physical memory's frame arena (memory.ts) and the oracle's origins beside it (oracle.ts): words stay where
// they were written while the arena grows, at every page size, and the oracle names the writer of every word
// (CPU and address, the device, or nobody) in the context of its store, however many contexts and writers a
// run has, as a plain map of the stores says.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { StoreOrigin } from "../src/hw/api.js";
import { PhysicalMemory } from "../src/hw/memory.js";
import { l1, machine, PAGE, pte, userSpace } from "./hw-fixtures.js";

describe("physical memory's arena", () => {
  it("keeps every word of both planes while it grows, at every page size", () => {
    for (const pageSize of [4096, 8192, 16384, 65536]) {
      const memory = new PhysicalMemory(pageSize);
      // 40 frames in a scattered order: the arena (64 KiB at first) doubles several times
      const pfns = Array.from({ length: 40 }, (_, k) => (k * 7919) % 0xffff);
      const word = (pfn: number, w: number) => (pfn * 0x1_0001 + w * 3) >>> 0;
      for (const pfn of pfns) {
        for (let w = 0; w < pageSize / 4; w += 61) {
          const pa = pfn * pageSize + 4 * w;
          memory.write(pa, word(pfn, w));
          memory.writeShadow(pa, ~word(pfn, w) >>> 0);
        }
      }
      expect(memory.frameNumbers()).toEqual([...pfns].sort((a, b) => a - b));
      for (const pfn of pfns) {
        const planes = memory.planesOf(pfn)!;
        const want: number[] = [];
        const got: number[] = [];
        for (let w = 0; w < pageSize / 4; w++) {
          const pa = pfn * pageSize + 4 * w;
          const written = w % 61 === 0;
          want.push(written ? word(pfn, w) : 0, written ? ~word(pfn, w) >>> 0 : 0);
          got.push(memory.read(pa), memory.readShadow(pa));
        }
        expect(got).toEqual(want);
        expect(Array.from(planes)).toEqual(want);
      }
      expect(memory.read(0xffff * pageSize)).toBe(0);
      expect(memory.planesOf(0xffff)).toBeUndefined();
    }
  });

  it("fills and writes back lines through the arena", () => {
    const memory = new PhysicalMemory(PAGE);
    const line = new Uint32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    memory.writeLine(0x5000 + 32, line, 0, 8);
    const into = new Uint32Array(16).fill(9);
    memory.readLine(0x5000 + 32, into, 4, 8);
    expect(Array.from(into)).toEqual([9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]);
    memory.readLine(0x9000, into, 0, 8); // a frame never written reads as zeros, and is not allocated
    expect(Array.from(into.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(memory.frameNumbers()).toEqual([5]);
  });
});

/** One operation of a program for the origins property. */
type Op =
  | { kind: "context"; step: number; actor: number }
  | { kind: "store"; cpu: number; page: number; word: number; value: number }
  | { kind: "dma"; page: number; word: number; value: number }
  | { kind: "poke"; page: number; word: number; value: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("context" as const),
    step: fc.integer({ min: -1, max: 5 }),
    actor: fc.nat(2),
  }),
  fc.record({
    kind: fc.constant("store" as const),
    cpu: fc.nat(2),
    page: fc.nat(3),
    word: fc.nat(7),
    value: fc.nat(),
  }),
  fc.record({ kind: fc.constant("dma" as const), page: fc.nat(3), word: fc.nat(7), value: fc.nat() }),
  fc.record({ kind: fc.constant("poke" as const), page: fc.nat(3), word: fc.nat(7), value: fc.nat() }),
);

describe("the oracle's origins", () => {
  it("limit the lost-write check to frames a store, DMA write or poke reached", () => {
    // A VIVT line filled from frame 0x50 keeps its physical line when the page is remapped to 0x51: the store
    // through it is recorded at 0x51, but the flush writes the line back to 0x50, whose memory then differs
    // from its shadow (0) although no store was recorded there. Only 0x51's word is a lost write.
    const m = machine({ dcache: l1({ indexing: "vivt" }) });
    const space = userSpace(m);
    space.setPte(0x1000, pte(0x50));
    m.load(0, 0x1008);
    space.setPte(0x1000, pte(0x51));
    m.store(0, 0x1008, 0xabcd);
    m.maintain(0, "d", "flush", { scope: "all" });
    expect(m.peekMemory(0x50 * PAGE + 8)).toBe(0xabcd);
    expect(m.finish().map((v) => [v.kind, v.pa])).toEqual([["lost-write", 0x51 * PAGE + 8]]);
  });

  test.prop([fc.array(op, { maxLength: 200 })], { numRuns: 150 })(
    "name the last writer of every word, in the context of its store",
    (program) => {
      const m = machine({ cpus: 3 });
      const space = userSpace(m);
      // pages 0-3 map frames 0x40-0x43 (the pokes and DMA writes reach the same words by physical address)
      for (let page = 0; page < 4; page++) space.setPte(page * PAGE, pte(0x40 + page));
      const expected = new Map<number, StoreOrigin | null>();
      let step = 0;
      let actor = "";
      for (const o of program) {
        if (o.kind === "context") {
          step = o.step;
          actor = `actor${o.actor}`;
          m.setContext(step, actor);
          continue;
        }
        const pa = (0x40 + o.page) * PAGE + 4 * o.word;
        if (o.kind === "store") {
          const va = o.page * PAGE + 4 * o.word;
          m.store(o.cpu, va, o.value);
          expected.set(pa, { step, cpu: o.cpu, va, colour: m.colourOf(va), actor });
        } else if (o.kind === "dma") {
          m.dmaWrite(pa, o.value);
          expected.set(pa, { step, cpu: -1, va: null, colour: null, actor });
        } else {
          m.pokeMemory(pa, o.value);
          expected.set(pa, null);
        }
      }
      for (let page = 0; page < 4; page++) {
        for (let word = 0; word < 8; word++) {
          const pa = (0x40 + page) * PAGE + 4 * word;
          expect(m.oracle.writerOf(pa)).toEqual(expected.get(pa) ?? null);
        }
      }
    },
  );
});
