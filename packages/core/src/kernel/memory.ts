// Page faults, copy-on-write and get_user_pages: mm/memory.c (handle_mm_fault, do_anonymous_page,
// do_read_fault, do_cow_fault, do_shared_fault, finish_fault, do_wp_page, wp_page_reuse, wp_page_copy), the DAX
// fault of fs/dax.c and the slow path of mm/gup.c (__get_user_pages). Each calls the hooks in Linux's order;
// the comments name the function modelled.
import type { Address, Pte } from "../hw/api.js";
import { EFAULT, KernelRefusal } from "./errors.js";
import { filemapGetPage } from "./filemap.js";
import type { Kernel } from "./kernel.js";
import {
  FAULT_FLAG_REMOTE,
  FAULT_FLAG_WRITE,
  FOLL_FORCE,
  FOLL_REMOTE,
  FOLL_WRITE,
  is_cow_mapping,
  type Mm,
  type PteProt,
  type PteRef,
  pfn_pte,
  pte_present,
  VM_EXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type Vma,
} from "./mm.js";
import { type Page, PageAnon, PG_anon, PG_dirty, set_bit } from "./page.js";

/** vm_get_page_prot: the PTE protection of `vma`, writable only when `write` and VM_WRITE. */
export function vmaPageProt(vma: Vma, write: boolean): PteProt {
  const accessible = (vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
  return {
    writable: write && vma.has(VM_WRITE),
    executable: vma.has(VM_EXEC),
    user: accessible,
    cacheable: true,
  };
}

/**
 * vma_wants_writenotify: a shared file mapping whose filesystem tracks dirtying (page_mkwrite): its PTEs are
 * installed read-only and made writable by a write fault. shmem (anonymous shared memory) does not.
 */
export function vma_wants_writenotify(vma: Vma): boolean {
  return vma.has(VM_SHARED) && vma.file !== null && !vma.file.shmem;
}

/** vm_normal_page(vma, addr, pte): the page a PTE maps, or null for the zero page. */
export function vm_normal_page(kernel: Kernel, pte: Pte): Page | null {
  if (kernel.is_zero_pfn(pte.pfn)) return null;
  return kernel.pfn_to_page(pte.pfn);
}

/** Allocate an anonymous page for `vma` at `addr` (placement from the mapping), marked PageAnon. */
function allocAnonPage(kernel: Kernel, vma: Vma, addr: Address): Page {
  const page = kernel.alloc_page(kernel.placementFor(vma, addr));
  set_bit(PG_anon, page);
  page.index = Math.floor(addr / kernel.pageSize);
  vma.anonVma = true;
  return page;
}

/** Install `entry` for a new mapping of `page` (page_add_*_rmap: one more PTE maps it). */
function mapPage(page: Page): void {
  page.mapcount++;
}

/**
 * handle_mm_fault(vma, address, flags) → handle_pte_fault: a missing PTE goes to do_anonymous_page, the DAX
 * fault, do_read_fault, do_cow_fault or do_shared_fault; a write to a present read-only PTE to do_wp_page.
 */
export function handle_mm_fault(kernel: Kernel, vma: Vma, address: Address, flags: number): void {
  const addr = address - (address % kernel.pageSize);
  const ptep = vma.mm.pte(addr);
  const pte = ptep.get();
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  if (!pte_present(pte)) {
    if (vma.specialPages) do_special_fault(kernel, vma, addr, ptep);
    else if (vma.file === null) do_anonymous_page(kernel, vma, addr, ptep, flags);
    else if (vma.file.dax) dax_fault(kernel, vma, addr, ptep, flags);
    else if (!write) do_read_fault(kernel, vma, addr, ptep);
    else if (!vma.has(VM_SHARED)) do_cow_fault(kernel, vma, addr, ptep);
    else do_shared_fault(kernel, vma, addr, ptep);
  } else if (write && !pte.writable) {
    do_wp_page(kernel, vma, addr, ptep, pte);
  }
  // Otherwise a spurious fault (the PTE already allows the access): nothing to do.
}

/**
 * do_anonymous_page: a read maps the shared zero page read-only (when the kernel uses one); otherwise
 * allocate a page, clear_user_highpage, set_pte_at, update_mmu_cache.
 */
function do_anonymous_page(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef, flags: number): void {
  const { hooks } = kernel;
  if (!(flags & FAULT_FLAG_WRITE) && kernel.zeroPage !== null) {
    const entry = pfn_pte(kernel.zeroPage.pfn, vmaPageProt(vma, false));
    hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
    hooks.update_mmu_cache.call(vma, addr, ptep);
    return;
  }
  // alloc_zeroed_user_highpage_movable → clear_user_highpage
  const page = allocAnonPage(kernel, vma, addr);
  hooks.clear_user_highpage.call(page, addr);
  const entry = pfn_pte(page.pfn, vmaPageProt(vma, true));
  mapPage(page); // page_add_new_anon_rmap (the allocation's reference becomes the PTE's)
  hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
  hooks.update_mmu_cache.call(vma, addr, ptep);
}

/** The file page `addr` maps in `vma`, or a SIGBUS refusal beyond the end of the file. */
function fileIndex(vma: Vma, addr: Address): number {
  const index = vma.linear_page_index(addr);
  const file = vma.file!;
  if (index >= file.pages) {
    throw new KernelRefusal(
      -EFAULT,
      `SIGBUS: page ${index} of file ${file.name} is beyond its end (${file.pages} pages)`,
      "mm/filemap.c: filemap_fault",
    );
  }
  return index;
}

/**
 * finish_fault → do_set_pte (set_pte_range in 6.x): flush_icache_page, take a reference, set_pte_at, then
 * update_mmu_cache.
 */
function finish_fault(
  kernel: Kernel,
  vma: Vma,
  addr: Address,
  ptep: PteRef,
  page: Page,
  write: boolean,
  newAnon = false,
): void {
  const { hooks } = kernel;
  hooks.flush_icache_page.call(vma, page);
  const entry = pfn_pte(page.pfn, vmaPageProt(vma, write));
  if (!newAnon) kernel.get_page(page);
  mapPage(page);
  hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
  hooks.update_mmu_cache.call(vma, addr, ptep);
}

/**
 * do_read_fault: __do_fault (filemap_fault: the page-cache page, read from the disk by the device if absent),
 * then finish_fault with a read-only PTE (a shared mapping that tracks dirtying, or a private one, is written
 * only after a write fault).
 */
function do_read_fault(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef): void {
  const page = filemapGetPage(kernel, vma.file!, fileIndex(vma, addr), kernel.placementFor(vma, addr));
  const write = vma.has(VM_SHARED) && !vma_wants_writenotify(vma);
  finish_fault(kernel, vma, addr, ptep, page, write);
}

/**
 * do_cow_fault: a write fault on a private file mapping: allocate an anonymous page, __do_fault for the
 * page-cache page, copy_user_highpage, finish_fault (writable if VM_WRITE).
 */
function do_cow_fault(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef): void {
  const newPage = allocAnonPage(kernel, vma, addr);
  const page = filemapGetPage(kernel, vma.file!, fileIndex(vma, addr), kernel.placementFor(vma, addr));
  kernel.hooks.copy_user_highpage.call(newPage, page, addr, vma);
  finish_fault(kernel, vma, addr, ptep, newPage, true, true);
}

/** do_shared_fault: __do_fault, (page_mkwrite), finish_fault with a writable PTE, set_page_dirty. */
function do_shared_fault(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef): void {
  const page = filemapGetPage(kernel, vma.file!, fileIndex(vma, addr), kernel.placementFor(vma, addr));
  finish_fault(kernel, vma, addr, ptep, page, true);
  set_bit(PG_dirty, page);
}

/**
 * special_mapping_fault (mm/mmap.c, the uprobes XOL area): the mapping's own page, through finish_fault,
 * read-only.
 */
function do_special_fault(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef): void {
  const page = vma.specialPages![vma.pageIndexOf(addr)];
  finish_fault(kernel, vma, addr, ptep, page, false);
}

/**
 * The DAX fault (fs/dax.c dax_iomap_pte_fault): no page cache; the user PTE maps the persistent-memory pfn
 * (vmf_insert_mixed → insert_pfn: set_pte_at, update_mmu_cache). A write fault on a private mapping copies
 * the pmem page into an anonymous page through the direct map (copy_cow_page_dax: kmap_atomic the new page,
 * copy_user_page, kunmap_atomic).
 */
function dax_fault(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef, flags: number): void {
  const { hooks } = kernel;
  const pmem = vma.file!.daxPages[fileIndex(vma, addr)];
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  if (write && !vma.has(VM_SHARED)) {
    const newPage = allocAnonPage(kernel, vma, addr);
    const vto = kernel.kmap_atomic(newPage);
    hooks.copy_user_page.call(vto, kernel.page_address(pmem)!, addr, newPage);
    kernel.kunmap_atomic(vto);
    finish_fault(kernel, vma, addr, ptep, newPage, true, true);
    return;
  }
  const entry = pfn_pte(pmem.pfn, vmaPageProt(vma, write && vma.has(VM_SHARED)));
  kernel.get_page(pmem);
  mapPage(pmem);
  hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
  hooks.update_mmu_cache.call(vma, addr, ptep);
}

/**
 * do_wp_page: a write to a present read-only PTE. A shared mapping (wp_page_shared, wp_pfn_shared) and an
 * anonymous page only this PTE references (page_count 1) are reused in place (wp_page_reuse); anything else
 * (a page-cache page of a private mapping, the zero page, an anonymous page shared after fork or pinned by
 * get_user_pages) is copied (wp_page_copy).
 */
function do_wp_page(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef, orig: Pte): void {
  const page = vm_normal_page(kernel, orig);
  if (vma.has(VM_SHARED) && vma.has(VM_WRITE)) {
    wp_page_reuse(kernel, vma, addr, ptep, orig);
    if (page) set_bit(PG_dirty, page);
    return;
  }
  if (page !== null && PageAnon(page) && page.refcount === 1) {
    wp_page_reuse(kernel, vma, addr, ptep, orig);
    return;
  }
  wp_page_copy(kernel, vma, addr, ptep, orig, page);
}

/**
 * wp_page_reuse: flush_cache_page, then make the PTE writable (maybe_mkwrite: only with VM_WRITE) through
 * ptep_set_access_flags (the generic one calls set_pte_at), then update_mmu_cache.
 */
function wp_page_reuse(kernel: Kernel, vma: Vma, addr: Address, ptep: PteRef, orig: Pte): void {
  const { hooks } = kernel;
  hooks.flush_cache_page.call(vma, addr, orig.pfn);
  const entry: Pte = { ...orig, writable: vma.has(VM_WRITE) };
  hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
  hooks.update_mmu_cache.call(vma, addr, ptep);
}

/**
 * wp_page_copy: allocate the new page and fill it (clear_user_highpage for the zero page, else
 * copy_user_highpage), then, after the copy: flush_cache_page of the old pfn, ptep_clear_flush,
 * set_pte_at of the new page, update_mmu_cache; finally drop the old page's mapping and reference.
 */
function wp_page_copy(
  kernel: Kernel,
  vma: Vma,
  addr: Address,
  ptep: PteRef,
  orig: Pte,
  old: Page | null,
): void {
  const { hooks } = kernel;
  const newPage = allocAnonPage(kernel, vma, addr);
  if (old === null) hooks.clear_user_highpage.call(newPage, addr);
  else hooks.copy_user_highpage.call(newPage, old, addr, vma);
  hooks.flush_cache_page.call(vma, addr, orig.pfn);
  const entry = pfn_pte(newPage.pfn, vmaPageProt(vma, true));
  hooks.ptep_clear_flush.call(vma, addr, ptep);
  mapPage(newPage); // page_add_new_anon_rmap
  hooks.set_pte_at.call(vma.mm, addr, ptep, entry);
  hooks.update_mmu_cache.call(vma, addr, ptep);
  if (old !== null) {
    old.mapcount--; // page_remove_rmap
    kernel.put_page(old);
  }
}

/**
 * follow_page_mask: the page a present PTE maps, if the access is allowed: a write needs a writable PTE,
 * except under FOLL_FORCE on a private mapping whose PTE maps an anonymous (already COW-broken) page
 * (can_follow_write_pte). The zero page is returned for reads.
 */
function follow_page(kernel: Kernel, vma: Vma, addr: Address, gupFlags: number): Page | null {
  const pte = vma.mm.pte(addr).get();
  if (!pte_present(pte)) return null;
  if (gupFlags & FOLL_WRITE && !pte.writable) {
    if (!(gupFlags & FOLL_FORCE) || vma.has(VM_WRITE)) return null;
    const page = vm_normal_page(kernel, pte);
    return page !== null && PageAnon(page) ? page : null;
  }
  return vm_normal_page(kernel, pte) ?? kernel.zeroPage;
}

/** check_vma_flags: whether GUP may access `vma` as `gupFlags` asks. */
function gupAllowed(vma: Vma, gupFlags: number): boolean {
  if (gupFlags & FOLL_WRITE) {
    if (vma.has(VM_WRITE)) return true;
    return (gupFlags & FOLL_FORCE) !== 0 && vma.has(VM_MAYWRITE) && is_cow_mapping(vma.flags);
  }
  if (vma.has(VM_READ)) return true;
  return (gupFlags & FOLL_FORCE) !== 0 && vma.has(VM_MAYREAD);
}

/**
 * __get_user_pages (mm/gup.c, the slow path): for each page, find the VMA, follow the PTE, fault it in
 * (handle_mm_fault, with FAULT_FLAG_WRITE to break COW) until the access is allowed, take a reference, then
 * flush_anon_page(vma, page, start) and flush_dcache_page(page). Fails with -EFAULT if the first page cannot
 * be pinned; returns the pages pinned before a later failure.
 */
export function __get_user_pages(
  kernel: Kernel,
  mm: Mm,
  start: Address,
  nrPages: number,
  gupFlags: number,
): Page[] {
  const { hooks } = kernel;
  const pages: Page[] = [];
  const first = start - (start % kernel.pageSize);
  for (let i = 0; i < nrPages; i++) {
    const addr = first + i * kernel.pageSize;
    const vma = mm.vma_lookup(addr);
    if (vma === null || !gupAllowed(vma, gupFlags)) {
      if (i === 0) {
        throw new KernelRefusal(
          -EFAULT,
          vma === null
            ? `get_user_pages: no mapping at 0x${addr.toString(16)} in ${mm.name}`
            : `get_user_pages: the mapping at 0x${addr.toString(16)} does not allow this access`,
          "mm/gup.c: __get_user_pages",
        );
      }
      break;
    }
    let page = follow_page(kernel, vma, addr, gupFlags);
    for (let attempt = 0; page === null; attempt++) {
      if (attempt === 3) throw new Error(`__get_user_pages: fault loop at 0x${addr.toString(16)}`);
      let faultFlags = gupFlags & FOLL_WRITE ? FAULT_FLAG_WRITE : 0;
      if (gupFlags & FOLL_REMOTE) faultFlags |= FAULT_FLAG_REMOTE;
      handle_mm_fault(kernel, vma, addr, faultFlags);
      page = follow_page(kernel, vma, addr, gupFlags);
    }
    kernel.get_page(page);
    hooks.flush_anon_page.call(vma, page, addr);
    hooks.flush_dcache_page.call(page);
    pages.push(page);
  }
  return pages;
}

/**
 * zap_pte_range for [start, end) of `vma`: clear each present PTE through ptep_get_and_clear, drop the
 * page's mapping (page_remove_rmap); returns the pages whose references the caller drops after the TLB flush
 * (tlb_remove_page batches them until tlb_finish_mmu).
 */
export function zap_pte_range(kernel: Kernel, vma: Vma, start: Address, end: Address): Page[] {
  const released: Page[] = [];
  for (let addr = start; addr < end; addr += kernel.pageSize) {
    const ptep = vma.mm.pte(addr);
    if (ptep.get() === undefined) continue;
    const old = kernel.hooks.ptep_get_and_clear.call(vma.mm, addr, ptep) ?? null;
    if (old === null) continue;
    ptep.clear();
    const page = vm_normal_page(kernel, old);
    if (page === null) continue;
    page.mapcount--;
    if (!PageAnon(page) && old.writable) set_bit(PG_dirty, page);
    released.push(page);
  }
  return released;
}
