// Copying and clearing user pages on MIPS: copy_user_highpage, copy_user_page, clear_user_page
// (arch/mips/mm/init.c, arch/mips/include/asm/page.h), era by era. clear_user_highpage is the generic one
// (include/linux/highmem.h: kmap_atomic, clear_user_page, kunmap_atomic): asm-generic applies.
// Reference: kernel-reference.md §4.3 [MK init.c, MPG], §7 B5, B6.
import { type Address, type Page, VM_EXEC, type Vma } from "@flushlab/core";
import { pages_do_alias } from "./cachetype.js";
import { flush_data_cache_page } from "./flush.js";
import { kmap_coherent, kunmap_coherent } from "./highmem.js";
import { type MipsContext, mappedTest, Page_dcache_dirty } from "./page.js";

/**
 * clear_user_page(addr, vaddr, page) (arch/mips/include/asm/page.h, every era): clear_page(addr) through the kernel
 * alias, then, if the alias and the user address differ in colour, write back and invalidate the alias so the
 * user colour reads the zeros from memory. [MPG]
 */
export function clear_user_page(ctx: MipsContext, to: Address, vaddr: Address, _page: Page): void {
  ctx.kernel.clear_page(to);
  if (pages_do_alias(ctx.info, to, vaddr)) flush_data_cache_page(ctx, to);
}

/**
 * copy_user_page(vto, vfrom, vaddr, to), by era:
 * - `inline-2.6` (page.h before the 2006 COW series) and `inline-2015` (Guenter Roeck's 2015 re-addition for
 *   DAX, §7 B5): copy_page through the kernel addresses, then flush vto if `!cpu_has_ic_fills_f_dc ||
 *   pages_do_alias(vto, vaddr)`;
 * - `kmap_coherent-2006` (init.c of the COW series, 1161275750378-git-send-email-ralf@linux-mips.org): when the
 *   D-cache aliases, read the source through kmap_coherent(virt_to_page(vfrom), vaddr); same flush of vto;
 * - `undefined` (3.x: MIPS no longer defined it, §7 B5): asm-generic's copy_page stands in (nothing calls it:
 *   copy_user_highpage is MIPS's own and DAX does not exist in that era).
 */
export function copy_user_page(
  ctx: MipsContext,
  vto: Address,
  vfrom: Address,
  vaddr: Address,
  _to: Page,
): void {
  const { kernel, info, era } = ctx;
  if (era.copyUserPage === "kmap_coherent-2006" && info.cpu_has_dc_aliases) {
    const from = kernel.virt_to_page(vfrom);
    const kfrom = kmap_coherent(ctx, from, vaddr);
    kernel.copy_page(vto, kfrom);
    kunmap_coherent(ctx);
  } else {
    kernel.copy_page(vto, vfrom);
  }
  if (era.copyUserPage === "undefined") return;
  if (!info.cpu_has_ic_fills_f_dc || pages_do_alias(info, vto, vaddr)) flush_data_cache_page(ctx, vto);
}

/**
 * copy_user_highpage(to, from, vaddr, vma) (arch/mips/mm/init.c; `generic` before the COW series: the
 * include/linux/highmem.h default, asm-generic applies). The destination through kmap_atomic (its kernel
 * alias); the source through kmap_coherent(from, vaddr), at the user's colour, so that a store the user made
 * after the fork-time flush (another thread in fork's window, §7 B6) is read from the user's own lines:
 * - `take-1` (2007 before "take 2", reconstructed from the take-2 thread: UNVERIFIED): kmap_coherent unless the
 *   source is PG_dcache_dirty; the destination flushed if `(VM_EXEC && !cpu_has_ic_fills_f_dc) ||
 *   pages_do_alias(vto, vaddr)` (the 2006 condition);
 * - `take-2`: kmap_coherent only when the source is mapped (page_mapped → page_mapcount → folio_mapped) and not
 *   dirty, else kmap_atomic (KSEG0); the destination flushed if `!cpu_has_ic_fills_f_dc || pages_do_alias(vto,
 *   vaddr)`. [MK init.c; 20071016.023125.59033711.anemo@mba.ocn.ne.jp]
 */
export function copy_user_highpage(ctx: MipsContext, to: Page, from: Page, vaddr: Address, vma: Vma): void {
  const { kernel, info, era } = ctx;
  const vto = kernel.kmap_atomic(to);
  const coherent =
    info.cpu_has_dc_aliases &&
    !Page_dcache_dirty(from) &&
    (era.copyUserHighpage === "take-1" || mappedTest(ctx, from));
  if (coherent) {
    const vfrom = kmap_coherent(ctx, from, vaddr);
    kernel.copy_page(vto, vfrom);
    kunmap_coherent(ctx);
  } else {
    const vfrom = kernel.kmap_atomic(from);
    kernel.copy_page(vto, vfrom);
    kernel.kunmap_atomic(vfrom);
  }
  const flush =
    era.copyUserHighpage === "take-1"
      ? (vma.has(VM_EXEC) && !info.cpu_has_ic_fills_f_dc) || pages_do_alias(info, vto, vaddr)
      : !info.cpu_has_ic_fills_f_dc || pages_do_alias(info, vto, vaddr);
  if (flush) flush_data_cache_page(ctx, vto);
  kernel.kunmap_atomic(vto);
  // smp_wmb(): "Make sure this page is cleared on other CPU's too before using it"
}
