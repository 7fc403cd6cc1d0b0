// The CPU presets of @flushlab/arch-mips: the primary caches, page size, coherence flags and 32-bit memory layout
// of six MIPS cores, each with its source. The kernel's own classification of these caches (probe_pcache in
// arch/mips/mm/c-r4k.c) is derived from these figures in cachetype.ts, never typed in twice.
//
// The machine geometry is what the cache *behaves* like: a 24K with Config7.AR (hardware alias removal) is
// VIPT in silicon but behaves as PIPT ("effectively physically indexed dcache, thus no virtual aliases", c-r4k.c
// probe_pcache), so its preset says `pipt`; the kernel-side flags (`mips.config7AR`) keep the silicon's story.
import type { CacheGeometryInit, CpuSpec, KernelLayout } from "@flushlab/core";

/** The architecture name of this package in profile ids (`mips/24kc-32k@3.10`). */
export const ARCH = "mips";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The `current_cpu_type()` values of arch/mips/include/asm/cpu.h that probe_pcache and r4k_cache_init switch on
 * for these presets (CPU_LOONGSON64 was CPU_LOONGSON3 before v5.8).
 */
export type MipsCpuType = "CPU_R4400PC" | "CPU_24K" | "CPU_34K" | "CPU_LOONGSON64" | "CPU_ALCHEMY";

/** What the kernel reads from the CPU besides the cache geometry (PRId, Config7) when it probes the caches. */
export interface MipsProbe {
  /** current_cpu_type(). */
  readonly cpuType: MipsCpuType;
  /** Config7.AR (bit 16): the D-cache removes virtual aliases in hardware (24K/34K/74K family, 32 KiB and up). */
  readonly config7AR?: boolean;
  /** Config7.IAR: the I-cache removes virtual aliases in hardware. */
  readonly config7IAR?: boolean;
}

/** A MIPS CPU preset: core's CpuSpec plus what probe_pcache reads beyond the geometry. */
export interface MipsCpuSpec extends CpuSpec {
  readonly mips: MipsProbe;
}

/** Whether a CpuSpec is one of this package's (it carries the `mips` probe data). */
export function isMipsCpu(cpu: CpuSpec): cpu is MipsCpuSpec {
  return cpu.arch === ARCH && typeof (cpu as Partial<MipsCpuSpec>).mips === "object";
}

/**
 * The 32-bit MIPS kernel layout (arch/mips/include/asm/mach-generic/spaces.h, fixmap.h, highmem.h,
 * processor.h): user space below TASK_SIZE 0x7FFF8000, KSEG0 (the unmapped cached window, PAGE_OFFSET
 * 0x80000000) as the linear map of the first 64 MiB of RAM, vmalloc in KSEG2 from 0xC0000000, PKMAP_BASE
 * 0xFE000000 with LAST_PKMAP 1024, the fixmap (kmap_atomic slots) below FIXADDR_TOP 0xFFFE0000, and
 * TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3). The architecture windows at 0xE0000000 hold the FIX_CMAP
 * slots of kmap_coherent (in Linux they are fixmap entries; only their colour matters to the caches).
 */
export function mipsLayout(highmemSize: number): Partial<KernelLayout> {
  return {
    physOffset: 0,
    pageOffset: 0x8000_0000,
    lowmemSize: 64 * MiB,
    highmemSize,
    mmapBase: 0x2aaa_8000,
    vmallocStart: 0xc000_0000,
    vmallocEnd: 0xe000_0000,
    windowStart: 0xe000_0000,
    windowEnd: 0xf000_0000,
    pkmapBase: 0xfe00_0000,
    lastPkmap: 1024,
    fixaddrStart: 0xff00_0000,
    kmTypeNr: 16,
  };
}

/** TASK_SIZE of a 32-bit MIPS process (arch/mips/include/asm/processor.h). */
export const MIPS_TASK_SIZE = 0x7fff_8000;

const cache = (
  size: number,
  ways: number,
  lineSize: number,
  indexing: "vipt" | "pipt",
): CacheGeometryInit => ({
  size,
  ways,
  lineSize,
  indexing,
  writePolicy: "write-back",
  writeAllocate: true,
  replacement: "lru",
});

/**
 * R4400PC (MIPS III, 1993): 16 KiB direct-mapped primary D- and I-caches, virtually indexed and physically
 * tagged, write-back, with 32-byte lines (Config.DB/IB select 16 or 32; 32 chosen), 4 KiB pages: a 16 KiB way is
 * 4 page colours. The PC part has no secondary cache, hence no Virtual Coherency Exceptions (cpu_has_vce is an
 * SC/MC matter). Write-back write-allocate is cache coherency attribute 3 (cacheable noncoherent).
 */
export const R4400: MipsCpuSpec = {
  arch: ARCH,
  name: "r4400",
  summary: "R4400PC: 16 KiB direct-mapped VIPT write-back D and I, 32 B lines (4 colours at 4 KiB pages), UP",
  source:
    "MIPS R4000 Microprocessor User's Manual 2nd ed., ch. 11 (primary caches: direct-mapped, virtually indexed, physically tagged, 16/32-byte lines; R4400: 16 KiB each); Linux arch/mips/mm/c-r4k.c probe_pcache (CPU_R4400PC: ways = 1)",
  pageSize: 4 * KiB,
  dcache: cache(16 * KiB, 1, 32, "vipt"),
  icache: cache(16 * KiB, 1, 32, "vipt"),
  maxCpus: 1,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(0),
  mips: { cpuType: "CPU_R4400PC" },
};

/**
 * MIPS32 24Kc with 32 KiB L1 caches (MIPS32r2, 2003): 4-way, 32-byte lines, VIPT write-back: an 8 KiB way is 2
 * colours at 4 KiB pages. Config7.AR clear: the D-cache aliases (the common configuration of 24K SoCs of the
 * 2000s with 32 KiB D). A uniprocessor core (the multiprocessor member of the family is the 1004K).
 */
export const MIPS_24KC_32K: MipsCpuSpec = {
  arch: ARCH,
  name: "24kc-32k",
  summary: "MIPS 24Kc: 32 KiB 4-way VIPT write-back D and I, 32 B lines (2 colours at 4 KiB pages), UP",
  source:
    "MIPS32 24K Processor Core Family Software User's Manual (MD00343), ch. 7 (L1 caches: 0-64 KiB, 4-way, 32-byte lines, virtually indexed, physically tagged; Config7.AR) (figures UNVERIFIED against the TRM, per reference §8); Linux c-r4k.c probe_pcache (CPU_24K)",
  pageSize: 4 * KiB,
  dcache: cache(32 * KiB, 4, 32, "vipt"),
  icache: cache(32 * KiB, 4, 32, "vipt"),
  maxCpus: 1,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(0),
  mips: { cpuType: "CPU_24K", config7AR: false, config7IAR: false },
};

/**
 * The same 24Kc with Config7.AR set: hardware alias removal makes the D-cache behave as physically indexed
 * (probe_pcache sets MIPS_CACHE_PINDEX, so no MIPS_CACHE_ALIASES). The model's D-cache is therefore PIPT; the
 * I-cache still aliases in silicon (Config7.IAR clear) but nothing in the hook paths depends on that. Highmem is
 * allowed (paging_init refuses it only when cpu_has_dc_aliases).
 */
export const MIPS_24KC_32K_AR: MipsCpuSpec = {
  arch: ARCH,
  name: "24kc-32k-ar",
  summary: "MIPS 24Kc, 32 KiB 4-way D with Config7.AR (hardware alias removal: behaves PIPT), VIPT I, UP",
  source:
    '24K Software User\'s Manual (MD00343), Config7.AR ("alias removed"); Linux c-r4k.c probe_pcache: Config7.AR ⇒ MIPS_CACHE_PINDEX, "effectively physically indexed dcache, thus no virtual aliases"',
  pageSize: 4 * KiB,
  dcache: cache(32 * KiB, 4, 32, "pipt"),
  icache: cache(32 * KiB, 4, 32, "vipt"),
  maxCpus: 1,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(64 * MiB),
  mips: { cpuType: "CPU_24K", config7AR: true, config7IAR: false },
};

/**
 * MIPS32 34Kc (MIPS MT, 2006) with 32 KiB caches: one core, two VPEs that Linux's SMVP kernel runs as two CPUs.
 * The VPEs share the core's L1 caches, so cache operations of one VPE act on the other's view (no IPI: the
 * siblings are not in cpu_foreign_map) and a store by one VPE is seen by the other. The model has one cache per
 * CPU, so it stands the shared cache in with `smpCoherent` (copies of a line in the two CPUs' caches are kept
 * coherent, at any colour) and `maintenanceBroadcast`: cross-VPE accesses at *different* colours are coherent in
 * the model while they alias in the real shared cache (a known limit; same-VPE aliasing is exact).
 */
export const MIPS_34KC_32K: MipsCpuSpec = {
  arch: ARCH,
  name: "34kc-32k",
  summary:
    "MIPS 34Kc: 32 KiB 4-way VIPT write-back D and I (2 colours), 2 VPEs sharing the L1 caches (2 CPUs)",
  source:
    'MIPS32 34K Processor Core Family Software User\'s Manual (MD00534), ch. 8 (L1 caches as 24K; 2 VPEs share them) (UNVERIFIED against the TRM); reference §8 ("34Kc 32 KiB 4-way, 8 KiB per way", B11); Linux c-r4k.c r4k_op_needs_ipi (siblings share the caches)',
  pageSize: 4 * KiB,
  dcache: cache(32 * KiB, 4, 32, "vipt"),
  icache: cache(32 * KiB, 4, 32, "vipt"),
  cpus: 2,
  maxCpus: 2,
  smpCoherent: true,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(0),
  mips: { cpuType: "CPU_34K", config7AR: false, config7IAR: false },
};

/**
 * Loongson-3A (MIPS64r2 compatible, 2010): 64 KiB 4-way L1 D and I with 32-byte lines, 16 KiB pages (Linux's
 * Loongson-3 configuration; with them a 16 KiB way cannot alias: cpu_has_dc_aliases is PAGE_SIZE < 16K in
 * mach-loongson64/cpu-feature-overrides.h). The hardware keeps the caches coherent between cores, with the
 * I-cache and with DMA (Huacai Chen, linux-mips 2016: "icache is coherent with dcache ... dcaches don't alias
 * (if PAGE_SIZE>=16K) ... maintains cache coherency across cores (and for DMA)"), so r4k_cache_init points the
 * flush hooks at cache_noop. The model keeps 32-bit addresses (the hooks do not depend on XKPHYS).
 */
export const LOONGSON3: MipsCpuSpec = {
  arch: ARCH,
  name: "loongson3",
  summary:
    "Loongson-3A: 64 KiB 4-way D and I, 16 KiB pages (no aliasing), hardware-coherent caches, I and DMA",
  source:
    'Linux arch/mips/include/asm/mach-loongson64/cpu-feature-overrides.h (cpu_has_dc_aliases = PAGE_SIZE < 0x4000, cpu_has_ic_fills_f_dc = 1); c-r4k.c r4k_cache_init (CPU_LOONGSON64: cache_noop); Huacai Chen, linux-mips, 2016-01-26 ("Loongson-3 maintains cache coherency by hardware"); L1 geometry from the Loongson-3A1000 manual (UNVERIFIED, reference §8)',
  pageSize: 16 * KiB,
  dcache: cache(64 * KiB, 4, 32, "vipt"),
  icache: cache(64 * KiB, 4, 32, "vipt"),
  maxCpus: 4,
  smpCoherent: true,
  icacheCoherent: true,
  dmaCoherent: true,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(0),
  mips: { cpuType: "CPU_LOONGSON64" },
};

/**
 * Alchemy Au1500 (MIPS32, 2001): 16 KiB 4-way D and I with 32-byte lines: a 4 KiB way at 4 KiB pages, so the
 * D-cache cannot alias. Its I-cache refills from the D-cache (probe_pcache sets MIPS_CACHE_IC_F_DC for
 * CPU_ALCHEMY), which is why flush_dcache_page does nothing at all here: no alias to clean and no write-back
 * needed for instruction fetches.
 */
export const AU1500: MipsCpuSpec = {
  arch: ARCH,
  name: "au1500",
  summary:
    "Alchemy Au1500: 16 KiB 4-way D and I (no aliasing), I-cache fills from the D-cache (cpu_has_ic_fills_f_dc)",
  source:
    "AMD Alchemy Au1500 Processor Data Book (16 KB instruction and 16 KB data cache, 4-way set associative, 32-byte lines) (UNVERIFIED: write-allocate); Linux c-r4k.c probe_pcache (CPU_ALCHEMY: MIPS_CACHE_IC_F_DC)",
  pageSize: 4 * KiB,
  dcache: cache(16 * KiB, 4, 32, "vipt"),
  icache: cache(16 * KiB, 4, 32, "vipt"),
  icacheFillsFromDcache: true,
  maxCpus: 1,
  maintenanceBroadcast: true,
  userTop: MIPS_TASK_SIZE,
  layout: mipsLayout(64 * MiB),
  mips: { cpuType: "CPU_ALCHEMY" },
};

/** Every CPU preset of this package, in listing order. */
export const MIPS_CPUS: readonly MipsCpuSpec[] = Object.freeze([
  R4400,
  MIPS_24KC_32K,
  MIPS_24KC_32K_AR,
  MIPS_34KC_32K,
  LOONGSON3,
  AU1500,
]);
