// The policies (one per era of eras.ts), which CPU × era combinations Linux supported, the plugin that taps
// every hook of this package at STAGE_ARCH, and registerArmProfiles. Each run gets a fresh plugin whose
// apply() builds the kernel's ArmKernel context (the boot-time classification, the VIPT windows) and taps.

import {
  type CpuSpec,
  EOPNOTSUPP,
  type KernelPlugin,
  KernelRefusal,
  type PolicySpec,
  registerCpu,
  registerFsDax,
  registerPolicy,
  replaceHook,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";
import { ArmKernel } from "./cachetype.js";
import { installContext } from "./context.js";
import { installCopypage } from "./copypage.js";
import { ARM_ARCH, ARM_CPUS, isArmCpu } from "./cpus.js";
import { ARM_ERAS, type ArmEra } from "./eras.js";
import { installFault } from "./fault.js";
import { installFlush } from "./flush.js";
import { installHighmem } from "./highmem.js";
import { installMmap } from "./mmap.js";
import { installPtrace } from "./ptrace.js";
import { installUprobes } from "./uprobes.js";

/** Why Linux 2.6.19 cannot run a CPU, by preset name. */
const NOT_IN_2_6_19: Readonly<Record<string, string>> = {
  feroceon:
    "Linux 2.6.19 has no Feroceon support (proc-feroceon.S came with the Orion SoCs in v2.6.22, Kirkwood in v2.6.27).",
  "cortex-a8": "Linux 2.6.19 predates ARMv7 support (proc-v7.S, v2.6.24; OMAP3 Cortex-A8 boards later).",
  "cortex-a9": "Linux 2.6.19 predates ARMv7 and Cortex-A9 MPCore support (v2.6.2x–v2.6.3x).",
  arm11mpcore:
    "left out: 2.6.19's flush_dcache_page has no SMP provision (cache_ops_need_broadcast() and the MPCore lazy-flush fixes came later) and whether 2.6.19 ran ARM11 MPCore SMP is unverified here.",
};

/** Whether the kernel of `era` supported `cpu`: true, or why the combination is left out. */
export function armSupports(era: ArmEra, cpu: CpuSpec): true | string {
  if (!isArmCpu(cpu)) return `${cpu.name} is not an ARM CPU preset.`;
  if (era.version[0] === 2) return NOT_IN_2_6_19[cpu.name] ?? true;
  return true;
}

// fs/Kconfig FS_DAX `depends on !(ARM || MIPS || SPARC)` (d92576f1167c … v6.8); fs/dax.c (v4.0)
/** alloc_dax(file) as the era's Kconfig allows it: no DAX before v4.0, none on ARM until v6.9. */
function installDax(arm: ArmKernel, tap: string): void {
  if (arm.era.dax === "runtime") return;
  replaceHook(arm.kernel.hooks, "alloc_dax", tap, (file) => {
    const why =
      arm.era.dax === "none"
        ? `Linux ${arm.era.name} has no DAX (fs/dax.c arrived in v4.0)`
        : `CONFIG_FS_DAX cannot be enabled on ARM in Linux ${arm.era.name} (fs/Kconfig: depends on !(ARM || MIPS || SPARC), until v6.9)`;
    throw new KernelRefusal(-EOPNOTSUPP, `DAX file ${file.name}: ${why}`, "fs/Kconfig: FS_DAX");
  });
}

/** The plugin of an era: taps every ARM hook of the kernel under the name `arm@<era>`. */
export function armEraPlugin(era: ArmEra): KernelPlugin {
  const name = `${ARM_ARCH}@${era.name}`;
  return {
    name,
    apply(kernel, profile) {
      const arm = ArmKernel.create(kernel, profile, era);
      installFlush(arm, name);
      installHighmem(arm, name);
      installFault(arm, name);
      installCopypage(arm, name);
      installPtrace(arm, name);
      installMmap(arm, name);
      installUprobes(arm, name);
      installContext(arm, name);
      installDax(arm, name);
    },
  };
}

/** The PolicySpec of an era. */
export function armPolicy(era: ArmEra): PolicySpec {
  return {
    arch: ARM_ARCH,
    name: era.name,
    summary: era.summary,
    source: era.source,
    era: era.kernelEra,
    ...(era.layout ? { layout: era.layout } : {}),
    supports: (cpu) => armSupports(era, cpu),
    plugins: () => [armEraPlugin(era)],
  };
}

/** Every policy of this package, oldest era first. */
export const ARM_POLICIES: readonly PolicySpec[] = Object.freeze(ARM_ERAS.map(armPolicy));

/**
 * Register the ARM CPU presets and the era policies in `container` (nothing happens at import):
 * `createRegistry(registerArmProfiles)`; and core's `+fs-dax`, which shows what DAX would do in the eras whose
 * fs/Kconfig excluded ARM (registered once, whichever architecture package comes first).
 */
export function registerArmProfiles(container: DependencyContainer): void {
  for (const cpu of ARM_CPUS) registerCpu(container, cpu);
  for (const policy of ARM_POLICIES) registerPolicy(container, policy);
  registerFsDax(container);
}
