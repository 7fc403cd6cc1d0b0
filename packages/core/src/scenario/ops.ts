// The operation table of the scenario format (version 1): for every op a step may name, its positional
// parameters, its key=value options, the binding it may define (`-> name`), the actors that may issue it, and a
// one-line doc. The parser (parse.ts) validates steps against it, the JSON Schema (schema.ts) is generated from
// it, docs/scenario-format.md documents it, and the runner (run.ts) executes what it describes.
//
// Extensible: an architecture package registers its own operations (such as MIPS `kmap_coherent`) with
// `registerOp(spec)` on the default registry (or on an `OpRegistry` of its own) from its explicit register
// function, never at import. Parse-time validation accepts every op known to the registry; the runner refuses
// an op whose `arch` the profile lacks (`opAvailableOn`).
import type { Arg, Step } from "./ast.js";

/** Who issues a step. A thread runs in user mode for user addresses and in kernel mode (on behalf of its
 * task) for kernel operations; `kworker`/`kworker@N` is a kernel thread (no user mm) on CPU N; `device` is the
 * DMA device. */
export type ActorKind = "thread" | "kworker" | "device";

/** What a `-> name` binding denotes. */
export type BindingKind =
  /** A struct page (or, with `pages=N`, N consecutive pages: `p` or `p[0]` is the first, `p[i]` the i-th). */
  | "page"
  /** A kernel virtual address (linear map, pkmap slot, fixmap slot, slab object). */
  | "kaddr"
  /** A user virtual address in the issuing task (the uprobes XOL slot). */
  | "uaddr"
  /** A task (a process: its own mm); its one thread carries the same name. */
  | "task"
  /** A scatter-gather mapping iterator (struct sg_mapping_iter). */
  | "iter"
  /** A DMA address (dma_addr_t) returned by dma_map_page. */
  | "handle";

/** What an address expression (`base`, `base+off`, `base[page]+off`) may start from. */
export type AddressBase =
  /** A mapping (a task's `maps` entry or an `mmap` step): a user address in the task the op acts on. */
  | "map"
  /** A declared file: `FILE[page]+off` is byte `page * PAGE_SIZE + off` of the file. */
  | "file"
  | "page"
  | "kaddr"
  | "uaddr"
  | "handle";

/**
 * The kind of a positional parameter, and the AST Arg it becomes:
 * - `address`: AddressArg, an address expression whose base is one of `bases`; the offset must be word
 *   aligned. User-address bases (`map`) resolve in the task named by the op's `task` parameter if it has one,
 *   else in the actor's task.
 * - `page`: AddressArg without offset: a page binding (`p`, `p[i]`), a file page `FILE[i]` (its page-cache
 *   page), or a kaddr binding made by `kmalloc` (virt_to_page of a slab object). `bases` lists which.
 * - `int`: IntArg, a non-negative integer. `value`: IntArg (a 32-bit word; negative numbers are stored as
 *   their two's complement) or StringArg (a quoted string, encoded into words).
 * - `task`, `map`, `file`: NameArg naming a task, a mapping of the actor's task, a declared file.
 * - `binding`: NameArg naming an earlier binding of kind `binding`.
 * - `prot`: NameArg of protection letters (`r`, `w`, `x`, any order, each at most once) or `none`.
 * - `keyword`: NameArg, one of `values`.
 * - `name`: NameArg, a new name this step defines (mmap's NAME).
 */
export type ParamKind =
  | "address"
  | "page"
  | "int"
  | "value"
  | "task"
  | "map"
  | "file"
  | "binding"
  | "prot"
  | "keyword"
  | "name";

/** One positional parameter. */
export interface ParamSpec {
  /** The name used in signatures and messages (upper case by convention: ADDR, PAGE). */
  readonly name: string;
  readonly kind: ParamKind;
  /** For `address` and `page`: the accepted bases. */
  readonly bases?: readonly AddressBase[];
  /** For `binding`: the binding kind it must name. */
  readonly binding?: BindingKind;
  /** For `keyword`: the accepted words. */
  readonly values?: readonly string[];
  readonly doc: string;
}

/**
 * The kind of a key=value option:
 * - `int`: IntArg (non-negative, within `min`..`max`); `bool`: IntArg 0 or 1, may be written bare (`shared`
 *   means `shared=1`); `value`: IntArg or StringArg as for parameters;
 * - `keyword`: NameArg, one of `values`; `flags`: NameArg, `|`-separated words of `values` (stored normalised:
 *   short names joined by `|`); `prot`: NameArg as the `prot` parameter; `file`: NameArg naming a declared file;
 *   `address`: IntArg, an absolute page-aligned address (4 KiB at parse time, the profile's page size at run time).
 */
export type OptionKind = "int" | "bool" | "value" | "keyword" | "flags" | "prot" | "file" | "address";

/** One key=value option. `default` is what the runner assumes when the option is absent (null: no default). */
export interface OptionSpec {
  readonly kind: OptionKind;
  readonly default: number | string | null;
  readonly values?: readonly string[];
  /** For `flags`: accepted aliases (the Linux names) mapped to the short names of `values`. */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly min?: number;
  readonly max?: number;
  /** Whether the step must give it (the parser refuses a step without it). */
  readonly required?: boolean;
  readonly doc: string;
}

/** The binding an op defines with `-> name`. */
export interface BindSpec {
  readonly kind: BindingKind;
  /** Whether the step must name one (otherwise `-> name` is optional). */
  readonly required: boolean;
  readonly doc: string;
}

/** The groups of the vocabulary, in documentation order. */
export type OpGroup = "user" | "process" | "syscall" | "kernel" | "hook" | "device" | "arch";

/** One operation. */
export interface OpSpec {
  readonly name: string;
  readonly group: OpGroup;
  readonly params: readonly ParamSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly bind: BindSpec | null;
  readonly actors: readonly ActorKind[];
  /**
   * An operation with a preemption window: the step may carry a nested `window:` list of steps by OTHER actors,
   * which run at the point this string describes (for `fork`: after flush_cache_dup_mm, before the COW PTEs are
   * write-protected). Null: no window.
   */
  readonly window: string | null;
  /** The architecture that provides it (null: core, on every profile). */
  readonly arch: string | null;
  /** The Linux function(s) it models or calls, for grep. */
  readonly linux: string;
  /** One line. */
  readonly doc: string;
  /**
   * Cross-argument checks the table cannot express (such as "exactly one of TO_SG and FROM_SG"): returns an
   * error message, or null when the step is fine.
   */
  readonly check?: (step: Step) => string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const LEN_MAX = 65536;

const len: OptionSpec = {
  kind: "int",
  default: 1,
  min: 1,
  max: LEN_MAX,
  doc: "number of 32-bit words accessed, from ADDR upwards",
};

const lenString: OptionSpec = {
  ...len,
  default: null,
  doc: "number of 32-bit words (default 1 for an integer VALUE, which is replicated into every word; for a string, the words it encodes into, zero-padded up to len)",
};

const via: OptionSpec = {
  kind: "keyword",
  default: "dma",
  values: ["dma", "pio"],
  doc: "how the driver moves the data: `dma` (dma_map_page, the device, dma_unmap_page) or `pio` (sg_miter through kmap_atomic)",
};

const task = (doc = "the task whose mm is acted on"): ParamSpec => ({ name: "TASK", kind: "task", doc });
const page = (doc = "the page"): ParamSpec => ({ name: "PAGE", kind: "page", bases: ["page", "file"], doc });
const value = (doc = "the value written"): ParamSpec => ({ name: "VALUE", kind: "value", doc });

const USER: readonly AddressBase[] = ["map", "uaddr"];
const KERNEL: readonly AddressBase[] = ["kaddr"];

const THREAD: readonly ActorKind[] = ["thread"];
const KERNEL_ACTORS: readonly ActorKind[] = ["thread", "kworker"];
const DEVICE: readonly ActorKind[] = ["device"];

/** The SG_MITER_* flags, by their short names. */
export const SG_MITER_FLAGS = ["TO_SG", "FROM_SG", "ATOMIC"] as const;

function optionText(step: Step, name: string): string | null {
  const arg = step.options[name];
  return arg ? argText(arg) : null;
}

/** The text of a scalar Arg (an address renders as `base[page]+offset`). */
function argText(arg: Arg): string {
  switch (arg.kind) {
    case "name":
    case "string":
      return arg.value;
    case "int":
      return String(arg.value);
    case "address":
      return `${arg.base}${arg.page === null ? "" : `[${arg.page}]`}+${arg.offset}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The core vocabulary

const coreOps: OpSpec[] = [
  // --- user memory ---------------------------------------------------------------------------------------
  {
    name: "load",
    group: "user",
    params: [
      {
        name: "ADDR",
        kind: "address",
        bases: ["map", "uaddr", "kaddr"],
        doc: "a user address (user mode) or a kernel binding (kernel mode, as memcpy from it would)",
      },
    ],
    options: { len },
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "a CPU load (user mode through the task's page table; kernel mode through the kernel's)",
    doc: "Load len words; the oracle compares each with the last value stored to that memory.",
  },
  {
    name: "store",
    group: "user",
    params: [
      {
        name: "ADDR",
        kind: "address",
        bases: ["map", "uaddr", "kaddr"],
        doc: "a user address (user mode) or a kernel binding (kernel mode)",
      },
      value(),
    ],
    options: { len: lenString },
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "a CPU store (write-back, write-allocate as the profile's cache says)",
    doc: "Store VALUE into len words; an integer is replicated into each word, a string encoded into words.",
  },
  {
    name: "ifetch",
    group: "user",
    params: [{ name: "ADDR", kind: "address", bases: USER, doc: "a user address in an executable mapping" }],
    options: { len },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "an instruction fetch through the I-cache",
    doc: "Fetch len instruction words; the oracle compares each with the last value stored to that memory.",
  },

  // --- processes --------------------------------------------------------------------------------------------
  {
    name: "mmap",
    group: "process",
    params: [{ name: "NAME", kind: "name", doc: "the new mapping's name (unique within the task)" }],
    options: {
      anon: { kind: "bool", default: 0, doc: "anonymous memory (write `anon`); otherwise give file=F" },
      file: { kind: "file", default: null, doc: "the declared file it maps" },
      pgoff: { kind: "int", default: 0, min: 0, max: 1 << 20, doc: "first page of the file mapped" },
      pages: { kind: "int", default: 1, min: 1, max: 1024, doc: "length in pages" },
      prot: { kind: "prot", default: "rw", doc: "PROT_READ/WRITE/EXEC as letters r, w, x, or `none`" },
      shared: { kind: "bool", default: 0, doc: "MAP_SHARED (default MAP_PRIVATE)" },
      fixed: {
        kind: "bool",
        default: null,
        doc: "MAP_FIXED at `at` or at an address of `colour` (default: 1 when `at` is given, else 0: a hint that arch_get_unmapped_area may move)",
      },
      colour: {
        kind: "int",
        default: null,
        min: 0,
        max: 1 << 20,
        doc: "colour of the first page, modulo the profile's number of colours",
      },
      at: { kind: "address", default: null, doc: "an explicit page-aligned user address" },
      frame_colour: {
        kind: "int",
        default: null,
        min: 0,
        max: 1 << 20,
        doc: "colour of the backing frames (fixes the colour of their kernel alias)",
      },
      pfn: { kind: "int", default: null, min: 0, max: 1 << 20, doc: "the first backing page frame number" },
      highmem: { kind: "bool", default: 0, doc: "back it with highmem frames" },
    },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "mmap(2): do_mmap, arch_get_unmapped_area",
    doc: "Create a mapping in the actor's task, with the keys of a `maps` entry as options.",
    check: (step) => {
      const anon = optionText(step, "anon") === "1";
      const file = step.options.file !== undefined;
      if (anon === file) return "mmap needs exactly one of `anon` and `file=F`";
      if (step.options.colour && step.options.at) return "mmap takes `colour` or `at`, not both";
      if (step.options.frame_colour && step.options.pfn)
        return "mmap takes `frame_colour` or `pfn`, not both";
      if (anon && step.options.pgoff) return "`pgoff` applies to a file mapping only";
      return null;
    },
  },
  {
    name: "munmap",
    group: "process",
    params: [{ name: "MAP", kind: "map", doc: "a mapping of the actor's task" }],
    options: {},
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "munmap(2): unmap_region: flush_cache_range, zap, flush_tlb_range",
    doc: "Remove a mapping; its name is undefined afterwards.",
  },
  {
    name: "mprotect",
    group: "process",
    params: [
      { name: "MAP", kind: "map", doc: "a mapping of the actor's task" },
      { name: "PROT", kind: "prot", doc: "the new protection: letters r, w, x, or `none`" },
    ],
    options: {},
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "mprotect(2): change_protection: flush_cache_range, PTE update, flush_tlb_range",
    doc: "Change a mapping's protection.",
  },
  {
    name: "fork",
    group: "process",
    params: [],
    options: {
      cpu: { kind: "int", default: null, min: 0, max: 63, doc: "the child's CPU (default: the parent's)" },
    },
    bind: { kind: "task", required: true, doc: "the child task; its one thread has the same name" },
    actors: THREAD,
    window:
      "after flush_cache_dup_mm(oldmm) and before the COW PTEs are write-protected (dup_mmap, copy_page_range)",
    arch: null,
    linux: "fork(2): dup_mmap: flush_cache_dup_mm, copy_page_range (write-protect COW PTEs), flush_tlb_mm",
    doc: "Fork the actor's task: the child gets copies of every mapping (private ones copy-on-write) under the same names.",
  },
  {
    name: "exit",
    group: "process",
    params: [],
    options: {},
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "exit_group(2): exit_mmap: flush_cache_mm, unmap_vmas, free_pgtables",
    doc: "End the actor's task (every thread of it); its threads may not act afterwards.",
  },

  // --- system calls ----------------------------------------------------------------------------------------
  {
    name: "read",
    group: "syscall",
    params: [
      { name: "FILE", kind: "address", bases: ["file"], doc: "where in the file: FILE[page]+off" },
      { name: "ADDR", kind: "address", bases: USER, doc: "the user buffer" },
    ],
    options: { len },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux:
      "read(2): filemap_read (flush_dcache_page when the file is writably mapped, copy_to_user); DAX: dax_iomap_iter",
    doc: "Read len words of a file into a user buffer.",
  },
  {
    name: "write",
    group: "syscall",
    params: [
      { name: "FILE", kind: "address", bases: ["file"], doc: "where in the file: FILE[page]+off" },
      { name: "ADDR", kind: "address", bases: USER, doc: "the user buffer" },
    ],
    options: { len },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux:
      "write(2): generic_perform_write (kmap, copy_from_user, flush_dcache_page, kunmap); DAX: dax_iomap_iter",
    doc: "Write len words of a user buffer into a file.",
  },
  {
    name: "read_direct",
    group: "syscall",
    params: [
      { name: "ADDR", kind: "address", bases: USER, doc: "the user buffer" },
      value("the data the device returns"),
    ],
    options: { len: lenString, via },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux:
      "read(2) with O_DIRECT: get_user_pages (write), then dma_map_page(FROM_DEVICE)/dma_unmap_page or sg_miter (TO_SG)",
    doc: "O_DIRECT read from a block device into a user buffer; the device produces VALUE.",
  },
  {
    name: "write_direct",
    group: "syscall",
    params: [{ name: "ADDR", kind: "address", bases: USER, doc: "the user buffer" }],
    options: { len, via },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "write(2) with O_DIRECT: get_user_pages, then dma_map_page(TO_DEVICE) or sg_miter (FROM_SG)",
    doc: "O_DIRECT write of a user buffer to a block device; the oracle judges what the device reads.",
  },
  {
    name: "ptrace_peek",
    group: "syscall",
    params: [
      task("the traced task"),
      { name: "ADDR", kind: "address", bases: USER, doc: "an address in TASK" },
    ],
    options: { len },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux: "ptrace(PTRACE_PEEKDATA): access_process_vm: get_user_pages_remote, copy_from_user_page",
    doc: "Read another task's memory as a debugger does; the oracle judges the words read.",
  },
  {
    name: "ptrace_poke",
    group: "syscall",
    params: [
      task("the traced task"),
      { name: "ADDR", kind: "address", bases: USER, doc: "an address in TASK" },
      value(),
    ],
    options: { len: lenString },
    bind: null,
    actors: THREAD,
    window: null,
    arch: null,
    linux:
      "ptrace(PTRACE_POKETEXT): access_process_vm: get_user_pages_remote (FOLL_FORCE), copy_to_user_page",
    doc: "Write another task's memory as a debugger does (a breakpoint into its text, say).",
  },

  // --- kernel ----------------------------------------------------------------------------------------------
  {
    name: "get_user_pages",
    group: "kernel",
    params: [
      task(),
      { name: "ADDR", kind: "address", bases: ["map"], doc: "the first user address, in TASK" },
    ],
    options: {
      pages: { kind: "int", default: 1, min: 1, max: 1024, doc: "number of pages pinned" },
      write: { kind: "bool", default: 0, doc: "FOLL_WRITE: the kernel will write the pages (breaks COW)" },
    },
    bind: { kind: "page", required: true, doc: "the pinned pages: `p` (= `p[0]`), `p[1]`, ..." },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux:
      "get_user_pages / get_user_pages_remote: __get_user_pages (fault in, flush_anon_page, flush_dcache_page)",
    doc: "Pin user pages (faulting them in), calling flush_anon_page and flush_dcache_page on each.",
  },
  {
    name: "put_page",
    group: "kernel",
    params: [{ name: "PAGE", kind: "page", bases: ["page"], doc: "a page binding from get_user_pages" }],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "put_page",
    doc: "Release the pages pinned by get_user_pages (all of them when PAGE is the binding itself).",
  },
  {
    name: "kmap",
    group: "kernel",
    params: [page()],
    options: {},
    bind: { kind: "kaddr", required: true, doc: "the page's kernel address (page_address, or a pkmap slot)" },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "kmap (highmem: a persistent pkmap slot; lowmem: page_address)",
    doc: "Map a page into the kernel (may sleep).",
  },
  {
    name: "kunmap",
    group: "kernel",
    params: [page()],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "kunmap",
    doc: "Release a kmap of the page.",
  },
  {
    name: "kmap_atomic",
    group: "kernel",
    params: [page()],
    options: {},
    bind: {
      kind: "kaddr",
      required: true,
      doc: "the page's kernel address (page_address, or a fixmap slot)",
    },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "kmap_atomic (highmem: a per-CPU fixmap slot; lowmem: page_address)",
    doc: "Map a page into the kernel atomically (per-CPU slot).",
  },
  {
    name: "kunmap_atomic",
    group: "kernel",
    params: [{ name: "KADDR", kind: "binding", binding: "kaddr", doc: "the address kmap_atomic returned" }],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "kunmap_atomic",
    doc: "Release a kmap_atomic mapping.",
  },
  {
    name: "kmalloc",
    group: "kernel",
    params: [],
    options: { words: { kind: "int", default: 1, min: 1, max: LEN_MAX, doc: "size in 32-bit words" } },
    bind: { kind: "kaddr", required: true, doc: "the object's kernel address (in a slab page: PageSlab)" },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "kmalloc (slab allocator; the page has PG_slab)",
    doc: "Allocate a kernel buffer from the slab allocator.",
  },
  {
    name: "memcpy",
    group: "kernel",
    params: [
      { name: "DST", kind: "address", bases: KERNEL, doc: "kernel destination" },
      { name: "SRC", kind: "address", bases: KERNEL, doc: "kernel source" },
    ],
    options: { len },
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "memcpy",
    doc: "Copy len words between kernel addresses (the loads are judged by the oracle).",
  },
  {
    name: "memset",
    group: "kernel",
    params: [{ name: "DST", kind: "address", bases: KERNEL, doc: "kernel destination" }, value()],
    options: { len: lenString },
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "memset",
    doc: "Fill len words at a kernel address with VALUE.",
  },
  {
    name: "sg_miter_start",
    group: "kernel",
    params: [
      {
        name: "PAGE",
        kind: "page",
        bases: ["page", "file", "kaddr"],
        doc: "the one page of the scatterlist (a kmalloc binding: its slab page, as sg_set_buf does)",
      },
    ],
    options: {
      flags: {
        kind: "flags",
        default: null,
        values: SG_MITER_FLAGS,
        aliases: { SG_MITER_TO_SG: "TO_SG", SG_MITER_FROM_SG: "FROM_SG", SG_MITER_ATOMIC: "ATOMIC" },
        required: true,
        doc: "TO_SG or FROM_SG, optionally |ATOMIC (SG_MITER_* names accepted)",
      },
    },
    bind: { kind: "iter", required: true, doc: "the iterator" },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "sg_miter_start (lib/scatterlist.c)",
    doc: "Start a mapping iteration over a one-page scatterlist.",
    check: (step) => {
      const text = optionText(step, "flags");
      if (text === null) return null; // a required option: the parser reports it missing
      const flags = text.split("|");
      if (flags.includes("TO_SG") === flags.includes("FROM_SG"))
        return "sg_miter_start needs exactly one of TO_SG and FROM_SG in flags";
      return null;
    },
  },
  {
    name: "sg_miter_next",
    group: "kernel",
    params: [{ name: "ITER", kind: "binding", binding: "iter", doc: "an iterator from sg_miter_start" }],
    options: {},
    bind: { kind: "kaddr", required: true, doc: "miter->addr: the page mapped by kmap or kmap_atomic" },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "sg_miter_next (kmap, or kmap_atomic with SG_MITER_ATOMIC)",
    doc: "Map the iterator's page (ending the previous iteration step, as sg_miter_next does).",
  },
  {
    name: "sg_miter_stop",
    group: "kernel",
    params: [{ name: "ITER", kind: "binding", binding: "iter", doc: "an iterator from sg_miter_start" }],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux:
      "sg_miter_stop (TO_SG: flush_kernel_dcache_page or flush_dcache_page by era; then kunmap(_atomic))",
    doc: "End the iteration: the era's flush for TO_SG, then the unmap.",
  },
  {
    name: "dma_map_page",
    group: "kernel",
    params: [page()],
    options: {
      dir: {
        kind: "keyword",
        default: null,
        values: ["to_device", "from_device", "bidirectional"],
        required: true,
        doc: "DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL",
      },
    },
    bind: { kind: "handle", required: true, doc: "the DMA address the device uses" },
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "dma_map_page (arch_sync_dma_for_device)",
    doc: "Map a page for streaming DMA, with the maintenance its direction needs.",
  },
  {
    name: "dma_unmap_page",
    group: "kernel",
    params: [{ name: "HANDLE", kind: "binding", binding: "handle", doc: "a handle from dma_map_page" }],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux: "dma_unmap_page (arch_sync_dma_for_cpu)",
    doc: "Unmap a streaming DMA mapping, with the maintenance its direction needs.",
  },
  {
    name: "pagecache_fill",
    group: "kernel",
    params: [
      {
        name: "FILE",
        kind: "address",
        bases: ["file"],
        doc: "the page-cache page (and offset): FILE[page]+off",
      },
      value("the data read from the disk"),
    ],
    options: { len: lenString, via },
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux:
      "readahead / read_folio completion: add_to_page_cache (clears PG_arch_1), then a DMA fill (dma_map_page/dma_unmap_page) or a PIO fill through sg_miter (TO_SG|ATOMIC; sg_miter_stop issues the era's flush); no flush_dcache_page of its own",
    doc: "Bring a file page into the page cache from the disk, holding VALUE.",
  },
  {
    name: "writeback",
    group: "kernel",
    params: [{ name: "FILE", kind: "page", bases: ["file"], doc: "the page-cache page: FILE[page]" }],
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux:
      "writepage: folio_clear_dirty_for_io, page_mkclean (flush_cache_page per user mapping), DMA to the disk",
    doc: "Write a page-cache page back to the disk; the oracle judges what the device reads.",
  },
  {
    name: "uprobe_xol",
    group: "kernel",
    params: [value("the instruction word copied into the slot")],
    options: {
      slot: {
        kind: "int",
        default: 0,
        min: 0,
        max: 1023,
        doc: "the XOL slot index (a later hit may reuse one)",
      },
    },
    bind: { kind: "uaddr", required: false, doc: "the slot's user address, for ifetch" },
    actors: THREAD,
    window: null,
    arch: null,
    linux: "uprobes: xol_get_insn_slot, arch_uprobe_copy_ixol (copy_to_page, flush_dcache_page by default)",
    doc: "A uprobe hit: copy an instruction into the task's XOL slot (creating the XOL area the first time).",
  },

  // --- cachetlb hooks, called directly ---------------------------------------------------------------------
  hook("flush_cache_mm", [task()], "flush_cache_mm(mm)", "Flush the user aliases of a whole mm."),
  hook(
    "flush_cache_dup_mm",
    [task()],
    "flush_cache_dup_mm(mm)",
    "Flush a whole mm before it is duplicated by fork.",
  ),
  hook(
    "flush_cache_range",
    [
      task(),
      { name: "START", kind: "address", bases: ["map"], doc: "first user address, in TASK" },
      { name: "END", kind: "address", bases: ["map"], doc: "end user address (exclusive), in TASK" },
    ],
    "flush_cache_range(vma, start, end)",
    "Flush the user aliases of a range of one VMA.",
  ),
  hook(
    "flush_cache_page",
    [task(), { name: "ADDR", kind: "address", bases: ["map"], doc: "a user address, in TASK" }],
    "flush_cache_page(vma, vmaddr, pfn)",
    "Flush one user page (the pfn its PTE maps).",
  ),
  hook(
    "flush_dcache_page",
    [page()],
    "flush_dcache_page(page)",
    "The kernel wrote (or will read) a page-cache page.",
  ),
  hook(
    "flush_anon_page",
    [
      task(),
      { name: "ADDR", kind: "address", bases: ["map"], doc: "the user address of the page, in TASK" },
      page(),
    ],
    "flush_anon_page(vma, page, vmaddr)",
    "Before the kernel accesses an anonymous page that TASK maps at ADDR.",
  ),
  hook(
    "flush_kernel_dcache_page",
    [page()],
    "flush_kernel_dcache_page(page) (removed in v5.16 by f358afc52c30)",
    "The kernel wrote a page through its kernel mapping.",
  ),
  hook(
    "flush_icache_range",
    [
      { name: "START", kind: "address", bases: KERNEL, doc: "first kernel address" },
      { name: "END", kind: "address", bases: KERNEL, doc: "end kernel address (exclusive)" },
    ],
    "flush_icache_range(start, end)",
    "Make the I-cache coherent with kernel stores to [START, END).",
  ),
  hook(
    "flush_icache_page",
    [task(), { name: "ADDR", kind: "address", bases: ["map"], doc: "a user address, in TASK" }],
    "flush_icache_page(vma, page)",
    "Legacy: make the I-cache coherent for the page TASK maps at ADDR.",
  ),
  hook(
    "flush_cache_vmap",
    [
      { name: "START", kind: "address", bases: KERNEL, doc: "first kernel address" },
      { name: "END", kind: "address", bases: KERNEL, doc: "end kernel address (exclusive)" },
    ],
    "flush_cache_vmap(start, end)",
    "After a kernel range was mapped (vmap).",
  ),
  hook(
    "flush_cache_vunmap",
    [
      { name: "START", kind: "address", bases: KERNEL, doc: "first kernel address" },
      { name: "END", kind: "address", bases: KERNEL, doc: "end kernel address (exclusive)" },
    ],
    "flush_cache_vunmap(start, end)",
    "Before a kernel range is unmapped (vunmap).",
  ),

  // --- the device ------------------------------------------------------------------------------------------
  {
    name: "dma_write",
    group: "device",
    params: [
      {
        name: "ADDR",
        kind: "address",
        bases: ["handle", "page"],
        doc: "a DMA handle (+offset), or a page binding (+offset) for raw physical access",
      },
      value(),
    ],
    options: { len: lenString },
    bind: null,
    actors: DEVICE,
    window: null,
    arch: null,
    linux: "the device writes memory (bypassing the CPU caches unless the profile's DMA is coherent)",
    doc: "The device writes VALUE into len words of memory.",
  },
  {
    name: "dma_read",
    group: "device",
    params: [
      {
        name: "ADDR",
        kind: "address",
        bases: ["handle", "page"],
        doc: "a DMA handle (+offset), or a page binding (+offset) for raw physical access",
      },
    ],
    options: { len },
    bind: null,
    actors: DEVICE,
    window: null,
    arch: null,
    linux: "the device reads memory",
    doc: "The device reads len words of memory; the oracle judges each (a stale one is a device-stale-read).",
  },
];

function hook(name: string, params: ParamSpec[], linux: string, doc: string): OpSpec {
  return {
    name,
    group: "hook",
    params,
    options: {},
    bind: null,
    actors: KERNEL_ACTORS,
    window: null,
    arch: null,
    linux,
    doc: `Call the hook directly: ${doc}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The registry

/** The op names core defines (arch packages may not redefine them). */
export const CORE_OPS: readonly string[] = coreOps.map((op) => op.name);

/**
 * A table of operations: core's, plus those architecture packages register. `ops.get(name)` is what the parser
 * validates against.
 */
export class OpRegistry {
  private readonly table = new Map<string, OpSpec>();

  constructor(ops: Iterable<OpSpec> = coreOps) {
    for (const op of ops) this.register(op);
  }

  /**
   * Add an operation. Registering the same spec object twice is harmless (arch register functions may run once
   * per container); a different spec under a taken name is a programming error.
   */
  register(op: OpSpec): void {
    if (!/^[a-z][a-z0-9_]*$/.test(op.name))
      throw new Error(`op name ${JSON.stringify(op.name)} is not lower_snake`);
    const existing = this.table.get(op.name);
    if (existing === op) return;
    if (existing) {
      throw new Error(
        `op ${op.name} is already registered${existing.arch ? ` by ${existing.arch}` : " by core"}`,
      );
    }
    this.table.set(op.name, op);
  }

  get(name: string): OpSpec | undefined {
    return this.table.get(name);
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  /** Every operation, in registration order (core's first, in documentation order). */
  all(): OpSpec[] {
    return [...this.table.values()];
  }
}

/** The default registry: core's ops and whatever arch packages registered with `registerOp`. */
export const defaultOps = new OpRegistry();

/** Register an architecture's operation on the default registry (call it from the arch's register function). */
export function registerOp(op: OpSpec): void {
  defaultOps.register(op);
}

/** Look an op up in the default registry. */
export function getOp(name: string): OpSpec | undefined {
  return defaultOps.get(name);
}

/**
 * Whether a profile of architecture `arch` can run `op`: core ops everywhere, an arch op only on its own
 * architecture (or on the architectures a profile lists in `extraArchOps`). The runner refuses the rest.
 */
export function opAvailableOn(op: OpSpec, arch: string, extraArchOps: readonly string[] = []): boolean {
  return op.arch === null || op.arch === arch || extraArchOps.includes(op.name);
}

/** The signature of an op as the docs write it: `get_user_pages TASK ADDR [pages=N] [write=0|1] -> PAGE`. */
export function opSignature(op: OpSpec): string {
  const parts: string[] = [op.name, ...op.params.map((p) => p.name)];
  for (const [key, option] of Object.entries(op.options)) {
    const text = `${key}=${optionPlaceholder(option)}`;
    parts.push(option.required ? text : `[${text}]`);
  }
  if (op.bind)
    parts.push(
      op.bind.required ? `-> ${bindPlaceholder(op.bind.kind)}` : `[-> ${bindPlaceholder(op.bind.kind)}]`,
    );
  return parts.join(" ");
}

function optionPlaceholder(option: OptionSpec): string {
  switch (option.kind) {
    case "bool":
      return "0|1";
    case "keyword":
      return (option.values ?? []).join("|");
    case "flags":
      return (option.values ?? []).join("|");
    case "prot":
      return "rwx";
    case "file":
      return "FILE";
    case "address":
      return "ADDR";
    case "value":
      return "VALUE";
    default:
      return "N";
  }
}

function bindPlaceholder(kind: BindingKind): string {
  return { page: "PAGE", kaddr: "KADDR", uaddr: "UADDR", task: "TASK", iter: "ITER", handle: "HANDLE" }[kind];
}

// ---------------------------------------------------------------------------------------------------------
// Reading options with their defaults (for the runner)

function optionSpec(op: OpSpec, name: string): OptionSpec {
  const spec = op.options[name];
  if (!spec) throw new Error(`op ${op.name} has no option ${name}`);
  return spec;
}

function argNumber(arg: Arg): number | null {
  return arg.kind === "int" ? arg.value : null;
}

/**
 * The integer value of an option of `step` (an `int`, `bool` or `address` option), or its default from the op
 * table; null when absent without a default. Throws (a bug) when `op` has no such option.
 */
export function intOption(step: Step, name: string, op: OpSpec | undefined = getOp(step.op)): number | null {
  if (!op) throw new Error(`unknown op ${step.op}`);
  const spec = optionSpec(op, name);
  const arg = step.options[name];
  if (arg) return argNumber(arg);
  return typeof spec.default === "number" ? spec.default : null;
}

/** The word of a `keyword`, `prot` or `file` option of `step`, or its default. */
export function wordOption(step: Step, name: string, op: OpSpec | undefined = getOp(step.op)): string | null {
  if (!op) throw new Error(`unknown op ${step.op}`);
  const spec = optionSpec(op, name);
  const arg = step.options[name];
  if (arg) return argText(arg);
  return typeof spec.default === "string" ? spec.default : null;
}

/** The flags of a `flags` option of `step` (short names), or [] when absent. */
export function flagsOption(step: Step, name: string, op: OpSpec | undefined = getOp(step.op)): string[] {
  const text = wordOption(step, name, op);
  return text ? text.split("|") : [];
}
