import { describe, expect, it } from "vitest";
import { dirtyLines, KiB, l1, machine, pte, slotsHolding, userSpace } from "./hw-fixtures.js";

const VA = 0x0002_0000;
const PFN = 0x10;
const PA = PFN * 0x1000;

describe("write policy and allocation", () => {
  it("a write-through cache never holds a dirty line: every store also reaches memory", () => {
    const m = machine({ dcache: l1({ writePolicy: "write-through", writeAllocate: true }) });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    for (let i = 0; i < 64; i++) m.store(0, VA + 4 * i, i + 1); // misses then hits
    const d = m.cpus[0].dcache;
    expect(dirtyLines(d)).toBe(0);
    expect(slotsHolding(d, PA).length).toBe(1); // allocated on write, clean
    for (let i = 0; i < 64; i++) expect(m.peekMemory(PA + 4 * i)).toBe(i + 1);
    expect(d.writebacks).toBe(0);
  });

  it("a write-back cache keeps the store in a dirty line until the line is cleaned", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.store(0, VA, 5);
    expect(m.peekMemory(PA)).toBe(0);
    expect(dirtyLines(m.cpus[0].dcache)).toBe(1);
    const op = m.maintain(0, "d", "clean", { scope: "va", start: VA, length: 4, asid: space.asid });
    expect(op.linesTouched).toBe(1);
    expect(m.peekMemory(PA)).toBe(5);
    expect(dirtyLines(m.cpus[0].dcache)).toBe(0);
  });

  it("a read-allocate cache sends a write miss to memory and allocates nothing", () => {
    const m = machine({ dcache: l1({ writeAllocate: false }) });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.store(0, VA + 8, 9);
    const d = m.cpus[0].dcache;
    expect(m.peekMemory(PA + 8)).toBe(9);
    expect(slotsHolding(d, PA)).toEqual([]);
    expect([d.writeMisses, d.writeHits]).toEqual([1, 0]);
    // A load allocates; a store that then hits stays in the (write-back) line.
    expect(m.load(0, VA + 8)).toBe(9);
    m.store(0, VA + 8, 10);
    expect([d.writeMisses, d.writeHits]).toEqual([1, 1]);
    expect(m.peekMemory(PA + 8)).toBe(9);
    expect(dirtyLines(d)).toBe(1);
  });

  it("evicting a dirty line writes it back (counted)", () => {
    // 1 KiB direct-mapped: lines 1 KiB apart share a set.
    const m = machine({ dcache: l1({ size: KiB, ways: 1 }) });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.store(0, VA + 4, 0x1234);
    expect(m.peekMemory(PA + 4)).toBe(0);
    expect(m.load(0, VA + KiB)).toBe(0); // same set: evicts the dirty line
    expect(m.peekMemory(PA + 4)).toBe(0x1234);
    expect(m.cpus[0].dcache.writebacks).toBe(1);
    expect(m.load(0, VA + 4)).toBe(0x1234);
    expect(m.finish()).toEqual([]);
  });

  it("invalidating a dirty line without cleaning it loses the write, and finish() says so once", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.setContext(3, "kernel");
    m.store(0, VA + 12, 77);
    const op = m.maintain(0, "d", "invalidate", { scope: "va", start: VA, length: 32, asid: space.asid });
    expect(op.linesTouched).toBe(1);
    expect(m.peekMemory(PA + 12)).toBe(0);
    m.setContext(4, "end");
    const violations = m.finish();
    expect(violations).toEqual([
      {
        kind: "lost-write",
        step: 4,
        actor: "end",
        cpu: 0,
        va: VA + 12,
        colour: 0,
        pa: PA + 12,
        expected: 77,
        got: 0,
        writer: { step: 3, cpu: 0, va: VA + 12, colour: 0, actor: "kernel" },
        residences: [{ place: "memory", value: 0 }],
      },
    ]);
    expect(m.finish()).toHaveLength(1); // reported once
  });
});

describe("replacement", () => {
  /** Which of lines A, B, C (same set of a 2-way cache) are still cached after A, B, A, C. */
  function survivors(replacement: "lru" | "fifo"): boolean[] {
    // 2 KiB 2-way 32-byte: a way is 1 KiB, so A, A+1K, A+2K share set 0.
    const m = machine({ dcache: l1({ size: 2 * KiB, ways: 2, replacement }) });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    const lines = [VA, VA + KiB, VA + 2 * KiB];
    for (const va of [lines[0], lines[1], lines[0], lines[2]]) m.load(0, va);
    return lines.map((va) => slotsHolding(m.cpus[0].dcache, PA + (va - VA)).length === 1);
  }

  it("LRU evicts the least recently used line, FIFO the first filled", () => {
    expect(survivors("lru")).toEqual([true, false, true]);
    expect(survivors("fifo")).toEqual([false, true, true]);
  });

  it("random replacement is deterministic per seed and differs between seeds", () => {
    const run = (seed: number) => {
      const m = machine({ dcache: l1({ size: 2 * KiB, ways: 4, replacement: "random" }), seed });
      const space = userSpace(m);
      for (let p = 0; p < 8; p++) space.setPte(VA + p * 0x1000, pte(PFN + p));
      // 64 lines in one set of 4 ways: 60 random evictions.
      for (let i = 0; i < 64; i++) m.load(0, VA + i * 512);
      return Array.from(m.cpus[0].dcache.tagStore.tags);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe("dirty alias conflicts", () => {
  it("two dirty copies of one line at two colours that disagree are reported at finish", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(0x0002_0000, pte(PFN)); // colour 0
    space.setPte(0x0002_1000, pte(PFN)); // colour 1
    m.store(0, 0x0002_0010, 1);
    m.store(0, 0x0002_1010, 2); // the newest value
    const violations = m.finish();
    expect(violations.map((v) => v.kind)).toEqual(["dirty-alias-conflict"]);
    expect(violations[0]).toMatchObject({ pa: PA + 0x10, expected: 2, got: 1, cpu: 0, colour: 0 });
    expect(violations[0].residences.filter((r) => r.dirty)).toHaveLength(2);
  });

  it("two CPUs' dirty copies that disagree are a conflict; equal dirty copies are not", () => {
    const m = machine({ cpus: 2 });
    const space = userSpace(m);
    space.setPte(VA, pte(PFN));
    m.store(0, VA, 1);
    m.store(1, VA + 4, 2); // CPU 1 fills from memory: its word 0 is the stale 0
    const violations = m.finish();
    expect(violations.map((v) => [v.kind, v.pa])).toEqual([["dirty-alias-conflict", PA]]);
    expect(violations[0]).toMatchObject({ cpu: 1, expected: 1, got: 0 });

    const same = machine({ cpus: 2 });
    const space2 = userSpace(same);
    space2.setPte(VA, pte(PFN));
    same.store(0, VA, 1);
    same.store(1, VA, 1);
    expect(same.finish()).toEqual([]);
  });
});
