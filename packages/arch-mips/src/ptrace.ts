// ptrace's accesses to another process's page on MIPS: copy_to_user_page and copy_from_user_page
// (arch/mips/include/asm/cacheflush.h before the 2006 COW series, arch/mips/mm/init.c after), era by era.
// The `kmap_coherent` era is the one in which `ps` could kill the machine: reading /proc/PID/cmdline goes through
// copy_from_user_page, whose kmap_coherent BUG_ONs a page marked PG_dcache_dirty (§7 B7).
// Reference: kernel-reference.md §4.3 [MK init.c], §7 B6, B7.
import { type Address, type Page, PageHighMem, VM_EXEC, type Vma } from "@flushlab/core";
import { flush_data_cache_page } from "./flush.js";
import { kmap_coherent, kunmap_coherent } from "./highmem.js";
import { kernelAlias, type MipsContext, mappedTest, Page_dcache_dirty, SetPageDcacheDirty } from "./page.js";

const offsetIn = (ctx: MipsContext, vaddr: Address) => vaddr % ctx.kernel.pageSize;

/** Whether this copy goes through kmap_coherent at the user's colour (rather than through `dst`/`src`). */
function throughKmapCoherent(ctx: MipsContext, page: Page): boolean {
  if (!ctx.info.cpu_has_dc_aliases) return false;
  if (ctx.era.ptraceCopy === "kmap_coherent") return true;
  return ctx.era.ptraceCopy === "mapped-test" && mappedTest(ctx, page) && !Page_dcache_dirty(page);
}

/**
 * __flush_icache_page(vma, page) as 2.6.19's copy_to_user_page called it (arch/mips/mm/cache.c): write back and
 * invalidate the kernel alias, highmem pages excepted.
 */
function __flush_icache_page(ctx: MipsContext, page: Page): void {
  if (PageHighMem(page)) return;
  flush_data_cache_page(ctx, kernelAlias(ctx, page)!);
}

/**
 * copy_to_user_page(vma, page, vaddr, dst, src, len), by era:
 * - `flush_cache_page` (≤ 2.6.19, cacheflush.h): `if (cpu_has_dc_aliases) flush_cache_page(vma, vaddr, pfn)`;
 *   memcpy to `dst` (the kmap, the kernel alias); __flush_icache_page(vma, page);
 * - `kmap_coherent` (COW series to "take 2"): with an aliasing D-cache, memcpy into kmap_coherent(page, vaddr)
 *   (BUG_ON if the page is PG_dcache_dirty), else to `dst`;
 * - `mapped-test` (from "take 2"): kmap_coherent only for a mapped page not marked dirty; else memcpy to `dst`
 *   and, with an aliasing D-cache, SetPageDcacheDirty (the flush is paid when a PTE is next installed).
 * Then flush_cache_page(vma, vaddr, pfn) if `VM_EXEC && !cpu_has_ic_fills_f_dc` (2006 – 3.x) or `VM_EXEC`
 * (v5.x; release of the change UNVERIFIED). [MK init.c; 1161275750378-git-send-email-ralf@linux-mips.org]
 */
export function copy_to_user_page(
  ctx: MipsContext,
  vma: Vma,
  page: Page,
  vaddr: Address,
  dst: Address,
  src: readonly number[],
  len: number,
): void {
  const { kernel, info, era } = ctx;
  const words = src.slice(0, len / 4);
  if (era.ptraceCopy === "flush_cache_page") {
    if (info.cpu_has_dc_aliases) kernel.hooks.flush_cache_page.call(vma, vaddr, page.pfn);
    kernel.writeKernel(dst, words);
    __flush_icache_page(ctx, page);
    return;
  }
  if (throughKmapCoherent(ctx, page)) {
    const vto = kmap_coherent(ctx, page, vaddr) + offsetIn(ctx, vaddr);
    kernel.writeKernel(vto, words);
    kunmap_coherent(ctx);
  } else {
    kernel.writeKernel(dst, words);
    if (era.ptraceCopy === "mapped-test" && info.cpu_has_dc_aliases) SetPageDcacheDirty(page);
  }
  const exec = vma.has(VM_EXEC);
  if (era.ptraceExecFlush === "exec" ? exec : exec && !info.cpu_has_ic_fills_f_dc) {
    kernel.hooks.flush_cache_page.call(vma, vaddr, page.pfn);
  }
}

/**
 * copy_from_user_page(vma, page, vaddr, dst, src, len), by era: as copy_to_user_page for the read
 * (`flush_cache_page`: flush first, then memcpy from `src`); in the `mapped-test` era the else branch also sets
 * PG_dcache_dirty ("After copy_from_user_page the page will reside in the D-cache ... we better make sure its
 * kernel address will get flushed before mapping it to user space", Ralf Baechle, 20071015182811.GA20157). [MK]
 */
export function copy_from_user_page(
  ctx: MipsContext,
  vma: Vma,
  page: Page,
  vaddr: Address,
  dst: number[],
  src: Address,
  len: number,
): void {
  const { kernel, info, era } = ctx;
  if (era.ptraceCopy === "flush_cache_page") {
    if (info.cpu_has_dc_aliases) kernel.hooks.flush_cache_page.call(vma, vaddr, page.pfn);
    dst.push(...kernel.readKernel(src, len));
    return;
  }
  if (throughKmapCoherent(ctx, page)) {
    const vfrom = kmap_coherent(ctx, page, vaddr) + offsetIn(ctx, vaddr);
    dst.push(...kernel.readKernel(vfrom, len));
    kunmap_coherent(ctx);
  } else {
    dst.push(...kernel.readKernel(src, len));
    if (era.ptraceCopy === "mapped-test" && info.cpu_has_dc_aliases) SetPageDcacheDirty(page);
  }
}
