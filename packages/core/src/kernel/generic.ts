// The asm-generic behaviour of every hook (include/asm-generic/cacheflush.h, include/linux/highmem.h,
// include/asm-generic/tlbflush.h, mm/*.c): what a kernel with no architecture policy does. The kernel taps
// these at STAGE_DEFAULT under the name "asm-generic"; architecture code may call them to do the generic
// thing and more (`asmGeneric.kmap_atomic(kernel, page)`).
//
// DMA: the default dma_map_page/dma_unmap_page model kernel/dma/direct.c for a non-coherent device, with
// arch_sync_dma_for_device/for_cpu done on the page's kernel alias (as ARM's dma_cache_maint_page does):
// to-device cleans, from-device invalidates before and after, bidirectional flushes. A coherent device (the
// machine's dmaCoherent) gets no maintenance. An architecture replaces them to model its own DMA ops.
import type { Address, MaintenanceKind } from "../hw/api.js";
import type { DmaDirection } from "./dma.js";
import { EOPNOTSUPP, KernelRefusal } from "./errors.js";
import { page_mkclean_rmap } from "./filemap.js";
import {
  HANDLED,
  type Handled,
  type HookArgs,
  type HookName,
  type HookResult,
  type KernelHooks,
  STAGE_DEFAULT,
} from "./hooks.js";
import type { Kernel } from "./kernel.js";
import { __get_user_pages } from "./memory.js";
import { generic_get_unmapped_area } from "./mmap.js";
import { type Page, PageHighMem, PageSlab } from "./page.js";
import { SG_MITER_ATOMIC, SG_MITER_TO_SG } from "./scatterlist.js";

/** An asm-generic implementation: the kernel, then the hook's Linux arguments. */
export type GenericImplementation<K extends HookName> = (
  kernel: Kernel,
  ...args: HookArgs<K>
) => HookResult<K>;

const nothing = (): Handled => HANDLED;

/** The kernel alias of `page` to maintain for DMA, mapping a highmem page with kmap_atomic meanwhile. */
function withKernelAlias(kernel: Kernel, page: Page, fn: (kaddr: Address) => void): void {
  if (!PageHighMem(page)) {
    fn(kernel.page_address(page)!);
    return;
  }
  const kaddr = kernel.kmap_atomic(page);
  try {
    fn(kaddr);
  } finally {
    kernel.kunmap_atomic(kaddr);
  }
}

function dmaMaintain(kernel: Kernel, page: Page, offset: number, size: number, kind: MaintenanceKind): void {
  withKernelAlias(kernel, page, (kaddr) => {
    kernel.maintain("d", kind, {
      scope: "va",
      start: kaddr + offset,
      length: size,
      asid: kernel.machine.kernelSpace.asid,
    });
  });
}

/** arch_sync_dma_for_device: clean for the device to read, invalidate for it to write. */
const forDevice: Record<DmaDirection, MaintenanceKind> = {
  DMA_TO_DEVICE: "clean",
  DMA_FROM_DEVICE: "invalidate",
  DMA_BIDIRECTIONAL: "flush",
};

/** The asm-generic implementation of every hook. */
export const asmGeneric: { readonly [K in HookName]: GenericImplementation<K> } = Object.freeze({
  // ── cachetlb: no-ops without aliasing caches (include/asm-generic/cacheflush.h) ─────────────────────────────
  flush_cache_all: nothing,
  flush_cache_mm: nothing,
  flush_cache_dup_mm: nothing,
  flush_cache_range: nothing,
  flush_cache_page: nothing,
  flush_dcache_page: nothing,
  flush_anon_page: nothing,
  flush_kernel_dcache_page: nothing,
  flush_kernel_vmap_range: nothing,
  invalidate_kernel_vmap_range: nothing,
  flush_cache_vmap: nothing,
  flush_cache_vunmap: nothing,
  flush_cache_kmaps: nothing,
  flush_icache_range: nothing,
  flush_icache_page: nothing,
  flush_icache_user_page: nothing,

  // ── include/linux/highmem.h ─────────────────────────────────────────────────────────────────────────────────
  /** copy_user_highpage: kmap_atomic both pages, copy_user_page, unmap (destination first). */
  copy_user_highpage(kernel, to, from, vaddr, _vma) {
    const vfrom = kernel.kmap_atomic(from);
    const vto = kernel.kmap_atomic(to);
    kernel.hooks.copy_user_page.call(vto, vfrom, vaddr, to);
    kernel.kunmap_atomic(vto);
    kernel.kunmap_atomic(vfrom);
    return HANDLED;
  },
  /** clear_user_highpage: kmap_atomic, clear_user_page, kunmap_atomic. */
  clear_user_highpage(kernel, page, vaddr) {
    const addr = kernel.kmap_atomic(page);
    kernel.hooks.clear_user_page.call(addr, vaddr, page);
    kernel.kunmap_atomic(addr);
    return HANDLED;
  },
  /** copy_user_page: copy_page(to, from) through the kernel addresses. */
  copy_user_page(kernel, to, from, _vaddr, _topage) {
    kernel.copy_page(to, from);
    return HANDLED;
  },
  /** clear_user_page: clear_page(to). */
  clear_user_page(kernel, to, _vaddr, _page) {
    kernel.clear_page(to);
    return HANDLED;
  },
  /** copy_to_user_page: memcpy(dst, src, len), then flush_icache_user_page(vma, page, vaddr, len). */
  copy_to_user_page(kernel, vma, page, vaddr, dst, src, len) {
    kernel.writeKernel(dst, src.slice(0, len / 4));
    kernel.hooks.flush_icache_user_page.call(vma, page, vaddr, len);
    return HANDLED;
  },
  /** copy_from_user_page: memcpy(dst, src, len). */
  copy_from_user_page(kernel, _vma, _page, _vaddr, dst, src, len) {
    dst.push(...kernel.readKernel(src, len));
    return HANDLED;
  },

  // ── Page tables (include/linux/pgtable.h, mm/pgtable-generic.c) ─────────────────────────────────────────────
  set_pte_at(_kernel, _mm, _addr, ptep, pte) {
    ptep.set(pte);
    return HANDLED;
  },
  ptep_get_and_clear(_kernel, _mm, _addr, ptep) {
    const old = ptep.get();
    ptep.clear();
    return old ?? null;
  },
  ptep_set_wrprotect(_kernel, _mm, _addr, ptep) {
    const old = ptep.get();
    if (old) ptep.set({ ...old, writable: false });
    return HANDLED;
  },
  /** ptep_clear_flush: ptep_get_and_clear, then flush_tlb_page if the old PTE was present. */
  ptep_clear_flush(kernel, vma, addr, ptep) {
    const old = kernel.hooks.ptep_get_and_clear.call(vma.mm, addr, ptep) ?? null;
    if (old?.present) kernel.hooks.flush_tlb_page.call(vma, addr);
    return old;
  },
  update_mmu_cache: nothing,

  // ── TLB (every CPU: the model's TLB maintenance is broadcast) ───────────────────────────────────────────────
  flush_tlb_mm(kernel, mm) {
    for (let cpu = 0; cpu < kernel.machine.config.cpus; cpu++) kernel.machine.flushTlb(cpu, mm.asid);
    return HANDLED;
  },
  flush_tlb_range(kernel, vma, _start, _end) {
    for (let cpu = 0; cpu < kernel.machine.config.cpus; cpu++) kernel.machine.flushTlb(cpu, vma.mm.asid);
    return HANDLED;
  },
  flush_tlb_page(kernel, vma, _addr) {
    for (let cpu = 0; cpu < kernel.machine.config.cpus; cpu++) kernel.machine.flushTlb(cpu, vma.mm.asid);
    return HANDLED;
  },
  flush_tlb_kernel_range(kernel, _start, _end) {
    for (let cpu = 0; cpu < kernel.machine.config.cpus; cpu++) kernel.machine.flushTlb(cpu, null);
    return HANDLED;
  },

  /** switch_mm: load the next mm's page table and ASID on this CPU; mark the CPU in mm_cpumask(next). */
  switch_mm(kernel, _prev, next, _tsk) {
    kernel.machine.setCurrentSpace(kernel.cpu, next.space);
    next.cpumask.add(kernel.cpu);
    return HANDLED;
  },

  // ── kmap (include/linux/highmem.h, mm/highmem.c) ───────────────────────────────────────────────────────────
  /** kmap: page_address for lowmem, a pkmap slot (kmap_high) for highmem. */
  kmap(kernel, page) {
    if (!PageHighMem(page)) return kernel.page_address(page)!;
    return kernel.highmem.kmap_high(page);
  },
  /** kunmap: nothing for lowmem, kunmap_high for highmem. */
  kunmap(kernel, page) {
    if (PageHighMem(page)) kernel.highmem.kunmap_high(page);
    return HANDLED;
  },
  /** kmap_atomic: page_address for lowmem, a per-CPU fixmap slot for highmem. */
  kmap_atomic(kernel, page) {
    if (!PageHighMem(page)) return kernel.page_address(page)!;
    return kernel.highmem.kmapAtomicFixmap(page);
  },
  /** kunmap_atomic: release a fixmap slot; a pkmap address (from kmap_high_get) drops its user; lowmem: nothing. */
  kunmap_atomic(kernel, kvaddr) {
    const { highmem } = kernel;
    if (highmem.isFixmapAddress(kvaddr)) highmem.kunmapAtomicFixmap(kvaddr);
    else if (highmem.isPkmapAddress(kvaddr)) {
      const page = highmem.pkmapPageAt(kvaddr);
      if (page) highmem.kunmap_high(page);
    }
    return HANDLED;
  },

  /** get_user_pages: the slow path, __get_user_pages (mm/gup.c). */
  get_user_pages(kernel, mm, start, nr_pages, gup_flags) {
    return __get_user_pages(kernel, mm, start, nr_pages, gup_flags);
  },

  /**
   * sg_miter_stop (lib/scatterlist.c): for a mapped step, the era's flush when the iteration wrote the page
   * (SG_MITER_TO_SG), then kunmap_atomic or kunmap.
   */
  sg_miter_stop(kernel, miter) {
    if (miter.addr === null || miter.page === null) return HANDLED;
    const page = miter.page;
    if (miter.flags & SG_MITER_TO_SG) {
      switch (kernel.sgMiterStopFlush) {
        case "flush_kernel_dcache_page":
          kernel.hooks.flush_kernel_dcache_page.call(page);
          break;
        case "flush_kernel_dcache_page_unless_slab":
          if (!PageSlab(page)) kernel.hooks.flush_kernel_dcache_page.call(page);
          break;
        case "flush_dcache_page":
          kernel.hooks.flush_dcache_page.call(page);
          break;
      }
    }
    if (miter.flags & SG_MITER_ATOMIC) kernel.kunmap_atomic(miter.addr);
    else kernel.kunmap(page);
    miter.page = null;
    miter.addr = null;
    miter.length = 0;
    miter.consumed = 0;
    return HANDLED;
  },

  /** arch_get_unmapped_area: the bottom-up generic_get_unmapped_area (mm/mmap.c), no colouring. */
  arch_get_unmapped_area(kernel, filp, addr, len, pgoff, flags) {
    return generic_get_unmapped_area(kernel, filp, addr, len, pgoff, flags);
  },

  /** dma_map_page (dma-direct): arch_sync_dma_for_device on the kernel alias for a non-coherent device. */
  dma_map_page(kernel, dev, page, offset, size, dir) {
    if (!dev.coherent) dmaMaintain(kernel, page, offset, size, forDevice[dir]);
    return kernel.page_to_phys(page) + offset;
  },
  /** dma_unmap_page (dma-direct): arch_sync_dma_for_cpu: invalidate after the device wrote. */
  dma_unmap_page(kernel, dev, addr, size, dir) {
    if (!dev.coherent && dir !== "DMA_TO_DEVICE") {
      const page = kernel.pfn_to_page(Math.floor(addr / kernel.pageSize));
      dmaMaintain(kernel, page, addr % kernel.pageSize, size, "invalidate");
    }
    return HANDLED;
  },

  /**
   * arch_uprobe_copy_ixol (kernel/events/uprobes.c, weak): copy_to_page (kmap_atomic, memcpy, kunmap_atomic),
   * then flush_dcache_page.
   */
  arch_uprobe_copy_ixol(kernel, page, vaddr, src, len) {
    const kaddr = kernel.kmap_atomic(page);
    kernel.writeKernel(kaddr + (vaddr % kernel.pageSize), src.slice(0, len / 4));
    kernel.kunmap_atomic(kaddr);
    kernel.hooks.flush_dcache_page.call(page);
    return HANDLED;
  },

  /** page_mkclean (mm/rmap.c): the rmap walk of page_mkclean_one over the page's shared mappings. */
  page_mkclean(kernel, page) {
    return page_mkclean_rmap(kernel, page);
  },

  /**
   * alloc_dax (drivers/dax/super.c): refused with -EOPNOTSUPP on an aliasing D-cache when the era says so
   * (≥ v6.9); accepted otherwise.
   */
  alloc_dax(kernel, file) {
    if (kernel.era.daxRefusedOnAliasingDcache && kernel.cpu_dcache_is_aliasing()) {
      throw new KernelRefusal(
        -EOPNOTSUPP,
        `DAX file ${file.name}: the D-cache aliases (cpu_dcache_is_aliasing)`,
        "drivers/dax/super.c: alloc_dax",
      );
    }
    return HANDLED;
  },

  /** dax_direct_access (drivers/dax/super.c → the pmem driver's direct_access): the page's direct map. */
  dax_direct_access(kernel, page) {
    return kernel.page_address(page)!;
  },
});

/** Tap the asm-generic implementation of every hook at STAGE_DEFAULT. */
export function installAsmGeneric(kernel: Kernel, hooks: KernelHooks): void {
  for (const name of Object.keys(asmGeneric) as HookName[]) {
    const impl = asmGeneric[name] as (kernel: Kernel, ...args: unknown[]) => unknown;
    (hooks[name] as unknown as { tap(o: object, fn: (...a: unknown[]) => unknown): void }).tap(
      { name: "asm-generic", stage: STAGE_DEFAULT },
      (...args: unknown[]) => impl(kernel, ...args),
    );
  }
}
