import { describe, expect, it } from "vitest";
import { l1, machine, pte, userSpace } from "./hw-fixtures.js";

// One physical frame (pfn 0x10, pa 0x10000) mapped at several virtual addresses. With 32 KiB 4-way caches
// and 4 KiB pages a way is 8 KiB: VA bit 12 is the colour.
const PFN = 0x10;
const COLOUR0 = 0x0002_0000; // colour 0
const COLOUR1 = 0x0002_1000; // colour 1
const COLOUR0_AGAIN = 0x0003_0000; // colour 0 again, another VA

describe("aliases in virtually indexed caches", () => {
  it("VIPT at two colours: a load through one alias misses the store through the other, with the whole context", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(COLOUR0, pte(PFN));
    space.setPte(COLOUR1, pte(PFN));
    expect(m.colourOf(COLOUR0 + 0x40)).toBe(0);
    expect(m.colourOf(COLOUR1 + 0x40)).toBe(1);

    m.setContext(1, "writer");
    expect(m.store(0, COLOUR0 + 0x40, 0xdead)).toBeUndefined();
    m.setContext(2, "reader");
    expect(m.load(0, COLOUR1 + 0x40)).toBe(0);

    expect(m.violations).toEqual([
      {
        kind: "stale-read",
        step: 2,
        actor: "reader",
        cpu: 0,
        va: COLOUR1 + 0x40,
        colour: 1,
        pa: 0x10040,
        expected: 0xdead,
        got: 0,
        writer: { step: 1, cpu: 0, va: COLOUR0 + 0x40, colour: 0, actor: "writer" },
        residences: [
          // set = (va >> 5) & 255: 0x02 at colour 0, 0x82 at colour 1; both fills took way 0
          { place: "cache", cpu: 0, cache: "d", set: 2, way: 0, colour: 0, dirty: true, value: 0xdead },
          { place: "cache", cpu: 0, cache: "d", set: 130, way: 0, colour: 1, dirty: false, value: 0 },
          { place: "memory", value: 0 },
        ],
      },
    ]);
  });

  it("VIPT at the same colour: the aliases share the line, no violation", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(COLOUR0, pte(PFN));
    space.setPte(COLOUR0_AGAIN, pte(PFN));
    m.store(0, COLOUR0 + 0x40, 0xdead);
    expect(m.load(0, COLOUR0_AGAIN + 0x40)).toBe(0xdead);
    expect(m.finish()).toEqual([]);
  });

  it("VIVT: two virtual addresses alias even at the same colour", () => {
    const m = machine({ dcache: l1({ indexing: "vivt" }), icache: l1({ indexing: "vivt" }) });
    const space = userSpace(m);
    space.setPte(COLOUR0, pte(PFN));
    space.setPte(COLOUR0_AGAIN, pte(PFN));
    expect(m.colourOf(COLOUR0)).toBe(m.colourOf(COLOUR0_AGAIN));
    m.store(0, COLOUR0 + 0x40, 0xdead);
    expect(m.load(0, COLOUR0_AGAIN + 0x40)).toBe(0);
    expect(m.violations.map((v) => [v.kind, v.va, v.expected, v.got])).toEqual([
      ["stale-read", COLOUR0_AGAIN + 0x40, 0xdead, 0],
    ]);
    // The dirty line's residence carries the virtual address it is tagged with.
    expect(m.violations[0].residences[0]).toMatchObject({ dirty: true, va: COLOUR0 + 0x40, value: 0xdead });
  });

  it("VIVT tagged by ASID: the same VA in two spaces is two lines; untagged it is one", () => {
    for (const asidTagged of [true, false]) {
      const m = machine({ dcache: l1({ indexing: "vivt", asidTagged }), icache: l1({ indexing: "vivt" }) });
      const a = m.createSpace("a");
      const b = m.createSpace("b");
      a.setPte(COLOUR0, pte(PFN));
      b.setPte(COLOUR0, pte(PFN + 1));
      m.setCurrentSpace(0, a);
      m.store(0, COLOUR0, 1);
      m.setCurrentSpace(0, b);
      // Untagged, b's load hits a's line: the value of another frame.
      expect(m.load(0, COLOUR0)).toBe(asidTagged ? 0 : 1);
      expect(m.violations.length).toBe(asidTagged ? 0 : 1);
    }
  });

  it("PIPT: no alias ever, whatever the virtual addresses", () => {
    const m = machine({ dcache: l1({ indexing: "pipt" }), icache: l1({ indexing: "pipt" }) });
    const space = userSpace(m);
    for (const va of [COLOUR0, COLOUR1, COLOUR0_AGAIN]) space.setPte(va, pte(PFN));
    m.store(0, COLOUR0 + 0x40, 1);
    expect(m.load(0, COLOUR1 + 0x40)).toBe(1);
    m.store(0, COLOUR1 + 0x44, 2);
    expect(m.load(0, COLOUR0_AGAIN + 0x44)).toBe(2);
    expect(m.colours).toBe(1);
    expect(m.finish()).toEqual([]);
  });

  it("a kernel alias and a user alias of one page alias like any two VAs", () => {
    const m = machine();
    const space = userSpace(m);
    space.setPte(COLOUR1, pte(PFN));
    const kalias = 0x8000_0000 + PFN * 0x1000; // colour 0
    m.kernelSpace.setPte(kalias, pte(PFN, { user: false }));
    m.store(0, kalias, 7, "kernel");
    expect(m.load(0, COLOUR1)).toBe(0);
    expect(m.violations[0]).toMatchObject({
      kind: "stale-read",
      colour: 1,
      writer: { va: kalias, colour: 0 },
    });
  });
});
