/**
 * @flushlab/arch-mips: r4k-style MIPS caches (R4400, 24K, 34K, Loongson-3, Alchemy) and Linux's MIPS cache-flush
 * implementation era by era (2.6.19, 2.6.23, 3.10, 4.19, 6.6), with kmap_coherent, and the arch-independent
 * `+coloured-kmap` plugin (Ralf Baechle's 2008 proposal, generalised).
 *
 * ```ts
 * import { createRegistry, runScenario } from "@flushlab/core";
 * import { registerMipsProfiles } from "@flushlab/arch-mips";
 * const container = createRegistry(registerMipsProfiles);
 * runScenario(scenario, "mips/24kc-32k@3.10+coloured-kmap", { container });
 * ```
 * @packageDocumentation
 */
import "reflect-metadata";

export {
  cacheInfoOf,
  cpu_dcache_is_aliasing,
  gup_fast_permitted,
  highmem_allowed,
  type MipsCacheDesc,
  type MipsCacheInfo,
  pages_do_alias,
  probe_pcache,
  shm_colour,
  shmlba,
} from "./cachetype.js";
export { clear_user_page, copy_user_highpage, copy_user_page } from "./copypage.js";
export {
  ARCH,
  AU1500,
  isMipsCpu,
  LOONGSON3,
  MIPS_24KC_32K,
  MIPS_24KC_32K_AR,
  MIPS_34KC_32K,
  MIPS_CPUS,
  MIPS_TASK_SIZE,
  type MipsCpuSpec,
  type MipsCpuType,
  type MipsProbe,
  mipsLayout,
  R4400,
} from "./cpus.js";
export { MIPS_ERA_NAMES, MIPS_ERAS, type MipsEra, type MipsEraName, mipsEra } from "./eras.js";
export { __update_cache, __update_cache_vma, pte_no_exec, set_pte_at, update_mmu_cache } from "./fault.js";
export {
  __flush_anon_page,
  __flush_dcache_page,
  flush_anon_page,
  flush_cache_dup_mm,
  flush_cache_mm,
  flush_cache_page,
  flush_cache_range,
  flush_cache_vmap,
  flush_cache_vunmap,
  flush_data_cache_page,
  flush_dcache_page,
  flush_icache_page,
  flush_icache_range,
  flush_kernel_dcache_page,
  flush_kernel_vmap_range,
  r4k_blast_dcache,
  r4k_blast_icache,
} from "./flush.js";
export { FIX_CMAP, FIX_N_COLOURS, FixCmap, kmap_coherent, kunmap_coherent } from "./highmem.js";
export { arch_get_unmapped_area, COLOUR_ALIGN } from "./mmap.js";
export {
  ADD_TO_SWAP_OP,
  KMAP_COHERENT_OP,
  KUNMAP_COHERENT_OP,
  MIPS_OPS,
  mipsContextOf,
  mipsOpExecutors,
} from "./ops.js";
export {
  add_to_swap,
  ClearPageDcacheDirty,
  type MipsContext,
  Page_dcache_dirty,
  PageSwapCache,
  SetPageDcacheDirty,
} from "./page.js";
export {
  COLOURED_KMAP,
  COLOURED_KMAP_SPEC,
  COLOURED_KMAP_WINDOW,
  type ColouredKmapOptions,
  colouredKmap,
  registerColouredKmap,
} from "./plugins/coloured-kmap.js";
export { eraPluginName, MIPS_POLICIES, mipsEraPlugin, mipsPolicy, registerMipsProfiles } from "./profiles.js";
export { copy_from_user_page, copy_to_user_page } from "./ptrace.js";
export { arch_uprobe_copy_ixol } from "./uprobes.js";
