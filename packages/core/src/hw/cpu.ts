// A CPU: its L1 D-cache and I-cache and its current user address space.
// How the I-cache fills and whether hardware keeps the caches coherent are wired here, from the machine's
// configuration, as hooks on the caches' miss path (so an access that hits pays nothing for them).
import type { Cache } from "./cache.js";
import type { AddressSpace } from "./mmu.js";

/** One CPU of the machine. */
export class Cpu {
  /** The current user address space (switch_mm's hardware half); null: none, user addresses fault. */
  space: AddressSpace | null = null;

  constructor(
    readonly index: number,
    readonly dcache: Cache,
    readonly icache: Cache,
  ) {}
}

/** The coherence options of the CPUs' caches (MachineConfig's flags). */
export interface CoherenceOptions {
  smpCoherent: boolean;
  icacheFillsFromDcache: boolean;
  icacheCoherent: boolean;
}

/**
 * Wire the caches' miss hooks:
 *
 * - `smpCoherent`: a D-cache miss first makes every other CPU write back its dirty copy of the line (at any
 *   colour), so the fill from memory takes the newest data; the other copies stay, clean. (Stores are snooped
 *   by the machine: see Machine.store.)
 * - The I-cache never snoops stores. On a miss it fills from memory, or, with `icacheFillsFromDcache`, from
 *   the same CPU's D-cache when a lookup of the D-cache with the same address hits (a dirty or a clean line;
 *   the D-cache's replacement state is not touched).
 * - `icacheCoherent` (x86-like baseline) is modelled in two halves: every store and DMA write drops the copies
 *   of its line from every CPU's I-cache (Machine.store, Machine.dmaWrite), and an I-cache miss first makes
 *   this CPU's D-cache (and, with `smpCoherent`, every CPU's) write back its dirty copies of the line, then
 *   fills from memory. An ifetch therefore returns the coherent value whenever the D side is coherent, which
 *   is the case for a non-aliasing (PIPT) D-cache. It takes precedence over `icacheFillsFromDcache`.
 */
export function wireCoherence(cpus: readonly Cpu[], options: CoherenceOptions): void {
  for (const cpu of cpus) {
    const others = cpus.filter((other) => other !== cpu).map((other) => other.dcache);
    if (options.smpCoherent && others.length > 0) {
      cpu.dcache.beforeFill = (linePa, bytes) => {
        for (const dcache of others) dcache.snoopClean(linePa, bytes);
      };
    }
    if (options.icacheCoherent) {
      const dcaches = options.smpCoherent ? cpus.map((c) => c.dcache) : [cpu.dcache];
      cpu.icache.beforeFill = (linePa, bytes) => {
        for (const dcache of dcaches) dcache.snoopClean(linePa, bytes);
      };
    } else if (options.icacheFillsFromDcache) {
      cpu.icache.fillSource = cpu.dcache;
    }
  }
}
