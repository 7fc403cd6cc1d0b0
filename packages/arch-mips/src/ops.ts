// The scenario operations this package adds to the scenario format (registered by registerMipsProfiles, never at
// import): `kmap_coherent PAGE ADDR -> KADDR`, `kunmap_coherent`, and `add_to_swap TASK ADDR` (the swap-cache
// state that page_mapping() exposed to MIPS's lazy flush until v4.16). Their executors come with the era plugins
// (profiles.ts), so a profile of another architecture, or an era without kmap_coherent, refuses them.
import {
  type Kernel,
  type OpSpec,
  type Page,
  PageAnon,
  rawKernel,
  type ScenarioOpExecutor,
} from "@flushlab/core";
import { ARCH } from "./cpus.js";
import { kmap_coherent, kunmap_coherent } from "./highmem.js";
import { add_to_swap, type MipsContext } from "./page.js";

const KERNEL_ACTORS = ["thread", "kworker"] as const;

/** `kmap_coherent PAGE ADDR -> KADDR`: map PAGE at a kernel address of ADDR's colour (BUG_ON a dirty page). */
export const KMAP_COHERENT_OP: OpSpec = Object.freeze<OpSpec>({
  name: "kmap_coherent",
  group: "arch",
  params: [
    { name: "PAGE", kind: "page", bases: ["page", "file"], doc: "the page to map" },
    {
      name: "ADDR",
      kind: "address",
      bases: ["map", "uaddr"],
      doc: "a user address of the actor's task: the kernel address gets its colour",
    },
  ],
  options: {},
  bind: { kind: "kaddr", required: true, doc: "the FIX_CMAP address, of ADDR's colour" },
  actors: KERNEL_ACTORS,
  window: null,
  arch: ARCH,
  linux: "kmap_coherent (arch/mips/mm/init.c): BUG_ON(Page_dcache_dirty(page)), wired TLB entry at FIX_CMAP",
  doc: "Map a page into the kernel at the colour of a user address (MIPS); the run ends with `bug` if the page is marked PG_dcache_dirty.",
});

/** `kunmap_coherent`: remove the last kmap_coherent mapping of the actor's CPU. */
export const KUNMAP_COHERENT_OP: OpSpec = Object.freeze<OpSpec>({
  name: "kunmap_coherent",
  group: "arch",
  params: [],
  options: {},
  bind: null,
  actors: KERNEL_ACTORS,
  window: null,
  arch: ARCH,
  linux: "kunmap_coherent (arch/mips/mm/init.c): drop the last wired TLB entry, no cache operation",
  doc: "Release the last kmap_coherent mapping of the actor's CPU (MIPS).",
});

/** `add_to_swap TASK ADDR`: the anonymous page TASK maps at ADDR enters the swap cache (still mapped). */
export const ADD_TO_SWAP_OP: OpSpec = Object.freeze<OpSpec>({
  name: "add_to_swap",
  group: "arch",
  params: [
    { name: "TASK", kind: "task", doc: "the task whose page is reclaimed" },
    { name: "ADDR", kind: "address", bases: ["map"], doc: "an address of an anonymous page TASK maps" },
  ],
  options: {},
  bind: null,
  actors: KERNEL_ACTORS,
  window: null,
  arch: ARCH,
  linux:
    "shrink_page_list → add_to_swap (mm/vmscan.c, mm/swap_state.c): PageSwapCache, so page_mapping() returns &swapper_space (≤ v4.16)",
  doc: "Memory pressure puts a mapped anonymous page into the swap cache (MIPS package: what page_mapping() showed the lazy flush).",
});

/** The ops of this package, in registration order. */
export const MIPS_OPS: readonly OpSpec[] = Object.freeze([
  KMAP_COHERENT_OP,
  KUNMAP_COHERENT_OP,
  ADD_TO_SWAP_OP,
]);

const contexts = new WeakMap<Kernel, MipsContext>();

/** Remember the MIPS context of a kernel (the era plugin does, when applied), for the op executors. */
export function bindMipsContext(kernel: Kernel, ctx: MipsContext): void {
  contexts.set(rawKernel(kernel), ctx);
}

/** The MIPS context of a kernel (the one the era plugin applied), or an Error (a bug) without one. */
export function mipsContextOf(kernel: Kernel): MipsContext {
  const ctx = contexts.get(rawKernel(kernel));
  if (!ctx) throw new Error("no MIPS era plugin was applied to this kernel");
  return ctx;
}

/** The executors of this package's ops. `kmapCoherent`: the era has kmap_coherent (2.6.19 does not). */
export function mipsOpExecutors(kmapCoherent: boolean): Record<string, ScenarioOpExecutor> {
  const executors: Record<string, ScenarioOpExecutor> = {
    add_to_swap(ctx) {
      const task = ctx.task(ctx.name(0));
      const addr = ctx.address(ctx.arg(1));
      const pte = task.mm?.pte(addr).get();
      if (pte === undefined || !pte.present) {
        return ctx.fail(`0x${addr.toString(16)} is not mapped in task ${task.name} (no present PTE)`);
      }
      const page: Page = ctx.kernel.pfn_to_page(pte.pfn);
      if (!PageAnon(page))
        ctx.fail(
          `the page at 0x${addr.toString(16)} is not anonymous: only anonymous pages enter the swap cache`,
        );
      add_to_swap(page);
    },
  };
  if (kmapCoherent) {
    executors.kmap_coherent = (ctx) => {
      const mips = mipsContextOf(ctx.kernel);
      const kaddr = kmap_coherent(mips, ctx.page(ctx.arg(0)), ctx.address(ctx.arg(1)));
      ctx.bind({ kind: "kaddr", addr: kaddr, size: ctx.pageSize });
    };
    executors.kunmap_coherent = (ctx) => kunmap_coherent(mipsContextOf(ctx.kernel));
  }
  return executors;
}
