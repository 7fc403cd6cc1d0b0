// The era table of @flushlab/arch-mips: for each kernel era this package models, which implementation of each
// MIPS hook applies, and the era parameters of generic code (KernelEra). Each field names the Linux form it
// selects; the hook files (flush.ts, copypage.ts, fault.ts, ptrace.ts, highmem.ts, mmap.ts, uprobes.ts) switch
// on these fields and cite the source of each form. Reference: kernel-reference.md §4.3, §7 B6/B7/B12, §1.4, §1.5.
import type { KernelEra } from "@flushlab/core";

/** The eras, oldest first. */
export const MIPS_ERA_NAMES = ["2.6.19", "2.6.23", "3.10", "4.19", "6.6", "6.9"] as const;

/** An era's name, as used after `@` in profile ids. */
export type MipsEraName = (typeof MIPS_ERA_NAMES)[number];

/** Which implementation of each MIPS hook an era uses. */
export interface MipsEra {
  readonly name: MipsEraName;
  /** One line for `flushlab list profiles`. */
  readonly summary: string;
  /** The sources the era follows. */
  readonly source: string;
  /** Era parameters of generic code (lib/scatterlist.c, fs/dax.c). */
  readonly kernel: Partial<KernelEra>;
  /**
   * DAX on MIPS: `none` (fs/dax.c came in ≈ v4.0); `kconfig-excluded` (fs/Kconfig FS_DAX `depends on !(ARM ||
   * MIPS || SPARC)`, d92576f1167c "dax: does not work correctly with virtual aliasing caches", present in the
   * 2016 and 2018 fs/Kconfig diffs read, so before v4.18, until v6.8: no DAX on any MIPS CPU); `runtime` (≥ v6.9,
   * 1df4ca0155ac: alloc_dax refuses it with -EOPNOTSUPP only when cpu_dcache_is_aliasing()).
   */
  readonly dax: "none" | "kconfig-excluded" | "runtime";
  /**
   * flush_dcache_page (include/asm/cacheflush.h + mm/cache.c):
   * - `v2.6`: `if (cpu_has_dc_aliases || !cpu_has_ic_fills_f_dc) __flush_dcache_page(page)`; a highmem page
   *   returns at once; lazy when `mapping && !mapping_mapped(mapping)`; else flush the kernel alias;
   * - `v4`: the same, a highmem page flushed through kmap_atomic (2015–2016 highmem fixes);
   * - `folio`: `cpu_has_dc_aliases` → __flush_dcache_pages (lazy test, then flush each page's kernel
   *   alias through kmap_local); else `!cpu_has_ic_fills_f_dc` → only set PG_dcache_dirty.
   */
  readonly flushDcachePage: "v2.6" | "v4" | "folio";
  /**
   * What the lazy test calls the page's mapping: `page_mapping` (≤ v4.16: a mapped anonymous page in the swap
   * cache returns &swapper_space, which no VMA maps), `page_mapping_file` (v4.17–v6.3, NULL for the swap cache),
   * `folio_flush_mapping` (≥ v6.4, likewise).
   */
  readonly pageMapping: "page_mapping" | "page_mapping_file" | "folio_flush_mapping";
  /**
   * flush_anon_page: `none` (no MIPS implementation before Ralf Baechle's March 2007 patch: the generic no-op);
   * `always-kmap_coherent` (2007 form: colours differ → write back and invalidate through kmap_coherent);
   * `mapped-test` (from the 2007 "take 2" fix: kmap_coherent only for a mapped page not marked
   * PG_dcache_dirty, else the kernel alias).
   */
  readonly flushAnonPage: "none" | "always-kmap_coherent" | "mapped-test";
  /**
   * flush_kernel_dcache_page: `empty` (no flush: the generic empty inline, then MIPS's own with only
   * `BUG_ON(cpu_has_dc_aliases && PageHighMem(page))`, torvalds/linux arch/mips/include/asm/cacheflush.h of the
   * 3.x series); `flush_dcache_page` (Paul Burton, "MIPS: Flush dcache for flush_kernel_dcache_page",
   * linux-mips 2016-03-01, patch 1 of the series whose patch 4 moved the cache sync to set_pte_at (`cacheSync`),
   * ≈ v4.7: the BUG_ON, then flush_dcache_page(page); read in a 4.19-based and a 5.x tree's cacheflush.h);
   * `removed` (v5.17 f358afc52c30: no such function; sg_miter_stop calls flush_dcache_page from v5.16).
   */
  readonly flushKernelDcachePage: "empty" | "flush_dcache_page" | "removed";
  /** The name of the "is this page mapped by a user PTE" test of the era (page_mapped → page_mapcount → folio_mapped). */
  readonly mappedTest: "page_mapped" | "page_mapcount" | "folio_mapped";
  /** Whether kmap_coherent exists (Ralf Baechle, Atsushi Nemoto, "Fix COW D-cache aliasing on fork", ≈ v2.6.20). */
  readonly kmapCoherent: boolean;
  /**
   * copy_user_highpage: `generic` (include/linux/highmem.h: kmap_atomic both pages, copy_user_page);
   * `take-1` (the 2007 state before "take 2": the source through kmap_coherent unless PG_dcache_dirty, even
   * when no user PTE maps it; the destination flushed if exec or of another colour);
   * `take-2` (source through kmap_coherent only when mapped and not dirty; destination flushed if
   * `!cpu_has_ic_fills_f_dc || pages_do_alias`).
   */
  readonly copyUserHighpage: "generic" | "take-1" | "take-2";
  /**
   * copy_user_page: `inline-2.6` (page.h before the COW series: copy, flush the destination when
   * `!cpu_has_ic_fills_f_dc || pages_do_alias`); `kmap_coherent-2006` (init.c of the COW series: the source
   * read through kmap_coherent); `undefined` (3.x: MIPS stopped defining it, §7 B5; asm-generic copy_page
   * stands in, and nothing calls it); `inline-2015` (Guenter Roeck's re-added inline form, same as `inline-2.6`).
   */
  readonly copyUserPage: "inline-2.6" | "kmap_coherent-2006" | "undefined" | "inline-2015";
  /**
   * copy_to_user_page / copy_from_user_page: `flush_cache_page` (before the COW series: flush_cache_page, then
   * memcpy through the kernel alias); `kmap_coherent` (COW series to "take 2": always through kmap_coherent when
   * the D-cache aliases: the BUG_ON of `ps`); `mapped-test` (from "take 2": kmap_coherent only for a mapped page
   * not marked dirty; else the kernel alias and SetPageDcacheDirty).
   */
  readonly ptraceCopy: "flush_cache_page" | "kmap_coherent" | "mapped-test";
  /**
   * When copy_to_user_page calls flush_cache_page afterwards: `exec-not-ic-fills` (`VM_EXEC &&
   * !cpu_has_ic_fills_f_dc`, 2006 to 3.x) or `exec` (`VM_EXEC`, v5.x form; release of the change UNVERIFIED).
   */
  readonly ptraceExecFlush: "icache-page" | "exec-not-ic-fills" | "exec";
  /**
   * flush_cache_page for an mm that is not the CPU's active one: `indexed` (2.6: an indexed write-back-invalidate
   * of the page's lines at the user address's index; UNVERIFIED recall) or `kmap_coherent` (3.x on: map the page
   * with kmap_coherent, or kmap_atomic when dirty or unmapped, and hit-flush through that address).
   */
  readonly flushCachePage: "indexed" | "kmap_coherent";
  /**
   * Where the deferred flush of a PG_dcache_dirty page runs: `update_mmu_cache` (≤ v4.6: __update_cache(vma,
   * address, pte), only for pages with a mapping, exec from VM_EXEC) or `set_pte_at` (Paul Burton's ≈ v4.7
   * form: __update_cache(address, pte) for a new pfn, any page, exec from the PTE).
   */
  readonly cacheSync: "update_mmu_cache" | "set_pte_at";
  /** flush_icache_page: ≤ v4.6 flushes the kernel alias of a dirty page mapped executable; later empty. */
  readonly flushIcachePage: boolean;
  /** flush_cache_dup_mm: `flush_cache_mm` (2.6.19: dup_mmap called flush_cache_mm) or `noop` (MIPS's #define since the COW series). */
  readonly flushCacheDupMm: "flush_cache_mm" | "noop";
  /** flush_kernel_vmap_range / invalidate_kernel_vmap_range implemented by MIPS (UNVERIFIED release; 4.19 on here). */
  readonly kernelVmapRange: boolean;
  /**
   * MAP_FIXED|MAP_SHARED rejection: `addr` (2.6 arch/mips/kernel/syscall.c: `addr & shm_align_mask`, UNVERIFIED
   * recall) or `addr-pgoff` (arch/mips/mm/mmap.c since 2012: `(addr - (pgoff << PAGE_SHIFT)) & shm_align_mask`).
   */
  readonly mapFixedShared: "addr" | "addr-pgoff";
  /** arch_uprobe_copy_ixol: `none` (MIPS has no uprobes before v4.3: refused) or `flush_icache_range` (arch/mips/kernel/uprobes.c). */
  readonly uprobes: "none" | "flush_icache_range";
}

/**
 * Before sg_miter (lib/scatterlist.c's sg_mapping_iter came with v2.6.27): a PIO driver of the era called
 * flush_dcache_page itself after writing a page through kmap_atomic (as libata's ata_pio_sector does), which is
 * what the model's sg_miter_stop does in the 2.6.19 and 2.6.23 eras (arch-arm's 2.6.19 era does the same).
 */
const SG_NONE: Partial<KernelEra> = {
  sgMiterStopFlush: "flush_dcache_page",
  daxRefusedOnAliasingDcache: false,
};

/** v2.6.27 … v3.12: sg_miter_stop calls flush_kernel_dcache_page on every page it wrote. */
const SG_OLD: Partial<KernelEra> = {
  sgMiterStopFlush: "flush_kernel_dcache_page",
  daxRefusedOnAliasingDcache: false,
};

/** The eras, by name. */
export const MIPS_ERAS: { readonly [K in MipsEraName]: MipsEra } = Object.freeze({
  "2.6.19": {
    name: "2.6.19",
    summary:
      "before kmap_coherent: COW copies through the kernel alias, no MIPS flush_anon_page, ptrace flushes with flush_cache_page",
    source:
      "include/asm-mips/cacheflush.h, page.h, arch/mips/mm/cache.c, c-r4k.c as the 2006 COW series found them (the series' diff context, Message-ID 1161275750378-git-send-email-ralf@linux-mips.org)",
    kernel: SG_NONE,
    dax: "none",
    flushDcachePage: "v2.6",
    pageMapping: "page_mapping",
    flushAnonPage: "none",
    flushKernelDcachePage: "empty",
    mappedTest: "page_mapped",
    kmapCoherent: false,
    copyUserHighpage: "generic",
    copyUserPage: "inline-2.6",
    ptraceCopy: "flush_cache_page",
    ptraceExecFlush: "icache-page",
    flushCachePage: "indexed",
    cacheSync: "update_mmu_cache",
    flushIcachePage: true,
    flushCacheDupMm: "flush_cache_mm",
    kernelVmapRange: false,
    mapFixedShared: "addr",
    uprobes: "none",
  },
  "2.6.23": {
    name: "2.6.23",
    summary:
      'kmap_coherent in copy_user_highpage, flush_anon_page and copy_to/from_user_page, before the 2007 "take 2" fix (BUG_ON on PG_dcache_dirty pages)',
    source:
      "arch/mips/mm/init.c of the COW series (1161275750378-git-send-email-ralf@linux-mips.org), cache.c __flush_anon_page (Ralf Baechle to Miklos Szeredi, 20070323141939.GB17311@linux-mips.org), the take-2 thread (20071016.023125.59033711.anemo@mba.ocn.ne.jp)",
    kernel: SG_NONE,
    dax: "none",
    flushDcachePage: "v2.6",
    pageMapping: "page_mapping",
    flushAnonPage: "always-kmap_coherent",
    flushKernelDcachePage: "empty",
    mappedTest: "page_mapped",
    kmapCoherent: true,
    copyUserHighpage: "take-1",
    copyUserPage: "kmap_coherent-2006",
    ptraceCopy: "kmap_coherent",
    ptraceExecFlush: "exec-not-ic-fills",
    flushCachePage: "indexed",
    cacheSync: "update_mmu_cache",
    flushIcachePage: true,
    flushCacheDupMm: "noop",
    kernelVmapRange: false,
    mapFixedShared: "addr",
    uprobes: "none",
  },
  "3.10": {
    name: "3.10",
    summary:
      'after "take 2": kmap_coherent only for mapped, clean pages (page_mapped); __update_cache from update_mmu_cache',
    source:
      "arch/mips/mm/cache.c, init.c, c-r4k.c, include/asm/cacheflush.h, pgtable.h of the 3.x series (M3)",
    kernel: SG_OLD,
    dax: "none",
    flushDcachePage: "v2.6",
    pageMapping: "page_mapping",
    flushAnonPage: "mapped-test",
    flushKernelDcachePage: "empty",
    mappedTest: "page_mapped",
    kmapCoherent: true,
    copyUserHighpage: "take-2",
    copyUserPage: "undefined",
    ptraceCopy: "mapped-test",
    ptraceExecFlush: "exec-not-ic-fills",
    flushCachePage: "kmap_coherent",
    cacheSync: "update_mmu_cache",
    flushIcachePage: true,
    flushCacheDupMm: "noop",
    kernelVmapRange: false,
    mapFixedShared: "addr-pgoff",
    uprobes: "none",
  },
  "4.19": {
    name: "4.19",
    summary:
      "cache sync from set_pte_at (new pfn only), flush_kernel_dcache_page calls flush_dcache_page, page_mapcount tests, page_mapping_file; FS_DAX excluded on MIPS by fs/Kconfig",
    source:
      "arch/mips/mm/cache.c (__update_cache(address, pte), page_mapping_file, page_mapcount), include/asm/pgtable.h set_pte_at, include/asm/cacheflush.h flush_kernel_dcache_page (Paul Burton, 2016), mm/init.c, kernel/uprobes.c",
    kernel: { sgMiterStopFlush: "flush_kernel_dcache_page_unless_slab", daxRefusedOnAliasingDcache: false },
    dax: "kconfig-excluded",
    flushDcachePage: "v4",
    pageMapping: "page_mapping_file",
    flushAnonPage: "mapped-test",
    flushKernelDcachePage: "flush_dcache_page",
    mappedTest: "page_mapcount",
    kmapCoherent: true,
    copyUserHighpage: "take-2",
    copyUserPage: "inline-2015",
    ptraceCopy: "mapped-test",
    ptraceExecFlush: "exec",
    flushCachePage: "kmap_coherent",
    cacheSync: "set_pte_at",
    flushIcachePage: false,
    flushCacheDupMm: "noop",
    kernelVmapRange: true,
    mapFixedShared: "addr-pgoff",
    uprobes: "flush_icache_range",
  },
  "6.6": {
    name: "6.6",
    summary:
      "folio API (__flush_dcache_pages, folio_mapped), sg_miter_stop calls flush_dcache_page; FS_DAX still excluded on MIPS by fs/Kconfig",
    source:
      "arch/mips/mm/cache.c, init.c, c-r4k.c, include/asm/cacheflush.h (MK); lib/scatterlist.c 0e84f5dbf8d6; fs/Kconfig (d92576f1167c)",
    kernel: { sgMiterStopFlush: "flush_dcache_page", daxRefusedOnAliasingDcache: false },
    dax: "kconfig-excluded",
    flushDcachePage: "folio",
    pageMapping: "folio_flush_mapping",
    flushAnonPage: "mapped-test",
    flushKernelDcachePage: "removed",
    mappedTest: "folio_mapped",
    kmapCoherent: true,
    copyUserHighpage: "take-2",
    copyUserPage: "inline-2015",
    ptraceCopy: "mapped-test",
    ptraceExecFlush: "exec",
    flushCachePage: "kmap_coherent",
    cacheSync: "set_pte_at",
    flushIcachePage: false,
    flushCacheDupMm: "noop",
    kernelVmapRange: true,
    mapFixedShared: "addr-pgoff",
    uprobes: "flush_icache_range",
  },
  "6.9": {
    name: "6.9",
    summary:
      "current: 6.6's hooks with DAX offered again, refused at run time (alloc_dax -EOPNOTSUPP) when cpu_has_dc_aliases",
    source:
      "as 6.6; 902ccb86ed02, 8690bbcf3b70, 1df4ca0155ac (Mathieu Desnoyers, 2024: fs/Kconfig's exclusion replaced by cpu_dcache_is_aliasing() in alloc_dax)",
    kernel: { sgMiterStopFlush: "flush_dcache_page", daxRefusedOnAliasingDcache: true },
    dax: "runtime",
    flushDcachePage: "folio",
    pageMapping: "folio_flush_mapping",
    flushAnonPage: "mapped-test",
    flushKernelDcachePage: "removed",
    mappedTest: "folio_mapped",
    kmapCoherent: true,
    copyUserHighpage: "take-2",
    copyUserPage: "inline-2015",
    ptraceCopy: "mapped-test",
    ptraceExecFlush: "exec",
    flushCachePage: "kmap_coherent",
    cacheSync: "set_pte_at",
    flushIcachePage: false,
    flushCacheDupMm: "noop",
    kernelVmapRange: true,
    mapFixedShared: "addr-pgoff",
    uprobes: "flush_icache_range",
  },
});

/** The era named `name`. */
export function mipsEra(name: MipsEraName): MipsEra {
  return MIPS_ERAS[name];
}
