// copy_to_user_page / copy_from_user_page (arch/arm/mm/flush.c, asm/cacheflush.h): ptrace's access to another
// process's page through the kernel mapping, and flush_ptrace_access / __flush_ptrace_access, which the ARM
// uprobes override (uprobes.ts) shares. copy_from_user_page is a plain memcpy in every era: the asm-generic one.
import { type Address, type Page, replaceHook, VM_EXEC, type Vma } from "@flushlab/core";
import {
  type ArmKernel,
  cache_is_vipt_aliasing,
  cache_is_vivt,
  cache_ops_need_broadcast,
  icache_is_vipt_aliasing,
} from "./cachetype.js";
import {
  __cpuc_coherent_kern_range,
  __flush_icache_all,
  flush_icache_alias,
  flush_pfn_alias,
} from "./flush.js";

/** FLAG_PA_IS_EXEC: the user mapping is executable. */
export const FLAG_PA_IS_EXEC = 1;
/** FLAG_PA_CORE_IN_MM: this CPU is in mm_cpumask of the target mm. */
export const FLAG_PA_CORE_IN_MM = 2;

// arch/arm/mm/flush.c __flush_ptrace_access(), 6.x (A6) = flush_ptrace_access() of v3.10 (A310)
/**
 * __flush_ptrace_access(page, uaddr, kaddr, len, flags): after the kernel wrote [kaddr, kaddr + len) of a user
 * page: VIVT: if this CPU runs the target mm, clean D and invalidate I over the kernel range only; aliasing
 * VIPT: flush the user's colour (flush_pfn_alias; the kernel range itself is not cleaned) and the whole
 * I-cache; non-aliasing VIPT, executable only: an aliasing I-cache through the user's colour
 * (flush_icache_alias), else the kernel range, and the other CPUs' I-caches by IPI when maintenance is not
 * broadcast. The 2.6 form (2.6.19): aliasing VIPT only flush_pfn_alias (which then invalidated the I range
 * too); non-aliasing only when the target mm runs on this CPU.
 */
export function __flush_ptrace_access(
  arm: ArmKernel,
  page: Page,
  uaddr: Address,
  kaddr: Address,
  len: number,
  flags: number,
): void {
  if (cache_is_vivt(arm)) {
    if (flags & FLAG_PA_CORE_IN_MM) __cpuc_coherent_kern_range(arm, kaddr, kaddr + len);
    return;
  }
  if (cache_is_vipt_aliasing(arm)) {
    flush_pfn_alias(arm, page.pfn, uaddr);
    if (arm.era.ptraceAccess === "3.x") __flush_icache_all(arm);
    return;
  }
  if (arm.era.ptraceAccess === "2.6") {
    if (flags & FLAG_PA_CORE_IN_MM && flags & FLAG_PA_IS_EXEC)
      __cpuc_coherent_kern_range(arm, kaddr, kaddr + len);
    return;
  }
  if (flags & FLAG_PA_IS_EXEC) {
    if (icache_is_vipt_aliasing(arm)) flush_icache_alias(arm, page.pfn, uaddr, len);
    else __cpuc_coherent_kern_range(arm, kaddr, kaddr + len);
    if (cache_ops_need_broadcast(arm)) flush_ptrace_access_other(arm);
  }
}

/** smp_call_function(flush_ptrace_access_other): every other CPU invalidates its whole I-cache. */
function flush_ptrace_access_other(arm: ArmKernel): void {
  const { machine, cpu } = arm.kernel;
  for (let other = 0; other < machine.config.cpus; other++) {
    if (other !== cpu) machine.maintain(other, "i", "invalidate", { scope: "all" });
  }
}

// arch/arm/mm/flush.c flush_ptrace_access(), 6.x (A6)
/** flush_ptrace_access(vma, page, uaddr, kaddr, len): the flags from the target mm and the VMA. */
export function flush_ptrace_access(
  arm: ArmKernel,
  vma: Vma,
  page: Page,
  uaddr: Address,
  kaddr: Address,
  len: number,
): void {
  let flags = 0;
  if (vma.mm.cpumask.has(arm.kernel.cpu)) flags |= FLAG_PA_CORE_IN_MM;
  if (vma.has(VM_EXEC)) flags |= FLAG_PA_IS_EXEC;
  __flush_ptrace_access(arm, page, uaddr, kaddr, len, flags);
}

// arch/arm/mm/flush.c copy_to_user_page(), v3.10 (A310) — reference §2.3, §7 B7
/** copy_to_user_page(vma, page, uaddr, dst, src, len): memcpy into the kernel mapping, flush_ptrace_access. */
export function copy_to_user_page(
  arm: ArmKernel,
  vma: Vma,
  page: Page,
  uaddr: Address,
  dst: Address,
  src: readonly number[],
  len: number,
): void {
  arm.kernel.writeKernel(dst, src.slice(0, len / 4));
  flush_ptrace_access(arm, vma, page, uaddr, dst, len);
}

/** Tap copy_to_user_page for `arm` under the plugin name `tap`. */
export function installPtrace(arm: ArmKernel, tap: string): void {
  replaceHook(arm.kernel.hooks, "copy_to_user_page", tap, (vma, page, uaddr, dst, src, len) =>
    copy_to_user_page(arm, vma, page, uaddr, dst, src, len),
  );
}
