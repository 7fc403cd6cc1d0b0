// Shared by the fidelity tests: a registry with the ARM profiles, simulations of a profile, a recorder of the
// hook calls a piece of kernel code makes, and a compact rendering of maintenance operations so that a test
// can assert the exact sequence a hook issues.
import {
  createRegistry,
  createSimulation,
  type File,
  type HookCall,
  type HookName,
  type Kernel,
  type MaintenanceOp,
  type MmapRequest,
  type Page,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  type Simulation,
  type Task,
  type Vma,
} from "@flushlab/core";
import { registerArmProfiles } from "../src/index.js";

/** A registry holding core's generic profiles and this package's. */
export const container = createRegistry(registerArmProfiles);

/** A simulation of an ARM profile (`arm926@3.10` or a full id). */
export function simulate(profile: string, cpus?: number): Simulation {
  const id = profile.includes("/") ? profile : `arm/${profile}`;
  return createSimulation({ profile: id, container, ...(cpus ? { cpus } : {}) });
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/**
 * One maintenance operation as a short string: `d flush va 0xc3fff000+0x1000 k` (k: the kernel page table,
 * u<asid>: a user one), `i invalidate all`, with `@cpuN` when another CPU issued it.
 */
export function op(o: MaintenanceOp, issuer = 0): string {
  const who = o.cpu === issuer ? "" : ` @cpu${o.cpu}`;
  if (o.scope === "va") {
    const space = o.asid === 0 ? "k" : `u${o.asid}`;
    return `${o.cache} ${o.kind} va ${hex(o.start)}+${hex(o.length)} ${space}${who}`;
  }
  if (o.scope === "all") return `${o.cache} ${o.kind} all${who}`;
  return `${o.cache} ${o.kind} ${o.scope} ${hex(o.pa)}${who}`;
}

/** The hook calls made at depth 0 while `fn` runs (each with the operations it issued, nested ones included). */
export function record(kernel: Kernel, fn: () => void): HookCall[] {
  const calls: HookCall[] = [];
  const stop = kernel.observe({ hookExit: (call) => calls.push(call) });
  try {
    fn();
  } finally {
    stop();
  }
  return calls.filter((c) => c.depth === 0);
}

/** The operations (rendered) of the hook calls named `hook` made at depth 0 while `fn` runs. */
export function opsOf(kernel: Kernel, hook: HookName, fn: () => void): string[] {
  return record(kernel, fn)
    .filter((c) => c.hook === hook)
    .flatMap((c) => c.ops.map((o) => op(o, c.cpu)));
}

/** The names of the hook calls nested in the first depth-0 call of `hook` made by `fn`, in call order. */
export function nestedHooks(kernel: Kernel, hook: HookName, fn: () => void): string[] {
  const all: HookCall[] = [];
  const stop = kernel.observe({ hookEnter: (call) => all.push(call) });
  try {
    fn();
  } finally {
    stop();
  }
  const top = all.find((c) => c.depth === 0 && c.hook === hook);
  return top ? all.filter((c) => c.parent === top).map((c) => c.hook) : [];
}

/** A task named `name` with the kernel running on its behalf. */
export function enterTask(kernel: Kernel, name = "t", cpu = 0): Task {
  const task = kernel.createTask(name, { cpu });
  kernel.enter(task.threads[0]);
  return task;
}

/** mmap in the current task. */
export function map(kernel: Kernel, req: Partial<MmapRequest> & { pages?: number }): Vma {
  return kernel.mmap({ pages: 1, prot: PROT_READ | PROT_WRITE, ...req });
}

/** PROT_READ | PROT_EXEC. */
export const RX = PROT_READ | PROT_EXEC;

/** A file page mapped MAP_SHARED in the current task and faulted in by a load: [vma, page]. */
export function mappedFilePage(kernel: Kernel, file: File, opts: Partial<MmapRequest> = {}): [Vma, Page] {
  const vma = map(kernel, { file, shared: true, ...opts });
  kernel.userLoad(vma.start);
  return [vma, kernel.find_get_page(file, vma.pgoff)!];
}

/** An anonymous page of the current task, faulted in by a store: [vma, page]. */
export function anonPage(kernel: Kernel, opts: Partial<MmapRequest> = {}): [Vma, Page] {
  const vma = map(kernel, opts);
  kernel.userStore(vma.start, 1);
  const pte = vma.mm.pte(vma.start).get()!;
  return [vma, kernel.pfn_to_page(pte.pfn)];
}

/** The kernel linear-map address of a lowmem page. */
export function kaddr(kernel: Kernel, page: Page): number {
  return kernel.page_address(page)!;
}

/** `0x…` of a number, for building expected strings. */
export { hex };
