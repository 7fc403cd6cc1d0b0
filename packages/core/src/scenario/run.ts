// The scenario executor: runs a parsed scenario (ast.ts) on a simulation of one profile and judges it.
//
// Data flow, top to bottom: check what needs the profile (page-size alignment of `at`, CPUs, highmem) →
// build the simulation (machine with max(scenario.cpus, ...) CPUs, kernel, plugins) → set-up (files, tasks
// with their threads, each task's initial maps through mmap on behalf of its first thread) → steps, each under
// machine.setContext(step, actor) and on behalf of its actor (a thread: kernel.enter, which goes through
// switch_mm when its CPU ran another mm; `kworker@N`; the device) → finish (lost writes, dirty alias
// conflicts) → the verdict: coherent, stale (any violation), rejected (KernelRefusal), bug (KernelBug), error
// (anything else that stopped the run). A UserError (a scenario mistake that shows only at run time, a
// failing plugin) is not a verdict: it is thrown, naming file:line:col.
import type { DependencyContainer } from "tsyringe";
import { isUserError, UserError } from "../errors.js";
import type { Costs, MachineApi, Violation } from "../hw/api.js";
import { errnoName, isKernelBug, isKernelRefusal, type Kernel } from "../kernel/index.js";
import { type ProfileId, type ProfilePattern, parseProfileId, parseProfilePattern } from "../profile/id.js";
import type { KernelPlugin } from "../profile/plugin.js";
import { PluginError } from "../profile/plugin.js";
import type { Profile } from "../profile/types.js";
import type { MapDecl, Scenario, SourceLocation, Step, Verdict } from "./ast.js";
import { defaultOps, type OpSpec } from "./ops.js";
import { type RunBinding, type RunState, type ScenarioOpExecutor, StepContext } from "./run-context.js";
import { CORE_EXECUTORS, mmapRequest } from "./run-ops.js";
import { TraceRecorder, type TraceStep } from "./run-trace.js";
import { formatLocation, validateForProfile } from "./validate.js";

export { CORE_EXECUTORS } from "./run-ops.js";

/**
 * What the executor needs of a simulation (simulation.ts's Simulation provides it): the profile, the machine
 * and kernel it drives, the arch-specific op executors its plugins bring, and the end-of-run judgement.
 */
export interface RunnableSimulation {
  readonly profile: Profile;
  readonly machine: MachineApi;
  readonly kernel: Kernel;
  readonly opExecutors: ReadonlyMap<string, ScenarioOpExecutor>;
  readonly pluginNames: readonly string[];
  finish(): { readonly verdict: "coherent" | "stale"; readonly violations: readonly Violation[] };
  costs(): Costs;
}

/** Options of runScenario. */
export interface RunOptions {
  /** Record the trace (hook calls with nesting, maintenance operations, accesses) of every step. */
  readonly trace?: boolean;
  /** Plugins stacked after the profile's (a prototype policy). */
  readonly plugins?: readonly KernelPlugin[];
  /** The registry the profile id is resolved in (default: the default container). */
  readonly container?: DependencyContainer;
  /** The seed of random replacement (default 1). */
  readonly seed?: number;
  /**
   * The run owns its simulation and nobody looks at it afterwards (the comparison matrix): at the end, the
   * machine's storage goes back to a pool for the next run (MachineApi.release). Results are unchanged.
   */
  readonly recycle?: boolean;
}

/** A step, as results cite it. */
export interface StepRef {
  /** The step's index in document order (window steps included). */
  readonly index: number;
  readonly actor: string;
  /** The step as written. */
  readonly text: string;
  /** file:line:col. */
  readonly where: string;
}

/** A violation with the steps it involves. */
export interface RunViolation extends Violation {
  /** The step whose access saw the stale value (null at the end of the run: lost-write, dirty-alias-conflict). */
  readonly source: StepRef | null;
  /** The step that stored the expected value (null: the initial memory, or a set-up store). */
  readonly writerSource: StepRef | null;
}

/** Why a run stopped before its end (verdicts rejected, bug and error). */
export interface RunReason {
  readonly kind: "rejected" | "bug" | "error";
  /** One sentence. */
  readonly message: string;
  /** `-EINVAL` for a refusal, else null. */
  readonly errno: string | null;
  /** The Linux function (and file) that refused or asserted, when known. */
  readonly location: string | null;
  /** The step that was executing (null during set-up). */
  readonly step: StepRef | null;
  /** file:line:col of the step, or of the declaration being set up (a map, a file). */
  readonly where: string | null;
}

/** The result of one scenario on one profile. */
export interface RunResult {
  readonly scenario: string;
  readonly title: string;
  readonly file: string;
  /** sha256 of the scenario file. */
  readonly hash: string;
  readonly profile: string;
  readonly verdict: Verdict;
  /** What the scenario's `expect` block says for this profile (null: nothing). */
  readonly expected: Verdict | null;
  /** CPUs of the machine it ran on. */
  readonly cpus: number;
  readonly violations: readonly RunViolation[];
  readonly costs: Costs;
  readonly reason: RunReason | null;
  /** Per step (set-up first, finish last), when RunOptions.trace. */
  readonly trace?: readonly TraceStep[];
}

/** A refusal decided by the runner itself before the kernel runs (too many CPUs, no highmem). */
class RunRefusal extends Error {
  constructor(
    message: string,
    readonly where: SourceLocation | null,
  ) {
    super(message);
  }
}

/** An error while executing a step (or a set-up declaration), with where it happened. */
class StepFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly step: Step | null,
    readonly where: SourceLocation | null,
  ) {
    super("step failure");
  }
}

// expect.ts's expectedVerdict compiles every glob of the expect block (three regular expressions each) on every
// call; a run of the matrix calls it once per cell, with expect blocks of dozens of globs. The same lookup with
// the compiled patterns and parsed ids kept by their text (pure functions of it), bounded in size.
const compiledPatterns = new Map<string, ProfilePattern>();
const parsedIds = new Map<string, ProfileId>();
const MAX_COMPILED = 4096;

function remembered<T>(cache: Map<string, T>, key: string, make: (key: string) => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make(key); // a malformed text throws here, as on every call, and is not kept
    if (cache.size >= MAX_COMPILED) cache.clear();
    cache.set(key, value);
  }
  return value;
}

/**
 * What the scenario's expect block says for `profileId`, or null: exactly expect.ts's expectedVerdict (an exact
 * id first, then the first matching glob in file order; a malformed id or pattern throws the same UserError,
 * in the same order), with the parsing remembered.
 */
function expectedOn(scenario: Scenario, profileId: string): Verdict | null {
  const entries = scenario.expect;
  const exact = entries.find((e) => e.pattern === profileId);
  if (exact) return exact.verdict;
  const match = entries.find((e) => {
    const id = remembered(parsedIds, profileId, (text) => parseProfileId(text));
    return remembered(compiledPatterns, e.pattern, (text) => parseProfilePattern(text)).matches(id);
  });
  return match?.verdict ?? null;
}

/** Every step of a scenario (windows included) by index. */
function stepsByIndex(steps: readonly Step[], into = new Map<number, Step>()): Map<number, Step> {
  for (const step of steps) {
    into.set(step.index, step);
    if (step.window) stepsByIndex(step.window, into);
  }
  return into;
}

function refOf(step: Step): StepRef {
  return { index: step.index, actor: step.actor, text: step.text, where: formatLocation(step.where) };
}

/** Every map a scenario declares or creates, in document order. */
function allMaps(scenario: Scenario): MapDecl[] {
  const maps = scenario.tasks.flatMap((t) => t.maps);
  const visit = (steps: readonly Step[]) => {
    for (const step of steps) {
      if (step.map) maps.push(step.map);
      if (step.window) visit(step.window);
    }
  };
  visit(scenario.steps);
  return maps;
}

/** The CPU a step's actor runs on (kworker@N: N), from the parser's annotation or the actor's name. */
function actorCpu(step: Step): number | null {
  if (step.cpu !== undefined) return step.cpu;
  const m = /^kworker(?:@(\d+))?$/.exec(step.actor);
  return m ? Number(m[1] ?? 0) : null;
}

/**
 * The CPUs the machine needs: the scenario's `cpus`, the profile CPU's default, and one more than the highest
 * CPU a task, a kworker or a fork's child runs on.
 */
export function cpusNeeded(scenario: Scenario, profile: Profile): number {
  let cpus = Math.max(scenario.cpus, profile.defaultCpus, 1);
  for (const task of scenario.tasks) cpus = Math.max(cpus, task.cpu + 1);
  for (const step of stepsByIndex(scenario.steps).values()) {
    const cpu = actorCpu(step);
    if (cpu !== null) cpus = Math.max(cpus, cpu + 1);
    const forkCpu = step.op === "fork" ? step.options.cpu : undefined;
    if (forkCpu?.kind === "int") cpus = Math.max(cpus, forkCpu.value + 1);
  }
  return cpus;
}

/**
 * The checks that need the profile, before anything runs. A misaligned `at` is a UserError (the scenario
 * cannot run on that page size); more CPUs than the profile's CPU can have, or a highmem frame on a profile
 * without highmem, make the run `rejected` (the scenario is fine, the profile cannot host it).
 */
function precheck(scenario: Scenario, profile: Profile, cpus: number): void {
  validateForProfile(scenario, { id: profile.id, pageSize: profile.pageSize });
  if (cpus > profile.maxCpus) {
    throw new RunRefusal(
      `the scenario needs ${cpus} CPUs and profile ${profile.id} has at most ${profile.maxCpus} (${profile.cpu.summary})`,
      null,
    );
  }
  if (!profile.highmem) {
    const map = allMaps(scenario).find((m) => m.highmem);
    if (map) {
      throw new RunRefusal(
        `mapping \`${map.name}\` asks for highmem frames and profile ${profile.id} has no highmem (CONFIG_HIGHMEM off)`,
        map.where,
      );
    }
  }
}

/** The executor of `op` on this simulation, or a failure saying why the profile lacks it. */
function executorFor(sim: RunnableSimulation, step: Step): { spec: OpSpec; run: (ctx: StepContext) => void } {
  const spec = defaultOps.get(step.op);
  if (!spec) throw new UserError(formatLocation(step.where), `unknown op \`${step.op}\``);
  if (spec.arch === null) {
    const core = CORE_EXECUTORS[step.op];
    if (!core) throw new Error(`op ${step.op} has no executor (a bug in flushlab)`);
    return { spec, run: core };
  }
  // an arch-specific op runs where one of the profile's plugins brings its executor (the arch's policy on its
  // own profiles, or a plugin stacked elsewhere); anywhere else it is the verdict `error`, saying so
  const run = sim.opExecutors.get(step.op);
  if (!run) {
    throw new Error(
      `op ${step.op} is provided by the ${spec.arch} architecture; profile ${sim.profile.id} (plugins: ${sim.pluginNames.join(", ") || "none"}) lacks it`,
    );
  }
  return { spec, run };
}

/** Run one step: context, actor, executor. */
function runStep(run: RunState, sim: RunnableSimulation, step: Step): void {
  sim.machine.setContext(step.index, step.actor);
  const kind =
    step.actorKind ??
    (step.actor === "device" ? "device" : /^kworker/.test(step.actor) ? "kworker" : "thread");
  if (kind === "thread") sim.kernel.enter(sim.kernel.thread(step.actor));
  else if (kind === "kworker") sim.kernel.enter(sim.kernel.kworker(actorCpu(step) ?? 0));
  const { spec, run: execute } = executorFor(sim, step);
  execute(new StepContext(run, step, spec));
}

/** Turn what stopped a run into a verdict and its reason (a UserError is rethrown, naming the place). */
function judgeFailure(failure: StepFailure, scenarioFile: string): { verdict: Verdict; reason: RunReason } {
  const { cause, step, where } = failure;
  const at = where ? formatLocation(where) : null;
  const stepRef = step ? refOf(step) : null;
  if (cause instanceof PluginError) throw cause.at(at);
  if (isUserError(cause)) {
    if (at === null || cause.where.startsWith(`${scenarioFile}:`)) throw cause;
    throw new UserError(at, `${cause.where ? `${cause.where}: ` : ""}${cause.message}`);
  }
  if (cause instanceof RunRefusal) {
    const place = cause.where ? formatLocation(cause.where) : at;
    return {
      verdict: "rejected",
      reason: {
        kind: "rejected",
        message: cause.message,
        errno: null,
        location: null,
        step: stepRef,
        where: place,
      },
    };
  }
  if (isKernelRefusal(cause)) {
    return {
      verdict: "rejected",
      reason: {
        kind: "rejected",
        message: cause.reason,
        errno: errnoName(cause.errno),
        location: cause.location || null,
        step: stepRef,
        where: at,
      },
    };
  }
  if (isKernelBug(cause)) {
    return {
      verdict: "bug",
      reason: {
        kind: "bug",
        message: cause.message,
        errno: null,
        location: cause.location,
        step: stepRef,
        where: at,
      },
    };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    verdict: "error",
    reason: { kind: "error", message, errno: null, location: null, step: stepRef, where: at },
  };
}

/**
 * Execute a scenario on a profile. `simulate(cpus)` builds the simulation (runScenario passes one that uses the
 * registry's child container); the library entry point is `runScenario` in simulation.ts.
 */
export function executeScenario(
  scenario: Scenario,
  profile: Profile,
  simulate: (cpus: number) => RunnableSimulation,
  options: RunOptions = {},
): RunResult {
  const cpus = cpusNeeded(scenario, profile);
  const byIndex = stepsByIndex(scenario.steps);
  const base = {
    scenario: scenario.name,
    title: scenario.title,
    file: scenario.file,
    hash: scenario.hash,
    profile: profile.id,
    expected: expectedOn(scenario, profile.id),
    cpus,
  };
  try {
    precheck(scenario, profile, cpus);
  } catch (error) {
    if (!(error instanceof RunRefusal)) throw error;
    const { verdict, reason } = judgeFailure(new StepFailure(error, null, error.where), scenario.file);
    return {
      ...base,
      verdict,
      violations: [],
      costs: emptyCosts(),
      reason,
      ...(options.trace ? { trace: [] } : {}),
    };
  }

  const sim = simulate(cpus);
  const recorder = options.trace ? new TraceRecorder(sim.kernel, sim.machine) : null;
  const bindings = new Map<string, RunBinding>();
  const run: RunState = {
    scenario,
    profile,
    kernel: sim.kernel,
    machine: sim.machine,
    bindings,
    runSteps(steps) {
      for (const step of steps) {
        recorder?.begin(step.index, step.actor, step.text, formatLocation(step.where));
        try {
          runStep(run, sim, step);
        } catch (error) {
          throw error instanceof StepFailure ? error : new StepFailure(error, step, step.where);
        }
      }
    },
    runWindow(step, window) {
      run.runSteps(window);
      sim.machine.setContext(step.index, step.actor);
      recorder?.begin(step.index, step.actor, `${step.text} (after its window)`, formatLocation(step.where));
    },
  };

  let failure: StepFailure | null = null;
  try {
    recorder?.begin(-1, "setup", "(set-up: files, tasks, maps)", "");
    setUp(scenario, sim);
    run.runSteps(scenario.steps);
  } catch (error) {
    failure = error instanceof StepFailure ? error : new StepFailure(error, null, null);
  }
  const end = byIndex.size;
  recorder?.begin(end, "finish", "(end of run: lost writes, dirty alias conflicts)", "");
  sim.machine.setContext(end, "finish");
  const outcome = sim.finish();
  recorder?.close();

  let verdict: Verdict = outcome.verdict;
  let reason: RunReason | null = null;
  if (failure) ({ verdict, reason } = judgeFailure(failure, scenario.file));
  const violations = outcome.violations.map((v) => attachSteps(v, byIndex));
  if (verdict === "coherent" && violations.length > 0) verdict = "stale";
  const result: RunResult = {
    ...base,
    verdict,
    violations,
    costs: sim.costs(),
    reason,
    ...(recorder ? { trace: recorder.steps } : {}),
  };
  if (options.recycle && !recorder) sim.machine.release?.();
  return result;
}

/**
 * Files, then tasks with their threads, then each task's maps (mmap on behalf of its first thread): those at
 * an explicit `at` first, then the others in file order, which the kernel places (at their `colour`).
 */
function setUp(scenario: Scenario, sim: RunnableSimulation): void {
  const { kernel, machine } = sim;
  const declared = (where: SourceLocation, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      throw new StepFailure(error, null, where);
    }
  };
  machine.setContext(-1, "setup");
  for (const file of scenario.files)
    declared(file.where, () => kernel.createFile(file.name, file.pages, { dax: file.dax }));
  for (const task of scenario.tasks) {
    declared(task.where, () => kernel.createTask(task.name, { cpu: task.cpu, threads: task.threads }));
  }
  for (const task of scenario.tasks) {
    if (task.maps.length === 0) continue;
    const thread = kernel.thread(task.threads[0] ?? task.name);
    declared(task.where, () => kernel.enter(thread));
    machine.setContext(-1, thread.name);
    // the maps at an explicit address first, so that a MAP_FIXED one never clobbers one the kernel placed
    const ordered = [...task.maps.filter((m) => m.at !== null), ...task.maps.filter((m) => m.at === null)];
    for (const map of ordered) declared(map.where, () => kernel.mmap(mmapRequest(kernel, map)));
  }
}

function attachSteps(violation: Violation, byIndex: ReadonlyMap<number, Step>): RunViolation {
  const source = byIndex.get(violation.step);
  const writer = violation.writer ? byIndex.get(violation.writer.step) : undefined;
  return {
    ...violation,
    source: source ? refOf(source) : null,
    writerSource: writer ? refOf(writer) : null,
  };
}

/** The costs of a run that never started (a refused profile). */
function emptyCosts(): Costs {
  return {
    perCpu: [],
    uncachedAccesses: 0,
    tlbFlushes: 0,
    dmaReads: 0,
    dmaWrites: 0,
    linesMaintained: 0,
    cycles: 0,
  };
}
