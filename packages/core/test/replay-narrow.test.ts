// The replayer's inline paths compute lines and tags with 32-bit integer operations when every address of a
// batch ends below 2^32 (engine.ts runInline, `narrow`, and runFast for its LRU write-back caches), and with
// the floating-point arithmetic that any address needs otherwise. The two must count exactly the same,
// including at the edges: address 0, size 0, line boundaries, straddling accesses, the top of the 32-bit space.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseGeometry } from "../src/hw/geometry.js";
import { RefBatch, RefType } from "../src/replay/batch.js";
import { type Convention, TraceReplayer } from "../src/replay/engine.js";

type Ref = [type: number, address: number, size: number];

/** Replay `refs` in batches of 16; `wide` makes every batch take the floating-point path. */
function replay(refs: readonly Ref[], d1: string, i1: string | null, convention: Convention, wide: boolean) {
  const replayer = new TraceReplayer({
    d1: parseGeometry(d1, "--d1"),
    i1: i1 === null ? undefined : parseGeometry(i1, "--i1"),
    convention,
  });
  for (let i = 0; i < refs.length; i += 16) {
    const batch = new RefBatch(16, "t", "line");
    for (let j = i; j < Math.min(refs.length, i + 16); j++)
      batch.push(refs[j][0], refs[j][1], refs[j][2], j + 1);
    if (wide) batch.maxEnd = Math.max(batch.maxEnd, 2 ** 33); // below the caches' tag limit, above 2^32
    replayer.replay(batch);
  }
  return JSON.stringify(replayer.finish());
}

const address = fc.oneof(
  fc.constantFrom(0, 4, 28, 32, 60, 64, 0xffff_ffc0, 0xffff_fffc),
  fc.integer({ min: 0, max: 4096 }),
  fc.integer({ min: 0, max: 0xffff_ff00 }),
);
const ref = fc.tuple(
  fc.constantFrom(RefType.read, RefType.write, RefType.ifetch, RefType.read, RefType.write, RefType.misc),
  address,
  fc.constantFrom(0, 1, 4, 8, 16, 33, 64),
) as fc.Arbitrary<Ref>;

describe("the replayer's 32-bit inline path", () => {
  it("counts exactly as the floating-point path, for any references", () => {
    fc.assert(
      fc.property(
        fc.array(ref, { minLength: 1, maxLength: 300 }),
        fc.constantFrom("1k:2:32:lru", "256:1:16:fifo", "4k:4:64:lru:wt", "2k:2:32:lru:wt:nwa"),
        fc.constantFrom("dinero" as const, "cachegrind" as const),
        fc.boolean(),
        (refs, geometry, convention, split) => {
          const i1 = split ? "1k:2:32:lru" : null;
          const narrowAtTop = refs.map(([t, a, s]): Ref => [t, Math.min(a, 2 ** 32 - Math.max(s, 1)), s]);
          expect(replay(narrowAtTop, geometry, i1, convention, false)).toBe(
            replay(narrowAtTop, geometry, i1, convention, true),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes a size-0 access at address 0 as one access of line 0, as the truncation of -1/lineSize does", () => {
    const refs: Ref[] = [
      [RefType.read, 0, 0],
      [RefType.write, 0, 0],
      [RefType.read, 32, 0],
      [RefType.read, 0, 4],
    ];
    expect(replay(refs, "1k:2:32:lru", null, "dinero", false)).toBe(
      replay(refs, "1k:2:32:lru", null, "dinero", true),
    );
  });
});
