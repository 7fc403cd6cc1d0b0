// The aliases of one physical page that the flush-on-kmap policy maintains, and the maintenance it issues on
// them. Everything here goes through the public API of @flushlab/core: the kernel's page tables (Mm.space,
// machine.kernelSpace), `kernel.maintain` (the arch code's primitive: by virtual address, or by physical
// address at a colour as a temporary alias would reach it) and the machine's cache geometry.
//
// Which aliases can disagree depends on the D-cache: on a VIVT cache every distinct virtual address has its own
// lines; on an aliasing VIPT cache two addresses share lines exactly when they have the same colour; on a PIPT
// or non-aliasing VIPT cache no two addresses of one page ever disagree (reference §0.1 "colour").
import type { Address, Kernel, MaintenanceKind, Mm, Page, Pte } from "@flushlab/core";

/** One user mapping of a page: a present user PTE of a live mm. */
export interface UserAlias {
  readonly mm: Mm;
  /** The page-aligned user address. */
  readonly va: Address;
  readonly pte: Pte;
}

/** The page-aligned address of `addr`. */
export function pageStart(kernel: Kernel, addr: Address): Address {
  return addr - (addr % kernel.pageSize);
}

/**
 * Every present user PTE that maps `page`, in every live mm: the rmap walk Linux does through the anon_vma or
 * the file's i_mmap (page_vma_mapped_walk), done here on the page tables themselves.
 */
export function userAliases(kernel: Kernel, page: Page): UserAlias[] {
  const userTop = kernel.machine.config.userTop;
  const out: UserAlias[] = [];
  const seen = new Set<Mm>();
  for (const task of kernel.tasks()) {
    const mm = task.mm;
    if (mm === null || mm.dead || seen.has(mm)) continue;
    seen.add(mm);
    for (const [va, pte] of mm.space.entries()) {
      if (va < userTop && pte.present && pte.pfn === page.pfn) out.push({ mm, va, pte: { ...pte } });
    }
  }
  return out;
}

/**
 * Every kernel address that maps `page` now (the linear map, a pkmap or kmap_atomic slot, vmap, an
 * architecture window), from the kernel page table.
 */
export function kernelAliases(kernel: Kernel, page: Page): Address[] {
  const userTop = kernel.machine.config.userTop;
  const out: Address[] = [];
  for (const [va, pte] of kernel.machine.kernelSpace.entries()) {
    if (va >= userTop && pte.present && pte.pfn === page.pfn) out.push(va);
  }
  return out;
}

/**
 * Whether an access through `a` can miss a line written through `b` (both addresses of one page): on VIVT,
 * whenever they differ; on an aliasing VIPT cache, when their colours differ; otherwise never.
 */
export function incompatible(kernel: Kernel, a: Address, b: Address): boolean {
  if (kernel.machine.config.dcache.indexing === "vivt") return pageStart(kernel, a) !== pageStart(kernel, b);
  return kernel.colours > 1 && kernel.machine.colourOf(a) !== kernel.machine.colourOf(b);
}

/**
 * Maintain the D-cache lines of a user alias. VIVT: by virtual address in the alias's mm, when the mm may have
 * lines in a cache (it is in some CPU's mm_cpumask, as ARM's vivt_flush_cache_page tests: a VIVT ARM drops an
 * mm from it when switch_mm flushes the whole cache). VIPT: by physical address at the alias's colour (a
 * temporary mapping at that colour, as ARM's flush_pfn_alias). PIPT: by physical address.
 */
export function maintainUserAlias(kernel: Kernel, alias: UserAlias, kind: MaintenanceKind): void {
  if (kernel.machine.config.dcache.indexing === "vivt") {
    if (alias.mm.cpumask.size === 0) return;
    kernel.maintain("d", kind, {
      scope: "va",
      start: alias.va,
      length: kernel.pageSize,
      asid: alias.mm.asid,
    });
    return;
  }
  kernel.maintain("d", kind, {
    scope: "pa-colour",
    pa: alias.pte.pfn * kernel.pageSize,
    length: kernel.pageSize,
    colour: kernel.machine.colourOf(alias.va),
  });
}

/** Maintain the D-cache lines of the kernel page at `kaddr` (by virtual address, through the kernel's mapping). */
export function maintainKernelPage(kernel: Kernel, kaddr: Address, kind: MaintenanceKind): void {
  kernel.maintain("d", kind, {
    scope: "va",
    start: pageStart(kernel, kaddr),
    length: kernel.pageSize,
    asid: kernel.machine.kernelSpace.asid,
  });
}

/**
 * Invalidate the I-cache lines of an executable user alias (by virtual address in its mm), unless the I-cache
 * is kept coherent by hardware: what the kernel wrote (already cleaned to memory) must be fetched anew.
 */
export function invalidateUserIcache(kernel: Kernel, alias: UserAlias): void {
  if (kernel.machine.config.icacheCoherent) return;
  kernel.maintain("i", "invalidate", {
    scope: "va",
    start: alias.va,
    length: kernel.pageSize,
    asid: alias.mm.asid,
  });
}

/**
 * Write back and invalidate every cached copy of a physical page, whatever alias put it there: VIPT and PIPT
 * by physical address at every colour; VIVT through every kernel mapping of the page and every user alias of
 * an mm that may have lines. Afterwards memory holds the page's data and no cache holds a line of it.
 */
export function flushEveryCopy(kernel: Kernel, page: Page): void {
  if (kernel.machine.config.dcache.indexing !== "vivt") {
    for (let colour = 0; colour < kernel.colours; colour++) {
      kernel.maintain("d", "flush", {
        scope: "pa-colour",
        pa: page.pfn * kernel.pageSize,
        length: kernel.pageSize,
        colour,
      });
    }
    return;
  }
  for (const kaddr of kernelAliases(kernel, page)) maintainKernelPage(kernel, kaddr, "flush");
  for (const alias of userAliases(kernel, page)) maintainUserAlias(kernel, alias, "flush");
}
