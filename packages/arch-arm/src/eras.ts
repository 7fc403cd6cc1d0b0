// The era table of 32-bit ARM: for each kernel era (a policy), which implementation of each hook applies, and
// the era parameters of generic code. The hook files (flush.ts, highmem.ts, fault.ts, ...) read these fields;
// nothing else varies between eras. Sources: /work/shared/docs/kernel-reference.md §2 (keys A36, A310, A6,
// AK, AFA3, ACP26) and the kernel sources read while building this package (cited beside each field).
import type { KernelEra, KernelLayout } from "@flushlab/core";

/** Which flush_kernel_dcache_page an era has. */
export type FlushKernelDcachePage =
  /** 2.6.19: the function does not exist on ARM yet (asm-generic no-op; no caller in this model's era). */
  | "absent"
  /** E1 (v2.6.37 "ARM: 6382/1" … v3.9): an empty inline. */
  | "empty"
  /** E2 (ARM 7755/1, v3.10 … v5.15): anonymous or mapped-file pages: clean+invalidate page_address(). */
  | "baatz"
  /** Catalin point 3, reading A: the kernel-alias half of 3.9's __flush_dcache_page, for every page. */
  | "catalin"
  /** Catalin point 3, reading B: as A, but a highmem page is flushed at the kmap_atomic slot mapping it. */
  | "catalin-fixmap"
  /** E3 (v5.17 f358afc52c30): removed; callers use flush_dcache_page. */
  | "removed";

/** Which kernel-alias flush __flush_dcache_page does for a highmem page. */
export type HighmemKaliasFlush =
  /** No ARM highmem (before v2.6.29): page_address() is always the linear map. */
  | "none"
  /** v2.6.29 … v3.9 (A36): kmap_high_get, else on VIPT a temporary kmap_atomic. */
  | "kmap_high_get-else-vipt-kmap_atomic"
  /** v3.10 on (A310, A6): VIPT non-aliasing: kmap_atomic; otherwise only an existing pkmap (kmap_high_get). */
  | "nonaliasing-kmap_atomic-else-kmap_high_get";

/** What an era of Linux/ARM does at each hook. */
export interface ArmEra {
  /** The policy's name in profile ids. */
  readonly name: string;
  /** [major, minor, patch] of the kernel the era models (catalin-2013: its base, 3.9). */
  readonly version: readonly [number, number, number];
  /** One line for `flushlab list profiles`. */
  readonly summary: string;
  /** The sources the era follows. */
  readonly source: string;
  /**
   * PG_arch_1's meaning: `PG_dcache_dirty` (set: the kernel alias may be dirty; ≤ v2.6.36) or
   * `PG_dcache_clean` (set: known clean; v2.6.37 "ARM: Optimise flush_dcache_page" and later).
   */
  readonly pgArch1: "PG_dcache_dirty" | "PG_dcache_clean";
  /** flush_dcache_page returns at once for the zero page (v2.6.32 on; absent from the 2.6.1x flush.c read). */
  readonly zeroPageTest: boolean;
  /** The lazy test of flush_dcache_page: the file has no VMA (mapping_mapped) or this page has no PTE. */
  readonly lazyTest: "mapping_mapped" | "page_mapcount";
  /**
   * flush_dcache_page on a VIPT non-aliasing cache (with broadcast maintenance) only clears PG_dcache_clean.
   * Present in a v4.19 tree read (not in v4.4): the issue places it in E3 only. Catalin's point 1.
   */
  readonly nonaliasingDefersAll: boolean;
  /** flush_dcache_page flushes the whole I-cache for a non-VIVT page-cache page (absent in 2.6.1x). */
  readonly dcacheFlushesIcache: boolean;
  /** ARM's __flush_anon_page exists (v2.6.20 on; reference §7 B1). */
  readonly flushAnonPage: boolean;
  readonly flushKernelDcachePage: FlushKernelDcachePage;
  /** How __flush_dcache_page reaches a highmem page's kernel alias (and whether ARM has highmem at all). */
  readonly highmem: HighmemKaliasFlush;
  /** kunmap_atomic cleans+invalidates the fixmap slot on VIVT (false: Catalin's point 4). */
  readonly kunmapAtomicFlushesVivt: boolean;
  /**
   * ARMv6+ kernels sync in set_pte_at (__sync_icache_dcache, v2.6.37 on); before, update_mmu_cache did the
   * deferred flush on every ARM CPU.
   */
  readonly syncInSetPteAt: boolean;
  /** __sync_icache_dcache skips reserved pages (folio_test_reserved, 6.x A6): the zero page, DAX frames. */
  readonly syncSkipsReserved: boolean;
  /** The fault-armv.c form: 2.6.1x (PG_dcache_dirty, make_coherent flushes when alone) or 3.x+ (AFA3). */
  readonly faultArmv: "2.6" | "3.x";
  /**
   * The flush_ptrace_access form: 2.6 (VIPT aliasing: flush_pfn_alias only, which also invalidated the I
   * range; non-aliasing: exec and mm on this CPU) or 3.x+ (A310: I-cache all, I-alias flush, IPI).
   */
  readonly ptraceAccess: "2.6" | "3.x";
  /** flush_pfn_alias also invalidates the I-cache range of the alias (the 2.6.1x MCRR c5). */
  readonly pfnAliasInvalidatesIcache: boolean;
  /** v4wb copy_user_highpage first flushes the source's user alias (flush_cache_page, 2009-10-05, v2.6.32). */
  readonly v4wbFlushesSource: boolean;
  /** uprobes: none (2.6.19), the generic weak code (the eras before ARM's port), or ARM 8043/1 (v3.15). */
  readonly uprobes: "none" | "generic" | "arm-8043";
  /**
   * FS_DAX: none before v4.0; `kconfig-excluded` from d92576f1167c until v6.9 (fs/Kconfig `depends on
   * !(ARM || MIPS || SPARC)`, seen in a December 2016 linux-mm patch and in 2024's removal); `runtime` v6.9+.
   */
  readonly dax: "none" | "kconfig-excluded" | "runtime";
  /** Generic code's era parameters. */
  readonly kernelEra: Partial<KernelEra>;
  /** Layout overrides of the era (no highmem before v2.6.29; the 6.x fixmap). */
  readonly layout?: Partial<KernelLayout>;
}

/**
 * 2.6.19: arch/arm/mm/flush.c as read at torvalds/linux 2fc2991175bf (2.6.1x: PG_dcache_dirty, no zero-page
 * test, no flush_anon_page, flush_pfn_alias invalidating the I range too) and the matching fault-armv.c
 * (update_mmu_cache on every CPU, only for page-cache pages). No sg_miter (v2.6.27): a PIO driver of the era
 * called flush_dcache_page after writing through kmap_atomic, which is what sg_miter_stop does here. No
 * highmem on ARM (v2.6.29), no uprobes (v3.5), no DAX (v4.0).
 */
export const ERA_2_6_19: ArmEra = {
  name: "2.6.19",
  version: [2, 6, 19],
  summary: "before ARM's flush_anon_page: GUP calls only flush_dcache_page; PG_dcache_dirty; no highmem",
  source: "torvalds/linux arch/arm/mm/flush.c @2fc2991175bf, fault-armv.c (2.6.1x form); reference §7 B1",
  pgArch1: "PG_dcache_dirty",
  zeroPageTest: false,
  lazyTest: "mapping_mapped",
  nonaliasingDefersAll: false,
  dcacheFlushesIcache: false,
  flushAnonPage: false,
  flushKernelDcachePage: "absent",
  highmem: "none",
  kunmapAtomicFlushesVivt: true,
  syncInSetPteAt: false,
  syncSkipsReserved: false,
  faultArmv: "2.6",
  ptraceAccess: "2.6",
  pfnAliasInvalidatesIcache: true,
  v4wbFlushesSource: false,
  uprobes: "none",
  dax: "none",
  kernelEra: { sgMiterStopFlush: "flush_dcache_page", daxRefusedOnAliasingDcache: false },
  layout: { highmemSize: 0 },
};

/** 3.9, era E1 (A36: v3.6 flush.c, identical in behaviour): flush_kernel_dcache_page empty. */
export const ERA_3_9: ArmEra = {
  name: "3.9",
  version: [3, 9, 0],
  summary: "E1: flush_kernel_dcache_page empty (ARM 6382/1), lazy flush by mapping_mapped",
  source: "reference §2.3 E1 (A36 = v3.6 flush.c/cacheflush.h), AFA3 fault-armv.c, A310 highmem.c",
  pgArch1: "PG_dcache_clean",
  zeroPageTest: true,
  lazyTest: "mapping_mapped",
  nonaliasingDefersAll: false,
  dcacheFlushesIcache: true,
  flushAnonPage: true,
  flushKernelDcachePage: "empty",
  highmem: "kmap_high_get-else-vipt-kmap_atomic",
  kunmapAtomicFlushesVivt: true,
  syncInSetPteAt: true,
  syncSkipsReserved: false,
  faultArmv: "3.x",
  ptraceAccess: "3.x",
  pfnAliasInvalidatesIcache: false,
  v4wbFlushesSource: true,
  uprobes: "generic",
  dax: "none",
  kernelEra: { sgMiterStopFlush: "flush_kernel_dcache_page", daxRefusedOnAliasingDcache: false },
};

/** 3.10, era E2: ARM 7755/1 (Simon Baatz) makes flush_kernel_dcache_page flush the kernel alias. */
export const ERA_3_10: ArmEra = {
  ...ERA_3_9,
  name: "3.10",
  version: [3, 10, 0],
  summary: "E2: ARM 7755/1 flush_kernel_dcache_page flushes the kernel alias of anon and mapped-file pages",
  source: "AndreiLux/ref-3.10 arch/arm/mm/flush.c @836f475c345f (A310), highmem.c @d987f708a5d7",
  flushKernelDcachePage: "baatz",
  highmem: "nonaliasing-kmap_atomic-else-kmap_high_get",
};

/**
 * 4.19, E2 later: page_mapcount lazy test (v4.5), the ARMv7 early exit (present in the 4.19 tree read:
 * TIMISONG-dev/kernel_xiaomi_sm8250 flush.c @9b9b1b4db859; absent in v4.4), sg_miter_stop skipping slab
 * pages (3d77b50c5874, v3.13), uprobes through ARM 8043/1 (v3.15). FS_DAX cannot be built on ARM.
 */
export const ERA_4_19: ArmEra = {
  ...ERA_3_10,
  name: "4.19",
  version: [4, 19, 0],
  summary:
    "E2 later: page_mapcount lazy test, ARMv7 early exit, uprobes 8043/1, sg_miter skips slab; no FS_DAX",
  source:
    "kernel_xiaomi_sm8250 (v4.19) arch/arm/mm/flush.c @9b9b1b4db859; lib/scatterlist.c 3d77b50c5874; fs/Kconfig",
  lazyTest: "page_mapcount",
  nonaliasingDefersAll: true,
  uprobes: "arm-8043",
  dax: "kconfig-excluded",
  kernelEra: { sgMiterStopFlush: "flush_kernel_dcache_page_unless_slab", daxRefusedOnAliasingDcache: false },
};

/**
 * 6.6, E3 (A6): flush_dcache_folio with the ARMv7 early exit, flush_kernel_dcache_page removed and
 * sg_miter_stop calling flush_dcache_page (v5.16/v5.17), kmap_local. FS_DAX still excluded on ARM by
 * fs/Kconfig (the run-time cpu_dcache_is_aliasing() check replaced it in v6.9).
 */
export const ERA_6_6: ArmEra = {
  ...ERA_4_19,
  name: "6.6",
  version: [6, 6, 0],
  summary:
    "E3: flush_dcache_folio (ARMv7 early exit), no flush_kernel_dcache_page, sg_miter_stop → flush_dcache_page",
  source: "torvalds/linux arch/arm/mm/flush.c @0d21364c6e8d (A6); reference §1.4, §1.5",
  flushKernelDcachePage: "removed",
  syncSkipsReserved: true,
  kernelEra: { sgMiterStopFlush: "flush_dcache_page", daxRefusedOnAliasingDcache: false },
  layout: { fixaddrStart: 0xffc8_0000 },
};

/**
 * 6.9: 6.6's hooks (A6 is ≥ v6.4) with DAX offered again: fs/Kconfig's ARM exclusion was replaced by the
 * run-time check of alloc_dax (1df4ca0155ac, 902ccb86ed02, 8690bbcf3b70: -EOPNOTSUPP when
 * cpu_dcache_is_aliasing(), i.e. VIVT or aliasing VIPT). Not one of the issue's eras: it is the era in which
 * "DAX refused at run time on aliasing caches" holds on ARM.
 */
export const ERA_6_9: ArmEra = {
  ...ERA_6_6,
  name: "6.9",
  version: [6, 9, 0],
  summary: "6.6's hooks with DAX back: alloc_dax refuses it at run time on VIVT and aliasing VIPT (v6.9)",
  source: 'A6 flush.c; 1df4ca0155ac "dax: check for data cache aliasing at runtime" (reference §1.5)',
  dax: "runtime",
  kernelEra: { sgMiterStopFlush: "flush_dcache_page", daxRefusedOnAliasingDcache: true },
};

/**
 * catalin-2013: Catalin Marinas's proposal of 3 May 2013 (linux-arm-kernel, "[PATCH V3 2/2] ARM: Handle user
 * space mapped pages in flush_kernel_dcache_page") on top of 3.9: (1) non-aliasing VIPT defers every D-cache
 * flush of flush_dcache_page to __sync_icache_dcache (modelled as the early exit mainline later adopted, kept
 * under !cache_ops_need_broadcast()); (2) aliasing VIPT and VIVT flush the aliases in flush_dcache_page as
 * before; (3) flush_kernel_dcache_page for all pages, highmem included, keeping Baatz's lazy case for an
 * unmapped page-cache page, and flushing the kernel mapping the way 3.9's __flush_dcache_page does ("I think
 * it makes sense to reuse this logic"); (4) VIVT: no flush in kunmap_atomic.
 */
export const ERA_CATALIN_2013: ArmEra = {
  ...ERA_3_9,
  name: "catalin-2013",
  summary:
    "Catalin Marinas 2013-05-03 on 3.9: (1) v7 defers, (3) flush_kernel_dcache_page for all pages, (4) no kunmap_atomic flush",
  source: "linux-arm-kernel 2013-05-03, Catalin Marinas, Re: [PATCH V3 2/2] (seed thread)",
  nonaliasingDefersAll: true,
  flushKernelDcachePage: "catalin",
  kunmapAtomicFlushesVivt: false,
};

/**
 * catalin-2013-fixmap: the same proposal with the other reading of point 3 for a highmem page that has no
 * permanent kernel mapping: flush the kmap_atomic slot through which the caller has it mapped (what point 4
 * needs on VIVT), instead of making a new kmap_atomic mapping (VIPT) or nothing (VIVT).
 */
export const ERA_CATALIN_2013_FIXMAP: ArmEra = {
  ...ERA_CATALIN_2013,
  name: "catalin-2013-fixmap",
  summary:
    "catalin-2013 with point 3 flushing a highmem page at the caller's kmap_atomic slot (the other reading)",
  flushKernelDcachePage: "catalin-fixmap",
};

/** Every era, oldest first (catalin policies last). */
export const ARM_ERAS: readonly ArmEra[] = Object.freeze([
  ERA_2_6_19,
  ERA_3_9,
  ERA_3_10,
  ERA_4_19,
  ERA_6_6,
  ERA_6_9,
  ERA_CATALIN_2013,
  ERA_CATALIN_2013_FIXMAP,
]);
