// arch_get_unmapped_area (arch/arm/mm/mmap.c): on an aliasing VIPT D-cache, file and shared mappings are placed
// at the colour of their file offset (addr ≡ pgoff << PAGE_SHIFT mod SHMLBA), so that every user alias of a
// page-cache page has the colour flush_dcache_page flushes, and MAP_FIXED|MAP_SHARED at another colour is
// refused with -EINVAL. VIVT gets no colour alignment (it could not help: every virtual address is its own
// alias); make_coherent handles shared aliases there. Modelled bottom-up, as core's generic placement (ARM's
// default mm layout is top-down: the addresses differ, the colour rule does not).
import {
  type Address,
  EINVAL,
  ENOMEM,
  type File,
  KernelRefusal,
  MAP_FIXED,
  MAP_SHARED,
  replaceHook,
} from "@flushlab/core";
import { type ArmKernel, cache_is_vipt_aliasing, SHMLBA } from "./cachetype.js";

// arch/arm/mm/mmap.c arch_get_unmapped_area(), v3.10 (AMMAP) — reference §1.7, §7 B9
/**
 * arch_get_unmapped_area(filp, addr, len, pgoff, flags): colour alignment (COLOUR_ALIGN) of file or shared
 * mappings when the D-cache aliases; MAP_FIXED is returned as asked, except a MAP_SHARED one at an
 * incongruent colour on an aliasing cache (-EINVAL); a free hint is taken; otherwise vm_unmapped_area from
 * mm->mmap_base with the alignment.
 */
export function arch_get_unmapped_area(
  arm: ArmKernel,
  filp: File | null,
  addr: Address,
  len: number,
  pgoff: number,
  flags: number,
): Address {
  const { kernel } = arm;
  const shmlba = SHMLBA(kernel.pageSize);
  const aliasing = cache_is_vipt_aliasing(arm);
  const doAlign = aliasing && (filp !== null || (flags & MAP_SHARED) !== 0);
  const taskSize = kernel.machine.config.userTop;
  const fileOffset = pgoff * kernel.pageSize;
  if (flags & MAP_FIXED) {
    if (aliasing && flags & MAP_SHARED && ((addr - fileOffset) >>> 0) % shmlba !== 0) {
      throw new KernelRefusal(
        -EINVAL,
        `MAP_FIXED|MAP_SHARED at 0x${addr.toString(16)} is not congruent with file offset 0x${fileOffset.toString(16)} modulo SHMLBA (${shmlba})`,
        "arch/arm/mm/mmap.c: arch_get_unmapped_area",
      );
    }
    return addr;
  }
  if (len > taskSize) {
    throw new KernelRefusal(
      -ENOMEM,
      "mapping larger than TASK_SIZE",
      "arch/arm/mm/mmap.c: arch_get_unmapped_area",
    );
  }
  if (addr) {
    // COLOUR_ALIGN(addr, pgoff) or PAGE_ALIGN(addr)
    addr = doAlign
      ? Math.ceil(addr / shmlba) * shmlba + (fileOffset % shmlba)
      : Math.ceil(addr / kernel.pageSize) * kernel.pageSize;
    if (taskSize - len >= addr && kernel.rangeIsFree(addr, len)) return addr;
  }
  return kernel.vm_unmapped_area({
    length: len,
    lowLimit: kernel.layout.mmapBase,
    highLimit: taskSize,
    alignMask: doAlign ? shmlba - 1 - (kernel.pageSize - 1) : 0,
    alignOffset: fileOffset,
  });
}

/** Tap arch_get_unmapped_area for `arm` under the plugin name `tap`. */
export function installMmap(arm: ArmKernel, tap: string): void {
  replaceHook(arm.kernel.hooks, "arch_get_unmapped_area", tap, (filp, addr, len, pgoff, flags) =>
    arch_get_unmapped_area(arm, filp, addr, len, pgoff, flags),
  );
}
