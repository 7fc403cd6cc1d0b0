// What a profile is made of. An architecture package registers CPUs (caches, page size, coherence flags,
// memory layout), policies (a kernel era or a named flush policy: the plugins that implement the arch's hooks,
// and the era parameters generic code needs) and stackable plugins; a profile id `arch/cpu@policy[+plugin...]`
// picks one of each and the registry resolves it into a Profile.

import type { CostTable } from "../hw/api.js";
import type { CacheGeometry, CacheGeometryInit } from "../hw/geometry.js";
import type { MachineInit } from "../hw/machine.js";
import type { KernelEra } from "../kernel/index.js";
import type { KernelLayout } from "../kernel/layout.js";
import type { ProfileId } from "./id.js";
import type { KernelPlugin } from "./plugin.js";

/** The coherence flags of a machine (MachineConfig), as a CPU's data sheet gives them. */
export interface CoherenceFlags {
  /** The I-cache fills from the D-cache (sees dirty D lines at the same index) rather than from memory. */
  readonly icacheFillsFromDcache?: boolean;
  /** The I-cache is kept coherent with D by hardware (x86-like). */
  readonly icacheCoherent?: boolean;
  /** Hardware keeps one physical line coherent between CPUs' D-caches. */
  readonly smpCoherent?: boolean;
  /** Maintenance by one CPU applies to every CPU (false on ARM11MPCore). */
  readonly maintenanceBroadcast?: boolean;
  /** The DMA device snoops the caches. */
  readonly dmaCoherent?: boolean;
}

/**
 * A CPU preset of an architecture: what the data sheet (and the kernel's boot-time classification) says.
 * Cite the source (TRM, SoC manual, kernel detection) in `source`.
 */
export interface CpuSpec extends CoherenceFlags {
  /** The architecture, as in profile ids (`arm`, `mips`, `generic`). */
  readonly arch: string;
  /** The CPU's name in profile ids (`arm926`, `24kc-32k`). */
  readonly name: string;
  /** One line: the core and its caches, for `flushlab list profiles`. */
  readonly summary: string;
  /** Where the figures come from. */
  readonly source?: string;
  /** PAGE_SIZE in bytes: 4, 8, 16 or 64 KiB. */
  readonly pageSize: number;
  readonly dcache: CacheGeometryInit;
  readonly icache: CacheGeometryInit;
  /** CPUs of a machine built from this preset when the scenario asks for fewer (default 1). */
  readonly cpus?: number;
  /**
   * The most CPUs a machine of this core may have: 1 for a uniprocessor-only core (ARM926EJ-S), so that a
   * scenario needing two CPUs is rejected there rather than run on hardware that never existed. Default 64.
   */
  readonly maxCpus?: number;
  /** TASK_SIZE: user addresses lie below it (default: the layout's PAGE_OFFSET). */
  readonly userTop?: number;
  /** The memory layout (PAGE_OFFSET, lowmem and highmem sizes, kmap areas); defaults: defaultKernelLayout. */
  readonly layout?: Partial<KernelLayout>;
  /** Overrides of the hardware cost table. */
  readonly costs?: Partial<CostTable>;
}

/**
 * A policy of an architecture: a kernel era (`3.10`) or a named policy (`asm-generic`, `catalin-2013`). It
 * brings the plugins that implement the arch's hooks and the era parameters of generic code.
 */
export interface PolicySpec {
  readonly arch: string;
  /** The policy's name in profile ids. */
  readonly name: string;
  /** One line: what the era does, for `flushlab list profiles`. */
  readonly summary: string;
  /** The kernel sources or threads it follows. */
  readonly source?: string;
  /** Era parameters of generic code (sg_miter_stop's flush, DAX availability, ...). */
  readonly era?: Partial<KernelEra>;
  /** Layout overrides of this era (such as no highmem on aliasing MIPS). */
  readonly layout?: Partial<KernelLayout>;
  /** Cost overrides of this era. */
  readonly costs?: Partial<CostTable>;
  /**
   * Whether the kernel of this era supported the CPU: true, or one sentence saying why the combination is
   * left out (shown by `flushlab list profiles`). Default: every CPU of the arch.
   */
  readonly supports?: (cpu: CpuSpec) => true | string;
  /** Fresh plugin instances for one run on `profile` (called once per kernel). */
  readonly plugins: (profile: Profile) => readonly KernelPlugin[];
}

/** A stackable plugin, named after `+` in a profile id (`+flush-on-kmap`, `+coloured-kmap`). */
export interface PluginSpec {
  /** The name used after `+`. */
  readonly name: string;
  /** One line: what it changes. */
  readonly summary: string;
  /** The architectures it applies to (absent: any profile). */
  readonly arches?: readonly string[];
  /** A fresh plugin instance for one run on `profile`. */
  readonly create: (profile: Profile) => KernelPlugin;
}

/** A resolved profile: one CPU, one policy and the stacked plugins, with every figure a run needs. */
export interface Profile {
  /** The canonical id, `arch/cpu@policy[+plugin...]`. */
  readonly id: string;
  /** The parts of the id. */
  readonly parts: ProfileId;
  readonly cpu: CpuSpec;
  readonly policy: PolicySpec;
  /** The plugins stacked with `+name`, in order. */
  readonly stacked: readonly PluginSpec[];
  readonly pageSize: number;
  /** The validated D- and I-cache geometries. */
  readonly dcache: CacheGeometry;
  readonly icache: CacheGeometry;
  /** D-cache page colours (1: the D-cache does not alias). */
  readonly colours: number;
  /** The memory layout (the CPU's, with the policy's overrides). */
  readonly layout: KernelLayout;
  /** TASK_SIZE. */
  readonly userTop: number;
  /** Whether frames can be placed in highmem (a highmem boundary exists). */
  readonly highmem: boolean;
  /** Era parameters (the policy's). */
  readonly era: Partial<KernelEra>;
  /** Cost overrides (the CPU's, then the policy's). */
  readonly costs: Partial<CostTable>;
  /** CPUs by default, and at most. */
  readonly defaultCpus: number;
  readonly maxCpus: number;
  /** The machine configuration for a machine of `cpus` CPUs (default: defaultCpus). */
  machineConfig(cpus?: number): MachineInit;
  /** Fresh plugin instances for one run: the policy's, then the stacked ones. */
  createPlugins(): KernelPlugin[];
}
