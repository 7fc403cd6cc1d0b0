// Kernel mappings of highmem pages: the persistent kmap slots of mm/highmem.c (kmap_high, kunmap_high,
// kmap_high_get, map_new_virtual, flush_all_zero_pkmaps) and the per-CPU fixmap slots of kmap_atomic
// (arch/arm/mm/highmem.c before v5.11: kmap_atomic_idx_push, __fix_to_virt, set_fixmap_pte). The hooks' defaults
// (generic.ts) and architecture code build kmap, kmap_atomic and their unmaps from these pieces.
import type { Address } from "../hw/api.js";
import { KernelBug } from "./errors.js";
import type { Kernel } from "./kernel.js";
import { pfn_pte } from "./mm.js";
import { type Page, PageHighMem } from "./page.js";

/** The protection of kernel mappings (PAGE_KERNEL, kmap_prot). */
export const PAGE_KERNEL = Object.freeze({ writable: true, executable: true, user: false, cacheable: true });

/** The pkmap and fixmap state of one kernel. */
export class Highmem {
  /** pkmap_count[]: 0 free, 1 mapped but unused (flushed before reuse), n + 1 mapped with n users. */
  private readonly pkmapCount: Int32Array;
  /** The page each pkmap slot maps. */
  private readonly pkmapPage: (Page | null)[];
  /** last_pkmap_nr. */
  private lastPkmapNr = 0;
  /** The page_address_htable: the pkmap address of each kmapped highmem page (set_page_address). */
  private readonly pageAddressOf = new Map<Page, Address>();
  /** Per CPU, the stack of fixmap slots in use (kmap_atomic_idx), each with its page. */
  private readonly atomicSlots: Page[][];

  constructor(private readonly kernel: Kernel) {
    const { lastPkmap } = kernel.layout;
    this.pkmapCount = new Int32Array(lastPkmap);
    this.pkmapPage = new Array<Page | null>(lastPkmap).fill(null);
    this.atomicSlots = Array.from({ length: kernel.machine.config.cpus }, () => []);
  }

  // ── pkmap (mm/highmem.c) ──────────────────────────────────────────────────────────────────────────────────

  /** PKMAP_ADDR(nr). */
  PKMAP_ADDR(nr: number): Address {
    return this.kernel.layout.pkmapBase + nr * this.kernel.pageSize;
  }

  /** PKMAP_NR(vaddr). */
  PKMAP_NR(vaddr: Address): number {
    return Math.floor((vaddr - this.kernel.layout.pkmapBase) / this.kernel.pageSize);
  }

  /** Whether `vaddr` is in the pkmap area. */
  isPkmapAddress(vaddr: Address): boolean {
    const nr = this.PKMAP_NR(vaddr);
    return vaddr >= this.kernel.layout.pkmapBase && nr < this.kernel.layout.lastPkmap;
  }

  /** The page a pkmap slot maps (pte_page(pkmap_page_table[PKMAP_NR(vaddr)])), or null. */
  pkmapPageAt(vaddr: Address): Page | null {
    return this.isPkmapAddress(vaddr) ? this.pkmapPage[this.PKMAP_NR(vaddr)] : null;
  }

  /** The users of the slot mapping `vaddr` (pkmap_count - 1; -1 when the slot is free). */
  pkmapUsers(vaddr: Address): number {
    return this.pkmapCount[this.PKMAP_NR(vaddr)] - 1;
  }

  /** page_address() of a highmem page: its pkmap address while it has one, else null. */
  pageAddress(page: Page): Address | null {
    return this.pageAddressOf.get(page) ?? null;
  }

  /** kmap_high(page): map a highmem page at a pkmap slot (reusing its slot if it has one); count a user. */
  kmap_high(page: Page): Address {
    let vaddr = this.pageAddress(page);
    if (vaddr === null) vaddr = this.map_new_virtual(page);
    this.pkmapCount[this.PKMAP_NR(vaddr)]++;
    return vaddr;
  }

  /**
   * kmap_high_get(page): the pkmap address of a highmem page if it has one (taking a user), else null. ARM's
   * kmap_atomic tries it first on VIVT caches, so that a page never has two kernel aliases.
   */
  kmap_high_get(page: Page): Address | null {
    const vaddr = this.pageAddress(page);
    if (vaddr !== null) {
      const nr = this.PKMAP_NR(vaddr);
      if (this.pkmapCount[nr] < 1)
        throw new KernelBug("pkmap slot of a mapped page is free", "mm/highmem.c: kmap_high_get");
      this.pkmapCount[nr]++;
    }
    return vaddr;
  }

  /** kunmap_high(page): drop a user of the page's pkmap slot (the mapping stays until recycled). */
  kunmap_high(page: Page): void {
    const vaddr = this.pageAddress(page);
    if (vaddr === null)
      throw new KernelBug("kunmap of a highmem page that is not kmapped", "mm/highmem.c: kunmap_high");
    const nr = this.PKMAP_NR(vaddr);
    this.pkmapCount[nr]--;
    if (this.pkmapCount[nr] === 0) {
      throw new KernelBug(
        "kunmap_high: pkmap_count dropped to 0 (unbalanced kunmap)",
        "mm/highmem.c: kunmap_high",
      );
    }
  }

  /**
   * map_new_virtual(page): take the next free pkmap slot (recycling unused slots through flush_all_zero_pkmaps
   * when the search wraps), install its kernel PTE with set_pte_at(&init_mm, ...). When every slot has users,
   * Linux sleeps until one is released; here that is a KernelBug (nothing else would release one).
   */
  private map_new_virtual(page: Page): Address {
    const last = this.kernel.layout.lastPkmap;
    let count = last;
    for (;;) {
      this.lastPkmapNr = (this.lastPkmapNr + 1) & (last - 1);
      if (this.lastPkmapNr === 0) {
        this.flush_all_zero_pkmaps();
        count = last;
      }
      if (this.pkmapCount[this.lastPkmapNr] === 0) break;
      if (--count) continue;
      throw new KernelBug(
        `kmap: all ${last} pkmap slots are in use; the task would sleep forever`,
        "mm/highmem.c: map_new_virtual",
      );
    }
    const nr = this.lastPkmapNr;
    const vaddr = this.PKMAP_ADDR(nr);
    const init_mm = this.kernel.init_mm;
    this.kernel.hooks.set_pte_at.call(init_mm, vaddr, init_mm.pte(vaddr), pfn_pte(page.pfn, PAGE_KERNEL));
    this.pkmapCount[nr] = 1;
    this.pkmapPage[nr] = page;
    this.pageAddressOf.set(page, vaddr);
    return vaddr;
  }

  /**
   * flush_all_zero_pkmaps(): flush_cache_kmaps(), then free every slot that is mapped but unused (count 1):
   * clear its PTE and forget the page's address; flush the kernel TLB of the pkmap area if any was freed.
   */
  flush_all_zero_pkmaps(): void {
    const { hooks, init_mm } = this.kernel;
    hooks.flush_cache_kmaps.call();
    let needFlush = false;
    for (let i = 0; i < this.kernel.layout.lastPkmap; i++) {
      if (this.pkmapCount[i] !== 1) continue;
      this.pkmapCount[i] = 0;
      init_mm.pte(this.PKMAP_ADDR(i)).clear();
      const page = this.pkmapPage[i];
      if (page) this.pageAddressOf.delete(page);
      this.pkmapPage[i] = null;
      needFlush = true;
    }
    if (needFlush) {
      hooks.flush_tlb_kernel_range.call(this.PKMAP_ADDR(0), this.PKMAP_ADDR(this.kernel.layout.lastPkmap));
    }
  }

  // ── kmap_atomic fixmap slots (arch/arm/mm/highmem.c before v5.11, mm/highmem.c kmap_local after) ────────────

  /** __fix_to_virt(FIX_KMAP_BEGIN + idx). */
  fixToVirt(idx: number): Address {
    return this.kernel.layout.fixaddrStart + idx * this.kernel.pageSize;
  }

  /** Whether `vaddr` is in the kmap_atomic fixmap area. */
  isFixmapAddress(vaddr: Address): boolean {
    const { fixaddrStart, kmTypeNr } = this.kernel.layout;
    return (
      vaddr >= fixaddrStart &&
      vaddr < fixaddrStart + kmTypeNr * this.atomicSlots.length * this.kernel.pageSize
    );
  }

  /** The page the fixmap slot at `vaddr` maps, or null. */
  fixmapPageAt(vaddr: Address): Page | null {
    if (!this.isFixmapAddress(vaddr)) return null;
    const idx = Math.floor((vaddr - this.kernel.layout.fixaddrStart) / this.kernel.pageSize);
    const { kmTypeNr } = this.kernel.layout;
    const slots = this.atomicSlots[Math.floor(idx / kmTypeNr)];
    return slots[idx % kmTypeNr] ?? null;
  }

  /** How many kmap_atomic slots the current CPU holds (kmap_atomic_idx() + 1). */
  atomicDepth(cpu = this.kernel.cpu): number {
    return this.atomicSlots[cpu].length;
  }

  /**
   * The highmem half of kmap_atomic: kmap_atomic_idx_push(), slot `type + KM_TYPE_NR * cpu`, its kernel PTE
   * written directly (set_fixmap_pte, not set_pte_at) and the local TLB entry flushed. The slot's colour is
   * whatever its address gives: no attempt to match a user alias.
   */
  kmapAtomicFixmap(page: Page): Address {
    const cpu = this.kernel.cpu;
    const slots = this.atomicSlots[cpu];
    const { kmTypeNr } = this.kernel.layout;
    if (slots.length >= kmTypeNr) {
      throw new KernelBug(
        `kmap_atomic: more than KM_TYPE_NR (${kmTypeNr}) nested slots`,
        "mm/highmem.c: kmap_atomic_idx_push",
      );
    }
    if (!PageHighMem(page)) throw new Error("kmapAtomicFixmap: a lowmem page has its linear address");
    const vaddr = this.fixToVirt(slots.length + kmTypeNr * cpu);
    slots.push(page);
    this.kernel.mapKernelPte(vaddr, page.pfn);
    return vaddr;
  }

  /**
   * The fixmap half of kunmap_atomic: the slot must be the innermost one of this CPU (BUG otherwise, as with
   * CONFIG_DEBUG_HIGHMEM); its PTE is cleared and the local TLB entry flushed (kunmap_local's behaviour), so a
   * late access through it faults.
   */
  kunmapAtomicFixmap(vaddr: Address): void {
    const cpu = this.kernel.cpu;
    const slots = this.atomicSlots[cpu];
    const { kmTypeNr } = this.kernel.layout;
    const top = this.fixToVirt(slots.length - 1 + kmTypeNr * cpu);
    const pageAddr = vaddr - (vaddr % this.kernel.pageSize);
    if (slots.length === 0 || pageAddr !== top) {
      throw new KernelBug(
        `kunmap_atomic(0x${vaddr.toString(16)}) is not the innermost kmap_atomic slot of CPU ${cpu}`,
        "mm/highmem.c: kunmap_atomic (kmap_atomic_idx_pop)",
      );
    }
    slots.pop();
    this.kernel.clearKernelPte(pageAddr);
  }
}
