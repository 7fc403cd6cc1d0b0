// Shared by the arch-mips tests: a registry with this package, simulations on MIPS profiles, a task with a
// mapping at a chosen colour on a frame of a chosen colour, and the maintenance operations one hook call issues.
import {
  createRegistry,
  createSimulation,
  type HookArgs,
  type HookName,
  type Kernel,
  type MaintenanceOp,
  type Page,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  parseScenario,
  type Scenario,
  type Simulation,
  type Task,
  type Vma,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";
import { registerMipsProfiles } from "../src/index.js";

/** One container for the whole test file (registration is not free). */
export const container: DependencyContainer = createRegistry(registerMipsProfiles);

/** A simulation of `profile` (a `mips/...` id). */
export function sim(profile: string, cpus?: number): Simulation {
  return createSimulation({ profile, container, ...(cpus === undefined ? {} : { cpus }) });
}

/** A task `t` entered on CPU 0, with an anonymous mapping at user colour `colour` backed by frames of `frameColour`. */
export function anonTask(
  s: Simulation,
  options: { colour: number; frameColour: number; exec?: boolean; name?: string },
): { task: Task; vma: Vma } {
  const { kernel } = s;
  const task = kernel.createTask(options.name ?? "t");
  kernel.enter(task.threads[0]);
  const vma = kernel.mmap({
    name: "m",
    pages: 1,
    prot: PROT_READ | PROT_WRITE | (options.exec ? PROT_EXEC : 0),
    colour: options.colour,
    placement: { colour: options.frameColour },
  });
  return { task, vma };
}

/** The page the current task maps at `va` (faulting it in with a store first when `store` is given). */
export function pageAt(kernel: Kernel, va: number): Page {
  const pte = kernel.currentMm!.pte(va).get();
  if (!pte?.present) throw new Error(`no present PTE at 0x${va.toString(16)}`);
  return kernel.pfn_to_page(pte.pfn);
}

/** The maintenance operations issued by one call of hook `name` (and the calls nested in it), in order. */
export function opsOf<K extends HookName>(kernel: Kernel, name: K, ...args: HookArgs<K>): MaintenanceOp[] {
  let ops: MaintenanceOp[] = [];
  const stop = kernel.observe({
    hookExit(call) {
      if (call.hook === name && call.depth === 0) ops = call.ops;
    },
  });
  try {
    kernel.callHook(name, ...args);
  } finally {
    stop();
  }
  return ops;
}

/** The maintenance operations issued while `fn` runs (any hook), in order. */
export function opsDuring(kernel: Kernel, fn: () => void): MaintenanceOp[] {
  const ops: MaintenanceOp[] = [];
  const stop = kernel.machine.observe((event) => {
    if (event.type === "maintenance") ops.push(event.op);
  });
  try {
    fn();
  } finally {
    stop();
  }
  return ops;
}

/** An op in a compact, comparable form: `d flush va 0x80000000+4096` or `d flush all`. */
export function show(op: MaintenanceOp): string {
  switch (op.scope) {
    case "va":
      return `${op.cache} ${op.kind} va 0x${op.start.toString(16)}+${op.length}`;
    case "pa-colour":
      return `${op.cache} ${op.kind} pa 0x${op.pa.toString(16)}+${op.length} @colour ${op.colour}`;
    case "pa-all":
      return `${op.cache} ${op.kind} pa 0x${op.pa.toString(16)}+${op.length} @all`;
    case "all":
      return `${op.cache} ${op.kind} all`;
  }
}

/** A scenario from its body (header added). */
export function scenario(body: string, name = "t.yaml"): Scenario {
  return parseScenario(`flushlab: 1\nname: t\ntitle: t\nsource: the arch-mips tests\n${body}`, name);
}

/** `0x...` of an address, for `show` expectations. */
export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The virtual addresses of the CPU accesses made while `fn` runs. */
export function accessesDuring(
  kernel: Kernel,
  fn: () => void,
): { va: number; access: string; value: number }[] {
  const seen: { va: number; access: string; value: number }[] = [];
  const stop = kernel.machine.observe((event) => {
    if (event.type === "access") seen.push({ va: event.va, access: event.access, value: event.value });
  });
  try {
    fn();
  } finally {
    stop();
  }
  return seen;
}
