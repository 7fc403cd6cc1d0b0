// CPU presets of 32-bit ARM: L1 geometry (size, ways, line, indexing, write policy, allocate policy,
// replacement), page size, coherence flags and the memory layout of a named SoC, each with its source. The
// facts Linux derives at boot (architecture version, which copypage implementation `cpu_user` points to, SMP)
// are in `arm`, and the boot-time classification of cachetype.ts reads them together with the geometry.
//
// Allocate policy: ARMv4/ARMv5 D-caches allocate on a read miss only (a store that misses goes through the
// write buffer to memory and allocates nothing); on ARMv6/ARMv7 the allocate policy comes from the memory
// type Linux gives normal memory: write-back read-allocate on a uniprocessor kernel (CPOLICY_WRITEBACK),
// write-back write-allocate on SMP (CPOLICY_WRITEALLOC, arch/arm/mm/mmu.c build_mem_type_table). The L2
// caches of these SoCs (Kirkwood's 256 KiB, the PL310 of OMAP4, the Cortex-A8 L2) are physically indexed and
// tagged: they hold one copy of a line whatever its alias, so they cannot cause an aliasing failure and are
// not modelled.
import type { CpuSpec, KernelLayout } from "@flushlab/core";

const KiB = 1024;
const MiB = 1024 * KiB;

/** The architecture, as profile ids spell it (`arm/arm926@3.10`). */
export const ARM_ARCH = "arm";

/** What Linux learns about an ARM CPU at boot besides its cache geometry. */
export interface ArmCpuFacts {
  /** cpu_architecture(): 4 (ARMv4), 5 (ARMv5TE(J)), 6 (ARMv6, ARMv6K) or 7 (ARMv7-A). */
  readonly architecture: 4 | 5 | 6 | 7;
  /**
   * The copy_user_highpage/clear_user_highpage implementation `cpu_user` points to (arch/arm/mm/copypage-*.c):
   * `v4wb` (StrongARM, ARM926: invalidate each destination line before storing it), `feroceon` (store, then
   * clean and invalidate each destination line), `v6` (copypage-v6.c: aliasing or non-aliasing variant chosen
   * from the cache type; ARMv7 uses it too).
   */
  readonly copypage: "v4wb" | "feroceon" | "v6";
  /** is_smp(): an SMP core running an SMP kernel. */
  readonly smp: boolean;
  /** ARMv7 CTR L1Ip = 0b01: the I-cache is ASID-tagged VIVT (icache_is_vivt_asid_tagged). */
  readonly icacheAsidTagged?: boolean;
}

/** A CPU preset of this package: a core's CpuSpec plus what Linux derives from it at boot. */
export interface ArmCpuSpec extends CpuSpec {
  readonly arm: ArmCpuFacts;
}

/** Whether a CpuSpec is one of this package's (carries the ARM boot facts). */
export function isArmCpu(cpu: CpuSpec): cpu is ArmCpuSpec {
  return cpu.arch === ARM_ARCH && typeof (cpu as Partial<ArmCpuSpec>).arm === "object";
}

/**
 * The ARM memory layout with a 3G/1G split (VMSPLIT_3G, the default of every preset), scaled to a scenario:
 * TASK_SIZE = PAGE_OFFSET - 16 MiB (the modules area sits between), PKMAP_BASE = PAGE_OFFSET - 2 MiB with
 * LAST_PKMAP = PTRS_PER_PTE = 512, vmalloc from high_memory + 8 MiB (VMALLOC_OFFSET) to VMALLOC_END =
 * 0xff800000 (asm/pgtable.h), the kmap_atomic fixmap slots at FIXADDR_START = 0xfff00000 (KM_TYPE_NR = 16 per
 * CPU; arch/arm/include/asm/fixmap.h before v3.19; the 6.x eras move it to 0xffc80000), and the architecture
 * window area at [0xff800000, 0xffc00000). Lowmem is 64 MiB; `highmem` adds 64 MiB above it.
 *
 * The window area. Linux puts the VIPT "top PTE" windows at fixed addresses, FLUSH_ALIAS_START 0xffff4000 and
 * COPYPAGE_V6_FROM/TO 0xffff8000/0xffffc000 (arch/arm/mm/mm.h; Documentation/arm/memory.rst "ffff4000 ffffffff
 * cache aliasing on ARMv6 and later CPUs"), 48 KiB that these three windows fill. flushlab carves every
 * architecture window from one area (Kernel.reserveWindow), and a plugin that brings its own windows (arch-mips's
 * +coloured-kmap: colours × 16 pages) needs room beside ARM's, so the area is the 4 MiB between VMALLOC_END
 * (0xff800000) and 0xffc00000 instead, and the three windows are reserved first, at 0xff800000, 0xff804000 and
 * 0xff808000. The area is SHMLBA-aligned (16 KiB), so each window page keeps the colour Linux's has (colour =
 * address bits 12-13): the move changes addresses in traces, never a verdict. Checked against the real map:
 * 0xff800000-0xffbfffff is above VMALLOC_END and below every FIXADDR_START (0xfff00000 before v3.19,
 * 0xffc00000 after, 0xffc80000 once the DT blob got its mapping; asm/fixmap.h), above the pkmap area (below
 * PAGE_OFFSET) and below the vectors page (0xffff0000); in the model it touches none of the linear map, vmalloc,
 * pkmap and fixmap areas of any era (core's checkKernelLayout checks them disjoint). In Linux the range is a gap
 * in the 3.x-5.x maps; the latest kernels put the read-only mapping of the firmware DT blob there (memory.rst
 * "ff800000 ffbfffff", with FIXADDR_START 0xffc80000, Ard Biesheuvel, ≈ v5.11), which the model does not have.
 */
export function armLayout(physOffset: number, highmem: boolean): Partial<KernelLayout> {
  const pageOffset = 0xc000_0000;
  const lowmemSize = 64 * MiB;
  return {
    physOffset,
    pageOffset,
    lowmemSize,
    highmemSize: highmem ? 64 * MiB : 0,
    mmapBase: 0x4000_0000, // TASK_UNMAPPED_BASE = ALIGN(TASK_SIZE / 3, SZ_16M)
    vmallocStart: pageOffset + lowmemSize + 8 * MiB,
    vmallocEnd: 0xff80_0000,
    pkmapBase: pageOffset - 2 * MiB,
    lastPkmap: 512,
    fixaddrStart: 0xfff0_0000,
    kmTypeNr: 16,
    windowStart: 0xff80_0000, // see above: room for ARM's three VIPT windows and a plugin's
    windowEnd: 0xffc0_0000,
  };
}

/** TASK_SIZE on ARM with VMSPLIT_3G: PAGE_OFFSET - 16 MiB (arch/arm/include/asm/memory.h). */
export const ARM_TASK_SIZE = 0xbf00_0000;

/**
 * arm926: the ARM926EJ-S of TI's OMAP-L138 / DA850 (16 KiB I-cache and 16 KiB D-cache, per the OMAP-L138
 * data manual, SPRS586). ARM926EJ-S TRM (ARM DDI 0198D §4.1): caches of 4-128 KiB, 4-way, 32-byte lines,
 * virtually indexed and virtually tagged, write-back or write-through per page, allocate on read miss only,
 * pseudo-random or round-robin replacement (CP15 c1 RR bit; Linux leaves it clear unless
 * CONFIG_CPU_CACHE_ROUND_ROBIN: pseudo-random). Linux: cache_is_vivt (architecture < v6), copypage-v4wb
 * (arch/arm/mm/Kconfig CPU_ARM926T selects CPU_COPY_V4WB). DDR at 0xc0000000 (mach-davinci PHYS_OFFSET). A
 * real LCDK board has 128 MiB and no highmem; the preset puts a highmem boundary at 64 MiB so that highmem
 * scenarios run (as a board with more memory than the 3G/1G lowmem would).
 */
export const ARM926: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "arm926",
  summary:
    "ARM926EJ-S (TI OMAP-L138): VIVT 16 KiB 4-way WB read-allocate D and VIVT 16 KiB I, 32 B lines, ARMv5, UP",
  source:
    "ARM DDI 0198D §4.1; TI SPRS586 (OMAP-L138: 16 KB I, 16 KB D); arch/arm/kernel/setup.c cacheid_init (v<6 ⇒ VIVT)",
  pageSize: 4 * KiB,
  dcache: {
    size: 16 * KiB,
    ways: 4,
    lineSize: 32,
    indexing: "vivt",
    writePolicy: "write-back",
    writeAllocate: false,
    replacement: "random",
  },
  icache: { size: 16 * KiB, ways: 4, lineSize: 32, indexing: "vivt", replacement: "random" },
  maxCpus: 1,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0xc000_0000, true),
  arm: { architecture: 5, copypage: "v4wb", smp: false },
};

/**
 * feroceon: the Marvell Feroceon 88FR131 (Sheeva, ARMv5TE) of the Kirkwood 88F6281 (SheevaPlug, the machine
 * of Simon Baatz's 2013 report): L1 D 16 KiB 4-way 32 B lines and L1 I 16 KiB 4-way 32 B, VIVT (7-cpu.com
 * Kirkwood page; Plan 9 kw port notes: "l1 I & D VIVT caches 16K each: 4-way, 128 sets, 32-byte lines"), a
 * 256 KiB PIPT L2 (not modelled). Read-allocate as ARMv5 (UNVERIFIED for Sheeva: no Marvell manual read).
 * Linux: cache_is_vivt, copypage-feroceon (store then clean+invalidate each destination line), DDR at 0.
 * Highmem boundary as arm926 (a SheevaPlug's 512 MiB all fit in lowmem) so that the two presets compare.
 */
export const FEROCEON: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "feroceon",
  summary:
    "Marvell Feroceon 88FR131 (Kirkwood 88F6281): VIVT 16 KiB 4-way WB read-allocate D and I, 32 B lines, ARMv5TE",
  source: "7-cpu.com Kirkwood (L1 D/I 16 KB 4-way 32 B); arch/arm/mm/proc-feroceon.S, copypage-feroceon.c",
  pageSize: 4 * KiB,
  dcache: {
    size: 16 * KiB,
    ways: 4,
    lineSize: 32,
    indexing: "vivt",
    writePolicy: "write-back",
    writeAllocate: false,
    replacement: "random",
  },
  icache: { size: 16 * KiB, ways: 4, lineSize: 32, indexing: "vivt", replacement: "random" },
  maxCpus: 1,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0, true),
  arm: { architecture: 5, copypage: "feroceon", smp: false },
};

/**
 * sa1100: Intel StrongARM SA-1100 (ARMv4): D-cache 8 KiB 32-way 32 B lines (plus a 512 B mini-cache, not
 * modelled: Linux maps nothing there for user data), I-cache 16 KiB 32-way, both VIVT, D write-back
 * read-allocate (the v4wb copypage's invalidate-before-store trick relies on it: arch/arm/mm/copypage-v4wb.c),
 * round-robin replacement (modelled as FIFO; UNVERIFIED). DRAM bank 0 at 0xc0000000. No highmem.
 */
export const SA1100: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "sa1100",
  summary: "StrongARM SA-1100: VIVT 8 KiB 32-way WB read-allocate D, VIVT 16 KiB 32-way I, 32 B lines, ARMv4",
  source:
    "Intel SA-1100 developer's manual (sizes/ways: reference §8, UNVERIFIED); copypage-v4wb.c (read-allocate)",
  pageSize: 4 * KiB,
  dcache: {
    size: 8 * KiB,
    ways: 32,
    lineSize: 32,
    indexing: "vivt",
    writePolicy: "write-back",
    writeAllocate: false,
    replacement: "fifo",
  },
  icache: { size: 16 * KiB, ways: 32, lineSize: 32, indexing: "vivt", replacement: "fifo" },
  maxCpus: 1,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0xc000_0000, false),
  arm: { architecture: 4, copypage: "v4wb", smp: false },
};

/**
 * arm1136-32k: ARM1136JF-S with 32 KiB 4-way caches of 32-byte lines (TI OMAP2420, Nokia N800): VIPT, 8 KiB
 * per way, so 2 page colours at 4 KiB pages; CTR bit 23 (D "P" bit) and bit 11 (I) set, so Linux classifies
 * it cache_is_vipt_aliasing and icache_is_vipt_aliasing (ARM DDI 0211H §6.11.3; ARM DDI 0301H §3.2.3).
 * Write-back, read-allocate under Linux's uniprocessor memory type (CPOLICY_WRITEBACK), random replacement.
 * DDR at 0x80000000. Highmem boundary at 64 MiB.
 */
export const ARM1136_32K: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "arm1136-32k",
  summary:
    "ARM1136JF-S (OMAP2420): aliasing VIPT 32 KiB 4-way WB D and I (8 KiB ways: 2 colours), 32 B lines, ARMv6, UP",
  source:
    "ARM DDI 0211H §6.11.3 (page colouring above 16 KiB), DDI 0301H §3.2.3 (CTR P bits); setup.c cacheid_init",
  pageSize: 4 * KiB,
  dcache: {
    size: 32 * KiB,
    ways: 4,
    lineSize: 32,
    indexing: "vipt",
    writePolicy: "write-back",
    writeAllocate: false,
    replacement: "random",
  },
  icache: { size: 32 * KiB, ways: 4, lineSize: 32, indexing: "vipt", replacement: "random" },
  maxCpus: 1,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0x8000_0000, true),
  arm: { architecture: 6, copypage: "v6", smp: false },
};

/**
 * arm11mpcore: ARM11 MPCore (ARMv6K) of the ARM RealView EB MPCore tile, 2 CPUs: 32 KiB 4-way caches of
 * 32-byte lines. The CTR (QEMU's realview-eb-mpcore value 0x1d192992) has the D "P" bit clear, so Linux
 * classifies the D-cache as VIPT non-aliasing (modelled as physically indexed), and bit 11 (I) set, so the
 * I-cache aliases (UNVERIFIED against the TRM). The SCU keeps the CPUs' D-caches coherent, but cache
 * maintenance operations act on the issuing CPU only: MMFR3 reports no broadcast, so
 * cache_ops_need_broadcast() is true (arch/arm/include/asm/smp_plat.h). SMP kernels map memory
 * write-allocate. DDR at 0. No highmem.
 */
export const ARM11MPCORE: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "arm11mpcore",
  summary:
    "ARM11 MPCore (RealView EB), 2 CPUs: non-aliasing D 32 KiB 4-way WB-WA, SCU-coherent, maintenance not broadcast",
  source:
    "ARM DDI 0360F (sizes, UNVERIFIED); QEMU realview-eb-mpcore CTR 0x1d192992; smp_plat.h cache_ops_need_broadcast",
  pageSize: 4 * KiB,
  dcache: {
    size: 32 * KiB,
    ways: 4,
    lineSize: 32,
    indexing: "pipt",
    writePolicy: "write-back",
    writeAllocate: true,
    replacement: "random",
  },
  icache: { size: 32 * KiB, ways: 4, lineSize: 32, indexing: "vipt", replacement: "random" },
  cpus: 2,
  maxCpus: 4,
  smpCoherent: true,
  maintenanceBroadcast: false,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0, false),
  arm: { architecture: 6, copypage: "v6", smp: true },
};

/**
 * cortex-a8: the Cortex-A8 of TI's AM335x (BeagleBone Black): 32 KiB L1 I and 32 KiB L1 D (AM335x data
 * sheet), 4-way, 64-byte lines (ARM DDI 0344 §7). ARMv7: the D side behaves as PIPT (ARMv7-A ARM B3.4: no
 * page colouring), the I-cache is VIPT (CTR L1Ip = 0b10) with 8 KiB ways, so icache_is_vipt_aliasing.
 * Uniprocessor kernel: write-back read-allocate (UNVERIFIED for later kernels; immaterial for a non-aliasing
 * D-cache). DDR at 0x80000000. No highmem (512 MiB).
 */
export const CORTEX_A8: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "cortex-a8",
  summary:
    "Cortex-A8 (AM335x): PIPT-behaving 32 KiB 4-way D, aliasing VIPT 32 KiB 4-way I (8 KiB ways), 64 B lines, ARMv7, UP",
  source: "ARM DDI 0344 (L1: 4-way, 64 B lines); TI AM335x data sheet (32 KB I, 32 KB D); CTR L1Ip",
  pageSize: 4 * KiB,
  dcache: {
    size: 32 * KiB,
    ways: 4,
    lineSize: 64,
    indexing: "pipt",
    writePolicy: "write-back",
    writeAllocate: false,
    replacement: "random",
  },
  icache: { size: 32 * KiB, ways: 4, lineSize: 64, indexing: "vipt", replacement: "random" },
  maxCpus: 1,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0x8000_0000, false),
  arm: { architecture: 7, copypage: "v6", smp: false },
};

/**
 * cortex-a9: the dual Cortex-A9 MPCore of TI's OMAP4430 (PandaBoard): per CPU 32 KiB I and 32 KiB D, 4-way,
 * 32-byte lines (ARM DDI 0388I §7.1.1): D PIPT, I VIPT (8 KiB ways: icache_is_vipt_aliasing). The SCU keeps
 * the D-caches coherent and ARMv7 broadcasts maintenance in the inner shareable domain. SMP kernel:
 * write-back write-allocate. DDR at 0x80000000; 1 GiB on the board, so highmem exists (boundary at 64 MiB
 * here).
 */
export const CORTEX_A9: ArmCpuSpec = {
  arch: ARM_ARCH,
  name: "cortex-a9",
  summary:
    "Cortex-A9 MPCore (OMAP4430), 2 CPUs: PIPT 32 KiB 4-way WB-WA D, aliasing VIPT 32 KiB I, 32 B lines, ARMv7",
  source: "ARM DDI 0388I §7.1.1 (D PIPT, I VIPT), DDI 0388E §6.3; TI OMAP4430 (32 KB I/D per core)",
  pageSize: 4 * KiB,
  dcache: {
    size: 32 * KiB,
    ways: 4,
    lineSize: 32,
    indexing: "pipt",
    writePolicy: "write-back",
    writeAllocate: true,
    replacement: "random",
  },
  icache: { size: 32 * KiB, ways: 4, lineSize: 32, indexing: "vipt", replacement: "random" },
  cpus: 2,
  maxCpus: 4,
  smpCoherent: true,
  maintenanceBroadcast: true,
  userTop: ARM_TASK_SIZE,
  layout: armLayout(0x8000_0000, true),
  arm: { architecture: 7, copypage: "v6", smp: true },
};

/** Every CPU preset of this package, in the order `flushlab list profiles` shows them. */
export const ARM_CPUS: readonly ArmCpuSpec[] = Object.freeze([
  SA1100,
  ARM926,
  FEROCEON,
  ARM1136_32K,
  ARM11MPCORE,
  CORTEX_A8,
  CORTEX_A9,
]);
