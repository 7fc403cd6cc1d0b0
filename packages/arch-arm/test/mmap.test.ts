// arch_get_unmapped_area (arch/arm/mm/mmap.c): colour alignment on aliasing VIPT, MAP_FIXED|MAP_SHARED refusal.
import { EINVAL, isKernelRefusal, type Kernel } from "@flushlab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enterTask, map, simulate } from "./helpers.js";

const SHMLBA = 0x4000;

function kernelOf(profile: string): Kernel {
  const kernel = simulate(profile).kernel;
  enterTask(kernel);
  return kernel;
}

describe("arch_get_unmapped_area", () => {
  it("arm1136-32k: a shared file mapping lands at the colour of its file offset", () => {
    const kernel = kernelOf("arm1136-32k@3.10");
    const file = kernel.createFile("f", 8);
    const vma = map(kernel, { file, shared: true, pgoff: 3, colour: 0 });
    expect((vma.start - 3 * 0x1000) % SHMLBA).toBe(0);
  });

  it("arm1136-32k: MAP_FIXED|MAP_SHARED at an incongruent address is refused with -EINVAL", () => {
    const kernel = kernelOf("arm1136-32k@3.10");
    const file = kernel.createFile("f", 1);
    let error: unknown = null;
    try {
      map(kernel, { file, shared: true, fixed: true, addr: 0x5000_1000 });
    } catch (e) {
      error = e;
    }
    expect(isKernelRefusal(error) && error.errno === -EINVAL).toBe(true);
    expect(map(kernel, { file, shared: true, fixed: true, addr: 0x5000_4000 }).start).toBe(0x5000_4000);
  });

  it("arm926 (VIVT): no colour alignment and no refusal", () => {
    const kernel = kernelOf("arm926@3.10");
    const file = kernel.createFile("f", 1);
    expect(map(kernel, { file, shared: true, fixed: true, addr: 0x5000_1000 }).start).toBe(0x5000_1000);
    expect(map(kernel, { file, shared: true, addr: 0x6000_3000 }).start).toBe(0x6000_3000);
  });

  it("arm1136-32k: anonymous private memory is not aligned", () => {
    const kernel = kernelOf("arm1136-32k@3.10");
    expect(map(kernel, { addr: 0x6000_3000 }).start).toBe(0x6000_3000);
  });
});

describe("arch_get_unmapped_area (property)", () => {
  it("arm1136-32k: every file mapping, shared or private, is congruent with its file offset modulo SHMLBA", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (pgoff, hint, shared) => {
          const kernel = kernelOf("arm1136-32k@4.19");
          const file = kernel.createFile("f", 16);
          const vma = map(kernel, { file, shared, pgoff, addr: 0x4000_0000 + hint * 0x1000 });
          expect((((vma.start - pgoff * 0x1000) % SHMLBA) + SHMLBA) % SHMLBA).toBe(0);
          expect(kernel.machine.colourOf(vma.start)).toBe(kernel.machine.colourOf(pgoff * 0x1000));
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });
});
