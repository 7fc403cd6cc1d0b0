// Fidelity of copy_to_user_page / flush_ptrace_access (arch/arm/mm/flush.c) per cache type and era.
import type { Kernel, Page, Vma } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { anonPage, enterTask, hex, kaddr, opsOf, RX, simulate } from "./helpers.js";

/** copy_to_user_page of two words at offset 0x40 of the page, the target task current (or not). */
function poke(kernel: Kernel, vma: Vma, page: Page): string[] {
  const dst = kaddr(kernel, page) + 0x40;
  return opsOf(kernel, "copy_to_user_page", () =>
    kernel.callHook("copy_to_user_page", vma, page, vma.start + 0x40, dst, [0xe7f001f0, 0], 8),
  );
}

/** A target task with one anonymous page at 0x40001000, CACHE_COLOUR 1 (executable when `exec`). */
function target(profile: string, exec = true, cpus?: number) {
  const kernel = simulate(profile, cpus).kernel;
  enterTask(kernel, "target");
  const [vma, page] = anonPage(kernel, { addr: 0x4000_1000, ...(exec ? { prot: RX | 0x2 } : {}) }); // CACHE_COLOUR 1
  return { kernel, vma, page };
}

describe("copy_to_user_page", () => {
  it("arm926@3.10 (VIVT), the target running here: clean D and invalidate I over the kernel range only", () => {
    const { kernel, vma, page } = target("arm926@3.10");
    const k = kaddr(kernel, page) + 0x40;
    expect(poke(kernel, vma, page)).toEqual([
      `d clean va ${hex(k)}+0x8 k`,
      `i invalidate va ${hex(k)}+0x8 k`,
    ]);
  });

  it("arm926@3.10, from a debugger task: nothing (the target's mm left this CPU's mask at the switch)", () => {
    const { kernel, vma, page } = target("arm926@3.10");
    enterTask(kernel, "gdb");
    expect(poke(kernel, vma, page)).toEqual([]);
  });

  it("arm1136-32k: the user's colour through FLUSH_ALIAS_START and the I-cache (3.x) or its I range (2.6.19)", () => {
    expect(poke(...(Object.values(target("arm1136-32k@3.10")) as [Kernel, Vma, Page]))).toEqual([
      "d flush va 0xff801000+0x1000 k",
      "i invalidate all",
    ]);
    expect(poke(...(Object.values(target("arm1136-32k@2.6.19")) as [Kernel, Vma, Page]))).toEqual([
      "d flush va 0xff801000+0x1000 k",
      "i invalidate va 0xff801000+0x1000 k",
    ]);
  });

  it("cortex-a9@3.10: executable: the aliasing I-cache through the user's colour (flush_icache_alias)", () => {
    const { kernel, vma, page } = target("cortex-a9@3.10");
    expect(poke(kernel, vma, page)).toEqual([
      "d clean va 0xff801040+0x8 k",
      "i invalidate va 0xff801040+0x8 k",
    ]);
    expect(kernel.machine.kernelSpace.pte(0xff801000)?.pfn).toBe(page.pfn);
  });

  it("cortex-a9@3.10: a non-executable mapping: nothing", () => {
    const { kernel, vma, page } = target("cortex-a9@3.10", false);
    expect(poke(kernel, vma, page)).toEqual([]);
  });

  it("arm11mpcore@3.10: the other CPU's I-cache by IPI (maintenance not broadcast)", () => {
    const { kernel, vma, page } = target("arm11mpcore@3.10", true, 2);
    expect(poke(kernel, vma, page)).toEqual([
      "d clean va 0xff801040+0x8 k",
      "i invalidate va 0xff801040+0x8 k",
      "i invalidate all @cpu1",
    ]);
  });
});
