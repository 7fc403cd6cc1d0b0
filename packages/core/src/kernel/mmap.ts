// Mappings: mmap (mm/mmap.c do_mmap, get_unmapped_area, vm_unmapped_area), munmap (do_munmap, unmap_region),
// mprotect (mm/mprotect.c change_protection), exit (exit_mmap) and fork (kernel/fork.c dup_mmap,
// mm/memory.c copy_page_range). Each calls the hooks in Linux's order.
import type { Address } from "../hw/api.js";
import { EACCES, EINVAL, ENOMEM, KernelRefusal } from "./errors.js";
import type { Kernel } from "./kernel.js";
import { vm_normal_page, vma_wants_writenotify, vmaPageProt, zap_pte_range } from "./memory.js";
import {
  type FramePlacement,
  is_cow_mapping,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  type Mm,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  pte_present,
  pte_wrprotect,
  VM_DONTCOPY,
  VM_EXEC,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_MIXEDMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  Vma,
} from "./mm.js";
import type { File, Page } from "./page.js";

/** What mmap(2) is asked (a scenario's `maps` entry or `mmap` step). */
export interface MmapRequest {
  /** The scenario's name for the mapping. */
  readonly name?: string | null;
  /** The file mapped (null or absent: anonymous memory). */
  readonly file?: File | null;
  /** The first file page mapped. */
  readonly pgoff?: number;
  /** Length in pages. */
  readonly pages: number;
  /** PROT_READ | PROT_WRITE | PROT_EXEC. */
  readonly prot: number;
  /** MAP_SHARED (default MAP_PRIVATE). */
  readonly shared?: boolean;
  /** MAP_FIXED at `addr` (or at the address `colour` gives). */
  readonly fixed?: boolean;
  /** An explicit page-aligned address: the MAP_FIXED address, or a hint. */
  readonly addr?: Address | null;
  /**
   * Abstract colour of the first page (modulo the number of colours): the lowest free address of that colour
   * becomes the hint (or the MAP_FIXED address), which arch_get_unmapped_area may still move.
   */
  readonly colour?: number | null;
  /** Where the backing frames come from. */
  readonly placement?: FramePlacement | null;
}

/** calc_vm_prot_bits: PROT_* to VM_READ/VM_WRITE/VM_EXEC. */
export function calc_vm_prot_bits(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** Options of vm_unmapped_area (struct vm_unmapped_area_info), bottom-up. */
export interface UnmappedAreaInfo {
  readonly length: number;
  readonly lowLimit: Address;
  readonly highLimit: Address;
  /** The address must satisfy ((addr - alignOffset) & alignMask) === 0 (colour alignment: SHMLBA - 1). */
  readonly alignMask?: number;
  readonly alignOffset?: number;
}

/** Whether [addr, addr + len) overlaps no VMA of `mm`. */
export function rangeIsFree(mm: Mm, addr: Address, len: number): boolean {
  return mm.vmas.every((vma) => vma.end <= addr || vma.start >= addr + len);
}

/**
 * vm_unmapped_area (bottom-up, unmapped_area): the lowest address in [lowLimit, highLimit) with `length`
 * free bytes and the alignment asked; -ENOMEM when there is none.
 */
export function vm_unmapped_area(mm: Mm, info: UnmappedAreaInfo): Address {
  const mask = info.alignMask ?? 0;
  const offset = info.alignOffset ?? 0;
  let gapStart = info.lowLimit;
  for (const vma of [...mm.vmas.filter((v) => v.end > info.lowLimit), null]) {
    const gapEnd = vma === null ? info.highLimit : Math.min(vma.start, info.highLimit);
    if (gapEnd > gapStart) {
      // gap_start += (align_offset - gap_start) & align_mask (modulo 2^32, as unsigned long on 32 bits)
      const aligned = gapStart + ((offset - gapStart) & mask);
      if (aligned + info.length <= gapEnd) return aligned;
    }
    if (vma !== null) gapStart = Math.max(gapStart, vma.end);
    if (gapStart >= info.highLimit) break;
  }
  throw new KernelRefusal(-ENOMEM, `no free range of ${info.length} bytes`, "mm/mmap.c: vm_unmapped_area");
}

/**
 * generic_get_unmapped_area (mm/mmap.c, bottom-up): MAP_FIXED returns `addr`; a free page-aligned hint is
 * taken; otherwise the lowest free range from TASK_UNMAPPED_BASE. No colouring.
 */
export function generic_get_unmapped_area(
  kernel: Kernel,
  _filp: File | null,
  addr: Address,
  len: number,
  _pgoff: number,
  flags: number,
): Address {
  const taskSize = kernel.machine.config.userTop;
  if (len > taskSize)
    throw new KernelRefusal(
      -ENOMEM,
      "mapping larger than the user address space",
      "mm/mmap.c: get_unmapped_area",
    );
  if (flags & MAP_FIXED) return addr;
  const mm = kernel.currentMmOrFail("get_unmapped_area");
  if (addr) {
    const hint = Math.ceil(addr / kernel.pageSize) * kernel.pageSize;
    if (taskSize - len >= hint && rangeIsFree(mm, hint, len)) return hint;
  }
  return vm_unmapped_area(mm, { length: len, lowLimit: kernel.layout.mmapBase, highLimit: taskSize });
}

/** The lowest free address from TASK_UNMAPPED_BASE whose page colour is `colour` (mod colours) with room for `len`. */
export function colourAddress(kernel: Kernel, mm: Mm, len: number, colour: number): Address {
  const colours = kernel.colours;
  const want = ((colour % colours) + colours) % colours;
  const way = colours * kernel.pageSize;
  return vm_unmapped_area(mm, {
    length: len,
    lowLimit: kernel.layout.mmapBase,
    highLimit: kernel.machine.config.userTop,
    alignMask: way - 1,
    alignOffset: want * kernel.pageSize,
  });
}

/** __vma_link_file: add a file VMA to its mapping's i_mmap (and i_mmap_writable for VM_SHARED). */
export function linkFileVma(vma: Vma): void {
  if (vma.file === null) return;
  const mapping = vma.file.mapping;
  const at = mapping.i_mmap.findIndex((other) => other.pgoff > vma.pgoff);
  if (at < 0) mapping.i_mmap.push(vma);
  else mapping.i_mmap.splice(at, 0, vma);
  if (vma.has(VM_SHARED)) mapping.i_mmap_writable++;
}

/** unlink_file_vma: remove a file VMA from i_mmap. */
export function unlinkFileVma(vma: Vma): void {
  if (vma.file === null) return;
  const mapping = vma.file.mapping;
  const at = mapping.i_mmap.indexOf(vma);
  if (at >= 0) {
    mapping.i_mmap.splice(at, 1);
    if (vma.has(VM_SHARED)) mapping.i_mmap_writable--;
  }
}

/** A placement moved `pages` pages on (the frames of page k of a split-off VMA). */
function shiftPlacement(placement: FramePlacement | null, pages: number): FramePlacement | null {
  if (placement === null) return null;
  return {
    colour: placement.colour == null ? null : placement.colour + pages,
    pfn: placement.pfn == null ? null : placement.pfn + pages,
    highmem: placement.highmem,
  };
}

/** __split_vma: split `vma` at `addr` (strictly inside it); returns the upper part, linked everywhere. */
export function split_vma(kernel: Kernel, vma: Vma, addr: Address): Vma {
  const pages = (addr - vma.start) / kernel.pageSize;
  const upper = new Vma(
    vma.mm,
    addr,
    vma.end,
    vma.flags,
    vma.file,
    vma.pgoff + pages,
    vma.name,
    shiftPlacement(vma.placement, pages),
  );
  upper.anonVma = vma.anonVma;
  if (vma.specialPages) upper.specialPages = vma.specialPages.slice(pages);
  if (vma.specialPages) vma.specialPages = vma.specialPages.slice(0, pages);
  vma.end = addr;
  vma.mm.insertVma(upper);
  linkFileVma(upper);
  return upper;
}

/** Split the VMAs of `mm` so that `start` and `end` fall on VMA boundaries; returns the VMAs inside. */
function vmasWithin(kernel: Kernel, mm: Mm, start: Address, end: Address): Vma[] {
  for (const boundary of [start, end]) {
    const vma = mm.vma_lookup(boundary);
    if (vma && vma.start < boundary) split_vma(kernel, vma, boundary);
  }
  return mm.vmas.filter((vma) => vma.start >= start && vma.end <= end);
}

/**
 * do_mmap (mm/mmap.c): compute vm_flags, place the mapping through arch_get_unmapped_area (via
 * get_unmapped_area), unmap what MAP_FIXED overlays, link the VMA (and its file's i_mmap). PTEs are
 * installed by the faults that follow. MAP_SHARED|MAP_ANONYMOUS gets a shmem file (shmem_zero_setup).
 */
export function do_mmap(kernel: Kernel, mm: Mm, req: MmapRequest): Vma {
  const { pageSize } = kernel;
  if (!Number.isInteger(req.pages) || req.pages < 1) {
    throw new KernelRefusal(-EINVAL, `mmap of ${String(req.pages)} pages`, "mm/mmap.c: do_mmap");
  }
  const len = req.pages * pageSize;
  let file = req.file ?? null;
  let pgoff = file ? (req.pgoff ?? 0) : 0;
  const shared = req.shared === true;
  const fixed = req.fixed === true;
  const flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (file ? 0 : MAP_ANONYMOUS) | (fixed ? MAP_FIXED : 0);
  let vmFlags = calc_vm_prot_bits(req.prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (shared) vmFlags |= VM_SHARED | VM_MAYSHARE;
  if (file?.dax) vmFlags |= VM_MIXEDMAP;

  let addr = req.addr ?? 0;
  if (req.addr == null && req.colour != null) addr = colourAddress(kernel, mm, len, req.colour);
  if (fixed && (addr % pageSize !== 0 || addr === 0)) {
    throw new KernelRefusal(
      -EINVAL,
      `MAP_FIXED at unaligned or null address 0x${addr.toString(16)}`,
      "mm/mmap.c: do_mmap",
    );
  }
  const filp = file;
  if (!file && shared) pgoff = 0;
  addr = kernel.hooks.arch_get_unmapped_area.call(filp, addr, len, pgoff, flags) as Address;
  const taskSize = kernel.machine.config.userTop;
  if (addr % pageSize !== 0 || addr + len > taskSize) {
    throw new KernelRefusal(
      -ENOMEM,
      `no room for ${req.pages} pages at 0x${addr.toString(16)}`,
      "mm/mmap.c: get_unmapped_area",
    );
  }
  if (fixed) do_munmap(kernel, mm, addr, len);
  else if (!rangeIsFree(mm, addr, len)) {
    throw new KernelRefusal(
      -ENOMEM,
      `arch_get_unmapped_area returned an occupied range at 0x${addr.toString(16)}`,
      "mm/mmap.c: mmap_region",
    );
  }
  if (!file && shared) file = kernel.shmemFile(req.pages); // shmem_zero_setup
  const vma = new Vma(
    mm,
    addr,
    addr + len,
    vmFlags,
    file,
    file ? pgoff : addr / pageSize,
    req.name ?? null,
    req.placement ?? null,
  );
  mm.insertVma(vma);
  linkFileVma(vma);
  return vma;
}

/**
 * do_munmap → unmap_region (mm/mmap.c): split at the edges, detach the VMAs, then for each:
 * flush_cache_range over the VMA (tlb_start_vma), zap its PTEs (ptep_get_and_clear), flush_tlb_range
 * (tlb_end_vma); unlink from i_mmap; free the pages (tlb_finish_mmu).
 */
export function do_munmap(kernel: Kernel, mm: Mm, start: Address, len: number): void {
  if (start % kernel.pageSize !== 0) {
    throw new KernelRefusal(
      -EINVAL,
      `munmap at unaligned address 0x${start.toString(16)}`,
      "mm/mmap.c: do_munmap",
    );
  }
  const end = start + Math.ceil(len / kernel.pageSize) * kernel.pageSize;
  const vmas = vmasWithin(kernel, mm, start, end);
  if (vmas.length === 0) return;
  for (const vma of vmas) mm.removeVma(vma);
  const { hooks } = kernel;
  const released: Page[] = [];
  for (const vma of vmas) {
    hooks.flush_cache_range.call(vma, vma.start, vma.end);
    released.push(...zap_pte_range(kernel, vma, vma.start, vma.end));
    hooks.flush_tlb_range.call(vma, vma.start, vma.end);
  }
  for (const vma of vmas) unlinkFileVma(vma);
  for (const page of released) kernel.put_page(page);
}

/**
 * mprotect (mm/mprotect.c mprotect_fixup → change_protection): set vm_flags, then flush_cache_range,
 * rewrite each present PTE (ptep_modify_prot_start = ptep_get_and_clear, ptep_modify_prot_commit =
 * set_pte_at) and flush_tlb_range. Private mappings get read-only PTEs (PAGE_COPY: a write faults and
 * COWs or reuses); shared ones keep write permission only where dirtying was already tracked.
 */
export function do_mprotect(kernel: Kernel, mm: Mm, start: Address, len: number, prot: number): void {
  const { pageSize, hooks } = kernel;
  if (start % pageSize !== 0) {
    throw new KernelRefusal(
      -EINVAL,
      `mprotect at unaligned address 0x${start.toString(16)}`,
      "mm/mprotect.c: do_mprotect_pkey",
    );
  }
  const end = start + Math.ceil(len / pageSize) * pageSize;
  for (let addr = start; addr < end; addr += pageSize) {
    if (mm.vma_lookup(addr) === null) {
      throw new KernelRefusal(
        -ENOMEM,
        `mprotect of unmapped address 0x${addr.toString(16)}`,
        "mm/mprotect.c: do_mprotect_pkey",
      );
    }
  }
  const wanted = calc_vm_prot_bits(prot);
  for (const vma of mm.vmas.filter((v) => v.start < end && v.end > start)) {
    const may =
      (vma.has(VM_MAYREAD) ? VM_READ : 0) |
      (vma.has(VM_MAYWRITE) ? VM_WRITE : 0) |
      (vma.has(VM_MAYEXEC) ? VM_EXEC : 0);
    if (wanted & ~may) {
      throw new KernelRefusal(
        -EACCES,
        "mprotect asks for a permission the mapping may not have",
        "mm/mprotect.c: do_mprotect_pkey",
      );
    }
  }
  for (const vma of vmasWithin(kernel, mm, start, end)) {
    vma.flags = (vma.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | wanted;
    hooks.flush_cache_range.call(vma, vma.start, vma.end);
    const writenotify = vma_wants_writenotify(vma);
    let changed = false;
    for (let addr = vma.start; addr < vma.end; addr += pageSize) {
      const ptep = mm.pte(addr);
      if (!pte_present(ptep.get())) continue;
      const old = hooks.ptep_get_and_clear.call(mm, addr, ptep) ?? null;
      if (old === null) continue;
      const prot = vmaPageProt(vma, false);
      const writable = vma.has(VM_WRITE) && vma.has(VM_SHARED) && (!writenotify || old.writable);
      hooks.set_pte_at.call(mm, addr, ptep, { ...old, ...prot, writable, cacheable: old.cacheable });
      changed = true;
    }
    if (changed) hooks.flush_tlb_range.call(vma, vma.start, vma.end);
  }
}

/**
 * exit_mmap (mm/mmap.c): flush_cache_mm, zap every VMA's PTEs (a full-mm teardown: no flush_cache_range),
 * flush_tlb_mm, unlink the VMAs, free the pages.
 */
export function exit_mmap(kernel: Kernel, mm: Mm): void {
  const { hooks } = kernel;
  hooks.flush_cache_mm.call(mm);
  const released: Page[] = [];
  for (const vma of mm.vmas) released.push(...zap_pte_range(kernel, vma, vma.start, vma.end));
  hooks.flush_tlb_mm.call(mm);
  for (const vma of mm.vmas) unlinkFileVma(vma);
  mm.vmas.length = 0;
  mm.dead = true;
  for (const page of released) kernel.put_page(page);
}

/**
 * copy_page_range (mm/memory.c copy_one_pte / copy_present_pte): for a VMA with anonymous pages (or pfn
 * mappings; a file VMA without them is refilled by faults), each present PTE: in a COW mapping, write-protect
 * the parent's PTE (ptep_set_wrprotect) and the copy; take a reference and a mapcount; set_pte_at in the child.
 */
function copy_page_range(kernel: Kernel, dst: Vma, src: Vma): void {
  if (!src.anonVma && !src.has(VM_MIXEDMAP)) return;
  const { hooks } = kernel;
  const cow = is_cow_mapping(src.flags);
  for (let addr = src.start; addr < src.end; addr += kernel.pageSize) {
    const srcPtep = src.mm.pte(addr);
    let pte = srcPtep.get();
    if (!pte_present(pte)) continue;
    if (cow && pte.writable) {
      hooks.ptep_set_wrprotect.call(src.mm, addr, srcPtep);
      pte = pte_wrprotect(pte);
    }
    const page = vm_normal_page(kernel, pte);
    if (page !== null) {
      kernel.get_page(page);
      page.mapcount++; // page_dup_rmap
    }
    hooks.set_pte_at.call(dst.mm, addr, dst.mm.pte(addr), pte);
  }
}

/**
 * The second half of dup_mmap (kernel/fork.c), after flush_cache_dup_mm(oldmm) and the preemption window:
 * copy every VMA but VM_DONTCOPY ones (linking file VMAs into i_mmap), copy_page_range each, then
 * flush_tlb_mm(oldmm).
 */
export function dup_mmap_copy(kernel: Kernel, oldmm: Mm, mm: Mm): void {
  for (const vma of [...oldmm.vmas]) {
    if (vma.has(VM_DONTCOPY)) continue;
    const tmp = new Vma(mm, vma.start, vma.end, vma.flags, vma.file, vma.pgoff, vma.name, vma.placement);
    tmp.anonVma = vma.anonVma;
    tmp.specialPages = vma.specialPages;
    mm.insertVma(tmp);
    linkFileVma(tmp);
    copy_page_range(kernel, tmp, vma);
  }
  kernel.hooks.flush_tlb_mm.call(oldmm);
}
