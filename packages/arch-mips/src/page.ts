// What every MIPS hook implementation shares: the context of one kernel (its classification and era), the
// PG_dcache_dirty page-flag macros of arch/mips/include/asm/cacheflush.h, the era's page_mapping() for the lazy
// test (include/linux/mm.h), the swap-cache state that page_mapping() once exposed, and the "is it mapped" test.
import {
  clear_bit,
  type Kernel,
  type Mapping,
  mapping_mapped,
  type Page,
  PageAnon,
  PG_arch_1,
  page_mapcount,
  page_mapped,
  page_mapping,
  set_bit,
  test_bit,
} from "@flushlab/core";
import type { MipsCacheInfo } from "./cachetype.js";
import type { MipsEra } from "./eras.js";
import type { FixCmap } from "./highmem.js";

/** What a MIPS hook implementation sees: the kernel, the boot-time classification, the era and the FIX_CMAP slots. */
export interface MipsContext {
  readonly kernel: Kernel;
  readonly info: MipsCacheInfo;
  readonly era: MipsEra;
  readonly cmap: FixCmap;
}

// ── PG_dcache_dirty (arch/mips/include/asm/cacheflush.h: #define PG_dcache_dirty PG_arch_1) ─────────────────

/** Page_dcache_dirty(page): the kernel alias may hold data the user colour has not seen: a flush is owed. */
export function Page_dcache_dirty(page: Page): boolean {
  return test_bit(PG_arch_1, page);
}

/** SetPageDcacheDirty(page): defer the kernel-alias flush to __update_cache. */
export function SetPageDcacheDirty(page: Page): void {
  set_bit(PG_arch_1, page);
}

/** ClearPageDcacheDirty(page). */
export function ClearPageDcacheDirty(page: Page): void {
  clear_bit(PG_arch_1, page);
}

// ── The swap cache, as page_mapping() saw it up to v4.16 ──────────────────────────────────────────────────

/**
 * The key of `page.arch` that stands for PG_swapcache (include/linux/page-flags.h). flushlab's core has no swap
 * cache; this package keeps the one bit of it that MIPS's lazy flush depends on: until v4.16 page_mapping()
 * returned &swapper_space for an anonymous page in the swap cache, so flush_dcache_page deferred its flush
 * (mapping non-NULL, and no VMA maps swapper_space) even though the page was mapped. Set by the `add_to_swap`
 * scenario op; cleared with the rest of page->arch when the page is freed.
 */
export const PG_SWAPCACHE = "PG_swapcache";

/** PageSwapCache(page). */
export function PageSwapCache(page: Page): boolean {
  return page.arch[PG_SWAPCACHE] === 1;
}

/** add_to_swap(page) (mm/swap_state.c): the anonymous page enters the swap cache; it stays mapped. */
export function add_to_swap(page: Page): void {
  page.arch[PG_SWAPCACHE] = 1;
}

/** &swapper_space: the address_space of the swap cache; no VMA ever maps it. */
export const swapper_space = "swapper_space" as const;

/** What the lazy test calls the page's mapping: a file's address_space, &swapper_space, or NULL. */
export type LazyMapping = Mapping | typeof swapper_space | null;

/**
 * The page's mapping as the era's flush_dcache_page and __update_cache see it: page_mapping() (≤ v4.16: the
 * swap cache's &swapper_space for a swap-cache page), page_mapping_file() (v4.17–v6.3) or folio_flush_mapping()
 * (≥ v6.4), both NULL for anonymous pages whether in the swap cache or not.
 */
export function eraPageMapping(ctx: MipsContext, page: Page): LazyMapping {
  if (ctx.era.pageMapping === "page_mapping" && PageAnon(page) && PageSwapCache(page)) return swapper_space;
  return page_mapping(page);
}

/** mapping_mapped(mapping), with &swapper_space never mapped. */
export function lazyMappingMapped(mapping: LazyMapping): boolean {
  if (mapping === null) return false;
  if (mapping === swapper_space) return false;
  return mapping_mapped(mapping);
}

/**
 * The era's "does a user PTE map this page" test: page_mapped (≤ v4.5), page_mapcount (v4.6–v6.3) or folio_mapped
 * (≥ v6.4). The model has no compound pages, so the three agree; the name is kept for traces and grep.
 */
export function mappedTest(ctx: MipsContext, page: Page): boolean {
  switch (ctx.era.mappedTest) {
    case "page_mapped":
      return page_mapped(page);
    case "page_mapcount":
      return page_mapcount(page) > 0;
    case "folio_mapped":
      return page_mapped(page);
  }
}

/**
 * page_address(page) of a lowmem page (KSEG0). Highmem exists only on non-aliasing MIPS (init.c paging_init), and
 * there a highmem page's address is its kmap while mapped, else null.
 */
export function kernelAlias(ctx: MipsContext, page: Page): number | null {
  return ctx.kernel.page_address(page);
}
