// arch_get_unmapped_area: colour alignment of file and shared mappings, MAP_FIXED|MAP_SHARED rejection (§1.7, B9).
import { isKernelRefusal, PROT_READ, PROT_WRITE } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { sim } from "./helpers.js";

function withFile(profile: string) {
  const s = sim(profile);
  s.kernel.enter(s.kernel.createTask("t").threads[0]);
  const file = s.kernel.createFile("f", 4);
  return { s, file };
}

const rw = PROT_READ | PROT_WRITE;

describe("arch_get_unmapped_area", () => {
  it("places a shared file mapping at the colour of its file offset, whatever the hint's colour", () => {
    const { s, file } = withFile("mips/r4400@3.10");
    const a = s.kernel.mmap({ name: "a", file, pgoff: 1, pages: 1, prot: rw, shared: true, colour: 3 });
    expect(s.machine.colourOf(a.start)).toBe(1);
    const anon = s.kernel.mmap({ name: "b", pages: 1, prot: rw, colour: 3 });
    expect(s.machine.colourOf(anon.start)).toBe(3); // private anonymous: not aligned
  });

  it("refuses MAP_FIXED|MAP_SHARED at an address whose colour differs from the file offset's (-EINVAL)", () => {
    const { s, file } = withFile("mips/24kc-32k@3.10");
    let refusal: unknown = null;
    try {
      s.kernel.mmap({
        name: "x",
        file,
        pgoff: 0,
        pages: 1,
        prot: rw,
        shared: true,
        fixed: true,
        addr: 0x5000_1000,
      });
    } catch (error) {
      refusal = error;
    }
    expect(isKernelRefusal(refusal) && refusal.errno).toBe(-22);
    const ok = s.kernel.mmap({
      name: "y",
      file,
      pgoff: 1,
      pages: 1,
      prot: rw,
      shared: true,
      fixed: true,
      addr: 0x5000_1000,
    });
    expect(ok.start).toBe(0x5000_1000);
    const priv = s.kernel.mmap({
      name: "z",
      file,
      pgoff: 0,
      pages: 1,
      prot: rw,
      fixed: true,
      addr: 0x5000_3000,
    });
    expect(priv.start).toBe(0x5000_3000); // MAP_PRIVATE: accepted at any colour
  });

  it("2.6 tested the address alone (addr & shm_align_mask): a congruent pgoff-1 mapping at colour 1 is refused there", () => {
    const { s, file } = withFile("mips/24kc-32k@2.6.23");
    expect(() =>
      s.kernel.mmap({
        name: "y",
        file,
        pgoff: 1,
        pages: 1,
        prot: rw,
        shared: true,
        fixed: true,
        addr: 0x5000_1000,
      }),
    ).toThrow(/violates the cache colouring/);
  });

  it("a non-aliasing D-cache has no constraint (shm_align_mask = PAGE_SIZE - 1)", () => {
    const { s, file } = withFile("mips/24kc-32k-ar@6.6");
    const m = s.kernel.mmap({
      name: "x",
      file,
      pgoff: 0,
      pages: 1,
      prot: rw,
      shared: true,
      fixed: true,
      addr: 0x5000_1000,
    });
    expect(m.start).toBe(0x5000_1000);
    const h = s.kernel.mmap({ name: "h", file, pgoff: 0, pages: 1, prot: rw, shared: true, colour: 1 });
    expect(s.machine.colourOf(h.start)).toBe(0); // no colours at all on this cache: colourOf is 0
  });
});
