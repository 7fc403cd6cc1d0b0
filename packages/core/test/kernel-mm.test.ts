// Page frames, the kernel address space (linear map, pkmap, fixmap, windows, vmap), mmap placement and the
// kernel's refusals and BUGs.
import { describe, expect, test } from "vitest";
import { UserError } from "../src/errors.js";
import {
  EINVAL,
  EOPNOTSUPP,
  type File,
  Kernel,
  KernelBug,
  KernelRefusal,
  MAP_FIXED,
  MAP_SHARED,
  mapping_mapped,
  mapping_writably_mapped,
  PageHighMem,
  PG_arch_1,
  PROT_READ,
  PROT_WRITE,
  replaceHook,
  set_bit,
  test_bit,
} from "../src/kernel/index.js";
import { HookRecorder, piptMachine, viptMachine, vivtMachine } from "./kernel-helpers.js";

const RW = PROT_READ | PROT_WRITE;

function highmemKernel(lastPkmap = 4) {
  const machine = vivtMachine();
  const kernel = new Kernel(machine, { layout: { highmemSize: 1024 * 1024, lastPkmap } });
  kernel.enter(kernel.createTask("t").threads[0]);
  return kernel;
}

describe("page frames", () => {
  test("placement by colour, by pfn and in highmem; page_address of lowmem is the linear map", () => {
    const kernel = new Kernel(viptMachine());
    for (const colour of [0, 1, 2, 3]) {
      const page = kernel.alloc_page({ colour });
      expect(kernel.frameColour(page.pfn)).toBe(colour % 2);
      expect(kernel.machine.colourOf(kernel.page_address(page)!)).toBe(colour % 2);
    }
    const page = kernel.alloc_page({ pfn: 100 });
    expect(page.pfn).toBe(100);
    expect(kernel.page_address(page)).toBe(kernel.layout.pageOffset + 100 * kernel.pageSize);
    expect(kernel.virt_to_page(kernel.page_address(page)! + 12)).toBe(page);
    expect(() => kernel.alloc_page({ pfn: 100 })).toThrow(UserError);
    expect(() => kernel.alloc_page({ highmem: true })).toThrow(/no highmem/);
  });

  test("a highmem page has no address until kmapped; the zero page is reserved", () => {
    const kernel = highmemKernel();
    const page = kernel.alloc_page({ highmem: true });
    expect(PageHighMem(page)).toBe(true);
    expect(kernel.page_address(page)).toBeNull();
    const zero = kernel.zeroPage!;
    expect(kernel.is_zero_pfn(zero.pfn)).toBe(true);
    kernel.put_page(zero);
    kernel.put_page(zero);
    expect(kernel.pfn_to_page(zero.pfn).refcount).toBe(1);
  });

  test("the last put_page frees the frame for reuse", () => {
    const kernel = new Kernel(piptMachine());
    const page = kernel.alloc_page();
    kernel.put_page(page);
    expect(kernel.alloc_page().pfn).toBe(page.pfn);
    kernel.put_page(page);
    expect(() => kernel.put_page(page)).toThrow(KernelBug);
  });
});

describe("kmap, pkmap and kmap_atomic of highmem", () => {
  test("kmap maps a pkmap slot (set_pte_at on init_mm); a second kmap reuses it; kunmap keeps the mapping", () => {
    const kernel = highmemKernel();
    const page = kernel.alloc_page({ highmem: true });
    const rec = new HookRecorder(kernel);
    const a = kernel.kmap(page);
    expect(kernel.highmem.isPkmapAddress(a)).toBe(true);
    expect(rec.names(null)).toEqual(["kmap", "set_pte_at"]);
    expect(rec.calls[1].args[0]).toBe(kernel.init_mm);
    expect(kernel.kmap(page)).toBe(a);
    expect(kernel.page_address(page)).toBe(a);
    kernel.kernelStore(a, 0x77);
    kernel.kunmap(page);
    kernel.kunmap(page);
    expect(kernel.page_address(page)).toBe(a);
    expect(() => kernel.kunmap(page)).toThrow(KernelBug);
  });

  test("when the slots run out, unused ones are recycled: flush_cache_kmaps, then flush_tlb_kernel_range", () => {
    const kernel = highmemKernel(4);
    const pages = Array.from({ length: 5 }, () => kernel.alloc_page({ highmem: true }));
    for (const page of pages.slice(0, 3)) {
      kernel.kmap(page);
      kernel.kunmap(page);
    }
    const rec = new HookRecorder(kernel);
    const addr = kernel.kmap(pages[3]);
    expect(rec.names(1)).toEqual(["flush_cache_kmaps", "flush_tlb_kernel_range", "set_pte_at"]);
    expect(kernel.page_address(pages[0])).toBeNull();
    expect(kernel.highmem.pkmapPageAt(addr)).toBe(pages[3]);
  });

  test("every slot in use: the task would sleep forever (KernelBug)", () => {
    const kernel = highmemKernel(4);
    for (let i = 0; i < 4; i++) kernel.kmap(kernel.alloc_page({ highmem: true }));
    expect(() => kernel.kmap(kernel.alloc_page({ highmem: true }))).toThrow(/sleep forever/);
  });

  test("kmap_atomic uses per-CPU fixmap slots in LIFO order; an access after kunmap_atomic oopses", () => {
    const kernel = highmemKernel();
    const [p, q] = [kernel.alloc_page({ highmem: true }), kernel.alloc_page({ highmem: true })];
    const a = kernel.kmap_atomic(p);
    const b = kernel.kmap_atomic(q);
    expect(kernel.highmem.isFixmapAddress(a)).toBe(true);
    expect(b - a).toBe(kernel.pageSize);
    expect(kernel.highmem.fixmapPageAt(b)).toBe(q);
    expect(() => kernel.kunmap_atomic(a)).toThrow(/innermost/);
    kernel.kunmap_atomic(b);
    kernel.kunmap_atomic(a);
    expect(() => kernel.kernelLoad(a)).toThrow(/Unable to handle kernel paging request/);
  });

  test("kmap_atomic of a lowmem page is its linear address and takes no slot", () => {
    const kernel = highmemKernel();
    const page = kernel.alloc_page();
    expect(kernel.kmap_atomic(page)).toBe(kernel.page_address(page));
    expect(kernel.highmem.atomicDepth()).toBe(0);
  });
});

describe("the kernel address space", () => {
  test("architecture windows are aligned to the cache way, so window + c pages has colour c", () => {
    const kernel = new Kernel(viptMachine());
    kernel.reserveWindow("pad", 1);
    const w = kernel.reserveWindow("FLUSH_ALIAS", 2);
    expect(kernel.reserveWindow("FLUSH_ALIAS", 2)).toBe(w);
    for (const c of [0, 1]) expect(kernel.machine.colourOf(w.base + c * kernel.pageSize)).toBe(c);
    const page = kernel.alloc_page({ colour: 0 });
    kernel.mapKernelPte(w.base + kernel.pageSize, page.pfn);
    kernel.kernelStore(w.base + kernel.pageSize, 3);
    expect(kernel.kmap_to_page(w.base + kernel.pageSize)).toBe(page);
    kernel.clearKernelPte(w.base + kernel.pageSize);
    expect(() => kernel.kernelLoad(w.base + kernel.pageSize)).toThrow(KernelBug);
  });

  test("vmap: set_pte_at per page on init_mm, flush_cache_vmap; vunmap: flush_cache_vunmap, flush_tlb_kernel_range", () => {
    const kernel = new Kernel(piptMachine());
    const pages = [kernel.alloc_page(), kernel.alloc_page()];
    const rec = new HookRecorder(kernel);
    const va = kernel.vmap(pages);
    kernel.kernelStore(va + kernel.pageSize, 9);
    expect(kernel.readKernel(kernel.page_address(pages[1])!, 4)).toEqual([9]);
    kernel.vunmap(va);
    expect(rec.names()).toEqual([
      "set_pte_at",
      "set_pte_at",
      "flush_cache_vmap",
      "flush_cache_vunmap",
      "flush_tlb_kernel_range",
    ]);
    expect(rec.calls[2].args).toEqual([va, va + 2 * kernel.pageSize]);
  });

  test("a layout that overlaps user space is the profile's mistake", () => {
    expect(
      () => new Kernel(piptMachine(), { layout: { pageOffset: 0x8000_0000 }, where: "profile x" }),
    ).toThrow(
      expect.objectContaining({
        where: "profile x",
        message: expect.stringMatching(/below the top of user space/),
      }),
    );
    expect(() => new Kernel(piptMachine(), { era: { sgMiterStopFlush: "nope" as never } })).toThrow(
      UserError,
    );
  });
});

describe("mmap placement", () => {
  test("a colour request on an aliasing cache picks an address of that colour", () => {
    const kernel = new Kernel(viptMachine());
    kernel.enter(kernel.createTask("t").threads[0]);
    const a = kernel.mmap({ pages: 1, prot: RW, colour: 1 });
    const b = kernel.mmap({ pages: 1, prot: RW, colour: 1 });
    const c = kernel.mmap({ pages: 1, prot: RW, colour: 0 });
    for (const [vma, colour] of [
      [a, 1],
      [b, 1],
      [c, 0],
    ] as const) {
      expect(kernel.machine.colourOf(vma.start)).toBe(colour);
    }
    expect(a.start).toBe(kernel.layout.mmapBase + kernel.pageSize);
    expect(c.start).toBe(kernel.layout.mmapBase);
  });

  test("an architecture's colour alignment: congruent placement, and -EINVAL for an incongruent MAP_FIXED|MAP_SHARED", () => {
    const kernel = new Kernel(viptMachine());
    kernel.enter(kernel.createTask("t").threads[0]);
    const shmlba = kernel.colours * kernel.pageSize;
    // arch/arm/mm/mmap.c arch_get_unmapped_area, as an aliasing-VIPT ARM would have it.
    replaceHook(kernel.hooks, "arch_get_unmapped_area", "arm", (filp, addr, len, pgoff, flags) => {
      const doAlign = filp !== null || (flags & MAP_SHARED) !== 0;
      if (flags & MAP_FIXED) {
        if (flags & MAP_SHARED && (addr - pgoff * kernel.pageSize) & (shmlba - 1)) {
          throw new KernelRefusal(-EINVAL, "incongruent MAP_FIXED|MAP_SHARED", "arch/arm/mm/mmap.c");
        }
        return addr;
      }
      return kernel.vm_unmapped_area({
        length: len,
        lowLimit: kernel.layout.mmapBase,
        highLimit: kernel.machine.config.userTop,
        alignMask: doAlign ? shmlba - 1 : 0,
        alignOffset: pgoff * kernel.pageSize,
      });
    });
    const file = kernel.createFile("f", 2);
    kernel.mmap({ pages: 1, prot: RW });
    const shared = kernel.mmap({ file, pgoff: 1, pages: 1, prot: RW, shared: true });
    expect(kernel.machine.colourOf(shared.start)).toBe(1);
    const fixedAt = shared.end + shmlba;
    const err = (() => {
      try {
        kernel.mmap({ file, pgoff: 1, pages: 1, prot: RW, shared: true, fixed: true, addr: fixedAt });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KernelRefusal);
    expect((err as KernelRefusal).errno).toBe(-EINVAL);
    expect((err as KernelRefusal).format()).toMatch(/^-EINVAL: incongruent/);
    const ok = kernel.mmap({
      file,
      pgoff: 1,
      pages: 1,
      prot: RW,
      shared: true,
      fixed: true,
      addr: fixedAt + kernel.pageSize,
    });
    expect(ok.start).toBe(fixedAt + kernel.pageSize);
  });

  test("frame placement: page i of the mapping gets frame colour (colour + i) or pfn + i", () => {
    const kernel = new Kernel(viptMachine());
    kernel.enter(kernel.createTask("t").threads[0]);
    const a = kernel.mmap({ pages: 2, prot: RW, placement: { colour: 1 } });
    const b = kernel.mmap({ pages: 2, prot: RW, placement: { pfn: 200 } });
    for (let i = 0; i < 2; i++) {
      kernel.userStore(a.start + i * kernel.pageSize, i);
      kernel.userStore(b.start + i * kernel.pageSize, i);
      expect(kernel.frameColour(a.mm.pte(a.start + i * kernel.pageSize).get()!.pfn)).toBe((1 + i) % 2);
      expect(b.mm.pte(b.start + i * kernel.pageSize).get()!.pfn).toBe(200 + i);
    }
  });
});

describe("files and mappings", () => {
  test("i_mmap and i_mmap_writable follow the mappings; the page cache clears PG_arch_1 on entry", () => {
    const kernel = new Kernel(piptMachine());
    kernel.enter(kernel.createTask("t").threads[0]);
    const file: File = kernel.createFile("f", 1);
    expect(mapping_mapped(file.mapping)).toBe(false);
    const priv = kernel.mmap({ file, pages: 1, prot: RW });
    expect(mapping_mapped(file.mapping)).toBe(true);
    expect(mapping_writably_mapped(file.mapping)).toBe(false);
    const shared = kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    expect(mapping_writably_mapped(file.mapping)).toBe(true);
    expect(file.mapping.vma_interval_tree_foreach(0)).toEqual([priv, shared]);
    kernel.munmap(shared.start, kernel.pageSize);
    expect(mapping_writably_mapped(file.mapping)).toBe(false);
    const page = kernel.alloc_page();
    set_bit(PG_arch_1, page);
    kernel.put_page(page);
    const filled = kernel.pagecacheFill(file, 0, { words: [1], placement: { pfn: page.pfn } });
    expect(filled).toBe(page);
    expect(test_bit(PG_arch_1, filled)).toBe(false);
  });

  test("MAP_SHARED anonymous memory is shared with the child after fork", () => {
    const kernel = new Kernel(piptMachine());
    kernel.enter(kernel.createTask("p").threads[0]);
    const vma = kernel.mmap({ name: "shm", pages: 1, prot: RW, shared: true });
    kernel.userStore(vma.start, 1);
    const child = kernel.fork("c");
    kernel.enter(child.threads[0]);
    kernel.userStore(vma.start, 2);
    kernel.enter(kernel.thread("p"));
    expect(kernel.userLoad(vma.start)).toBe(2);
  });

  test("DAX is refused with -EOPNOTSUPP on an aliasing D-cache in the era that checks (≥ v6.9)", () => {
    const kernel = new Kernel(vivtMachine(), { era: { daxRefusedOnAliasingDcache: true } });
    expect(kernel.cpu_dcache_is_aliasing()).toBe(true);
    expect(() => kernel.createFile("pmem", 1, { dax: true })).toThrow(
      expect.objectContaining({ errno: -EOPNOTSUPP, location: "drivers/dax/super.c: alloc_dax" }),
    );
    expect(new Kernel(vivtMachine()).createFile("pmem", 1, { dax: true }).dax).toBe(true);
  });

  test("DAX on VIVT: a write() through the direct map is not seen by a task that had the page mapped (stale)", () => {
    const machine = vivtMachine();
    const kernel = new Kernel(machine);
    const file = kernel.createFile("pmem", 1, { dax: true });
    kernel.enter(kernel.createTask("t").threads[0]);
    const map = kernel.mmap({ file, pages: 1, prot: RW, shared: true });
    const buf = kernel.mmap({ pages: 1, prot: RW });
    kernel.userLoad(map.start);
    kernel.userStore(buf.start, 0x5a5a);
    kernel.write(file, 0, buf.start, 4);
    kernel.userLoad(map.start);
    expect(machine.violations.some((v) => v.kind === "stale-read")).toBe(true);
  });
});

describe("refusals and BUGs", () => {
  test("KernelRefusal carries a negative errno, a reason and a location; KernelBug a message and a location", () => {
    const refusal = new KernelRefusal(-EINVAL, "why", "mm/mmap.c: do_mmap");
    expect(refusal.errno).toBe(-22);
    expect(refusal.format()).toBe("-EINVAL: why (mm/mmap.c: do_mmap)");
    expect(() => new KernelRefusal(EINVAL, "positive")).toThrow(RangeError);
    const bug = new KernelBug("bad", "arch/mips/mm/init.c: kmap_coherent");
    expect(bug.format()).toBe("kernel BUG at arch/mips/mm/init.c: kmap_coherent: bad");
  });

  test("WARN_ON and printk write the kernel log", () => {
    const kernel = new Kernel(piptMachine());
    expect(kernel.WARN_ON(false, "no", "here")).toBe(false);
    expect(
      kernel.WARN_ON(true, "INEQUIVALENT ALIASES", "arch/parisc/kernel/cache.c: flush_dcache_page"),
    ).toBe(true);
    kernel.printk("hello");
    expect(kernel.log).toEqual([
      "WARNING: arch/parisc/kernel/cache.c: flush_dcache_page: INEQUIVALENT ALIASES",
      "hello",
    ]);
  });

  test("unknown names and kernel threads' user accesses are the scenario's mistakes (UserError)", () => {
    const kernel = new Kernel(piptMachine());
    expect(() => kernel.task("nope")).toThrow(UserError);
    expect(() => kernel.thread("nope")).toThrow(UserError);
    expect(kernel.thread("kworker@0")).toBe(kernel.kworker(0));
    expect(() => kernel.kworker(3)).toThrow(/CPU 3 does not exist/);
    kernel.enter(kernel.kworker(0));
    expect(() => kernel.userLoad(0x1000)).toThrow(UserError);
    expect(() => kernel.copy_from_user(0x1000, 4)).toThrow(KernelRefusal);
    kernel.createTask("a");
    expect(() => kernel.createTask("a")).toThrow(/already exists/);
  });
});
