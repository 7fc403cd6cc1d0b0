// The page cache and file I/O: mm/filemap.c (pagecache_get_page, add_to_page_cache_lru, filemap_read,
// generic_perform_write), the block layer's read and writeback of a page by the device (mpage_readpage,
// write_cache_pages → clear_page_dirty_for_io → page_mkclean), the rmap walk of page_mkclean (mm/rmap.c) and
// DAX I/O (fs/dax.c dax_iomap_iter: copies through the direct map, no page cache, no hook at all).
import { UserError } from "../errors.js";
import type { Address } from "../hw/api.js";
import type { Kernel } from "./kernel.js";
import { type FramePlacement, pte_present, pte_wrprotect, VM_SHARED } from "./mm.js";
import {
  clear_bit,
  type File,
  mapping_writably_mapped,
  type Page,
  PageUptodate,
  PG_arch_1,
  PG_dirty,
  PG_uptodate,
  PG_writeback,
  set_bit,
} from "./page.js";
import { SG_MITER_ATOMIC, SG_MITER_TO_SG } from "./scatterlist.js";

/** How the driver moves a page's data: DMA by the device, or PIO by the CPU through sg_miter. */
export type TransferMode = "dma" | "pio";

/**
 * add_to_page_cache_lru(page, mapping, index): the page enters the page cache; PG_arch_1 is cleared
 * (Documentation/core-api/cachetlb.rst). The allocation's reference becomes the page cache's.
 */
export function add_to_page_cache_lru(page: Page, file: File, index: number): void {
  page.mapping = file.mapping;
  page.index = index;
  clear_bit(PG_arch_1, page);
  file.mapping.i_pages.set(index, page);
}

/**
 * The device fills a page from the disk (mpage_readpage → the block driver): dma_map_page(DMA_FROM_DEVICE),
 * the device writes every word, dma_unmap_page.
 */
function readPageDma(kernel: Kernel, file: File, page: Page): void {
  const words = file.diskPage(page.index);
  const handle = kernel.dma_map_page(page, 0, kernel.pageSize, "DMA_FROM_DEVICE");
  for (let i = 0; i < words.length; i++) kernel.machine.dmaWrite(handle + 4 * i, words[i]);
  kernel.dma_unmap_page(handle, kernel.pageSize, "DMA_FROM_DEVICE");
}

/**
 * A PIO driver fills a page from the disk: sg_miter_start(SG_MITER_TO_SG | SG_MITER_ATOMIC), sg_miter_next
 * (kmap_atomic), the CPU stores every word, sg_miter_stop (the era's flush, then kunmap_atomic).
 */
function readPagePio(kernel: Kernel, file: File, page: Page): void {
  const words = file.diskPage(page.index);
  const miter = kernel.sg_miter_start(
    [{ page, offset: 0, length: kernel.pageSize }],
    SG_MITER_TO_SG | SG_MITER_ATOMIC,
  );
  while (kernel.sg_miter_next(miter)) kernel.writeKernel(miter.addr!, Array.from(words));
  kernel.sg_miter_stop(miter);
}

/** Find the page-cache page, or allocate one and add it (not yet read). */
function findOrCreatePage(kernel: Kernel, file: File, index: number, placement: FramePlacement): Page {
  const cached = file.mapping.find_get_page(index);
  if (cached) return cached;
  const page = kernel.alloc_page(placement);
  add_to_page_cache_lru(page, file, index);
  return page;
}

/**
 * A new shmem page (mm/shmem.c shmem_get_folio_gfp, ≤ v5.x shmem_getpage_gfp): clear_highpage (kmap_atomic,
 * clear_page, kunmap_atomic), then flush_dcache_page.
 */
function shmemClearPage(kernel: Kernel, page: Page): void {
  const kaddr = kernel.kmap_atomic(page);
  kernel.clear_page(kaddr);
  kernel.kunmap_atomic(kaddr);
  kernel.hooks.flush_dcache_page.call(page);
}

/**
 * pagecache_get_page + read (filemap_fault, filemap_read): the page-cache page of file page `index`, read
 * from the disk by DMA if it is not up to date (a shmem page is zeroed instead).
 */
export function filemapGetPage(
  kernel: Kernel,
  file: File,
  index: number,
  placement: FramePlacement = {},
): Page {
  const page = findOrCreatePage(kernel, file, index, placement);
  if (!PageUptodate(page)) {
    if (file.shmem) shmemClearPage(kernel, page);
    else readPageDma(kernel, file, page);
    set_bit(PG_uptodate, page);
  }
  return page;
}

/**
 * A page-cache fill by the device (readahead / read_folio completion): the disk holds `words` at byte
 * `offset` of file page `index`; the page is added to the page cache if absent (clearing PG_arch_1) and
 * filled, by DMA or by PIO (sg_miter, whose sg_miter_stop issues the era's flush), then marked up to date.
 * A page already cached is filled again.
 */
export function pagecacheFill(
  kernel: Kernel,
  file: File,
  index: number,
  via: TransferMode,
  offset: number,
  words: readonly number[],
  placement: FramePlacement = {},
): Page {
  checkFileRange(kernel, file, index * kernel.pageSize + offset, words.length * 4);
  file.diskPage(index).set(
    words.map((w) => w >>> 0),
    offset / 4,
  );
  const page = findOrCreatePage(kernel, file, index, placement);
  if (via === "dma") readPageDma(kernel, file, page);
  else readPagePio(kernel, file, page);
  set_bit(PG_uptodate, page);
  return page;
}

function checkFileRange(kernel: Kernel, file: File, pos: number, len: number): void {
  if (pos % 4 !== 0 || len % 4 !== 0 || pos < 0 || len < 0) {
    throw new RangeError(`file ${file.name}: position ${pos} and length ${len} must be multiples of 4`);
  }
  if (pos + len > file.pages * kernel.pageSize) {
    throw new UserError(
      `file ${file.name}`,
      `bytes [${pos}, ${pos + len}) are beyond the end of the file (${file.pages} pages of ${kernel.pageSize} bytes).`,
    );
  }
}

/** The (page index, offset in page, length) chunks of [pos, pos + len). */
function* chunks(kernel: Kernel, pos: number, len: number): Generator<[number, number, number, number]> {
  let done = 0;
  while (done < len) {
    const at = pos + done;
    const index = Math.floor(at / kernel.pageSize);
    const offset = at % kernel.pageSize;
    const bytes = Math.min(len - done, kernel.pageSize - offset);
    yield [index, offset, bytes, done];
    done += bytes;
  }
}

/**
 * read(2) of a page-cache file (filemap_read / do_generic_file_read): per page, the page-cache page (read
 * by the device if needed); flush_dcache_page when the file is writably shared-mapped (mapping_writably_mapped,
 * "users can be writing to this page using arbitrary virtual addresses"); then copy_page_to_iter:
 * kmap_atomic, copy_to_user, kunmap_atomic. The user buffer is faulted in first (fault_in_pages_writeable,
 * modelled without its probing store). DAX files go to daxRead.
 */
export function fileRead(kernel: Kernel, file: File, pos: number, ubuf: Address, len: number): void {
  checkFileRange(kernel, file, pos, len);
  if (file.dax) {
    daxRead(kernel, file, pos, ubuf, len);
    return;
  }
  const { hooks } = kernel;
  for (const [index, offset, bytes, done] of chunks(kernel, pos, len)) {
    const page = filemapGetPage(kernel, file, index);
    if (mapping_writably_mapped(file.mapping)) hooks.flush_dcache_page.call(page);
    kernel.fault_in_user(ubuf + done, bytes, true);
    const kaddr = kernel.kmap_atomic(page);
    for (let o = 0; o < bytes; o += 4)
      kernel.put_user(ubuf + done + o, kernel.kernelLoad(kaddr + offset + o));
    kernel.kunmap_atomic(kaddr);
  }
}

/**
 * write(2) to a page-cache file (generic_perform_write, 2.6.24 – 5.x form): per page, fault the user buffer
 * in (fault_in_iov_iter_readable, without its probing load), write_begin (the page-cache page; read from the
 * disk first unless the write covers it whole), flush_dcache_page if the file is writably shared-mapped,
 * iov_iter_copy_from_user_atomic (kmap_atomic, copy_from_user, kunmap_atomic), flush_dcache_page, write_end
 * (uptodate, dirty). ≥ v5.11 maps with kmap_local_page, which the kmap_atomic hook stands for.
 */
export function fileWrite(kernel: Kernel, file: File, pos: number, ubuf: Address, len: number): void {
  checkFileRange(kernel, file, pos, len);
  if (file.dax) {
    daxWrite(kernel, file, pos, ubuf, len);
    return;
  }
  const { hooks } = kernel;
  for (const [index, offset, bytes, done] of chunks(kernel, pos, len)) {
    kernel.fault_in_user(ubuf + done, bytes, false);
    const whole = offset === 0 && bytes === kernel.pageSize;
    const page = whole ? findOrCreatePage(kernel, file, index, {}) : filemapGetPage(kernel, file, index);
    if (mapping_writably_mapped(file.mapping)) hooks.flush_dcache_page.call(page);
    const kaddr = kernel.kmap_atomic(page);
    for (let o = 0; o < bytes; o += 4)
      kernel.kernelStore(kaddr + offset + o, kernel.get_user(ubuf + done + o));
    kernel.kunmap_atomic(kaddr);
    hooks.flush_dcache_page.call(page);
    set_bit(PG_uptodate, page);
    set_bit(PG_dirty, page);
  }
}

/**
 * DAX read (dax_iomap_iter → dax_copy_to_iter): the kernel address of the persistent-memory page
 * (dax_direct_access: its direct map by default), copied to the user buffer. No flush_dcache_page, no kmap: no
 * cache-maintenance hook.
 */
function daxRead(kernel: Kernel, file: File, pos: number, ubuf: Address, len: number): void {
  for (const [index, offset, bytes, done] of chunks(kernel, pos, len)) {
    const kaddr = kernel.hooks.dax_direct_access.call(file.daxPages[index])!;
    kernel.fault_in_user(ubuf + done, bytes, true);
    for (let o = 0; o < bytes; o += 4)
      kernel.put_user(ubuf + done + o, kernel.kernelLoad(kaddr + offset + o));
  }
}

/** DAX write (dax_iomap_iter → dax_copy_from_iter): copy_from_user into the direct map of the pmem page. */
function daxWrite(kernel: Kernel, file: File, pos: number, ubuf: Address, len: number): void {
  for (const [index, offset, bytes, done] of chunks(kernel, pos, len)) {
    const kaddr = kernel.hooks.dax_direct_access.call(file.daxPages[index])!;
    kernel.fault_in_user(ubuf + done, bytes, false);
    for (let o = 0; o < bytes; o += 4)
      kernel.kernelStore(kaddr + offset + o, kernel.get_user(ubuf + done + o));
  }
}

/**
 * The rmap walk of page_mkclean (mm/rmap.c page_mkclean_one) over every VM_SHARED mapping of the page: for
 * each writable PTE mapping it, flush_cache_page, ptep_clear_flush, then set_pte_at of the write-protected
 * entry. Returns how many PTEs it cleaned.
 */
export function page_mkclean_rmap(kernel: Kernel, page: Page): number {
  const mapping = page.mapping;
  if (mapping === null || page.mapcount === 0) return 0;
  const { hooks } = kernel;
  let cleaned = 0;
  for (const vma of mapping.vma_interval_tree_foreach(page.index)) {
    if (!vma.has(VM_SHARED)) continue;
    const addr = vma.addressOf(page.index);
    const ptep = vma.mm.pte(addr);
    const pte = ptep.get();
    if (!pte_present(pte) || pte.pfn !== page.pfn || !pte.writable) continue;
    hooks.flush_cache_page.call(vma, addr, page.pfn);
    const old = hooks.ptep_clear_flush.call(vma, addr, ptep) ?? pte;
    hooks.set_pte_at.call(vma.mm, addr, ptep, pte_wrprotect(old));
    cleaned++;
  }
  return cleaned;
}

/**
 * Writeback of a page-cache page (write_cache_pages → clear_page_dirty_for_io → page_mkclean, then the
 * driver): page_mkclean, PG_writeback, dma_map_page(DMA_TO_DEVICE), the device reads every word (the oracle
 * judges each read), dma_unmap_page, end of writeback. Returns the words the device read (now on the disk).
 */
export function writebackPage(kernel: Kernel, file: File, index: number): number[] {
  const page = file.mapping.find_get_page(index);
  if (page === null) {
    throw new UserError(
      `file ${file.name}`,
      `page ${index} is not in the page cache: nothing to write back.`,
    );
  }
  kernel.hooks.page_mkclean.call(page);
  set_bit(PG_writeback, page);
  const handle = kernel.dma_map_page(page, 0, kernel.pageSize, "DMA_TO_DEVICE");
  const words: number[] = [];
  for (let i = 0; i < kernel.wordsPerPage; i++) words.push(kernel.machine.dmaRead(handle + 4 * i));
  file.diskPage(index).set(words);
  kernel.dma_unmap_page(handle, kernel.pageSize, "DMA_TO_DEVICE");
  clear_bit(PG_writeback, page);
  clear_bit(PG_dirty, page);
  return words;
}
