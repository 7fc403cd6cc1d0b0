// The boot-time classification of the caches (arch/arm/kernel/setup.c cacheid_init, arch/arm/include/asm/
// cachetype.h, shmparam.h, smp_plat.h) and the per-kernel context every hook implementation of this package
// receives: the kernel, the CPU's boot facts, the era, and the classification.
import {
  type Address,
  clear_bit,
  type Kernel,
  type Page,
  PG_arch_1,
  type Profile,
  set_bit,
  test_and_clear_bit,
  test_and_set_bit,
  test_bit,
} from "@flushlab/core";
import { type ArmCpuSpec, isArmCpu } from "./cpus.js";
import type { ArmEra } from "./eras.js";

/** The cacheid bits Linux computes at boot (CACHEID_VIVT, CACHEID_VIPT_ALIASING, ...). */
export interface ArmCacheId {
  /** CACHEID_VIVT: architecture < ARMv6. */
  readonly vivt: boolean;
  /** CACHEID_VIPT_ALIASING: ARMv6 with the CTR D "P" bit (a way larger than a page). */
  readonly viptAliasing: boolean;
  /** CACHEID_VIPT_NONALIASING: ARMv6 without the P bit, and every ARMv7 (D behaves as PIPT). */
  readonly viptNonaliasing: boolean;
  /** CACHEID_ASID_TAGGED: ARMv7 CTR L1Ip = 0b01. */
  readonly icacheAsidTagged: boolean;
  /** CACHEID_VIPT_I_ALIASING: ARMv6 CTR bit 11, ARMv7 a VIPT I-cache whose way exceeds a page. */
  readonly icacheViptAliasing: boolean;
  /** CACHEID_PIPT: ARMv7 CTR L1Ip = 0b11. */
  readonly icachePipt: boolean;
}

/**
 * cacheid_init() (arch/arm/kernel/setup.c): the classification of a CPU from its architecture and CTR, which
 * here is read off the preset's geometry (a way larger than a page is the CTR "P" bit on ARMv6 and the
 * CCSIDR test of cpu_has_aliasing_icache on ARMv7).
 */
export function cacheid_init(cpu: ArmCpuSpec): ArmCacheId {
  const { architecture } = cpu.arm;
  const wayExceedsPage = (g: { size: number; ways: number }) => g.size / g.ways > cpu.pageSize;
  if (architecture < 6) {
    return {
      vivt: true,
      viptAliasing: false,
      viptNonaliasing: false,
      icacheAsidTagged: false,
      icacheViptAliasing: false,
      icachePipt: false,
    };
  }
  const dAliasing = architecture === 6 && cpu.dcache.indexing === "vipt" && wayExceedsPage(cpu.dcache);
  const iIndexing = cpu.icache.indexing ?? "vipt";
  const asidTagged = architecture === 7 && cpu.arm.icacheAsidTagged === true;
  return {
    vivt: false,
    viptAliasing: dAliasing,
    viptNonaliasing: !dAliasing,
    icacheAsidTagged: asidTagged,
    icacheViptAliasing: !asidTagged && iIndexing === "vipt" && wayExceedsPage(cpu.icache),
    icachePipt: architecture === 7 && iIndexing === "pipt",
  };
}

/**
 * One kernel's ARM context: what every hook implementation of this package reads. Built by the era's plugin
 * when it is applied to a kernel.
 */
export class ArmKernel {
  /** The boot-time classification. */
  readonly cacheid: ArmCacheId;
  /** The VIPT "top PTE" windows, reserved on VIPT kernels (CONFIG_CPU_CACHE_VIPT). */
  readonly windows: {
    /** FLUSH_ALIAS_START: 4 pages, one per CACHE_COLOUR (arch/arm/mm/mm.h). */
    readonly flushAlias: Address;
    /** COPYPAGE_V6_FROM / COPYPAGE_V6_TO: 4 pages each (copypage-v6.c). */
    readonly copypageFrom: Address;
    readonly copypageTo: Address;
  } | null;

  /** The kernel page table's ASID (for maintenance by kernel virtual address). */
  readonly kernelAsid: number;
  /** L1_CACHE_BYTES: the D-cache line size, the stride of the copy and clear loops (copypage.ts). */
  readonly l1CacheBytes: number;

  constructor(
    readonly kernel: Kernel,
    readonly cpu: ArmCpuSpec,
    readonly era: ArmEra,
    readonly profile: Profile,
  ) {
    this.cacheid = cacheid_init(cpu);
    this.kernelAsid = kernel.machine.kernelSpace.asid;
    this.l1CacheBytes = kernel.machine.config.dcache.lineSize;
    if (this.cacheid.vivt) {
      this.windows = null;
    } else {
      const align = SHMLBA(kernel.pageSize);
      this.windows = {
        flushAlias: kernel.reserveWindow("FLUSH_ALIAS_START", 4, align).base,
        copypageFrom: kernel.reserveWindow("COPYPAGE_V6_FROM", 4, align).base,
        copypageTo: kernel.reserveWindow("COPYPAGE_V6_TO", 4, align).base,
      };
    }
  }

  /** The context of a kernel running `profile` with `era`; a UserError-free check that the CPU is ARM's. */
  static create(kernel: Kernel, profile: Profile, era: ArmEra): ArmKernel {
    if (!isArmCpu(profile.cpu)) {
      throw new Error(`the ARM policy ${era.name} needs an ARM CPU preset, not ${profile.cpu.name}`);
    }
    return new ArmKernel(kernel, profile.cpu, era, profile);
  }
}

// ── The predicates, by their Linux names (asm/cachetype.h, smp_plat.h) ────────────────────────────────────

/** cache_is_vivt(). */
export function cache_is_vivt(arm: ArmKernel): boolean {
  return arm.cacheid.vivt;
}

/** cache_is_vipt(). */
export function cache_is_vipt(arm: ArmKernel): boolean {
  return !arm.cacheid.vivt;
}

/** cache_is_vipt_aliasing(). */
export function cache_is_vipt_aliasing(arm: ArmKernel): boolean {
  return arm.cacheid.viptAliasing;
}

/** cache_is_vipt_nonaliasing(). */
export function cache_is_vipt_nonaliasing(arm: ArmKernel): boolean {
  return arm.cacheid.viptNonaliasing;
}

/** icache_is_vivt_asid_tagged(). */
export function icache_is_vivt_asid_tagged(arm: ArmKernel): boolean {
  return arm.cacheid.icacheAsidTagged;
}

/** icache_is_vipt_aliasing(). */
export function icache_is_vipt_aliasing(arm: ArmKernel): boolean {
  return arm.cacheid.icacheViptAliasing;
}

/** icache_is_pipt(). */
export function icache_is_pipt(arm: ArmKernel): boolean {
  return arm.cacheid.icachePipt;
}

/** cpu_dcache_is_aliasing() (arch/arm/include/asm/cachetype.h, v6.9): VIVT or aliasing VIPT. */
export function cpu_dcache_is_aliasing(arm: ArmKernel): boolean {
  return cache_is_vivt(arm) || cache_is_vipt_aliasing(arm);
}

/**
 * cache_ops_need_broadcast() (smp_plat.h): an SMP system whose CPUs do not broadcast cache maintenance in
 * hardware (ID_MMFR3[15:12] = 0: ARM11 MPCore). Disables every lazy path of flush_dcache_page.
 */
export function cache_ops_need_broadcast(arm: ArmKernel): boolean {
  return arm.cpu.arm.smp && arm.kernel.machine.config.maintenanceBroadcast !== true;
}

/**
 * ARCH_NEEDS_KMAP_HIGH_GET (asm/highmem.h): kmap_high_get() exists unless the kernel is SMP with ARMv6 TLB
 * maintenance (no hardware TLB broadcast: the IPI would deadlock under kmap_high_get's lock); elsewhere it
 * returns NULL.
 */
export function kmap_high_get_available(arm: ArmKernel): boolean {
  return !(arm.cpu.arm.smp && arm.cpu.arm.architecture === 6);
}

/** SHMLBA = 4 * PAGE_SIZE (arch/arm/include/asm/shmparam.h). */
export function SHMLBA(pageSize: number): number {
  return 4 * pageSize;
}

/** CACHE_COLOUR(vaddr) = (vaddr & (SHMLBA - 1)) >> PAGE_SHIFT (asm/shmparam.h): 0..3. */
export function CACHE_COLOUR(arm: ArmKernel, vaddr: Address): number {
  const { pageSize } = arm.kernel;
  return Math.floor(((vaddr >>> 0) % SHMLBA(pageSize)) / pageSize);
}

// ── PG_arch_1 with the era's polarity ──────────────────────────────────────────────────────────────────────

/** PG_dcache_clean: PG_arch_1 on ARM from v2.6.37 (set: the kernel alias is known clean). */
export const PG_dcache_clean = PG_arch_1;
/** PG_dcache_dirty: PG_arch_1 on ARM up to v2.6.36 (set: the kernel alias may hold dirty lines). */
export const PG_dcache_dirty = PG_arch_1;

/**
 * The deferred-flush state in the era's polarity: `defer(page)` records that the kernel alias may be dirty
 * (clear_bit(PG_dcache_clean) or set_bit(PG_dcache_dirty)); `markClean` records it flushed;
 * `takeOwedFlush` is the test-and-update of update_mmu_cache / __sync_icache_dcache (true: flush now).
 */
export const dcacheState = {
  defer(arm: ArmKernel, page: Page): void {
    if (arm.era.pgArch1 === "PG_dcache_dirty") set_bit(PG_dcache_dirty, page);
    else clear_bit(PG_dcache_clean, page);
  },
  markClean(arm: ArmKernel, page: Page): void {
    if (arm.era.pgArch1 === "PG_dcache_dirty") clear_bit(PG_dcache_dirty, page);
    else set_bit(PG_dcache_clean, page);
  },
  /** !test_and_set_bit(PG_dcache_clean) (≥ v2.6.37) or test_and_clear_bit(PG_dcache_dirty) (2.6.19). */
  takeOwedFlush(arm: ArmKernel, page: Page): boolean {
    if (arm.era.pgArch1 === "PG_dcache_dirty") return test_and_clear_bit(PG_dcache_dirty, page);
    return !test_and_set_bit(PG_dcache_clean, page);
  },
  /** Whether a flush is owed (PG_dcache_clean clear, or PG_dcache_dirty set). */
  owed(arm: ArmKernel, page: Page): boolean {
    return arm.era.pgArch1 === "PG_dcache_dirty"
      ? test_bit(PG_dcache_dirty, page)
      : !test_bit(PG_dcache_clean, page);
  },
};
