// switch_mm (arch/arm/include/asm/mmu_context.h) and cpu_switch_mm (arch/arm/mm/proc-*.S): on a VIVT CPU
// without ASIDs the switch cleans and invalidates the whole D-cache and invalidates the I-cache, so that the
// lines of the previous mm never meet the next one's identical virtual addresses, and drops the CPU from
// mm_cpumask(prev), which the vivt_flush_cache_* helpers test. ARMv6 and ARMv7 switch the ASID only.
import { asmGeneric, type Mm, replaceHook, type Task } from "@flushlab/core";
import { type ArmKernel, cache_is_vivt } from "./cachetype.js";
import { __cpuc_flush_kern_all } from "./flush.js";

// arch/arm/include/asm/mmu_context.h switch_mm(); arch/arm/mm/proc-arm926.S cpu_arm926_switch_mm, v3.10
/**
 * switch_mm(prev, next, tsk): mark this CPU in mm_cpumask(next); cpu_switch_mm (VIVT: clean+invalidate the
 * whole D-cache, invalidate the I-cache, drain the write buffer, load the page table, flush the TLB); on VIVT,
 * clear this CPU from mm_cpumask(prev).
 */
export function switch_mm(arm: ArmKernel, prev: Mm | null, next: Mm, tsk: Task): void {
  const { kernel } = arm;
  if (cache_is_vivt(arm)) {
    __cpuc_flush_kern_all(arm);
    asmGeneric.switch_mm(kernel, prev, next, tsk);
    kernel.machine.flushTlb(kernel.cpu, null);
    if (prev !== null && prev !== next) prev.cpumask.delete(kernel.cpu);
    return;
  }
  asmGeneric.switch_mm(kernel, prev, next, tsk);
}

/** Tap switch_mm for `arm` under the plugin name `tap`. */
export function installContext(arm: ArmKernel, tap: string): void {
  replaceHook(arm.kernel.hooks, "switch_mm", tap, (prev, next, tsk) => switch_mm(arm, prev, next, tsk));
}
