// Observers of the hook points (the tracer, cost counters): they see every hook call with its arguments, its
// nesting depth, its result and the maintenance operations and TLB flushes issued while it ran, without changing
// behaviour. Built on tapable interceptors, installed the first time someone observes (zero cost before), and
// on a machine subscription held only while someone observes.
import type { MachineApi, MachineEvent, MaintenanceOp } from "../hw/api.js";
import { HOOK_NAMES, type HookName, type KernelHooks } from "./hooks.js";

/** One TLB flush issued while a hook ran. */
export interface TlbFlush {
  readonly cpu: number;
  /** null: every entry. */
  readonly asid: number | null;
}

/** One call of a hook, as an observer sees it. */
export interface HookCall {
  /** Position among the hook calls observed (0-based, in call order). */
  readonly seq: number;
  readonly hook: HookName;
  /** The Linux arguments, as passed. */
  readonly args: readonly unknown[];
  /** 0 for a call from generic code; n for a call made while n other hook calls were running. */
  readonly depth: number;
  /** The call this one is nested in (null at depth 0). */
  readonly parent: HookCall | null;
  /** The CPU it ran on (smp_processor_id). */
  readonly cpu: number;
  /** Maintenance operations issued while it ran, nested calls' included, in order. */
  readonly ops: MaintenanceOp[];
  /** Maintenance operations issued by this call itself, outside any nested hook call. */
  readonly ownOps: MaintenanceOp[];
  /** TLB flushes issued while it ran, nested calls' included. */
  readonly tlbFlushes: TlbFlush[];
  /** The result (set at exit). */
  result: unknown;
  /** What it threw (a KernelBug, a KernelRefusal), if it ended by an exception. */
  error: unknown;
}

/** An observer of hook calls. Both callbacks are optional. */
export interface KernelObserver {
  /** A hook call starts (its args and depth are known; its ops are still empty). */
  hookEnter?(call: HookCall): void;
  /** A hook call ended (result or error set, ops complete). */
  hookExit?(call: HookCall): void;
}

/**
 * The observation machinery of one kernel: a stack of open hook calls fed by tapable interceptors, and a
 * machine subscription that attributes maintenance operations and TLB flushes to the open calls.
 */
export class HookObservation {
  private readonly observers: KernelObserver[] = [];
  /** Open calls; null marks a call made while nobody observed (kept so that exits pair with entries). */
  private readonly stack: (HookCall | null)[] = [];
  private installed = false;
  private unsubscribeMachine: (() => void) | null = null;
  private seq = 0;

  constructor(
    private readonly hooks: KernelHooks,
    private readonly machine: MachineApi,
    /** smp_processor_id() at the time of a call. */
    private readonly currentCpu: () => number,
  ) {}

  /** Whether someone observes. */
  get active(): boolean {
    return this.observers.length > 0;
  }

  /** How many hook calls are open (observed or not). */
  get depth(): number {
    return this.stack.length;
  }

  /** Subscribe; returns the unsubscribe function. */
  observe(observer: KernelObserver): () => void {
    if (!this.installed) this.install();
    this.observers.push(observer);
    if (this.unsubscribeMachine === null) {
      this.unsubscribeMachine = this.machine.observe((event) => this.onMachineEvent(event));
    }
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
      if (this.observers.length === 0 && this.unsubscribeMachine !== null) {
        this.unsubscribeMachine();
        this.unsubscribeMachine = null;
      }
    };
  }

  /**
   * Close the calls opened above `depth` because an exception unwound through them (tapable does not report
   * a synchronous throw to interceptors): each gets `error` and an exit notification, innermost first.
   */
  unwind(depth: number, error: unknown): void {
    while (this.stack.length > depth) {
      const call = this.stack.pop();
      if (call) {
        call.error = error;
        for (const observer of [...this.observers]) observer.hookExit?.(call);
      }
    }
  }

  private install(): void {
    this.installed = true;
    for (const name of HOOK_NAMES) {
      this.hooks[name].intercept({
        name: "flushlab-observer",
        call: (...args: unknown[]) => this.enter(name, args),
        result: (result: unknown) => this.exit(result),
        done: () => this.exit(undefined),
      });
    }
  }

  private enter(hook: HookName, args: unknown[]): void {
    if (this.observers.length === 0) {
      this.stack.push(null);
      return;
    }
    let parent: HookCall | null = null;
    for (let i = this.stack.length - 1; i >= 0 && parent === null; i--) parent = this.stack[i];
    const call: HookCall = {
      seq: this.seq++,
      hook,
      args,
      depth: this.stack.length,
      parent,
      cpu: this.currentCpu(),
      ops: [],
      ownOps: [],
      tlbFlushes: [],
      result: undefined,
      error: undefined,
    };
    this.stack.push(call);
    for (const observer of [...this.observers]) observer.hookEnter?.(call);
  }

  private exit(result: unknown): void {
    const call = this.stack.pop();
    if (!call) return;
    call.result = result;
    for (const observer of [...this.observers]) observer.hookExit?.(call);
  }

  private onMachineEvent(event: MachineEvent): void {
    if (event.type !== "maintenance" && event.type !== "tlb-flush") return;
    let innermost = true;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const call = this.stack[i];
      if (call === null) continue;
      if (event.type === "maintenance") {
        call.ops.push(event.op);
        if (innermost) call.ownOps.push(event.op);
      } else {
        call.tlbFlushes.push({ cpu: event.cpu, asid: event.asid });
      }
      innermost = false;
    }
  }
}
