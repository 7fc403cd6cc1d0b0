// The Linux-like kernel of flushlab: one per run, on one machine. It owns the tasks, files, page frames and
// kernel mappings, calls the hook points where Linux calls them, and carries out the generic code paths
// (faults, COW, fork, munmap, exit, mprotect, read/write, O_DIRECT, writeback, ptrace, DAX, uprobes, mmap
// placement, kmalloc) as methods; the paths themselves live in memory.ts, mmap.ts, filemap.ts,
// direct-io.ts, ptrace.ts and uprobes.ts.
//
// Execution context: like Linux's `current`, the kernel acts on behalf of one thread at a time, set with
// enter(thread) (which switches the thread's CPU to the thread's mm through switch_mm when needed). Kernel
// accesses (memcpy, kmap'd pages) go through the machine in kernel mode on that thread's CPU; user accesses
// made by the kernel on the thread's behalf (copy_from_user) go through the thread's mm.
import { UserError } from "../errors.js";
import type {
  Address,
  CacheKind,
  Fault,
  MachineApi,
  MaintenanceKind,
  MaintenanceOp,
  MaintenanceScope,
} from "../hw/api.js";
import { type DirectIoOptions, directRead, directWrite } from "./direct-io.js";
import type { DmaAddress, DmaDevice, DmaDirection, DmaMapping } from "./dma.js";
import { EFAULT, EINVAL, ENOMEM, KernelBug, KernelRefusal } from "./errors.js";
import { fileRead, fileWrite, pagecacheFill, type TransferMode, writebackPage } from "./filemap.js";
import { installAsmGeneric } from "./generic.js";
import { Highmem, PAGE_KERNEL } from "./highmem.js";
import { createHooks, type HookArgs, type HookName, type HookResult, type KernelHooks } from "./hooks.js";
import { checkKernelLayout, defaultKernelLayout, type KernelLayout, KernelWindows } from "./layout.js";
import { __get_user_pages, handle_mm_fault } from "./memory.js";
import {
  FAULT_FLAG_INSTRUCTION,
  FAULT_FLAG_WRITE,
  FOLL_REMOTE,
  type FramePlacement,
  Mm,
  type PteProt,
  pfn_pte,
  pte_present,
  Task,
  Thread,
  VM_EXEC,
  VM_READ,
  VM_WRITE,
  type Vma,
} from "./mm.js";
import {
  do_mmap,
  do_mprotect,
  do_munmap,
  dup_mmap_copy,
  exit_mmap,
  type MmapRequest,
  rangeIsFree,
  type UnmappedAreaInfo,
  vm_unmapped_area,
} from "./mmap.js";
import { HookObservation, type KernelObserver } from "./observe.js";
import { File, Page, PageReserved, PG_dax, PG_highmem, PG_reserved, PG_slab, set_bit } from "./page.js";
import { access_process_vm } from "./ptrace.js";
import {
  type ScatterEntry,
  SG_MITER_ATOMIC,
  SG_MITER_STOP_FLUSHES,
  SgMiter,
  type SgMiterStopFlush,
} from "./scatterlist.js";
import { xol_free_area, xol_get_insn_slot } from "./uprobes.js";

/**
 * The era parameters of generic (architecture-independent) code: what changed in mm/, lib/ and fs/ over the
 * kernel versions the profiles model. A profile's policy sets them; defaults: {@link DEFAULT_KERNEL_ERA}.
 */
export interface KernelEra {
  /** What sg_miter_stop flushes for SG_MITER_TO_SG (lib/scatterlist.c; reference §1.4). */
  readonly sgMiterStopFlush: SgMiterStopFlush;
  /**
   * alloc_dax refuses DAX with -EOPNOTSUPP when the D-cache aliases (cpu_dcache_is_aliasing(), v6.9 commit
   * 1df4ca0155ac). False: DAX runs on any cache, as from its introduction (≈ v4.0) to v5.12.
   */
  readonly daxRefusedOnAliasingDcache: boolean;
  /** do_anonymous_page maps the shared zero page on a read fault (every version; false to allocate). */
  readonly zeroPage: boolean;
}

/**
 * The default era: sg_miter_stop calls flush_dcache_page (≥ v5.16), DAX is not refused (so that the generic
 * profiles show what DAX does on an aliasing cache), the zero page is used.
 */
export const DEFAULT_KERNEL_ERA: KernelEra = Object.freeze({
  sgMiterStopFlush: "flush_dcache_page",
  daxRefusedOnAliasingDcache: false,
  zeroPage: true,
});

/** How a kernel is set up (a profile supplies these). */
export interface KernelOptions {
  /** Overrides of the default layout (defaultKernelLayout). */
  readonly layout?: Partial<KernelLayout>;
  /** Era parameters of generic code (defaults: DEFAULT_KERNEL_ERA). */
  readonly era?: Partial<KernelEra>;
  /** Names the configuration in errors (a profile id). */
  readonly where?: string;
}

/** A fork stopped in its preemption window: after flush_cache_dup_mm, before the COW PTEs are copied. */
export interface ForkInProgress {
  readonly parent: Task;
  /** The child task (its mm still empty). */
  readonly child: Task;
  /** Finish dup_mmap on the forking thread (switching back to it): copy the mappings; returns the child. */
  finish(): Task;
}

/** One kmalloc size class: the current slab page and the next free offset in it. */
interface SlabCache {
  page: Page | null;
  next: number;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** The kernel model (see the file comment). */
export class Kernel {
  readonly machine: MachineApi;
  /** The hook points (frozen): tap them to implement an architecture or a policy. */
  readonly hooks: KernelHooks;
  readonly layout: KernelLayout;
  readonly pageSize: number;
  /** PAGE_SHIFT. */
  readonly pageShift: number;
  readonly wordsPerPage: number;
  /** The D-cache's number of page colours (1: no aliasing). */
  readonly colours: number;
  /** Architecture windows (reserveWindow). */
  readonly windows: KernelWindows;
  /** pkmap and fixmap state (mm/highmem.c). */
  readonly highmem: Highmem;
  /** The block device (struct device) that DMAs. */
  readonly dev: DmaDevice;
  /** init_mm: the kernel's mm (its page table is the machine's kernel space). */
  readonly init_mm: Mm;
  /** The era parameters of generic code. */
  readonly era: KernelEra;
  /** ZERO_PAGE(0), or null when the kernel maps no zero page. */
  readonly zeroPage: Page | null;
  /** The kernel log (printk, WARN_ON), in order. */
  readonly log: string[] = [];

  private readonly observation: HookObservation;
  private readonly taskTable = new Map<string, Task>();
  private readonly threadTable = new Map<string, Thread>();
  private readonly fileTable = new Map<string, File>();
  private readonly memMap = new Map<number, Page>();
  private readonly usedPfns = new Set<number>();
  private readonly linearMapped = new Set<number>();
  private readonly activeMms: (Mm | null)[];
  private readonly kworkers: (Thread | undefined)[];
  private readonly forking = new Set<Task>();
  private readonly dmaMappings = new Map<DmaAddress, DmaMapping>();
  private readonly vmapAreas = new Map<Address, Page[]>();
  private readonly slabCaches = new Map<number, SlabCache>();
  private currentThread: Thread;
  private vmallocNext: Address;
  private shmemCount = 0;
  private readonly firstPfn: number;
  private readonly lowmemEndPfn: number;
  private readonly highmemEndPfn: number;

  constructor(machine: MachineApi, options: KernelOptions = {}) {
    const where = options.where ?? "kernel";
    this.machine = machine;
    this.pageSize = machine.config.pageSize;
    this.pageShift = Math.log2(this.pageSize);
    this.wordsPerPage = this.pageSize / 4;
    this.colours = machine.colours;
    this.layout = defaultKernelLayout(options.layout);
    checkKernelLayout(this.layout, this.pageSize, machine.config.userTop, machine.config.cpus, where);
    this.era = Object.freeze({ ...DEFAULT_KERNEL_ERA, ...options.era });
    if (!SG_MITER_STOP_FLUSHES.includes(this.era.sgMiterStopFlush)) {
      throw new UserError(
        where,
        `unknown sg_miter_stop era "${String(this.era.sgMiterStopFlush)}" (${SG_MITER_STOP_FLUSHES.join(", ")}).`,
      );
    }
    this.firstPfn = this.layout.physOffset / this.pageSize;
    this.lowmemEndPfn = this.firstPfn + this.layout.lowmemSize / this.pageSize;
    this.highmemEndPfn = this.lowmemEndPfn + this.layout.highmemSize / this.pageSize;
    this.windows = new KernelWindows(
      this.layout.windowStart,
      this.layout.windowEnd,
      this.pageSize,
      this.colours * this.pageSize,
    );
    this.vmallocNext = this.layout.vmallocStart;
    this.hooks = createHooks();
    this.init_mm = new Mm("init_mm", machine.kernelSpace, this.pageSize);
    this.dev = Object.freeze({ name: "disk", coherent: machine.config.dmaCoherent === true });
    this.activeMms = new Array<Mm | null>(machine.config.cpus).fill(null);
    this.kworkers = new Array<Thread | undefined>(machine.config.cpus).fill(undefined);
    this.currentThread = this.kworker(0);
    this.highmem = new Highmem(this);
    this.observation = new HookObservation(this.hooks, machine, () => this.cpu);
    installAsmGeneric(this, this.hooks);
    if (!this.era.zeroPage) this.zeroPage = null;
    else {
      // ZERO_PAGE(0): a reserved lowmem frame, zero as memory starts.
      this.zeroPage = this.alloc_page({ pfn: this.firstPfn });
      set_bit(PG_reserved, this.zeroPage);
    }
  }

  // ── Hooks and observers ─────────────────────────────────────────────────────────────────────────────────────

  /** Observe every hook call (see KernelObserver); returns the unsubscribe function. */
  observe(observer: KernelObserver): () => void {
    return this.observation.observe(observer);
  }

  /** Call hook `name` directly (a scenario's `flush_dcache_page p` step), as generic code would. */
  callHook<K extends HookName>(name: K, ...args: HookArgs<K>): HookResult<K> {
    return this.op(() => {
      const result = (this.hooks[name].call as (...a: unknown[]) => unknown)(...args);
      if (result === undefined) throw new Error(`hook ${name}: no tap handled the call`);
      return result as HookResult<K>;
    });
  }

  /**
   * Run a public operation so that, if it throws (a KernelBug, a KernelRefusal), the hook calls it leaves open
   * are closed for observers (tapable does not tell interceptors about a synchronous throw).
   */
  private op<T>(fn: () => T): T {
    const depth = this.observation.depth;
    try {
      return fn();
    } catch (error) {
      this.observation.unwind(depth, error);
      throw error;
    }
  }

  /** printk: append a line to the kernel log (PA-RISC's "INEQUIVALENT ALIASES", a WARN_ON). */
  printk(message: string): void {
    this.log.push(message);
  }

  /** WARN_ON(condition): log a warning naming `location` when `condition` holds; returns `condition`. */
  WARN_ON(condition: boolean, message: string, location: string): boolean {
    if (condition) this.printk(`WARNING: ${location}: ${message}`);
    return condition;
  }

  // ── Tasks, threads, files ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Create a process named `name` with a fresh mm (page table and ASID) running on `cpu` (default 0), with
   * threads `threads` (default one thread named after the task).
   */
  createTask(name: string, options: { cpu?: number; threads?: readonly string[] } = {}): Task {
    const cpu = this.checkCpu(options.cpu ?? 0, `task ${name}`);
    const threads = options.threads ?? [name];
    this.checkNames(name, threads);
    const mm = new Mm(name, this.machine.createSpace(name), this.pageSize);
    return this.registerTask(new Task(name, mm, cpu), threads);
  }

  /** The task named `name`. */
  task(name: string): Task {
    const task = this.taskTable.get(name);
    if (!task) throw new UserError(`task ${name}`, `no task is named "${name}".`);
    return task;
  }

  /** The thread named `name` (a task's thread, or `kworker@N`). */
  thread(name: string): Thread {
    const m = /^kworker(?:@(\d+))?$/.exec(name);
    if (m) return this.kworker(Number(m[1] ?? 0));
    const thread = this.threadTable.get(name);
    if (!thread) throw new UserError(`thread ${name}`, `no thread is named "${name}".`);
    return thread;
  }

  /** Every task, in creation order. */
  tasks(): Task[] {
    return [...this.taskTable.values()];
  }

  /** The kernel thread `kworker@cpu` (no user mm: it borrows the CPU's active mm, as Linux's lazy TLB). */
  kworker(cpu: number): Thread {
    this.checkCpu(cpu, `kworker@${cpu}`);
    let thread = this.kworkers[cpu];
    if (thread === undefined) {
      const task = new Task(`kworker@${cpu}`, null, cpu);
      thread = new Thread(task.name, task);
      task.threads.push(thread);
      this.kworkers[cpu] = thread;
    }
    return thread;
  }

  /**
   * Create a file of `pages` pages. A DAX file gets its persistent-memory frames now (placed by `placement`),
   * after the alloc_dax hook accepted it (an architecture refuses DAX with -EOPNOTSUPP there).
   */
  createFile(name: string, pages: number, options: { dax?: boolean; placement?: FramePlacement } = {}): File {
    if (this.fileTable.has(name))
      throw new UserError(`file ${name}`, `a file named "${name}" already exists.`);
    if (!Number.isInteger(pages) || pages < 1)
      throw new UserError(`file ${name}`, `a file has at least one page, not ${pages}.`);
    const file = new File(name, pages, options.dax === true, false, this.wordsPerPage);
    if (file.dax) {
      this.callHook("alloc_dax", file);
      const placement = options.placement ?? {};
      for (let i = 0; i < pages; i++) {
        const page = this.alloc_page({
          colour: placement.colour == null ? null : placement.colour + i,
          pfn: placement.pfn == null ? null : placement.pfn + i,
        });
        set_bit(PG_dax, page);
        set_bit(PG_reserved, page);
        page.mapping = null;
        page.index = i;
        file.daxPages.push(page);
      }
    }
    this.fileTable.set(name, file);
    return file;
  }

  /** The file named `name`. */
  file(name: string): File {
    const file = this.fileTable.get(name);
    if (!file) throw new UserError(`file ${name}`, `no file is named "${name}".`);
    return file;
  }

  /** shmem_zero_setup: the hidden file behind a MAP_SHARED|MAP_ANONYMOUS mapping. */
  shmemFile(pages: number): File {
    return new File(`dev/zero (deleted)#${this.shmemCount++}`, pages, false, true, this.wordsPerPage);
  }

  private checkCpu(cpu: number, what: string): number {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.machine.config.cpus) {
      throw new UserError(what, `CPU ${cpu} does not exist (the machine has ${this.machine.config.cpus}).`);
    }
    return cpu;
  }

  private checkNames(task: string, threads: readonly string[]): void {
    if (this.taskTable.has(task))
      throw new UserError(`task ${task}`, `a task named "${task}" already exists.`);
    for (const name of threads) {
      if (this.threadTable.has(name) || /^kworker(@\d+)?$/.test(name) || name === "device") {
        throw new UserError(`thread ${name}`, `the thread name "${name}" is taken.`);
      }
    }
    if (new Set(threads).size !== threads.length)
      throw new UserError(`task ${task}`, "two of its threads have the same name.");
  }

  private registerTask(task: Task, threads: readonly string[]): Task {
    for (const name of threads) {
      const thread = new Thread(name, task);
      task.threads.push(thread);
      this.threadTable.set(name, thread);
    }
    this.taskTable.set(task.name, task);
    return task;
  }

  // ── Execution context (current, smp_processor_id, context_switch) ─────────────────────────────────────────

  /**
   * Run on behalf of `thread` from now on (Linux's `current`). When the thread's CPU has another mm active,
   * context_switch calls switch_mm(prev, next, tsk) first. A kernel thread keeps the CPU's active mm.
   */
  enter(thread: Thread): void {
    if (thread.task.exited)
      throw new UserError(`thread ${thread.name}`, `task ${thread.task.name} has exited.`);
    if (this.forking.has(thread.task)) {
      throw new UserError(
        `thread ${thread.name}`,
        `task ${thread.task.name} is still being forked (its fork window is open).`,
      );
    }
    this.currentThread = thread;
    const mm = thread.task.mm;
    const cpu = thread.cpu;
    if (mm !== null && this.activeMms[cpu] !== mm) {
      this.op(() => {
        this.hooks.switch_mm.call(this.activeMms[cpu], mm, thread.task);
        this.activeMms[cpu] = mm;
      });
    }
  }

  /** current: the thread the kernel runs on behalf of. */
  get current(): Thread {
    return this.currentThread;
  }

  /** smp_processor_id(): the current thread's CPU. */
  get cpu(): number {
    return this.currentThread.cpu;
  }

  /** current->mm (null for a kernel thread). */
  get currentMm(): Mm | null {
    return this.currentThread.task.mm;
  }

  /** The mm active on `cpu` (its user page table), or null before any task ran there. */
  activeMm(cpu: number): Mm | null {
    return this.activeMms[cpu];
  }

  /** current->mm, or a UserError naming `what` when the current thread is a kernel thread. */
  currentMmOrFail(what: string): Mm {
    const mm = this.currentMm;
    if (mm === null)
      throw new UserError(what, `${this.currentThread.name} is a kernel thread: it has no user mm.`);
    return mm;
  }

  /**
   * cpu_dcache_is_aliasing(): whether the D-cache can hold two copies of a physical line under different
   * virtual addresses (VIVT, or VIPT with a way larger than a page).
   */
  cpu_dcache_is_aliasing(): boolean {
    return this.machine.config.dcache.indexing === "vivt" || this.colours > 1;
  }

  /** The era's sg_miter_stop flush (era.sgMiterStopFlush). */
  get sgMiterStopFlush(): SgMiterStopFlush {
    return this.era.sgMiterStopFlush;
  }

  // ── Page frames (mem_map, the page allocator) ──────────────────────────────────────────────────────────────

  /** Whether `pfn` is a frame of RAM (lowmem or highmem). */
  pfn_valid(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= this.firstPfn && pfn < this.highmemEndPfn;
  }

  /** Whether frame `pfn` is in highmem. */
  isHighmemPfn(pfn: number): boolean {
    return pfn >= this.lowmemEndPfn && pfn < this.highmemEndPfn;
  }

  /** pfn_to_page(pfn): the struct page of a frame of RAM. */
  pfn_to_page(pfn: number): Page {
    let page = this.memMap.get(pfn);
    if (page === undefined) {
      if (!this.pfn_valid(pfn)) throw new Error(`pfn_to_page(${pfn}): not a frame of RAM`);
      page = new Page(pfn);
      if (this.isHighmemPfn(pfn)) set_bit(PG_highmem, page);
      this.memMap.set(pfn, page);
    }
    return page;
  }

  /** page_to_phys(page). */
  page_to_phys(page: Page): number {
    return page.pfn * this.pageSize;
  }

  /** is_zero_pfn(pfn). */
  is_zero_pfn(pfn: number): boolean {
    return this.zeroPage !== null && pfn === this.zeroPage.pfn;
  }

  /** The linear-map address frame `pfn` has or would have (PAGE_OFFSET + (pfn - PHYS_PFN_OFFSET) pages). */
  private linearAddress(pfn: number): Address {
    return (this.layout.pageOffset + (pfn - this.firstPfn) * this.pageSize) >>> 0;
  }

  /** The colour of a frame: the colour of its kernel linear-map alias (for highmem, the one it would have). */
  frameColour(pfn: number): number {
    return this.machine.colourOf(this.linearAddress(pfn));
  }

  /**
   * page_address(page): the linear-map address of a lowmem page; for a highmem page, its pkmap address while
   * it is kmapped, else null.
   */
  page_address(page: Page): Address | null {
    if (this.isHighmemPfn(page.pfn)) return this.highmem.pageAddress(page);
    return this.linearAddress(page.pfn);
  }

  /** virt_to_page(kaddr) for a linear-map address. */
  virt_to_page(kaddr: Address): Page {
    const { pageOffset, lowmemSize } = this.layout;
    if (kaddr < pageOffset || kaddr >= pageOffset + lowmemSize) {
      throw new KernelBug(
        `virt_to_page(${hex(kaddr)}): not a linear-map address`,
        "include/linux/mm.h: virt_to_page",
      );
    }
    return this.pfn_to_page(this.firstPfn + Math.floor((kaddr - pageOffset) / this.pageSize));
  }

  /** The page any kernel address maps (linear map, pkmap, fixmap, vmap, an arch window), from its kernel PTE. */
  kmap_to_page(kaddr: Address): Page {
    const pte = this.machine.kernelSpace.pte(kaddr);
    if (!pte_present(pte)) {
      throw new KernelBug(`kmap_to_page(${hex(kaddr)}): no kernel mapping`, "mm/highmem.c: kmap_to_page");
    }
    return this.pfn_to_page(pte.pfn);
  }

  /**
   * alloc_page: a free frame, taken from the top of lowmem (or of highmem with `highmem`), of colour
   * `colour` (modulo the colours) or exactly frame `pfn` when asked. The page comes with one reference and
   * clean state; a lowmem frame gets its linear-map PTE. A placement the machine cannot satisfy is a UserError.
   */
  alloc_page(placement: FramePlacement = {}): Page {
    const pfn = this.pickFrame(placement);
    const page = this.pfn_to_page(pfn);
    page.flags = this.isHighmemPfn(pfn) ? 1 << PG_highmem : 0;
    page.mapping = null;
    page.index = 0;
    page.mapcount = 0;
    page.refcount = 1;
    page.arch = {};
    this.usedPfns.add(pfn);
    if (!this.isHighmemPfn(pfn) && !this.linearMapped.has(pfn)) {
      this.machine.kernelSpace.setPte(this.linearAddress(pfn), pfn_pte(pfn, PAGE_KERNEL));
      this.linearMapped.add(pfn);
    }
    return page;
  }

  private pickFrame(placement: FramePlacement): number {
    const where = "frame placement";
    if (placement.pfn != null) {
      const pfn = placement.pfn;
      if (!this.pfn_valid(pfn)) {
        throw new UserError(
          where,
          `pfn ${pfn} is not a frame of RAM [${this.firstPfn}, ${this.highmemEndPfn}).`,
        );
      }
      if (placement.highmem && !this.isHighmemPfn(pfn))
        throw new UserError(where, `pfn ${pfn} is not in highmem.`);
      if (this.usedPfns.has(pfn)) throw new UserError(where, `pfn ${pfn} is already in use.`);
      return pfn;
    }
    let low = this.firstPfn;
    let high = this.lowmemEndPfn;
    if (placement.highmem) {
      if (this.highmemEndPfn === this.lowmemEndPfn)
        throw new UserError(where, "this profile has no highmem.");
      low = this.lowmemEndPfn;
      high = this.highmemEndPfn;
    }
    const colour =
      placement.colour == null ? null : ((placement.colour % this.colours) + this.colours) % this.colours;
    for (let pfn = high - 1; pfn >= low; pfn--) {
      if (this.usedPfns.has(pfn)) continue;
      if (colour === null || this.frameColour(pfn) === colour) return pfn;
    }
    throw new KernelRefusal(
      -ENOMEM,
      "out of memory: no free frame as asked",
      "mm/page_alloc.c: __alloc_pages",
    );
  }

  /** The placement of the frame of `addr`'s page in `vma` (the mapping's placement moved to that page). */
  placementFor(vma: Vma, addr: Address): FramePlacement {
    const p = vma.placement;
    if (p === null) return {};
    const i = vma.pageIndexOf(addr);
    return {
      colour: p.colour == null ? null : p.colour + i,
      pfn: p.pfn == null ? null : p.pfn + i,
      highmem: p.highmem,
    };
  }

  /** get_page(page): take a reference. */
  get_page(page: Page): void {
    page.refcount++;
  }

  /** put_page(page): drop a reference; the last one frees the frame (reserved pages are never freed). */
  put_page(page: Page): void {
    if (PageReserved(page)) return;
    if (page.refcount <= 0)
      throw new KernelBug(`put_page of free page pfn ${page.pfn}`, "include/linux/mm.h: put_page");
    page.refcount--;
    if (page.refcount === 0) {
      if (page.mapcount !== 0)
        throw new KernelBug(`freeing mapped page pfn ${page.pfn}`, "mm/page_alloc.c: free_pages_prepare");
      page.flags &= 1 << PG_highmem;
      page.mapping = null;
      page.arch = {};
      this.usedPfns.delete(page.pfn);
    }
  }

  // ── Kernel page tables ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Map kernel page `va` to frame `pfn` (set_pte_ext / set_fixmap_pte: a kernel PTE written directly, then
   * local_flush_tlb_kernel_page). For architecture windows and fixmap slots.
   */
  mapKernelPte(va: Address, pfn: number, prot: PteProt = PAGE_KERNEL): void {
    this.machine.kernelSpace.setPte(va, pfn_pte(pfn, prot));
    this.machine.flushTlb(this.cpu, null);
  }

  /** Remove kernel page `va`'s PTE and flush the local TLB entry. */
  clearKernelPte(va: Address): void {
    this.machine.kernelSpace.clearPte(va);
    this.machine.flushTlb(this.cpu, null);
  }

  /** Reserve an architecture window of `pages` pages (see KernelWindows.reserve). */
  reserveWindow(name: string, pages: number, align?: number) {
    return this.windows.reserve(name, pages, align);
  }

  // ── Kernel memory accesses (kernel mode on the current CPU) ───────────────────────────────────────────────

  /** A kernel load. A user address is read with get_user (faulting it in). */
  kernelLoad(va: Address): number {
    if (va < this.machine.config.userTop) return this.get_user(va);
    const r = this.machine.load(this.cpu, va, "kernel");
    return typeof r === "number" ? r : this.oops(r);
  }

  /** A kernel store. A user address is written with put_user. */
  kernelStore(va: Address, value: number): void {
    if (va < this.machine.config.userTop) {
      this.put_user(va, value);
      return;
    }
    const fault = this.machine.store(this.cpu, va, value, "kernel");
    if (fault) this.oops(fault);
  }

  /** `len` bytes of kernel memory at `va`, as words. */
  readKernel(va: Address, len: number): number[] {
    const out: number[] = [];
    for (let o = 0; o < len; o += 4) out.push(this.kernelLoad(va + o));
    return out;
  }

  /** Store `words` at kernel address `va`. */
  writeKernel(va: Address, words: readonly number[]): void {
    for (let i = 0; i < words.length; i++) this.kernelStore(va + 4 * i, words[i]);
  }

  /** memcpy(dst, src, len) between kernel addresses, word by word (each load judged by the oracle). */
  memcpy(dst: Address, src: Address, len: number): void {
    for (let o = 0; o < len; o += 4) this.kernelStore(dst + o, this.kernelLoad(src + o));
  }

  /** memset(dst, value, len): every word of [dst, dst + len) set to `value`. */
  memset(dst: Address, value: number, len: number): void {
    for (let o = 0; o < len; o += 4) this.kernelStore(dst + o, value);
  }

  /** copy_page(to, from). */
  copy_page(to: Address, from: Address): void {
    this.memcpy(to, from, this.pageSize);
  }

  /** clear_page(to). */
  clear_page(to: Address): void {
    this.memset(to, 0, this.pageSize);
  }

  /** Cache maintenance by the current CPU (arch code's primitive). */
  maintain(cache: CacheKind, kind: MaintenanceKind, scope: MaintenanceScope): MaintenanceOp {
    return this.machine.maintain(this.cpu, cache, kind, scope);
  }

  /** "Unable to handle kernel paging request": a kernel access that faulted. */
  private oops(fault: Fault): never {
    throw new KernelBug(
      `Unable to handle kernel paging request at virtual address ${hex(fault.va)} (${fault.access}, ${fault.kind})`,
      "arch/arm/mm/fault.c: __do_kernel_fault",
    );
  }

  // ── uaccess: the kernel touching the current task's user memory ──────────────────────────────────────────

  /** get_user: a kernel-mode load of a user address of current->mm, faulting it in; -EFAULT if unmapped. */
  get_user(uaddr: Address): number {
    for (let attempt = 0; ; attempt++) {
      const r = this.machine.load(this.cpu, this.uaccessCheck(uaddr), "kernel");
      if (typeof r === "number") return r;
      this.uaccessFault(r, attempt);
    }
  }

  /** put_user: a kernel-mode store to a user address of current->mm, faulting it in; -EFAULT if unmapped. */
  put_user(uaddr: Address, value: number): void {
    for (let attempt = 0; ; attempt++) {
      const fault = this.machine.store(this.cpu, this.uaccessCheck(uaddr), value, "kernel");
      if (fault === undefined) return;
      this.uaccessFault(fault, attempt);
    }
  }

  /** copy_from_user: `len` bytes of the current task's memory at `uaddr`, as words. */
  copy_from_user(uaddr: Address, len: number): number[] {
    return this.op(() => {
      const out: number[] = [];
      for (let o = 0; o < len; o += 4) out.push(this.get_user(uaddr + o));
      return out;
    });
  }

  /** copy_to_user: store `words` at the current task's `uaddr`. */
  copy_to_user(uaddr: Address, words: readonly number[]): void {
    this.op(() => {
      for (let i = 0; i < words.length; i++) this.put_user(uaddr + 4 * i, words[i]);
    });
  }

  /**
   * Fault in the pages of [uaddr, uaddr + len) of current->mm for reading or writing (fault_in_readable /
   * fault_in_writeable, without their probing accesses): handle_mm_fault wherever the PTE does not allow it.
   */
  fault_in_user(uaddr: Address, len: number, write: boolean): void {
    const mm = this.uaccessMm();
    const first = uaddr - (uaddr % this.pageSize);
    for (let addr = first; addr < uaddr + len; addr += this.pageSize) {
      const pte = mm.pte(addr).get();
      if (pte_present(pte) && (!write || pte.writable)) continue;
      const vma = mm.vma_lookup(addr);
      if (vma === null || !vma.has(write ? VM_WRITE : VM_READ | VM_WRITE | VM_EXEC)) {
        throw new KernelRefusal(
          -EFAULT,
          `bad user address ${hex(addr)}`,
          "lib/iov_iter.c: fault_in_iov_iter",
        );
      }
      handle_mm_fault(this, vma, addr, write ? FAULT_FLAG_WRITE : 0);
    }
  }

  private uaccessMm(): Mm {
    const mm = this.currentMm;
    if (mm === null) {
      throw new KernelRefusal(
        -EFAULT,
        `${this.currentThread.name} is a kernel thread: no user memory`,
        "arch/arm/lib/uaccess",
      );
    }
    return mm;
  }

  private uaccessCheck(uaddr: Address): Address {
    this.uaccessMm();
    if (uaddr % 4 !== 0 || uaddr >= this.machine.config.userTop) {
      throw new KernelRefusal(-EFAULT, `bad user address ${hex(uaddr)}`, "arch/arm/lib/uaccess (access_ok)");
    }
    return uaddr;
  }

  /** The fixup of a faulting uaccess (do_page_fault in kernel mode on a user address). */
  private uaccessFault(fault: Fault, attempt: number): void {
    if (attempt >= 3) throw new Error(`uaccess fault loop at ${hex(fault.va)}`);
    const mm = this.uaccessMm();
    const vma = mm.vma_lookup(fault.va);
    const needed = fault.access === "store" ? VM_WRITE : VM_READ | VM_WRITE | VM_EXEC;
    if (vma === null || !vma.has(needed)) {
      throw new KernelRefusal(
        -EFAULT,
        `bad user address ${hex(fault.va)} (${fault.access})`,
        "arch/arm/mm/fault.c: do_page_fault",
      );
    }
    handle_mm_fault(this, vma, fault.va, fault.access === "store" ? FAULT_FLAG_WRITE : 0);
  }

  // ── User-mode accesses of the current thread ─────────────────────────────────────────────────────────────

  /** A user load by the current thread; faults are handled (do_page_fault) and the load retried. */
  userLoad(va: Address): number {
    return this.userAccess("load", va, 0);
  }

  /** A user store by the current thread. */
  userStore(va: Address, value: number): void {
    this.userAccess("store", va, value);
  }

  /** A user instruction fetch by the current thread. */
  userIfetch(va: Address): number {
    return this.userAccess("ifetch", va, 0);
  }

  /**
   * The user access of the current thread, retried after each fault it handles. Scenarios make these word by
   * word (a page is 1024 of them), so op()'s unwinding is written out here rather than paid as a closure per
   * word.
   */
  private userAccess(access: "load" | "store" | "ifetch", va: Address, value: number): number {
    const depth = this.observation.depth;
    try {
      const thread = this.currentThread;
      if (thread.task.mm === null)
        throw new UserError(`thread ${thread.name}`, "a kernel thread makes no user accesses.");
      for (let attempt = 0; ; attempt++) {
        const cpu = this.cpu;
        if (access === "store") {
          const fault = this.machine.store(cpu, va, value, "user");
          if (fault === undefined) return 0;
          this.do_page_fault(fault, attempt);
        } else {
          const r = access === "load" ? this.machine.load(cpu, va, "user") : this.machine.ifetch(cpu, va);
          if (typeof r === "number") return r;
          this.do_page_fault(r, attempt);
        }
      }
    } catch (error) {
      this.observation.unwind(depth, error);
      throw error;
    }
  }

  /**
   * do_page_fault (arch/arm/mm/fault.c __do_page_fault) for a user-mode fault: SIGSEGV (a KernelRefusal with
   * -EFAULT) without a VMA or without the permission (VM_WRITE for a store, VM_EXEC for a fetch); otherwise
   * handle_mm_fault.
   */
  private do_page_fault(fault: Fault, attempt: number): void {
    if (attempt >= 3) throw new Error(`fault loop at ${hex(fault.va)} (${fault.access}, ${fault.kind})`);
    const mm = this.currentMm!;
    const segv = (why: string) =>
      new KernelRefusal(
        -EFAULT,
        `SIGSEGV: ${this.currentThread.name} ${fault.access} at ${hex(fault.va)}: ${why}`,
        "arch/arm/mm/fault.c: do_page_fault",
      );
    if (fault.va >= this.machine.config.userTop) throw segv("a kernel address");
    const vma = mm.vma_lookup(fault.va);
    if (vma === null) throw segv("no mapping");
    const needed =
      fault.access === "store"
        ? VM_WRITE
        : fault.access === "ifetch"
          ? VM_EXEC
          : VM_READ | VM_WRITE | VM_EXEC;
    if (!vma.has(needed) || fault.kind === "user-to-kernel") throw segv("the mapping does not allow it");
    const flags =
      fault.access === "store" ? FAULT_FLAG_WRITE : fault.access === "ifetch" ? FAULT_FLAG_INSTRUCTION : 0;
    handle_mm_fault(this, vma, fault.va, flags);
  }

  /** handle_mm_fault(vma, address, flags) (FAULT_FLAG_*), on any mm. */
  handle_mm_fault(vma: Vma, address: Address, flags: number): void {
    this.op(() => handle_mm_fault(this, vma, address, flags));
  }

  // ── Kernel mappings of pages (the kmap hooks) ──────────────────────────────────────────────────────────────

  /** kmap(page) through its hook. */
  kmap(page: Page): Address {
    return this.callHook("kmap", page);
  }

  /** kunmap(page) through its hook. */
  kunmap(page: Page): void {
    this.callHook("kunmap", page);
  }

  /** kmap_atomic(page) through its hook. */
  kmap_atomic(page: Page): Address {
    return this.callHook("kmap_atomic", page);
  }

  /** kunmap_atomic(kvaddr) through its hook. */
  kunmap_atomic(kvaddr: Address): void {
    this.callHook("kunmap_atomic", kvaddr);
  }

  /**
   * vmap(pages) (mm/vmalloc.c): a contiguous kernel range in the vmalloc area mapping `pages`, each PTE
   * installed with set_pte_at(&init_mm, ...), then flush_cache_vmap(start, end).
   */
  vmap(pages: readonly Page[]): Address {
    return this.op(() => {
      const start = this.vmallocNext;
      const end = start + pages.length * this.pageSize;
      if (end + this.pageSize > this.layout.vmallocEnd)
        throw new KernelRefusal(-ENOMEM, "vmalloc space exhausted", "mm/vmalloc.c: vmap");
      this.vmallocNext = end + this.pageSize; // one guard page
      pages.forEach((page, i) => {
        const va = start + i * this.pageSize;
        this.hooks.set_pte_at.call(this.init_mm, va, this.init_mm.pte(va), pfn_pte(page.pfn, PAGE_KERNEL));
      });
      this.vmapAreas.set(start, [...pages]);
      this.hooks.flush_cache_vmap.call(start, end);
      return start;
    });
  }

  /** vunmap(addr): flush_cache_vunmap, clear the PTEs, flush_tlb_kernel_range. */
  vunmap(addr: Address): void {
    this.op(() => {
      const pages = this.vmapAreas.get(addr);
      if (!pages) throw new KernelBug(`vunmap(${hex(addr)}): not a vmap area`, "mm/vmalloc.c: vunmap");
      const end = addr + pages.length * this.pageSize;
      this.hooks.flush_cache_vunmap.call(addr, end);
      for (let va = addr; va < end; va += this.pageSize) this.init_mm.pte(va).clear();
      this.hooks.flush_tlb_kernel_range.call(addr, end);
      this.vmapAreas.delete(addr);
    });
  }

  // ── Processes: mmap, munmap, mprotect, fork, exit ─────────────────────────────────────────────────────────

  /** mmap(2) in the current task (do_mmap); returns the new VMA. */
  mmap(request: MmapRequest): Vma {
    return this.op(() => do_mmap(this, this.currentMmOrFail("mmap"), request));
  }

  /** munmap(2) of [addr, addr + len) in the current task. */
  munmap(addr: Address, len: number): void {
    this.op(() => do_munmap(this, this.currentMmOrFail("munmap"), addr, len));
  }

  /** mprotect(2) of [addr, addr + len) in the current task (prot: PROT_* bits). */
  mprotect(addr: Address, len: number, prot: number): void {
    this.op(() => do_mprotect(this, this.currentMmOrFail("mprotect"), addr, len, prot));
  }

  /** vm_unmapped_area on the current mm (for an architecture's arch_get_unmapped_area). */
  vm_unmapped_area(info: UnmappedAreaInfo): Address {
    return vm_unmapped_area(this.currentMmOrFail("vm_unmapped_area"), info);
  }

  /** Whether [addr, addr + len) is free in the current mm. */
  rangeIsFree(addr: Address, len: number): boolean {
    return rangeIsFree(this.currentMmOrFail("rangeIsFree"), addr, len);
  }

  /**
   * fork(2) of the current task (kernel/fork.c dup_mmap), in two phases: flush_cache_dup_mm(oldmm) now, then
   * ForkInProgress.finish() copies the mappings (write-protecting COW PTEs: ptep_set_wrprotect in the
   * parent, set_pte_at in the child) and calls flush_tlb_mm(oldmm). Between the two, other threads may run:
   * the preemption window. The child runs on `cpu` (default the parent's); its thread has the child's name.
   */
  forkBegin(childName: string, options: { cpu?: number } = {}): ForkInProgress {
    return this.op(() => {
      const parentThread = this.currentThread;
      const parent = parentThread.task;
      const oldmm = this.currentMmOrFail("fork");
      const cpu = this.checkCpu(options.cpu ?? parent.cpu, `task ${childName}`);
      this.checkNames(childName, [childName]);
      const mm = new Mm(childName, this.machine.createSpace(childName), this.pageSize);
      const child = this.registerTask(new Task(childName, mm, cpu), [childName]);
      this.forking.add(child);
      this.hooks.flush_cache_dup_mm.call(oldmm);
      let finished = false;
      return {
        parent,
        child,
        finish: () => {
          if (finished) throw new Error("fork: finish() called twice");
          finished = true;
          this.enter(parentThread);
          this.op(() => dup_mmap_copy(this, oldmm, mm));
          this.forking.delete(child);
          return child;
        },
      };
    });
  }

  /** fork(2) in one call: `window` (if given) runs inside the preemption window. */
  fork(childName: string, options: { cpu?: number; window?: () => void } = {}): Task {
    const inProgress = this.forkBegin(childName, options);
    options.window?.();
    return inProgress.finish();
  }

  /** exit_group(2) of the current task: exit_mmap of its mm; its threads may not act any more. */
  exit(): void {
    this.op(() => {
      const task = this.currentThread.task;
      if (task.mm === null)
        throw new UserError(`thread ${this.currentThread.name}`, "a kernel thread does not exit.");
      exit_mmap(this, task.mm);
      xol_free_area(this, task);
      task.exited = true;
    });
  }

  // ── get_user_pages ─────────────────────────────────────────────────────────────────────────────────────────

  /** get_user_pages(start, nr_pages, gup_flags) on current->mm, through the get_user_pages hook. */
  get_user_pages(start: Address, nrPages: number, gupFlags: number): Page[] {
    return this.get_user_pages_remote(
      this.currentMmOrFail("get_user_pages"),
      start,
      nrPages,
      gupFlags & ~FOLL_REMOTE,
    );
  }

  /** get_user_pages_remote(mm, start, nr_pages, gup_flags): the same on any mm (ptrace, a kworker). */
  get_user_pages_remote(mm: Mm, start: Address, nrPages: number, gupFlags: number): Page[] {
    const remote = mm !== this.currentMm ? FOLL_REMOTE : 0;
    return this.callHook("get_user_pages", mm, start, nrPages, gupFlags | remote);
  }

  /** The slow path itself (what the get_user_pages hook's default runs), for architecture code. */
  __get_user_pages(mm: Mm, start: Address, nrPages: number, gupFlags: number): Page[] {
    return __get_user_pages(this, mm, start, nrPages, gupFlags);
  }

  // ── File I/O, the page cache, DAX ─────────────────────────────────────────────────────────────────────────

  /** read(2): `len` bytes of `file` from byte `pos` into the current task's `ubuf` (DAX files: no page cache). */
  read(file: File, pos: number, ubuf: Address, len: number): void {
    this.op(() => fileRead(this, file, pos, ubuf, len));
  }

  /** write(2): `len` bytes of the current task's `ubuf` into `file` at byte `pos`. */
  write(file: File, pos: number, ubuf: Address, len: number): void {
    this.op(() => fileWrite(this, file, pos, ubuf, len));
  }

  /** The page-cache page of file page `index`, or null (find_get_page). */
  find_get_page(file: File, index: number): Page | null {
    return file.mapping.find_get_page(index);
  }

  /**
   * A page-cache fill by the device: the disk holds `words` at byte `offset` of page `index`; the page enters
   * the page cache (PG_arch_1 cleared) and is filled by DMA or PIO (sg_miter TO_SG|ATOMIC). Returns the page.
   */
  pagecacheFill(
    file: File,
    index: number,
    options: {
      via?: TransferMode;
      offset?: number;
      words?: readonly number[];
      placement?: FramePlacement;
    } = {},
  ): Page {
    if (file.dax) throw new UserError(`file ${file.name}`, "a DAX file has no page cache.");
    return this.op(() =>
      pagecacheFill(
        this,
        file,
        index,
        options.via ?? "dma",
        options.offset ?? 0,
        options.words ?? [],
        options.placement ?? {},
      ),
    );
  }

  /** Write page-cache page `index` back to the disk (page_mkclean, DMA to the device); returns what the device read. */
  writeback(file: File, index: number): number[] {
    if (file.dax) throw new UserError(`file ${file.name}`, "a DAX file has no page cache to write back.");
    return this.op(() => writebackPage(this, file, index));
  }

  // ── O_DIRECT, DMA, scatter-gather ──────────────────────────────────────────────────────────────────────────

  /** read(2) with O_DIRECT into the current task's `ubuf`: the device produces `words`. */
  readDirect(ubuf: Address, words: readonly number[], options: DirectIoOptions = {}): void {
    this.op(() => directRead(this, ubuf, words, options));
  }

  /** write(2) with O_DIRECT of `len` bytes of the current task's `ubuf`; returns what the device read. */
  writeDirect(ubuf: Address, len: number, options: DirectIoOptions = {}): number[] {
    return this.op(() => directWrite(this, ubuf, len, options));
  }

  /** dma_map_page(dev, page, offset, size, dir) through its hook; returns the DMA address. */
  dma_map_page(page: Page, offset: number, size: number, dir: DmaDirection): DmaAddress {
    const addr = this.callHook("dma_map_page", this.dev, page, offset, size, dir);
    this.dmaMappings.set(addr, { addr, size, dir });
    return addr;
  }

  /** dma_unmap_page(dev, addr, size, dir) through its hook (size and dir default to the mapping's). */
  dma_unmap_page(addr: DmaAddress, size?: number, dir?: DmaDirection): void {
    const mapping = this.dmaMappings.get(addr);
    if (mapping === undefined && (size === undefined || dir === undefined)) {
      throw new KernelBug(
        `dma_unmap_page(${hex(addr)}): not a mapped DMA address`,
        "kernel/dma/mapping.c: dma_unmap_page_attrs",
      );
    }
    this.callHook("dma_unmap_page", this.dev, addr, size ?? mapping!.size, dir ?? mapping!.dir);
    this.dmaMappings.delete(addr);
  }

  /** sg_miter_start(sgl, flags) (SG_MITER_*): an iterator; nothing is mapped yet. */
  sg_miter_start(sgl: readonly ScatterEntry[], flags: number): SgMiter {
    for (const entry of sgl) {
      if (entry.offset < 0 || entry.length <= 0 || entry.offset + entry.length > this.pageSize) {
        throw new RangeError(`scatterlist entry ${entry.offset}+${entry.length} does not fit in one page`);
      }
    }
    return new SgMiter(sgl, flags);
  }

  /**
   * sg_miter_next(miter): end the previous step (sg_miter_stop, when one is mapped), then map the next entry
   * with kmap_atomic (SG_MITER_ATOMIC) or kmap; miter.addr is its address plus the entry's offset. False at
   * the end of the list.
   */
  sg_miter_next(miter: SgMiter): boolean {
    return this.op(() => {
      if (miter.addr !== null) this.hooks.sg_miter_stop.call(miter);
      if (miter.next >= miter.sgl.length) return false;
      const entry = miter.sgl[miter.next++];
      miter.page = entry.page;
      const base = miter.flags & SG_MITER_ATOMIC ? this.kmap_atomic(entry.page) : this.kmap(entry.page);
      miter.addr = base + entry.offset;
      miter.length = entry.length;
      miter.consumed = entry.length;
      return true;
    });
  }

  /**
   * sg_miter_stop(miter): end the current step through the sg_miter_stop hook. With no step mapped (after
   * sg_miter_next returned false) Linux's sg_miter_stop does nothing, and the hook is not called.
   */
  sg_miter_stop(miter: SgMiter): void {
    if (miter.addr !== null) this.callHook("sg_miter_stop", miter);
  }

  /** sg_set_buf: the scatterlist entry of a kernel (linear-map, e.g. kmalloc) buffer. */
  sg_set_buf(buf: Address, len: number): ScatterEntry {
    return { page: this.virt_to_page(buf), offset: buf % this.pageSize, length: len };
  }

  // ── ptrace, uprobes, slab ─────────────────────────────────────────────────────────────────────────────────

  /** access_process_vm for reading: `len` bytes of `tsk`'s memory at `addr` (PTRACE_PEEKDATA). */
  ptracePeek(tsk: Task, addr: Address, len: number): number[] {
    return this.op(() => access_process_vm(this, tsk, addr, len, null));
  }

  /** access_process_vm for writing `words` at `tsk`'s `addr` (PTRACE_POKEDATA / POKETEXT). */
  ptracePoke(tsk: Task, addr: Address, words: readonly number[]): void {
    this.op(() => access_process_vm(this, tsk, addr, words.length * 4, words));
  }

  /**
   * A uprobe hit in the current task: xol_get_insn_slot copies `insn` into XOL slot `slot` through
   * arch_uprobe_copy_ixol (creating the XOL area the first time). Returns the slot's user address.
   */
  uprobeXol(insn: readonly number[], slot = 0): Address {
    return this.op(() => xol_get_insn_slot(this, insn, slot));
  }

  /**
   * kmalloc(size): an object from a slab page (PG_slab, lowmem), aligned to the cache line
   * (ARCH_KMALLOC_MINALIGN) and to its power-of-two size class; returns its kernel address.
   */
  kmalloc(size: number): Address {
    if (!Number.isInteger(size) || size < 1 || size > this.pageSize) {
      throw new KernelRefusal(
        -EINVAL,
        `kmalloc of ${size} bytes (1 to PAGE_SIZE)`,
        "mm/slab_common.c: kmalloc",
      );
    }
    const line = this.machine.config.dcache.lineSize;
    let cls = Math.max(line, 4);
    while (cls < size) cls *= 2;
    let cache = this.slabCaches.get(cls);
    if (cache === undefined) {
      cache = { page: null, next: 0 };
      this.slabCaches.set(cls, cache);
    }
    if (cache.page === null || cache.next + cls > this.pageSize) {
      cache.page = this.alloc_page({});
      set_bit(PG_slab, cache.page);
      cache.next = 0;
    }
    const addr = this.page_address(cache.page)! + cache.next;
    cache.next += cls;
    return addr;
  }
}
