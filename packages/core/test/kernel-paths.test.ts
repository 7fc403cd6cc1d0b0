// The hook order of each generic code path, on a PIPT machine with the asm-generic hooks: the exact sequence
// of hook calls an observer sees (depth 0: called by generic code; nested calls checked where they matter).
import { describe, expect, test } from "vitest";
import {
  FOLL_WRITE,
  type Kernel,
  KernelRefusal,
  MAP_FIXED,
  MAP_SHARED,
  PageAnon,
  PageSlab,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  page_mapcount,
  SG_MITER_ATOMIC,
  SG_MITER_FROM_SG,
  SG_MITER_TO_SG,
} from "../src/kernel/index.js";
import { genericKernel, HookRecorder, piptMachine, viptMachine, vivtMachine } from "./kernel-helpers.js";

const RW = PROT_READ | PROT_WRITE;
const RX = PROT_READ | PROT_EXEC;

/** A kernel with one task `a` (threads a and a2) entered on CPU 0, and a recorder started afterwards. */
function setup(options: Parameters<typeof genericKernel>[1] = {}) {
  const machine = piptMachine(2);
  const kernel = genericKernel(machine, options);
  const task = kernel.createTask("a", { threads: ["a", "a2"] });
  kernel.enter(kernel.thread("a"));
  const rec = new HookRecorder(kernel);
  return { machine, kernel, task, rec };
}

/** Map `pages` pages and touch each (a store) so that their PTEs exist; then forget the recorded calls. */
function populated(kernel: Kernel, rec: HookRecorder, pages = 1, prot = RW) {
  const vma = kernel.mmap({ name: "buf", pages, prot });
  for (let i = 0; i < pages; i++) kernel.userStore(vma.start + i * kernel.pageSize, 0x100 + i);
  rec.clear();
  return vma;
}

describe("demand faults", () => {
  test("anonymous write fault: do_anonymous_page allocates, clear_user_highpage, set_pte_at, update_mmu_cache", () => {
    const { kernel, rec } = setup();
    const vma = kernel.mmap({ pages: 1, prot: RW });
    rec.clear();
    kernel.userStore(vma.start + 8, 42);
    expect(rec.names()).toEqual(["clear_user_highpage", "set_pte_at", "update_mmu_cache"]);
    expect(rec.names(1)).toEqual(["kmap_atomic", "clear_user_page", "kunmap_atomic"]);
    expect(kernel.userLoad(vma.start + 8)).toBe(42);
    expect(kernel.userLoad(vma.start + 12)).toBe(0);
  });

  test("anonymous read fault maps the zero page (set_pte_at, update_mmu_cache); the write after it COWs from it", () => {
    const { kernel, rec } = setup();
    const vma = kernel.mmap({ pages: 1, prot: RW });
    rec.clear();
    expect(kernel.userLoad(vma.start)).toBe(0);
    expect(rec.names()).toEqual(["set_pte_at", "update_mmu_cache"]);
    expect(kernel.is_zero_pfn(vma.mm.pte(vma.start).get()!.pfn)).toBe(true);
    rec.clear();
    kernel.userStore(vma.start, 7);
    // wp_page_copy from the zero page: the new page is cleared, not copied.
    expect(rec.names()).toEqual([
      "clear_user_highpage",
      "flush_cache_page",
      "ptep_clear_flush",
      "set_pte_at",
      "update_mmu_cache",
    ]);
    expect(kernel.is_zero_pfn(vma.mm.pte(vma.start).get()!.pfn)).toBe(false);
  });

  test("without the zero page (era.zeroPage false) a read fault allocates and clears", () => {
    const { kernel, rec } = setup({ era: { zeroPage: false } });
    const vma = kernel.mmap({ pages: 1, prot: RW });
    rec.clear();
    kernel.userLoad(vma.start);
    expect(rec.names()).toEqual(["clear_user_highpage", "set_pte_at", "update_mmu_cache"]);
  });

  test("file read fault: the device reads the page (dma_map_page, dma_unmap_page), flush_icache_page, set_pte_at, update_mmu_cache", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 2);
    file.diskPage(1)[3] = 0xabc;
    const vma = kernel.mmap({ file, pgoff: 1, pages: 1, prot: RX });
    rec.clear();
    expect(kernel.userLoad(vma.start + 12)).toBe(0xabc);
    expect(rec.names()).toEqual([
      "dma_map_page",
      "dma_unmap_page",
      "flush_icache_page",
      "set_pte_at",
      "update_mmu_cache",
    ]);
    expect(rec.calls[0].args[4]).toBe("DMA_FROM_DEVICE");
    expect(kernel.find_get_page(file, 1)?.mapcount).toBe(1);
    // The PTE of a private file mapping is read-only (a write will COW).
    expect(vma.mm.pte(vma.start).get()?.writable).toBe(false);
  });

  test("a store to an unmapped address is SIGSEGV (KernelRefusal -EFAULT)", () => {
    const { kernel } = setup();
    expect(() => kernel.userStore(0x1000, 1)).toThrow(KernelRefusal);
    const vma = kernel.mmap({ pages: 1, prot: PROT_READ });
    expect(() => kernel.userStore(vma.start, 1)).toThrow(/SIGSEGV/);
  });
});

describe("copy-on-write", () => {
  test("do_wp_page on a private file page: copy_user_highpage, then flush_cache_page and ptep_clear_flush, set_pte_at, update_mmu_cache", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 1);
    file.diskPage(0)[0] = 5;
    const vma = kernel.mmap({ file, pages: 1, prot: RW });
    kernel.userLoad(vma.start);
    const cached = kernel.find_get_page(file, 0)!;
    rec.clear();
    kernel.userStore(vma.start + 4, 6);
    expect(rec.names()).toEqual([
      "copy_user_highpage",
      "flush_cache_page",
      "ptep_clear_flush",
      "set_pte_at",
      "update_mmu_cache",
    ]);
    expect(rec.names(1)).toEqual([
      "kmap_atomic",
      "kmap_atomic",
      "copy_user_page",
      "kunmap_atomic",
      "kunmap_atomic",
      "ptep_get_and_clear",
      "flush_tlb_page",
    ]);
    // flush_cache_page is given the OLD pfn (the page-cache page), the copy is anonymous.
    expect(rec.calls.find((c) => c.hook === "flush_cache_page")?.args[2]).toBe(cached.pfn);
    const pte = vma.mm.pte(vma.start).get()!;
    expect(pte.pfn).not.toBe(cached.pfn);
    expect(PageAnon(kernel.pfn_to_page(pte.pfn))).toBe(true);
    expect(kernel.userLoad(vma.start)).toBe(5);
    expect(cached.mapcount).toBe(0);
  });

  test("a first write to a private file page is do_cow_fault: read, copy_user_highpage, flush_icache_page, set_pte_at, update_mmu_cache", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 1);
    const vma = kernel.mmap({ file, pages: 1, prot: RW });
    rec.clear();
    kernel.userStore(vma.start, 1);
    expect(rec.names()).toEqual([
      "dma_map_page",
      "dma_unmap_page",
      "copy_user_highpage",
      "flush_icache_page",
      "set_pte_at",
      "update_mmu_cache",
    ]);
  });

  test("an anonymous page only one PTE references is reused in place: flush_cache_page, set_pte_at, update_mmu_cache", () => {
    const { kernel, rec } = setup();
    const vma = populated(kernel, rec);
    kernel.mprotect(vma.start, kernel.pageSize, PROT_READ);
    kernel.mprotect(vma.start, kernel.pageSize, RW);
    const pfn = vma.mm.pte(vma.start).get()!.pfn;
    rec.clear();
    kernel.userStore(vma.start, 9);
    expect(rec.names()).toEqual(["flush_cache_page", "set_pte_at", "update_mmu_cache"]);
    expect(vma.mm.pte(vma.start).get()!.pfn).toBe(pfn);
  });
});

describe("get_user_pages", () => {
  test("a present page: flush_anon_page then flush_dcache_page, inside the get_user_pages hook", () => {
    const { kernel, rec } = setup();
    const vma = populated(kernel, rec);
    const pages = kernel.get_user_pages(vma.start, 1, 0);
    expect(rec.names()).toEqual(["get_user_pages"]);
    expect(rec.names(1)).toEqual(["flush_anon_page", "flush_dcache_page"]);
    const flushAnon = rec.calls.find((c) => c.hook === "flush_anon_page")!;
    expect(flushAnon.args[0]).toBe(vma);
    expect(flushAnon.args[1]).toBe(pages[0]);
    expect(flushAnon.args[2]).toBe(vma.start);
    expect(flushAnon.parent?.hook).toBe("get_user_pages");
    expect(pages[0].refcount).toBe(2);
    kernel.put_page(pages[0]);
    expect(pages[0].refcount).toBe(1);
  });

  test("absent pages are faulted in first, then flushed, page by page", () => {
    const { kernel, rec } = setup();
    const vma = kernel.mmap({ pages: 2, prot: RW });
    rec.clear();
    const pages = kernel.get_user_pages(vma.start, 2, FOLL_WRITE);
    expect(pages).toHaveLength(2);
    expect(rec.names(1)).toEqual([
      "clear_user_highpage",
      "set_pte_at",
      "update_mmu_cache",
      "flush_anon_page",
      "flush_dcache_page",
      "clear_user_highpage",
      "set_pte_at",
      "update_mmu_cache",
      "flush_anon_page",
      "flush_dcache_page",
    ]);
  });

  test("an unmapped first page fails with -EFAULT", () => {
    const { kernel } = setup();
    expect(() => kernel.get_user_pages(0x10000, 1, 0)).toThrow(KernelRefusal);
  });
});

describe("fork", () => {
  test("flush_cache_dup_mm, the window, then per COW PTE ptep_set_wrprotect (parent) and set_pte_at (child), flush_tlb_mm", () => {
    const { kernel, rec, task } = setup();
    const vma = populated(kernel, rec, 2);
    const fork = kernel.forkBegin("child");
    expect(rec.names()).toEqual(["flush_cache_dup_mm"]);
    expect(rec.calls[0].args[0]).toBe(task.mm);
    // The window: the other thread of the parent stores into the still-writable page.
    kernel.enter(kernel.thread("a2"));
    kernel.userStore(vma.start, 0x2222);
    expect(rec.names()).toEqual(["flush_cache_dup_mm"]);
    const child = fork.finish();
    expect(rec.names()).toEqual([
      "flush_cache_dup_mm",
      "ptep_set_wrprotect",
      "set_pte_at",
      "ptep_set_wrprotect",
      "set_pte_at",
      "flush_tlb_mm",
    ]);
    expect(rec.calls[1].args[0]).toBe(task.mm);
    expect(rec.calls[2].args[0]).toBe(child.mm);
    expect(rec.calls[5].args[0]).toBe(task.mm);
    // Parent and child share the page, write-protected, with what was stored in the window.
    const parentPte = task.mm!.pte(vma.start).get()!;
    expect(parentPte.writable).toBe(false);
    expect(child.mm!.pte(vma.start).get()!.pfn).toBe(parentPte.pfn);
    expect(page_mapcount(kernel.pfn_to_page(parentPte.pfn))).toBe(2);
    kernel.enter(child.threads[0]);
    expect(kernel.userLoad(vma.start)).toBe(0x2222);
    // The parent's next store breaks COW; the child keeps the old value.
    kernel.enter(kernel.thread("a"));
    kernel.userStore(vma.start, 0x3333);
    kernel.enter(child.threads[0]);
    expect(kernel.userLoad(vma.start)).toBe(0x2222);
  });

  test("fork(name, { window }) runs the window between the two phases; the child cannot run inside it", () => {
    const { kernel, rec } = setup();
    populated(kernel, rec);
    const seen: string[] = [];
    const child = kernel.fork("c", {
      window: () => {
        seen.push(...rec.names());
        expect(() => kernel.enter(kernel.thread("c"))).toThrow(/being forked/);
      },
    });
    expect(seen).toEqual(["flush_cache_dup_mm"]);
    expect(child.mm!.vmas.map((v) => v.name)).toEqual(["buf"]);
  });
});

describe("munmap, exit, mprotect, context switch", () => {
  test("munmap: flush_cache_range before the zap (ptep_get_and_clear per PTE), flush_tlb_range; the pages are freed", () => {
    const { kernel, rec } = setup();
    const vma = populated(kernel, rec, 2);
    const page = kernel.pfn_to_page(vma.mm.pte(vma.start).get()!.pfn);
    kernel.munmap(vma.start, 2 * kernel.pageSize);
    expect(rec.names()).toEqual([
      "flush_cache_range",
      "ptep_get_and_clear",
      "ptep_get_and_clear",
      "flush_tlb_range",
    ]);
    expect(rec.calls[0].args.slice(1)).toEqual([vma.start, vma.start + 2 * kernel.pageSize]);
    expect(page.refcount).toBe(0);
    expect(vma.mm.vmas).toHaveLength(0);
  });

  test("munmap of part of a mapping splits it and flushes only that part", () => {
    const { kernel, rec } = setup();
    const vma = populated(kernel, rec, 3);
    kernel.munmap(vma.start + kernel.pageSize, kernel.pageSize);
    expect(rec.names()).toEqual(["flush_cache_range", "ptep_get_and_clear", "flush_tlb_range"]);
    expect(rec.calls[0].args.slice(1)).toEqual([
      vma.start + kernel.pageSize,
      vma.start + 2 * kernel.pageSize,
    ]);
    expect(vma.mm.vmas.map((v) => [v.start - vma.start, v.end - vma.start])).toEqual([
      [0, kernel.pageSize],
      [2 * kernel.pageSize, 3 * kernel.pageSize],
    ]);
    expect(kernel.userLoad(vma.start + 2 * kernel.pageSize)).toBe(0x102);
  });

  test("exit: flush_cache_mm before the zap, flush_tlb_mm after; no flush_cache_range", () => {
    const { kernel, rec, task } = setup();
    populated(kernel, rec, 2);
    kernel.exit();
    expect(rec.names()).toEqual([
      "flush_cache_mm",
      "ptep_get_and_clear",
      "ptep_get_and_clear",
      "flush_tlb_mm",
    ]);
    expect(task.exited).toBe(true);
    expect(() => kernel.enter(kernel.thread("a2"))).toThrow(/exited/);
  });

  test("mprotect: flush_cache_range, per PTE ptep_get_and_clear then set_pte_at, flush_tlb_range", () => {
    const { kernel, rec } = setup();
    const vma = populated(kernel, rec, 2);
    kernel.mprotect(vma.start, 2 * kernel.pageSize, PROT_READ | PROT_EXEC);
    expect(rec.names()).toEqual([
      "flush_cache_range",
      "ptep_get_and_clear",
      "set_pte_at",
      "ptep_get_and_clear",
      "set_pte_at",
      "flush_tlb_range",
    ]);
    const pte = vma.mm.pte(vma.start).get()!;
    expect(pte.executable).toBe(true);
    expect(pte.writable).toBe(false);
    expect(() => kernel.userStore(vma.start, 1)).toThrow(/SIGSEGV/);
  });

  test("switch_mm(prev, next, tsk) when a CPU switches to another task's mm; none for a thread of the same mm or a kworker", () => {
    const { kernel, rec, task } = setup();
    const b = kernel.createTask("b");
    kernel.enter(kernel.thread("a2"));
    kernel.enter(kernel.kworker(0));
    expect(rec.names()).toEqual([]);
    kernel.enter(b.threads[0]);
    expect(rec.names()).toEqual(["switch_mm"]);
    expect(rec.calls[0].args).toEqual([task.mm, b.mm, b]);
    expect(kernel.machine.currentSpace(0)).toBe(b.mm!.space);
    expect(b.mm!.cpumask.has(0)).toBe(true);
  });
});

describe("read() and write() through the page cache", () => {
  function fileSetup() {
    const s = setup();
    const file = s.kernel.createFile("f", 1);
    file.diskPage(0).set([1, 2, 3, 4]);
    const ubuf = populated(s.kernel, s.rec).start;
    return { ...s, file, ubuf };
  }

  test("read: the page is read by the device, then kmap_atomic, copy_to_user, kunmap_atomic", () => {
    const { kernel, rec, file, ubuf } = fileSetup();
    kernel.read(file, 4, ubuf, 8);
    expect(rec.names()).toEqual(["dma_map_page", "dma_unmap_page", "kmap_atomic", "kunmap_atomic"]);
    expect(kernel.copy_from_user(ubuf, 8)).toEqual([2, 3]);
  });

  test("read of a writably shared-mapped file calls flush_dcache_page before the copy", () => {
    const { kernel, rec, file, ubuf } = fileSetup();
    kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    kernel.read(file, 0, ubuf, 4);
    rec.clear();
    kernel.read(file, 0, ubuf, 4);
    expect(rec.names()).toEqual(["flush_dcache_page", "kmap_atomic", "kunmap_atomic"]);
  });

  test("write (generic_perform_write): kmap_atomic, copy_from_user, kunmap_atomic, flush_dcache_page", () => {
    const { kernel, rec, file, ubuf } = fileSetup();
    kernel.read(file, 0, ubuf, 4);
    kernel.copy_to_user(ubuf, [77]);
    rec.clear();
    kernel.write(file, 8, ubuf, 4);
    expect(rec.names()).toEqual(["kmap_atomic", "kunmap_atomic", "flush_dcache_page"]);
    kernel.read(file, 8, ubuf + 4, 4);
    expect(kernel.copy_from_user(ubuf + 4, 4)).toEqual([77]);
  });

  test("write to a writably shared-mapped file flushes before and after the copy", () => {
    const { kernel, rec, file, ubuf } = fileSetup();
    kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    kernel.read(file, 0, ubuf, 4);
    rec.clear();
    kernel.write(file, 0, ubuf, 4);
    expect(rec.names()).toEqual(["flush_dcache_page", "kmap_atomic", "kunmap_atomic", "flush_dcache_page"]);
  });

  test("a partial write to an uncached page reads it from the disk first", () => {
    const { kernel, rec, file, ubuf } = fileSetup();
    kernel.write(file, 4, ubuf, 4);
    expect(rec.names()).toEqual([
      "dma_map_page",
      "dma_unmap_page",
      "kmap_atomic",
      "kunmap_atomic",
      "flush_dcache_page",
    ]);
  });
});

describe("O_DIRECT", () => {
  test("DMA read: get_user_pages (write), dma_map_page(FROM_DEVICE), the device writes, dma_unmap_page", () => {
    const { kernel, rec } = setup();
    const ubuf = populated(kernel, rec).start;
    kernel.readDirect(ubuf + 8, [0xd1, 0xd2]);
    expect(rec.names()).toEqual(["get_user_pages", "dma_map_page", "dma_unmap_page"]);
    expect(rec.calls[0].args[3]).toBe(FOLL_WRITE);
    expect(rec.calls.find((c) => c.hook === "dma_map_page")!.args.slice(2)).toEqual([
      8,
      8,
      "DMA_FROM_DEVICE",
    ]);
    expect(kernel.copy_from_user(ubuf + 8, 8)).toEqual([0xd1, 0xd2]);
  });

  test("DMA write: get_user_pages (read), dma_map_page(TO_DEVICE), the device reads, dma_unmap_page", () => {
    const { kernel, rec } = setup();
    const ubuf = populated(kernel, rec).start;
    kernel.copy_to_user(ubuf + 4, [5, 6]);
    rec.clear();
    expect(kernel.writeDirect(ubuf + 4, 8)).toEqual([5, 6]);
    expect(rec.names()).toEqual(["get_user_pages", "dma_map_page", "dma_unmap_page"]);
    expect(rec.calls[0].args[3]).toBe(0);
    expect(rec.calls.find((c) => c.hook === "dma_map_page")!.args[4]).toBe("DMA_TO_DEVICE");
  });

  test("PIO read (SG_MITER_TO_SG | SG_MITER_ATOMIC): kmap_atomic, stores, sg_miter_stop → flush_dcache_page, kunmap_atomic", () => {
    const { kernel, rec } = setup();
    const ubuf = populated(kernel, rec).start;
    kernel.readDirect(ubuf, [1, 2], { via: "pio" });
    expect(rec.names()).toEqual(["get_user_pages", "kmap_atomic", "sg_miter_stop"]);
    const stop = rec.calls.find((c) => c.hook === "sg_miter_stop")!;
    expect(rec.calls.filter((c) => c.parent === stop).map((c) => c.hook)).toEqual([
      "flush_dcache_page",
      "kunmap_atomic",
    ]);
    expect(kernel.copy_from_user(ubuf, 8)).toEqual([1, 2]);
  });

  test("PIO read with kmap (no SG_MITER_ATOMIC) unmaps with kunmap", () => {
    const { kernel, rec } = setup();
    const ubuf = populated(kernel, rec).start;
    kernel.readDirect(ubuf, [1], { via: "pio", atomic: false });
    expect(rec.names()).toEqual(["get_user_pages", "kmap", "sg_miter_stop"]);
    expect(rec.names(1).slice(-2)).toEqual(["flush_dcache_page", "kunmap"]);
  });

  test("PIO write (SG_MITER_FROM_SG): sg_miter_stop flushes nothing, only kunmap_atomic", () => {
    const { kernel, rec } = setup();
    const ubuf = populated(kernel, rec).start;
    expect(kernel.writeDirect(ubuf, 4, { via: "pio" })).toEqual([0x100]);
    expect(rec.names()).toEqual(["get_user_pages", "kmap_atomic", "sg_miter_stop"]);
    const stop = rec.calls.find((c) => c.hook === "sg_miter_stop")!;
    expect(rec.calls.filter((c) => c.parent === stop).map((c) => c.hook)).toEqual(["kunmap_atomic"]);
  });

  test("sg_miter_stop's flush follows the era: flush_kernel_dcache_page (≤ 3.12), skipped on slab pages (3.13 – 5.15)", () => {
    for (const [era, expected] of [
      ["flush_kernel_dcache_page", ["flush_kernel_dcache_page", "kunmap_atomic"]],
      ["flush_kernel_dcache_page_unless_slab", ["kunmap_atomic"]],
      ["flush_dcache_page", ["flush_dcache_page", "kunmap_atomic"]],
    ] as const) {
      const { kernel, rec } = setup({ era: { sgMiterStopFlush: era } });
      const buf = kernel.kmalloc(64);
      expect(PageSlab(kernel.virt_to_page(buf))).toBe(true);
      const miter = kernel.sg_miter_start([kernel.sg_set_buf(buf, 64)], SG_MITER_TO_SG | SG_MITER_ATOMIC);
      expect(kernel.sg_miter_next(miter)).toBe(true);
      expect(miter.addr).toBe(buf);
      kernel.kernelStore(miter.addr!, 1);
      expect(kernel.sg_miter_next(miter)).toBe(false);
      kernel.sg_miter_stop(miter);
      expect(rec.names()).toEqual(["kmap_atomic", "sg_miter_stop"]);
      expect(rec.names(1)).toEqual(expected);
    }
  });

  test("SG_MITER_FROM_SG without ATOMIC maps with kmap and never flushes; a second sg_miter_stop does nothing", () => {
    const { kernel, rec } = setup();
    const page = kernel.alloc_page();
    const miter = kernel.sg_miter_start([{ page, offset: 0, length: 16 }], SG_MITER_FROM_SG);
    kernel.sg_miter_next(miter);
    kernel.sg_miter_stop(miter);
    kernel.sg_miter_stop(miter);
    expect(rec.names()).toEqual(["kmap", "sg_miter_stop"]);
    expect(rec.names(1)).toEqual(["kunmap"]);
  });
});

describe("page-cache fill and writeback", () => {
  test("a PIO fill goes through sg_miter (TO_SG|ATOMIC): kmap_atomic, sg_miter_stop → flush_dcache_page, kunmap_atomic", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 1);
    const page = kernel.pagecacheFill(file, 0, { via: "pio", offset: 8, words: [9, 10] });
    expect(rec.names()).toEqual(["kmap_atomic", "sg_miter_stop"]);
    expect(rec.names(1)).toEqual(["flush_dcache_page", "kunmap_atomic"]);
    expect(kernel.readKernel(kernel.page_address(page)! + 8, 8)).toEqual([9, 10]);
  });

  test("a DMA fill: dma_map_page(FROM_DEVICE), dma_unmap_page", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 1);
    kernel.pagecacheFill(file, 0, { words: [3] });
    expect(rec.names()).toEqual(["dma_map_page", "dma_unmap_page"]);
  });

  test("writeback: page_mkclean (flush_cache_page, ptep_clear_flush, set_pte_at per shared mapping), then DMA to the device", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 1);
    const vma = kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    kernel.userStore(vma.start + 4, 0x5555);
    expect(vma.mm.pte(vma.start).get()!.writable).toBe(true);
    rec.clear();
    const words = kernel.writeback(file, 0);
    expect(words[1]).toBe(0x5555);
    expect(rec.names()).toEqual(["page_mkclean", "dma_map_page", "dma_unmap_page"]);
    expect(rec.names(1)).toEqual(["flush_cache_page", "ptep_clear_flush", "set_pte_at"]);
    expect(rec.calls.find((c) => c.hook === "page_mkclean")!.result).toBe(1);
    expect(rec.calls.find((c) => c.hook === "dma_map_page")!.args[4]).toBe("DMA_TO_DEVICE");
    expect(vma.mm.pte(vma.start).get()!.writable).toBe(false);
    // The next store faults and makes the PTE writable again (wp_page_shared → wp_page_reuse).
    rec.clear();
    kernel.userStore(vma.start, 1);
    expect(rec.names()).toEqual(["flush_cache_page", "set_pte_at", "update_mmu_cache"]);
  });
});

describe("ptrace", () => {
  function tracer() {
    const s = setup();
    const target = s.kernel.createTask("target");
    const file = s.kernel.createFile("text", 1);
    file.diskPage(0)[0] = 0xe1a00000;
    s.kernel.enter(target.threads[0]);
    const text = s.kernel.mmap({ name: "text", file, pages: 1, prot: RX });
    expect(s.kernel.userIfetch(text.start)).toBe(0xe1a00000);
    s.kernel.enter(s.kernel.thread("a"));
    s.rec.clear();
    return { ...s, target, text, file };
  }

  test("poke into text: get_user_pages (FOLL_FORCE|FOLL_WRITE breaks COW), kmap, copy_to_user_page, kunmap", () => {
    const { kernel, rec, target, text, file } = tracer();
    kernel.ptracePoke(target, text.start, [0xe7f001f0]);
    expect(rec.names()).toEqual(["get_user_pages", "kmap", "copy_to_user_page", "kunmap"]);
    const gup = rec.calls[0];
    expect(rec.calls.filter((c) => c.parent === gup).map((c) => c.hook)).toEqual([
      "copy_user_highpage",
      "flush_cache_page",
      "ptep_clear_flush",
      "set_pte_at",
      "update_mmu_cache",
      "flush_anon_page",
      "flush_dcache_page",
    ]);
    expect(rec.calls.find((c) => c.hook === "copy_to_user_page")!.args[2]).toBe(text.start);
    expect(rec.names(1)).toContain("flush_icache_user_page");
    // The target now executes the breakpoint from its private copy; the file page is untouched.
    kernel.enter(target.threads[0]);
    expect(kernel.userIfetch(text.start)).toBe(0xe7f001f0);
    expect(kernel.readKernel(kernel.page_address(kernel.find_get_page(file, 0)!)!, 4)).toEqual([0xe1a00000]);
    expect(target.mm!.pte(text.start).get()!.writable).toBe(false);
  });

  test("peek: get_user_pages, kmap, copy_from_user_page, kunmap", () => {
    const { kernel, rec, target, text } = tracer();
    expect(kernel.ptracePeek(target, text.start, 4)).toEqual([0xe1a00000]);
    expect(rec.names()).toEqual(["get_user_pages", "kmap", "copy_from_user_page", "kunmap"]);
    expect(rec.names(1)).toEqual(["flush_anon_page", "flush_dcache_page"]);
  });
});

describe("DAX", () => {
  function dax() {
    const s = setup();
    const file = s.kernel.createFile("pmem", 1, { dax: true });
    const ubuf = populated(s.kernel, s.rec).start;
    return { ...s, file, ubuf };
  }

  test("read and write copy through the direct map: no cache-maintenance hook, only the address look-up", () => {
    const { kernel, rec, file, ubuf } = dax();
    kernel.copy_to_user(ubuf, [0xdada]);
    kernel.write(file, 12, ubuf, 4);
    kernel.read(file, 12, ubuf + 16, 4);
    expect(rec.names(null)).toEqual(["dax_direct_access", "dax_direct_access"]);
    expect(kernel.copy_from_user(ubuf + 16, 4)).toEqual([0xdada]);
    expect(kernel.readKernel(kernel.page_address(file.daxPages[0])! + 12, 4)).toEqual([0xdada]);
    expect(file.mapping.i_pages.size).toBe(0);
  });

  test("mmap: the fault maps the pmem pfn itself (set_pte_at, update_mmu_cache)", () => {
    const { kernel, rec, file } = dax();
    const vma = kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    rec.clear();
    kernel.userLoad(vma.start);
    expect(rec.names()).toEqual(["set_pte_at", "update_mmu_cache"]);
    expect(vma.mm.pte(vma.start).get()!.pfn).toBe(file.daxPages[0].pfn);
  });

  test("the era that refuses DAX on aliasing D-caches lets a PIPT cache have it", () => {
    const { kernel } = setup({ era: { daxRefusedOnAliasingDcache: true } });
    expect(kernel.cpu_dcache_is_aliasing()).toBe(false);
    expect(kernel.createFile("pmem", 1, { dax: true }).daxPages).toHaveLength(1);
  });
});

describe("uprobes", () => {
  test("xol_get_insn_slot: the XOL area (arch_get_unmapped_area), arch_uprobe_copy_ixol → kmap_atomic, kunmap_atomic, flush_dcache_page", () => {
    const { kernel, rec } = setup();
    const slot1 = kernel.uprobeXol([0x11], 1);
    expect(rec.names()).toEqual(["arch_get_unmapped_area", "arch_uprobe_copy_ixol"]);
    expect(rec.names(1)).toEqual(["kmap_atomic", "kunmap_atomic", "flush_dcache_page"]);
    rec.clear();
    expect(kernel.userIfetch(slot1)).toBe(0x11);
    expect(rec.names()).toEqual(["flush_icache_page", "set_pte_at", "update_mmu_cache"]);
    rec.clear();
    expect(kernel.uprobeXol([0x22], 1)).toBe(slot1);
    expect(rec.names()).toEqual(["arch_uprobe_copy_ixol"]);
    expect(kernel.userIfetch(slot1)).toBe(0x22);
    expect(() => kernel.userStore(slot1, 0)).toThrow(/SIGSEGV/);
  });
});

describe("mmap placement", () => {
  test("arch_get_unmapped_area(filp, addr, len, pgoff, flags) places bottom-up from TASK_UNMAPPED_BASE", () => {
    const { kernel, rec } = setup();
    const file = kernel.createFile("f", 4);
    const a = kernel.mmap({ pages: 2, prot: RW });
    const b = kernel.mmap({ file, pgoff: 1, pages: 1, prot: RW, shared: true });
    expect(a.start).toBe(kernel.layout.mmapBase);
    expect(b.start).toBe(a.end);
    expect(rec.names()).toEqual(["arch_get_unmapped_area", "arch_get_unmapped_area"]);
    expect(rec.calls[1].args).toEqual([file, 0, kernel.pageSize, 1, MAP_SHARED]);
    expect(rec.calls[1].result).toBe(b.start);
  });

  test("MAP_FIXED is passed through and replaces what was mapped there", () => {
    const { kernel, rec } = setup();
    const a = populated(kernel, rec, 2);
    rec.clear();
    const b = kernel.mmap({ pages: 1, prot: RW, fixed: true, addr: a.start + kernel.pageSize });
    expect(b.start).toBe(a.start + kernel.pageSize);
    expect(rec.names()).toEqual([
      "arch_get_unmapped_area",
      "flush_cache_range",
      "ptep_get_and_clear",
      "flush_tlb_range",
    ]);
    expect((rec.calls[0].args[4] as number) & MAP_FIXED).toBe(MAP_FIXED);
    expect(kernel.userLoad(b.start)).toBe(0);
    expect(() => kernel.mmap({ pages: 1, prot: RW, fixed: true, addr: a.start + 12 })).toThrow(KernelRefusal);
  });

  test("a colour request places the mapping at the lowest free address of that colour", () => {
    const machine = piptMachine();
    const { kernel } = setup();
    expect(machine.colours).toBe(1);
    const a = kernel.mmap({ pages: 1, prot: RW, colour: 3 });
    expect(a.start).toBe(kernel.layout.mmapBase);
  });
});

describe("kmalloc", () => {
  test("slab objects are cache-line aligned in a PG_slab lowmem page", () => {
    const { kernel } = setup();
    const a = kernel.kmalloc(8);
    const b = kernel.kmalloc(8);
    expect(b - a).toBe(kernel.machine.config.dcache.lineSize);
    expect(kernel.virt_to_page(a)).toBe(kernel.virt_to_page(b));
    expect(PageSlab(kernel.virt_to_page(a))).toBe(true);
  });
});

describe("every path on every cache", () => {
  /** Exercise each generic path once; returns the machine's violations. */
  function everything(machine: ReturnType<typeof piptMachine>, coherent: boolean) {
    const kernel = genericKernel(machine, { layout: { highmemSize: 1024 * 1024 } });
    const a = kernel.createTask("a", { threads: ["a", "a2"] });
    const b = kernel.createTask("b");
    const file = kernel.createFile("f", 2);
    const pmem = kernel.createFile("pmem", 1, { dax: true });
    kernel.enter(kernel.thread("a"));
    const anon = kernel.mmap({ name: "anon", pages: 2, prot: RW, placement: { highmem: true } });
    const shared = kernel.mmap({ name: "shared", file, pages: 2, prot: RW, shared: true });
    const text = kernel.mmap({ name: "text", file, pgoff: 1, pages: 1, prot: RX });
    const dax = kernel.mmap({ name: "dax", file: pmem, pages: 1, prot: RW, shared: true });
    kernel.userStore(anon.start, 1);
    kernel.userLoad(anon.start + kernel.pageSize);
    kernel.userStore(shared.start, 2);
    kernel.userIfetch(text.start);
    kernel.userStore(dax.start, 3);
    kernel.write(file, 4, anon.start, 4);
    kernel.read(file, 0, anon.start + 8, 8);
    kernel.write(pmem, 8, anon.start, 4);
    kernel.read(pmem, 0, anon.start + 16, 4);
    kernel.readDirect(anon.start + 32, [7, 8]);
    kernel.readDirect(anon.start + 40, [9], { via: "pio" });
    kernel.readDirect(anon.start + 44, [10], { via: "pio", atomic: false });
    kernel.writeDirect(anon.start + 32, 8);
    kernel.writeDirect(anon.start + 32, 8, { via: "pio" });
    kernel.pagecacheFill(file, 1, { via: "pio", words: [5] });
    kernel.writeback(file, 0);
    const child = kernel.fork("c", {
      window: () => {
        kernel.enter(kernel.thread("a2"));
        kernel.userStore(anon.start, 0x44);
      },
    });
    kernel.userStore(anon.start, 0x45);
    kernel.mprotect(anon.start, kernel.pageSize, PROT_READ);
    const slot = kernel.uprobeXol([0x1234], 2);
    kernel.userIfetch(slot);
    kernel.enter(b.threads[0]);
    kernel.ptracePoke(a, text.start, [0xbeef]);
    const peeked = kernel.ptracePeek(a, text.start, 4);
    if (coherent) expect(peeked).toEqual([0xbeef]);
    kernel.enter(child.threads[0]);
    const loaded = kernel.userLoad(anon.start);
    // Without ASIDs or a flush at switch_mm, a VIVT child may hit the parent's line at the same address.
    if (coherent) expect(loaded).toBe(0x44);
    kernel.exit();
    kernel.enter(kernel.thread("a"));
    kernel.munmap(anon.start, 2 * kernel.pageSize);
    const page = kernel.alloc_page({ highmem: true });
    const k = kernel.kmap(page);
    kernel.kernelStore(k, 1);
    kernel.kunmap(page);
    kernel.exit();
    return machine.finish();
  }

  test("PIPT: no violation; VIVT and VIPT with non-coherent DMA: every path runs", () => {
    expect(everything(piptMachine(), true)).toEqual([]);
    expect(everything(vivtMachine(), false).length).toBeGreaterThan(0);
    expect(Array.isArray(everything(viptMachine(), false))).toBe(true);
  });
});
