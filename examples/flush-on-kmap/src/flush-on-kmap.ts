// +flush-on-kmap: David Miller's proposal, answering Linus Torvalds ("Re: fuse, get_user_pages, flush_anon_page,
// aliasing caches and all that again", linux-kernel, 31 Dec 2006), as a plugin that stacks on any profile and
// keeps every hook of the architecture it does not name below.
//
// 1. "you flush exactly where the physical page is made visible to the kernel for a cpu load/store. All the
//    locations where that happens are perfectly annotated already with kmap() calls." kmap and kmap_atomic
//    write back and invalidate the page's user aliases that the kernel address does not share lines with, so
//    the kernel's loads see what user space stored and no user line shadows what the kernel stores; kunmap and
//    kunmap_atomic write back and invalidate the kernel address, so that user space (and the next kernel
//    mapping) reads what the kernel stored, and invalidate the I-cache of executable user aliases. Inside
//    the kmap()/kunmap() region the page is the kernel's; that is how the proposal reads in this model
//    (PA-RISC's flush in kunmap, ARCH_HAS_FLUSH_ON_KUNMAP, is the other half of such a region in mainline).
//    The architecture's own kmap/kunmap still run (callNext): they choose the kernel address.
// 2. "going in the opposite direction (kernel page made visible to userspace for the first time ...) can be
//    handled either at set_pte_at() time (this is what sparc64 does) or in update_mmu_cache()": set_pte_at of
//    a user PTE that maps a new frame writes back and invalidates the kernel alias when the user address does
//    not share its lines (cleans it, and invalidates the I-cache at the user address, for an executable PTE).
// 3. "the user using MAP_SHARED at a set of several incompatible aliases ... mark the thing
//    non-virtually-cacheable in the user mapping PTEs": update_mmu_cache after a fault of a shared mapping
//    makes every shared user alias of the page uncached, each flushed first, when two of them do not share
//    lines; and arch_get_unmapped_area accepts the MAP_FIXED|MAP_SHARED mapping at an incongruent colour that
//    an aliasing-VIPT architecture refuses with -EINVAL, since the uncached PTEs make it coherent.
// 4. Linus: "flush_dcache_page() is ... more validly thought about as just DMA coherency (in a system where DMA
//    does not participate in _physical_ cache coherency). Not about virtual caches at all." flush_dcache_page
//    writes back and invalidates every cached copy of the page (by physical address, whatever alias holds it)
//    when the DMA device does not snoop the caches, and does nothing when it does. flush_anon_page and
//    flush_kernel_dcache_page, whose work kmap/kunmap now do, do nothing.
//
// Hooks replaced (the architecture's implementation no longer runs, except where callNext says so): kmap,
// kunmap, kmap_atomic, kunmap_atomic, flush_dcache_page, flush_anon_page, flush_kernel_dcache_page,
// set_pte_at, update_mmu_cache, arch_get_unmapped_area. Everything else (copy_user_highpage, the
// flush_cache_* family, ptrace's copy_to_user_page, the DMA API, switch_mm, ...) is the architecture's.
import {
  type Address,
  asmGeneric,
  callNext,
  EINVAL,
  type HookName,
  isKernelRefusal,
  type Kernel,
  type KernelPlugin,
  MAP_FIXED,
  MAP_SHARED,
  type Mm,
  type Page,
  PageReserved,
  type Pte,
  type PteRef,
  replaceHook,
  STAGE_OVERRIDE,
  VM_MAYSHARE,
  type Vma,
} from "@flushlab/core";
import {
  flushEveryCopy,
  incompatible,
  invalidateUserIcache,
  maintainKernelPage,
  maintainUserAlias,
  pageStart,
  userAliases,
} from "./aliases.js";

/** The plugin's name: `+flush-on-kmap` in profile ids; its taps carry it. */
export const FLUSH_ON_KMAP = "flush-on-kmap";

/** The hooks the plugin replaces, in the order of the file comment. Every other hook is the architecture's. */
export const FLUSH_ON_KMAP_HOOKS: readonly HookName[] = Object.freeze([
  "kmap",
  "kmap_atomic",
  "kunmap",
  "kunmap_atomic",
  "set_pte_at",
  "update_mmu_cache",
  "arch_get_unmapped_area",
  "flush_dcache_page",
  "flush_anon_page",
  "flush_kernel_dcache_page",
] as const);

/** The flush-on-kmap plugin (see the file comment): a fresh instance per run. */
export function flushOnKmap(): KernelPlugin {
  return {
    name: FLUSH_ON_KMAP,
    apply(kernel: Kernel) {
      new FlushOnKmap(kernel).tap();
    },
  };
}

/** The policy on one kernel. */
class FlushOnKmap {
  private readonly tapSpec = { name: FLUSH_ON_KMAP, stage: STAGE_OVERRIDE };

  constructor(private readonly kernel: Kernel) {}

  tap(): void {
    const { hooks } = this.kernel;
    const at = this.tapSpec;
    replaceHook(hooks, "kmap", at, (page) => this.kmap(page, callNext(hooks, "kmap", STAGE_OVERRIDE, page)));
    replaceHook(hooks, "kmap_atomic", at, (page) =>
      this.kmap(page, callNext(hooks, "kmap_atomic", STAGE_OVERRIDE, page)),
    );
    replaceHook(hooks, "kunmap", at, (page) => {
      const kaddr = this.kernel.page_address(page);
      if (kaddr !== null) this.kunmap(page, kaddr);
      callNext(hooks, "kunmap", STAGE_OVERRIDE, page);
    });
    replaceHook(hooks, "kunmap_atomic", at, (kvaddr) => {
      const pte = this.kernel.machine.kernelSpace.pte(kvaddr);
      if (pte?.present) this.kunmap(this.kernel.pfn_to_page(pte.pfn), kvaddr);
      callNext(hooks, "kunmap_atomic", STAGE_OVERRIDE, kvaddr);
    });
    replaceHook(hooks, "set_pte_at", at, (mm, addr, ptep, pte) => this.set_pte_at(mm, addr, ptep, pte));
    replaceHook(hooks, "update_mmu_cache", at, (vma, _addr, ptep) => this.update_mmu_cache(vma, ptep));
    replaceHook(hooks, "arch_get_unmapped_area", at, (filp, addr, len, pgoff, flags) => {
      try {
        return callNext(hooks, "arch_get_unmapped_area", STAGE_OVERRIDE, filp, addr, len, pgoff, flags);
      } catch (error) {
        const incongruentShared = (flags & MAP_FIXED) !== 0 && (flags & MAP_SHARED) !== 0;
        if (!isKernelRefusal(error) || error.errno !== -EINVAL || !incongruentShared) throw error;
        return asmGeneric.arch_get_unmapped_area(this.kernel, filp, addr, len, pgoff, flags);
      }
    });
    replaceHook(hooks, "flush_dcache_page", at, (page) => this.flush_dcache_page(page));
    replaceHook(hooks, "flush_anon_page", at, () => {});
    replaceHook(hooks, "flush_kernel_dcache_page", at, () => {});
  }

  // include/linux/highmem.h kmap()/kmap_atomic(), Miller 2006: "flush exactly where the physical page is made
  // visible to the kernel for a cpu load/store"
  /**
   * kmap / kmap_atomic, after the architecture chose the kernel address `kaddr`: write back and invalidate
   * every cached user alias of the page that does not share lines with `kaddr`.
   */
  private kmap(page: Page, kaddr: Address): Address {
    for (const alias of userAliases(this.kernel, page)) {
      if (alias.pte.cacheable && incompatible(this.kernel, kaddr, alias.va)) {
        maintainUserAlias(this.kernel, alias, "flush");
      }
    }
    return kaddr;
  }

  // include/linux/highmem.h kunmap()/kunmap_atomic(): the end of the region Miller's point 1 opens
  /**
   * kunmap / kunmap_atomic of the kernel address `kaddr` of `page`, before the architecture unmaps it: write
   * back and invalidate `kaddr`'s lines when a user alias does not share them (or is uncached), or when
   * `kaddr` is a temporary mapping (not the page's page_address()); clean them for an executable user alias
   * that shares them; then invalidate the I-cache at each executable user alias.
   */
  private kunmap(page: Page, kaddr: Address): void {
    const { kernel } = this;
    const aliases = userAliases(kernel, page);
    const temporary = kernel.page_address(page) !== pageStart(kernel, kaddr);
    const apart = aliases.some((a) => !a.pte.cacheable || incompatible(kernel, kaddr, a.va));
    const exec = aliases.filter((a) => a.pte.executable);
    if (temporary || apart) maintainKernelPage(kernel, kaddr, "flush");
    else if (exec.length > 0) maintainKernelPage(kernel, kaddr, "clean");
    for (const alias of exec) invalidateUserIcache(kernel, alias);
  }

  // arch/sparc/mm (Miller: "at set_pte_at() time (this is what sparc64 does)"); include/linux/pgtable.h set_pte_at
  /**
   * set_pte_at(mm, addr, ptep, pte): a user PTE that maps a new frame at `addr` makes a kernel page visible to
   * user space: write back and invalidate its kernel alias when `addr` does not share its lines (or the PTE is
   * uncached), clean it for an executable PTE; then install the PTE, and for an executable one invalidate the
   * I-cache at `addr`. Kernel PTEs (pkmap, vmap), permission changes and reserved pages only install the PTE.
   */
  private set_pte_at(mm: Mm, addr: Address, ptep: PteRef, pte: Pte): void {
    const { kernel } = this;
    const old = ptep.get();
    const user = addr < kernel.machine.config.userTop && pte.present;
    const fresh = user && kernel.pfn_valid(pte.pfn) && !(old?.present && old.pfn === pte.pfn);
    const page = fresh ? kernel.pfn_to_page(pte.pfn) : null;
    const kaddr = page && !PageReserved(page) ? kernel.page_address(page) : null;
    if (kaddr !== null) {
      if (!pte.cacheable || incompatible(kernel, kaddr, addr)) maintainKernelPage(kernel, kaddr, "flush");
      else if (pte.executable) maintainKernelPage(kernel, kaddr, "clean");
    }
    asmGeneric.set_pte_at(kernel, mm, addr, ptep, pte);
    if (kaddr !== null && pte.executable)
      invalidateUserIcache(kernel, { mm, va: pageStart(kernel, addr), pte });
  }

  // arch/arm/mm/fault-armv.c make_coherent() is ARM's form of Miller's point 3 (VIVT, one mm); this one is
  // arch-independent: every shared alias, in any mm, that does not share lines with another
  /**
   * update_mmu_cache(vma, addr, ptep) after a fault of a shared (VM_MAYSHARE) mapping: when two cached shared
   * user aliases of the page do not share lines, flush each and make every one of them uncached (its PTE
   * rewritten, its TLB entry flushed).
   */
  private update_mmu_cache(vma: Vma, ptep: PteRef): void {
    const { kernel } = this;
    const pte = ptep.get();
    if (!pte?.present || !pte.cacheable || !vma.has(VM_MAYSHARE) || !kernel.pfn_valid(pte.pfn)) return;
    const shared = userAliases(kernel, kernel.pfn_to_page(pte.pfn)).filter(
      (a) => a.pte.cacheable && (a.mm.vma_lookup(a.va)?.has(VM_MAYSHARE) ?? false),
    );
    const clash = shared.some((a) => shared.some((b) => incompatible(kernel, a.va, b.va)));
    if (!clash) return;
    for (const alias of shared) {
      maintainUserAlias(kernel, alias, "flush");
      alias.mm.pte(alias.va).set({ ...alias.pte, cacheable: false });
      const aliasVma = alias.mm.vma_lookup(alias.va);
      if (aliasVma) kernel.hooks.flush_tlb_page.call(aliasVma, alias.va);
    }
  }

  // Linus Torvalds, same thread: flush_dcache_page "as just DMA coherency"
  /**
   * flush_dcache_page(page): nothing when the DMA device snoops the caches (or for the zero page); otherwise
   * write back and invalidate every cached copy of the page, whatever virtual alias holds it.
   */
  private flush_dcache_page(page: Page): void {
    if (this.kernel.dev.coherent || this.kernel.is_zero_pfn(page.pfn)) return;
    flushEveryCopy(this.kernel, page);
  }
}
