// The state of one scenario run that step executors share: the bindings made by `-> name`, and the
// resolution of a step's arguments (address expressions, pages, values, tasks) against the kernel. Core's
// executors (run-ops.ts) and the arch-specific ones that plugins bring (KernelPlugin.ops) receive a
// StepContext for the step they execute.
import { UserError } from "../errors.js";
import type { Address, MachineApi } from "../hw/api.js";
import type { File, Kernel, Page, SgMiter, Task, Vma } from "../kernel/index.js";
import type { Profile } from "../profile/types.js";
import type { AddressArg, Arg, Scenario, SourceLocation, Step } from "./ast.js";
import { flagsOption, intOption, type OpSpec, wordOption } from "./ops.js";
import { encodeString, formatLocation, stringWords } from "./validate.js";

/** What a `-> name` binding holds at run time. */
export type RunBinding =
  /** get_user_pages' pinned pages, or one page. */
  | { readonly kind: "page"; readonly pages: readonly Page[] }
  /** A kernel virtual address (kmap, kmap_atomic, sg_miter_next, kmalloc: `size` bytes of the object). */
  | { readonly kind: "kaddr"; readonly addr: Address; readonly size: number | null }
  /** A user virtual address of `task` (the uprobes XOL slot). */
  | { readonly kind: "uaddr"; readonly addr: Address; readonly task: string }
  | { readonly kind: "task"; readonly task: Task }
  | { readonly kind: "iter"; readonly miter: SgMiter }
  /** A DMA address from dma_map_page. */
  | { readonly kind: "handle"; readonly addr: number };

/** An executor of one op: does what the step says, through the kernel (or the device, through the machine). */
export type ScenarioOpExecutor = (ctx: StepContext) => void;

/** The run-wide state executors share. */
export interface RunState {
  readonly scenario: Scenario;
  readonly profile: Profile;
  readonly kernel: Kernel;
  readonly machine: MachineApi;
  readonly bindings: Map<string, RunBinding>;
  /** Execute steps as the runner does: context, actor, executor. */
  runSteps(steps: readonly Step[]): void;
  /**
   * Execute the window of `step` (a fork's preemption window: other actors' steps), then restore the step's
   * context (machine.setContext and the trace) so that the rest of `step` is attributed to it.
   */
  runWindow(step: Step, window: readonly Step[]): void;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** One step being executed: its op, its arguments resolved on demand, and the bindings. */
export class StepContext {
  constructor(
    readonly run: RunState,
    readonly step: Step,
    readonly op: OpSpec,
  ) {}

  get kernel(): Kernel {
    return this.run.kernel;
  }

  get machine(): MachineApi {
    return this.run.machine;
  }

  get profile(): Profile {
    return this.run.profile;
  }

  get pageSize(): number {
    return this.run.kernel.pageSize;
  }

  /** A mistake in the scenario that only shows at run time: a UserError at the step's (or the arg's) place. */
  fail(message: string, where: SourceLocation = this.step.where): never {
    throw new UserError(formatLocation(where), `${this.step.op}: ${message}`);
  }

  /** Positional argument `i`. */
  arg(i: number): Arg {
    const arg = this.step.args[i];
    if (arg === undefined) this.fail(`missing argument ${i + 1}`);
    return arg;
  }

  /** Positional argument `i` as a name (task, map, file, binding, keyword). */
  name(i: number): string {
    const arg = this.arg(i);
    if (arg.kind !== "name") this.fail(`argument ${i + 1} must be a name`, arg.where);
    return arg.value;
  }

  /** An integer option (with the op table's default). */
  int(option: string): number | null {
    return intOption(this.step, option, this.op);
  }

  /** A keyword option (with its default). */
  word(option: string): string | null {
    return wordOption(this.step, option, this.op);
  }

  /** A flags option's short names. */
  flags(option: string): string[] {
    return flagsOption(this.step, option, this.op);
  }

  /** `len=N`: the number of words (defaults to 1, or to a string value's words). */
  len(value?: Arg): number {
    const len = this.int("len");
    if (len !== null) return len;
    return value?.kind === "string" ? stringWords(value.value) : 1;
  }

  /** The words a value argument stores into `len` words: an integer replicated, a string encoded. */
  words(value: Arg, len: number): number[] {
    if (value.kind === "string") return encodeString(value.value, len);
    if (value.kind === "int") return new Array<number>(len).fill(value.value >>> 0);
    return this.fail("a value must be an integer or a quoted string", value.where);
  }

  /** A binding, checked to be of `kind`. */
  binding<K extends RunBinding["kind"]>(
    name: string,
    kind: K,
    where?: SourceLocation,
  ): Extract<RunBinding, { kind: K }> {
    const binding = this.run.bindings.get(name);
    if (!binding) this.fail(`\`${name}\` is not bound (no earlier step bound it with -> ${name})`, where);
    if (binding.kind !== kind) this.fail(`\`${name}\` is a ${binding.kind} binding, not a ${kind}`, where);
    return binding as Extract<RunBinding, { kind: K }>;
  }

  /** Define the step's `-> name` binding (a step without one ignores the value). */
  bind(value: RunBinding): void {
    if (this.step.bind !== null) this.run.bindings.set(this.step.bind, value);
  }

  /** The task named `name`. */
  task(name: string): Task {
    return this.kernel.task(name);
  }

  /** The task the step's actor belongs to (a thread's); a failure for kworker and device. */
  actorTask(): Task {
    if (this.step.task == null) this.fail(`${this.step.actor} has no task`);
    return this.task(this.step.task);
  }

  /** The VMA a mapping name denotes in `task` now. */
  vma(task: Task, map: string, where?: SourceLocation): Vma {
    const vma = task.mm?.vmaNamed(map) ?? null;
    if (vma === null) this.fail(`task ${task.name} has no mapping \`${map}\` now`, where);
    return vma;
  }

  /** The file named `name`. */
  file(name: string): File {
    return this.kernel.file(name);
  }

  /**
   * The address an AddressArg denotes: a user address (`map[page]+off` in its task, a `uaddr` binding), a
   * kernel address (`kaddr` binding), a DMA address (`handle`), or a physical address (`page` binding:
   * page_to_phys + offset). File positions are `filePosition`'s.
   */
  address(arg: Arg): Address {
    if (arg.kind !== "address") return this.fail("expected an address", arg.where);
    const page = arg.page ?? 0;
    switch (arg.baseKind ?? this.guessBase(arg)) {
      case "map": {
        const task = this.task(arg.task ?? this.actorTask().name);
        const vma = this.vma(task, arg.base, arg.where);
        const va = vma.start + page * this.pageSize + arg.offset;
        if (va >= vma.end) this.fail(`${hex(va)} is beyond mapping \`${arg.base}\``, arg.where);
        return va;
      }
      case "uaddr":
        return this.binding(arg.base, "uaddr", arg.where).addr + page * this.pageSize + arg.offset;
      case "kaddr":
        return this.binding(arg.base, "kaddr", arg.where).addr + page * this.pageSize + arg.offset;
      case "handle":
        return this.binding(arg.base, "handle", arg.where).addr + page * this.pageSize + arg.offset;
      case "page": {
        const pages = this.binding(arg.base, "page", arg.where).pages;
        return this.kernel.page_to_phys(this.nth(pages, page, arg)) + arg.offset;
      }
      case "file":
        return this.fail(`\`${arg.base}\` is a file position, not an address`, arg.where);
    }
  }

  /** A file position `FILE[page]+off`: the file and the byte position in it. */
  filePosition(arg: Arg): { file: File; index: number; offset: number; pos: number } {
    if (arg.kind !== "address") return this.fail("expected FILE[page]+offset", arg.where);
    const file = this.file(arg.base);
    const index = arg.page ?? 0;
    return { file, index, offset: arg.offset, pos: index * this.pageSize + arg.offset };
  }

  /**
   * The pages a page argument denotes: a page binding (`p`: all its pages; `p[i]`: the i-th), a file page
   * `F[i]` (its page-cache page, or its persistent-memory page for DAX), or a kmalloc address (its slab page).
   */
  pages(arg: Arg): Page[] {
    if (arg.kind !== "address") return this.fail("expected a page", arg.where);
    switch (arg.baseKind ?? this.guessBase(arg)) {
      case "page": {
        const pages = this.binding(arg.base, "page", arg.where).pages;
        return arg.page === null ? [...pages] : [this.nth(pages, arg.page, arg)];
      }
      case "file": {
        const file = this.file(arg.base);
        const index = arg.page ?? 0;
        if (file.dax) return [file.daxPages[index]];
        const page = this.kernel.find_get_page(file, index);
        if (page === null) {
          this.fail(`file page ${arg.base}[${index}] is not in the page cache (fill it first)`, arg.where);
        }
        return [page];
      }
      case "kaddr":
        return [this.kernel.virt_to_page(this.binding(arg.base, "kaddr", arg.where).addr)];
      default:
        return this.fail(`\`${arg.base}\` does not name a page`, arg.where);
    }
  }

  /** The one page a page argument denotes (`p` alone is its first page). */
  page(arg: Arg): Page {
    const pages = this.pages(arg);
    return pages[0];
  }

  private nth(pages: readonly Page[], i: number, arg: AddressArg): Page {
    const page = pages[i];
    if (page === undefined)
      this.fail(`\`${arg.base}\` has ${pages.length} page(s), not a page ${i}`, arg.where);
    return page;
  }

  /** For ASTs built without the parser's annotations: what `base` names now. */
  private guessBase(arg: AddressArg): NonNullable<AddressArg["baseKind"]> {
    const binding = this.run.bindings.get(arg.base);
    if (binding && binding.kind !== "task" && binding.kind !== "iter") return binding.kind;
    if (this.run.scenario.files.some((f) => f.name === arg.base)) return "file";
    return "map";
  }
}
