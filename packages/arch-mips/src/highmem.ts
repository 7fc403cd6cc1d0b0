// kmap on MIPS, and the coloured kernel window that is MIPS's answer to aliasing: kmap_coherent and
// kunmap_coherent (arch/mips/mm/init.c). Reference: kernel-reference.md §4.2 [MK init.c], §4.3 (kmap row).
//
// kmap / kunmap / kmap_atomic / kunmap_atomic: nothing MIPS-specific to model. On an aliasing D-cache the kernel
// has no highmem (paging_init: "This processor doesn't support highmem"), so kmap and kmap_atomic return
// page_address (KSEG0) and the unmaps do nothing: asm-generic (include/linux/highmem.h) applies. On the
// non-aliasing presets with highmem (24kc-32k-ar, au1500) arch/mips/mm/highmem.c's kmap_atomic is the fixmap
// slot kmap_atomic of asm-generic, without cache maintenance: asm-generic applies again.
import { BUG_ON, type Kernel, KernelBug, type Page } from "@flushlab/core";
import type { MipsContext } from "./page.js";
import { Page_dcache_dirty } from "./page.js";

/** FIX_N_COLOURS (arch/mips/include/asm/fixmap.h): colour slots of FIX_CMAP, 8 (enough for 8 colours). */
export const FIX_N_COLOURS = 8;

/** The name of the FIX_CMAP window in the kernel's architecture windows. */
export const FIX_CMAP = "FIX_CMAP";

/**
 * The FIX_CMAP slots of one kernel. Linux writes a wired TLB entry for slot `idx` on the current CPU, so every CPU
 * has its own translation of the same virtual address; flushlab's kernel page table is shared by the CPUs, so each
 * CPU gets its own block of FIX_N_COLOURS pages, at the same colours (the window is aligned to the D-cache way:
 * slot idx has colour idx mod colours, the colour of the user address that chose it). The wired entries of a CPU
 * form a stack: kunmap_coherent removes the last one.
 */
export class FixCmap {
  private readonly base: number;
  private readonly wired: number[][];

  constructor(private readonly kernel: Kernel) {
    const cpus = kernel.machine.config.cpus;
    this.base = kernel.reserveWindow(FIX_CMAP, FIX_N_COLOURS * cpus).base;
    this.wired = Array.from({ length: cpus }, () => []);
  }

  /** The virtual address of slot `idx` on `cpu`. */
  slotAddress(cpu: number, idx: number): number {
    return this.base + (cpu * FIX_N_COLOURS + idx) * this.kernel.pageSize;
  }

  /** Whether `vaddr` is a FIX_CMAP slot (of any CPU). */
  contains(vaddr: number): boolean {
    const end = this.base + FIX_N_COLOURS * this.wired.length * this.kernel.pageSize;
    return vaddr >= this.base && vaddr < end;
  }

  /** The wired FIX_CMAP addresses of `cpu`, oldest first. */
  wiredOn(cpu: number): readonly number[] {
    return this.wired[cpu];
  }

  /** Write the wired entry: `vaddr` → `page` on the current CPU. */
  wire(vaddr: number, page: Page): void {
    const cpu = this.kernel.cpu;
    if (this.wired[cpu].includes(vaddr)) {
      // Two wired TLB entries for one virtual address: the TLB raises a machine check on the next access.
      throw new KernelBug(
        `kmap_coherent: FIX_CMAP slot 0x${vaddr.toString(16)} is already wired on CPU ${cpu} (duplicate TLB entry: machine check)`,
        "arch/mips/mm/init.c: kmap_coherent",
      );
    }
    this.wired[cpu].push(vaddr);
    this.kernel.mapKernelPte(vaddr, page.pfn);
  }

  /** Remove the last wired entry of the current CPU; returns its address. */
  unwire(): number {
    const cpu = this.kernel.cpu;
    const vaddr = this.wired[cpu].pop();
    if (vaddr === undefined) {
      throw new KernelBug(
        `kunmap_coherent on CPU ${cpu} with no kmap_coherent mapping (wired count underflow)`,
        "arch/mips/mm/init.c: kunmap_coherent",
      );
    }
    this.kernel.clearKernelPte(vaddr);
    return vaddr;
  }
}

/**
 * kmap_coherent(page, addr) (arch/mips/mm/init.c, __kmap_pgprot since v5.x; introduced by the 2006 COW series,
 * BUG_ON added by the 2007 "Fix aliasing bug in copy_user_highpage" commit 6a36458d9348): BUG_ON a page marked
 * PG_dcache_dirty (its kernel alias may hold newer data than the user colour: mapping it at the user colour would
 * read stale lines); slot idx = (addr >> PAGE_SHIFT) & (FIX_N_COLOURS - 1), so the kernel address has the colour of
 * the user address `addr`; a wired TLB entry maps it to the page. No cache maintenance. [MK init.c]
 */
export function kmap_coherent(ctx: MipsContext, page: Page, addr: number): number {
  BUG_ON(
    Page_dcache_dirty(page),
    `kmap_coherent(pfn ${page.pfn}, 0x${(addr >>> 0).toString(16)}): the page is marked PG_dcache_dirty`,
    "arch/mips/mm/init.c: kmap_coherent",
  );
  const { kernel } = ctx;
  const idx = Math.floor(addr / kernel.pageSize) & (FIX_N_COLOURS - 1);
  const vaddr = ctx.cmap.slotAddress(kernel.cpu, idx);
  ctx.cmap.wire(vaddr, page);
  return vaddr;
}

/** kunmap_coherent() (arch/mips/mm/init.c): remove the last wired entry. No cache maintenance. [MK init.c] */
export function kunmap_coherent(ctx: MipsContext): void {
  ctx.cmap.unwire();
}
