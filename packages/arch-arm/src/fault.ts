// Installing user PTEs: arch/arm/mm/fault-armv.c (update_mmu_cache, make_coherent, adjust_pte, do_adjust_pte:
// ARMv4/ARMv5 kernels, and every ARM kernel before v2.6.37) and arch/arm/include/asm/pgtable.h set_pte_at with
// arch/arm/mm/flush.c __sync_icache_dcache (ARMv6 and later, v2.6.37 on): where the flush that
// flush_dcache_page deferred (PG_dcache_clean clear, PG_dcache_dirty set in 2.6.19) is finally done, and, on
// VIVT, where shared aliases of one file page in one mm are made uncached.
import {
  type Address,
  type Mapping,
  type Mm,
  PageReserved,
  type Pte,
  type PteRef,
  pte_present,
  replaceHook,
  VM_EXEC,
  VM_MAYSHARE,
  type Vma,
} from "@flushlab/core";
import {
  type ArmKernel,
  cache_is_vipt_aliasing,
  cache_is_vipt_nonaliasing,
  cache_is_vivt,
  dcacheState,
} from "./cachetype.js";
import { __flush_dcache_page, __flush_icache_all, arm_page_mapping } from "./flush.js";

/** Whether this kernel does the deferred flush in update_mmu_cache (ARMv<6, or any CPU before v2.6.37). */
function syncsInUpdateMmuCache(arm: ArmKernel): boolean {
  return !arm.era.syncInSetPteAt || arm.cpu.arm.architecture < 6;
}

// ── ARMv6+: set_pte_at and __sync_icache_dcache ──────────────────────────────────────────────────────────────

// arch/arm/mm/flush.c __sync_icache_dcache(), v3.10 (A310) / 6.x (A6) — reference §2.3
/**
 * __sync_icache_dcache(pteval): non-aliasing VIPT returns unless the PTE is executable; otherwise, for a frame
 * of RAM (6.x: not a reserved page), if PG_dcache_clean was clear: set it and __flush_dcache_page (with the
 * page's mapping on an aliasing cache, so the user colour of its file offset is flushed too); an executable
 * PTE then invalidates the whole I-cache.
 */
export function __sync_icache_dcache(arm: ArmKernel, pteval: Pte): void {
  const { kernel } = arm;
  if (cache_is_vipt_nonaliasing(arm) && !pteval.executable) return;
  if (!kernel.pfn_valid(pteval.pfn)) return;
  const page = kernel.pfn_to_page(pteval.pfn);
  if (arm.era.syncSkipsReserved && PageReserved(page)) return; // folio_test_reserved (6.x)
  const mapping = cache_is_vipt_aliasing(arm) ? arm_page_mapping(arm, page) : null;
  if (dcacheState.takeOwedFlush(arm, page)) __flush_dcache_page(arm, mapping, page);
  if (pteval.executable) __flush_icache_all(arm);
}

// arch/arm/include/asm/pgtable.h set_pte_at(), v3.10 (ASPA); 6.x set_ptes — reference §2.3
/**
 * set_pte_at(mm, addr, ptep, pteval): on an ARMv6+ kernel, a present user PTE below TASK_SIZE first gets
 * __sync_icache_dcache (6.x skips special PTEs; the zero page is reserved and skipped there); kernel PTEs
 * (pkmap, vmap) never do. Then the PTE is written.
 */
export function set_pte_at(arm: ArmKernel, _mm: Mm, addr: Address, ptep: PteRef, pteval: Pte): void {
  const { kernel } = arm;
  const syncs = arm.era.syncInSetPteAt && arm.cpu.arm.architecture >= 6;
  if (syncs && addr < kernel.machine.config.userTop && pte_present(pteval) && pteval.user) {
    __sync_icache_dcache(arm, pteval);
  }
  ptep.set(pteval);
}

// ── ARMv4/v5 (and 2.6.19): update_mmu_cache, make_coherent, adjust_pte ─────────────────────────────────────

// arch/arm/mm/fault-armv.c do_adjust_pte(), v3.6 (AFA3) — reference §2.3
/**
 * do_adjust_pte(vma, address, pfn, ptep): a present PTE whose memory type is not yet the shared one
 * (bufferable, uncached) gets its user lines flushed (flush_cache_page), its memory type made uncached
 * (set_pte_at) and its TLB entry flushed. Returns whether the PTE was present (an alias exists).
 */
export function do_adjust_pte(arm: ArmKernel, vma: Vma, address: Address, pfn: number, ptep: PteRef): number {
  const { hooks } = arm.kernel;
  const entry = ptep.get();
  const present = pte_present(entry);
  if (present && entry.cacheable) {
    hooks.flush_cache_page.call(vma, address, pfn);
    // outer_flush_range(pfn << PAGE_SHIFT, ...): no outer cache in these presets
    hooks.set_pte_at.call(vma.mm, address, ptep, { ...entry, cacheable: false });
    hooks.flush_tlb_page.call(vma, address);
  }
  return present ? 1 : 0;
}

// arch/arm/mm/fault-armv.c adjust_pte(), v2.6.1x (read at id 59798424) and v3.6 (AFA3)
/**
 * adjust_pte(vma, address, pfn): the PTE of `address` in `vma`'s mm through do_adjust_pte (3.x). The 2.6.1x
 * form counted an alias only when it changed a still-cacheable PTE.
 */
export function adjust_pte(arm: ArmKernel, vma: Vma, address: Address, pfn: number): number {
  const ptep = vma.mm.pte(address);
  if (arm.era.faultArmv === "3.x") return do_adjust_pte(arm, vma, address, pfn, ptep);
  const entry = ptep.get();
  if (!pte_present(entry) || !entry.cacheable) return 0;
  const { hooks } = arm.kernel;
  hooks.flush_cache_page.call(vma, address, entry.pfn);
  hooks.set_pte_at.call(vma.mm, address, ptep, { ...entry, cacheable: false });
  hooks.flush_tlb_page.call(vma, address);
  return 1;
}

// arch/arm/mm/fault-armv.c make_coherent(), v3.6 (AFA3) / v2.6.1x — reference §2.3, §7 B9
/**
 * make_coherent(mapping, vma, addr, ptep, pfn) (VIVT): every other shared (VM_MAYSHARE) mapping of the same
 * file page in the same mm is made uncached (adjust_pte); if there was any, the faulting PTE too. The 2.6.1x
 * form flushed the faulting user page (flush_cache_page) when there was none.
 */
export function make_coherent(
  arm: ArmKernel,
  mapping: Mapping,
  vma: Vma,
  addr: Address,
  ptep: PteRef,
  pfn: number,
): void {
  const mm = vma.mm;
  const pgoff = vma.linear_page_index(addr);
  let aliases = 0;
  for (const mpnt of mapping.vma_interval_tree_foreach(pgoff)) {
    if (mpnt.mm !== mm || mpnt === vma) continue;
    if (!mpnt.has(VM_MAYSHARE)) continue;
    aliases += adjust_pte(arm, mpnt, mpnt.addressOf(pgoff), pfn);
  }
  if (arm.era.faultArmv === "3.x") {
    if (aliases) do_adjust_pte(arm, vma, addr, pfn, ptep);
    return;
  }
  if (aliases) adjust_pte(arm, vma, addr, pfn);
  else arm.kernel.hooks.flush_cache_page.call(vma, addr, pfn);
}

// arch/arm/mm/fault-armv.c update_mmu_cache(), v3.6 (AFA3) / v2.6.1x (PG_dcache_dirty) — reference §2.3
/**
 * update_mmu_cache(vma, addr, ptep) on ARMv4/ARMv5 (every ARM CPU before v2.6.37): for a frame of RAM other
 * than the zero page, do the deferred flush if it is owed (3.x: for any page, PG_dcache_clean; 2.6.19: only
 * page-cache pages, PG_dcache_dirty), then for a page-cache page: VIVT make_coherent, otherwise (3.x) the
 * whole I-cache for an executable mapping. ARMv6+ kernels have an empty update_mmu_cache.
 */
export function update_mmu_cache(arm: ArmKernel, vma: Vma, addr: Address, ptep: PteRef): void {
  if (!syncsInUpdateMmuCache(arm)) return;
  const { kernel } = arm;
  const pte = ptep.get();
  if (!pte_present(pte) || !kernel.pfn_valid(pte.pfn)) return;
  const page = kernel.pfn_to_page(pte.pfn);
  if (arm.era.faultArmv === "3.x") {
    if (kernel.is_zero_pfn(pte.pfn)) return;
    const mapping = arm_page_mapping(arm, page);
    if (dcacheState.takeOwedFlush(arm, page)) __flush_dcache_page(arm, mapping, page);
    if (mapping !== null) {
      if (cache_is_vivt(arm)) make_coherent(arm, mapping, vma, addr, ptep, pte.pfn);
      else if (vma.has(VM_EXEC)) __flush_icache_all(arm);
    }
    return;
  }
  const mapping = arm_page_mapping(arm, page);
  if (mapping === null) return;
  if (dcacheState.takeOwedFlush(arm, page)) __flush_dcache_page(arm, mapping, page);
  if (cache_is_vivt(arm)) make_coherent(arm, mapping, vma, addr, ptep, pte.pfn);
}

/** Tap set_pte_at and update_mmu_cache for `arm` under the plugin name `tap`. */
export function installFault(arm: ArmKernel, tap: string): void {
  const { hooks } = arm.kernel;
  replaceHook(hooks, "set_pte_at", tap, (mm, addr, ptep, pte) => set_pte_at(arm, mm, addr, ptep, pte));
  replaceHook(hooks, "update_mmu_cache", tap, (vma, addr, ptep) => update_mmu_cache(arm, vma, addr, ptep));
}
