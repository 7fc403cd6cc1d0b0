// The hook points: every cachetlb function (Documentation/core-api/cachetlb.rst) and every other call site an
// architecture implements, as one frozen, typed object of tapable hooks (as webpack's Compiler.hooks), named
// exactly as in Linux. Each hook is a SyncBailHook: the asm-generic behaviour is tapped last (STAGE_DEFAULT)
// and returns a result; an architecture REPLACES a hook by tapping at STAGE_ARCH a function that returns a
// result (the call ends there), or ADDS to it with a tap that returns undefined (the call goes on to the next
// tap, in stage order). A user's prototype policy taps below STAGE_ARCH (STAGE_OVERRIDE) to replace or add to
// one hook of an architecture while keeping the rest.
import { SyncBailHook } from "tapable";
import type { Address, Pte } from "../hw/api.js";
import type { DmaAddress, DmaDevice, DmaDirection } from "./dma.js";
import type { Mm, PteRef, Task, Vma } from "./mm.js";
import type { File, Page } from "./page.js";
import type { SgMiter } from "./scatterlist.js";

/** The result of a hook that returns nothing in Linux: "handled", which ends the bail chain. */
export type Handled = true;
/** The value a void hook's implementation returns to say it handled the call. */
export const HANDLED: Handled = true;

/**
 * Every hook: its Linux arguments (a labelled tuple) and its result. Void Linux functions return
 * {@link Handled}.
 */
export interface KernelHookSignatures {
  /** flush_cache_all(): write back and invalidate the whole cache (flush_cache_kmaps is this on ARM). */
  flush_cache_all: [args: [], result: Handled];
  /** flush_cache_mm(mm): before every user mapping of `mm` is torn down (exit_mmap). */
  flush_cache_mm: [args: [mm: Mm], result: Handled];
  /** flush_cache_dup_mm(mm): in fork (dup_mmap), before the parent's COW PTEs are write-protected. */
  flush_cache_dup_mm: [args: [mm: Mm], result: Handled];
  /** flush_cache_range(vma, start, end): before the user mappings of [start, end) change (munmap, mprotect). */
  flush_cache_range: [args: [vma: Vma, start: Address, end: Address], result: Handled];
  /** flush_cache_page(vma, vmaddr, pfn): before the user mapping of one page changes (COW, page_mkclean). */
  flush_cache_page: [args: [vma: Vma, vmaddr: Address, pfn: number], result: Handled];
  /**
   * flush_dcache_page(page): the kernel wrote a page-cache (or highmem) page through its kernel mapping, or is
   * about to read one that may have shared writable user mappings.
   */
  flush_dcache_page: [args: [page: Page], result: Handled];
  /** flush_anon_page(vma, page, vmaddr): get_user_pages, before the kernel accesses an anonymous page. */
  flush_anon_page: [args: [vma: Vma, page: Page, vmaddr: Address], result: Handled];
  /** flush_kernel_dcache_page(page): the kernel wrote a user page through its kernel mapping (≤ v5.15). */
  flush_kernel_dcache_page: [args: [page: Page], result: Handled];
  /** flush_kernel_vmap_range(vaddr, size): before I/O through a vmap alias. */
  flush_kernel_vmap_range: [args: [vaddr: Address, size: number], result: Handled];
  /** invalidate_kernel_vmap_range(vaddr, size): after a device wrote through a vmap alias. */
  invalidate_kernel_vmap_range: [args: [vaddr: Address, size: number], result: Handled];
  /** flush_cache_vmap(start, end): after kernel pages were mapped at [start, end) (vmap). */
  flush_cache_vmap: [args: [start: Address, end: Address], result: Handled];
  /** flush_cache_vunmap(start, end): before the kernel mappings of [start, end) are removed (vunmap). */
  flush_cache_vunmap: [args: [start: Address, end: Address], result: Handled];
  /** flush_cache_kmaps(): before unused pkmap slots are recycled (mm/highmem.c flush_all_zero_pkmaps). */
  flush_cache_kmaps: [args: [], result: Handled];
  /** flush_icache_range(start, end): make the I-cache see kernel stores to [start, end). */
  flush_icache_range: [args: [start: Address, end: Address], result: Handled];
  /** flush_icache_page(vma, page): legacy, before a page-cache page's user PTE is installed (finish_fault). */
  flush_icache_page: [args: [vma: Vma, page: Page], result: Handled];
  /** flush_icache_user_page(vma, page, addr, len): after copy_to_user_page wrote [addr, addr+len). */
  flush_icache_user_page: [args: [vma: Vma, page: Page, addr: Address, len: number], result: Handled];
  /** copy_user_highpage(to, from, vaddr, vma): the COW copy of `from` into the new page `to`. */
  copy_user_highpage: [args: [to: Page, from: Page, vaddr: Address, vma: Vma], result: Handled];
  /** clear_user_highpage(page, vaddr): zero a new anonymous page that will be mapped at `vaddr`. */
  clear_user_highpage: [args: [page: Page, vaddr: Address], result: Handled];
  /** copy_user_page(to, from, vaddr, topage): copy between kernel addresses for user address `vaddr`. */
  copy_user_page: [args: [to: Address, from: Address, vaddr: Address, topage: Page], result: Handled];
  /** clear_user_page(to, vaddr, page): zero a page through kernel address `to` for user address `vaddr`. */
  clear_user_page: [args: [to: Address, vaddr: Address, page: Page], result: Handled];
  /**
   * copy_to_user_page(vma, page, vaddr, dst, src, len): ptrace writes `len` bytes (the words of `src`) into
   * another process's page through the kernel address `dst`; `vaddr` is the user address.
   */
  copy_to_user_page: [
    args: [vma: Vma, page: Page, vaddr: Address, dst: Address, src: readonly number[], len: number],
    result: Handled,
  ];
  /**
   * copy_from_user_page(vma, page, vaddr, dst, src, len): ptrace reads `len` bytes from another process's page
   * through kernel address `src` into `dst` (an array the words are pushed onto).
   */
  copy_from_user_page: [
    args: [vma: Vma, page: Page, vaddr: Address, dst: number[], src: Address, len: number],
    result: Handled,
  ];
  /** set_pte_at(mm, addr, ptep, pte): install a PTE (user, or init_mm's for pkmap and vmap). */
  set_pte_at: [args: [mm: Mm, addr: Address, ptep: PteRef, pte: Pte], result: Handled];
  /** ptep_get_and_clear(mm, addr, ptep): remove a PTE, returning the old one (null if none) (zap, mprotect). */
  ptep_get_and_clear: [args: [mm: Mm, addr: Address, ptep: PteRef], result: Pte | null];
  /** ptep_set_wrprotect(mm, addr, ptep): write-protect a present PTE (fork's COW). */
  ptep_set_wrprotect: [args: [mm: Mm, addr: Address, ptep: PteRef], result: Handled];
  /** ptep_clear_flush(vma, addr, ptep): remove a PTE and flush its TLB entry, returning the old PTE. */
  ptep_clear_flush: [args: [vma: Vma, addr: Address, ptep: PteRef], result: Pte | null];
  /** update_mmu_cache(vma, addr, ptep): after a fault installed a user PTE. */
  update_mmu_cache: [args: [vma: Vma, addr: Address, ptep: PteRef], result: Handled];
  /** flush_tlb_mm(mm). */
  flush_tlb_mm: [args: [mm: Mm], result: Handled];
  /** flush_tlb_range(vma, start, end). */
  flush_tlb_range: [args: [vma: Vma, start: Address, end: Address], result: Handled];
  /** flush_tlb_page(vma, addr). */
  flush_tlb_page: [args: [vma: Vma, addr: Address], result: Handled];
  /** flush_tlb_kernel_range(start, end). */
  flush_tlb_kernel_range: [args: [start: Address, end: Address], result: Handled];
  /** switch_mm(prev, next, tsk): the current CPU switches from `prev` (null: none yet) to `next`. */
  switch_mm: [args: [prev: Mm | null, next: Mm, tsk: Task], result: Handled];
  /** kmap(page): a kernel address of the page (lowmem: page_address; highmem: a pkmap slot). */
  kmap: [args: [page: Page], result: Address];
  /** kunmap(page). */
  kunmap: [args: [page: Page], result: Handled];
  /** kmap_atomic(page) (kmap_local_page in ≥ v5.11): lowmem: page_address; highmem: a per-CPU fixmap slot. */
  kmap_atomic: [args: [page: Page], result: Address];
  /** kunmap_atomic(kvaddr) (kunmap_local). */
  kunmap_atomic: [args: [kvaddr: Address], result: Handled];
  /**
   * get_user_pages (__get_user_pages): fault in and pin `nr_pages` pages of `mm` from `start`, calling
   * flush_anon_page and flush_dcache_page on each; returns the pages.
   */
  get_user_pages: [args: [mm: Mm, start: Address, nr_pages: number, gup_flags: number], result: Page[]];
  /**
   * sg_miter_stop(miter): end a mapped iteration step: TO_SG's flush (by era), then kunmap(_atomic). Called
   * only while a step is mapped (miter.addr set), from sg_miter_next and from the driver's own sg_miter_stop.
   */
  sg_miter_stop: [args: [miter: SgMiter], result: Handled];
  /**
   * arch_get_unmapped_area(filp, addr, len, pgoff, flags): where mmap places a mapping (`addr` a hint, or the
   * address with MAP_FIXED); throws KernelRefusal(-EINVAL) to refuse.
   */
  arch_get_unmapped_area: [
    args: [filp: File | null, addr: Address, len: number, pgoff: number, flags: number],
    result: Address,
  ];
  /** dma_map_page(dev, page, offset, size, dir): hand a page to the device; returns the DMA address. */
  dma_map_page: [
    args: [dev: DmaDevice, page: Page, offset: number, size: number, dir: DmaDirection],
    result: DmaAddress,
  ];
  /** dma_unmap_page(dev, addr, size, dir): take the page back from the device. */
  dma_unmap_page: [
    args: [dev: DmaDevice, addr: DmaAddress, size: number, dir: DmaDirection],
    result: Handled,
  ];
  /** arch_uprobe_copy_ixol(page, vaddr, src, len): copy a probed instruction into the XOL slot at `vaddr`. */
  arch_uprobe_copy_ixol: [
    args: [page: Page, vaddr: Address, src: readonly number[], len: number],
    result: Handled,
  ];
  /**
   * page_mkclean(page): write-protect (and clean) every shared user mapping of a page-cache page before
   * writeback, flushing each with flush_cache_page; returns how many PTEs were cleaned.
   */
  page_mkclean: [args: [page: Page], result: number];
  /** alloc_dax(): a DAX device is set up (≥ v6.9 refuses with -EOPNOTSUPP on aliasing D-caches). */
  alloc_dax: [args: [file: File], result: Handled];
  /**
   * dax_direct_access(page): the kernel address DAX copies through for a persistent-memory page
   * (drivers/dax/super.c dax_direct_access, by default its direct map). Not a cache-maintenance call site: an
   * address lookup that a policy can answer with an address of the user's colour (Wilcox 2016).
   */
  dax_direct_access: [args: [page: Page], result: Address];
}

/** The name of a hook (its Linux function name). */
export type HookName = keyof KernelHookSignatures;
/** The argument tuple of hook `K`. */
export type HookArgs<K extends HookName> = KernelHookSignatures[K][0];
/** The result of hook `K` (Handled for a void Linux function). */
export type HookResult<K extends HookName> = KernelHookSignatures[K][1];
/** The tapable hook of `K`: a tap returns the result to end the call, or undefined to go on. */
export type KernelHook<K extends HookName> = SyncBailHook<HookArgs<K>, HookResult<K> | undefined>;
/** The hooks object. */
export type KernelHooks = { readonly [K in HookName]: KernelHook<K> };

/** The argument names of every hook, in Linux order (tapable's argument names, and for traces). */
export const HOOK_ARGUMENTS: { readonly [K in HookName]: readonly string[] } = Object.freeze({
  flush_cache_all: [],
  flush_cache_mm: ["mm"],
  flush_cache_dup_mm: ["mm"],
  flush_cache_range: ["vma", "start", "end"],
  flush_cache_page: ["vma", "vmaddr", "pfn"],
  flush_dcache_page: ["page"],
  flush_anon_page: ["vma", "page", "vmaddr"],
  flush_kernel_dcache_page: ["page"],
  flush_kernel_vmap_range: ["vaddr", "size"],
  invalidate_kernel_vmap_range: ["vaddr", "size"],
  flush_cache_vmap: ["start", "end"],
  flush_cache_vunmap: ["start", "end"],
  flush_cache_kmaps: [],
  flush_icache_range: ["start", "end"],
  flush_icache_page: ["vma", "page"],
  flush_icache_user_page: ["vma", "page", "addr", "len"],
  copy_user_highpage: ["to", "from", "vaddr", "vma"],
  clear_user_highpage: ["page", "vaddr"],
  copy_user_page: ["to", "from", "vaddr", "topage"],
  clear_user_page: ["to", "vaddr", "page"],
  copy_to_user_page: ["vma", "page", "vaddr", "dst", "src", "len"],
  copy_from_user_page: ["vma", "page", "vaddr", "dst", "src", "len"],
  set_pte_at: ["mm", "addr", "ptep", "pte"],
  ptep_get_and_clear: ["mm", "addr", "ptep"],
  ptep_set_wrprotect: ["mm", "addr", "ptep"],
  ptep_clear_flush: ["vma", "addr", "ptep"],
  update_mmu_cache: ["vma", "addr", "ptep"],
  flush_tlb_mm: ["mm"],
  flush_tlb_range: ["vma", "start", "end"],
  flush_tlb_page: ["vma", "addr"],
  flush_tlb_kernel_range: ["start", "end"],
  switch_mm: ["prev", "next", "tsk"],
  kmap: ["page"],
  kunmap: ["page"],
  kmap_atomic: ["page"],
  kunmap_atomic: ["kvaddr"],
  get_user_pages: ["mm", "start", "nr_pages", "gup_flags"],
  sg_miter_stop: ["miter"],
  arch_get_unmapped_area: ["filp", "addr", "len", "pgoff", "flags"],
  dma_map_page: ["dev", "page", "offset", "size", "dir"],
  dma_unmap_page: ["dev", "addr", "size", "dir"],
  arch_uprobe_copy_ixol: ["page", "vaddr", "src", "len"],
  page_mkclean: ["page"],
  alloc_dax: ["file"],
  dax_direct_access: ["page"],
});

/**
 * Hooks that look up an address rather than mark a place where caches may need maintenance; a policy that acts
 * "at every hook" (generic/vivt@flush-all) leaves them alone, so DAX's copy stays a kernel path with no
 * cache-maintenance call.
 */
export const ADDRESS_HOOKS: ReadonlySet<HookName> = new Set<HookName>(["dax_direct_access"]);

/** Every hook name, in declaration order. */
export const HOOK_NAMES: readonly HookName[] = Object.freeze(Object.keys(HOOK_ARGUMENTS) as HookName[]);

/** Whether `name` is a hook's name. */
export function isHookName(name: string): name is HookName {
  return Object.hasOwn(HOOK_ARGUMENTS, name);
}

// ── Stages ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Stage of a user's prototype policy: runs before the architecture's taps (replace or add). */
export const STAGE_OVERRIDE = -100;
/** Stage of an architecture package's taps. */
export const STAGE_ARCH = 0;
/** Stage of the asm-generic default, tapped last by the kernel itself. */
export const STAGE_DEFAULT = 1000;

/** Create the hooks object: one SyncBailHook per hook point, frozen. The kernel taps the defaults. */
export function createHooks(): KernelHooks {
  const hooks: Record<string, SyncBailHook<unknown[], unknown>> = {};
  for (let i = 0; i < HOOK_NAMES.length; i++) {
    const name = HOOK_NAMES[i];
    const hook = new SyncBailHook<unknown[], unknown>(HOOK_ARGUMENTS[name] as never, name);
    (hook as unknown as CompilableHook).compile = COMPILERS[i];
    hooks[name] = hook;
  }
  return Object.freeze(hooks) as unknown as KernelHooks;
}

// ── Dispatch without code generation ───────────────────────────────────────────────────────────────────────
//
// tapable compiles a hook's `call` the first time it is called after a tap or an interceptor was added: it
// generates the JavaScript of the bail chain and hands it to `new Function`. Every run builds a kernel with
// ~45 fresh hooks, so that compilation (and the garbage of its source strings) was the largest fixed cost of a
// run. compileBail gives each hook a `compile` that builds the same chain from closures instead, for the only
// shape a run uses: synchronous taps, no interceptors, no tap context. The semantics are those of tapable's
// generated code for a SyncBailHook: the taps in order, each called with exactly the hook's declared
// arguments (missing ones undefined, extra ones dropped) and `this` undefined; the first result other than
// undefined is returned; a throw propagates unchanged (tapable's sync hooks do not catch). Any other shape
// (an observer's interceptors, a tap with `context`) falls back to tapable's own compiler.

/** The part of a tapable hook that compileBail replaces. */
interface CompilableHook {
  _x: unknown;
  compile(options: CompileOptions): BailCall;
}

/** What tapable passes to a hook's compile (Hook._createCall). */
interface CompileOptions {
  readonly taps: readonly { readonly type: string; readonly fn: BailTap; readonly context?: boolean }[];
  readonly interceptors: readonly unknown[];
  readonly type: string;
}

type BailTap = (...args: unknown[]) => unknown;
type BailCall = (...args: unknown[]) => unknown;

/**
 * Each hook point's compile (by HOOK_NAMES index), shared by the hooks of every kernel: it depends only on the
 * hook's number of arguments and on tapable's own compiler for a SyncBailHook.
 */
const COMPILERS: readonly CompilableHook["compile"][] = HOOK_NAMES.map((name) =>
  compileBail(
    (new SyncBailHook<unknown[], unknown>([] as never) as unknown as CompilableHook).compile,
    HOOK_ARGUMENTS[name].length,
  ),
);

/** A hook's compile: closures for synchronous taps without interceptors, tapable's compiler otherwise. */
function compileBail(
  tapableCompile: CompilableHook["compile"],
  arity: number,
): (this: CompilableHook, options: CompileOptions) => BailCall {
  return function compile(this: CompilableHook, options: CompileOptions): BailCall {
    const { taps } = options;
    let plain = options.type === "sync" && options.interceptors.length === 0;
    for (let i = 0; plain && i < taps.length; i++) plain = taps[i].type === "sync" && !taps[i].context;
    if (!plain) return tapableCompile.call(this, options);
    const fns = taps.map((tap) => tap.fn);
    this._x = fns; // as tapable's setup does
    return bailChain(fns, arity);
  };
}

/**
 * The bail chain over `fns` for a hook of `arity` arguments. Each tap is read into a local before the call,
 * so that it runs with `this` undefined, as in tapable's generated code.
 */
function bailChain(fns: readonly BailTap[], arity: number): BailCall {
  const n = fns.length;
  if (n === 0) return () => undefined;
  if (n === 1) {
    const f = fns[0];
    switch (arity) {
      case 0:
        return () => f();
      case 1:
        return (a) => f(a);
      case 2:
        return (a, b) => f(a, b);
      case 3:
        return (a, b, c) => f(a, b, c);
      case 4:
        return (a, b, c, d) => f(a, b, c, d);
      case 5:
        return (a, b, c, d, e) => f(a, b, c, d, e);
    }
  }
  switch (arity) {
    case 0:
      return () => {
        for (let i = 0; i < n; i++) {
          const f = fns[i];
          const r = f();
          if (r !== undefined) return r;
        }
        return undefined;
      };
    case 1:
      return (a) => {
        for (let i = 0; i < n; i++) {
          const f = fns[i];
          const r = f(a);
          if (r !== undefined) return r;
        }
        return undefined;
      };
    case 2:
      return (a, b) => {
        for (let i = 0; i < n; i++) {
          const f = fns[i];
          const r = f(a, b);
          if (r !== undefined) return r;
        }
        return undefined;
      };
    case 3:
      return (a, b, c) => {
        for (let i = 0; i < n; i++) {
          const f = fns[i];
          const r = f(a, b, c);
          if (r !== undefined) return r;
        }
        return undefined;
      };
    case 4:
      return (a, b, c, d) => {
        for (let i = 0; i < n; i++) {
          const f = fns[i];
          const r = f(a, b, c, d);
          if (r !== undefined) return r;
        }
        return undefined;
      };
  }
  return (...args) => {
    // exactly `arity` arguments, as the generated code passes its named parameters
    const passed = new Array<unknown>(arity);
    for (let i = 0; i < arity; i++) passed[i] = args[i];
    for (let i = 0; i < n; i++) {
      const f = fns[i];
      const r = f(...passed);
      if (r !== undefined) return r;
    }
    return undefined;
  };
}

// ── Tapping helpers ─────────────────────────────────────────────────────────────────────────────────────────

/** Who taps, and at which stage (default STAGE_ARCH). */
export interface TapSpec {
  /** The plugin's name (shown in traces and errors). */
  readonly name: string;
  readonly stage?: number;
}

/** An implementation that replaces hook `K`: returns the hook's value, or nothing for a void hook. */
export type HookImplementation<K extends HookName> = (
  ...args: HookArgs<K>
) => HookResult<K> extends Handled ? void : HookResult<K>;

const tapOptions = (tap: TapSpec | string) =>
  typeof tap === "string"
    ? { name: tap, stage: STAGE_ARCH }
    : { name: tap.name, stage: tap.stage ?? STAGE_ARCH };

/**
 * Replace hook `hook`: `fn` handles every call that reaches its stage; taps at later stages (the
 * architecture's, the asm-generic default) do not run. To run them too, call {@link callNext} from `fn`.
 */
export function replaceHook<K extends HookName>(
  hooks: KernelHooks,
  hook: K,
  tap: TapSpec | string,
  fn: HookImplementation<K>,
): void {
  const target = hooks[hook] as unknown as SyncBailHook<unknown[], unknown>;
  target.tap(tapOptions(tap), (...args: unknown[]) => {
    const result = (fn as (...a: unknown[]) => unknown)(...args);
    return result === undefined ? HANDLED : result;
  });
}

/**
 * Add to hook `hook`: `fn` runs, in stage order among the taps, and the call goes on to the next tap (so `fn`
 * runs before whichever tap at a later stage handles the call: the architecture's or the default).
 */
export function addToHook<K extends HookName>(
  hooks: KernelHooks,
  hook: K,
  tap: TapSpec | string,
  fn: (...args: HookArgs<K>) => void,
): void {
  const target = hooks[hook] as unknown as SyncBailHook<unknown[], unknown>;
  target.tap(tapOptions(tap), (...args: unknown[]) => {
    (fn as (...a: unknown[]) => void)(...args);
    return undefined;
  });
}

/**
 * From inside a tap at stage `stage`, run the taps of later stages (what the hook would have done without the
 * tap), returning the first result. Lets a policy wrap an architecture's implementation: do something, call
 * the architecture's, do something else.
 */
export function callNext<K extends HookName>(
  hooks: KernelHooks,
  hook: K,
  stage: number,
  ...args: HookArgs<K>
): HookResult<K> {
  for (const tap of hooks[hook].taps) {
    if ((tap.stage ?? 0) <= stage) continue;
    const result = (tap.fn as (...a: unknown[]) => unknown)(...args);
    if (result !== undefined) return result as HookResult<K>;
  }
  throw new Error(`callNext(${hook}): no tap after stage ${stage} handled the call`);
}
