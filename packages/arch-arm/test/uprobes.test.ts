// arch_uprobe_copy_ixol per era: none (2.6.19), the generic weak code (3.9, 3.10, catalin-2013), ARM 8043/1.
import { isKernelRefusal, type Kernel, xolAreaOf } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { enterTask, hex, kaddr, nestedHooks, opsOf, simulate } from "./helpers.js";

function hit(profile: string): { kernel: Kernel; ops: string[]; nested: string[] } {
  const kernel = simulate(profile).kernel;
  enterTask(kernel);
  const nested = nestedHooks(kernel, "arch_uprobe_copy_ixol", () => kernel.uprobeXol([0xe1a00000], 1));
  const ops = opsOf(kernel, "arch_uprobe_copy_ixol", () => kernel.uprobeXol([0xe1a00000], 1));
  return { kernel, ops, nested };
}

describe("arch_uprobe_copy_ixol", () => {
  it("arm926@4.19 (8043/1, VIVT): clean D / invalidate I over the kernel address of the slot", () => {
    const { kernel, ops } = hit("arm926@4.19");
    const area = xolAreaOf(kernel.current.task)!;
    const k = kaddr(kernel, area.page) + 64;
    expect(ops).toEqual([`d clean va ${hex(k)}+0x4 k`, `i invalidate va ${hex(k)}+0x4 k`]);
  });

  it("arm1136-32k@4.19: flush_pfn_alias at the slot's user colour, then the whole I-cache", () => {
    const { kernel, ops } = hit("arm1136-32k@4.19");
    const area = xolAreaOf(kernel.current.task)!;
    const colour = Math.floor((area.vaddr % 0x4000) / 0x1000);
    expect(ops).toEqual([`d flush va ${hex(0xff800000 + colour * 0x1000)}+0x1000 k`, "i invalidate all"]);
  });

  it("cortex-a9@6.6: the aliasing I-cache through the slot's colour (flush_icache_alias)", () => {
    const { kernel, ops } = hit("cortex-a9@6.6");
    const area = xolAreaOf(kernel.current.task)!;
    const va = 0xff800000 + Math.floor((area.vaddr % 0x4000) / 0x1000) * 0x1000 + 64;
    expect(ops).toEqual([`d clean va ${hex(va)}+0x4 k`, `i invalidate va ${hex(va)}+0x4 k`]);
  });

  it("cortex-a9@3.10 (before ARM's port): the generic copy_to_page + flush_dcache_page: the kernel alias only", () => {
    const { kernel, ops, nested } = hit("cortex-a9@3.10");
    expect(nested).toEqual(["kmap_atomic", "kunmap_atomic", "flush_dcache_page"]);
    const area = xolAreaOf(kernel.current.task)!;
    expect(ops).toEqual([`d flush va ${hex(kaddr(kernel, area.page))}+0x1000 k`]);
  });

  it("cortex-a9@catalin-2013: point 1 defers that flush: nothing at all", () => {
    expect(hit("cortex-a9@catalin-2013").ops).toEqual([]);
  });

  it("arm926@2.6.19: no uprobes (v3.5): the hit is refused", () => {
    const kernel = simulate("arm926@2.6.19").kernel;
    enterTask(kernel);
    let error: unknown = null;
    try {
      kernel.uprobeXol([0xe1a00000], 0);
    } catch (e) {
      error = e;
    }
    expect(isKernelRefusal(error)).toBe(true);
  });
});
