// The registry of profiles in a tsyringe container. Architecture packages register their CPUs, policies and
// plugins with an explicit `register...(container)` function (nothing happens at import); the registry
// resolves a profile id against what the container holds. Each run then gets a child container
// (simulation.ts) in which its machine, kernel and simulation live.
import type { DependencyContainer, InjectionToken } from "tsyringe";
import { UserError } from "../errors.js";
import { type CacheGeometry, cacheGeometry, pageColours } from "../hw/geometry.js";
import { MAX_CPUS, type MachineInit } from "../hw/machine.js";
import { defaultKernelLayout } from "../kernel/layout.js";
import { formatProfileId, isProfileGlob, type ProfileId, parseProfileId, parseProfilePattern } from "./id.js";
import type { KernelPlugin } from "./plugin.js";
import type { CpuSpec, PluginSpec, PolicySpec, Profile } from "./types.js";

/** The token under which CPU presets are registered (one registration per CPU). */
export const CPU_SPECS: InjectionToken<CpuSpec> = Symbol.for("flushlab.CpuSpec");
/** The token under which policies are registered. */
export const POLICY_SPECS: InjectionToken<PolicySpec> = Symbol.for("flushlab.PolicySpec");
/** The token under which stackable plugins are registered. */
export const PLUGIN_SPECS: InjectionToken<PluginSpec> = Symbol.for("flushlab.PluginSpec");

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function all<T>(container: DependencyContainer, token: InjectionToken<T>): T[] {
  return container.isRegistered(token, true) ? container.resolveAll(token) : [];
}

function checkName(kind: string, name: unknown, where: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new UserError(
      where,
      `${kind} name ${JSON.stringify(name)} is not a name (letters, digits, ".", "_", "-", starting with a letter or digit).`,
    );
  }
}

/**
 * Register a CPU preset. Throws a UserError when the arch already has a CPU of that name or the spec is
 * malformed (its cache geometries are validated here, so a bad preset fails at registration).
 */
export function registerCpu(container: DependencyContainer, spec: CpuSpec): void {
  const where = `cpu ${spec.arch}/${spec.name}`;
  checkName("architecture", spec.arch, where);
  checkName("CPU", spec.name, where);
  if (all(container, CPU_SPECS).some((c) => c.arch === spec.arch && c.name === spec.name)) {
    throw new UserError(where, `the CPU ${spec.arch}/${spec.name} is already registered.`);
  }
  cacheGeometry(spec.dcache, `${where} D-cache`);
  cacheGeometry(spec.icache, `${where} I-cache`);
  container.register(CPU_SPECS, { useValue: Object.freeze({ ...spec }) });
}

/** Register a policy (an era or a named policy) of an architecture. */
export function registerPolicy(container: DependencyContainer, spec: PolicySpec): void {
  const where = `policy ${spec.arch}@${spec.name}`;
  checkName("architecture", spec.arch, where);
  checkName("policy", spec.name, where);
  if (typeof spec.plugins !== "function") {
    throw new UserError(where, "a policy needs a plugins(profile) function returning its plugins.");
  }
  if (all(container, POLICY_SPECS).some((p) => p.arch === spec.arch && p.name === spec.name)) {
    throw new UserError(where, `the policy ${spec.arch}@${spec.name} is already registered.`);
  }
  container.register(POLICY_SPECS, { useValue: Object.freeze({ ...spec }) });
}

/** Register a plugin that profile ids may stack with `+name`. */
export function registerPlugin(container: DependencyContainer, spec: PluginSpec): void {
  const where = `plugin ${spec.name}`;
  checkName("plugin", spec.name, where);
  if (typeof spec.create !== "function") {
    throw new UserError(where, "a registered plugin needs a create(profile) function returning the plugin.");
  }
  if (all(container, PLUGIN_SPECS).some((p) => p.name === spec.name)) {
    throw new UserError(where, `a plugin named ${spec.name} is already registered.`);
  }
  container.register(PLUGIN_SPECS, { useValue: Object.freeze({ ...spec }) });
}

/**
 * Register a user's plugin object (such as one loaded by `flushlab compare --plugin ./x.js`) so that profile
 * ids can stack it with `+name`.
 */
export function registerPluginObject(
  container: DependencyContainer,
  create: () => KernelPlugin,
  summary = "a user plugin",
): string {
  const name = create().name;
  registerPlugin(container, { name, summary, create: () => create() });
  return name;
}

/** One line of `flushlab list profiles`: a profile that exists, or a CPU/policy pair left out and why. */
export interface ProfileListing {
  readonly id: string;
  readonly arch: string;
  readonly cpu: string;
  readonly policy: string;
  /** true: the profile exists; otherwise why the kernel of that era did not support the CPU. */
  readonly supported: true | string;
  /** The CPU's and the policy's summaries. */
  readonly cpuSummary: string;
  readonly policySummary: string;
}

/** The profiles a container knows, and the resolution of ids against them. */
export class ProfileRegistry {
  /** The CPU presets, policies and plugins, in registration order. */
  readonly cpus: readonly CpuSpec[];
  readonly policies: readonly PolicySpec[];
  readonly plugins: readonly PluginSpec[];

  constructor(container: DependencyContainer) {
    this.cpus = all(container, CPU_SPECS);
    this.policies = all(container, POLICY_SPECS);
    this.plugins = all(container, PLUGIN_SPECS);
  }

  /** The architectures, sorted. */
  arches(): string[] {
    return [...new Set([...this.cpus, ...this.policies].map((s) => s.arch))].sort();
  }

  /**
   * Every CPU × policy pair of each architecture, sorted by id, with whether it exists (`supported: true`)
   * or why it is left out.
   */
  listings(): ProfileListing[] {
    const out: ProfileListing[] = [];
    for (const cpu of this.cpus) {
      for (const policy of this.policies) {
        if (policy.arch !== cpu.arch) continue;
        out.push({
          id: `${cpu.arch}/${cpu.name}@${policy.name}`,
          arch: cpu.arch,
          cpu: cpu.name,
          policy: policy.name,
          supported: policy.supports ? policy.supports(cpu) : true,
          cpuSummary: cpu.summary,
          policySummary: policy.summary,
        });
      }
    }
    return out.sort((a, b) => compareIds(a.id, b.id));
  }

  /** The ids of every profile that exists (no plugins stacked), sorted. */
  ids(): string[] {
    return this.listings()
      .filter((l) => l.supported === true)
      .map((l) => l.id);
  }

  /**
   * The profile ids a pattern names: an exact id (resolved, so that an unknown one is an error), or a glob
   * matched against every existing profile. Throws a UserError naming `where` for a malformed pattern, an
   * unknown id, or a glob that matches nothing.
   */
  expand(pattern: string, where = "profile"): string[] {
    if (!isProfileGlob(pattern)) return [this.resolve(pattern, where).id];
    const glob = parseProfilePattern(pattern, where);
    const { plugins } = glob;
    const matches = this.ids().filter((id) => glob.matches({ ...parseProfileId(id), plugins }));
    if (matches.length === 0) {
      throw new UserError(
        where,
        `the profile glob "${pattern}" matches no profile (${this.knownSummary()}).`,
      );
    }
    const suffix = plugins.map((p) => `+${p}`).join("");
    const ids = matches.map((id) => `${id}${suffix}`);
    for (const id of ids) this.resolve(id, where);
    return ids;
  }

  /**
   * Resolve a profile id into a Profile. Throws a UserError naming `where` for a malformed id, an unknown
   * architecture, CPU, policy or plugin (listing the known ones), a CPU the policy does not support, or a
   * plugin restricted to other architectures.
   */
  resolve(id: string | ProfileId, where = "profile"): Profile {
    const parts = typeof id === "string" ? parseProfileId(id, where) : id;
    const text = formatProfileId(parts);
    const arches = this.arches();
    if (!arches.includes(parts.arch)) {
      throw new UserError(
        where,
        `unknown profile ${text}: no architecture "${parts.arch}"; known architectures: ${list(arches)}.`,
      );
    }
    const cpus = this.cpus.filter((c) => c.arch === parts.arch);
    const cpu = cpus.find((c) => c.name === parts.cpu);
    if (!cpu) {
      throw new UserError(
        where,
        `unknown profile ${text}; known CPUs for ${parts.arch}: ${list(cpus.map((c) => c.name))}.`,
      );
    }
    const policies = this.policies.filter((p) => p.arch === parts.arch);
    const policy = policies.find((p) => p.name === parts.policy);
    if (!policy) {
      throw new UserError(
        where,
        `unknown profile ${text}; known policies for ${parts.arch}: ${list(policies.map((p) => p.name))}.`,
      );
    }
    const supported = policy.supports ? policy.supports(cpu) : true;
    if (supported !== true) {
      throw new UserError(where, `no profile ${parts.arch}/${cpu.name}@${policy.name}: ${supported}`);
    }
    const stacked = parts.plugins.map((name) => {
      const plugin = this.plugins.find((p) => p.name === name);
      if (!plugin) {
        const names = this.plugins.map((p) => p.name);
        throw new UserError(
          where,
          `unknown profile ${text}: no plugin "${name}"; known plugins: ${list(names)}.`,
        );
      }
      if (plugin.arches && !plugin.arches.includes(parts.arch)) {
        throw new UserError(
          where,
          `profile ${text}: plugin ${name} applies to ${plugin.arches.join(", ")} profiles only.`,
        );
      }
      return plugin;
    });
    return buildProfile(parts, cpu, policy, stacked, where);
  }

  private knownSummary(): string {
    const ids = this.ids();
    return ids.length > 0 ? `known profiles: ${list(ids)}` : "no profile is registered";
  }
}

function list(names: readonly string[]): string {
  return names.length > 0 ? names.join(", ") : "(none)";
}

/** One collator for every comparison: `localeCompare` with options builds a new one on each call. */
const idCollator = new Intl.Collator("en", { numeric: true });

/** Order ids by arch, CPU, then policy with numeric eras in numeric order (2.6.19 < 3.9 < 3.10). */
function compareIds(a: string, b: string): number {
  return idCollator.compare(a, b);
}

function buildProfile(
  parts: ProfileId,
  cpu: CpuSpec,
  policy: PolicySpec,
  stacked: readonly PluginSpec[],
  where: string,
): Profile {
  const id = formatProfileId(parts);
  const dcache: CacheGeometry = cacheGeometry(cpu.dcache, `${id} D-cache`);
  const icache: CacheGeometry = cacheGeometry(cpu.icache, `${id} I-cache`);
  const layout = defaultKernelLayout({ ...cpu.layout, ...policy.layout });
  const userTop = cpu.userTop ?? layout.pageOffset;
  const defaultCpus = cpu.cpus ?? 1;
  const maxCpus = Math.min(cpu.maxCpus ?? MAX_CPUS, MAX_CPUS);
  if (defaultCpus < 1 || defaultCpus > maxCpus) {
    throw new UserError(where, `profile ${id}: the CPU preset's cpus (${defaultCpus}) exceeds its maxCpus.`);
  }
  const costs = { ...cpu.costs, ...policy.costs };
  const profile: Profile = {
    id,
    parts,
    cpu,
    policy,
    stacked,
    pageSize: cpu.pageSize,
    dcache,
    icache,
    colours: pageColours(dcache, cpu.pageSize),
    layout,
    userTop,
    highmem: layout.highmemSize > 0,
    era: { ...policy.era },
    costs,
    defaultCpus,
    maxCpus,
    machineConfig(cpus = defaultCpus): MachineInit {
      return {
        pageSize: cpu.pageSize,
        cpus,
        dcache: cpu.dcache,
        icache: cpu.icache,
        icacheFillsFromDcache: cpu.icacheFillsFromDcache ?? false,
        icacheCoherent: cpu.icacheCoherent ?? false,
        smpCoherent: cpu.smpCoherent ?? false,
        maintenanceBroadcast: cpu.maintenanceBroadcast ?? false,
        dmaCoherent: cpu.dmaCoherent ?? false,
        userTop,
        costs,
      };
    },
    createPlugins(): KernelPlugin[] {
      return [...policy.plugins(profile), ...stacked.map((p) => p.create(profile))];
    },
  };
  return Object.freeze(profile);
}

/** The registry view of a container (what it holds now). */
export function profileRegistry(container: DependencyContainer): ProfileRegistry {
  return new ProfileRegistry(container);
}
