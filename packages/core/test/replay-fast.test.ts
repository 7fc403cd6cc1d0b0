// The replayer's one-pass path (engine.ts ReplayCache.runFast): a unified cache, or D- and I-caches of the
// same geometry sharing one store, LRU, write-back, write-allocate, on batches whose addresses end below 2^32.
// It must count exactly as the plain model of the rules (replay-model.ts) and as the general two-pass path,
// which takes every batch whose addresses may reach past 2^32: on random traces mixing every record type,
// sizes that straddle lines, both conventions, batches of any size, and fast and general batches in turn.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CacheGeometry, parseGeometry } from "../src/hw/geometry.js";
import { RefType } from "../src/replay/batch.js";
import { type Convention, type ReplayOptions, replayTrace } from "../src/replay/engine.js";
import { batches, comparable, type Ref, referenceReplay } from "./replay-model.js";

/**
 * Replay `trace` in batches of `batchSize`; batch `b` is made wide (its `maxEnd` raised past 2^32, below
 * every geometry's tag limit, so that the general path takes it) when bit `b % 32` of `wide` is set.
 */
function replay(trace: Ref[], batchSize: number, wide: number, options: ReplayOptions) {
  const list = batches(trace, batchSize);
  list.forEach((batch, b) => {
    if ((wide >>> (b % 32)) & 1) batch.maxEnd = Math.max(batch.maxEnd, 2 ** 33);
  });
  return replayTrace(list, options);
}

const geometry = fc
  .record({
    size: fc.constantFrom(64, 128, 256, 1024),
    ways: fc.constantFrom(1, 2, 4, 4, 8),
    line: fc.constantFrom(8, 16, 32),
  })
  .filter((g) => g.ways * g.line <= g.size);

// low addresses collide in few sets; the top of the 32-bit space tests the unsigned arithmetic; 2^32 itself
// with size 0 ends at 2^32, yet its line is past the 32-bit space
const address = fc.oneof(
  fc.integer({ min: 0, max: 600 }),
  fc.constant(2 ** 32),
  fc.integer({ min: 2 ** 32 - 600, max: 2 ** 32 - 1 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const ref = fc.tuple(
  fc.constantFrom(0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6),
  address,
  fc.constantFrom(0, 1, 2, 4, 4, 4, 8, 8, 16, 24, 32, 40),
);

describe("the replayer's one-pass path", () => {
  it("counts as the plain model and as the general path, for unified and paired caches", () => {
    fc.assert(
      fc.property(
        fc.array(ref, { maxLength: 400, size: "max" }),
        geometry,
        fc.constantFrom("unified", "split", "split, I-cache write-through"),
        fc.constantFrom<Convention>("dinero", "cachegrind"),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (refs, g, caches, convention, batchSize, wide) => {
          // copy-back and invalidate records carry size 0 (whole cache) or a word
          const trace = refs.map(([t, a, s]): Ref => [t, a, t >= 4 && t <= 5 && s > 4 ? 0 : s]);
          const text = `${g.size}:${g.ways}:${g.line}:lru`;
          const d1 = parseGeometry(text, "--d1");
          const i1: CacheGeometry | undefined =
            caches === "unified"
              ? undefined
              : parseGeometry(caches === "split" ? text : `${text}:wt`, "--i1");
          const options = { d1, i1, convention };
          const result = replay(trace, batchSize, wide, options);
          expect(result.caches.map(comparable)).toEqual(referenceReplay(trace, d1, i1, convention, 1));
          expect(result).toEqual(replay(trace, batchSize, 0xffff_ffff, options));
          expect(result.references).toBe(trace.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("leaves a data access to the general path when cachegrind clamps it below a line", () => {
    const d1 = parseGeometry("256:2:32:lru", "--d1");
    const trace: Ref[] = [
      [RefType.write, 0, 32],
      [RefType.read, 64, 16],
      [RefType.ifetch, 128, 32],
      [RefType.write, 0, 8],
      [RefType.read, 200, 24],
    ];
    for (const maxDataSize of [4, 8, 16, 32]) {
      const options = { d1, i1: d1, convention: "cachegrind" as const, maxDataSize };
      expect(replay(trace, 2, 0, options)).toEqual(replay(trace, 2, 0xffff_ffff, options));
    }
    // clamped to 4 bytes, the whole-line write at 0 is fetched; unclamped it is not
    const clamped = replay(trace, 64, 0, { d1, i1: d1, convention: "cachegrind", maxDataSize: 4 });
    const whole = replay(trace, 64, 0, { d1, i1: d1, convention: "cachegrind" });
    expect(clamped.caches[1].bytesFromMemory - whole.caches[1].bytesFromMemory).toBe(32);
  });
});
