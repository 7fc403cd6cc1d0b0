// The built-in profiles of core (arch `generic`): reference points every architecture is compared with.
// - generic/pipt@asm-generic: PIPT D, I-cache kept coherent with D by hardware, DMA coherent with the caches,
//   the asm-generic hooks (no-op flushes): the x86-like baseline, on which nothing can go stale.
// - generic/vivt@asm-generic: VIVT write-back write-allocate D and VIVT I, no flushing at all.
// - generic/vivt@flush-all: the same CPU; every hook cleans and invalidates the whole D-cache and invalidates
//   the whole I-cache (the most a kernel can do at its hook points).
// - generic/vipt-32k@asm-generic: 32 KiB 4-way VIPT write-back caches at 4 KiB pages (2 colours), no flushing.
// All have 4 KiB pages, 32 KiB 4-way caches of 32-byte lines, one CPU unless a scenario asks for more, and
// highmem (so that scenarios placing frames in highmem run on them, as on a 32-bit x86 with HIGHMEM).

import { SyncHook } from "tapable";
import type { DependencyContainer } from "tsyringe";
import type { CacheGeometryInit } from "../hw/geometry.js";
import { ADDRESS_HOOKS, HOOK_NAMES, type HookName, STAGE_ARCH } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/index.js";
import { definePluginHooks, type KernelPlugin } from "./plugin.js";
import { registerCpu, registerPolicy } from "./registry.js";
import type { CpuSpec, PolicySpec } from "./types.js";

/** The architecture name of core's built-in profiles. */
export const GENERIC_ARCH = "generic";

const KiB = 1024;
const MiB = 1024 * KiB;

/** 32 KiB, 4 ways, 32-byte lines, write-back, with the given indexing. */
const cache32k = (indexing: "pipt" | "vivt" | "vipt"): CacheGeometryInit => ({
  size: 32 * KiB,
  ways: 4,
  lineSize: 32,
  indexing,
  writePolicy: "write-back",
  writeAllocate: true,
  replacement: "lru",
});

/** 64 MiB of lowmem at PAGE_OFFSET 0xC0000000 and 64 MiB of highmem above it. */
const layout = { lowmemSize: 64 * MiB, highmemSize: 64 * MiB };

/** generic/pipt: the x86-like baseline. */
export const GENERIC_PIPT: CpuSpec = {
  arch: GENERIC_ARCH,
  name: "pipt",
  summary: "PIPT 32 KiB 4-way D and I, I coherent with D, coherent DMA and SMP (x86-like)",
  source: "a reference machine, not a real core: every cache indexed and tagged by physical address",
  pageSize: 4 * KiB,
  dcache: cache32k("pipt"),
  icache: cache32k("pipt"),
  icacheCoherent: true,
  smpCoherent: true,
  maintenanceBroadcast: true,
  dmaCoherent: true,
  layout,
};

/** generic/vivt: a VIVT machine without ASID tags (every distinct virtual address is its own alias). */
export const GENERIC_VIVT: CpuSpec = {
  arch: GENERIC_ARCH,
  name: "vivt",
  summary: "VIVT 32 KiB 4-way write-back write-allocate D and VIVT I, no ASID tags, non-coherent DMA",
  source: "a reference machine, not a real core",
  pageSize: 4 * KiB,
  dcache: cache32k("vivt"),
  icache: cache32k("vivt"),
  maintenanceBroadcast: true,
  layout,
};

/** generic/vipt-32k: an aliasing VIPT machine with 2 colours at 4 KiB pages. */
export const GENERIC_VIPT_32K: CpuSpec = {
  arch: GENERIC_ARCH,
  name: "vipt-32k",
  summary: "VIPT 32 KiB 4-way write-back D and I (8 KiB ways: 2 colours at 4 KiB pages), non-coherent DMA",
  source: "a reference machine, not a real core (the geometry of ARM1136 or MIPS 24K with 32 KiB caches)",
  pageSize: 4 * KiB,
  dcache: cache32k("vipt"),
  icache: cache32k("vipt"),
  maintenanceBroadcast: true,
  layout,
};

/** The hooks generic/vivt@flush-all's plugin owns for other plugins. */
export interface FlushAllHooks {
  /** Called after each whole-cache flush, with the hook that caused it and the CPU that issued it. */
  readonly flushed: SyncHook<[hook: HookName, cpu: number]>;
}

/** The name of the flush-all plugin (its taps carry it). */
export const FLUSH_ALL = "flush-all";

/**
 * The plugin of generic/vivt@flush-all: an "add" tap on every hook of the kernel (but the address look-ups of
 * ADDRESS_HOOKS, which mark no place where caches need maintenance), at STAGE_ARCH, that cleans and
 * invalidates the whole D-cache and invalidates the whole I-cache on the current CPU (broadcast to the other
 * CPUs as the machine broadcasts maintenance) before the hook's own behaviour runs. Other plugins can follow
 * its flushes through `flushAllPlugin.getHooks(kernel).flushed` (an example of a plugin owning hooks).
 */
export function flushAllPlugin(): KernelPlugin {
  return {
    name: FLUSH_ALL,
    apply(kernel: Kernel) {
      const own = getFlushAllHooks(kernel);
      for (const name of HOOK_NAMES) {
        if (ADDRESS_HOOKS.has(name)) continue;
        kernel.hooks[name].tap({ name: FLUSH_ALL, stage: STAGE_ARCH }, () => {
          kernel.maintain("d", "flush", { scope: "all" });
          kernel.maintain("i", "invalidate", { scope: "all" });
          own.flushed.call(name, kernel.cpu);
          return undefined;
        });
      }
    },
  };
}

/** The hooks flush-all owns, per kernel. */
export const getFlushAllHooks = definePluginHooks<FlushAllHooks>(() => ({
  flushed: new SyncHook<[HookName, number]>(["hook", "cpu"]),
}));

/** generic@asm-generic: no policy plugin; the kernel's own asm-generic taps do everything. */
export const ASM_GENERIC_POLICY: PolicySpec = {
  arch: GENERIC_ARCH,
  name: "asm-generic",
  summary: "include/asm-generic/cacheflush.h: every flush a no-op, kmap returns page_address",
  source: "include/asm-generic/cacheflush.h, include/linux/highmem.h",
  plugins: () => [],
};

/** generic@flush-all: flush everything at every hook (defined on the VIVT CPU only). */
export const FLUSH_ALL_POLICY: PolicySpec = {
  arch: GENERIC_ARCH,
  name: "flush-all",
  summary: "every hook cleans and invalidates the whole D-cache and invalidates the whole I-cache",
  source: "flushlab's upper bound of what kernel-side flushing can achieve",
  supports: (cpu) =>
    cpu.name === "vivt"
      ? true
      : "flush-all is the reference upper bound on the VIVT machine only (the hardest case); stack a plugin on another profile instead",
  plugins: () => [flushAllPlugin()],
};

/**
 * Register core's built-in profiles (generic/pipt@asm-generic, generic/vivt@asm-generic, generic/vivt@flush-all,
 * generic/vipt-32k@asm-generic) in `container`.
 */
export function registerGenericProfiles(container: DependencyContainer): void {
  for (const cpu of [GENERIC_PIPT, GENERIC_VIVT, GENERIC_VIPT_32K]) registerCpu(container, cpu);
  registerPolicy(container, ASM_GENERIC_POLICY);
  registerPolicy(container, FLUSH_ALL_POLICY);
}
