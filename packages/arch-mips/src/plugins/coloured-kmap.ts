// +coloured-kmap: Ralf Baechle's 2008 proposal, generalised. In the thread "O_DIRECT patch for processors with
// VIPT cache" (linux-kernel, 2008-11-20) Ralf proposed extending kmap_coherent, MIPS's kernel mapping at the
// user's colour, from COW to the kernel's other accesses to user pages; David Miller had said the same of kmap
// in 2006 ("you flush exactly where the physical page is made visible to the kernel ... an implementation can
// avoid cache flushing altogether ... a kmap() TLB mapping area that sets up a mapping at the correct alias"),
// and Matthew Wilcox of DAX in 2016 ("create a new address for the kernel to use which lands on the same cache
// line as the user's address, and this is what SHMLBA is used to indicate").
//
// The plugin, on any profile whose D-cache is an aliasing VIPT cache (any architecture):
// 1. kmap, kmap_atomic (so the PIO path, sg_miter, and every kernel access to pages pinned by get_user_pages that
//    goes through kmap) and DAX direct access (when the kernel has a `dax_direct_access` hook) return a kernel
//    address of the colour of the page's user mappings when all present user PTEs of the page, in every mm, agree
//    on one colour; the kernel's loads and stores then use the user's own cache lines. kunmap/kunmap_atomic of such
//    an address do no cache maintenance. When the user mappings disagree in colour, or there are none, the
//    architecture's own kmap runs (its kernel alias and its flushing). clear_user_highpage and copy_user_highpage,
//    which know the user address, write the new page at that address's colour (after discarding the lines its
//    kernel alias may hold from the frame's previous life) and read a COW source at its user colour.
// 2. It drops the flushes that step 1 makes unnecessary: flush_dcache_page and flush_kernel_dcache_page (so
//    sg_miter_stop's and generic_perform_write's) on a page whose kernel mappings since the last such flush were
//    all coloured, whose user mappings still agree on that colour and none of which is executable (the I-cache
//    still needs the architecture's sync). The dropped write-back is owed, not forgotten: it is paid (a
//    write-back-invalidate of the page's lines at that colour) before anything could read memory or another
//    colour: a user PTE of the page installed at another colour (set_pte_at), a DMA mapping of the page
//    (dma_map_page), or a kmap that falls back to the kernel alias.
//
// Limits (stated in the README): on a VIVT cache two different virtual addresses never share lines, whatever
// their colour, so the plugin does nothing there (arm926 keeps its verdicts); user mappings of different colours
// (MAP_FIXED of a private file mapping, shared anonymous memory placed by the user) leave the kernel with no single
// colour to use: the architecture's behaviour applies; so it does for pages mapped executable (the I-cache sync is
// the architecture's, on its own kernel alias); DMA-bound pages still need the architecture's flush_anon_page,
// which the plugin keeps.
import {
  type Address,
  addToHook,
  callNext,
  type Kernel,
  type KernelPlugin,
  type Page,
  type PluginSpec,
  profileRegistry,
  registerPlugin,
  replaceHook,
  STAGE_OVERRIDE,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";

/** The plugin's name (`+coloured-kmap` in profile ids). */
export const COLOURED_KMAP = "coloured-kmap";

/** The name of its kernel window. */
export const COLOURED_KMAP_WINDOW = "COLOURED_KMAP";

/** Options of {@link colouredKmap}. */
export interface ColouredKmapOptions {
  /** Mapping slots per colour (how many coloured mappings may be live at once per colour). Default 16. */
  readonly slotsPerColour?: number;
}

/** The colour the user mappings of a page agree on, whether one of them is executable, and how many there are. */
interface UserView {
  readonly colours: ReadonlySet<number>;
  readonly exec: boolean;
}

/** The kernel's coloured use of one page since the architecture last flushed it. */
interface ColouredState {
  /** The colour the kernel mapped it at. */
  colour: number;
  /** A flush_dcache_page / flush_kernel_dcache_page was dropped: the lines at `colour` may hold data not in memory. */
  owed: boolean;
  /** A kmap fell back to the architecture (kernel alias) since: the next flush is not dropped. */
  fellBack: boolean;
}

/**
 * The coloured-kmap plugin (see the file comment). Arch-independent: it taps kmap, kunmap, kmap_atomic,
 * kunmap_atomic, clear_user_highpage, copy_user_highpage, flush_dcache_page, flush_kernel_dcache_page,
 * set_pte_at and dma_map_page (and
 * dax_direct_access when the kernel has it) at STAGE_OVERRIDE, above the architecture, and calls the
 * architecture's implementation (callNext) whenever it falls back. On a VIVT, PIPT or non-aliasing VIPT D-cache
 * it taps nothing.
 */
export function colouredKmap(options: ColouredKmapOptions = {}): KernelPlugin {
  const slotsPerColour = options.slotsPerColour ?? 16;
  return {
    name: COLOURED_KMAP,
    apply(kernel: Kernel) {
      const dcache = kernel.machine.config.dcache;
      if (dcache.indexing !== "vipt" || kernel.colours <= 1) return;
      new ColouredKmap(kernel, slotsPerColour).tap();
    },
  };
}

/** The state and taps of the plugin on one kernel. */
class ColouredKmap {
  private readonly base: Address;
  private readonly colours: number;
  /** Live slot address → the page it maps. */
  private readonly slots = new Map<Address, Page>();
  /** kmap's persistent mappings: pfn → its slot and use count. */
  private readonly persistent = new Map<number, { addr: Address; count: number }>();
  /** Per pfn: the kernel's coloured use since the last architecture flush. */
  private readonly state = new Map<number, ColouredState>();
  private readonly stage = { name: COLOURED_KMAP, stage: STAGE_OVERRIDE };

  constructor(
    private readonly kernel: Kernel,
    private readonly slotsPerColour: number,
  ) {
    this.colours = kernel.colours;
    this.base = kernel.reserveWindow(COLOURED_KMAP_WINDOW, this.colours * slotsPerColour).base;
  }

  tap(): void {
    const { hooks } = this.kernel;
    replaceHook(hooks, "kmap", this.stage, (page) => this.kmap(page, false));
    replaceHook(hooks, "kmap_atomic", this.stage, (page) => this.kmap(page, true));
    replaceHook(hooks, "kunmap", this.stage, (page) => {
      const held = this.persistent.get(page.pfn);
      if (!held) return void callNext(hooks, "kunmap", STAGE_OVERRIDE, page);
      if (--held.count === 0) {
        this.persistent.delete(page.pfn);
        this.release(held.addr);
      }
    });
    replaceHook(hooks, "kunmap_atomic", this.stage, (kvaddr) => {
      const addr = kvaddr - (kvaddr % this.kernel.pageSize);
      if (!this.slots.has(addr) || [...this.persistent.values()].some((p) => p.addr === addr)) {
        return void callNext(hooks, "kunmap_atomic", STAGE_OVERRIDE, kvaddr);
      }
      this.release(addr);
    });
    replaceHook(hooks, "flush_dcache_page", this.stage, (page) => {
      if (this.mayDrop(page)) return;
      this.state.delete(page.pfn);
      callNext(hooks, "flush_dcache_page", STAGE_OVERRIDE, page);
    });
    replaceHook(hooks, "flush_kernel_dcache_page", this.stage, (page) => {
      if (this.mayDrop(page)) return;
      this.state.delete(page.pfn);
      callNext(hooks, "flush_kernel_dcache_page", STAGE_OVERRIDE, page);
    });
    addToHook(hooks, "set_pte_at", this.stage, (_mm, addr, _ptep, pte) => {
      if (!pte.present || addr >= this.kernel.machine.config.userTop) return;
      const state = this.state.get(pte.pfn);
      if (state?.owed && this.kernel.machine.colourOf(addr) !== state.colour) this.payOwed(pte.pfn, state);
    });
    addToHook(hooks, "dma_map_page", this.stage, (_dev, page) => {
      const state = this.state.get(page.pfn);
      if (state?.owed) this.payOwed(page.pfn, state);
    });
    // clear_user_highpage / copy_user_highpage know the user address (David Miller, 2006: "2) Via
    // copy_user_page()/clear_user_page() ... the interfaces know the virtual address"): write the new page at its
    // colour, so that the user's first accesses hit the kernel's lines and no flush is needed.
    replaceHook(hooks, "clear_user_highpage", this.stage, (page, vaddr) => this.clearAtColour(page, vaddr));
    replaceHook(hooks, "copy_user_highpage", this.stage, (to, from, vaddr, vma) => {
      const colour = this.kernel.machine.colourOf(vaddr);
      const state = this.state.get(from.pfn);
      if (this.userColour(from) !== colour || !state || state.fellBack || state.colour !== colour) {
        this.state.delete(to.pfn);
        return void callNext(hooks, "copy_user_highpage", STAGE_OVERRIDE, to, from, vaddr, vma);
      }
      this.copyAtColour(to, from, colour);
    });
    // DAX direct access (Matthew Wilcox, 2016): only if the kernel model has a hook for it.
    if ("dax_direct_access" in hooks) {
      const dax = "dax_direct_access" as Parameters<typeof replaceHook>[1];
      replaceHook(hooks, dax, this.stage, ((page: Page) => this.kmap(page, false)) as never);
    }
  }

  /**
   * A page about to be mapped at `vaddr`: forget what its kernel alias holds from the frame's previous life
   * (invalidate those lines, as ARMv6's aliasing copypage discards the destination's kernel mapping) when the
   * alias has another colour, and give the kernel address to write it through.
   */
  private freshAt(page: Page, colour: number): Address {
    const { kernel } = this;
    const aliasColour = kernel.frameColour(page.pfn);
    if (aliasColour === colour && kernel.page_address(page) !== null) return kernel.page_address(page)!;
    kernel.maintain("d", "invalidate", {
      scope: "pa-colour",
      pa: page.pfn * kernel.pageSize,
      length: kernel.pageSize,
      colour: aliasColour,
    });
    return this.claim(page, colour);
  }

  /** clear_user_highpage at the colour of `vaddr`; the zeroes are owed to memory like a user's stores. */
  private clearAtColour(page: Page, vaddr: Address): void {
    const colour = this.kernel.machine.colourOf(vaddr);
    const addr = this.freshAt(page, colour);
    this.kernel.clear_page(addr);
    if (this.isSlot(addr)) this.release(addr);
    this.state.set(page.pfn, { colour, owed: true, fellBack: false });
  }

  /** copy_user_highpage with both pages mapped at `colour` (the source's user colour). */
  private copyAtColour(to: Page, from: Page, colour: number): void {
    const vto = this.freshAt(to, colour);
    const alias = this.kernel.page_address(from);
    const vfrom =
      alias !== null && this.kernel.machine.colourOf(alias) === colour ? alias : this.claim(from, colour);
    this.kernel.copy_page(vto, vfrom);
    if (this.isSlot(vfrom)) this.release(vfrom);
    if (this.isSlot(vto)) this.release(vto);
    this.state.set(to.pfn, { colour, owed: true, fellBack: false });
  }

  /** The colours of the present user PTEs mapping the page, in every live mm, and whether one is executable. */
  private userView(page: Page): UserView {
    const colours = new Set<number>();
    let exec = false;
    const userTop = this.kernel.machine.config.userTop;
    for (const task of this.kernel.tasks()) {
      const mm = task.mm;
      if (mm === null || mm.dead) continue;
      for (const [va, pte] of mm.space.entries()) {
        if (va >= userTop || !pte.present || pte.pfn !== page.pfn) continue;
        colours.add(this.kernel.machine.colourOf(va));
        exec ||= pte.executable;
      }
    }
    return { colours, exec };
  }

  /**
   * The one colour the user mappings agree on, or null: none, several, or an executable one (instruction fetches
   * need the architecture's D-to-I sync, which it performs on the kernel alias it chose: copy_to_user_page's
   * flush, __update_cache's exec flush).
   */
  private userColour(page: Page): number | null {
    const { colours, exec } = this.userView(page);
    return colours.size === 1 && !exec ? [...colours][0] : null;
  }

  /** kmap / kmap_atomic: a coloured slot, the kernel alias when it already has the user's colour, or the arch's. */
  private kmap(page: Page, atomic: boolean): Address {
    const { kernel } = this;
    const colour = this.userColour(page);
    const hook = atomic ? "kmap_atomic" : "kmap";
    const prev = this.state.get(page.pfn);
    if (colour === null) {
      // No user mapping, or several colours: the architecture's own mapping (the kernel alias). What the kernel
      // wrote at a colour must reach memory first, and the next flush of the page is the architecture's.
      if (prev) {
        if (prev.owed) this.payOwed(page.pfn, prev);
        prev.fellBack = true;
      } else {
        this.state.set(page.pfn, { colour: -1, owed: false, fellBack: true });
      }
      return callNext(kernel.hooks, hook, STAGE_OVERRIDE, page);
    }
    if (prev?.owed && prev.colour !== colour) this.payOwed(page.pfn, prev);
    if (!prev || prev.colour !== colour) {
      this.state.set(page.pfn, { colour, owed: false, fellBack: prev?.fellBack ?? false });
    }
    const alias = kernel.page_address(page);
    if (alias !== null && kernel.machine.colourOf(alias) === colour && !this.isSlot(alias)) return alias;
    if (!atomic) {
      const held = this.persistent.get(page.pfn);
      if (held && kernel.machine.colourOf(held.addr) === colour) {
        held.count++;
        return held.addr;
      }
      const addr = this.claim(page, colour);
      this.persistent.set(page.pfn, { addr, count: 1 });
      return addr;
    }
    return this.claim(page, colour);
  }

  /** Whether a flush of this page may be dropped: coloured kernel use only, user mappings still at that colour, no exec. */
  private mayDrop(page: Page): boolean {
    const state = this.state.get(page.pfn);
    if (!state || state.fellBack) return false;
    const view = this.userView(page);
    if (view.exec || view.colours.size !== 1 || !view.colours.has(state.colour)) return false;
    state.owed = true;
    return true;
  }

  /** Pay an owed flush: write back and invalidate the page's lines at the colour the kernel used. */
  private payOwed(pfn: number, state: ColouredState): void {
    const { kernel } = this;
    kernel.maintain("d", "flush", {
      scope: "pa-colour",
      pa: pfn * kernel.pageSize,
      length: kernel.pageSize,
      colour: state.colour,
    });
    state.owed = false;
  }

  private isSlot(addr: Address): boolean {
    const end = this.base + this.colours * this.slotsPerColour * this.kernel.pageSize;
    return addr >= this.base && addr < end;
  }

  /** Map `page` at a free slot of `colour` (a kernel PTE, as kmap_coherent's wired entry). */
  private claim(page: Page, colour: number): Address {
    const { pageSize } = this.kernel;
    for (let k = 0; k < this.slotsPerColour; k++) {
      const addr = this.base + (k * this.colours + colour) * pageSize;
      if (this.slots.has(addr)) continue;
      this.slots.set(addr, page);
      this.kernel.mapKernelPte(addr, page.pfn);
      return addr;
    }
    throw new Error(`${COLOURED_KMAP}: all ${this.slotsPerColour} slots of colour ${colour} are in use`);
  }

  /** Unmap a slot: no cache maintenance (the lines are the user's). */
  private release(addr: Address): void {
    this.slots.delete(addr);
    this.kernel.clearKernelPte(addr);
  }
}

/** The registration of the plugin: `+coloured-kmap` on any profile (it acts only on aliasing VIPT D-caches). */
export const COLOURED_KMAP_SPEC: PluginSpec = Object.freeze({
  name: COLOURED_KMAP,
  summary:
    "kmap/kmap_atomic/DAX return a kernel address of the user mappings' colour (Ralf Baechle 2008, generalised); drops the flushes that makes unnecessary",
  create: () => colouredKmap(),
});

/**
 * Register `+coloured-kmap` in `container` (idempotent: a container that has it already is left alone, so the CLI
 * and every architecture package may call it).
 */
export function registerColouredKmap(container: DependencyContainer): void {
  if (profileRegistry(container).plugins.some((p) => p.name === COLOURED_KMAP)) return;
  registerPlugin(container, COLOURED_KMAP_SPEC);
}
