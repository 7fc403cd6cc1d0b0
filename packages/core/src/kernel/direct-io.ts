// O_DIRECT I/O between a user buffer and the block device (fs/direct-io.c, block/bio.c): the user pages are
// pinned with get_user_pages (the slow path: GUP-fast, which calls no flush, is unavailable where D-caches
// alias: MIPS gup_fast_permitted, ARM without LPAE), then moved by DMA (dma_map_page / the device /
// dma_unmap_page, in the transfer's direction) or by a PIO driver through sg_miter (lib/scatterlist.c).
import type { Address } from "../hw/api.js";
import type { DmaDirection } from "./dma.js";
import { EFAULT, KernelRefusal } from "./errors.js";
import type { TransferMode } from "./filemap.js";
import type { Kernel } from "./kernel.js";
import { FOLL_WRITE } from "./mm.js";
import { PG_dirty, set_bit } from "./page.js";
import { type ScatterEntry, SG_MITER_ATOMIC, SG_MITER_FROM_SG, SG_MITER_TO_SG } from "./scatterlist.js";

/** How an O_DIRECT transfer is carried out. */
export interface DirectIoOptions {
  /** DMA by the device (default) or PIO by the CPU (sg_miter). */
  readonly via?: TransferMode;
  /** PIO only: map with kmap_atomic (SG_MITER_ATOMIC, the default) or with kmap. */
  readonly atomic?: boolean;
}

/** Pin the user pages of [ubuf, ubuf + len) and describe them as a scatterlist (bio_iov_iter_get_pages). */
function pinUserBuffer(kernel: Kernel, ubuf: Address, len: number, write: boolean): ScatterEntry[] {
  if (ubuf % 4 !== 0 || len % 4 !== 0 || len <= 0) {
    throw new RangeError(`O_DIRECT buffer 0x${ubuf.toString(16)} length ${len}: word-aligned and non-empty`);
  }
  const first = Math.floor(ubuf / kernel.pageSize);
  const last = Math.floor((ubuf + len - 1) / kernel.pageSize);
  const pages = kernel.get_user_pages(first * kernel.pageSize, last - first + 1, write ? FOLL_WRITE : 0);
  if (pages.length < last - first + 1) {
    // A short pin: the transfer fails (bio_iov_iter_get_pages returns -EFAULT for the unmapped rest).
    for (const page of pages) kernel.put_page(page);
    throw new KernelRefusal(
      -EFAULT,
      `O_DIRECT buffer 0x${ubuf.toString(16)}+${len}: not all of it is mapped`,
      "block/bio.c: bio_iov_iter_get_pages",
    );
  }
  const sgl: ScatterEntry[] = [];
  let at = ubuf;
  for (const page of pages) {
    const offset = at % kernel.pageSize;
    const length = Math.min(ubuf + len - at, kernel.pageSize - offset);
    sgl.push({ page, offset, length });
    at += length;
  }
  return sgl;
}

/** Release the pins (bio_release_pages), marking written pages dirty (set_page_dirty_lock). */
function unpin(kernel: Kernel, sgl: readonly ScatterEntry[], dirty: boolean): void {
  for (const { page } of sgl) {
    if (dirty) set_bit(PG_dirty, page);
    kernel.put_page(page);
  }
}

/** dma_map_page every entry, run `transfer` on each (handle, length), dma_unmap_page every entry. */
function dmaTransfer(
  kernel: Kernel,
  sgl: readonly ScatterEntry[],
  dir: DmaDirection,
  transfer: (handle: number, entry: ScatterEntry, index: number) => void,
): void {
  const handles = sgl.map((entry) => kernel.dma_map_page(entry.page, entry.offset, entry.length, dir));
  sgl.forEach((entry, i) => {
    transfer(handles[i], entry, i);
  });
  sgl.forEach((entry, i) => {
    kernel.dma_unmap_page(handles[i], entry.length, dir);
  });
}

/** The words of `words` that land in each entry, in order. */
function split(sgl: readonly ScatterEntry[], words: readonly number[]): number[][] {
  const parts: number[][] = [];
  let at = 0;
  for (const entry of sgl) {
    parts.push(words.slice(at, at + entry.length / 4) as number[]);
    at += entry.length / 4;
  }
  return parts;
}

/**
 * read(2) with O_DIRECT: the device produces `words` into the user buffer at `ubuf`. get_user_pages with
 * FOLL_WRITE; DMA: dma_map_page(DMA_FROM_DEVICE), the device writes, dma_unmap_page; PIO: sg_miter with
 * SG_MITER_TO_SG (| SG_MITER_ATOMIC), the CPU stores through miter->addr, sg_miter_stop. Then the pins are
 * released and the pages dirtied.
 */
export function directRead(
  kernel: Kernel,
  ubuf: Address,
  words: readonly number[],
  options: DirectIoOptions = {},
): void {
  const sgl = pinUserBuffer(kernel, ubuf, words.length * 4, true);
  const parts = split(sgl, words);
  if ((options.via ?? "dma") === "dma") {
    dmaTransfer(kernel, sgl, "DMA_FROM_DEVICE", (handle, _entry, i) => {
      for (let k = 0; k < parts[i].length; k++) kernel.machine.dmaWrite(handle + 4 * k, parts[i][k]);
    });
  } else {
    const flags = SG_MITER_TO_SG | (options.atomic === false ? 0 : SG_MITER_ATOMIC);
    const miter = kernel.sg_miter_start(sgl, flags);
    for (let i = 0; kernel.sg_miter_next(miter); i++) kernel.writeKernel(miter.addr!, parts[i]);
    kernel.sg_miter_stop(miter);
  }
  unpin(kernel, sgl, true);
}

/**
 * write(2) with O_DIRECT: the device consumes `len` bytes of the user buffer. get_user_pages (read); DMA:
 * dma_map_page(DMA_TO_DEVICE), the device reads (each read judged by the oracle), dma_unmap_page; PIO:
 * sg_miter with SG_MITER_FROM_SG (| SG_MITER_ATOMIC), the CPU loads through miter->addr, sg_miter_stop.
 * Returns the words the device got.
 */
export function directWrite(
  kernel: Kernel,
  ubuf: Address,
  len: number,
  options: DirectIoOptions = {},
): number[] {
  const sgl = pinUserBuffer(kernel, ubuf, len, false);
  const out: number[] = [];
  if ((options.via ?? "dma") === "dma") {
    dmaTransfer(kernel, sgl, "DMA_TO_DEVICE", (handle, entry) => {
      for (let o = 0; o < entry.length; o += 4) out.push(kernel.machine.dmaRead(handle + o));
    });
  } else {
    const flags = SG_MITER_FROM_SG | (options.atomic === false ? 0 : SG_MITER_ATOMIC);
    const miter = kernel.sg_miter_start(sgl, flags);
    while (kernel.sg_miter_next(miter)) out.push(...kernel.readKernel(miter.addr!, miter.length));
    kernel.sg_miter_stop(miter);
  }
  unpin(kernel, sgl, false);
  return out;
}
