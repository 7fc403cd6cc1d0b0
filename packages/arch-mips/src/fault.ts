// Where MIPS pays the flushes flush_dcache_page deferred: __update_cache, called from update_mmu_cache up to
// ≈ v4.6 and from set_pte_at afterwards (arch/mips/mm/cache.c, arch/mips/include/asm/pgtable.h).
// Reference: kernel-reference.md §4.3 (__update_cache rows), §7 B12 [M3, MHIST, MK].
import {
  type Address,
  type Mm,
  type Page,
  PageHighMem,
  type Pte,
  type PteRef,
  pte_present,
  VM_EXEC,
  type Vma,
} from "@flushlab/core";
import { pages_do_alias } from "./cachetype.js";
import { flush_data_cache_page } from "./flush.js";
import {
  ClearPageDcacheDirty,
  eraPageMapping,
  kernelAlias,
  type MipsContext,
  Page_dcache_dirty,
} from "./page.js";

/**
 * cpu_has_rixi: none of this package's cores has the RI/XI bits, so pte_no_exec() cannot tell an executable
 * mapping: the kernel treats every present PTE as executable in __update_cache (R4400: _PAGE_NO_EXEC is 0; the
 * R2 cores keep a software _PAGE_NO_EXEC only in PAGE_COPY, which this model does not distinguish: UNVERIFIED
 * approximation, it can only add flushes).
 */
const cpu_has_rixi = false;

/** pte_no_exec(pte) (arch/mips/include/asm/pgtable.h). */
export function pte_no_exec(pte: Pte): boolean {
  return cpu_has_rixi ? !pte.executable : false;
}

/**
 * Flush the deferred kernel-alias lines of a dirty page when exec or the colours differ, then clear
 * PG_dcache_dirty. A highmem page is mapped with kmap_atomic (`kmapHighmem`, the 2015 highmem fix) or, before,
 * has no address (page_address is NULL) and is not flushed.
 */
function payDeferredFlush(
  ctx: MipsContext,
  page: Page,
  address: Address,
  exec: boolean,
  kmapHighmem: boolean,
): void {
  const { kernel } = ctx;
  const highmem = PageHighMem(page) && kmapHighmem;
  const addr = highmem ? kernel.kmap_atomic(page) : kernelAlias(ctx, page);
  if (addr !== null && (exec || pages_do_alias(ctx.info, addr, address))) flush_data_cache_page(ctx, addr);
  if (highmem && addr !== null) kernel.kunmap_atomic(addr);
  ClearPageDcacheDirty(page);
}

/**
 * __update_cache(vma, address, pte) (arch/mips/mm/cache.c, 2.6–v4.6): exec = `VM_EXEC &&
 * !cpu_has_ic_fills_f_dc`; for a valid pfn whose page has a mapping (page_mapping(): a page-cache page, or a
 * swap-cache page) and is PG_dcache_dirty: flush the kernel alias if exec or the user address has another
 * colour; clear PG_dcache_dirty either way. Anonymous pages are never touched. [M3]
 */
export function __update_cache_vma(ctx: MipsContext, vma: Vma, address: Address, pte: Pte): void {
  const { kernel, info } = ctx;
  const exec = vma.has(VM_EXEC) && !info.cpu_has_ic_fills_f_dc;
  if (!kernel.pfn_valid(pte.pfn)) return;
  const page = kernel.pfn_to_page(pte.pfn);
  if (eraPageMapping(ctx, page) !== null && Page_dcache_dirty(page))
    payDeferredFlush(ctx, page, address, exec, false);
}

/**
 * __update_cache(address, pte) (arch/mips/mm/cache.c, ≥ v4.7, Paul Burton's "Sync icache & dcache in
 * set_pte_at"): exec = `!pte_no_exec(pte) && !cpu_has_ic_fills_f_dc`; no page_mapping condition any more (a
 * dirty anonymous page is handled too); if PG_dcache_dirty: flush the kernel alias (through kmap_atomic for
 * highmem) if exec or the colours differ; clear the bit. [MK cache.c, MHIST]
 */
export function __update_cache(ctx: MipsContext, address: Address, pte: Pte): void {
  const { kernel, info } = ctx;
  const exec = !pte_no_exec(pte) && !info.cpu_has_ic_fills_f_dc;
  if (!kernel.pfn_valid(pte.pfn)) return;
  const page = kernel.pfn_to_page(pte.pfn);
  if (Page_dcache_dirty(page)) payDeferredFlush(ctx, page, address, exec, true);
}

/**
 * set_pte_at(mm, addr, ptep, pte) (arch/mips/include/asm/pgtable.h, `set_pte_at` era): skip the cache sync when
 * the new PTE is not present, or when the old PTE is present with the same pfn; otherwise __update_cache(addr,
 * pte); then set_pte. Earlier eras: a plain set_pte (asm-generic). [MK pgtable.h, verified in torvalds/linux]
 */
export function set_pte_at(ctx: MipsContext, _mm: Mm, addr: Address, ptep: PteRef, pte: Pte): void {
  if (ctx.era.cacheSync === "set_pte_at" && pte_present(pte)) {
    const old = ptep.get();
    if (!(pte_present(old) && old.pfn === pte.pfn)) __update_cache(ctx, addr, pte);
  }
  ptep.set(pte);
}

/**
 * update_mmu_cache(vma, address, ptep) (arch/mips/include/asm/pgtable.h): __update_tlb, then, in the
 * `update_mmu_cache` era, __update_cache(vma, address, *ptep); later __update_tlb only (no cache work).
 */
export function update_mmu_cache(ctx: MipsContext, vma: Vma, address: Address, ptep: PteRef): void {
  if (ctx.era.cacheSync !== "update_mmu_cache") return;
  const pte = ptep.get();
  if (pte_present(pte)) __update_cache_vma(ctx, vma, address, pte);
}
