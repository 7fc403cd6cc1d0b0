// +fs-dax: build CONFIG_FS_DAX although fs/Kconfig forbids it on the architectures with virtually aliasing caches
// (`depends on !(ARM || MIPS || SPARC)`, d92576f1167c "dax: does not work correctly with virtual aliasing caches",
// until v6.9 replaced it with the run-time cpu_dcache_is_aliasing() check of alloc_dax, 1df4ca0155ac). It shows
// what DAX does on those caches in the eras where the kernel refused to offer it: write() and read() copy through
// the address dax_direct_access gives (the direct map), the mapping maps the persistent-memory frame, and no cache
// maintenance runs at all. One plugin for every such architecture: their era policies refuse alloc_dax at
// STAGE_ARCH; this one answers first with the asm-generic behaviour.
import type { DependencyContainer } from "tsyringe";
import { asmGeneric } from "../kernel/generic.js";
import { STAGE_OVERRIDE } from "../kernel/hooks.js";
import type { KernelPlugin } from "./plugin.js";
import { profileRegistry, registerPlugin } from "./registry.js";
import type { PluginSpec } from "./types.js";

/** The plugin's name after `+` in a profile id. */
export const FS_DAX = "fs-dax";

/**
 * The +fs-dax plugin: alloc_dax is answered by the asm-generic implementation (accept, unless the era refuses
 * aliasing D-caches at run time, as 6.9 does) before the architecture era's Kconfig refusal runs.
 */
export function fsDaxPlugin(): KernelPlugin {
  return {
    name: FS_DAX,
    apply(kernel) {
      kernel.hooks.alloc_dax.tap({ name: FS_DAX, stage: STAGE_OVERRIDE }, (file) =>
        asmGeneric.alloc_dax(kernel, file),
      );
    },
  };
}

/** `+fs-dax` as the registry knows it: on the architectures fs/Kconfig excluded (SPARC is sparc64 here). */
export const FS_DAX_SPEC: PluginSpec = Object.freeze({
  name: FS_DAX,
  summary:
    "build CONFIG_FS_DAX despite fs/Kconfig's `depends on !(ARM || MIPS || SPARC)` (before v6.9): what DAX would do",
  arches: ["arm", "mips", "sparc64"],
  create: () => fsDaxPlugin(),
});

/**
 * Register `+fs-dax` in `container` unless it is there already: every architecture package whose eras refuse
 * FS_DAX calls it, so whichever registers first serves them all.
 */
export function registerFsDax(container: DependencyContainer): void {
  if (profileRegistry(container).plugins.some((p) => p.name === FS_DAX)) return;
  registerPlugin(container, FS_DAX_SPEC);
}
