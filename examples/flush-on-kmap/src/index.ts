/**
 * @flushlab/example-flush-on-kmap: David Miller's 2006 proposal (flush where kmap() makes a page visible to the
 * kernel; kernel-to-user in set_pte_at/update_mmu_cache; uncached MAP_SHARED aliases; flush_dcache_page for DMA
 * only) as a flushlab plugin that stacks on any profile: `arm/arm926@3.10+flush-on-kmap`.
 *
 * As a plugin file of the command line (the default export is the register function):
 * `flushlab compare --plugin ./examples/flush-on-kmap/dist/index.js --profiles 'arm/arm926@3.10+flush-on-kmap'`.
 * As a library: `createRegistry(registerArmProfiles, registerFlushOnKmap)`.
 * @packageDocumentation
 */
import { type PluginSpec, profileRegistry, registerPlugin } from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";
import { FLUSH_ON_KMAP, flushOnKmap } from "./flush-on-kmap.js";

export { FLUSH_ON_KMAP, FLUSH_ON_KMAP_HOOKS, flushOnKmap } from "./flush-on-kmap.js";

/** The registration of the plugin: `+flush-on-kmap` on any profile. */
export const FLUSH_ON_KMAP_SPEC: PluginSpec = Object.freeze({
  name: FLUSH_ON_KMAP,
  summary:
    "David Miller 2006: flush in kmap/kunmap, kernel-to-user in set_pte_at, uncached MAP_SHARED aliases, flush_dcache_page for DMA only",
  create: () => flushOnKmap(),
});

/** Register `+flush-on-kmap` in a registry (idempotent: a registry that has it already is left alone). */
export function registerFlushOnKmap(container: DependencyContainer): void {
  if (profileRegistry(container).plugins.some((p) => p.name === FLUSH_ON_KMAP)) return;
  registerPlugin(container, FLUSH_ON_KMAP_SPEC);
}

/** What the command line hands a plugin file's register function (the part of `PluginApi` this file uses). */
export interface RegisterApi {
  registerPlugin(plugin: PluginSpec): void;
}

/**
 * The plugin file's register function (`flushlab ... --plugin ./examples/flush-on-kmap/dist/index.js`):
 * registers `+flush-on-kmap`.
 */
export default function register(api: RegisterApi): void {
  api.registerPlugin(FLUSH_ON_KMAP_SPEC);
}
