import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { cacheGeometry, colourOf, pageColours, parseGeometry } from "../src/hw/geometry.js";

describe("cache geometry", () => {
  it("gives the colours of real cores", () => {
    // ARM1136JF-S 32 KiB 4-way (ARM DDI 0211H §6.11.3): 8 KiB ways at 4 KiB pages
    expect(
      pageColours(cacheGeometry({ size: 32 * 1024, ways: 4, lineSize: 32, indexing: "vipt" }), 4096),
    ).toBe(2);
    // MIPS R4400 16 KiB direct-mapped VIPT (R4000 User's Manual ch. 11)
    expect(
      pageColours(cacheGeometry({ size: 16 * 1024, ways: 1, lineSize: 32, indexing: "vipt" }), 4096),
    ).toBe(4);
    // UltraSPARC-II 16 KiB direct-mapped at 8 KiB pages (UltraSPARC User's Manual §1.3.8)
    expect(
      pageColours(
        cacheGeometry({
          size: 16 * 1024,
          ways: 1,
          lineSize: 32,
          indexing: "vipt",
          writePolicy: "write-through",
        }),
        8192,
      ),
    ).toBe(2);
    expect(
      pageColours(cacheGeometry({ size: 32 * 1024, ways: 4, lineSize: 32, indexing: "pipt" }), 4096),
    ).toBe(1);
  });

  it("derives sets and way size, and the colour of an address", () => {
    const g = parseGeometry("32k:4:32:vipt", "--d1");
    expect(g.sets).toBe(256);
    expect(g.waySize).toBe(8192);
    expect(colourOf(g, 4096, 0x1000)).toBe(1);
    expect(colourOf(g, 4096, 0x2000)).toBe(0);
  });

  it("refuses geometries that cannot exist, naming the place", () => {
    expect(() => cacheGeometry({ size: 3000, ways: 4, lineSize: 32 }, "cpu foo")).toThrow(UserError);
    expect(() => cacheGeometry({ size: 32, ways: 4, lineSize: 32 }, "cpu foo")).toThrow(/ways do not fit/);
    const formatted = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as UserError).format();
      }
      return "no error";
    };
    expect(formatted(() => parseGeometry("32k:4", "--d1"))).toMatch(/^--d1: "32k:4" is not a geometry/);
    expect(formatted(() => parseGeometry("32k:3:32", "--i1"))).toMatch(/^--i1: invalid cache geometry/);
  });
});
