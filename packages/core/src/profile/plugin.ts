// Plugins, webpack style: an object with a `name` and an `apply(kernel, profile)` that taps the kernel's hooks
// under its own name. Architecture packages implement each era's flush policy as plugins; users prototype new
// policies the same way and stack them on any profile (`arm/arm926@3.10+flush-on-kmap`).
//
// applyPlugin gives each plugin a guarded view of the kernel, so that a user's mistake is reported as theirs
// (a UserError naming the plugin: the CLI prints one paragraph and exits 2) and never as a KernelBug or a stack
// trace: a hook name that does not exist, a throw inside apply, a throw inside one of its taps.
import { isUserError, UserError } from "../errors.js";
import { isKernelBug, isKernelRefusal } from "../kernel/errors.js";
import { HOOK_NAMES, type HookName, type KernelHooks } from "../kernel/hooks.js";
import type { Kernel } from "../kernel/index.js";
import type { ScenarioOpExecutor } from "../scenario/run-context.js";
import type { Profile } from "./types.js";

/**
 * A plugin: taps hooks of a kernel under its own name. `apply` runs once per kernel (each run builds a fresh
 * kernel), before any step.
 *
 * ```ts
 * const flushOnKunmap: KernelPlugin = {
 *   name: "flush-on-kunmap",
 *   apply(kernel) {
 *     kernel.hooks.kunmap_atomic.tap({ name: "flush-on-kunmap", stage: STAGE_OVERRIDE }, () => {
 *       kernel.maintain("d", "flush", { scope: "all" }); // on the current CPU
 *       return undefined; // add to the hook: the architecture's kunmap_atomic still runs
 *     });
 *   },
 * };
 * ```
 */
export interface KernelPlugin {
  /** The plugin's name: its taps carry it, and errors name it. */
  readonly name: string;
  /** Tap the kernel's hooks. `profile` is the profile the kernel runs (its CPU, layout, era). */
  apply(kernel: Kernel, profile: Profile): void;
  /**
   * Scenario operations this plugin brings (arch-specific ops such as MIPS `kmap_coherent`), by op name. The
   * op must also be in the scenario op table (`registerOp`) for the parser to accept it; on a profile whose
   * plugins bring no executor for it, a step using it ends the run with the verdict `error`, saying so.
   */
  readonly ops?: Readonly<Record<string, ScenarioOpExecutor>>;
}

/** A function that makes a plugin from options, such as `flushOnKmapPlugin({ uncachedSharedAliases: true })`. */
export type PluginFactory<Options = void> = (options: Options) => KernelPlugin;

/** Whether an error is the kernel's own way of ending a run (BUG_ON, a refusal) or already a user's error. */
function passesThrough(error: unknown): boolean {
  return isKernelBug(error) || isKernelRefusal(error) || isUserError(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A plugin failed: it threw while being applied or inside one of its taps, or tapped a hook that does not
 * exist. A UserError (the CLI prints it as one paragraph and exits 2), never a KernelBug: `where` is
 * `plugin NAME`; format() reads "plugin NAME threw in flush_dcache_page: message", prefixed with the scenario
 * step's file:line:col when the runner knows it.
 */
export class PluginError extends UserError {
  constructor(
    /** The plugin's name. */
    readonly plugin: string,
    /** The hook it threw in (null: while being applied). */
    readonly hook: string | null,
    message: string,
    /** file:line:col of the scenario step that was running, if any. */
    readonly step: string | null = null,
  ) {
    super(`plugin ${plugin}`, `plugin ${plugin} ${message}`);
    this.detail = message;
  }

  /** What went wrong, without the plugin's name ("threw in flush_dcache_page: message"). */
  readonly detail: string;

  /** The same error, placed at a scenario step's file:line:col. */
  at(step: string | null): PluginError {
    return step === null ? this : new PluginError(this.plugin, this.hook, this.detail, step);
  }

  override format(): string {
    return `${this.step ? `${this.step}: ` : ""}${this.message}`;
  }
}

/** The PluginError for a plugin's throw (inside a tap of `hook`, or while being applied). */
export function pluginError(plugin: string, error: unknown, hook?: string): PluginError {
  const what = hook ? `threw in ${hook}` : "threw while being applied";
  return new PluginError(plugin, hook ?? null, `${what}: ${messageOf(error)}`);
}

/** Wrap a tap's function so that a throw (other than KernelBug/KernelRefusal/UserError) names the plugin. */
function guardTap<F extends (...args: never[]) => unknown>(plugin: string, hook: string, fn: F): F {
  return function guarded(this: unknown, ...args: Parameters<F>) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      if (passesThrough(error)) throw error;
      throw pluginError(plugin, error, hook);
    }
  } as F;
}

/** A hook as a plugin sees it: `tap` (and `withOptions(...).tap`) wrap the tap's function. */
function guardHook(plugin: string, hook: string, target: object): object {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (prop === "tap") {
        return (options: unknown, fn: (...args: never[]) => unknown) =>
          (value as (o: unknown, f: unknown) => void).call(obj, options, guardTap(plugin, hook, fn));
      }
      if (prop === "withOptions") {
        return (options: unknown) => {
          const inner = (value as (o: unknown) => object).call(obj, options);
          return guardHook(plugin, hook, inner);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
}

/** The error for a hook name that does not exist. */
function unknownHook(plugin: string, name: string): PluginError {
  const near = HOOK_NAMES.filter((h) => h.includes(name) || name.includes(h)).slice(0, 3);
  const hint = near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : "";
  return new PluginError(
    plugin,
    null,
    `taps the hook "${name}", which does not exist${hint}; the hooks are the Linux functions ${HOOK_NAMES.join(", ")}.`,
  );
}

/**
 * The hooks object as a plugin sees it: an unknown hook name throws, each hook's taps are guarded. (The real
 * hooks object is frozen, and a proxy of a frozen object must return its real values, so the view proxies an
 * empty object and delegates.)
 */
function guardHooks(plugin: string, hooks: KernelHooks): KernelHooks {
  const guarded = new Map<string, object>();
  const hookOf = (name: string): object => {
    let hook = guarded.get(name);
    if (!hook) {
      hook = guardHook(plugin, name, Reflect.get(hooks, name) as object);
      guarded.set(name, hook);
    }
    return hook;
  };
  return new Proxy(Object.create(null) as KernelHooks, {
    get(_target, prop) {
      if (typeof prop !== "string" || prop === "then" || prop === "toJSON") return Reflect.get(hooks, prop);
      if (!Object.hasOwn(hooks, prop)) throw unknownHook(plugin, prop);
      return hookOf(prop);
    },
    has: (_target, prop) => Reflect.has(hooks, prop),
    ownKeys: () => Reflect.ownKeys(hooks),
    getOwnPropertyDescriptor(_target, prop) {
      if (typeof prop !== "string" || !Object.hasOwn(hooks, prop)) return undefined;
      return { value: hookOf(prop), enumerable: true, configurable: true, writable: false };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/**
 * The key under which a guarded view answers its real kernel (so that per-kernel WeakMaps key the real one). A
 * symbol rather than a WeakMap from view to kernel: such a map keeps every run's kernel reachable through the
 * young collections of a long matrix.
 */
const RAW_KERNEL = Symbol("flushlab.rawKernel");

/**
 * The kernel behind a value a plugin received: plugins get a guarded view of the kernel (see
 * {@link applyPlugin}); code that keys per-kernel state by the kernel object should key it by `rawKernel(k)`,
 * as {@link definePluginHooks} does.
 */
export function rawKernel(kernel: Kernel): Kernel {
  return (kernel as unknown as { [RAW_KERNEL]?: Kernel })[RAW_KERNEL] ?? kernel;
}

/**
 * The kernel as plugin `plugin` sees it: the same object, except that `hooks` is guarded (unknown names throw
 * a UserError naming the plugin; its taps' throws are reported as the plugin's). Methods are bound to the real
 * kernel, so private state works as usual.
 */
function kernelView(plugin: string, kernel: Kernel): Kernel {
  const hooks = guardHooks(plugin, kernel.hooks);
  // methods bound once per view (a method read again is the same function, as on the kernel itself)
  const bound = new Map<PropertyKey, [method: unknown, boundMethod: unknown]>();
  return new Proxy(kernel, {
    get(obj, prop) {
      if (prop === "hooks") return hooks;
      if (prop === RAW_KERNEL) return obj;
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== "function") return value;
      const cached = bound.get(prop);
      if (cached !== undefined && cached[0] === value) return cached[1];
      const method = (value as (...a: unknown[]) => unknown).bind(obj);
      bound.set(prop, [value, method]);
      return method;
    },
    set(obj, prop, value) {
      return Reflect.set(obj, prop, value, obj);
    },
  });
}

/**
 * Apply one plugin to a kernel: `plugin.apply(view, profile)` with the guarded kernel view. Whatever goes
 * wrong in the plugin (a throw in apply, a hook that does not exist, later a throw inside one of its taps)
 * is a UserError naming the plugin; KernelBug and KernelRefusal pass through untouched, since a plugin may
 * model an arch's BUG_ON or refusal on purpose.
 */
export function applyPlugin(kernel: Kernel, plugin: KernelPlugin, profile: Profile): void {
  const name = pluginName(plugin);
  if (typeof plugin.apply !== "function") {
    throw new PluginError(name, null, "has no apply(kernel, profile) method.");
  }
  try {
    plugin.apply(kernelView(name, kernel), profile);
  } catch (error) {
    if (passesThrough(error)) throw error;
    throw pluginError(name, error);
  }
}

/** Apply plugins in order (the policy's first, then those stacked with `+name`, then the caller's). */
export function applyPlugins(kernel: Kernel, plugins: readonly KernelPlugin[], profile: Profile): void {
  for (const plugin of plugins) applyPlugin(kernel, plugin, profile);
}

/** A plugin's name, checked: a non-empty string. */
export function pluginName(plugin: KernelPlugin): string {
  const name = (plugin as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name.trim() === "") {
    throw new UserError(
      "plugin",
      "a plugin must be an object with a non-empty `name` and an `apply` method.",
    );
  }
  return name;
}

/**
 * Hooks a plugin owns for other plugins, one set per kernel (webpack's `getHooks(compilation)` pattern):
 * `const getHooks = definePluginHooks(() => ({ flushed: new SyncHook<[string, number]>(["hook", "cpu"]) }))`,
 * then the owner calls `getHooks(kernel).flushed.call(...)` and other plugins tap `getHooks(kernel).flushed`.
 * Backed by a WeakMap keyed by the real kernel (see {@link rawKernel}), so a kernel's hooks die with it.
 */
export function definePluginHooks<T extends object>(create: () => T): (kernel: Kernel) => T {
  const perKernel = new WeakMap<Kernel, T>();
  return (kernel) => {
    const key = rawKernel(kernel);
    let hooks = perKernel.get(key);
    if (!hooks) {
      hooks = create();
      perKernel.set(key, hooks);
    }
    return hooks;
  };
}

/** One tap of a hook, as {@link describeTaps} lists it. */
export interface TapInfo {
  /** The tapping plugin's name (`asm-generic` for the kernel's default). */
  readonly name: string;
  readonly stage: number;
}

/**
 * Who implements each hook on a kernel: every hook's taps in the order a call runs them (stage order). Shows
 * which hooks a plugin replaced or added to, and what an architecture left to asm-generic.
 */
export function describeTaps(kernel: Kernel): Record<HookName, TapInfo[]> {
  const out = {} as Record<HookName, TapInfo[]>;
  for (const name of HOOK_NAMES) {
    out[name] = rawKernel(kernel).hooks[name].taps.map((tap) => ({ name: tap.name, stage: tap.stage ?? 0 }));
  }
  return out;
}
