// The semantic layer of the scenario format: the names a scenario defines (files, tasks, threads, mappings,
// bindings) as they evolve step by step, and the conversion of one step's tokens into a typed `Step` checked
// against the op table. parse.ts drives it in document order, so "a binding used before it is defined" is
// simply a name not yet in scope. Also the run-time hook `validateForProfile` (page-size alignment of `at`).
import { UserError } from "../errors.js";
import type {
  AddressArg,
  Arg,
  FileDecl,
  IntArg,
  MapDecl,
  NameArg,
  Protection,
  Scenario,
  SourceLocation,
  Step,
  StringArg,
} from "./ast.js";
import {
  type ActorKind,
  type AddressBase,
  type BindingKind,
  type OpRegistry,
  type OpSpec,
  type OptionSpec,
  opSignature,
  type ParamSpec,
} from "./ops.js";
import {
  didYouMean,
  IDENTIFIER,
  LexError,
  parseAddress,
  parseInteger,
  type Token,
  tokenize,
} from "./tokens.js";

/** `file:line:col` */
export function formatLocation(where: SourceLocation): string {
  return `${where.file}:${where.line}:${where.col}`;
}

/** Throw the UserError of a mistake at `where`. */
export function fail(where: SourceLocation, message: string): never {
  throw new UserError(formatLocation(where), message);
}

/** Names no declaration may take: the non-thread actors and the step key `window`. */
export const RESERVED_NAMES: readonly string[] = ["kworker", "device", "window"];

/** The most CPUs a scenario may declare. */
export const MAX_SCENARIO_CPUS = 64;

// ---------------------------------------------------------------------------------------------------------
// Scope

/** A task as the scope knows it at some step. */
export interface TaskState {
  name: string;
  cpu: number;
  threads: string[];
  /** Its current mappings by name. */
  maps: Map<string, MapDecl>;
  exited: boolean;
  where: SourceLocation;
}

/** A binding defined by `-> name`. */
export interface BindingState {
  name: string;
  kind: BindingKind;
  /** The op that defined it. */
  op: string;
  /** The task of the actor that defined it (null for kworker). */
  task: string | null;
  /** For page bindings: how many pages. */
  pages: number;
  where: SourceLocation;
}

/**
 * Every name of a scenario, as it stands at the step being read. Files, tasks, threads and bindings share one
 * namespace (a thread may carry its own task's name); mapping names live per task (a fork copies them) but may
 * not equal any name of that shared namespace, so that `buf+0x10` is never ambiguous.
 */
export class Scope {
  readonly files = new Map<string, FileDecl>();
  readonly tasks = new Map<string, TaskState>();
  /** Thread name -> task name. */
  readonly threads = new Map<string, string>();
  readonly bindings = new Map<string, BindingState>();
  /** Every mapping name ever declared in any task, with where first. */
  private readonly mapNames = new Map<string, SourceLocation>();
  /** The shared namespace: name -> what it is and where it was defined. */
  private readonly globals = new Map<string, { what: string; where: SourceLocation; task?: string }>();

  constructor(readonly cpus: number) {}

  /** Check that `name` is a valid identifier and not reserved. */
  checkIdentifier(name: string, what: string, where: SourceLocation): void {
    if (!IDENTIFIER.test(name)) {
      fail(where, `${what} name \`${name}\` is not a name (a letter or _, then letters, digits or _)`);
    }
    if (RESERVED_NAMES.includes(name)) fail(where, `\`${name}\` is reserved and cannot name a ${what}`);
  }

  /** Declare a name of the shared namespace (file, task, thread, binding). */
  declare(name: string, what: string, where: SourceLocation, task?: string): void {
    this.checkIdentifier(name, what, where);
    const existing = this.globals.get(name);
    // a task's thread may carry the task's name (the default single thread does)
    const ownThread = existing && what === "thread" && existing.what === "task" && name === task;
    if (existing && !ownThread) {
      fail(
        where,
        `duplicate name \`${name}\`: already the ${existing.what} defined at ${formatLocation(existing.where)}`,
      );
    }
    const mapAt = this.mapNames.get(name);
    if (mapAt)
      fail(where, `duplicate name \`${name}\`: already a mapping, defined at ${formatLocation(mapAt)}`);
    if (!existing) this.globals.set(name, { what, where, task });
  }

  /** Add a mapping to a task. */
  addMap(task: TaskState, map: MapDecl): void {
    this.checkIdentifier(map.name, "mapping", map.where);
    const global = this.globals.get(map.name);
    if (global) {
      fail(
        map.where,
        `duplicate name \`${map.name}\`: already the ${global.what} defined at ${formatLocation(global.where)}`,
      );
    }
    const existing = task.maps.get(map.name);
    if (existing) {
      fail(
        map.where,
        `duplicate mapping \`${map.name}\` in task ${task.name} (defined at ${formatLocation(existing.where)})`,
      );
    }
    task.maps.set(map.name, map);
    if (!this.mapNames.has(map.name)) this.mapNames.set(map.name, map.where);
  }

  /** What a name is, for messages ("a task", "a mapping of task x"). */
  describe(name: string): string | null {
    const global = this.globals.get(name);
    if (global) return `the ${global.what} defined at ${formatLocation(global.where)}`;
    const owners = [...this.tasks.values()].filter((t) => t.maps.has(name)).map((t) => t.name);
    if (owners.length > 0) return `a mapping of task ${owners.join(", ")}`;
    if (this.mapNames.has(name)) return "a mapping no longer mapped";
    return null;
  }

  /** Every name in scope, for "did you mean" hints. */
  names(): string[] {
    const names = [...this.globals.keys()];
    for (const task of this.tasks.values()) names.push(...task.maps.keys());
    return names;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Maps: the keys shared by a task's `maps` entries and the options of an `mmap` step

/** A field of a mapping as written: a number, a boolean, or a string, with where it was written. */
export interface MapField {
  value: number | boolean | string;
  where: SourceLocation;
}

/** The keys a mapping accepts. */
export const MAP_KEYS: readonly string[] = [
  "anon",
  "file",
  "pgoff",
  "pages",
  "prot",
  "shared",
  "fixed",
  "colour",
  "at",
  "frame_colour",
  "pfn",
  "highmem",
];

/** The largest page count of a mapping or a file, and the largest page index/colour/pfn accepted. */
export const MAX_PAGES = 1024;
const MAX_INDEX = 1 << 20;
const USER_TOP = 2 ** 32;
/** Every page size a profile may have is a multiple of this; `at` must be aligned to it at parse time. */
export const MIN_PAGE_SIZE = 4096;

/** Read `r`, `w`, `x` letters (any order, each once) or `none`; null when malformed. */
export function parseProt(text: string): Protection | null {
  if (text === "none") return { r: false, w: false, x: false };
  if (!/^[rwx]{1,3}$/.test(text) || new Set(text).size !== text.length) return null;
  return { r: text.includes("r"), w: text.includes("w"), x: text.includes("x") };
}

/** Build a MapDecl from its fields (a `maps` entry or the options of an `mmap` step), checking each. */
export function buildMapDecl(
  name: string,
  fields: ReadonlyMap<string, MapField>,
  where: SourceLocation,
  scope: Scope,
): MapDecl {
  const int = (key: string, min: number, max: number): number | null => {
    const field = fields.get(key);
    if (!field) return null;
    const value = typeof field.value === "string" ? parseInteger(field.value) : field.value;
    if (typeof value !== "number" || !Number.isInteger(value))
      fail(field.where, `\`${key}\` must be an integer`);
    if (value < min || value > max)
      fail(field.where, `\`${key}\` must be between ${min} and ${max}, not ${value}`);
    return value;
  };
  const bool = (key: string): boolean | null => {
    const field = fields.get(key);
    if (!field) return null;
    if (typeof field.value !== "boolean") fail(field.where, `\`${key}\` must be true or false`);
    return field.value;
  };
  const anon = bool("anon");
  const fileField = fields.get("file");
  let file: string | null = null;
  if (fileField) {
    if (typeof fileField.value !== "string") fail(fileField.where, "`file` must name a declared file");
    file = fileField.value;
    if (!scope.files.has(file)) {
      fail(
        fileField.where,
        `undefined file \`${file}\`${didYouMean(file, scope.files.keys())}: declare it under \`files\``,
      );
    }
  }
  if (anon === true && file !== null)
    fail(where, `mapping \`${name}\` has both \`anon\` and \`file\`: choose one`);
  if (anon !== true && file === null) {
    fail(
      where,
      `mapping \`${name}\` needs \`anon: true\` or \`file: NAME\` (anon=1 or file=NAME in an mmap step)`,
    );
  }
  const pages = int("pages", 1, MAX_PAGES) ?? 1;
  const pgoff = int("pgoff", 0, MAX_INDEX) ?? 0;
  if (file === null && fields.has("pgoff"))
    fail(fields.get("pgoff")!.where, "`pgoff` applies to a file mapping only");
  if (file !== null) {
    const decl = scope.files.get(file)!;
    if (pgoff + pages > decl.pages) {
      fail(
        fields.get("pgoff")?.where ?? fields.get("pages")?.where ?? where,
        `mapping \`${name}\` covers file pages ${pgoff}..${pgoff + pages - 1} but file ${file} has ${decl.pages} page(s)`,
      );
    }
  }
  let prot: Protection = { r: true, w: true, x: false };
  const protField = fields.get("prot");
  if (protField) {
    const parsed = typeof protField.value === "string" ? parseProt(protField.value) : null;
    if (!parsed) fail(protField.where, "`prot` must be letters r, w, x (each at most once) or `none`");
    prot = parsed;
  }
  const colour = int("colour", 0, MAX_INDEX);
  const at = int("at", 0, USER_TOP - 1);
  if (colour !== null && at !== null)
    fail(fields.get("at")!.where, "a mapping takes `colour` or `at`, not both");
  if (at !== null && at % MIN_PAGE_SIZE !== 0) {
    fail(fields.get("at")!.where, `\`at\` 0x${at.toString(16)} is not page-aligned (a multiple of 4 KiB)`);
  }
  const frameColour = int("frame_colour", 0, MAX_INDEX);
  const pfn = int("pfn", 0, MAX_INDEX);
  if (frameColour !== null && pfn !== null) {
    fail(fields.get("pfn")!.where, "a mapping takes `frame_colour` or `pfn`, not both");
  }
  return {
    name,
    anon: anon === true,
    file,
    pgoff,
    pages,
    prot,
    shared: bool("shared") ?? false,
    fixed: bool("fixed") ?? at !== null,
    colour,
    at,
    frameColour,
    pfn,
    highmem: bool("highmem") ?? false,
    where,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Steps

/** Where a step's text sits in the file: maps an offset within the step text to a SourceLocation. */
export type Locate = (offset: number) => SourceLocation;

/** The actor of a step, resolved. */
interface Actor {
  kind: ActorKind;
  /** A thread's task. */
  task: TaskState | null;
  /** The thread's name, for threads. */
  thread: string | null;
  cpu: number | null;
}

/** One step as the file writes it, before conversion. */
export interface RawStep {
  index: number;
  actor: string;
  actorWhere: SourceLocation;
  text: string;
  locate: Locate;
}

/**
 * Resolve a step's actor: a thread of a live task, `kworker` (= `kworker@0`), `kworker@N`, or `device`.
 */
function resolveActor(name: string, where: SourceLocation, scope: Scope): Actor {
  if (name === "device") return { kind: "device", task: null, thread: null, cpu: null };
  if (name === "kworker") return { kind: "kworker", task: null, thread: null, cpu: 0 };
  const worker = /^kworker@(\d+)$/.exec(name);
  if (worker) {
    const cpu = Number(worker[1]);
    if (cpu >= scope.cpus) {
      fail(where, `actor ${name}: CPU ${cpu} does not exist (the scenario has cpus: ${scope.cpus})`);
    }
    return { kind: "kworker", task: null, thread: null, cpu };
  }
  const taskName = scope.threads.get(name);
  if (taskName === undefined) {
    const known = [...scope.threads.keys(), "kworker", "kworker@N", "device"];
    fail(
      where,
      `unknown actor \`${name}\`${didYouMean(name, scope.threads.keys())}: an actor is a thread (${known.join(", ")})`,
    );
  }
  const task = scope.tasks.get(taskName)!;
  if (task.exited) fail(where, `thread ${name} cannot act: its task ${task.name} has exited`);
  return { kind: "thread", task, thread: name, cpu: task.cpu };
}

function argumentList(op: OpSpec): string {
  return op.params.length === 0 ? "no arguments" : op.params.map((p) => p.name).join(" ");
}

/** A converted step, with what applying it to the scope needs. */
export interface ConvertedStep {
  step: Step;
  op: OpSpec;
  /** Where the `-> name` binding is written (null when none). */
  bindWhere: SourceLocation | null;
}

/**
 * Convert one step (its actor and text) into a Step, checked against the op table and the scope. The scope is
 * not changed: `applyStep` does that once the step (and its window, if any) has been read, so that a fork's
 * child, for instance, exists only after its window.
 */
export function convertStep(raw: RawStep, scope: Scope, ops: OpRegistry): ConvertedStep {
  const { locate } = raw;
  let tokens: Token[];
  try {
    tokens = tokenize(raw.text);
  } catch (error) {
    if (error instanceof LexError) fail(locate(error.offset), error.message);
    throw error;
  }
  if (tokens.length === 0) fail(locate(0), "empty step: write `actor: op args...`");
  const opToken = tokens[0];
  if (opToken.arrow || opToken.quoted) fail(locate(opToken.offset), "a step starts with an op name");
  const op = ops.get(opToken.value);
  if (!op) {
    fail(
      locate(opToken.offset),
      `unknown op \`${opToken.value}\`${didYouMean(
        opToken.value,
        ops.all().map((o) => o.name),
      )}`,
    );
  }
  const actor = resolveActor(raw.actor, raw.actorWhere, scope);
  if (!op.actors.includes(actor.kind)) {
    const who = actor.kind === "thread" ? `a thread (${raw.actor})` : raw.actor;
    fail(raw.actorWhere, `${op.name} cannot be issued by ${who}; it is issued by ${actorList(op.actors)}`);
  }

  // split: positionals and options, then `-> name`
  const arrowIndex = tokens.findIndex((t) => t.arrow);
  const body = tokens.slice(1, arrowIndex === -1 ? tokens.length : arrowIndex);
  const tail = arrowIndex === -1 ? [] : tokens.slice(arrowIndex + 1);

  const positionals: Token[] = [];
  const optionTokens: { key: string; token: Token; valueOffset: number; value: string; quoted: boolean }[] =
    [];
  for (const token of body) {
    const option = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(token.raw);
    if (option) {
      const key = option[1];
      const rawValue = token.raw.slice(key.length + 1);
      optionTokens.push({
        key,
        token,
        valueOffset: token.offset + key.length + 1,
        value: token.value.slice(key.length + 1),
        quoted: rawValue.startsWith('"') || rawValue.startsWith("'"),
      });
    } else if (token.raw.includes("=") && !token.quoted) {
      fail(locate(token.offset), `malformed option \`${token.raw}\`: write key=value`);
    } else if (
      positionals.length >= op.params.length &&
      !token.quoted &&
      op.options[token.value]?.kind === "bool"
    ) {
      // a bare boolean option: `shared` means shared=1
      optionTokens.push({ key: token.value, token, valueOffset: token.offset, value: "1", quoted: false });
    } else {
      positionals.push(token);
    }
  }
  const usage = opSignature(op);
  if (positionals.length > op.params.length) {
    const extra = positionals[op.params.length];
    fail(
      locate(extra.offset),
      `${op.name} takes ${argumentList(op)}; \`${extra.raw}\` is one argument too many (usage: ${usage})`,
    );
  }
  if (positionals.length < op.params.length) {
    const missing = op.params.slice(positionals.length).map((p) => p.name);
    const at = positionals.length > 0 ? positionals[positionals.length - 1] : opToken;
    fail(locate(at.offset), `${op.name} is missing ${missing.join(" ")} (usage: ${usage})`);
  }

  // the task user addresses resolve in: the op's TASK argument, else the actor's
  const taskParam = op.params.findIndex((p) => p.kind === "task");
  let contextTask: TaskState | null = actor.task;
  const args: Arg[] = [];
  for (let i = 0; i < op.params.length; i++) {
    const param = op.params[i];
    const token = positionals[i];
    const arg = convertParam(op, param, token, locate, scope, actor, contextTask, taskParam !== -1);
    if (param.kind === "task" && arg.kind === "name") contextTask = scope.tasks.get(arg.value)!;
    args.push(arg);
  }

  const options: Record<string, Arg> = {};
  for (const { key, token, valueOffset, value, quoted } of optionTokens) {
    const spec = op.options[key];
    if (!spec) {
      const known = Object.keys(op.options);
      fail(
        locate(token.offset),
        `unknown option \`${key}\` of ${op.name}${didYouMean(key, known)}; ${known.length ? `it takes ${known.join(", ")}` : "it takes no options"}`,
      );
    }
    if (key in options) fail(locate(token.offset), `option \`${key}\` given twice`);
    options[key] = convertOption(op, key, spec, value, quoted, locate(valueOffset), scope);
  }

  for (const [key, spec] of Object.entries(op.options)) {
    if (spec.required && !(key in options)) {
      fail(locate(opToken.offset), `${op.name} needs ${key}=${optionValues(spec)} (usage: ${usage})`);
    }
  }

  let bind: string | null = null;
  let bindWhere: SourceLocation | null = null;
  if (arrowIndex !== -1) {
    if (!op.bind)
      fail(locate(tokens[arrowIndex].offset), `${op.name} returns nothing to bind (usage: ${usage})`);
    if (tail.length === 0) fail(locate(tokens[arrowIndex].offset), "`->` must be followed by a name");
    if (tail.length > 1) fail(locate(tail[1].offset), `nothing may follow the binding \`-> ${tail[0].raw}\``);
    bind = tail[0].value;
    bindWhere = locate(tail[0].offset);
    if (tail[0].quoted) fail(bindWhere, "`->` must be followed by a name");
    scope.checkIdentifier(bind, op.bind.kind === "task" ? "task" : "binding", bindWhere);
  } else if (op.bind?.required) {
    fail(locate(opToken.offset), `${op.name} must bind its result: add \`-> name\` (usage: ${usage})`);
  }

  const step: Step = {
    index: raw.index,
    actor: raw.actor,
    op: op.name,
    args,
    options,
    bind,
    text: raw.text,
    where: raw.actorWhere,
    actorKind: actor.kind,
    task: actor.task?.name ?? null,
    cpu: actor.cpu,
  };
  checkStringLengths(op, step);
  const problem = op.check?.(step);
  if (problem) fail(locate(opToken.offset), problem);
  if (op.name === "mmap") step.map = mmapDecl(step, scope, actor);
  if (op.name === "fork" && actor.task) {
    const cpu = step.options.cpu;
    if (cpu?.kind === "int" && cpu.value >= scope.cpus) {
      fail(cpu.where, `CPU ${cpu.value} does not exist (the scenario has cpus: ${scope.cpus})`);
    }
  }
  return { step, op, bindWhere };
}

/**
 * After a step (and its window, if any): apply what it defines or ends to the scope: a binding, a mapping
 * (mmap), a child task (fork); the end of a mapping (munmap) or of a task (exit).
 */
export function applyStep({ step, op, bindWhere }: ConvertedStep, scope: Scope): void {
  const task = step.task ? scope.tasks.get(step.task)! : null;
  switch (step.op) {
    case "mmap":
      scope.addMap(task!, step.map!);
      break;
    case "munmap":
      task!.maps.delete((step.args[0] as NameArg).value);
      break;
    case "exit":
      task!.exited = true;
      break;
  }
  if (step.bind === null || !op.bind) return;
  const where = bindWhere ?? step.where;
  if (op.bind.kind === "task") {
    // fork: the child task, with one thread of the same name, a copy of every mapping of the parent
    const parent = task!;
    const cpuArg = step.options.cpu;
    scope.declare(step.bind, "task", where);
    scope.declare(step.bind, "thread", where, step.bind);
    const child: TaskState = {
      name: step.bind,
      cpu: cpuArg?.kind === "int" ? cpuArg.value : parent.cpu,
      threads: [step.bind],
      maps: new Map(parent.maps),
      exited: false,
      where,
    };
    scope.tasks.set(child.name, child);
    scope.threads.set(child.name, child.name);
    return;
  }
  scope.declare(step.bind, "binding", where);
  const pagesArg = step.options.pages;
  scope.bindings.set(step.bind, {
    name: step.bind,
    kind: op.bind.kind,
    op: op.name,
    task: step.task ?? null,
    pages: op.bind.kind === "page" && pagesArg?.kind === "int" ? pagesArg.value : 1,
    where,
  });
}

function optionValues(spec: OptionSpec): string {
  return spec.values ? spec.values.join("|") : "...";
}

function actorList(actors: readonly ActorKind[]): string {
  const names = { thread: "a thread", kworker: "kworker", device: "the device" };
  return actors.map((a) => names[a]).join(" or ");
}

function tokenLocation(token: Token, locate: Locate): SourceLocation {
  return locate(token.offset);
}

const BASE_NAMES: Record<AddressBase, string> = {
  map: "a mapping",
  file: "a file page (FILE[page])",
  page: "a page binding",
  kaddr: "a kernel-address binding",
  uaddr: "a user-address binding",
  handle: "a DMA-handle binding",
};

function convertParam(
  op: OpSpec,
  param: ParamSpec,
  token: Token,
  locate: Locate,
  scope: Scope,
  actor: Actor,
  contextTask: TaskState | null,
  hasTaskParam: boolean,
): Arg {
  const where = tokenLocation(token, locate);
  const what = `${param.name} of ${op.name}`;
  const needWord = (): string => {
    if (token.quoted) fail(where, `${what} must be a name, not a quoted string`);
    return token.value;
  };
  switch (param.kind) {
    case "address":
    case "page": {
      if (token.quoted) fail(where, `${what} must be an address, not a quoted string`);
      return convertAddress(op, param, token, locate, scope, actor, contextTask, hasTaskParam);
    }
    case "int": {
      const value = parseInteger(needWord());
      if (value === null || value < 0)
        fail(where, `${what} must be a non-negative integer, not \`${token.raw}\``);
      return { kind: "int", value, where } satisfies IntArg;
    }
    case "value":
      return convertValue(what, token.value, token.quoted, where);
    case "task": {
      const name = needWord();
      const task = scope.tasks.get(name);
      if (!task) {
        const known = scope.describe(name);
        fail(
          where,
          known
            ? `${what} must be a task; \`${name}\` is ${known}`
            : `undefined task \`${name}\`${didYouMean(name, scope.tasks.keys())}`,
        );
      }
      if (task.exited) fail(where, `task ${name} has exited`);
      return { kind: "name", value: name, where } satisfies NameArg;
    }
    case "map": {
      const name = needWord();
      if (!contextTask) fail(where, `${what}: ${actor.kind} has no user address space`);
      if (!contextTask.maps.has(name)) {
        const known = scope.describe(name);
        fail(
          where,
          `task ${contextTask.name} has no mapping \`${name}\`${known ? ` (it is ${known})` : didYouMean(name, contextTask.maps.keys())}`,
        );
      }
      return { kind: "name", value: name, where } satisfies NameArg;
    }
    case "file": {
      const name = needWord();
      if (!scope.files.has(name))
        fail(where, `undefined file \`${name}\`${didYouMean(name, scope.files.keys())}`);
      return { kind: "name", value: name, where } satisfies NameArg;
    }
    case "binding": {
      const name = needWord();
      const binding = scope.bindings.get(name);
      if (!binding) {
        const known = scope.describe(name);
        fail(
          where,
          known
            ? `${what} must be a ${param.binding} binding; \`${name}\` is ${known}`
            : `undefined binding \`${name}\`${didYouMean(name, scope.bindings.keys())}: bind it with \`-> ${name}\` in an earlier step`,
        );
      }
      if (binding.kind !== param.binding) {
        fail(
          where,
          `${what} must be a ${param.binding} binding; \`${name}\` is a ${binding.kind} (from ${binding.op})`,
        );
      }
      return { kind: "name", value: name, where } satisfies NameArg;
    }
    case "prot": {
      const text = needWord();
      if (!parseProt(text))
        fail(where, `${what} must be letters r, w, x (each at most once) or \`none\`, not \`${text}\``);
      return { kind: "name", value: text, where } satisfies NameArg;
    }
    case "keyword": {
      const text = needWord();
      if (!param.values?.includes(text))
        fail(where, `${what} must be one of ${param.values?.join(", ")}, not \`${text}\``);
      return { kind: "name", value: text, where } satisfies NameArg;
    }
    case "name": {
      const text = needWord();
      scope.checkIdentifier(text, param.name.toLowerCase(), where);
      return { kind: "name", value: text, where } satisfies NameArg;
    }
  }
}

function convertAddress(
  op: OpSpec,
  param: ParamSpec,
  token: Token,
  locate: Locate,
  scope: Scope,
  actor: Actor,
  contextTask: TaskState | null,
  hasTaskParam: boolean,
): AddressArg {
  const where = locate(token.offset);
  const what = `${param.name} of ${op.name}`;
  let raw: ReturnType<typeof parseAddress>;
  try {
    raw = parseAddress(token.value);
  } catch (error) {
    if (error instanceof LexError) fail(locate(token.offset + error.offset), `${what}: ${error.message}`);
    throw error;
  }
  const bases = param.bases ?? [];
  const accepted = bases.map((b) => BASE_NAMES[b]).join(", ");
  let baseKind: AddressBase;
  let pages: number | null = null;
  let task: string | null = null;
  const binding = scope.bindings.get(raw.base);
  if (binding) {
    baseKind = binding.kind as AddressBase;
    if (binding.kind === "kaddr" && param.kind === "page" && binding.op !== "kmalloc") {
      fail(
        where,
        `${what}: \`${raw.base}\` is a kernel address from ${binding.op}; only a kmalloc address names its page here`,
      );
    }
    if (binding.kind === "page") pages = binding.pages;
    if (binding.kind === "uaddr") {
      if (contextTask?.name !== binding.task) {
        fail(
          where,
          `${what}: \`${raw.base}\` is a user address of task ${binding.task}, not of ${contextTask?.name ?? actor.kind}`,
        );
      }
      task = binding.task;
    }
  } else if (scope.files.has(raw.base)) {
    baseKind = "file";
    pages = scope.files.get(raw.base)!.pages;
  } else if (contextTask?.maps.has(raw.base)) {
    baseKind = "map";
    pages = contextTask.maps.get(raw.base)!.pages;
    task = contextTask.name;
  } else {
    const known = scope.describe(raw.base);
    if (!contextTask && known?.startsWith("a mapping")) {
      fail(
        where,
        `${what}: \`${raw.base}\` is a user address (${known}) and ${actor.kind} has no user address space`,
      );
    }
    if (known)
      fail(
        where,
        `${what} must be ${accepted}; \`${raw.base}\` is ${known}${contextTask ? ` (acting on task ${contextTask.name})` : ""}`,
      );
    fail(
      where,
      `undefined name \`${raw.base}\`${didYouMean(raw.base, scope.names())}: ${what} must be ${accepted} (a binding is defined by an earlier \`-> name\`)`,
    );
  }
  if (!bases.includes(baseKind)) {
    fail(where, `${what} must be ${accepted}; \`${raw.base}\` is ${BASE_NAMES[baseKind]}`);
  }
  if (baseKind === "map" && !hasTaskParam && actor.kind !== "thread") {
    fail(where, `${what}: ${raw.base} is a user address and ${actor.kind} has no user address space`);
  }
  if (raw.page !== null) {
    if (pages === null)
      fail(where, `${what}: \`${raw.base}\` is ${BASE_NAMES[baseKind]}, which takes no [page] index`);
    if (raw.page >= pages) {
      fail(
        where,
        `${what}: page ${raw.page} is beyond \`${raw.base}\`, which has ${pages} page(s) (indices from 0)`,
      );
    }
  }
  if (param.kind === "page") {
    if (raw.hasOffset) fail(where, `${what} is a page, not an address: drop the \`+offset\``);
  } else if (raw.offset % 4 !== 0) {
    fail(where, `${what}: offset 0x${raw.offset.toString(16)} is not word-aligned (a multiple of 4 bytes)`);
  }
  return { kind: "address", base: raw.base, page: raw.page, offset: raw.offset, where, baseKind, task };
}

const WORD_MIN = -(2 ** 31);
const WORD_MAX = 2 ** 32 - 1;

function convertValue(
  what: string,
  text: string,
  quoted: boolean,
  where: SourceLocation,
): IntArg | StringArg {
  if (quoted) {
    if (text.length === 0) fail(where, `${what}: an empty string stores nothing`);
    return { kind: "string", value: text, where };
  }
  const value = parseInteger(text);
  if (value === null) fail(where, `${what} must be an integer or a quoted string, not \`${text}\``);
  if (value < WORD_MIN || value > WORD_MAX) {
    fail(where, `${what}: ${text} does not fit a 32-bit word (${WORD_MIN} to 0x${WORD_MAX.toString(16)})`);
  }
  return { kind: "int", value: value >>> 0, where };
}

/** The number of 32-bit words a string value encodes into (UTF-8, zero-padded). */
export function stringWords(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 4);
}

/** Encode a string value into 32-bit words: UTF-8 bytes, little-endian within each word, zero-padded. */
export function encodeString(text: string, words = stringWords(text)): number[] {
  const bytes = Buffer.from(text, "utf8");
  const out: number[] = [];
  for (let w = 0; w < words; w++) {
    let word = 0;
    for (let b = 3; b >= 0; b--) word = (word << 8) | (bytes[w * 4 + b] ?? 0);
    out.push(word >>> 0);
  }
  return out;
}

function convertOption(
  op: OpSpec,
  key: string,
  spec: OptionSpec,
  value: string,
  quoted: boolean,
  where: SourceLocation,
  scope: Scope,
): Arg {
  const what = `option ${key} of ${op.name}`;
  if (spec.kind === "value") return convertValue(what, value, quoted, where);
  if (quoted) fail(where, `${what} takes no quoted string`);
  switch (spec.kind) {
    case "int":
    case "address": {
      const n = parseInteger(value);
      if (n === null) fail(where, `${what} must be an integer, not \`${value}\``);
      const min = spec.min ?? 0;
      const max = spec.max ?? (spec.kind === "address" ? USER_TOP - 1 : Number.MAX_SAFE_INTEGER);
      if (n < min || n > max) fail(where, `${what} must be between ${min} and ${max}, not ${value}`);
      if (spec.kind === "address" && n % MIN_PAGE_SIZE !== 0) {
        fail(where, `${what}: 0x${n.toString(16)} is not page-aligned (a multiple of 4 KiB)`);
      }
      return { kind: "int", value: n, where };
    }
    case "bool": {
      const n = value === "true" ? 1 : value === "false" ? 0 : parseInteger(value);
      if (n !== 0 && n !== 1) fail(where, `${what} must be 0 or 1, not \`${value}\``);
      return { kind: "int", value: n, where };
    }
    case "keyword":
      if (!spec.values?.includes(value))
        fail(where, `${what} must be one of ${spec.values?.join(", ")}, not \`${value}\``);
      return { kind: "name", value, where };
    case "flags": {
      const flags: string[] = [];
      for (const word of value.split("|")) {
        const flag = spec.aliases?.[word] ?? word;
        if (!spec.values?.includes(flag)) {
          fail(where, `${what}: unknown flag \`${word}\`; the flags are ${spec.values?.join(", ")}`);
        }
        if (flags.includes(flag)) fail(where, `${what}: flag ${flag} given twice`);
        flags.push(flag);
      }
      return { kind: "name", value: flags.join("|"), where };
    }
    case "prot":
      if (!parseProt(value)) fail(where, `${what} must be letters r, w, x (each at most once) or \`none\``);
      return { kind: "name", value, where };
    case "file":
      if (!scope.files.has(value))
        fail(where, `undefined file \`${value}\`${didYouMean(value, scope.files.keys())}`);
      return { kind: "name", value, where };
  }
}

/** A string value must fit the words `len` gives it. */
function checkStringLengths(op: OpSpec, step: Step): void {
  const lenArg = step.options.len;
  if (lenArg?.kind !== "int") return;
  for (const arg of step.args) {
    if (arg.kind === "string" && stringWords(arg.value) > lenArg.value) {
      fail(
        lenArg.where,
        `${op.name}: the string takes ${stringWords(arg.value)} words but len=${lenArg.value}`,
      );
    }
  }
}

function mmapDecl(step: Step, scope: Scope, actor: Actor): MapDecl {
  const fields = new Map<string, MapField>();
  for (const [key, arg] of Object.entries(step.options)) {
    const spec = OPTION_AS_FIELD[key];
    let value: number | boolean | string;
    if (arg.kind === "int") value = spec === "bool" ? arg.value === 1 : arg.value;
    else if (arg.kind === "name" || arg.kind === "string") value = arg.value;
    else continue;
    fields.set(key, { value, where: arg.where });
  }
  const name = (step.args[0] as NameArg).value;
  const where = step.args[0].where;
  const task = actor.task!;
  const decl = buildMapDecl(name, fields, where, scope);
  if (task.maps.has(name)) fail(step.args[0].where, `duplicate mapping \`${name}\` in task ${task.name}`);
  return decl;
}

const OPTION_AS_FIELD: Record<string, "bool" | "other"> = {
  anon: "bool",
  shared: "bool",
  fixed: "bool",
  highmem: "bool",
};

// ---------------------------------------------------------------------------------------------------------
// Run-time hook

/** What `validateForProfile` needs to know of a profile. */
export interface ProfileFacts {
  id: string;
  pageSize: number;
}

/**
 * The checks that need the profile (called by the runner before it executes anything): every explicit `at`
 * must be a multiple of the profile's page size. Throws a UserError naming the mapping, file:line:col and the
 * profile.
 */
export function validateForProfile(scenario: Scenario, profile: ProfileFacts): void {
  const check = (map: MapDecl) => {
    if (map.at !== null && map.at % profile.pageSize !== 0) {
      fail(
        map.where,
        `mapping \`${map.name}\`: at=0x${map.at.toString(16)} is not a multiple of the page size (${profile.pageSize} bytes) of profile ${profile.id}`,
      );
    }
  };
  for (const task of scenario.tasks) for (const map of task.maps) check(map);
  const visit = (steps: readonly Step[]) => {
    for (const step of steps) {
      if (step.map) check(step.map);
      if (step.window) visit(step.window);
    }
  };
  visit(scenario.steps);
}
