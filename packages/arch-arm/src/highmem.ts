// arch/arm/mm/highmem.c (kmap_atomic, __kunmap_atomic; v2.6.29 to v5.10) and, from v5.11, the kmap_local hooks
// of arch/arm/include/asm/highmem.h (arch_kmap_local_high_get, arch_kmap_local_pre_unmap), which keep the
// same behaviour; flush_cache_kmaps (asm/highmem.h). kmap/kunmap are the generic ones (mm/highmem.c
// kmap_high/kunmap_high: a pkmap slot, no cache operation; recycling slots calls flush_cache_kmaps) and are not
// tapped. Before v2.6.29 ARM had no highmem: kmap_atomic is page_address and nothing else happens.
import { type Address, type Page, PageHighMem, replaceHook } from "@flushlab/core";
import { type ArmKernel, cache_is_vivt } from "./cachetype.js";
import { __cpuc_flush_dcache_area, kmap_high_get } from "./flush.js";

// arch/arm/mm/highmem.c kmap_atomic(), v3.10 (A310); 6.x __kmap_local_page_prot + arch_kmap_local_high_get
/**
 * kmap_atomic(page): lowmem: page_address. Highmem: an existing pkmap mapping first (kmap_high_get: mandatory
 * on VIVT, so that a page never has two kernel aliases; an optimisation elsewhere; unavailable on SMP ARMv6),
 * else the next per-CPU fixmap slot (FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu) with its PTE written directly:
 * its colour is whatever its address gives.
 */
export function kmap_atomic(arm: ArmKernel, page: Page): Address {
  const { kernel } = arm;
  if (!PageHighMem(page)) return kernel.page_address(page)!;
  const kmap = kmap_high_get(arm, page);
  if (kmap !== null) return kmap;
  return kernel.highmem.kmapAtomicFixmap(page);
}

// arch/arm/mm/highmem.c __kunmap_atomic(), v3.10 (A310); 6.x arch_kmap_local_pre_unmap (AK)
/**
 * kunmap_atomic(kvaddr): a fixmap slot: on VIVT, clean and invalidate the slot's page first (Catalin's point 4
 * removes this), then release the slot; a pkmap address (from kmap_high_get): kunmap_high; lowmem: nothing.
 */
export function kunmap_atomic(arm: ArmKernel, kvaddr: Address): void {
  const { kernel } = arm;
  const { highmem, pageSize } = kernel;
  if (highmem.isFixmapAddress(kvaddr)) {
    const vaddr = kvaddr - (kvaddr % pageSize);
    if (cache_is_vivt(arm) && arm.era.kunmapAtomicFlushesVivt) __cpuc_flush_dcache_area(arm, vaddr, pageSize);
    highmem.kunmapAtomicFixmap(kvaddr);
  } else if (highmem.isPkmapAddress(kvaddr)) {
    const page = highmem.pkmapPageAt(kvaddr);
    if (page) highmem.kunmap_high(page);
  }
}

// arch/arm/include/asm/highmem.h flush_cache_kmaps(), v3.10 (AK) — reference §2.3
/** flush_cache_kmaps(): before pkmap slots are recycled: flush_cache_all on VIVT, nothing on VIPT. */
export function flush_cache_kmaps(arm: ArmKernel): void {
  if (cache_is_vivt(arm)) arm.kernel.hooks.flush_cache_all.call();
}

/** Tap the hooks of this file for `arm` under the plugin name `tap` (eras with ARM highmem only). */
export function installHighmem(arm: ArmKernel, tap: string): void {
  if (arm.era.highmem === "none") return; // asm-generic: page_address, nothing on unmap
  const { hooks } = arm.kernel;
  replaceHook(hooks, "kmap_atomic", tap, (page) => kmap_atomic(arm, page));
  replaceHook(hooks, "kunmap_atomic", tap, (kvaddr) => kunmap_atomic(arm, kvaddr));
  replaceHook(hooks, "flush_cache_kmaps", tap, () => flush_cache_kmaps(arm));
}
