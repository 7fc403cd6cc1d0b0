// arch_uprobe_copy_ixol (arch/arm/probes/uprobes/core.c, ARM 8043/1 72e6ae285a1d, v3.15): the ARM override of
// kernel/events/uprobes.c's weak function, which writes the XOL slot through kmap_atomic and then makes it
// coherent for instruction fetch at the user address (flush_uprobe_xol_access = __flush_ptrace_access with "this
// CPU runs the mm" and "executable" forced). Before ARM had uprobes (v3.15, together with 8043/1), the eras
// 3.9, 3.10 and catalin-2013 run the generic code of the time (copy_to_page, then flush_dcache_page): the
// counterfactual the 2013 thread discusses ("have a look at what xol_get_insn_slot() does"). 2.6.19 has no
// uprobes at all (v3.5) and refuses.
import { type Address, EOPNOTSUPP, KernelRefusal, type Page, replaceHook } from "@flushlab/core";
import type { ArmKernel } from "./cachetype.js";
import { __flush_ptrace_access, FLAG_PA_CORE_IN_MM, FLAG_PA_IS_EXEC } from "./ptrace.js";

// arch/arm/mm/flush.c flush_uprobe_xol_access(), 6.x (A6) — reference §2.3
/** flush_uprobe_xol_access(page, uaddr, kaddr, len): __flush_ptrace_access as if the mm ran here and were exec. */
export function flush_uprobe_xol_access(
  arm: ArmKernel,
  page: Page,
  uaddr: Address,
  kaddr: Address,
  len: number,
): void {
  __flush_ptrace_access(arm, page, uaddr, kaddr, len, FLAG_PA_CORE_IN_MM | FLAG_PA_IS_EXEC);
}

// arch/arm/probes/uprobes/core.c arch_uprobe_copy_ixol(), v4.19 (UP, brenocfg/AnghaBench extraction)
/** arch_uprobe_copy_ixol(page, vaddr, src, len): kmap_atomic, memcpy, flush_uprobe_xol_access, kunmap_atomic. */
export function arch_uprobe_copy_ixol(
  arm: ArmKernel,
  page: Page,
  vaddr: Address,
  src: readonly number[],
  len: number,
): void {
  const { kernel } = arm;
  const kaddr = kernel.kmap_atomic(page);
  const dst = kaddr + (vaddr % kernel.pageSize);
  kernel.writeKernel(dst, src.slice(0, len / 4));
  flush_uprobe_xol_access(arm, page, vaddr, dst, len);
  kernel.kunmap_atomic(kaddr);
}

/** Tap arch_uprobe_copy_ixol for `arm` under the plugin name `tap` (the generic eras keep asm-generic's). */
export function installUprobes(arm: ArmKernel, tap: string): void {
  const { hooks } = arm.kernel;
  if (arm.era.uprobes === "arm-8043") {
    replaceHook(hooks, "arch_uprobe_copy_ixol", tap, (page, vaddr, src, len) =>
      arch_uprobe_copy_ixol(arm, page, vaddr, src, len),
    );
  } else if (arm.era.uprobes === "none") {
    replaceHook(hooks, "arch_uprobe_copy_ixol", tap, () => {
      throw new KernelRefusal(
        -EOPNOTSUPP,
        `Linux ${arm.era.name} has no uprobes (kernel/events/uprobes.c arrived in v3.5, ARM's port in v3.15)`,
        "kernel/events/uprobes.c",
      );
    });
  }
}
