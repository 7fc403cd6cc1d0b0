// The policies of @flushlab/arch-mips (one per kernel era: a KernelPlugin that taps every MIPS hook at STAGE_ARCH
// with the era's implementation), which CPU × era combinations the kernel supported, and registration.
import {
  EOPNOTSUPP,
  type Kernel,
  type KernelPlugin,
  KernelRefusal,
  type PolicySpec,
  type Profile,
  registerCpu,
  registerFsDax,
  registerOp,
  registerPolicy,
  replaceHook,
  STAGE_ARCH,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";
import { cacheInfoOf, type MipsCacheInfo, probe_pcache } from "./cachetype.js";
import { clear_user_page, copy_user_highpage, copy_user_page } from "./copypage.js";
import { ARCH, isMipsCpu, MIPS_CPUS, type MipsCpuSpec } from "./cpus.js";
import { MIPS_ERA_NAMES, MIPS_ERAS, type MipsEra, type MipsEraName } from "./eras.js";
import { set_pte_at, update_mmu_cache } from "./fault.js";
import {
  flush_anon_page,
  flush_cache_dup_mm,
  flush_cache_mm,
  flush_cache_page,
  flush_cache_range,
  flush_cache_vmap,
  flush_cache_vunmap,
  flush_dcache_page,
  flush_icache_page,
  flush_icache_range,
  flush_kernel_dcache_page,
  flush_kernel_vmap_range,
} from "./flush.js";
import { FixCmap } from "./highmem.js";
import { arch_get_unmapped_area } from "./mmap.js";
import { bindMipsContext, MIPS_OPS, mipsOpExecutors } from "./ops.js";
import type { MipsContext } from "./page.js";
import { registerColouredKmap } from "./plugins/coloured-kmap.js";
import { copy_from_user_page, copy_to_user_page } from "./ptrace.js";
import { arch_uprobe_copy_ixol } from "./uprobes.js";

/** The name an era's plugin taps under: `mips@3.10`. */
export const eraPluginName = (era: MipsEraName): string => `${ARCH}@${era}`;

/** Tap every MIPS hook of `kernel` with the implementations `ctx.era` selects (returning HANDLED replaces asm-generic). */
function tapMipsHooks(kernel: Kernel, ctx: MipsContext, name: string): void {
  const tap = { name, stage: STAGE_ARCH };
  const { hooks } = kernel;
  const { era } = ctx;
  replaceHook(hooks, "flush_dcache_page", tap, (page) => flush_dcache_page(ctx, page));
  replaceHook(hooks, "flush_anon_page", tap, (vma, page, vmaddr) => flush_anon_page(ctx, vma, page, vmaddr));
  replaceHook(hooks, "flush_kernel_dcache_page", tap, (page) => flush_kernel_dcache_page(ctx, page));
  replaceHook(hooks, "flush_cache_mm", tap, (mm) => flush_cache_mm(ctx, mm));
  replaceHook(hooks, "flush_cache_dup_mm", tap, (mm) => flush_cache_dup_mm(ctx, mm));
  replaceHook(hooks, "flush_cache_range", tap, (vma, start, end) => flush_cache_range(ctx, vma, start, end));
  replaceHook(hooks, "flush_cache_page", tap, (vma, addr, pfn) => flush_cache_page(ctx, vma, addr, pfn));
  replaceHook(hooks, "flush_icache_range", tap, (start, end) => flush_icache_range(ctx, start, end));
  replaceHook(hooks, "flush_icache_page", tap, (vma, page) => flush_icache_page(ctx, vma, page));
  replaceHook(hooks, "flush_cache_vmap", tap, (start, end) => flush_cache_vmap(ctx, start, end));
  replaceHook(hooks, "flush_cache_vunmap", tap, (start, end) => flush_cache_vunmap(ctx, start, end));
  replaceHook(hooks, "flush_kernel_vmap_range", tap, (vaddr, size) =>
    flush_kernel_vmap_range(ctx, vaddr, size),
  );
  replaceHook(hooks, "invalidate_kernel_vmap_range", tap, (vaddr, size) =>
    flush_kernel_vmap_range(ctx, vaddr, size),
  );
  // flush_cache_all is cache_noop on r4k (r4k_cache_init: `flush_cache_all = cache_noop`; __flush_cache_all is
  // the one that blasts, used at boot and by a few drivers).
  replaceHook(hooks, "flush_cache_all", tap, () => undefined);
  if (era.copyUserHighpage !== "generic") {
    replaceHook(hooks, "copy_user_highpage", tap, (to, from, vaddr, vma) =>
      copy_user_highpage(ctx, to, from, vaddr, vma),
    );
  }
  replaceHook(hooks, "copy_user_page", tap, (to, from, vaddr, topage) =>
    copy_user_page(ctx, to, from, vaddr, topage),
  );
  replaceHook(hooks, "clear_user_page", tap, (to, vaddr, page) => clear_user_page(ctx, to, vaddr, page));
  replaceHook(hooks, "copy_to_user_page", tap, (vma, page, vaddr, dst, src, len) =>
    copy_to_user_page(ctx, vma, page, vaddr, dst, src, len),
  );
  replaceHook(hooks, "copy_from_user_page", tap, (vma, page, vaddr, dst, src, len) =>
    copy_from_user_page(ctx, vma, page, vaddr, dst, src, len),
  );
  replaceHook(hooks, "set_pte_at", tap, (mm, addr, ptep, pte) => set_pte_at(ctx, mm, addr, ptep, pte));
  replaceHook(hooks, "update_mmu_cache", tap, (vma, addr, ptep) => update_mmu_cache(ctx, vma, addr, ptep));
  replaceHook(hooks, "arch_get_unmapped_area", tap, (filp, addr, len, pgoff, flags) =>
    arch_get_unmapped_area(ctx, filp, addr, len, pgoff, flags),
  );
  replaceHook(hooks, "arch_uprobe_copy_ixol", tap, (page, vaddr, src, len) =>
    arch_uprobe_copy_ixol(ctx, page, vaddr, src, len),
  );
  if (era.dax !== "runtime") {
    // No DAX to set up: fs/dax.c does not exist yet (≈ v4.0), or fs/Kconfig's FS_DAX excludes MIPS (d92576f1167c
    // until v6.8). From v6.9 asm-generic's alloc_dax applies (the era's daxRefusedOnAliasingDcache).
    replaceHook(hooks, "alloc_dax", tap, (file) => {
      throw new KernelRefusal(
        -EOPNOTSUPP,
        era.dax === "none"
          ? `DAX file ${file.name}: Linux ${era.name} has no DAX (fs/dax.c came in ≈ v4.0)`
          : `DAX file ${file.name}: CONFIG_FS_DAX cannot be built on MIPS in ${era.name} (fs/Kconfig: depends on !(ARM || MIPS || SPARC))`,
        era.dax === "none" ? "fs/dax.c (absent)" : "fs/Kconfig: FS_DAX",
      );
    });
  }
}

/**
 * The plugin of MIPS era `era` for one kernel: builds the context (the CPU's classification, the era, the
 * FIX_CMAP slots), taps every MIPS hook, and brings the executors of the `kmap_coherent`, `kunmap_coherent`
 * (eras with kmap_coherent) and `add_to_swap` scenario ops.
 */
export function mipsEraPlugin(eraName: MipsEraName): KernelPlugin {
  const era: MipsEra = MIPS_ERAS[eraName];
  const name = eraPluginName(eraName);
  return {
    name,
    ops: mipsOpExecutors(era.kmapCoherent),
    apply(kernel: Kernel, profile: Profile) {
      const info: MipsCacheInfo = cacheInfoOf(profile);
      const ctx: MipsContext = { kernel, info, era, cmap: new FixCmap(kernel) };
      bindMipsContext(kernel, ctx);
      tapMipsHooks(kernel, ctx, name);
    },
  };
}

/** Linux's support for each CPU: the first era whose kernel knew the core (none before it is offered). */
function supports(era: MipsEra): (cpu: Parameters<NonNullable<PolicySpec["supports"]>>[0]) => true | string {
  return (cpu) => {
    if (!isMipsCpu(cpu)) return `${cpu.name} is not a MIPS CPU preset`;
    const mips: MipsCpuSpec = cpu;
    if (
      mips.mips.cpuType === "CPU_LOONGSON64" &&
      (era.name === "2.6.19" || era.name === "2.6.23" || era.name === "3.10")
    ) {
      return `Loongson-3 support (CPU_LOONGSON3, arch/mips/loongson64) came with v3.15; ${era.name} did not know the core`;
    }
    if (probe_pcache(mips).cpu_has_dc_aliases && (mips.layout?.highmemSize ?? 0) > 0) {
      return 'paging_init refuses highmem with an aliasing D-cache ("This processor doesn\'t support highmem")';
    }
    return true;
  };
}

/** The PolicySpec of era `name`. */
export function mipsPolicy(name: MipsEraName): PolicySpec {
  const era = MIPS_ERAS[name];
  return {
    arch: ARCH,
    name,
    summary: era.summary,
    source: era.source,
    era: era.kernel,
    supports: supports(era),
    plugins: () => [mipsEraPlugin(name)],
  };
}

/** Every policy of this package, oldest era first. */
export const MIPS_POLICIES: readonly PolicySpec[] = Object.freeze(
  MIPS_ERA_NAMES.map((name) => mipsPolicy(name)),
);

/**
 * Register this package's CPUs (mips/r4400, 24kc-32k, 24kc-32k-ar, 34kc-32k, loongson3, au1500), its eras
 * (@2.6.19, @2.6.23, @3.10, @4.19, @6.6), its scenario ops (kmap_coherent, kunmap_coherent, add_to_swap: on
 * the default op registry, which the scenario parser reads) and the coloured-kmap plugin (if not registered
 * yet) in `container`. No side effect at import.
 */
export function registerMipsProfiles(container: DependencyContainer): void {
  for (const cpu of MIPS_CPUS) registerCpu(container, cpu);
  for (const policy of MIPS_POLICIES) registerPolicy(container, policy);
  for (const op of MIPS_OPS) registerOp(op);
  registerColouredKmap(container);
  registerFsDax(container);
}
