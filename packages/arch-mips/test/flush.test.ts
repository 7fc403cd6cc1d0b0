// Fidelity: the exact maintenance operations each MIPS flush hook issues, per cache type and per era where its
// behaviour changes (kernel-reference.md §4.3).
import {
  clear_bit,
  KernelBug,
  PG_arch_1,
  PROT_READ,
  PROT_WRITE,
  type Simulation,
  test_bit,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { add_to_swap, FIX_N_COLOURS, mipsContextOf, SetPageDcacheDirty } from "../src/index.js";
import { anonTask, hex, opsOf, pageAt, show, sim } from "./helpers.js";

const PAGE = 4096;

/** The FIX_CMAP slot kmap_coherent uses on CPU 0 for user address `uaddr`. */
function cmapSlot(s: Simulation, uaddr: number): number {
  return mipsContextOf(s.kernel).cmap.slotAddress(0, Math.floor(uaddr / PAGE) & (FIX_N_COLOURS - 1));
}

/** A mapped, written anonymous page at user colour `colour` on a frame of `frameColour`. */
function writtenAnon(profile: string, colour: number, frameColour: number) {
  const s = sim(profile);
  const { vma } = anonTask(s, { colour, frameColour });
  s.kernel.userStore(vma.start, 0x11111111);
  return { s, vma, page: pageAt(s.kernel, vma.start) };
}

/** A page-cache page of file `f`, filled by DMA, with the file mapped shared by the current task or not. */
function fileCachePage(profile: string, mapped: boolean) {
  const s = sim(profile);
  const { kernel } = s;
  const task = kernel.createTask("t");
  kernel.enter(task.threads[0]);
  const file = kernel.createFile("f", 1);
  const page = kernel.pagecacheFill(file, 0, { via: "dma", words: [7] });
  if (mapped) kernel.mmap({ name: "m", file, pages: 1, prot: PROT_READ | PROT_WRITE, shared: true });
  return { s, page };
}

describe("flush_anon_page", () => {
  it("3.10, a mapped anonymous page whose kernel alias has another colour: write-back-invalidate through the kmap_coherent window at the user's colour", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    const slot = cmapSlot(s, vma.start);
    expect(s.machine.colourOf(slot)).toBe(1);
    const ops = opsOf(s.kernel, "flush_anon_page", vma, page, vma.start);
    expect(ops.map(show)).toEqual([`d flush va ${hex(slot)}+${PAGE}`]);
    expect(ops[0].linesTouched).toBe(1); // the user's dirty line, written back and dropped
    expect(s.machine.kernelSpace.pte(slot)).toBeUndefined(); // kunmap_coherent removed the wired entry
  });

  it("3.10, the same colour: nothing (the kernel alias's lines are the user's)", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@3.10", 0, 0);
    expect(opsOf(s.kernel, "flush_anon_page", vma, page, vma.start)).toEqual([]);
  });

  it("3.10, a page marked PG_dcache_dirty: the kernel alias instead of kmap_coherent", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    SetPageDcacheDirty(page);
    const ops = opsOf(s.kernel, "flush_anon_page", vma, page, vma.start);
    expect(ops.map(show)).toEqual([`d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`]);
  });

  it("2.6.23, a page marked PG_dcache_dirty: kmap_coherent regardless, and its BUG_ON fires", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@2.6.23", 1, 0);
    SetPageDcacheDirty(page);
    expect(() => s.kernel.callHook("flush_anon_page", vma, page, vma.start)).toThrow(KernelBug);
  });

  it("2.6.19: no MIPS flush_anon_page (the generic empty one)", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@2.6.19", 1, 0);
    expect(opsOf(s.kernel, "flush_anon_page", vma, page, vma.start)).toEqual([]);
  });

  it("r4400@3.10 (4 colours): the slot has the user's colour 3", () => {
    const { s, vma, page } = writtenAnon("mips/r4400@3.10", 3, 1);
    const slot = cmapSlot(s, vma.start);
    expect(s.machine.colourOf(slot)).toBe(3);
    expect(opsOf(s.kernel, "flush_anon_page", vma, page, vma.start).map(show)).toEqual([
      `d flush va ${hex(slot)}+${PAGE}`,
    ]);
  });

  it("a non-aliasing D-cache (24kc-32k-ar): nothing", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k-ar@6.6", 1, 0);
    expect(opsOf(s.kernel, "flush_anon_page", vma, page, vma.start)).toEqual([]);
  });
});

describe("flush_dcache_page", () => {
  it("3.10, a page-cache page of a mapped file: write-back-invalidate of the kernel alias only (no i_mmap walk)", () => {
    const { s, page } = fileCachePage("mips/24kc-32k@3.10", true);
    expect(opsOf(s.kernel, "flush_dcache_page", page).map(show)).toEqual([
      `d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`,
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("3.10, a page-cache page of an unmapped file: lazy, only PG_dcache_dirty", () => {
    const { s, page } = fileCachePage("mips/24kc-32k@3.10", false);
    expect(opsOf(s.kernel, "flush_dcache_page", page)).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });

  it("an anonymous page (no mapping): the kernel alias at once", () => {
    const { s, page } = writtenAnon("mips/24kc-32k@6.6", 1, 0);
    expect(opsOf(s.kernel, "flush_dcache_page", page).map(show)).toEqual([
      `d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`,
    ]);
  });

  it("an anonymous page in the swap cache: lazy up to 3.10 (page_mapping is &swapper_space), flushed in 4.19 (page_mapping_file)", () => {
    for (const [profile, ops, dirty] of [
      ["mips/24kc-32k@3.10", 0, true],
      ["mips/24kc-32k@4.19", 1, false],
    ] as const) {
      const { s, page } = writtenAnon(profile, 1, 0);
      add_to_swap(page);
      expect(opsOf(s.kernel, "flush_dcache_page", page), profile).toHaveLength(ops);
      expect(test_bit(PG_arch_1, page), profile).toBe(dirty);
    }
  });

  it("a non-aliasing D-cache whose I-cache does not fill from D: 3.10 flushes the kernel alias; 6.6 only sets PG_dcache_dirty", () => {
    const old = fileCachePage("mips/24kc-32k-ar@3.10", true);
    expect(opsOf(old.s.kernel, "flush_dcache_page", old.page)).toHaveLength(1);
    const current = fileCachePage("mips/24kc-32k-ar@6.6", true);
    expect(opsOf(current.s.kernel, "flush_dcache_page", current.page)).toEqual([]);
    expect(test_bit(PG_arch_1, current.page)).toBe(true);
  });

  it("cpu_has_ic_fills_f_dc and no aliases (au1500, loongson3): nothing, not even the bit", () => {
    for (const profile of ["mips/au1500@6.6", "mips/au1500@3.10", "mips/loongson3@4.19"]) {
      const { s, page } = fileCachePage(profile, true);
      expect(opsOf(s.kernel, "flush_dcache_page", page), profile).toEqual([]);
      expect(test_bit(PG_arch_1, page), profile).toBe(false);
    }
  });
});

describe("flush_cache_mm, flush_cache_range, flush_cache_dup_mm", () => {
  it("flush_cache_mm blasts the whole D-cache on an aliasing CPU, for an mm that has run; nothing otherwise", () => {
    const { s, vma } = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    expect(opsOf(s.kernel, "flush_cache_mm", vma.mm).map(show)).toEqual(["d flush all"]);
    const never = s.kernel.createTask("idle");
    expect(opsOf(s.kernel, "flush_cache_mm", never.mm!)).toEqual([]);
    for (const profile of ["mips/24kc-32k-ar@3.10", "mips/loongson3@6.6"]) {
      const other = writtenAnon(profile, 1, 0);
      expect(opsOf(other.s.kernel, "flush_cache_mm", other.vma.mm), profile).toEqual([]);
    }
  });

  it("flush_cache_range: D on aliasing caches, D and I for exec mappings, I only where the I-cache fills from D", () => {
    const aliasing = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    expect(
      opsOf(aliasing.s.kernel, "flush_cache_range", aliasing.vma, aliasing.vma.start, aliasing.vma.end).map(
        show,
      ),
    ).toEqual(["d flush all"]);
    const exec = (profile: string) => {
      const s = sim(profile);
      const { vma } = anonTask(s, { colour: 0, frameColour: 0, exec: true });
      s.kernel.userStore(vma.start, 1);
      return opsOf(s.kernel, "flush_cache_range", vma, vma.start, vma.end).map(show);
    };
    expect(exec("mips/24kc-32k-ar@3.10")).toEqual(["d flush all", "i invalidate all"]);
    expect(exec("mips/au1500@3.10")).toEqual(["i invalidate all"]);
    expect(exec("mips/loongson3@6.6")).toEqual([]);
    const plain = writtenAnon("mips/24kc-32k-ar@3.10", 0, 0);
    expect(opsOf(plain.s.kernel, "flush_cache_range", plain.vma, plain.vma.start, plain.vma.end)).toEqual([]);
  });

  it("flush_cache_dup_mm: flush_cache_mm in 2.6.19, nothing once kmap_coherent handles COW", () => {
    const old = writtenAnon("mips/24kc-32k@2.6.19", 1, 0);
    expect(opsOf(old.s.kernel, "flush_cache_dup_mm", old.vma.mm).map(show)).toEqual(["d flush all"]);
    const later = writtenAnon("mips/24kc-32k@2.6.23", 1, 0);
    expect(opsOf(later.s.kernel, "flush_cache_dup_mm", later.vma.mm)).toEqual([]);
  });
});

describe("flush_cache_page", () => {
  it("the CPU's active mm: hit ops on the user address itself", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    const ops = opsOf(s.kernel, "flush_cache_page", vma, vma.start, page.pfn);
    expect(ops.map((o) => [show(o), o.scope === "va" ? o.asid : null])).toEqual([
      [`d flush va ${hex(vma.start)}+${PAGE}`, vma.mm.asid],
    ]);
  });

  it("another mm, 3.10: through kmap_coherent at the user's colour (kmap_atomic's kernel alias when dirty)", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@3.10", 1, 0);
    s.kernel.enter(s.kernel.createTask("other").threads[0]);
    expect(opsOf(s.kernel, "flush_cache_page", vma, vma.start, page.pfn).map(show)).toEqual([
      `d flush va ${hex(cmapSlot(s, vma.start))}+${PAGE}`,
    ]);
    SetPageDcacheDirty(page);
    expect(opsOf(s.kernel, "flush_cache_page", vma, vma.start, page.pfn).map(show)).toEqual([
      `d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`,
    ]);
  });

  it("another mm, 2.6.19: an indexed flush at the user address's index (the page's lines at the user colour)", () => {
    const { s, vma, page } = writtenAnon("mips/24kc-32k@2.6.19", 1, 0);
    s.kernel.enter(s.kernel.createTask("other").threads[0]);
    const ops = opsOf(s.kernel, "flush_cache_page", vma, vma.start, page.pfn);
    expect(ops.map(show)).toEqual([`d flush pa ${hex(page.pfn * PAGE)}+${PAGE} @colour 1`]);
    expect(ops[0].linesTouched).toBe(1);
  });

  it("an exec mapping adds the I-cache page; loongson3 does nothing at all", () => {
    const s = sim("mips/24kc-32k@6.6");
    const { vma } = anonTask(s, { colour: 1, frameColour: 0, exec: true });
    s.kernel.userStore(vma.start, 1);
    const page = pageAt(s.kernel, vma.start);
    expect(opsOf(s.kernel, "flush_cache_page", vma, vma.start, page.pfn).map(show)).toEqual([
      `d flush va ${hex(vma.start)}+${PAGE}`,
      `i invalidate va ${hex(vma.start)}+${PAGE}`,
    ]);
    const l = sim("mips/loongson3@6.6");
    const { vma: lv } = anonTask(l, { colour: 0, frameColour: 0, exec: true });
    l.kernel.userStore(lv.start, 1);
    expect(opsOf(l.kernel, "flush_cache_page", lv, lv.start, pageAt(l.kernel, lv.start).pfn)).toEqual([]);
  });
});

describe("flush_icache_range, vmap", () => {
  it("a small range: D write-back over the range then I invalidate; the I-cache filling from D skips the D part", () => {
    const s = sim("mips/24kc-32k@6.6");
    const k = s.kernel.kmalloc(64);
    expect(opsOf(s.kernel, "flush_icache_range", k, k + 64).map(show)).toEqual([
      `d flush va ${hex(k)}+64`,
      `i invalidate va ${hex(k)}+64`,
    ]);
    const a = sim("mips/au1500@6.6");
    const ka = a.kernel.kmalloc(64);
    expect(opsOf(a.kernel, "flush_icache_range", ka, ka + 64).map(show)).toEqual([
      `i invalidate va ${hex(ka)}+64`,
    ]);
  });

  it("a range at least as big as the caches: index blasts; Loongson-3 keeps r4k_flush_icache_range (not cache_noop)", () => {
    const s = sim("mips/24kc-32k@6.6");
    const start = 0x8000_0000;
    expect(opsOf(s.kernel, "flush_icache_range", start, start + 40 * 1024).map(show)).toEqual([
      "d flush all",
      "i invalidate all",
    ]);
    const l = sim("mips/loongson3@6.6");
    const k = l.kernel.kmalloc(64);
    expect(opsOf(l.kernel, "flush_icache_range", k, k + 64).map(show)).toEqual([
      `i invalidate va ${hex(k)}+64`,
    ]);
  });

  it("flush_cache_vmap blasts D on an aliasing cache; flush_kernel_vmap_range flushes the range from 4.19", () => {
    const s = sim("mips/24kc-32k@4.19");
    expect(opsOf(s.kernel, "flush_cache_vmap", 0xc000_0000, 0xc000_1000).map(show)).toEqual(["d flush all"]);
    const k = s.kernel.kmalloc(128);
    expect(opsOf(s.kernel, "flush_kernel_vmap_range", k, 128).map(show)).toEqual([
      `d flush va ${hex(k)}+128`,
    ]);
    const old = sim("mips/24kc-32k@3.10");
    const ko = old.kernel.kmalloc(128);
    expect(opsOf(old.kernel, "flush_kernel_vmap_range", ko, 128)).toEqual([]);
    const ar = sim("mips/24kc-32k-ar@4.19");
    expect(opsOf(ar.kernel, "flush_cache_vmap", 0xc000_0000, 0xc000_1000)).toEqual([]);
  });
});

describe("flush_kernel_dcache_page", () => {
  it("2.6.19 and 3.10: no maintenance (the generic empty inline, then BUG_ON(highmem) only); 6.6: removed", () => {
    for (const profile of ["mips/24kc-32k@2.6.19", "mips/24kc-32k@3.10", "mips/24kc-32k@6.6"]) {
      const { s, page } = writtenAnon(profile, 1, 0);
      expect(opsOf(s.kernel, "flush_kernel_dcache_page", page), profile).toEqual([]);
    }
  });

  it("4.19 (Paul Burton, 2016): flush_dcache_page: an anonymous page's kernel alias at once", () => {
    const { s, page } = writtenAnon("mips/24kc-32k@4.19", 1, 0);
    const nested: string[] = [];
    const stop = s.kernel.observe({ hookEnter: (call) => void (call.depth === 1 && nested.push(call.hook)) });
    const ops = opsOf(s.kernel, "flush_kernel_dcache_page", page).map(show);
    stop();
    expect(nested).toEqual(["flush_dcache_page"]);
    expect(ops).toEqual([`d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`]);
  });

  it("4.19: an unmapped page-cache page is only marked PG_dcache_dirty (the lazy path of flush_dcache_page)", () => {
    const { s, page } = fileCachePage("mips/24kc-32k@4.19", false);
    clear_bit(PG_arch_1, page);
    expect(opsOf(s.kernel, "flush_kernel_dcache_page", page)).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
  });
});

describe("era differences on the non-aliasing 24K (flush_dcache_page still runs: its I-cache does not fill from D)", () => {
  /** A highmem page-cache page of a file mapped shared by the current task. */
  function highmemFilePage(profile: string) {
    const s = sim(profile);
    const { kernel } = s;
    kernel.enter(kernel.createTask("t").threads[0]);
    const file = kernel.createFile("f", 1);
    const page = kernel.pagecacheFill(file, 0, { via: "dma", placement: { highmem: true } });
    kernel.mmap({ name: "m", file, pages: 1, prot: PROT_READ | PROT_WRITE, shared: true });
    return { s, page };
  }

  it("a highmem page: 3.10 returns at once, 4.19 flushes it through kmap_atomic's fixmap slot", () => {
    const old = highmemFilePage("mips/24kc-32k-ar@3.10");
    expect(opsOf(old.s.kernel, "flush_dcache_page", old.page)).toEqual([]);
    const later = highmemFilePage("mips/24kc-32k-ar@4.19");
    const ops = opsOf(later.s.kernel, "flush_dcache_page", later.page);
    expect(ops).toHaveLength(1);
    expect(ops[0].scope === "va" && ops[0].start >= later.s.kernel.layout.fixaddrStart).toBe(true);
  });

  it("flush_icache_page: 3.10 flushes the kernel alias of a dirty page mapped executable; 4.19 has an empty one", () => {
    for (const [profile, ops] of [
      ["mips/24kc-32k@3.10", 1],
      ["mips/24kc-32k@4.19", 0],
    ] as const) {
      const s = sim(profile);
      const { vma } = anonTask(s, { colour: 0, frameColour: 0, exec: true });
      const file = s.kernel.createFile("f", 1);
      const cached = s.kernel.pagecacheFill(file, 0, { via: "dma" });
      s.kernel.mmap({ name: "x", file, pages: 1, prot: PROT_READ, shared: true });
      SetPageDcacheDirty(cached);
      expect(opsOf(s.kernel, "flush_icache_page", vma, cached), profile).toHaveLength(ops);
    }
  });
});
