// Scatter-gather lists and the mapping iterator of lib/scatterlist.c (sg_miter_start/next/stop), through which
// PIO drivers read and write pages (the crypto and MMC drivers of the seed threads).
import type { Address } from "../hw/api.js";
import type { Page } from "./page.js";

/** Use kmap_atomic (not kmap) to map each page: the step may not sleep. */
export const SG_MITER_ATOMIC = 1 << 0;
/** The iteration writes into the pages (data flows to the scatterlist). */
export const SG_MITER_TO_SG = 1 << 1;
/** The iteration reads from the pages. */
export const SG_MITER_FROM_SG = 1 << 2;

/** One scatterlist entry (struct scatterlist): `length` bytes of `page` from `offset`. */
export interface ScatterEntry {
  readonly page: Page;
  readonly offset: number;
  readonly length: number;
}

/**
 * What flushes sg_miter_stop issues for an SG_MITER_TO_SG iteration, by era (lib/scatterlist.c; reference §1.4):
 * - `flush_kernel_dcache_page` (≤ v3.12): flush_kernel_dcache_page(page);
 * - `flush_kernel_dcache_page_unless_slab` (v3.13 – v5.15, commit 3d77b50c5874): the same, skipped for
 *   PageSlab pages;
 * - `flush_dcache_page` (≥ v5.16, commit 0e84f5dbf8d6): flush_dcache_page(page). The default.
 */
export type SgMiterStopFlush =
  | "flush_kernel_dcache_page"
  | "flush_kernel_dcache_page_unless_slab"
  | "flush_dcache_page";

/** The sg_miter_stop eras, oldest first. */
export const SG_MITER_STOP_FLUSHES: readonly SgMiterStopFlush[] = Object.freeze([
  "flush_kernel_dcache_page",
  "flush_kernel_dcache_page_unless_slab",
  "flush_dcache_page",
]);

/**
 * struct sg_mapping_iter: the iterator sg_miter_start creates. After sg_miter_next returns true, `page` is the
 * current page and `addr` its kernel mapping (kmap or kmap_atomic) plus the entry's offset, for `length` bytes.
 */
export class SgMiter {
  /** The current page, or null between steps. */
  page: Page | null = null;
  /** miter->addr: the mapped address of the current step, or null. */
  addr: Address | null = null;
  /** Bytes available at `addr`. */
  length = 0;
  /** Bytes the caller used (sg_miter_stop advances by it; all of `length` by default). */
  consumed = 0;
  /** Index of the next entry sg_miter_next maps. */
  next = 0;

  constructor(
    readonly sgl: readonly ScatterEntry[],
    /** miter->__flags: SG_MITER_* bits. */
    readonly flags: number,
  ) {}
}
