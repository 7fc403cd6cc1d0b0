// Fidelity of __update_cache: from update_mmu_cache (≤ v4.6) and from set_pte_at (later), §4.3, §7 B12.
import { PG_arch_1, PROT_READ, test_bit } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { SetPageDcacheDirty } from "../src/index.js";
import { anonTask, hex, opsDuring, opsOf, pageAt, show, sim } from "./helpers.js";

const PAGE = 4096;

/** A page-cache page on a frame of colour `frameColour`, written while its file was unmapped (PG_dcache_dirty), then mmapped (not yet faulted). */
function dirtyThenMapped(profile: string, frameColour: number) {
  const s = sim(profile);
  const { kernel } = s;
  kernel.enter(kernel.createTask("t").threads[0]);
  const file = kernel.createFile("f", 1);
  const page = kernel.pagecacheFill(file, 0, { via: "dma", placement: { colour: frameColour } });
  kernel.callHook("flush_dcache_page", page); // lazy: the file is not mapped
  expect(test_bit(PG_arch_1, page)).toBe(true);
  const vma = kernel.mmap({ name: "m", file, pages: 1, prot: PROT_READ, colour: 1 });
  return { s, page, vma };
}

describe("__update_cache", () => {
  it("3.10, from update_mmu_cache: the first fault at another colour flushes the kernel alias and clears PG_dcache_dirty", () => {
    const { s, page, vma } = dirtyThenMapped("mips/24kc-32k@3.10", 1);
    expect(s.machine.colourOf(vma.start)).toBe(0); // a file mapping is colour-aligned to its pgoff (0), not at the hint's colour 1
    const ops = opsDuring(s.kernel, () => s.kernel.userLoad(vma.start));
    expect(ops.map(show)).toEqual([`d flush va ${hex(s.kernel.page_address(page)!)}+${PAGE}`]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("3.10: the deferred flush runs in update_mmu_cache, not in set_pte_at", () => {
    const { s, page } = dirtyThenMapped("mips/24kc-32k@3.10", 1);
    const { kernel } = s;
    const uaddr = 0x4000_2000; // colour 0, the kernel alias has colour 1
    const ptep = kernel.currentMm!.pte(uaddr);
    const pte = {
      pfn: page.pfn,
      present: true,
      writable: false,
      executable: false,
      user: true,
      cacheable: true,
    };
    expect(opsOf(kernel, "set_pte_at", kernel.currentMm!, uaddr, ptep, pte)).toEqual([]);
    expect(test_bit(PG_arch_1, page)).toBe(true);
    const vma = kernel.currentMm!.vmas[0];
    expect(opsOf(kernel, "update_mmu_cache", vma, uaddr, ptep).map(show)).toEqual([
      `d flush va ${hex(kernel.page_address(page)!)}+${PAGE}`,
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
  });

  it("4.19, from set_pte_at: flushes for a new pfn at another colour, skips a rewrite of the same pfn", () => {
    const { s, page } = dirtyThenMapped("mips/24kc-32k@4.19", 1);
    const { kernel } = s;
    const uaddr = 0x4000_2000; // colour 0, the kernel alias has colour 1
    const ptep = kernel.currentMm!.pte(uaddr);
    const pte = {
      pfn: page.pfn,
      present: true,
      writable: false,
      executable: false,
      user: true,
      cacheable: true,
    };
    expect(opsOf(kernel, "set_pte_at", kernel.currentMm!, uaddr, ptep, pte).map(show)).toEqual([
      `d flush va ${hex(kernel.page_address(page)!)}+${PAGE}`,
    ]);
    expect(test_bit(PG_arch_1, page)).toBe(false);
    SetPageDcacheDirty(page);
    expect(opsOf(kernel, "set_pte_at", kernel.currentMm!, uaddr, ptep, { ...pte, writable: true })).toEqual(
      [],
    );
    expect(test_bit(PG_arch_1, page)).toBe(true); // same pfn: no cache sync
    expect(opsOf(kernel, "update_mmu_cache", kernel.currentMm!.vmas[0], uaddr, ptep)).toEqual([]);
  });

  it("an anonymous page marked dirty: ignored by the 3.10 form (no page_mapping), flushed by the 4.19 form", () => {
    for (const [profile, flushed] of [
      ["mips/24kc-32k@3.10", false],
      ["mips/24kc-32k@4.19", true],
    ] as const) {
      const s = sim(profile);
      const { vma } = anonTask(s, { colour: 1, frameColour: 0 });
      s.kernel.userStore(vma.start, 1);
      const page = pageAt(s.kernel, vma.start);
      SetPageDcacheDirty(page);
      // a second mapping of the page (as fork's copy_page_range would make): set_pte_at, then update_mmu_cache
      const other = s.kernel.createTask("child").mm!;
      const uaddr = vma.start;
      const ptep = other.pte(uaddr);
      const ops = opsDuring(s.kernel, () => {
        s.kernel.callHook("set_pte_at", other, uaddr, ptep, {
          ...ptep.get(),
          ...s.kernel.currentMm!.pte(uaddr).get()!,
        });
        s.kernel.callHook("update_mmu_cache", vma, uaddr, ptep);
      });
      expect(ops.length > 0, profile).toBe(flushed);
      expect(test_bit(PG_arch_1, page), profile).toBe(!flushed);
    }
  });

  it("same colour, non-exec, R2 core without RIXI: every PTE counts as executable, so 4.19 still flushes", () => {
    const { s, page } = dirtyThenMapped("mips/24kc-32k@4.19", 0);
    const { kernel } = s;
    const uaddr = 0x4000_2000; // colour 0, as the kernel alias
    const pte = {
      pfn: page.pfn,
      present: true,
      writable: false,
      executable: false,
      user: true,
      cacheable: true,
    };
    expect(
      opsOf(kernel, "set_pte_at", kernel.currentMm!, uaddr, kernel.currentMm!.pte(uaddr), pte),
    ).toHaveLength(1);
    const old = dirtyThenMapped("mips/24kc-32k@3.10", 0);
    const k = old.s.kernel;
    const ptep = k.currentMm!.pte(uaddr);
    ptep.set(pte);
    expect(opsOf(k, "update_mmu_cache", k.currentMm!.vmas[0], uaddr, ptep)).toEqual([]); // VM_EXEC clear, same colour
    expect(test_bit(PG_arch_1, old.page)).toBe(false); // cleared regardless
  });
});
