// The executors of core's scenario operations (ops.ts): each does what its op's table entry says through the
// kernel model's public API (kernel/index.ts), or, for the device, through the machine's DMA port. The names
// of the Linux functions each one drives are in the op table (`linux`) and in the kernel's methods.

import type { Kernel, MmapRequest } from "../kernel/index.js";
import {
  type DmaDirection,
  FOLL_WRITE,
  type Page,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  SG_MITER_ATOMIC,
  SG_MITER_FROM_SG,
  SG_MITER_TO_SG,
  type Task,
} from "../kernel/index.js";
import type { MapDecl, Protection } from "./ast.js";
import type { ScenarioOpExecutor, StepContext } from "./run-context.js";

/** PROT_* bits of a protection. */
export function protBits(prot: Protection): number {
  return (prot.r ? PROT_READ : 0) | (prot.w ? PROT_WRITE : 0) | (prot.x ? PROT_EXEC : 0);
}

/** The mmap request of a `maps` entry or an `mmap` step. */
export function mmapRequest(kernel: Kernel, map: MapDecl): MmapRequest {
  return {
    name: map.name,
    file: map.file === null ? null : kernel.file(map.file),
    pgoff: map.pgoff,
    pages: map.pages,
    prot: protBits(map.prot),
    shared: map.shared,
    fixed: map.fixed,
    addr: map.at,
    colour: map.colour,
    placement: { colour: map.frameColour, pfn: map.pfn, highmem: map.highmem },
  };
}

const DMA_DIRECTION: Readonly<Record<string, DmaDirection>> = {
  to_device: "DMA_TO_DEVICE",
  from_device: "DMA_FROM_DEVICE",
  bidirectional: "DMA_BIDIRECTIONAL",
};

const SG_FLAG: Readonly<Record<string, number>> = {
  TO_SG: SG_MITER_TO_SG,
  FROM_SG: SG_MITER_FROM_SG,
  ATOMIC: SG_MITER_ATOMIC,
};

/** Whether an address argument is a user address (a mapping or a uaddr binding) rather than a kernel one. */
function isUserAddress(ctx: StepContext, i: number): boolean {
  const arg = ctx.arg(i);
  return arg.kind === "address" && (arg.baseKind === "map" || arg.baseKind === "uaddr");
}

/** The mm of a `TASK` parameter, or the actor's: get_user_pages on current->mm or remote. */
function gup(ctx: StepContext, task: Task, addr: number, pages: number, flags: number): Page[] {
  const { kernel } = ctx;
  if (task.mm === null) ctx.fail(`task ${task.name} has no user mm`);
  if (kernel.currentMm === task.mm) return kernel.get_user_pages(addr, pages, flags);
  return kernel.get_user_pages_remote(task.mm, addr, pages, flags);
}

/** The user page of `addr` in `task`: its VMA and the page its PTE maps (for the hooks that take a page). */
function mappedPage(ctx: StepContext, task: Task, addr: number): Page {
  const pte = task.mm?.pte(addr).get();
  if (!pte?.present) ctx.fail(`0x${addr.toString(16)} is not mapped in task ${task.name} (no present PTE)`);
  return ctx.kernel.pfn_to_page(pte.pfn);
}

function vmaAt(ctx: StepContext, task: Task, addr: number) {
  const vma = task.mm?.vma_lookup(addr) ?? null;
  if (vma === null) ctx.fail(`0x${addr.toString(16)} is in no mapping of task ${task.name}`);
  return vma;
}

/** Every core op's executor, by op name. */
export const CORE_EXECUTORS: Readonly<Record<string, ScenarioOpExecutor>> = Object.freeze({
  // ── user memory (kernel mode for kernel addresses) ───────────────────────────────────────────────────────
  load(ctx: StepContext) {
    const va = ctx.address(ctx.arg(0));
    const user = isUserAddress(ctx, 0);
    for (let i = 0; i < ctx.len(); i++) {
      if (user) ctx.kernel.userLoad(va + 4 * i);
      else ctx.kernel.kernelLoad(va + 4 * i);
    }
  },
  store(ctx: StepContext) {
    const va = ctx.address(ctx.arg(0));
    const value = ctx.arg(1);
    const words = ctx.words(value, ctx.len(value));
    const user = isUserAddress(ctx, 0);
    words.forEach((word, i) => {
      if (user) ctx.kernel.userStore(va + 4 * i, word);
      else ctx.kernel.kernelStore(va + 4 * i, word);
    });
  },
  ifetch(ctx: StepContext) {
    const va = ctx.address(ctx.arg(0));
    for (let i = 0; i < ctx.len(); i++) ctx.kernel.userIfetch(va + 4 * i);
  },

  // ── processes ───────────────────────────────────────────────────────────────────────────────────────────
  mmap(ctx: StepContext) {
    const map = ctx.step.map;
    if (!map) ctx.fail("the parser gave this mmap step no mapping");
    ctx.kernel.mmap(mmapRequest(ctx.kernel, map));
  },
  munmap(ctx: StepContext) {
    const vma = ctx.vma(ctx.actorTask(), ctx.name(0));
    ctx.kernel.munmap(vma.start, vma.end - vma.start);
  },
  mprotect(ctx: StepContext) {
    const vma = ctx.vma(ctx.actorTask(), ctx.name(0));
    const text = ctx.name(1);
    const prot: Protection =
      text === "none"
        ? { r: false, w: false, x: false }
        : { r: text.includes("r"), w: text.includes("w"), x: text.includes("x") };
    ctx.kernel.mprotect(vma.start, vma.end - vma.start, protBits(prot));
  },
  fork(ctx: StepContext) {
    const name = ctx.step.bind;
    if (name === null) ctx.fail("fork needs -> TASK");
    const cpu = ctx.int("cpu");
    const inProgress = ctx.kernel.forkBegin(name, cpu === null ? {} : { cpu });
    // the preemption window: other actors' steps, between flush_cache_dup_mm and the COW write-protect
    if (ctx.step.window && ctx.step.window.length > 0) ctx.run.runWindow(ctx.step, ctx.step.window);
    const child = inProgress.finish();
    ctx.bind({ kind: "task", task: child });
  },
  exit(ctx: StepContext) {
    ctx.kernel.exit();
  },

  // ── system calls ────────────────────────────────────────────────────────────────────────────────────────
  read(ctx: StepContext) {
    const { file, pos } = ctx.filePosition(ctx.arg(0));
    ctx.kernel.read(file, pos, ctx.address(ctx.arg(1)), 4 * ctx.len());
  },
  write(ctx: StepContext) {
    const { file, pos } = ctx.filePosition(ctx.arg(0));
    ctx.kernel.write(file, pos, ctx.address(ctx.arg(1)), 4 * ctx.len());
  },
  read_direct(ctx: StepContext) {
    const value = ctx.arg(1);
    const words = ctx.words(value, ctx.len(value));
    ctx.kernel.readDirect(ctx.address(ctx.arg(0)), words, { via: ctx.word("via") === "pio" ? "pio" : "dma" });
  },
  write_direct(ctx: StepContext) {
    ctx.kernel.writeDirect(ctx.address(ctx.arg(0)), 4 * ctx.len(), {
      via: ctx.word("via") === "pio" ? "pio" : "dma",
    });
  },
  ptrace_peek(ctx: StepContext) {
    ctx.kernel.ptracePeek(ctx.task(ctx.name(0)), ctx.address(ctx.arg(1)), 4 * ctx.len());
  },
  ptrace_poke(ctx: StepContext) {
    const value = ctx.arg(2);
    ctx.kernel.ptracePoke(ctx.task(ctx.name(0)), ctx.address(ctx.arg(1)), ctx.words(value, ctx.len(value)));
  },

  // ── kernel ──────────────────────────────────────────────────────────────────────────────────────────────
  get_user_pages(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    const addr = ctx.address(ctx.arg(1));
    const flags = ctx.int("write") === 1 ? FOLL_WRITE : 0;
    const pages = gup(ctx, task, addr, ctx.int("pages") ?? 1, flags);
    ctx.bind({ kind: "page", pages });
  },
  put_page(ctx: StepContext) {
    for (const page of ctx.pages(ctx.arg(0))) ctx.kernel.put_page(page);
  },
  kmap(ctx: StepContext) {
    ctx.bind({ kind: "kaddr", addr: ctx.kernel.kmap(ctx.page(ctx.arg(0))), size: ctx.pageSize });
  },
  kunmap(ctx: StepContext) {
    ctx.kernel.kunmap(ctx.page(ctx.arg(0)));
  },
  kmap_atomic(ctx: StepContext) {
    ctx.bind({ kind: "kaddr", addr: ctx.kernel.kmap_atomic(ctx.page(ctx.arg(0))), size: ctx.pageSize });
  },
  kunmap_atomic(ctx: StepContext) {
    ctx.kernel.kunmap_atomic(ctx.binding(ctx.name(0), "kaddr").addr);
  },
  kmalloc(ctx: StepContext) {
    const size = 4 * (ctx.int("words") ?? 1);
    ctx.bind({ kind: "kaddr", addr: ctx.kernel.kmalloc(size), size });
  },
  memcpy(ctx: StepContext) {
    ctx.kernel.memcpy(ctx.address(ctx.arg(0)), ctx.address(ctx.arg(1)), 4 * ctx.len());
  },
  memset(ctx: StepContext) {
    const value = ctx.arg(1);
    ctx.kernel.writeKernel(ctx.address(ctx.arg(0)), ctx.words(value, ctx.len(value)));
  },
  sg_miter_start(ctx: StepContext) {
    const arg = ctx.arg(0);
    const flags = ctx.flags("flags").reduce((bits, flag) => bits | (SG_FLAG[flag] ?? 0), 0);
    let entry: { page: Page; offset: number; length: number };
    if (arg.kind === "address" && arg.baseKind === "kaddr") {
      // sg_set_buf on a kmalloc buffer: its slab page, at the object's offset
      const buf = ctx.binding(arg.base, "kaddr", arg.where);
      entry = ctx.kernel.sg_set_buf(buf.addr, buf.size ?? 4);
    } else {
      entry = { page: ctx.page(arg), offset: 0, length: ctx.pageSize };
    }
    ctx.bind({ kind: "iter", miter: ctx.kernel.sg_miter_start([entry], flags) });
  },
  sg_miter_next(ctx: StepContext) {
    const { miter } = ctx.binding(ctx.name(0), "iter");
    if (!ctx.kernel.sg_miter_next(miter) || miter.addr === null) {
      ctx.fail("the iteration is over: its one-page scatterlist has no next page");
    }
    ctx.bind({ kind: "kaddr", addr: miter.addr, size: miter.length });
  },
  sg_miter_stop(ctx: StepContext) {
    ctx.kernel.sg_miter_stop(ctx.binding(ctx.name(0), "iter").miter);
  },
  dma_map_page(ctx: StepContext) {
    const dir = DMA_DIRECTION[ctx.word("dir") ?? ""];
    if (!dir) ctx.fail("dma_map_page needs dir=to_device|from_device|bidirectional");
    ctx.bind({ kind: "handle", addr: ctx.kernel.dma_map_page(ctx.page(ctx.arg(0)), 0, ctx.pageSize, dir) });
  },
  dma_unmap_page(ctx: StepContext) {
    ctx.kernel.dma_unmap_page(ctx.binding(ctx.name(0), "handle").addr);
  },
  pagecache_fill(ctx: StepContext) {
    const { file, index, offset } = ctx.filePosition(ctx.arg(0));
    const value = ctx.arg(1);
    ctx.kernel.pagecacheFill(file, index, {
      via: ctx.word("via") === "pio" ? "pio" : "dma",
      offset,
      words: ctx.words(value, ctx.len(value)),
    });
  },
  writeback(ctx: StepContext) {
    const arg = ctx.arg(0);
    const { file, index } = ctx.filePosition(arg);
    ctx.kernel.writeback(file, index);
  },
  uprobe_xol(ctx: StepContext) {
    const value = ctx.arg(0);
    const words = ctx.words(value, value.kind === "string" ? ctx.len(value) : 1);
    const addr = ctx.kernel.uprobeXol(words, ctx.int("slot") ?? 0);
    ctx.bind({ kind: "uaddr", addr, task: ctx.actorTask().name });
  },

  // ── cachetlb hooks called directly ──────────────────────────────────────────────────────────────────────
  flush_cache_mm(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    if (task.mm === null) ctx.fail(`task ${task.name} has no mm`);
    ctx.kernel.callHook("flush_cache_mm", task.mm);
  },
  flush_cache_dup_mm(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    if (task.mm === null) ctx.fail(`task ${task.name} has no mm`);
    ctx.kernel.callHook("flush_cache_dup_mm", task.mm);
  },
  flush_cache_range(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    const start = ctx.address(ctx.arg(1));
    const end = ctx.address(ctx.arg(2));
    if (end <= start) ctx.fail("END must be above START");
    ctx.kernel.callHook("flush_cache_range", vmaAt(ctx, task, start), start, end);
  },
  flush_cache_page(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    const addr = ctx.address(ctx.arg(1));
    const vmaddr = addr - (addr % ctx.pageSize);
    ctx.kernel.callHook("flush_cache_page", vmaAt(ctx, task, addr), vmaddr, mappedPage(ctx, task, addr).pfn);
  },
  flush_dcache_page(ctx: StepContext) {
    ctx.kernel.callHook("flush_dcache_page", ctx.page(ctx.arg(0)));
  },
  flush_anon_page(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    const addr = ctx.address(ctx.arg(1));
    const vmaddr = addr - (addr % ctx.pageSize);
    ctx.kernel.callHook("flush_anon_page", vmaAt(ctx, task, addr), ctx.page(ctx.arg(2)), vmaddr);
  },
  flush_kernel_dcache_page(ctx: StepContext) {
    ctx.kernel.callHook("flush_kernel_dcache_page", ctx.page(ctx.arg(0)));
  },
  flush_icache_range(ctx: StepContext) {
    ctx.kernel.callHook("flush_icache_range", ctx.address(ctx.arg(0)), ctx.address(ctx.arg(1)));
  },
  flush_icache_page(ctx: StepContext) {
    const task = ctx.task(ctx.name(0));
    const addr = ctx.address(ctx.arg(1));
    ctx.kernel.callHook("flush_icache_page", vmaAt(ctx, task, addr), mappedPage(ctx, task, addr));
  },
  flush_cache_vmap(ctx: StepContext) {
    ctx.kernel.callHook("flush_cache_vmap", ctx.address(ctx.arg(0)), ctx.address(ctx.arg(1)));
  },
  flush_cache_vunmap(ctx: StepContext) {
    ctx.kernel.callHook("flush_cache_vunmap", ctx.address(ctx.arg(0)), ctx.address(ctx.arg(1)));
  },

  // ── the device ──────────────────────────────────────────────────────────────────────────────────────────
  dma_write(ctx: StepContext) {
    const pa = ctx.address(ctx.arg(0));
    const value = ctx.arg(1);
    ctx.words(value, ctx.len(value)).forEach((word, i) => {
      ctx.machine.dmaWrite(pa + 4 * i, word);
    });
  },
  dma_read(ctx: StepContext) {
    const pa = ctx.address(ctx.arg(0));
    for (let i = 0; i < ctx.len(); i++) ctx.machine.dmaRead(pa + 4 * i);
  },
} satisfies Record<string, ScenarioOpExecutor>);
