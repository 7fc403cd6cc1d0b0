// Fidelity of arch/arm/mm/copypage-*.c: copy_user_highpage and clear_user_highpage per CPU type and era.
import { clear_bit, type Kernel, type MachineEvent, PG_arch_1 } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { anonPage, enterTask, hex, kaddr, nestedHooks, opsOf, simulate } from "./helpers.js";

/** A kernel of `profile`, an anonymous source page at user colour `colour` and a fresh destination page. */
function cow(profile: string, colour = 1) {
  const sim = simulate(profile);
  const kernel = sim.kernel;
  const task = enterTask(kernel);
  const [vma, from] = anonPage(kernel, { colour });
  const to = kernel.alloc_page({});
  return { sim, kernel, task, vma, from, to };
}

const copy = (k: Kernel, c: ReturnType<typeof cow>) =>
  opsOf(k, "copy_user_highpage", () => k.callHook("copy_user_highpage", c.to, c.from, c.vma.start, c.vma));

/** The line addresses of the operations of `ops` matching `prefix` (`d invalidate`). */
function lines(ops: string[], prefix: string): number[] {
  return ops.filter((o) => o.startsWith(prefix)).map((o) => Number.parseInt(o.split(" ")[3], 16));
}

describe("copy_user_highpage", () => {
  it("arm926@3.10 (v4wb): flush the source's user alias, then invalidate each destination line before storing it", () => {
    const c = cow("arm926@3.10");
    const ops = copy(c.kernel, c);
    expect(ops[0]).toBe(`d flush va ${hex(c.vma.start)}+0x1000 u${c.task.mm!.asid}`);
    const k = kaddr(c.kernel, c.to);
    expect(ops.slice(1)).toEqual(
      Array.from({ length: 128 }, (_, i) => `d invalidate va ${hex(k + 32 * i)}+0x20 k`),
    );
  });

  it("arm926@2.6.19: no source flush yet (added 2009-10-05, v2.6.32)", () => {
    const c = cow("arm926@2.6.19");
    const ops = copy(c.kernel, c);
    expect(ops).toHaveLength(128);
    expect(ops.every((o) => o.startsWith("d invalidate va"))).toBe(true);
  });

  it("feroceon@3.10: source flush, then store each line and clean+invalidate it", () => {
    const c = cow("feroceon@3.10");
    const ops = copy(c.kernel, c);
    expect(ops[0]).toBe(`d flush va ${hex(c.vma.start)}+0x1000 u${c.task.mm!.asid}`);
    expect(lines(ops.slice(1), "d flush va")).toEqual(
      Array.from({ length: 128 }, (_, i) => kaddr(c.kernel, c.to) + 32 * i),
    );
  });

  it("arm1136-32k@3.10 (v6 aliasing): discard the destination's kernel alias; copy through the COPYPAGE windows at the user's colour", () => {
    const c = cow("arm1136-32k@3.10");
    const stores: number[] = [];
    const loads: number[] = [];
    const stop = c.sim.observe({
      machine: (e: MachineEvent) => {
        if (e.type === "access" && e.access === "store") stores.push(e.va);
        if (e.type === "access" && e.access === "load") loads.push(e.va);
      },
    });
    const ops = copy(c.kernel, c);
    stop();
    expect(ops).toEqual([`d invalidate va ${hex(kaddr(c.kernel, c.to))}+0x1000 k`]);
    // COPYPAGE_V6_FROM = 0xff804000, COPYPAGE_V6_TO = 0xff808000 in the model's window area (0xffff8000 and
    // 0xffffc000 in Linux, same colours), + CACHE_COLOUR(vaddr) pages
    expect(new Set(loads.map((va) => (va & ~0xfff) >>> 0))).toEqual(new Set([0xff805000]));
    expect(new Set(stores.map((va) => (va & ~0xfff) >>> 0))).toEqual(new Set([0xff809000]));
    expect(c.kernel.machine.colourOf(0xff809000)).toBe(c.kernel.machine.colourOf(c.vma.start));
  });

  it("arm1136-32k@3.10: a source whose kernel alias owes a flush is flushed first (PG_dcache_clean clear)", () => {
    const c = cow("arm1136-32k@3.10");
    clear_bit(PG_arch_1, c.from);
    expect(copy(c.kernel, c)).toEqual([
      `d flush va ${hex(kaddr(c.kernel, c.from))}+0x1000 k`,
      `d invalidate va ${hex(kaddr(c.kernel, c.to))}+0x1000 k`,
    ]);
  });

  it("cortex-a9@3.10 (v6 non-aliasing, ARMv7): a plain copy through kmap_atomic, no maintenance", () => {
    const c = cow("cortex-a9@3.10");
    expect(copy(c.kernel, c)).toEqual([]);
    expect(
      nestedHooks(c.kernel, "copy_user_highpage", () =>
        c.kernel.callHook("copy_user_highpage", c.to, c.from, c.vma.start, c.vma),
      ),
    ).toEqual(["kmap_atomic", "kmap_atomic", "kunmap_atomic", "kunmap_atomic"]);
  });
});

describe("clear_user_highpage", () => {
  const clear = (k: Kernel, c: ReturnType<typeof cow>) =>
    opsOf(k, "clear_user_highpage", () => k.callHook("clear_user_highpage", c.to, c.vma.start));

  it("sa1100@3.10 (v4wb): invalidate each line, then store zeros", () => {
    const c = cow("sa1100@3.10");
    const ops = clear(c.kernel, c);
    expect(lines(ops, "d invalidate va")).toEqual(
      Array.from({ length: 128 }, (_, i) => kaddr(c.kernel, c.to) + 32 * i),
    );
    expect(ops).toHaveLength(128);
  });

  it("feroceon@3.10: store zeros, then clean+invalidate each line", () => {
    const c = cow("feroceon@3.10");
    expect(lines(clear(c.kernel, c), "d flush va")).toHaveLength(128);
  });

  it("arm1136-32k@3.10: discard the kernel alias, clear at COPYPAGE_V6_TO + colour", () => {
    const c = cow("arm1136-32k@3.10");
    expect(clear(c.kernel, c)).toEqual([`d invalidate va ${hex(kaddr(c.kernel, c.to))}+0x1000 k`]);
    expect(c.kernel.machine.kernelSpace.pte(0xff809000)?.pfn).toBe(c.to.pfn);
  });

  it("cortex-a8@3.10: kmap_atomic, clear_page, no maintenance", () => {
    const c = cow("cortex-a8@3.10");
    expect(clear(c.kernel, c)).toEqual([]);
  });
});
