// +fs-dax: build CONFIG_FS_DAX although fs/Kconfig forbids it on MIPS (`depends on !(ARM || MIPS || SPARC)`,
// d92576f1167c "dax: does not work correctly with virtual aliasing caches", until v6.9 replaced it with the
// run-time cpu_dcache_is_aliasing() check of alloc_dax). It shows what DAX does on a MIPS cache in the eras where
// the kernel refused to offer it: write() and read() copy through the address dax_direct_access gives (the
// direct map, KSEG0), the mapping maps the persistent-memory frame, and no cache maintenance runs at all.
// arch-arm has the same plugin under the same name (its plugins/fs-dax.ts); whichever package registers first
// serves both architectures, so the CLI, which registers both, has one `+fs-dax`.
import {
  asmGeneric,
  type KernelPlugin,
  type PluginSpec,
  profileRegistry,
  registerPlugin,
  STAGE_OVERRIDE,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";

/** The plugin's name after `+` in a profile id. */
export const FS_DAX = "fs-dax";

/**
 * The +fs-dax plugin: alloc_dax is answered by the asm-generic implementation (accept, unless the era refuses
 * aliasing D-caches at run time, as 6.9 does) before the MIPS era's Kconfig refusal runs.
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

/** The registration of `+fs-dax`: on the architectures fs/Kconfig excluded that flushlab models. */
export const FS_DAX_SPEC: PluginSpec = Object.freeze({
  name: FS_DAX,
  summary:
    "build CONFIG_FS_DAX despite fs/Kconfig's `depends on !(ARM || MIPS || SPARC)` (before v6.9): what DAX would do",
  arches: ["arm", "mips"],
  create: () => fsDaxPlugin(),
});

/** Register `+fs-dax` in `container` unless a package (this one or arch-arm) already has. */
export function registerFsDax(container: DependencyContainer): void {
  if (profileRegistry(container).plugins.some((p) => p.name === FS_DAX)) return;
  registerPlugin(container, FS_DAX_SPEC);
}
