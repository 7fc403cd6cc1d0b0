// Where MIPS places mappings: arch_get_unmapped_area with colour alignment (arch/mips/mm/mmap.c since 2012,
// arch/mips/kernel/syscall.c before). File-backed and MAP_SHARED mappings are placed so that every user alias
// of a file page has the colour of its file offset (SHMLBA = shm_align_mask + 1), and a MAP_FIXED|MAP_SHARED
// mapping that breaks that rule is refused with -EINVAL. Reference: kernel-reference.md §1.7, §7 B9 [AMMAP].
import {
  type Address,
  EINVAL,
  ENOMEM,
  type File,
  KernelRefusal,
  MAP_FIXED,
  MAP_SHARED,
} from "@flushlab/core";
import type { MipsContext } from "./page.js";

/**
 * COLOUR_ALIGN(addr, pgoff) (mmap.c): round `addr` up to SHMLBA, then add the colour offset of `pgoff`.
 */
export function COLOUR_ALIGN(ctx: MipsContext, addr: Address, pgoff: number): Address {
  const mask = ctx.info.shm_align_mask;
  const up = Math.floor((addr + mask) / (mask + 1)) * (mask + 1);
  return up + ((pgoff * ctx.kernel.pageSize) & mask);
}

/**
 * arch_get_unmapped_area(filp, addr, len, pgoff, flags) (arch/mips/mm/mmap.c arch_get_unmapped_area_common,
 * bottom-up; verified in torvalds/linux): -ENOMEM beyond TASK_SIZE; MAP_FIXED: -EINVAL beyond TASK_SIZE, and for
 * MAP_SHARED when `(addr - (pgoff << PAGE_SHIFT)) & shm_align_mask` (the 2.6 syscall.c form tested `addr &
 * shm_align_mask`: era field `mapFixedShared`, UNVERIFIED recall), else `addr`; with a file or MAP_SHARED the
 * hint is colour-aligned (COLOUR_ALIGN) and the search asks vm_unmapped_area for align_mask = PAGE_MASK &
 * shm_align_mask at align_offset = pgoff << PAGE_SHIFT. On a non-aliasing D-cache shm_align_mask is
 * PAGE_SIZE - 1: no constraint. [AMMAP, MK]
 */
export function arch_get_unmapped_area(
  ctx: MipsContext,
  filp: File | null,
  addr: Address,
  len: number,
  pgoff: number,
  flags: number,
): Address {
  const { kernel, info, era } = ctx;
  const pageSize = kernel.pageSize;
  const taskSize = kernel.machine.config.userTop;
  const mask = info.shm_align_mask;
  const where = "arch/mips/mm/mmap.c: arch_get_unmapped_area_common";
  if (len > taskSize) throw new KernelRefusal(-ENOMEM, `mapping of ${len} bytes exceeds TASK_SIZE`, where);
  if (flags & MAP_FIXED) {
    // "Even MAP_FIXED mappings must reside within TASK_SIZE"
    if (taskSize - len < addr) {
      throw new KernelRefusal(-EINVAL, `MAP_FIXED at 0x${addr.toString(16)} beyond TASK_SIZE`, where);
    }
    // "We do not accept a shared mapping if it would violate cache aliasing constraints."
    const offset = era.mapFixedShared === "addr-pgoff" ? addr - pgoff * pageSize : addr;
    if (flags & MAP_SHARED && ((offset >>> 0) & mask) !== 0) {
      throw new KernelRefusal(
        -EINVAL,
        `MAP_FIXED|MAP_SHARED at 0x${addr.toString(16)} for file page ${pgoff} violates the cache colouring (shm_align_mask 0x${mask.toString(16)})`,
        era.mapFixedShared === "addr-pgoff" ? where : "arch/mips/kernel/syscall.c: arch_get_unmapped_area",
      );
    }
    return addr;
  }
  const doColourAlign = filp !== null || (flags & MAP_SHARED) !== 0;
  if (addr) {
    const hint = doColourAlign ? COLOUR_ALIGN(ctx, addr, pgoff) : Math.ceil(addr / pageSize) * pageSize;
    if (taskSize - len >= hint && kernel.rangeIsFree(hint, len)) return hint;
  }
  return kernel.vm_unmapped_area({
    length: len,
    lowLimit: kernel.layout.mmapBase,
    highLimit: taskSize,
    alignMask: doColourAlign ? mask & ~(pageSize - 1) : 0,
    alignOffset: pgoff * pageSize,
  });
}
