// +fs-dax: build CONFIG_FS_DAX although fs/Kconfig forbids it on ARM (`depends on !(ARM || MIPS || SPARC)`,
// from d92576f1167c until v6.9 replaced it with a run-time cpu_dcache_is_aliasing() check in alloc_dax). It
// shows what DAX does on an ARM cache in the eras where the kernel refused to offer it: its write() copies
// through the direct map and its mmap maps the persistent-memory frame, with no cache maintenance at all.
import { asmGeneric, type KernelPlugin, STAGE_OVERRIDE } from "@flushlab/core";

/** The plugin's name after `+` in a profile id. */
export const FS_DAX = "fs-dax";

/**
 * The +fs-dax plugin: alloc_dax is answered by the asm-generic implementation (accept, unless the era refuses
 * aliasing D-caches at run time) before the ARM era's Kconfig refusal runs.
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
