import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { parseGeometry } from "../src/hw/geometry.js";
import { xorshift32 } from "../src/hw/tag-store.js";
import { type Convention, type ReplayResult, replayTrace } from "../src/replay/engine.js";
import { parseTrace } from "../src/replay/parse.js";
import { formatReplay, replayToJson } from "../src/replay/report.js";
import { batches, comparable, type Ref, referenceReplay } from "./replay-model.js";

/** Replay an xdin text through the engine. */
function xdin(text: string, d1: string, i1?: string, convention?: Convention, seed?: number): ReplayResult {
  const chunks = [new TextEncoder().encode(text)];
  return replayTrace(parseTrace("xdin", chunks, "t.xdin"), {
    d1: parseGeometry(d1, "--d1"),
    i1: i1 === undefined ? undefined : parseGeometry(i1, "--i1"),
    convention,
    seed,
  });
}

const dcache = (r: ReplayResult) => r.caches[r.caches.length - 1];

// "64:2:16": 2 sets of 2 ways, 16-byte lines; lines 0x00, 0x20, 0x40, ... fall in set 0.
describe("replacement", () => {
  const trace = "r 0 4\nr 20 4\nr 0 4\nr 40 4\nr 0 4\n";

  it("LRU keeps the line used last: 3 misses", () => {
    const d = dcache(xdin(trace, "64:2:16:lru"));
    expect(d.fetches.read).toBe(5);
    expect(d.misses.read).toBe(3);
  });

  it("FIFO evicts the line filled first even though it was just used: 4 misses", () => {
    expect(dcache(xdin(trace, "64:2:16:fifo")).misses.read).toBe(4);
  });

  it("random picks the victim with the seeded xorshift32, the same for the same seed", () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      // the only full-set miss is r 40: way (first random % 2) goes; way 0 holds line 0, which r 0 then misses
      const evictsLine0 = xorshift32(seed)() % 2 === 0;
      const d = dcache(xdin(trace, "64:2:16:random", undefined, undefined, seed));
      expect(d.misses.read).toBe(evictsLine0 ? 4 : 3);
    }
    // three lines taking turns in one 2-way set: which one a miss evicts decides later hits
    const long = Array.from(
      { length: 200 },
      (_, i) => `r ${["0", "20", "40"][(i * 5 + (i >> 2)) % 3]} 4`,
    ).join("\n");
    const a = dcache(xdin(long, "64:2:16:random", undefined, undefined, 42));
    expect(dcache(xdin(long, "64:2:16:random", undefined, undefined, 42))).toEqual(a);
    const seeds = [1, 2, 3, 4, 5].map((s) => dcache(xdin(long, "64:2:16:random", undefined, undefined, s)));
    expect(new Set(seeds.map((s) => s.misses.read)).size).toBeGreaterThan(1);
  });
});

describe("write policies and memory traffic", () => {
  it("write-back, write-allocate: fills, dirty evictions, no fetch for a whole-line write, final copy-back", () => {
    const d = dcache(xdin("w 0 4\nr 20 4\nr 40 4\nw 10 10\n", "64:2:16"));
    expect(d.misses).toMatchObject({ read: 2, write: 2, total: 4 });
    // w 0 and r 20 and r 40 fetch a line each; w 10 10 covers line 0x10 whole and fetches nothing
    expect(d.bytesFromMemory).toBe(48);
    // r 40 evicts the dirty line 0 (LRU); line 0x10 stays dirty until the final copy-back
    expect(d.writeBacks).toBe(1);
    expect(d.finalCopyBackLines).toBe(1);
    expect(d.bytesToMemory).toBe(32);
  });

  it("write-through, no-write-allocate (wt's default): stores go to memory, write misses allocate nothing", () => {
    const d = dcache(xdin("w 0 4\nr 0 4\nw 0 4\nw 4 8\n", "64:2:16:wt"));
    expect(d.writeAllocate).toBe(false);
    expect(d.fetches).toMatchObject({ read: 1, write: 3 });
    expect(d.misses).toMatchObject({ read: 1, write: 1 });
    expect(d.bytesFromMemory).toBe(16);
    expect(d.bytesToMemory).toBe(4 + 4 + 8);
    expect(d.writeBacks + d.finalCopyBackLines).toBe(0);
  });

  it("write-through with write-allocate fills on a write miss and still writes through", () => {
    const d = dcache(xdin("w 0 4\nr 0 4\n", "64:2:16:wt:wa"));
    expect(d.misses).toMatchObject({ read: 0, write: 1 });
    expect(d.bytesFromMemory).toBe(16);
    expect(d.bytesToMemory).toBe(4);
  });

  it("write-back without write-allocate sends a missing store around the cache", () => {
    const d = dcache(xdin("w 0 4\nr 0 4\nw 0 4\n", "64:2:16:wb:nwa"));
    expect(d.misses).toMatchObject({ read: 1, write: 1 });
    expect(d.bytesToMemory).toBe(4 + 16); // the write-around, then the dirty line's final copy-back
    expect(d.finalCopyBackLines).toBe(1);
  });
});

describe("copy-back and invalidate records", () => {
  it("c copies back the one line holding its address, or the whole cache at size 0, and keeps lines valid", () => {
    const d = dcache(xdin("w 0 4\nw 10 4\nc 4 4\nc 0 0\nr 0 4\nr 10 4\n", "64:2:16"));
    expect(d.copyBackRecords).toBe(2);
    expect(d.linesCopiedBack).toBe(2);
    expect(d.misses.read).toBe(0);
    expect(d.bytesToMemory).toBe(32);
    expect(d.finalCopyBackLines).toBe(0);
  });

  it("v drops lines without copying back, in both caches; a dirty line dropped is a write lost", () => {
    const r = xdin("w 0 4\ni 0 4\nr 10 4\nv 8 1\nr 0 4\ni 0 4\nv 0 0\nr 10 4\ni 0 4\n", "64:2:16", "64:2:16");
    const [i, d] = r.caches;
    expect(i.name).toBe("l1-icache");
    expect(d.name).toBe("l1-dcache");
    expect(d.invalidateRecords).toBe(2);
    expect(i.invalidateRecords).toBe(2);
    // v 8 1 drops D line 0 (dirty) and I line 0; v 0 0 drops D lines 0 and 0x10, I line 0
    expect(d.linesInvalidated).toBe(3);
    expect(d.dirtyLinesDropped).toBe(1);
    expect(i.linesInvalidated).toBe(2);
    expect(d.misses).toMatchObject({ read: 3, write: 1 });
    expect(i.misses.instrn).toBe(3);
    expect(d.bytesToMemory).toBe(0);
  });
});

describe("straddling accesses and modifies", () => {
  it("Dinero's convention splits at line boundaries and counts each piece", () => {
    const d = dcache(xdin("r c 8\nr c 8\nr 18 20\n", "64:2:16"));
    expect(d.fetches.read).toBe(2 + 2 + 3);
    // r 18 20 covers lines 0x10 (a hit), 0x20 and 0x30 (misses)
    expect(d.misses.read).toBe(2 + 0 + 2);
    expect(d.multiBlockRefs).toBe(1 + 1 + 2);
  });

  it("cachegrind's convention counts one access, one miss if any line misses", () => {
    const d = dcache(xdin("r c 8\nr c 8\nr 1c 8\nw 3c 8\n", "64:2:16", undefined, "cachegrind"));
    expect(d.fetches).toMatchObject({ read: 3, write: 1 });
    expect(d.misses).toMatchObject({ read: 2, write: 1 });
    expect(d.multiBlockRefs).toBe(0);
  });

  it("a lackey modify is a read and a write under Dinero's convention, one read under cachegrind's", () => {
    const log = new TextEncoder().encode(" M 100,4\n M 100,4\n");
    const geometry = parseGeometry("64:2:16", "--d1");
    const dinero = replayTrace(parseTrace("lackey", [log], "t"), { d1: geometry });
    expect(dinero.caches[0].fetches).toMatchObject({ read: 2, write: 2 });
    expect(dinero.caches[0].misses).toMatchObject({ read: 1, write: 0 });
    const cg = replayTrace(parseTrace("lackey", [log], "t"), { d1: geometry, convention: "cachegrind" });
    expect(cg.caches[0].fetches).toMatchObject({ read: 2, write: 0 });
  });
});

describe("routing and reports", () => {
  it("sends instruction fetches to a unified cache when there is no I-cache", () => {
    const r = xdin("i 400 4\nr 400 4\ni 404 4\n", "1k:2:16");
    expect(r.caches).toHaveLength(1);
    expect(r.caches[0].name).toBe("l1-ucache");
    expect(r.caches[0].fetches).toMatchObject({ total: 3, instrn: 2, data: 1, read: 1 });
    expect(r.caches[0].misses.total).toBe(1);
  });

  it("rejects an address too large to tag, naming the record", () => {
    expect(() => xdin("r 10 4\nr 1000000000 4\n", "64:2:16")).toThrow(UserError);
    expect(() => xdin("r 10 4\nr 1000000000 4\n", "64:2:16")).toThrow(
      /reaches past 0x1000000000, the most these caches can tag/,
    );
    try {
      xdin("r 10 4\nr 1000000000 4\n", "64:2:16");
    } catch (error) {
      expect((error as UserError).where).toBe("t.xdin:2");
    }
  });

  it("prints Dinero's table and stable JSON", () => {
    const result = xdin("i 400 4\nr 0 4\nw 4 4\nm 8 4\n", "1k:2:16", "1k:2:16");
    const text = formatReplay(result, { file: "t.xdin", format: "xdin" });
    expect(text).toContain(
      "l1-dcache: 1 KiB, 2-way, 16-byte lines, 32 sets, write-back, write-allocate, LRU",
    );
    expect(text).toMatch(/ Demand Fetches\s+3\s+0\s+3\s+1\s+1\s+1\n/);
    expect(text).toMatch(/ Demand Misses\s+1\s+0\s+1\s+1\s+0\s+0\n/);
    const json = replayToJson(result, { file: "t.xdin", format: "xdin" });
    expect(json).toBe(
      replayToJson(xdin("i 400 4\nr 0 4\nw 4 4\nm 8 4\n", "1k:2:16", "1k:2:16"), {
        file: "t.xdin",
        format: "xdin",
      }),
    );
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual(["trace", "format", "convention", "references", "caches"]);
    expect(parsed.caches[1].misses).toEqual({ total: 1, instrn: 0, data: 1, read: 1, write: 0, misc: 0 });
  });
});

describe("the engine against a plain model of the same rules", () => {
  const geometry = fc
    .record({
      size: fc.constantFrom(64, 128, 256),
      ways: fc.constantFrom(1, 2, 4),
      line: fc.constantFrom(8, 16, 32),
      options: fc.subarray(["wt", "nwa", "wa", "fifo", "random"]),
    })
    .filter((g) => g.ways * g.line <= g.size)
    .map((g) => parseGeometry([g.size, g.ways, g.line, ...g.options].join(":"), "test"));
  const ref = fc.tuple(
    fc.constantFrom(0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6),
    fc.integer({ min: 0, max: 300 }),
    fc.constantFrom(0, 1, 2, 4, 4, 8, 8, 16, 24, 40),
  );

  it("counts the same on random traces, geometries, policies, conventions and batch sizes", () => {
    fc.assert(
      fc.property(
        fc.array(ref, { maxLength: 300, size: "max" }),
        geometry,
        fc.option(geometry, { nil: undefined }),
        fc.constantFrom<Convention>("dinero", "cachegrind"),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 1000 }),
        (refs, d1, i1, convention, batchSize, seed) => {
          // copy-back and invalidate records carry size 0 (whole cache) or a line's worth
          const trace = refs.map(([t, a, s]): Ref => [t, a, t >= 4 && t <= 5 && s > 4 ? 0 : s]);
          const result = replayTrace(batches(trace, batchSize), { d1, i1, convention, seed });
          expect(result.caches.map(comparable)).toEqual(referenceReplay(trace, d1, i1, convention, seed));
          expect(result.references).toBe(trace.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
