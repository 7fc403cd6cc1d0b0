// The library API: build a machine and a kernel for one profile and drive them (createSimulation), or run a
// scenario on a profile (runScenario). The CLI is a thin layer on these two.
//
// Each simulation lives in a child of the registry's tsyringe container: the run's spec (profile and plugins),
// the machine and the kernel are registered there, and the Simulation itself is resolved by constructor
// injection (class tokens only: no parameter decorator, no interface token), so
// that two runs never share state and an embedding tool can register its own services next to them.
import "reflect-metadata";
import { type DependencyContainer, injectable } from "tsyringe";
import { UserError } from "./errors.js";
import type { Costs, MachineEvent, Violation } from "./hw/api.js";
import { MAX_CPUS, Machine } from "./hw/machine.js";
import { type HookCall, Kernel } from "./kernel/index.js";
import { defaultContainer } from "./profile/container.js";
import { applyPlugins, type KernelPlugin, pluginName } from "./profile/plugin.js";
import { profileRegistry } from "./profile/registry.js";
import type { Profile } from "./profile/types.js";
import type { Scenario, Verdict } from "./scenario/ast.js";
import { executeScenario, type RunOptions, type RunResult } from "./scenario/run.js";
import type { ScenarioOpExecutor } from "./scenario/run-context.js";

/**
 * What a run is of: the resolved profile and the plugins to apply (the profile's, then the caller's). Registered
 * by instance in the run's child container; a class, so that constructor injection needs no token.
 */
export class RunSpec {
  constructor(
    readonly profile: Profile,
    readonly plugins: readonly KernelPlugin[],
  ) {}
}

/** What a simulation observer may listen to; every callback is optional. */
export interface SimulationObserver {
  /** A hardware event: an access, a maintenance operation, a DMA transfer, a TLB flush, a violation. */
  machine?(event: MachineEvent): void;
  /** A hook call starts (arguments known). */
  hookEnter?(call: HookCall): void;
  /** A hook call ended (result, maintenance operations issued). */
  hookExit?(call: HookCall): void;
}

/** The outcome of a simulation so far: `stale` when any violation occurred. */
export interface SimulationOutcome {
  readonly verdict: Extract<Verdict, "coherent" | "stale">;
  readonly violations: readonly Violation[];
}

/**
 * One simulation: a machine and a kernel built for one profile, with the profile's plugins (and the caller's)
 * applied. Drive it through `kernel` (tasks, code paths, hooks) and `machine`; call `finish()` at the end.
 *
 * ```ts
 * const sim = createSimulation({ profile: "generic/vivt@asm-generic" });
 * const task = sim.kernel.createTask("t");
 * sim.kernel.enter(task.threads[0]);
 * ```
 */
@injectable()
export class Simulation {
  /** The profile it runs. */
  readonly profile: Profile;
  /** The plugins applied, in order. */
  readonly plugins: readonly KernelPlugin[];
  /** Executors of the arch-specific scenario ops the plugins bring, by op name. */
  readonly opExecutors: ReadonlyMap<string, ScenarioOpExecutor>;
  private stepCounter = 0;
  private outcome: SimulationOutcome | null = null;

  /** Resolved by the run's container: the spec, then the machine and kernel registered there. */
  constructor(
    spec: RunSpec,
    readonly machine: Machine,
    readonly kernel: Kernel,
  ) {
    const { profile, plugins } = spec;
    this.profile = profile;
    this.plugins = plugins;
    applyPlugins(kernel, plugins, profile);
    const ops = new Map<string, ScenarioOpExecutor>();
    for (const plugin of plugins) {
      for (const [name, executor] of Object.entries(plugin.ops ?? {})) ops.set(name, executor);
    }
    this.opExecutors = ops;
  }

  /** The names of the applied plugins, in order. */
  get pluginNames(): string[] {
    return this.plugins.map((p) => pluginName(p));
  }

  /**
   * Stamp the following stores and violations with a step number and an actor (what the scenario runner does
   * before each step). Without a number, the next one after the last.
   */
  step(actor: string, step: number = this.stepCounter): number {
    this.machine.setContext(step, actor);
    this.stepCounter = step + 1;
    return step;
  }

  /** Listen to hardware events and hook calls; returns the unsubscribe function. */
  observe(observer: SimulationObserver): () => void {
    const offs: (() => void)[] = [];
    if (observer.machine) offs.push(this.machine.observe((event) => observer.machine?.(event)));
    if (observer.hookEnter || observer.hookExit) {
      offs.push(
        this.kernel.observe({
          hookEnter: (call) => observer.hookEnter?.(call),
          hookExit: (call) => observer.hookExit?.(call),
        }),
      );
    }
    return () => {
      for (const off of offs) off();
    };
  }

  /** The violations so far (finish() adds the end-of-run ones). */
  get violations(): readonly Violation[] {
    return this.machine.violations;
  }

  /**
   * End the run: detect lost writes and dirty alias conflicts, and give the verdict (`stale` on any
   * violation). Calling it again returns the same outcome.
   */
  finish(): SimulationOutcome {
    if (this.outcome === null) {
      const violations = [...this.machine.finish()];
      this.outcome = { verdict: violations.length > 0 ? "stale" : "coherent", violations };
    }
    return this.outcome;
  }

  /** The cost counters and the estimated cycles so far. */
  costs(): Costs {
    return this.machine.costs();
  }
}

/** Options of {@link createSimulation}. */
export interface SimulationOptions {
  /** A profile id (`arm/arm926@3.10+flush-on-kmap`) or a resolved Profile. */
  readonly profile: string | Profile;
  /** Plugins applied after the profile's own (a prototype policy). */
  readonly plugins?: readonly KernelPlugin[];
  /** The number of CPUs (default: the profile's); at most the CPU's maximum. */
  readonly cpus?: number;
  /** The registry to resolve the profile in (default: {@link defaultContainer}). */
  readonly container?: DependencyContainer;
  /** The seed of random replacement (default 1). */
  readonly seed?: number;
}

/**
 * Build a simulation for a profile: a child container of the registry holding the profile, a fresh Machine
 * (the profile's caches, page size and coherence flags), a fresh Kernel (its layout and era) and the plugins,
 * applied in order (the policy's, the stacked `+plugin`s, then `options.plugins`). Throws a UserError for an
 * unknown profile, a CPU count the profile's CPU cannot have, or a plugin that fails to apply (naming it).
 */
export function createSimulation(options: SimulationOptions): Simulation {
  const registry = options.container ?? defaultContainer();
  const profile =
    typeof options.profile === "string"
      ? profileRegistry(registry).resolve(options.profile)
      : options.profile;
  const cpus = options.cpus ?? profile.defaultCpus;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > Math.min(profile.maxCpus, MAX_CPUS)) {
    throw new UserError(
      "cpus",
      `profile ${profile.id} runs 1 to ${profile.maxCpus} CPU(s) (${profile.cpu.summary}), not ${cpus}.`,
    );
  }
  const child = registry.createChildContainer();
  const config = {
    ...profile.machineConfig(cpus),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
  const machine = new Machine(config, profile.id);
  const kernel = new Kernel(machine, { layout: profile.layout, era: profile.era, where: profile.id });
  child.registerInstance(
    RunSpec,
    new RunSpec(profile, [...profile.createPlugins(), ...(options.plugins ?? [])]),
  );
  child.registerInstance(Machine, machine);
  child.registerInstance(Kernel, kernel);
  const simulation = child.resolve(Simulation);
  child.registerInstance(Simulation, simulation);
  return simulation;
}

/**
 * Run a scenario on a profile and judge it: `coherent`, `stale` (violations, each with its step's text and
 * place), `rejected` (the kernel refused an operation), `bug` (a BUG_ON fired) or `error` (anything else that
 * stopped the run, with the message). A mistake in the scenario (or a failing plugin) is thrown as a UserError
 * naming file:line:col (or the plugin). Deterministic: the same inputs give a byte-identical JSON result.
 */
export function runScenario(
  scenario: Scenario,
  profile: string | Profile,
  options: RunOptions = {},
): RunResult {
  const registry = options.container ?? defaultContainer();
  const resolved = typeof profile === "string" ? profileRegistry(registry).resolve(profile) : profile;
  return executeScenario(
    scenario,
    resolved,
    (cpus) =>
      createSimulation({
        profile: resolved,
        plugins: options.plugins,
        cpus,
        container: registry,
        seed: options.seed,
      }),
    options,
  );
}

export {
  CORE_EXECUTORS,
  cpusNeeded,
  type RunnableSimulation,
  type RunOptions,
  type RunReason,
  type RunResult,
  type RunViolation,
  type StepRef,
} from "./scenario/run.js";
export {
  type RunBinding,
  type RunState,
  type ScenarioOpExecutor,
  StepContext,
} from "./scenario/run-context.js";
export { renderValue, type TraceEvent, type TraceStep } from "./scenario/run-trace.js";
