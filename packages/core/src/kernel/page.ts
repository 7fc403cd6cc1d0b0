// struct page, struct address_space and the file (struct file + inode) of the kernel model, with the page-flag
// and page-state helpers by their Linux names (include/linux/page-flags.h, include/linux/mm.h, include/linux/fs.h).
import type { Vma } from "./mm.js";

// ── Page flags (include/linux/page-flags.h: enum pageflags) ─────────────────────────────────────────────────
// Bit numbers in Page.flags. PG_anon, PG_highmem and PG_dax are not page flags in Linux (PageAnon reads the low
// bit of page->mapping, PageHighMem the zone, a DAX page lives in ZONE_DEVICE); here they are bits so that one
// field says everything about a page.

/** The page is locked (I/O in flight). */
export const PG_locked = 0;
/** The page was referenced recently. */
export const PG_referenced = 1;
/** The page's contents are valid (read from the disk, or written whole). */
export const PG_uptodate = 2;
/** The page holds data not yet written back to the disk. */
export const PG_dirty = 3;
/** The page belongs to the slab allocator (kmalloc). */
export const PG_slab = 7;
/** The page is being written back. */
export const PG_writeback = 8;
/**
 * The architecture's bit. ARM and arm64 use it as PG_dcache_clean (set: the kernel alias is known clean);
 * MIPS, sparc64 and PA-RISC as PG_dcache_dirty (set: a flush is owed). The page cache clears it when a page
 * enters it (add_to_page_cache, per Documentation/core-api/cachetlb.rst).
 */
export const PG_arch_1 = 9;
/** The page is reserved (the zero page, persistent memory): never freed. */
export const PG_reserved = 10;
/** An anonymous page (Linux: PAGE_MAPPING_ANON in page->mapping). */
export const PG_anon = 16;
/** A highmem page: no permanent kernel mapping (Linux: page_zone(page) is ZONE_HIGHMEM). */
export const PG_highmem = 17;
/** A persistent-memory page of a DAX file (Linux: an fsdax page in ZONE_DEVICE); never in the page cache. */
export const PG_dax = 18;

/** The bit number of one page flag. */
export type PageFlag =
  | typeof PG_locked
  | typeof PG_referenced
  | typeof PG_uptodate
  | typeof PG_dirty
  | typeof PG_slab
  | typeof PG_writeback
  | typeof PG_arch_1
  | typeof PG_reserved
  | typeof PG_anon
  | typeof PG_highmem
  | typeof PG_dax;

/** Every page flag with its Linux name, in bit order (for traces). */
export const PAGE_FLAG_NAMES: ReadonlyArray<readonly [PageFlag, string]> = Object.freeze([
  [PG_locked, "PG_locked"],
  [PG_referenced, "PG_referenced"],
  [PG_uptodate, "PG_uptodate"],
  [PG_dirty, "PG_dirty"],
  [PG_slab, "PG_slab"],
  [PG_writeback, "PG_writeback"],
  [PG_arch_1, "PG_arch_1"],
  [PG_reserved, "PG_reserved"],
  [PG_anon, "PG_anon"],
  [PG_highmem, "PG_highmem"],
  [PG_dax, "PG_dax"],
] as const);

// ── struct page ─────────────────────────────────────────────────────────────────────────────────────────────

/**
 * struct page (include/linux/mm_types.h): the kernel's record of one physical page frame. One Page object per
 * frame for the life of the kernel (mem_map); allocation and freeing reset its state.
 */
export class Page {
  /** Page flags: bit `PG_x` set means the flag is set (use test_bit/set_bit/clear_bit). */
  flags = 0;
  /** page->mapping: the file's address_space for a page-cache page; null for anonymous, slab and free pages. */
  mapping: Mapping | null = null;
  /** page->index: the page's offset in its file (in pages); for an anonymous page, its user page number. */
  index = 0;
  /** Number of user PTEs that map the page (Linux: page_mapcount(), i.e. _mapcount + 1). */
  mapcount = 0;
  /** References held (page_count()): the page cache, each user PTE, each get_user_pages pin, the allocator. */
  refcount = 0;
  /**
   * Architecture-private per-page state that does not fit PG_arch_1, such as sparc64's PG_dcache_cpu (the CPU
   * that dirtied the kernel alias). Cleared when the page is freed.
   */
  arch: Record<string, number> = {};

  constructor(
    /** The page frame number: physical address / PAGE_SIZE. */
    readonly pfn: number,
  ) {}

  /** The Linux names of the flags set, for traces. */
  flagNames(): string[] {
    return PAGE_FLAG_NAMES.filter(([bit]) => (this.flags & (1 << bit)) !== 0).map(([, name]) => name);
  }
}

// ── Bit operations (include/asm-generic/bitops) on page->flags ───────────────────────────────────────────────

/** test_bit(nr, &page->flags). */
export function test_bit(nr: PageFlag, page: Page): boolean {
  return (page.flags & (1 << nr)) !== 0;
}

/** set_bit(nr, &page->flags). */
export function set_bit(nr: PageFlag, page: Page): void {
  page.flags |= 1 << nr;
}

/** clear_bit(nr, &page->flags). */
export function clear_bit(nr: PageFlag, page: Page): void {
  page.flags &= ~(1 << nr);
}

/** test_and_set_bit(nr, &page->flags): set it, returning whether it was set before. */
export function test_and_set_bit(nr: PageFlag, page: Page): boolean {
  const was = test_bit(nr, page);
  set_bit(nr, page);
  return was;
}

/** test_and_clear_bit(nr, &page->flags): clear it, returning whether it was set before. */
export function test_and_clear_bit(nr: PageFlag, page: Page): boolean {
  const was = test_bit(nr, page);
  clear_bit(nr, page);
  return was;
}

// ── Page predicates (include/linux/page-flags.h, include/linux/mm.h) ─────────────────────────────────────────

/** PageAnon(page): an anonymous page (its mapping is an anon_vma, page_mapping() is NULL). */
export function PageAnon(page: Page): boolean {
  return test_bit(PG_anon, page);
}

/** PageHighMem(page): a highmem page, with no permanent kernel address. */
export function PageHighMem(page: Page): boolean {
  return test_bit(PG_highmem, page);
}

/** PageSlab(page): a slab (kmalloc) page. */
export function PageSlab(page: Page): boolean {
  return test_bit(PG_slab, page);
}

/** PageReserved(page): the zero page or another frame that is never freed. */
export function PageReserved(page: Page): boolean {
  return test_bit(PG_reserved, page);
}

/** PageUptodate(page). */
export function PageUptodate(page: Page): boolean {
  return test_bit(PG_uptodate, page);
}

/** PageDirty(page). */
export function PageDirty(page: Page): boolean {
  return test_bit(PG_dirty, page);
}

/** Whether the page is a persistent-memory page of a DAX file. */
export function PageDax(page: Page): boolean {
  return test_bit(PG_dax, page);
}

/**
 * page_mapping(page) (mm/util.c): the address_space of a page-cache page; NULL for anonymous pages (and slab
 * pages, whose mapping field is reused). The model has no swap cache, so page_mapping_file() and
 * folio_flush_mapping() (later eras' names) return the same.
 */
export function page_mapping(page: Page): Mapping | null {
  if (PageAnon(page) || PageSlab(page)) return null;
  return page.mapping;
}

/** page_mapping_file(page) (≈v4.19–v6.3): the same as page_mapping in this model (no swap cache). */
export const page_mapping_file = page_mapping;
/** folio_flush_mapping(folio) (≥ v6.4): the same as page_mapping in this model (no swap cache). */
export const folio_flush_mapping = page_mapping;

/** page_mapped(page): at least one user PTE maps this page. */
export function page_mapped(page: Page): boolean {
  return page.mapcount > 0;
}

/** page_mapcount(page): how many user PTEs map this page. */
export function page_mapcount(page: Page): number {
  return page.mapcount;
}

/** page_count(page): references held. */
export function page_count(page: Page): number {
  return page.refcount;
}

/** page_to_pfn(page). */
export function page_to_pfn(page: Page): number {
  return page.pfn;
}

// ── struct address_space (include/linux/fs.h) ────────────────────────────────────────────────────────────────

/**
 * struct address_space: a file's page cache (`i_pages`, by page index) and reverse map (`i_mmap`: every VMA,
 * in any mm, that maps the file).
 */
export class Mapping {
  /** i_pages: the page-cache pages by index. */
  readonly i_pages = new Map<number, Page>();
  /** i_mmap: the VMAs mapping the file, ordered by (vm_pgoff, creation) as the interval tree walks them. */
  readonly i_mmap: Vma[] = [];
  /** i_mmap_writable: the number of VM_SHARED mappings (mapping_map_writable). */
  i_mmap_writable = 0;

  constructor(
    /** The file (inode) this is the page cache of. */
    readonly host: File,
  ) {}

  /** find_get_page(mapping, index) without the reference: the cached page, or null. */
  find_get_page(index: number): Page | null {
    return this.i_pages.get(index) ?? null;
  }

  /**
   * vma_interval_tree_foreach(vma, &mapping->i_mmap, first, last): the VMAs that map some page of
   * [first, last] of the file, in i_mmap order.
   */
  vma_interval_tree_foreach(first: number, last: number = first): Vma[] {
    return this.i_mmap.filter((vma) => vma.pgoff <= last && vma.pgoff + vma.pageCount - 1 >= first);
  }
}

/** mapping_mapped(mapping): the file has at least one VMA anywhere (i_mmap is not empty). */
export function mapping_mapped(mapping: Mapping): boolean {
  return mapping.i_mmap.length > 0;
}

/** mapping_writably_mapped(mapping): some VM_SHARED mapping of the file exists. */
export function mapping_writably_mapped(mapping: Mapping): boolean {
  return mapping.i_mmap_writable > 0;
}

// ── The file (struct file + struct inode) ───────────────────────────────────────────────────────────────────

/**
 * A file: an inode with its size in pages, its page cache (`mapping`) and its contents on the disk. A DAX file
 * (`dax`) has no page cache: its pages live in persistent memory (`daxPages`), mapped and copied directly.
 * A `shmem` file is the hidden file behind a MAP_SHARED|MAP_ANONYMOUS mapping (mm/shmem.c).
 */
export class File {
  /** f_mapping / i_mapping: the page cache. */
  readonly mapping: Mapping;
  /** The disk's contents, page by page (a page never written on the disk reads as zeros). */
  readonly disk = new Map<number, Uint32Array>();
  /** DAX only: the persistent-memory page backing each file page. */
  readonly daxPages: Page[] = [];

  constructor(
    readonly name: string,
    /** i_size in pages. */
    readonly pages: number,
    readonly dax: boolean,
    readonly shmem: boolean,
    private readonly wordsPerPage: number,
  ) {
    this.mapping = new Mapping(this);
  }

  /** The words of file page `index` on the disk (created zero-filled on first use). */
  diskPage(index: number): Uint32Array {
    let words = this.disk.get(index);
    if (words === undefined) {
      words = new Uint32Array(this.wordsPerPage);
      this.disk.set(index, words);
    }
    return words;
  }
}
