// The hooks object, replacing and adding to hooks by stage, and the observers.
import { describe, expect, test } from "vitest";
import {
  addToHook,
  asmGeneric,
  callNext,
  HOOK_NAMES,
  type HookCall,
  KernelBug,
  type Page,
  PROT_READ,
  PROT_WRITE,
  replaceHook,
  STAGE_ARCH,
  STAGE_DEFAULT,
  STAGE_OVERRIDE,
} from "../src/kernel/index.js";
import { genericKernel, HookRecorder, piptMachine, vivtMachine } from "./kernel-helpers.js";

const RW = PROT_READ | PROT_WRITE;

/** The hook points the brief requires by their Linux names. */
const REQUIRED = [
  "flush_cache_mm",
  "flush_cache_dup_mm",
  "flush_cache_range",
  "flush_cache_page",
  "flush_dcache_page",
  "flush_anon_page",
  "flush_kernel_dcache_page",
  "copy_user_highpage",
  "clear_user_highpage",
  "copy_to_user_page",
  "copy_from_user_page",
  "flush_icache_range",
  "flush_icache_page",
  "flush_icache_user_page",
  "set_pte_at",
  "update_mmu_cache",
  "ptep_clear_flush",
  "kmap",
  "kunmap",
  "kmap_atomic",
  "kunmap_atomic",
  "get_user_pages",
  "sg_miter_stop",
  "switch_mm",
  "arch_get_unmapped_area",
  "dma_map_page",
  "dma_unmap_page",
  "arch_uprobe_copy_ixol",
  "flush_cache_vmap",
  "flush_cache_vunmap",
  "flush_cache_kmaps",
  "page_mkclean",
  "copy_user_page",
  "clear_user_page",
];

function kernelWithTask(machine = piptMachine()) {
  const kernel = genericKernel(machine);
  kernel.enter(kernel.createTask("t").threads[0]);
  return kernel;
}

describe("the hooks object", () => {
  test("is frozen, has every required hook by its Linux name, and an asm-generic default on each", () => {
    const kernel = genericKernel(piptMachine());
    expect(Object.isFrozen(kernel.hooks)).toBe(true);
    for (const name of REQUIRED) expect(HOOK_NAMES).toContain(name);
    for (const name of HOOK_NAMES) {
      const taps = kernel.hooks[name].taps;
      expect(taps.at(-1)).toMatchObject({ name: "asm-generic", stage: STAGE_DEFAULT });
      expect(typeof asmGeneric[name]).toBe("function");
    }
    expect(() => {
      (kernel.hooks as unknown as Record<string, unknown>).flush_dcache_page = null;
    }).toThrow(TypeError);
  });
});

describe("replacing and adding", () => {
  test("a plugin replacing one hook keeps the others", () => {
    const kernel = kernelWithTask();
    const seen: string[] = [];
    replaceHook(kernel.hooks, "flush_dcache_page", "arch", (page) => {
      seen.push(`arch flush_dcache_page ${page.pfn}`);
    });
    replaceHook(kernel.hooks, "kmap_atomic", "arch", (page) => {
      seen.push("arch kmap_atomic");
      return kernel.page_address(page)!;
    });
    // A user's policy replaces flush_dcache_page only.
    replaceHook(kernel.hooks, "flush_dcache_page", { name: "user", stage: STAGE_OVERRIDE }, () => {
      seen.push("user flush_dcache_page");
    });
    const vma = kernel.mmap({ pages: 1, prot: RW });
    kernel.userStore(vma.start, 1);
    seen.length = 0;
    const [page] = kernel.get_user_pages(vma.start, 1, 0);
    const kaddr = kernel.kmap_atomic(page);
    expect(kaddr).toBe(kernel.page_address(page));
    expect(seen).toEqual(["user flush_dcache_page", "arch kmap_atomic"]);
  });

  test("a replacement's result is the hook's result; void replacements end the call", () => {
    const kernel = kernelWithTask();
    const page = kernel.alloc_page();
    replaceHook(kernel.hooks, "kmap", "arch", () => 0xe000_0000);
    expect(kernel.kmap(page)).toBe(0xe000_0000);
    let defaultRan = false;
    addToHook(kernel.hooks, "kunmap", { name: "after", stage: STAGE_DEFAULT - 1 }, () => {
      defaultRan = true;
    });
    replaceHook(kernel.hooks, "kunmap", "arch", () => undefined);
    kernel.kunmap(page);
    expect(defaultRan).toBe(false);
  });

  test("add taps run in stage order, then the tap that handles the call", () => {
    const kernel = kernelWithTask();
    const order: string[] = [];
    const add = (name: string, stage: number) =>
      addToHook(kernel.hooks, "flush_dcache_page", { name, stage }, () => {
        order.push(name);
      });
    add("late", 500);
    add("early", -50);
    add("arch-add", STAGE_ARCH);
    add("user", STAGE_OVERRIDE);
    add("mid", -10);
    replaceHook(kernel.hooks, "flush_dcache_page", { name: "arch", stage: 100 }, () => {
      order.push("arch");
    });
    kernel.callHook("flush_dcache_page", kernel.alloc_page());
    // Taps after the replacement (stage 500) do not run: the replacement handled the call.
    expect(order).toEqual(["user", "early", "mid", "arch-add", "arch"]);
  });

  test("adding to a value hook keeps the default's value", () => {
    const kernel = kernelWithTask();
    const page = kernel.alloc_page();
    const seen: Page[] = [];
    addToHook(kernel.hooks, "kmap_atomic", "spy", (p) => {
      seen.push(p);
    });
    expect(kernel.kmap_atomic(page)).toBe(kernel.page_address(page));
    expect(seen).toEqual([page]);
  });

  test("callNext lets a policy wrap the architecture's implementation", () => {
    const kernel = kernelWithTask();
    const page = kernel.alloc_page();
    const order: string[] = [];
    replaceHook(kernel.hooks, "kmap", "arch", (p) => {
      order.push("arch");
      return kernel.page_address(p)! + 0;
    });
    replaceHook(kernel.hooks, "kmap", { name: "wrap", stage: STAGE_OVERRIDE }, (p) => {
      order.push("before");
      const addr = callNext(kernel.hooks, "kmap", STAGE_OVERRIDE, p);
      order.push("after");
      return addr;
    });
    expect(kernel.kmap(page)).toBe(kernel.page_address(page));
    expect(order).toEqual(["before", "arch", "after"]);
  });

  test("an architecture can do the asm-generic thing and more through asmGeneric", () => {
    const kernel = kernelWithTask(vivtMachine());
    const page = kernel.alloc_page();
    replaceHook(kernel.hooks, "kunmap_atomic", "arch", (kvaddr) => {
      kernel.maintain("d", "flush", { scope: "va", start: kvaddr, length: kernel.pageSize, asid: 0 });
      asmGeneric.kunmap_atomic(kernel, kvaddr);
    });
    const rec = new HookRecorder(kernel);
    const kaddr = kernel.kmap_atomic(page);
    kernel.kernelStore(kaddr, 5);
    kernel.kunmap_atomic(kaddr);
    const call = rec.calls.find((c) => c.hook === "kunmap_atomic")!;
    expect(call.ops).toHaveLength(1);
    expect(call.ops[0]).toMatchObject({ kind: "flush", scope: "va", start: kaddr, linesTouched: 1 });
    expect(kernel.machine.peekMemory(kernel.page_to_phys(page))).toBe(5);
  });
});

describe("observers", () => {
  test("see nested hook calls with depth and parent, and the maintenance operations each issued", () => {
    const kernel = kernelWithTask();
    addToHook(kernel.hooks, "kmap_atomic", "arch", () => {
      kernel.maintain("d", "clean", { scope: "all" });
    });
    addToHook(kernel.hooks, "copy_user_page", "arch", () => {
      kernel.maintain("d", "invalidate", { scope: "all" });
    });
    const exits: HookCall[] = [];
    const stop = kernel.observe({ hookExit: (call) => exits.push(call) });
    kernel.callHook(
      "copy_user_highpage",
      kernel.alloc_page(),
      kernel.alloc_page(),
      0x4000_0000,
      null as never,
    );
    stop();
    const names = exits.map((c) => `${c.depth}:${c.hook}`);
    // Exits come innermost first; the outer call exits last.
    expect(names).toEqual([
      "1:kmap_atomic",
      "1:kmap_atomic",
      "1:copy_user_page",
      "1:kunmap_atomic",
      "1:kunmap_atomic",
      "0:copy_user_highpage",
    ]);
    const outer = exits.at(-1)!;
    expect(exits.slice(0, -1).every((c) => c.parent === outer)).toBe(true);
    expect(outer.ops.map((op) => op.kind)).toEqual(["clean", "clean", "invalidate"]);
    expect(outer.ownOps).toEqual([]);
    expect(exits[0].ownOps.map((op) => op.kind)).toEqual(["clean"]);
    expect(exits[2].ops.map((op) => op.kind)).toEqual(["invalidate"]);
    expect(outer.result).toBe(true);
  });

  test("see TLB flushes; unsubscribing stops the records; observing changes nothing", () => {
    const run = (observe: boolean) => {
      const machine = vivtMachine();
      const kernel = kernelWithTask(machine);
      const calls: HookCall[] = [];
      const stop = observe ? kernel.observe({ hookExit: (c) => calls.push(c) }) : () => {};
      const vma = kernel.mmap({ pages: 2, prot: RW });
      kernel.userStore(vma.start, 1);
      kernel.userLoad(vma.start + kernel.pageSize);
      kernel.userStore(vma.start + kernel.pageSize, 2);
      kernel.munmap(vma.start, 2 * kernel.pageSize);
      stop();
      const before = calls.length;
      kernel.mmap({ pages: 1, prot: RW });
      expect(calls.length).toBe(before);
      return { costs: machine.costs(), violations: machine.finish(), calls };
    };
    const observed = run(true);
    const plain = run(false);
    expect(observed.costs).toEqual(plain.costs);
    expect(observed.violations).toEqual(plain.violations);
    const flushTlb = observed.calls.find((c) => c.hook === "flush_tlb_range")!;
    expect(flushTlb.tlbFlushes.length).toBeGreaterThan(0);
  });

  test("a hook that throws closes the calls left open, with the error, and later calls are at depth 0 again", () => {
    const kernel = kernelWithTask();
    replaceHook(kernel.hooks, "clear_user_page", "arch", () => {
      throw new KernelBug("boom", "arch/test: clear_user_page");
    });
    const exits: HookCall[] = [];
    kernel.observe({ hookExit: (c) => exits.push(c) });
    const vma = kernel.mmap({ pages: 1, prot: RW });
    expect(() => kernel.userStore(vma.start, 1)).toThrow(KernelBug);
    const failed = exits.filter((c) => c.error instanceof KernelBug).map((c) => c.hook);
    expect(failed).toEqual(["clear_user_page", "clear_user_highpage"]);
    exits.length = 0;
    kernel.callHook("flush_dcache_page", kernel.alloc_page());
    expect(exits.map((c) => c.depth)).toEqual([0]);
  });
});
