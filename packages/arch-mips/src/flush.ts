// The MIPS cache-flush hooks (arch/mips/include/asm/cacheflush.h, arch/mips/mm/cache.c, arch/mips/mm/c-r4k.c)
// and the r4k primitives they are built on, era by era (eras.ts). Reference: kernel-reference.md §4.2, §4.3,
// §4.4 [MK, M3, MHIST].
//
// The primitives act on the CPU that runs the hook; the presets' machines broadcast maintenance, which stands for
// r4k_on_each_cpu's IPIs (and, on the 34K, for the VPEs' shared caches). On Loongson-3 r4k_cache_init points
// flush_cache_mm/range/page, flush_data_cache_page, the vmap flushes and __flush_kernel_vmap_range at
// cache_noop (`info.cache_noop`); flush_icache_range keeps its r4k implementation.
import {
  type Address,
  BUG_ON,
  type Mm,
  type Page,
  PageAnon,
  PageHighMem,
  pte_present,
  VM_EXEC,
  type Vma,
} from "@flushlab/core";
import { pages_do_alias } from "./cachetype.js";
import { kmap_coherent, kunmap_coherent } from "./highmem.js";
import {
  eraPageMapping,
  kernelAlias,
  lazyMappingMapped,
  type MipsContext,
  mappedTest,
  Page_dcache_dirty,
  SetPageDcacheDirty,
} from "./page.js";

// ── r4k primitives (arch/mips/mm/c-r4k.c) ──────────────────────────────────────────────────────────────────

const pageBase = (ctx: MipsContext, addr: Address) => addr - (addr % ctx.kernel.pageSize);

/**
 * flush_data_cache_page(addr) = r4k_flush_data_cache_page → r4k_blast_dcache_page: Hit_Writeback_Inv_D over the
 * page at kernel virtual address `addr`, so at colour(addr). cache_noop on Loongson-3. [MK c-r4k.c]
 */
export function flush_data_cache_page(ctx: MipsContext, addr: Address): void {
  if (ctx.info.cache_noop) return;
  ctx.kernel.maintain("d", "flush", {
    scope: "va",
    start: pageBase(ctx, addr),
    length: ctx.kernel.pageSize,
    asid: ctx.kernel.machine.kernelSpace.asid,
  });
}

/** r4k_blast_dcache(): index Writeback_Inv_D over the whole D-cache. [MK c-r4k.c] */
export function r4k_blast_dcache(ctx: MipsContext): void {
  ctx.kernel.maintain("d", "flush", { scope: "all" });
}

/** r4k_blast_icache(): index Invalidate_I over the whole I-cache. [MK c-r4k.c] */
export function r4k_blast_icache(ctx: MipsContext): void {
  ctx.kernel.maintain("i", "invalidate", { scope: "all" });
}

/** r4k_blast_dcache_user_page(addr) / r4k_blast_icache_user_page: hit ops on a user page of `mm` (its ASID). */
function blastUserPage(ctx: MipsContext, cache: "d" | "i", mm: Mm, addr: Address): void {
  ctx.kernel.maintain(cache, cache === "d" ? "flush" : "invalidate", {
    scope: "va",
    start: pageBase(ctx, addr),
    length: ctx.kernel.pageSize,
    asid: mm.asid,
  });
}

/** r4k_blast_icache_page(addr): Hit_Invalidate_I over the kernel page at `addr`. */
function r4k_blast_icache_page(ctx: MipsContext, addr: Address): void {
  ctx.kernel.maintain("i", "invalidate", {
    scope: "va",
    start: pageBase(ctx, addr),
    length: ctx.kernel.pageSize,
    asid: ctx.kernel.machine.kernelSpace.asid,
  });
}

/**
 * has_valid_asid(mm) (c-r4k.c): an mm that never ran on a CPU owns no ASID and cannot have lines in the caches
 * through its addresses. flushlab's mm_cpumask is the CPUs switch_mm ran the mm on.
 */
function has_valid_asid(mm: Mm): boolean {
  return mm.cpumask.size > 0;
}

// ── flush_dcache_page ──────────────────────────────────────────────────────────────────────────────────────

/**
 * __flush_dcache_page(page) (arch/mips/mm/cache.c; 2.6–3.x form for `v2.6`, v4.x form for `v4`): a highmem page
 * returns at once (`v2.6`) or is flushed through kmap_atomic (`v4`); a page whose mapping no VMA maps is only
 * marked PG_dcache_dirty (the flush runs when a user PTE is installed); otherwise the kernel alias is written
 * back and invalidated. No i_mmap walk: user aliases are not flushed. [M3, MK cache.c]
 */
export function __flush_dcache_page(ctx: MipsContext, page: Page): void {
  const { kernel, era } = ctx;
  if (era.flushDcachePage === "v2.6" && PageHighMem(page)) return;
  const mapping = eraPageMapping(ctx, page);
  if (mapping !== null && !lazyMappingMapped(mapping)) {
    SetPageDcacheDirty(page);
    return;
  }
  // "We could delay the flush for the !page_mapping case too. But that case is for exec env/arg pages and
  // those are %99 certainly going to get faulted into the tlb (and thus flushed) anyways."
  if (PageHighMem(page)) {
    const addr = kernel.kmap_atomic(page);
    flush_data_cache_page(ctx, addr);
    kernel.kunmap_atomic(addr);
    return;
  }
  flush_data_cache_page(ctx, kernelAlias(ctx, page)!);
}

/**
 * flush_dcache_page(page) (arch/mips/include/asm/cacheflush.h). `v2.6`/`v4`: `if (cpu_has_dc_aliases ||
 * !cpu_has_ic_fills_f_dc) __flush_dcache_page(page)`. `folio` (≥ v6.4, flush_dcache_folio): cpu_has_dc_aliases
 * → __flush_dcache_pages (the same lazy test, then each page's alias through kmap_local); else
 * `!cpu_has_ic_fills_f_dc` → SetPageDcacheDirty only (for a later exec sync); else nothing. [MK cacheflush.h, M3]
 */
export function flush_dcache_page(ctx: MipsContext, page: Page): void {
  const { info, era } = ctx;
  if (era.flushDcachePage === "folio") {
    if (info.cpu_has_dc_aliases) __flush_dcache_page(ctx, page);
    else if (!info.cpu_has_ic_fills_f_dc) SetPageDcacheDirty(page);
    return;
  }
  if (info.cpu_has_dc_aliases || !info.cpu_has_ic_fills_f_dc) __flush_dcache_page(ctx, page);
}

// ── flush_anon_page ────────────────────────────────────────────────────────────────────────────────────────

/**
 * __flush_anon_page(page, vmaddr) (arch/mips/mm/cache.c). If the kernel alias and `vmaddr` differ in colour:
 * `always-kmap_coherent` (Ralf Baechle, March 2007): write back and invalidate the user colour's lines through
 * kmap_coherent(page, vmaddr); `mapped-test` (from "take 2"): that, for a page a user PTE maps and that is not
 * PG_dcache_dirty, else write back and invalidate the kernel alias. Same colour: nothing (the kernel alias's
 * lines are the user's). [MK cache.c, M3; 20070323141939.GB17311@linux-mips.org]
 */
export function __flush_anon_page(ctx: MipsContext, page: Page, vmaddr: Address): void {
  const addr = kernelAlias(ctx, page);
  if (addr === null || !pages_do_alias(ctx.info, addr, vmaddr)) return;
  if (
    ctx.era.flushAnonPage === "always-kmap_coherent" ||
    (mappedTest(ctx, page) && !Page_dcache_dirty(page))
  ) {
    const kaddr = kmap_coherent(ctx, page, vmaddr);
    flush_data_cache_page(ctx, kaddr);
    kunmap_coherent(ctx);
  } else {
    flush_data_cache_page(ctx, addr);
  }
}

/**
 * flush_anon_page(vma, page, vmaddr) (arch/mips/include/asm/cacheflush.h): `if (cpu_has_dc_aliases &&
 * PageAnon(page)) __flush_anon_page(page, vmaddr)`. Before March 2007 MIPS had none: the generic empty one
 * (`none`). [MK cacheflush.h]
 */
export function flush_anon_page(ctx: MipsContext, _vma: Vma, page: Page, vmaddr: Address): void {
  if (ctx.era.flushAnonPage === "none") return;
  if (ctx.info.cpu_has_dc_aliases && PageAnon(page)) __flush_anon_page(ctx, page, vmaddr);
}

// arch/mips/include/asm/cacheflush.h flush_kernel_dcache_page(), v4.7 … v5.15 (Paul Burton, 2016) [MK cacheflush.h]
/**
 * flush_kernel_dcache_page(page), by era (`flushKernelDcachePage`): `empty`: no cache operation (the generic
 * empty inline, then MIPS's `BUG_ON(cpu_has_dc_aliases && PageHighMem(page))` alone, torvalds/linux
 * cacheflush.h of the 3.x series); `flush_dcache_page` (≈ v4.7, Paul Burton's "MIPS: Flush dcache for
 * flush_kernel_dcache_page", 2016-03-01, "treating this kmapped cache flush function exactly the same as its
 * non-kmapped counterpart"; Ralf Baechle: "Delayed flushing should be ok for lowmem"): the BUG_ON, then
 * flush_dcache_page(page), lazy for an unmapped page-cache page as always; `removed` (v5.17): nothing calls it.
 * The reference (§4.3) had it UNVERIFIED as the generic no-op, which holds up to v4.6 only. Highmem is refused
 * on aliasing CPUs, so the BUG_ON cannot fire.
 */
export function flush_kernel_dcache_page(ctx: MipsContext, page: Page): void {
  if (ctx.era.flushKernelDcachePage !== "flush_dcache_page") return;
  BUG_ON(
    ctx.info.cpu_has_dc_aliases && PageHighMem(page),
    `flush_kernel_dcache_page(pfn ${page.pfn}): a highmem page on an aliasing D-cache`,
    "arch/mips/include/asm/cacheflush.h: flush_kernel_dcache_page",
  );
  ctx.kernel.hooks.flush_dcache_page.call(page);
}

// ── flush_cache_mm / range / page ──────────────────────────────────────────────────────────────────────────

/**
 * flush_cache_mm(mm) = r4k_flush_cache_mm: nothing without cpu_has_dc_aliases; else on each CPU where the mm has
 * an ASID, blast the whole D-cache (R4000SC/MC and R4400SC/MC blast the S-cache instead, which also invalidates
 * the primaries; the r4400 preset is a PC part). [MK c-r4k.c]
 */
export function flush_cache_mm(ctx: MipsContext, mm: Mm): void {
  if (ctx.info.cache_noop || !ctx.info.cpu_has_dc_aliases) return;
  if (has_valid_asid(mm)) r4k_blast_dcache(ctx);
}

/**
 * flush_cache_dup_mm(mm): `noop` since the COW series (cacheflush.h: `#define flush_cache_dup_mm(mm) do {
 * (void) (mm); } while (0)`: kmap_coherent makes the fork-time flush unnecessary); in 2.6.19 dup_mmap called
 * flush_cache_mm(oldmm) (`flush_cache_mm`). [MK cacheflush.h; §7 B6]
 */
export function flush_cache_dup_mm(ctx: MipsContext, mm: Mm): void {
  if (ctx.era.flushCacheDupMm === "flush_cache_mm") ctx.kernel.hooks.flush_cache_mm.call(mm);
}

/**
 * flush_cache_range(vma, start, end) = r4k_flush_cache_range: only if `cpu_has_dc_aliases || VM_EXEC`; on CPUs
 * where the mm has an ASID: blast the whole D-cache if `cpu_has_dc_aliases || (exec && !cpu_has_ic_fills_f_dc)`,
 * the whole I-cache if exec. [MK c-r4k.c]
 */
export function flush_cache_range(ctx: MipsContext, vma: Vma, _start: Address, _end: Address): void {
  const { info } = ctx;
  const exec = vma.has(VM_EXEC);
  if (info.cache_noop || !(info.cpu_has_dc_aliases || exec)) return;
  if (!has_valid_asid(vma.mm)) return;
  if (info.cpu_has_dc_aliases || (exec && !info.cpu_has_ic_fills_f_dc)) r4k_blast_dcache(ctx);
  if (exec) r4k_blast_icache(ctx);
}

/**
 * flush_cache_page(vma, addr, pfn) = local_r4k_flush_cache_page (c-r4k.c): no ASID or no present PTE →
 * nothing. If the mm is the CPU's active mm and the PTE valid, hit ops on the user address itself. Otherwise
 * `kmap_coherent` era: map the page with kmap_coherent(page, addr) when `cpu_has_dc_aliases && mapped && !dirty`,
 * else kmap_atomic (the kernel alias), and hit-flush through that address; `indexed` era (2.6, UNVERIFIED
 * recall): indexed write-back-invalidate at the user address's index, modelled as the page's lines at the user
 * colour. D: if `cpu_has_dc_aliases || (exec && !cpu_has_ic_fills_f_dc)`. I: if exec. [MK c-r4k.c]
 */
export function flush_cache_page(ctx: MipsContext, vma: Vma, addr: Address, pfn: number): void {
  const { kernel, info, era } = ctx;
  if (info.cache_noop) return;
  const mm = vma.mm;
  if (!has_valid_asid(mm) || !kernel.pfn_valid(pfn)) return;
  const uaddr = pageBase(ctx, addr);
  if (!pte_present(mm.pte(uaddr).get())) return;
  const exec = vma.has(VM_EXEC);
  const flushD = info.cpu_has_dc_aliases || (exec && !info.cpu_has_ic_fills_f_dc);
  if (kernel.activeMm(kernel.cpu) === mm) {
    if (flushD) blastUserPage(ctx, "d", mm, uaddr);
    if (exec) blastUserPage(ctx, "i", mm, uaddr);
    return;
  }
  const page = kernel.pfn_to_page(pfn);
  if (era.flushCachePage === "indexed") {
    const pa = kernel.page_to_phys(page);
    const colour = kernel.machine.colourOf(uaddr);
    if (flushD) kernel.maintain("d", "flush", { scope: "pa-colour", pa, length: kernel.pageSize, colour });
    if (exec) kernel.maintain("i", "invalidate", { scope: "pa-colour", pa, length: kernel.pageSize, colour });
    return;
  }
  const map_coherent = info.cpu_has_dc_aliases && mappedTest(ctx, page) && !Page_dcache_dirty(page);
  const vaddr = map_coherent ? kmap_coherent(ctx, page, uaddr) : kernel.kmap_atomic(page);
  if (flushD) flush_data_cache_page(ctx, vaddr);
  if (exec) r4k_blast_icache_page(ctx, vaddr);
  if (map_coherent) kunmap_coherent(ctx);
  else kernel.kunmap_atomic(vaddr);
}

// ── I-cache, vmap ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * flush_icache_range(start, end) = r4k_flush_icache_range (c-r4k.c __local_r4k_flush_icache_range): unless
 * cpu_has_ic_fills_f_dc, write back (and invalidate) the D-cache over the range, or the whole D-cache when the
 * range is at least its size; then invalidate the I-cache over the range, or the whole I-cache when the range
 * exceeds its size. Not cache_noop on Loongson-3 (r4k_cache_init leaves it). [MK c-r4k.c]
 */
export function flush_icache_range(ctx: MipsContext, start: Address, end: Address): void {
  const { kernel, info } = ctx;
  const size = end - start;
  if (size <= 0) return;
  const dcacheSize = kernel.machine.config.dcache.size;
  const icacheSize = kernel.machine.config.icache.size;
  const asid = kernel.machine.kernelSpace.asid;
  if (!info.cpu_has_ic_fills_f_dc) {
    if (size >= dcacheSize) r4k_blast_dcache(ctx);
    else kernel.maintain("d", "flush", { scope: "va", start, length: size, asid });
  }
  if (size > icacheSize) r4k_blast_icache(ctx);
  else kernel.maintain("i", "invalidate", { scope: "va", start, length: size, asid });
}

/**
 * flush_icache_page(vma, page): ≤ v4.6 `if (!cpu_has_ic_fills_f_dc && (vma->vm_flags & VM_EXEC) &&
 * Page_dcache_dirty(page)) __flush_dcache_page(page)` (cacheflush.h, seen as the pre-image of a 2013 patch;
 * 2.6 form UNVERIFIED); removed in 2016 when the exec sync moved into __update_cache (`flushIcachePage` false:
 * empty). [MHIST]
 */
export function flush_icache_page(ctx: MipsContext, vma: Vma, page: Page): void {
  if (!ctx.era.flushIcachePage) return;
  if (!ctx.info.cpu_has_ic_fills_f_dc && vma.has(VM_EXEC) && Page_dcache_dirty(page)) {
    __flush_dcache_page(ctx, page);
  }
}

/** flush_cache_vmap(start, end) (cacheflush.h): `if (cpu_has_dc_aliases) __flush_cache_vmap()` = r4k_blast_dcache. [MK] */
export function flush_cache_vmap(ctx: MipsContext, _start: Address, _end: Address): void {
  if (ctx.info.cpu_has_dc_aliases && !ctx.info.cache_noop) r4k_blast_dcache(ctx);
}

/** flush_cache_vunmap(start, end): the same as flush_cache_vmap. [MK] */
export function flush_cache_vunmap(ctx: MipsContext, start: Address, end: Address): void {
  flush_cache_vmap(ctx, start, end);
}

/**
 * flush_kernel_vmap_range / invalidate_kernel_vmap_range (cacheflush.h → r4k_flush_kernel_vmap_range): if
 * cpu_has_dc_aliases, write back and invalidate the range (the whole D-cache when the range is at least its
 * size). Both directions do a write-back-invalidate ("For now ... both do a cache writeback and invalidate
 * operation"). Eras without it: the generic empty functions. [MK cacheflush.h, c-r4k.c]
 */
export function flush_kernel_vmap_range(ctx: MipsContext, vaddr: Address, size: number): void {
  const { kernel, info } = ctx;
  if (!ctx.era.kernelVmapRange || !info.cpu_has_dc_aliases || info.cache_noop || size <= 0) return;
  if (size >= kernel.machine.config.dcache.size) r4k_blast_dcache(ctx);
  else
    kernel.maintain("d", "flush", {
      scope: "va",
      start: vaddr,
      length: size,
      asid: kernel.machine.kernelSpace.asid,
    });
}
