// The boot-time classification of the primary caches, as arch/mips/mm/c-r4k.c probe_pcache() and
// r4k_cache_init() compute it, and the predicates built on it (arch/mips/include/asm/cpu-features.h,
// page.h pages_do_alias, mm/mmap.c shm_align_mask, pgtable.h gup_fast_permitted). Everything is derived from
// the CPU preset's geometry and probe data, so that a preset with another cache size classifies itself.
// Reference: /work/shared/docs/kernel-reference.md §4.1 [MK c-r4k.c, MPG, MGUP].
import { type CacheGeometry, cacheGeometry, type Profile } from "@flushlab/core";
import type { MipsCpuSpec, MipsCpuType } from "./cpus.js";

/** struct cache_desc flags (arch/mips/include/asm/cpu-info.h) that the hook paths read. */
export interface MipsCacheDesc {
  /** waysize: bytes of one way (size / ways). */
  readonly waysize: number;
  /** sets. */
  readonly sets: number;
  /** linesz. */
  readonly linesz: number;
  /** MIPS_CACHE_ALIASES. */
  readonly aliases: boolean;
  /** MIPS_CACHE_PINDEX: physically indexed (or behaves so). */
  readonly pindex: boolean;
}

/** What the kernel knows about this CPU's caches after r4k_cache_init. */
export interface MipsCacheInfo {
  readonly dcache: MipsCacheDesc;
  readonly icache: MipsCacheDesc;
  /** cpu_has_dc_aliases (cpu-features.h: dcache.flags & MIPS_CACHE_ALIASES, or a mach override). */
  readonly cpu_has_dc_aliases: boolean;
  /** cpu_has_ic_fills_f_dc (icache.flags & MIPS_CACHE_IC_F_DC, or a mach override). */
  readonly cpu_has_ic_fills_f_dc: boolean;
  /** shm_align_mask (c-r4k.c r4k_cache_init). */
  readonly shm_align_mask: number;
  /**
   * r4k_cache_init's per-CPU override for CPU_LOONGSON64: flush_cache_mm/page/range, flush_data_cache_page,
   * __flush_cache_vmap/vunmap and __flush_kernel_vmap_range are cache_noop ("Loongson-3 maintains cache
   * coherency by hardware"). flush_icache_range is NOT in that list.
   */
  readonly cache_noop: boolean;
  readonly pageSize: number;
}

/**
 * The CPUs whose D-cache probe_pcache marks MIPS_CACHE_PINDEX unconditionally (20Kc, 25Kf, I6400, I6500, SB1,
 * XLR): none of this package's presets.
 */
const ALWAYS_PINDEX: readonly MipsCpuType[] = [];
/** The CPUs that honour Config7.AR (24K, 34K, 74K, 1004K, interAptiv, proAptiv, P5600, M14K, ...). */
const CONFIG7_AR_FAMILY: readonly MipsCpuType[] = ["CPU_24K", "CPU_34K"];
/** The CPUs probe_pcache marks MIPS_CACHE_IC_F_DC (Alchemy, I6400, I6500, BMIPS5000). */
const IC_FILLS_F_DC: readonly MipsCpuType[] = ["CPU_ALCHEMY"];

function desc(geometry: CacheGeometry): Omit<MipsCacheDesc, "aliases" | "pindex"> {
  return { waysize: geometry.waySize, sets: geometry.sets, linesz: geometry.lineSize };
}

/**
 * probe_pcache + r4k_cache_init (arch/mips/mm/c-r4k.c, v4.19–v6.x form; the same decisions in the 2.6 and 3.x
 * forms for these CPUs): MIPS_CACHE_PINDEX for Config7.AR parts, MIPS_CACHE_ALIASES when not PINDEX and
 * waysize > PAGE_SIZE, MIPS_CACHE_IC_F_DC for Alchemy, then the mach overrides (Loongson64:
 * cpu_has_dc_aliases = PAGE_SIZE < 16K, cpu_has_ic_fills_f_dc = 1), shm_align_mask, and the Loongson cache_noop.
 */
export function probe_pcache(cpu: MipsCpuSpec): MipsCacheInfo {
  const d = cacheGeometry(cpu.dcache, `cpu ${cpu.arch}/${cpu.name} D-cache`);
  const i = cacheGeometry(cpu.icache, `cpu ${cpu.arch}/${cpu.name} I-cache`);
  const { cpuType, config7AR = false, config7IAR = false } = cpu.mips;
  const pageSize = cpu.pageSize;
  // c-r4k.c: "Effectively physically indexed dcache, thus no virtual aliases." (Config7.AR)
  const pindex = ALWAYS_PINDEX.includes(cpuType) || (CONFIG7_AR_FAMILY.includes(cpuType) && config7AR);
  const dAliases = !pindex && d.waySize > pageSize;
  const iAliases = CONFIG7_AR_FAMILY.includes(cpuType) && !config7IAR && i.waySize > pageSize;
  let cpu_has_dc_aliases = dAliases;
  let cpu_has_ic_fills_f_dc = IC_FILLS_F_DC.includes(cpuType);
  if (cpuType === "CPU_LOONGSON64") {
    // mach-loongson64/cpu-feature-overrides.h
    cpu_has_dc_aliases = pageSize < 0x4000;
    cpu_has_ic_fills_f_dc = true;
  }
  // r4k_cache_init: shm_align_mask = max(sets * linesz - 1, PAGE_SIZE - 1) when the D-cache aliases
  const shm_align_mask = cpu_has_dc_aliases ? Math.max(d.sets * d.lineSize - 1, pageSize - 1) : pageSize - 1;
  return {
    dcache: { ...desc(d), aliases: dAliases, pindex },
    icache: { ...desc(i), aliases: iAliases, pindex: false },
    cpu_has_dc_aliases,
    cpu_has_ic_fills_f_dc,
    shm_align_mask,
    cache_noop: cpuType === "CPU_LOONGSON64",
    pageSize,
  };
}

/**
 * The probe of each CPU preset, made once: a preset is frozen when registered, and every kernel of a matrix
 * asks for its CPU's classification again.
 */
const probed = new WeakMap<MipsCpuSpec, MipsCacheInfo>();

/** The classification of a resolved profile's CPU (a MIPS profile: its CPU carries the probe data). */
export function cacheInfoOf(profile: Profile): MipsCacheInfo {
  const cpu = profile.cpu as MipsCpuSpec;
  let info = probed.get(cpu);
  if (info === undefined) {
    info = deepFreeze(probe_pcache(cpu));
    probed.set(cpu, info);
  }
  return info;
}

function deepFreeze(info: MipsCacheInfo): MipsCacheInfo {
  Object.freeze(info.dcache);
  Object.freeze(info.icache);
  return Object.freeze(info);
}

/** pages_do_alias(addr1, addr2) (arch/mips/include/asm/page.h): non-zero iff the two addresses differ in colour. */
export function pages_do_alias(info: MipsCacheInfo, addr1: number, addr2: number): boolean {
  return ((addr1 ^ addr2) & info.shm_align_mask) !== 0;
}

/** The colour of an address in the kernel's sense: which SHMLBA slot it falls in (addr & shm_align_mask) / PAGE_SIZE. */
export function shm_colour(info: MipsCacheInfo, addr: number): number {
  return Math.floor((addr & info.shm_align_mask) / info.pageSize);
}

/** SHMLBA as mmap sees it: shm_align_mask + 1 (arch/mips/include/asm/shmparam.h: SHMLBA = 0x40000 for IPC). */
export function shmlba(info: MipsCacheInfo): number {
  return info.shm_align_mask + 1;
}

/**
 * gup_fast_permitted(start, end) (arch/mips/include/asm/pgtable.h): GUP-fast, which calls neither
 * flush_anon_page nor flush_dcache_page, is refused when the D-cache aliases, so get_user_pages always takes the
 * slow path there. (Verified in torvalds/linux pgtable.h: `#define gup_fast_permitted(start, end)
 * (!cpu_has_dc_aliases)`.) flushlab's kernel models only the slow path, which is exact on aliasing MIPS.
 */
export function gup_fast_permitted(info: MipsCacheInfo): boolean {
  return !info.cpu_has_dc_aliases;
}

/**
 * cpu_dcache_is_aliasing() (arch/mips/include/asm/cachetype.h, ≥ v6.9): cpu_has_dc_aliases. What alloc_dax
 * consults at run time.
 */
export function cpu_dcache_is_aliasing(info: MipsCacheInfo): boolean {
  return info.cpu_has_dc_aliases;
}

/**
 * Highmem with an aliasing D-cache: paging_init (arch/mips/mm/init.c) prints "This processor doesn't support
 * highmem." and drops the highmem zone when cpu_has_dc_aliases. The presets' layouts follow it; this says
 * whether a layout with highmem is allowed on the CPU.
 */
export function highmem_allowed(info: MipsCacheInfo): boolean {
  return !info.cpu_has_dc_aliases;
}
