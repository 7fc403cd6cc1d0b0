// The trace of a run (runScenario's `trace` option, `flushlab run --trace`, `flushlab explain`): for each step,
// in order, the hook calls it made (with their arguments and nesting depth), the maintenance operations,
// the accesses, the DMA transfers, the TLB flushes and the violations, each at the depth of the hook call
// it happened in. Every value is rendered into plain JSON so that a trace is byte-identical across runs.
import type { MachineApi, MachineEvent, MaintenanceOp } from "../hw/api.js";
import type { Kernel } from "../kernel/index.js";
import { File, type HookCall, type HookName, Mm, Page, PteRef, SgMiter, Task, Vma } from "../kernel/index.js";

/** One event of a step's trace. `depth`: how many hook calls were open (0: the step's own code). */
export type TraceEvent =
  | {
      readonly type: "hook";
      readonly hook: HookName;
      /** The Linux arguments, rendered (`page(pfn 0x3fff)`, `vma(buf 0x40000000-0x40001000)`, `0x10`). */
      readonly args: readonly string[];
      readonly depth: number;
      readonly cpu: number;
    }
  | {
      readonly type: "hook-exit";
      readonly hook: HookName;
      readonly depth: number;
      readonly result: string;
      readonly error: string | null;
    }
  | {
      readonly type: "access";
      readonly access: "load" | "store" | "ifetch";
      readonly cpu: number;
      readonly va: number;
      readonly pa: number;
      readonly value: number;
      readonly hit: boolean;
      readonly cached: boolean;
      readonly colour: number;
      readonly depth: number;
    }
  | { readonly type: "maintenance"; readonly op: MaintenanceOp; readonly depth: number }
  | {
      readonly type: "dma";
      readonly access: "read" | "write";
      readonly pa: number;
      readonly value: number;
      readonly depth: number;
    }
  | { readonly type: "tlb-flush"; readonly cpu: number; readonly asid: number | null; readonly depth: number }
  | { readonly type: "violation"; readonly kind: string; readonly pa: number; readonly depth: number };

/** The trace of one step (index -1: the set-up of files, tasks and their maps; the end: finish). */
export interface TraceStep {
  readonly index: number;
  readonly actor: string;
  readonly text: string;
  /** file:line:col, or "" for set-up and finish. */
  readonly where: string;
  readonly events: TraceEvent[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Render a hook argument or result as a short, stable string. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return value < 256 && value >= 0 ? String(value) : hex(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value;
  if (value instanceof Page) return `page(pfn ${hex(value.pfn)})`;
  if (value instanceof Vma) return `vma(${value.name ?? "?"} ${hex(value.start)}-${hex(value.end)})`;
  if (value instanceof Mm) return `mm(${value.name})`;
  if (value instanceof Task) return `task(${value.name})`;
  if (value instanceof PteRef) return `ptep(${hex(value.addr)})`;
  if (value instanceof File) return `file(${value.name})`;
  if (value instanceof SgMiter) return `miter(flags ${value.flags})`;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "number")) return `[${value.length} words]`;
    return `[${value.map(renderValue).join(", ")}]`;
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.pfn === "number" && typeof record.present === "boolean") {
      const bits = ["present", "writable", "executable", "user", "cacheable"].filter(
        (k) => record[k] === true,
      );
      return `pte(pfn ${hex(record.pfn)} ${bits.join(",")})`;
    }
    if (typeof record.name === "string") return `${record.name}`;
  }
  return typeof value === "object" ? "{...}" : String(value);
}

/** Records a run's events into per-step traces while it is attached. */
export class TraceRecorder {
  readonly steps: TraceStep[] = [];
  private current: TraceStep | null = null;
  private depth = 0;
  private readonly detach: (() => void)[] = [];

  constructor(kernel: Kernel, machine: MachineApi) {
    this.detach.push(
      kernel.observe({
        hookEnter: (call) => this.onEnter(call),
        hookExit: (call) => this.onExit(call),
      }),
    );
    this.detach.push(machine.observe((event) => this.onMachine(event)));
  }

  /** Start recording the events of a step. */
  begin(index: number, actor: string, text: string, where: string): void {
    this.current = { index, actor, text, where, events: [] };
    this.steps.push(this.current);
    this.depth = 0;
  }

  /** Stop observing. */
  close(): void {
    for (const off of this.detach.splice(0)) off();
    this.current = null;
  }

  private push(event: TraceEvent): void {
    this.current?.events.push(event);
  }

  private onEnter(call: HookCall): void {
    this.push({
      type: "hook",
      hook: call.hook,
      args: call.args.map(renderValue),
      depth: this.depth,
      cpu: call.cpu,
    });
    this.depth++;
  }

  private onExit(call: HookCall): void {
    this.depth = Math.max(0, this.depth - 1);
    const error =
      call.error === undefined ? null : call.error instanceof Error ? call.error.message : String(call.error);
    this.push({
      type: "hook-exit",
      hook: call.hook,
      depth: this.depth,
      result: renderValue(call.result),
      error,
    });
  }

  private onMachine(event: MachineEvent): void {
    const depth = this.depth;
    switch (event.type) {
      case "access":
        this.push({
          type: "access",
          access: event.access,
          cpu: event.cpu,
          va: event.va,
          pa: event.pa,
          value: event.value,
          hit: event.hit,
          cached: event.cached,
          colour: event.colour,
          depth,
        });
        break;
      case "maintenance":
        this.push({ type: "maintenance", op: { ...event.op }, depth });
        break;
      case "dma":
        this.push({ type: "dma", access: event.access, pa: event.pa, value: event.value, depth });
        break;
      case "tlb-flush":
        this.push({ type: "tlb-flush", cpu: event.cpu, asid: event.asid, depth });
        break;
      case "violation":
        this.push({ type: "violation", kind: event.violation.kind, pa: event.violation.pa, depth });
        break;
    }
  }
}
