// copy_user_highpage and clear_user_highpage through `cpu_user` (arch/arm/mm/copypage-*.c): the COW copy and
// the zeroing of a new anonymous page, per CPU type (cpus.ts `arm.copypage`):
// - v4wb (StrongARM, ARM926): invalidate each destination line of the kernel alias just before storing it, so
//   that with a read-allocate cache the stores go through the write buffer to memory and leave no line;
// - feroceon: store a line, then clean and invalidate it;
// - v6 on an aliasing VIPT cache: read the source and write the destination through COPYPAGE_V6_FROM/TO
//   windows at the colour of the user address, after discarding the destination's kernel alias;
// - v6 on a non-aliasing cache (ARMv6 non-aliasing, every ARMv7): a plain copy through kmap_atomic.
// copy_user_page / clear_user_page (used only by the DAX COW path here) stay asm-generic.
import { type Address, type Page, replaceHook, type Vma } from "@flushlab/core";
import { type ArmKernel, CACHE_COLOUR, cache_is_vipt_aliasing, dcacheState } from "./cachetype.js";
import { __flush_dcache_page, arm_page_mapping } from "./flush.js";

/** Invalidate (discard) the D line at kernel address `va` (`mcr p15, 0, va, c7, c6, 1`). */
function invalidateDline(arm: ArmKernel, va: Address): void {
  arm.kernel.maintain("d", "invalidate", {
    scope: "va",
    start: va,
    length: arm.l1CacheBytes,
    asid: arm.kernelAsid,
  });
}

/** Clean and invalidate the D line at kernel address `va` (`mcr p15, 0, va, c7, c14, 1`). */
function flushDline(arm: ArmKernel, va: Address): void {
  arm.kernel.maintain("d", "flush", {
    scope: "va",
    start: va,
    length: arm.l1CacheBytes,
    asid: arm.kernelAsid,
  });
}

/** One line of zeros, for the clear loops' stores. */
function zeroLine(arm: ArmKernel): number[] {
  return new Array<number>(arm.l1CacheBytes / 4).fill(0);
}

// arch/arm/mm/copypage-v4wb.c v4wb_copy_user_highpage(), v3.10 (AK; ACP26 without flush_cache_page)
/**
 * v4wb_copy_user_highpage(to, from, vaddr, vma): kmap_atomic both pages; flush_cache_page of the source's user
 * alias (from v2.6.32: the user's dirty data reaches memory before the kernel alias reads it); then per
 * destination line: load the source line through its kernel alias, invalidate the destination line, store it;
 * drain the write buffer.
 */
export function v4wb_copy_user_highpage(
  arm: ArmKernel,
  to: Page,
  from: Page,
  vaddr: Address,
  vma: Vma,
): void {
  const { kernel } = arm;
  const kto = kernel.kmap_atomic(to);
  const kfrom = kernel.kmap_atomic(from);
  if (arm.era.v4wbFlushesSource) kernel.hooks.flush_cache_page.call(vma, vaddr, from.pfn);
  for (let o = 0; o < kernel.pageSize; o += arm.l1CacheBytes) {
    const words = kernel.readKernel(kfrom + o, arm.l1CacheBytes);
    invalidateDline(arm, kto + o);
    kernel.writeKernel(kto + o, words);
  }
  kernel.kunmap_atomic(kfrom);
  kernel.kunmap_atomic(kto);
}

// arch/arm/mm/copypage-v4wb.c v4wb_clear_user_highpage(), v3.10 (AK)
/** v4wb_clear_user_highpage(page, vaddr): per line of the kernel alias: invalidate it, store zeros. */
export function v4wb_clear_user_highpage(arm: ArmKernel, page: Page, _vaddr: Address): void {
  const { kernel } = arm;
  const kaddr = kernel.kmap_atomic(page);
  const zeros = zeroLine(arm);
  for (let o = 0; o < kernel.pageSize; o += arm.l1CacheBytes) {
    invalidateDline(arm, kaddr + o);
    kernel.writeKernel(kaddr + o, zeros);
  }
  kernel.kunmap_atomic(kaddr);
}

// arch/arm/mm/copypage-feroceon.c feroceon_copy_user_highpage(), v3.10
/**
 * feroceon_copy_user_highpage(to, from, vaddr, vma): kmap_atomic both; flush_cache_page of the source's user
 * alias (as v4wb, from v2.6.32); per line: load the source line, store it to the destination, clean and
 * invalidate the destination line; drain.
 */
export function feroceon_copy_user_highpage(
  arm: ArmKernel,
  to: Page,
  from: Page,
  vaddr: Address,
  vma: Vma,
): void {
  const { kernel } = arm;
  const kto = kernel.kmap_atomic(to);
  const kfrom = kernel.kmap_atomic(from);
  if (arm.era.v4wbFlushesSource) kernel.hooks.flush_cache_page.call(vma, vaddr, from.pfn);
  for (let o = 0; o < kernel.pageSize; o += arm.l1CacheBytes) {
    const words = kernel.readKernel(kfrom + o, arm.l1CacheBytes);
    kernel.writeKernel(kto + o, words);
    flushDline(arm, kto + o);
  }
  kernel.kunmap_atomic(kfrom);
  kernel.kunmap_atomic(kto);
}

// arch/arm/mm/copypage-feroceon.c feroceon_clear_user_highpage(), v3.10
/** feroceon_clear_user_highpage(page, vaddr): per line: store zeros, clean and invalidate the line. */
export function feroceon_clear_user_highpage(arm: ArmKernel, page: Page, _vaddr: Address): void {
  const { kernel } = arm;
  const kaddr = kernel.kmap_atomic(page);
  const zeros = zeroLine(arm);
  for (let o = 0; o < kernel.pageSize; o += arm.l1CacheBytes) {
    kernel.writeKernel(kaddr + o, zeros);
    flushDline(arm, kaddr + o);
  }
  kernel.kunmap_atomic(kaddr);
}

/**
 * discard_old_kernel_data(kto) (copypage-v6.c): invalidate (no clean) the kernel alias of the new page.
 * "Not highmem safe": for a highmem page page_address() is NULL and the invalidate hits [0, PAGE_SIZE) of the
 * current mm (modelled so; nothing is mapped there in practice).
 */
function discard_old_kernel_data(arm: ArmKernel, page: Page): void {
  const { kernel } = arm;
  const kto = kernel.page_address(page);
  if (kto !== null) {
    kernel.maintain("d", "invalidate", {
      scope: "va",
      start: kto,
      length: kernel.pageSize,
      asid: arm.kernelAsid,
    });
    return;
  }
  const mm = kernel.activeMm(kernel.cpu);
  if (mm !== null)
    kernel.maintain("d", "invalidate", { scope: "va", start: 0, length: kernel.pageSize, asid: mm.asid });
}

// arch/arm/mm/copypage-v6.c v6_copy_user_highpage_aliasing(), v3.10 (AK; ACP26: PG_dcache_dirty)
/**
 * v6_copy_user_highpage_aliasing(to, from, vaddr, vma): if the source's kernel alias owes a flush
 * (PG_dcache_clean clear; 2.6: PG_dcache_dirty set), __flush_dcache_page(page_mapping(from), from); discard the
 * destination's kernel alias; map source and destination at COPYPAGE_V6_FROM/TO + CACHE_COLOUR(vaddr) and
 * copy: both the read and the write happen at the user's colour, where the new PTE will find the lines.
 */
export function v6_copy_user_highpage_aliasing(arm: ArmKernel, to: Page, from: Page, vaddr: Address): void {
  const { kernel } = arm;
  if (dcacheState.takeOwedFlush(arm, from)) __flush_dcache_page(arm, arm_page_mapping(arm, from), from);
  discard_old_kernel_data(arm, to);
  const offset = CACHE_COLOUR(arm, vaddr) * kernel.pageSize;
  const kfrom = arm.windows!.copypageFrom + offset;
  const kto = arm.windows!.copypageTo + offset;
  kernel.mapKernelPte(kfrom, from.pfn); // set_top_pte
  kernel.mapKernelPte(kto, to.pfn);
  kernel.copy_page(kto, kfrom);
}

// arch/arm/mm/copypage-v6.c v6_clear_user_highpage_aliasing(), v3.10 (AK)
/** v6_clear_user_highpage_aliasing(page, vaddr): discard the kernel alias, clear at COPYPAGE_V6_TO + colour. */
export function v6_clear_user_highpage_aliasing(arm: ArmKernel, page: Page, vaddr: Address): void {
  const { kernel } = arm;
  discard_old_kernel_data(arm, page);
  const to = arm.windows!.copypageTo + CACHE_COLOUR(arm, vaddr) * kernel.pageSize;
  kernel.mapKernelPte(to, page.pfn);
  kernel.clear_page(to);
}

// arch/arm/mm/copypage-v6.c v6_copy_user_highpage_nonaliasing(), v3.10 (AK)
/** v6_copy_user_highpage_nonaliasing(to, from, vaddr, vma): kmap_atomic both, copy_page, unmap. */
export function v6_copy_user_highpage_nonaliasing(arm: ArmKernel, to: Page, from: Page): void {
  const { kernel } = arm;
  const kfrom = kernel.kmap_atomic(from);
  const kto = kernel.kmap_atomic(to);
  kernel.copy_page(kto, kfrom);
  kernel.kunmap_atomic(kto);
  kernel.kunmap_atomic(kfrom);
}

// arch/arm/mm/copypage-v6.c v6_clear_user_highpage_nonaliasing(), v3.10 (AK)
/** v6_clear_user_highpage_nonaliasing(page, vaddr): kmap_atomic, clear_page, kunmap_atomic. */
export function v6_clear_user_highpage_nonaliasing(arm: ArmKernel, page: Page): void {
  const { kernel } = arm;
  const kaddr = kernel.kmap_atomic(page);
  kernel.clear_page(kaddr);
  kernel.kunmap_atomic(kaddr);
}

// arch/arm/mm/copypage-*.c via cpu_user (arch/arm/include/asm/page.h __cpu_copy_user_highpage)
/** copy_user_highpage(to, from, vaddr, vma): the CPU's implementation. */
export function copy_user_highpage(arm: ArmKernel, to: Page, from: Page, vaddr: Address, vma: Vma): void {
  const kind = arm.cpu.arm.copypage;
  if (kind === "v4wb") v4wb_copy_user_highpage(arm, to, from, vaddr, vma);
  else if (kind === "feroceon") feroceon_copy_user_highpage(arm, to, from, vaddr, vma);
  else if (cache_is_vipt_aliasing(arm)) v6_copy_user_highpage_aliasing(arm, to, from, vaddr);
  else v6_copy_user_highpage_nonaliasing(arm, to, from);
}

// arch/arm/mm/copypage-*.c via cpu_user (arch/arm/include/asm/page.h __cpu_clear_user_highpage)
/** clear_user_highpage(page, vaddr): the CPU's implementation. */
export function clear_user_highpage(arm: ArmKernel, page: Page, vaddr: Address): void {
  const kind = arm.cpu.arm.copypage;
  if (kind === "v4wb") v4wb_clear_user_highpage(arm, page, vaddr);
  else if (kind === "feroceon") feroceon_clear_user_highpage(arm, page, vaddr);
  else if (cache_is_vipt_aliasing(arm)) v6_clear_user_highpage_aliasing(arm, page, vaddr);
  else v6_clear_user_highpage_nonaliasing(arm, page);
}

/** Tap copy_user_highpage and clear_user_highpage for `arm` under the plugin name `tap`. */
export function installCopypage(arm: ArmKernel, tap: string): void {
  const { hooks } = arm.kernel;
  replaceHook(hooks, "copy_user_highpage", tap, (to, from, vaddr, vma) =>
    copy_user_highpage(arm, to, from, vaddr, vma),
  );
  replaceHook(hooks, "clear_user_highpage", tap, (page, vaddr) => clear_user_highpage(arm, page, vaddr));
}
