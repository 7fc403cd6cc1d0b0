// arch/arm/mm/flush.c and arch/arm/include/asm/cacheflush.h: the cache primitives (__cpuc_*), the VIPT alias
// flushes through FLUSH_ALIAS_START, flush_cache_mm/range/page, flush_dcache_page and its internals
// (__flush_dcache_page, __flush_dcache_aliases), flush_anon_page, flush_kernel_dcache_page, flush_icache_range,
// flush_cache_vmap/vunmap and the vmap-range flushes, era by era (eras.ts). Every function takes the kernel's
// ArmKernel context first; the others are the Linux arguments.
import {
  type Address,
  clear_bit,
  KernelBug,
  type Mapping,
  type Mm,
  mapping_mapped,
  type Page,
  PageAnon,
  PageHighMem,
  PageSlab,
  page_mapcount,
  page_mapping,
  replaceHook,
  test_bit,
  VM_EXEC,
  VM_MAYSHARE,
  type Vma,
} from "@flushlab/core";
import {
  type ArmKernel,
  CACHE_COLOUR,
  cache_is_vipt,
  cache_is_vipt_aliasing,
  cache_is_vipt_nonaliasing,
  cache_is_vivt,
  cache_ops_need_broadcast,
  dcacheState,
  icache_is_vivt_asid_tagged,
  kmap_high_get_available,
  PG_dcache_clean,
} from "./cachetype.js";

// ── The per-CPU cache primitives (cpu_cache_fns: arch/arm/mm/cache-v4wb.S, proc-arm926.S, cache-v6.S, ...) ──

/** __cpuc_flush_dcache_area(kaddr, size): clean and invalidate the D lines of a kernel range. */
export function __cpuc_flush_dcache_area(arm: ArmKernel, kaddr: Address, size: number): void {
  arm.kernel.maintain("d", "flush", { scope: "va", start: kaddr, length: size, asid: arm.kernelAsid });
}

/**
 * __cpuc_coherent_kern_range(start, end) (flush_icache_range): clean the D lines of a kernel range (to the
 * point of unification) and invalidate the I lines of the same addresses.
 */
export function __cpuc_coherent_kern_range(arm: ArmKernel, start: Address, end: Address): void {
  const scope = { scope: "va", start, length: end - start, asid: arm.kernelAsid } as const;
  arm.kernel.maintain("d", "clean", scope);
  arm.kernel.maintain("i", "invalidate", scope);
}

/**
 * __cpuc_flush_user_range(start, end, flags) (VIVT: arm926_flush_user_cache_range): clean and invalidate the D
 * lines of a user range of `mm`, and invalidate its I lines when the mapping is executable.
 */
export function __cpuc_flush_user_range(
  arm: ArmKernel,
  mm: Mm,
  start: Address,
  end: Address,
  vmFlags: number,
): void {
  const scope = { scope: "va", start, length: end - start, asid: mm.asid } as const;
  arm.kernel.maintain("d", "flush", scope);
  if (vmFlags & VM_EXEC) arm.kernel.maintain("i", "invalidate", scope);
}

/** __cpuc_flush_kern_all() (= __cpuc_flush_user_all on these CPUs): clean+invalidate all D, invalidate all I. */
export function __cpuc_flush_kern_all(arm: ArmKernel): void {
  arm.kernel.maintain("d", "flush", { scope: "all" });
  arm.kernel.maintain("i", "invalidate", { scope: "all" });
}

/** __flush_icache_all(): invalidate the whole I-cache of this CPU (ICIALLU; ICIALLUIS when broadcast). */
export function __flush_icache_all(arm: ArmKernel): void {
  arm.kernel.maintain("i", "invalidate", { scope: "all" });
}

/** Clean and invalidate the whole D-cache (the VIPT-aliasing `mcr p15, 0, r0, c7, c14, 0` + drain). */
function flushWholeDcache(arm: ArmKernel): void {
  arm.kernel.maintain("d", "flush", { scope: "all" });
}

/** set_top_pte(va, pfn_pte(pfn, PAGE_KERNEL)): a kernel PTE in a top window, with its local TLB flush. */
function set_top_pte(arm: ArmKernel, va: Address, pfn: number): void {
  arm.kernel.mapKernelPte(va, pfn);
}

// ── The VIPT colour-alias flushes (flush.c, CONFIG_CPU_CACHE_VIPT) ─────────────────────────────────────────

// arch/arm/mm/flush.c flush_pfn_alias(), v3.10 (A310) / v2.6.1x (I range too) — reference §2.2
/**
 * flush_pfn_alias(pfn, vaddr): map `pfn` at FLUSH_ALIAS_START + CACHE_COLOUR(vaddr) and clean+invalidate that
 * page's D lines (drain the write buffer): the lines of the frame at the colour of `vaddr`, for every user
 * alias of that colour in any mm (VIPT tags are physical). The 2.6.1x form also invalidated the I range.
 */
export function flush_pfn_alias(arm: ArmKernel, pfn: number, vaddr: Address): void {
  const { pageSize } = arm.kernel;
  const to = arm.windows!.flushAlias + CACHE_COLOUR(arm, vaddr) * pageSize;
  set_top_pte(arm, to, pfn);
  const scope = { scope: "va", start: to, length: pageSize, asid: arm.kernelAsid } as const;
  arm.kernel.maintain("d", "flush", scope);
  if (arm.era.pfnAliasInvalidatesIcache) arm.kernel.maintain("i", "invalidate", scope);
}

// arch/arm/mm/flush.c flush_icache_alias(), v3.10 (A310) — reference §2.2
/**
 * flush_icache_alias(pfn, vaddr, len): map `pfn` at the colour of `vaddr` and make [offset, offset + len) of it
 * coherent for instruction fetch (flush_icache_range through the alias).
 */
export function flush_icache_alias(arm: ArmKernel, pfn: number, vaddr: Address, len: number): void {
  const { pageSize } = arm.kernel;
  const va = arm.windows!.flushAlias + CACHE_COLOUR(arm, vaddr) * pageSize;
  set_top_pte(arm, va, pfn);
  const to = va + (vaddr % pageSize);
  arm.kernel.hooks.flush_icache_range.call(to, to + len);
}

// ── flush_cache_mm / range / page (flush.c for VIPT, cacheflush.h vivt_* for VIVT) ─────────────────────────

/** The current CPU is in mm_cpumask(mm): the mm's user lines may be in this CPU's VIVT cache. */
function coreInMm(arm: ArmKernel, mm: Mm): boolean {
  return mm.cpumask.has(arm.kernel.cpu);
}

// arch/arm/include/asm/cacheflush.h vivt_flush_cache_mm(), v3.10 (AK) — reference §2.2
/** vivt_flush_cache_mm(mm): the whole user cache, if the mm is active on this CPU. */
export function vivt_flush_cache_mm(arm: ArmKernel, mm: Mm): void {
  if (coreInMm(arm, mm)) __cpuc_flush_kern_all(arm);
}

// arch/arm/include/asm/cacheflush.h vivt_flush_cache_range(), v3.10 (AK) — reference §2.2
/** vivt_flush_cache_range(vma, start, end): the user range by VA, if the mm is active on this CPU. */
export function vivt_flush_cache_range(arm: ArmKernel, vma: Vma, start: Address, end: Address): void {
  if (!coreInMm(arm, vma.mm)) return;
  const { pageSize } = arm.kernel;
  const first = start - (start % pageSize);
  const last = Math.ceil(end / pageSize) * pageSize;
  __cpuc_flush_user_range(arm, vma.mm, first, last, vma.flags);
}

// arch/arm/include/asm/cacheflush.h vivt_flush_cache_page(), v3.10 (AK) — reference §2.2
/** vivt_flush_cache_page(vma, user_addr, pfn): one user page by VA, if the mm is active on this CPU. */
export function vivt_flush_cache_page(arm: ArmKernel, vma: Vma, userAddr: Address, _pfn: number): void {
  if (!coreInMm(arm, vma.mm)) return;
  const addr = userAddr - (userAddr % arm.kernel.pageSize);
  __cpuc_flush_user_range(arm, vma.mm, addr, addr + arm.kernel.pageSize, vma.flags);
}

// arch/arm/mm/flush.c flush_cache_mm(), v3.10 (A310) / v2.6.1x (I-cache too) — reference §2.3
/** flush_cache_mm(mm): VIVT: the mm's user lines; aliasing VIPT: the whole D-cache; non-aliasing: nothing. */
export function flush_cache_mm(arm: ArmKernel, mm: Mm): void {
  if (cache_is_vivt(arm)) {
    vivt_flush_cache_mm(arm, mm);
    return;
  }
  if (cache_is_vipt_aliasing(arm)) {
    flushWholeDcache(arm);
    if (arm.era.pfnAliasInvalidatesIcache) __flush_icache_all(arm); // 2.6.1x: also c7, c5, 0
  }
}

// arch/arm/mm/flush.c flush_cache_range(), v3.10 (A310) / v2.6.1x — reference §2.3
/**
 * flush_cache_range(vma, start, end): VIVT: the user range; aliasing VIPT: the whole D-cache; then (3.x, non
 * VIVT) the whole I-cache if the mapping is executable.
 */
export function flush_cache_range(arm: ArmKernel, vma: Vma, start: Address, end: Address): void {
  if (cache_is_vivt(arm)) {
    vivt_flush_cache_range(arm, vma, start, end);
    return;
  }
  if (cache_is_vipt_aliasing(arm)) {
    flushWholeDcache(arm);
    if (arm.era.pfnAliasInvalidatesIcache) __flush_icache_all(arm);
  }
  if (!arm.era.pfnAliasInvalidatesIcache && vma.has(VM_EXEC)) __flush_icache_all(arm);
}

// arch/arm/mm/flush.c flush_cache_page(), v3.10 (A310) / v2.6.1x — reference §2.3
/**
 * flush_cache_page(vma, user_addr, pfn): VIVT: the user page by VA; aliasing VIPT: the frame at the user's
 * colour (flush_pfn_alias) and (3.x) the whole I-cache; an ASID-tagged VIVT I-cache is invalidated for an
 * executable mapping.
 */
export function flush_cache_page(arm: ArmKernel, vma: Vma, userAddr: Address, pfn: number): void {
  if (cache_is_vivt(arm)) {
    vivt_flush_cache_page(arm, vma, userAddr, pfn);
    return;
  }
  if (cache_is_vipt_aliasing(arm)) {
    flush_pfn_alias(arm, pfn, userAddr);
    if (!arm.era.pfnAliasInvalidatesIcache) __flush_icache_all(arm);
  }
  if (vma.has(VM_EXEC) && icache_is_vivt_asid_tagged(arm)) __flush_icache_all(arm);
}

// ── page_mapping with CONFIG_DEBUG_VM (include/linux/mm.h ≤ v3.10, mm/util.c v3.11–v3.12) ────────────────

/**
 * page_mapping(page), as in the reporters' kernels (CONFIG_DEBUG_VM): VM_BUG_ON(PageSlab(page)) up to v3.12,
 * the "kernel BUG at mm/util.c:390" of the 2013 Kirkwood report (reference §7 B3); from v3.13 page_mapping
 * returns NULL for a slab page. The eras without the BUG use page_mapping() (page_mapping_file,
 * folio_flush_mapping: the same in this model).
 */
export function arm_page_mapping(arm: ArmKernel, page: Page): Mapping | null {
  const debugVmBugs = arm.era.version[0] === 3 && arm.era.version[1] <= 12;
  if (debugVmBugs && PageSlab(page)) {
    throw new KernelBug(
      `page_mapping() of slab page pfn ${page.pfn} (VM_BUG_ON(PageSlab(page)), CONFIG_DEBUG_VM)`,
      "mm/util.c: page_mapping",
    );
  }
  return page_mapping(page);
}

// ── The kernel alias of a page, and __flush_dcache_page ───────────────────────────────────────────────────

/** kmap_high_get(page) as ARM has it: the page's pkmap address (taking a user), or null when unavailable. */
export function kmap_high_get(arm: ArmKernel, page: Page): Address | null {
  if (!kmap_high_get_available(arm)) return null;
  return arm.kernel.highmem.kmap_high_get(page);
}

// arch/arm/mm/flush.c __flush_dcache_page() (first half), v3.6 (A36) / v3.10 (A310) — reference §2.2
/**
 * Write back and invalidate the kernel mapping of a page: the linear map for lowmem; for highmem, by era:
 * v3.6–v3.9: an existing pkmap mapping (kmap_high_get), else on VIPT a temporary kmap_atomic (VIVT: nothing,
 * "kunmap_atomic flushes"); v3.10 on: non-aliasing VIPT always through kmap_atomic, otherwise only an existing
 * pkmap mapping.
 */
export function flushKernelMapping(arm: ArmKernel, page: Page, form = arm.era.highmem): void {
  const { kernel } = arm;
  if (!PageHighMem(page)) {
    __cpuc_flush_dcache_area(arm, kernel.page_address(page)!, kernel.pageSize);
    return;
  }
  const viaPkmap = (): boolean => {
    const addr = kmap_high_get(arm, page);
    if (addr === null) return false;
    __cpuc_flush_dcache_area(arm, addr, kernel.pageSize);
    kernel.highmem.kunmap_high(page);
    return true;
  };
  const viaKmapAtomic = (): void => {
    const addr = kernel.kmap_atomic(page);
    __cpuc_flush_dcache_area(arm, addr, kernel.pageSize);
    kernel.kunmap_atomic(addr);
  };
  switch (form) {
    case "none":
      throw new Error(`era ${arm.era.name} has no ARM highmem, yet pfn ${page.pfn} is a highmem page`);
    case "kmap_high_get-else-vipt-kmap_atomic":
      if (!viaPkmap() && cache_is_vipt(arm)) viaKmapAtomic(); // "unmapped pages might still be cached"
      return;
    case "nonaliasing-kmap_atomic-else-kmap_high_get":
      if (cache_is_vipt_nonaliasing(arm)) viaKmapAtomic();
      else viaPkmap();
      return;
  }
}

// arch/arm/mm/flush.c __flush_dcache_page(), v3.10 (A310); 6.x __flush_dcache_folio (A6) — reference §2.2
/**
 * __flush_dcache_page(mapping, page): the kernel mapping (flushKernelMapping), then for a page-cache page on an
 * aliasing VIPT cache the user colour of its file offset (flush_pfn_alias at page->index << PAGE_SHIFT), which
 * every user alias shares because mmap colour-aligns shared file mappings.
 */
export function __flush_dcache_page(arm: ArmKernel, mapping: Mapping | null, page: Page): void {
  flushKernelMapping(arm, page);
  if (mapping !== null && cache_is_vipt_aliasing(arm)) {
    flush_pfn_alias(arm, page.pfn, page.index * arm.kernel.pageSize);
  }
}

// arch/arm/mm/flush.c __flush_dcache_aliases(), v3.10 (A310) — reference §2.2
/**
 * __flush_dcache_aliases(mapping, page) (VIVT): every shared (VM_MAYSHARE) mapping of the page in the current
 * mm (current->active_mm) gets flush_cache_page at its user address; other mms are skipped (their lines were
 * flushed at their last switch_mm), and so are private mappings.
 */
export function __flush_dcache_aliases(arm: ArmKernel, mapping: Mapping, page: Page): void {
  const { kernel } = arm;
  const mm = kernel.activeMm(kernel.cpu);
  for (const vma of mapping.vma_interval_tree_foreach(page.index)) {
    if (vma.mm !== mm) continue;
    if (!vma.has(VM_MAYSHARE)) continue;
    kernel.hooks.flush_cache_page.call(vma, vma.addressOf(page.index), page.pfn);
  }
}

// arch/arm/mm/flush.c flush_dcache_page(), v2.6.1x / v3.10 (A310) / v4.19 / 6.x flush_dcache_folio (A6)
/**
 * flush_dcache_page(page), by era: the zero page returns at once (≥ v2.6.32); v4.19 and 6.6 (and Catalin's
 * point 1) only clear PG_dcache_clean on a non-aliasing VIPT cache; a page-cache page that no user maps (the
 * file has no VMA up to v3.x; the page has no PTE from v4.5) is deferred (PG_dcache_clean cleared, or
 * PG_dcache_dirty set in 2.6.19) unless cache maintenance is not broadcast; anything else is flushed now:
 * __flush_dcache_page, then the VIVT shared user aliases of the current mm or (3.x) the whole I-cache, and
 * PG_dcache_clean is set.
 */
export function flush_dcache_page(arm: ArmKernel, page: Page): void {
  const { kernel, era } = arm;
  if (era.zeroPageTest && kernel.is_zero_pfn(page.pfn)) return;
  if (era.nonaliasingDefersAll && !cache_ops_need_broadcast(arm) && cache_is_vipt_nonaliasing(arm)) {
    if (test_bit(PG_dcache_clean, page)) clear_bit(PG_dcache_clean, page);
    return;
  }
  const mapping = arm_page_mapping(arm, page);
  // 2.6.1x had no SMP provision here; cache_ops_need_broadcast() came with the MPCore fixes.
  const mayDefer = era.pgArch1 === "PG_dcache_dirty" || !cache_ops_need_broadcast(arm);
  const unmapped =
    mapping !== null &&
    (era.lazyTest === "mapping_mapped" ? !mapping_mapped(mapping) : page_mapcount(page) === 0);
  if (mayDefer && unmapped) {
    dcacheState.defer(arm, page);
    return;
  }
  __flush_dcache_page(arm, mapping, page);
  if (mapping !== null && cache_is_vivt(arm)) __flush_dcache_aliases(arm, mapping, page);
  else if (mapping !== null && era.dcacheFlushesIcache) __flush_icache_all(arm);
  if (era.pgArch1 === "PG_dcache_clean") dcacheState.markClean(arm, page);
}

// ── flush_anon_page ─────────────────────────────────────────────────────────────────────────────────────────

// arch/arm/mm/flush.c __flush_anon_page(), v3.10 (A310) / 6.x (A6) — reference §2.3
/**
 * __flush_anon_page(vma, page, vmaddr): nothing on non-aliasing VIPT; otherwise write back and invalidate the
 * user alias (VIVT: flush_cache_page by VA; aliasing VIPT: flush_pfn_alias at the user's colour, then the whole
 * I-cache), then clean+invalidate the kernel alias, page_address(page). For a highmem page with no kernel
 * mapping page_address() is NULL and Linux cleans [0, PAGE_SIZE) of whatever is mapped at address 0: modelled
 * as that range through the current mm (nothing is mapped there in practice).
 */
export function __flush_anon_page(arm: ArmKernel, vma: Vma, page: Page, vmaddr: Address): void {
  const { kernel } = arm;
  if (cache_is_vipt_nonaliasing(arm)) return;
  if (cache_is_vivt(arm)) kernel.hooks.flush_cache_page.call(vma, vmaddr, page.pfn);
  else {
    flush_pfn_alias(arm, page.pfn, vmaddr);
    __flush_icache_all(arm);
  }
  const kaddr = kernel.page_address(page);
  if (kaddr !== null) {
    __cpuc_flush_dcache_area(arm, kaddr, kernel.pageSize);
    return;
  }
  const mm = kernel.activeMm(kernel.cpu);
  if (mm !== null)
    kernel.maintain("d", "flush", { scope: "va", start: 0, length: kernel.pageSize, asid: mm.asid });
}

// arch/arm/include/asm/cacheflush.h flush_anon_page(), v3.10 (AK) — reference §2.3
/** flush_anon_page(vma, page, vmaddr): __flush_anon_page for an anonymous page (from v2.6.20; none before). */
export function flush_anon_page(arm: ArmKernel, vma: Vma, page: Page, vmaddr: Address): void {
  if (arm.era.flushAnonPage && PageAnon(page)) __flush_anon_page(arm, vma, page, vmaddr);
}

// ── flush_kernel_dcache_page ────────────────────────────────────────────────────────────────────────────────

/** The kmap_atomic slot of the current CPU that maps `page` (innermost first), or null. */
function kmapAtomicSlotOf(arm: ArmKernel, page: Page): Address | null {
  const { kernel } = arm;
  const { kmTypeNr } = kernel.layout;
  for (let idx = kernel.highmem.atomicDepth() - 1; idx >= 0; idx--) {
    const vaddr = kernel.highmem.fixToVirt(idx + kmTypeNr * kernel.cpu);
    if (kernel.highmem.fixmapPageAt(vaddr) === page) return vaddr;
  }
  return null;
}

// arch/arm/mm/flush.c flush_kernel_dcache_page(), v3.10 (A310, ARM 7755/1) / Catalin 2013-05-03 point 3
/**
 * flush_kernel_dcache_page(page), by era: absent (2.6.19), an empty inline (3.9), removed (6.6); ARM 7755/1
 * (3.10, 4.19): on VIVT or aliasing VIPT, an anonymous page or a page of a mapped file gets its kernel alias
 * flushed when it has one (page_address(): a kmap_atomic'ed highmem page has none, "kunmap_atomic() takes care
 * of cache flushing"); an unmapped page-cache page is left to the lazy flush. Catalin's point 3 flushes every
 * such page, highmem included: reading A (catalin-2013) with 3.9's __flush_dcache_page kernel-mapping logic
 * (a pkmap mapping; else VIPT: a new kmap_atomic; VIVT: nothing); reading B (catalin-2013-fixmap) at the
 * kmap_atomic slot the caller has the page mapped at.
 */
export function flush_kernel_dcache_page(arm: ArmKernel, page: Page): void {
  const form = arm.era.flushKernelDcachePage;
  if (form === "absent" || form === "empty" || form === "removed") return;
  if (!cache_is_vivt(arm) && !cache_is_vipt_aliasing(arm)) return;
  const mapping = arm_page_mapping(arm, page);
  if (mapping !== null && !mapping_mapped(mapping)) return;
  const { kernel } = arm;
  switch (form) {
    case "baatz": {
      const addr = kernel.page_address(page);
      if (addr !== null) __cpuc_flush_dcache_area(arm, addr, kernel.pageSize);
      return;
    }
    case "catalin":
      flushKernelMapping(arm, page, "kmap_high_get-else-vipt-kmap_atomic");
      return;
    case "catalin-fixmap": {
      const addr = kernel.page_address(page) ?? kmapAtomicSlotOf(arm, page);
      if (addr !== null) __cpuc_flush_dcache_area(arm, addr - (addr % kernel.pageSize), kernel.pageSize);
      return;
    }
  }
}

// ── Kernel ranges ───────────────────────────────────────────────────────────────────────────────────────────

// arch/arm/include/asm/cacheflush.h flush_icache_range(), v3.10 (AK) — reference §2.3
/** flush_icache_range(start, end): __cpuc_coherent_kern_range. */
export function flush_icache_range(arm: ArmKernel, start: Address, end: Address): void {
  __cpuc_coherent_kern_range(arm, start, end);
}

// arch/arm/include/asm/cacheflush.h flush_cache_vmap(), v3.10 (AK) / v2.6.2x — reference §2.3
/** flush_cache_vmap / flush_cache_vunmap: flush_cache_all unless the D-cache is non-aliasing VIPT (2.6: always). */
export function flush_cache_vmap(arm: ArmKernel): void {
  if (arm.era.ptraceAccess === "2.6" || !cache_is_vipt_nonaliasing(arm)) {
    arm.kernel.hooks.flush_cache_all.call();
  }
}

// arch/arm/include/asm/cacheflush.h flush_kernel_vmap_range(), v3.10 (AK) — reference §2.3
/** flush_kernel_vmap_range / invalidate_kernel_vmap_range (v2.6.34 on): VIVT or aliasing VIPT: the vmap range. */
export function flush_kernel_vmap_range(arm: ArmKernel, vaddr: Address, size: number): void {
  if (cache_is_vivt(arm) || cache_is_vipt_aliasing(arm)) __cpuc_flush_dcache_area(arm, vaddr, size);
}

/** Tap the hooks of this file for `arm` under the plugin name `tap`. */
export function installFlush(arm: ArmKernel, tap: string): void {
  const { hooks } = arm.kernel;
  replaceHook(hooks, "flush_cache_all", tap, () => __cpuc_flush_kern_all(arm));
  replaceHook(hooks, "flush_cache_mm", tap, (mm) => flush_cache_mm(arm, mm));
  replaceHook(hooks, "flush_cache_dup_mm", tap, (mm) => flush_cache_mm(arm, mm));
  replaceHook(hooks, "flush_cache_range", tap, (vma, start, end) => flush_cache_range(arm, vma, start, end));
  replaceHook(hooks, "flush_cache_page", tap, (vma, addr, pfn) => flush_cache_page(arm, vma, addr, pfn));
  replaceHook(hooks, "flush_dcache_page", tap, (page) => flush_dcache_page(arm, page));
  replaceHook(hooks, "flush_anon_page", tap, (vma, page, addr) => flush_anon_page(arm, vma, page, addr));
  replaceHook(hooks, "flush_kernel_dcache_page", tap, (page) => flush_kernel_dcache_page(arm, page));
  replaceHook(hooks, "flush_icache_range", tap, (start, end) => flush_icache_range(arm, start, end));
  replaceHook(hooks, "flush_cache_vmap", tap, () => flush_cache_vmap(arm));
  replaceHook(hooks, "flush_cache_vunmap", tap, () => flush_cache_vmap(arm));
  if (arm.era.version[0] >= 3) {
    replaceHook(hooks, "flush_kernel_vmap_range", tap, (v, s) => flush_kernel_vmap_range(arm, v, s));
    replaceHook(hooks, "invalidate_kernel_vmap_range", tap, (v, s) => flush_kernel_vmap_range(arm, v, s));
  }
  // flush_icache_page: an empty macro on ARM ("would duplicate flush_dcache_page"): the asm-generic no-op.
}
