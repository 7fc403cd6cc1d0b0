// Fidelity of arch/arm/mm/flush.c: the exact maintenance operations each hook issues for a representative
// call, per cache type (VIVT, aliasing VIPT, non-aliasing VIPT, non-broadcast SMP) and per era where the
// behaviour changes.
import { clear_bit, type Kernel, PG_arch_1, set_bit, test_bit } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { anonPage, enterTask, hex, kaddr, map, mappedFilePage, opsOf, RX, simulate } from "./helpers.js";

/** A kernel of `profile` with task `t` current and a one-page file `f`. */
function setup(profile: string, pages = 1) {
  const sim = simulate(profile);
  const kernel = sim.kernel;
  const task = enterTask(kernel);
  const file = kernel.createFile("f", pages);
  return { sim, kernel, task, file };
}

/** flush_dcache_page(page) through its hook: the operations issued. */
function flushDcache(kernel: Kernel, page: Parameters<Kernel["hooks"]["flush_dcache_page"]["call"]>[0]) {
  return opsOf(kernel, "flush_dcache_page", () => kernel.callHook("flush_dcache_page", page));
}

describe("flush_dcache_page on a page-cache page mapped MAP_SHARED by the current mm", () => {
  it("arm926@3.10 (VIVT): cleans+invalidates the kernel alias and the shared user alias, sets PG_dcache_clean", () => {
    const { kernel, task, file } = setup("arm926@3.10");
    const [vma, page] = mappedFilePage(kernel, file);
    clear_bit(PG_arch_1, page);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      `d flush va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("arm926@2.6.19: the same flushes, and PG_dcache_dirty is left alone", () => {
    const { kernel, task, file } = setup("arm926@2.6.19");
    const [vma, page] = mappedFilePage(kernel, file);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      `d flush va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("arm926@3.10 skips a private mapping and the mappings of other mms", () => {
    const { kernel, file } = setup("arm926@3.10");
    map(kernel, { file, shared: false });
    const [, page] = mappedFilePage(kernel, file);
    const other = kernel.createTask("other");
    kernel.enter(other.threads[0]);
    mappedFilePage(kernel, file);
    kernel.enter(kernel.task("t").threads[0]);
    const ops = flushDcache(kernel, page);
    const t = kernel.task("t").mm!;
    const shared = t.vmas.find((v) => v.has(0x8))!; // VM_SHARED
    expect(ops).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      `d flush va ${hex(shared.start)}+0x1000 u${t.asid}`,
    ]);
  });

  it("arm1136-32k@3.10 (aliasing VIPT): kernel alias, the file offset's colour at FLUSH_ALIAS_START, I-cache", () => {
    const { kernel, file } = setup("arm1136-32k@3.10");
    const [, page] = mappedFilePage(kernel, file);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "d flush va 0xff800000+0x1000 k",
      "i invalidate all",
    ]);
  });

  it("arm1136-32k@2.6.19: flush_pfn_alias also invalidated the alias's I range; no I-cache flush after", () => {
    const { kernel, file } = setup("arm1136-32k@2.6.19");
    const [, page] = mappedFilePage(kernel, file);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "d flush va 0xff800000+0x1000 k",
      "i invalidate va 0xff800000+0x1000 k",
    ]);
  });

  it("cortex-a9@3.10 (non-aliasing): the kernel alias and the I-cache, not lazy since the page is mapped", () => {
    const { kernel, file } = setup("cortex-a9@3.10");
    const [, page] = mappedFilePage(kernel, file);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "i invalidate all",
    ]);
  });

  for (const era of ["4.19", "6.6", "catalin-2013"]) {
    it(`cortex-a9@${era}: only clears PG_dcache_clean (the ARMv7 early exit / Catalin's point 1)`, () => {
      const { kernel, file } = setup(`cortex-a9@${era}`);
      const [, page] = mappedFilePage(kernel, file);
      set_bit(PG_arch_1, page);
      expect(flushDcache(kernel, page)).toEqual([]);
      expect(test_bit(PG_arch_1, page)).toBe(false);
    });
  }

  it("arm11mpcore@6.6: maintenance is not broadcast, so no early exit and no lazy path", () => {
    const { kernel, file } = setup("arm11mpcore@6.6");
    const [, page] = mappedFilePage(kernel, file);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "i invalidate all",
    ]);
  });
});

describe("flush_dcache_page: the lazy path", () => {
  it("arm926@3.10: a page-cache page of an unmapped file only clears PG_dcache_clean", () => {
    const { kernel, file } = setup("arm926@3.10");
    const page = kernel.pagecacheFill(file, 0);
    set_bit(PG_arch_1, page);
    expect(flushDcache(kernel, page)).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("arm926@2.6.19: it sets PG_dcache_dirty instead", () => {
    const { kernel, file } = setup("arm926@2.6.19");
    const page = kernel.pagecacheFill(file, 0);
    expect(flushDcache(kernel, page)).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("arm11mpcore@3.10: never lazy when cache_ops_need_broadcast()", () => {
    const { kernel, file } = setup("arm11mpcore@3.10");
    const page = kernel.pagecacheFill(file, 0);
    expect(flushDcache(kernel, page)).toEqual([
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
      "i invalidate all",
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("a page with no PTE of a file mapped elsewhere: flushed by 3.10 (mapping_mapped), deferred by 4.19 (page_mapcount)", () => {
    for (const [era, lazy] of [
      ["3.10", false],
      ["4.19", true],
    ] as const) {
      const { kernel, task, file } = setup(`arm926@${era}`, 2);
      const vma = map(kernel, { file, shared: true, pages: 2 });
      kernel.userLoad(vma.start);
      const page = kernel.pagecacheFill(file, 1);
      const ops = flushDcache(kernel, page);
      if (lazy) expect(ops).toEqual([]);
      else
        expect(ops).toEqual([
          `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
          `d flush va ${hex(vma.start + 0x1000)}+0x1000 u${task.mm!.asid}`,
        ]);
    }
  });

  it("the zero page: returns at once from 2.6.32 on; 2.6.19 flushed its kernel alias", () => {
    const a = setup("arm926@3.10").kernel;
    expect(flushDcache(a, a.zeroPage!)).toEqual([]);
    const b = setup("arm926@2.6.19").kernel;
    expect(flushDcache(b, b.zeroPage!)).toEqual([`d flush va ${hex(kaddr(b, b.zeroPage!))}+0x1000 k`]);
  });

  it("an anonymous page is never deferred: its kernel alias is flushed and PG_dcache_clean set", () => {
    const { kernel } = setup("arm926@3.10");
    const [, page] = anonPage(kernel);
    clear_bit(PG_arch_1, page);
    expect(flushDcache(kernel, page)).toEqual([`d flush va ${hex(kaddr(kernel, page))}+0x1000 k`]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });
});

describe("flush_anon_page (get_user_pages)", () => {
  const call = (
    kernel: Kernel,
    vma: Parameters<Kernel["hooks"]["flush_anon_page"]["call"]>[0],
    page: Parameters<Kernel["hooks"]["flush_anon_page"]["call"]>[1],
  ) => opsOf(kernel, "flush_anon_page", () => kernel.callHook("flush_anon_page", vma, page, vma.start));

  it("arm926@2.6.19: no ARM flush_anon_page yet", () => {
    const { kernel } = setup("arm926@2.6.19");
    const [vma, page] = anonPage(kernel);
    expect(call(kernel, vma, page)).toEqual([]);
  });

  it("arm926@3.10: the user alias by VA, then the kernel alias", () => {
    const { kernel, task } = setup("arm926@3.10");
    const [vma, page] = anonPage(kernel);
    expect(call(kernel, vma, page)).toEqual([
      `d flush va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
    ]);
  });

  it("arm1136-32k@3.10: the user's colour through FLUSH_ALIAS_START, the I-cache, then the kernel alias", () => {
    const { kernel } = setup("arm1136-32k@3.10");
    const [vma, page] = anonPage(kernel, { colour: 1 });
    expect(kernel.machine.colourOf(vma.start)).toBe(1);
    expect(call(kernel, vma, page)).toEqual([
      "d flush va 0xff801000+0x1000 k",
      "i invalidate all",
      `d flush va ${hex(kaddr(kernel, page))}+0x1000 k`,
    ]);
  });

  it("cortex-a9@3.10: nothing (non-aliasing VIPT)", () => {
    const { kernel } = setup("cortex-a9@3.10");
    const [vma, page] = anonPage(kernel);
    expect(call(kernel, vma, page)).toEqual([]);
  });

  it("a page-cache page: nothing (the inline tests PageAnon)", () => {
    const { kernel, file } = setup("arm926@3.10");
    const [vma, page] = mappedFilePage(kernel, file);
    expect(call(kernel, vma, page)).toEqual([]);
  });
});

describe("flush_kernel_dcache_page, era by era", () => {
  const call = (kernel: Kernel, page: Parameters<Kernel["hooks"]["flush_kernel_dcache_page"]["call"]>[0]) =>
    opsOf(kernel, "flush_kernel_dcache_page", () => kernel.callHook("flush_kernel_dcache_page", page));

  it("arm926@3.9: empty (E1)", () => {
    const { kernel } = setup("arm926@3.9");
    expect(call(kernel, anonPage(kernel)[1])).toEqual([]);
  });

  for (const era of ["3.10", "4.19", "catalin-2013"]) {
    it(`arm926@${era}: an anonymous page's kernel alias (ARM 7755/1)`, () => {
      const { kernel } = setup(`arm926@${era}`);
      const page = anonPage(kernel)[1];
      expect(call(kernel, page)).toEqual([`d flush va ${hex(kaddr(kernel, page))}+0x1000 k`]);
    });
  }

  it("arm926@3.10: a page of a mapped file is flushed, a page of an unmapped file is left to the lazy path", () => {
    const { kernel, file } = setup("arm926@3.10");
    const unmappedFile = kernel.createFile("g", 1);
    const lazy = kernel.pagecacheFill(unmappedFile, 0);
    expect(call(kernel, lazy)).toEqual([]);
    const page = mappedFilePage(kernel, file)[1];
    expect(call(kernel, page)).toEqual([`d flush va ${hex(kaddr(kernel, page))}+0x1000 k`]);
  });

  it("arm1136-32k@3.10: the kernel alias only (not the user colour)", () => {
    const { kernel } = setup("arm1136-32k@3.10");
    const page = anonPage(kernel, { colour: 1 })[1];
    expect(call(kernel, page)).toEqual([`d flush va ${hex(kaddr(kernel, page))}+0x1000 k`]);
  });

  it("cortex-a9@3.10 and arm926@6.6: nothing (non-aliasing; removed)", () => {
    for (const profile of ["cortex-a9@3.10", "arm926@6.6"]) {
      const { kernel } = setup(profile);
      expect(call(kernel, anonPage(kernel)[1])).toEqual([]);
    }
  });

  it("arm926@3.10 on a slab page: VM_BUG_ON(PageSlab) in page_mapping (the 2013 Kirkwood BUG)", () => {
    const { kernel } = setup("arm926@3.10");
    const page = kernel.virt_to_page(kernel.kmalloc(64));
    expect(() => kernel.callHook("flush_kernel_dcache_page", page)).toThrow(/VM_BUG_ON\(PageSlab/);
  });
});

describe("flush_cache_page, flush_cache_mm, flush_cache_range", () => {
  it("arm926: an executable user page by VA (D and I); nothing for an mm not active on this CPU", () => {
    const { kernel, task } = setup("arm926@3.10");
    const vma = map(kernel, { prot: RX });
    expect(
      opsOf(kernel, "flush_cache_page", () => kernel.callHook("flush_cache_page", vma, vma.start, 0)),
    ).toEqual([
      `d flush va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
      `i invalidate va ${hex(vma.start)}+0x1000 u${task.mm!.asid}`,
    ]);
    kernel.enter(kernel.createTask("other").threads[0]); // switch_mm drops t from this CPU's mask (VIVT)
    expect(
      opsOf(kernel, "flush_cache_page", () => kernel.callHook("flush_cache_page", vma, vma.start, 0)),
    ).toEqual([]);
  });

  it("arm1136-32k: flush_pfn_alias at the user colour, then the I-cache (3.x); the alias's I range (2.6.19)", () => {
    for (const [era, last] of [
      ["3.10", "i invalidate all"],
      ["2.6.19", "i invalidate va 0xff801000+0x1000 k"],
    ] as const) {
      const { kernel } = setup(`arm1136-32k@${era}`);
      const [vma, page] = anonPage(kernel, { colour: 1 });
      expect(
        opsOf(kernel, "flush_cache_page", () =>
          kernel.callHook("flush_cache_page", vma, vma.start, page.pfn),
        ),
      ).toEqual(["d flush va 0xff801000+0x1000 k", last]);
    }
  });

  it("flush_cache_mm: VIVT the whole cache, aliasing VIPT the whole D-cache, non-aliasing nothing", () => {
    const expected: Record<string, string[]> = {
      "arm926@3.10": ["d flush all", "i invalidate all"],
      "arm1136-32k@3.10": ["d flush all"],
      "cortex-a9@3.10": [],
    };
    for (const [profile, ops] of Object.entries(expected)) {
      const { kernel, task } = setup(profile);
      expect(opsOf(kernel, "flush_cache_mm", () => kernel.callHook("flush_cache_mm", task.mm!))).toEqual(ops);
    }
  });

  it("flush_cache_range of an executable mapping: non-VIVT adds the whole I-cache", () => {
    const { kernel } = setup("cortex-a9@3.10");
    const x = map(kernel, { prot: RX });
    const d = map(kernel, {});
    expect(
      opsOf(kernel, "flush_cache_range", () => kernel.callHook("flush_cache_range", x, x.start, x.end)),
    ).toEqual(["i invalidate all"]);
    expect(
      opsOf(kernel, "flush_cache_range", () => kernel.callHook("flush_cache_range", d, d.start, d.end)),
    ).toEqual([]);
  });

  it("flush_cache_vmap: flush_cache_all except on non-aliasing VIPT", () => {
    const a = setup("arm926@3.10").kernel;
    expect(
      opsOf(a, "flush_cache_vmap", () => a.callHook("flush_cache_vmap", 0xc8000000, 0xc8001000)),
    ).toEqual(["d flush all", "i invalidate all"]);
    const b = setup("cortex-a9@3.10").kernel;
    expect(
      opsOf(b, "flush_cache_vmap", () => b.callHook("flush_cache_vmap", 0xc8000000, 0xc8001000)),
    ).toEqual([]);
  });

  it("flush_icache_range: clean D and invalidate I over the kernel range", () => {
    const { kernel } = setup("cortex-a8@3.10");
    expect(
      opsOf(kernel, "flush_icache_range", () =>
        kernel.callHook("flush_icache_range", 0xc0001000, 0xc0001040),
      ),
    ).toEqual(["d clean va 0xc0001000+0x40 k", "i invalidate va 0xc0001000+0x40 k"]);
  });
});
