import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { Machine } from "../src/hw/machine.js";
import { Kernel } from "../src/kernel/index.js";
import {
  createRegistry,
  defaultContainer,
  listProfileListings,
  listProfiles,
} from "../src/profile/container.js";
import type { KernelPlugin } from "../src/profile/plugin.js";
import { profileRegistry, registerCpu, registerPlugin, registerPolicy } from "../src/profile/registry.js";
import { createSimulation, RunSpec, Simulation } from "../src/simulation.js";

const GENERIC = [
  "generic/pipt@asm-generic",
  "generic/vipt-32k@asm-generic",
  "generic/vivt@asm-generic",
  "generic/vivt@flush-all",
];

/** A fake architecture package's explicit register function. */
function registerToyArch(container: DependencyContainer): void {
  registerCpu(container, {
    arch: "toy",
    name: "up",
    summary: "a uniprocessor VIPT core",
    pageSize: 4096,
    dcache: { size: 16 * 1024, ways: 1, lineSize: 32, indexing: "vipt" },
    icache: { size: 16 * 1024, ways: 1, lineSize: 32, indexing: "vipt" },
    maxCpus: 1,
    layout: { highmemSize: 0 },
  });
  registerCpu(container, {
    arch: "toy",
    name: "smp",
    summary: "a two-CPU PIPT core",
    pageSize: 8192,
    dcache: { size: 32 * 1024, ways: 4, lineSize: 64, indexing: "pipt" },
    icache: { size: 32 * 1024, ways: 4, lineSize: 64, indexing: "pipt" },
    cpus: 2,
    smpCoherent: true,
    costs: { miss: 77 },
  });
  registerPolicy(container, {
    arch: "toy",
    name: "1.0",
    summary: "the first era",
    era: { sgMiterStopFlush: "flush_kernel_dcache_page" },
    plugins: () => [{ name: "toy-1.0", apply: () => {} }],
  });
  registerPolicy(container, {
    arch: "toy",
    name: "2.0",
    summary: "the SMP era",
    supports: (cpu) => ((cpu.maxCpus ?? 64) > 1 ? true : "2.0 dropped uniprocessor toys"),
    plugins: () => [],
  });
  registerPlugin(container, {
    name: "toy-only",
    summary: "a plugin for toy profiles",
    arches: ["toy"],
    create: () => ({ name: "toy-only", apply: () => {} }),
  });
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("the registry", () => {
  it("holds core's four generic profiles", () => {
    expect(listProfiles(createRegistry())).toEqual(GENERIC);
    expect(listProfiles()).toEqual(expect.arrayContaining(GENERIC));
  });

  it("resolves a profile with its CPU, layout, era and machine configuration", () => {
    const profile = profileRegistry(createRegistry()).resolve("generic/vipt-32k@asm-generic");
    expect(profile.id).toBe("generic/vipt-32k@asm-generic");
    expect(profile.colours).toBe(2);
    expect(profile.dcache.indexing).toBe("vipt");
    expect(profile.highmem).toBe(true);
    const config = profile.machineConfig(3);
    expect(config.cpus).toBe(3);
    expect(config.pageSize).toBe(4096);
    expect(config.userTop).toBe(profile.layout.pageOffset);
    const pipt = profileRegistry(createRegistry()).resolve("generic/pipt@asm-generic");
    expect(pipt.colours).toBe(1);
    expect(pipt.machineConfig()).toMatchObject({
      icacheCoherent: true,
      dmaCoherent: true,
      smpCoherent: true,
    });
  });

  it("names what is unknown and lists what is known", () => {
    const registry = profileRegistry(createRegistry(registerToyArch));
    expect(userError(() => registry.resolve("arm/foo@3.10")).message).toMatch(
      /unknown profile arm\/foo@3\.10: no architecture "arm"; known architectures: generic, toy/,
    );
    expect(userError(() => registry.resolve("generic/foo@asm-generic")).message).toBe(
      "unknown profile generic/foo@asm-generic; known CPUs for generic: pipt, vivt, vipt-32k.",
    );
    expect(userError(() => registry.resolve("toy/up@9.9")).message).toBe(
      "unknown profile toy/up@9.9; known policies for toy: 1.0, 2.0.",
    );
    expect(userError(() => registry.resolve("toy/up@1.0+nope", "--profile")).where).toBe("--profile");
    expect(userError(() => registry.resolve("toy/up@1.0+nope")).message).toMatch(
      /no plugin "nope"; known plugins: toy-only/,
    );
    expect(userError(() => registry.resolve("generic/pipt@asm-generic+toy-only")).message).toMatch(
      /plugin toy-only applies to toy profiles only/,
    );
    expect(userError(() => registry.resolve("toy/up@2.0")).message).toMatch(/2\.0 dropped uniprocessor toys/);
    expect(userError(() => registry.resolve("generic/pipt@flush-all")).message).toMatch(/VIVT machine only/);
  });

  it("lists the CPU x policy pairs left out, with the reason", () => {
    const listings = listProfileListings(createRegistry(registerToyArch));
    const left = listings.filter((l) => l.supported !== true).map((l) => [l.id, l.supported]);
    expect(left).toEqual([
      ["generic/pipt@flush-all", expect.stringMatching(/VIVT/)],
      ["generic/vipt-32k@flush-all", expect.stringMatching(/VIVT/)],
      ["toy/up@2.0", "2.0 dropped uniprocessor toys"],
    ]);
  });

  it("takes CPUs, policies and plugins from an arch's register function, with their figures", () => {
    const container = createRegistry(registerToyArch);
    const registry = profileRegistry(container);
    expect(registry.ids().filter((id) => id.startsWith("toy/"))).toEqual([
      "toy/smp@1.0",
      "toy/smp@2.0",
      "toy/up@1.0",
    ]);
    const smp = registry.resolve("toy/smp@1.0+toy-only");
    expect(smp.defaultCpus).toBe(2);
    expect(smp.pageSize).toBe(8192);
    expect(smp.costs).toEqual({ miss: 77 });
    expect(smp.era).toEqual({ sgMiterStopFlush: "flush_kernel_dcache_page" });
    expect(smp.createPlugins().map((p) => p.name)).toEqual(["toy-1.0", "toy-only"]);
    const up = registry.resolve("toy/up@1.0");
    expect(up.highmem).toBe(false);
    expect(up.maxCpus).toBe(1);
    expect(up.colours).toBe(4);
  });

  it("refuses duplicate registrations and malformed specs", () => {
    const container = createRegistry(registerToyArch);
    expect(() => registerToyArch(container)).toThrow(/already registered/);
    expect(() =>
      registerCpu(container, {
        arch: "toy",
        name: "bad",
        summary: "",
        pageSize: 4096,
        dcache: { size: 3000, ways: 1, lineSize: 32 },
        icache: { size: 4096, ways: 1, lineSize: 32 },
      }),
    ).toThrow(/size must be a power of two/);
    expect(() =>
      registerPlugin(container, { name: "bad name", summary: "", create: () => ({ name: "x", apply() {} }) }),
    ).toThrow(UserError);
  });

  it("registers nothing at import: a fresh registry is independent of every other", () => {
    const a = createRegistry(registerToyArch);
    const b = createRegistry();
    expect(profileRegistry(a).ids()).toContain("toy/up@1.0");
    expect(profileRegistry(b).ids()).not.toContain("toy/up@1.0");
    expect(profileRegistry(defaultContainer()).ids()).not.toContain("toy/up@1.0");
  });

  it("expands globs against the registry, keeping the plugins of the pattern", () => {
    const registry = profileRegistry(createRegistry(registerToyArch));
    expect(registry.expand("generic/*@asm-generic")).toEqual([
      "generic/pipt@asm-generic",
      "generic/vipt-32k@asm-generic",
      "generic/vivt@asm-generic",
    ]);
    expect(registry.expand("*/*@asm-generic")).toHaveLength(3);
    expect(registry.expand("*/*@*")).toHaveLength(7);
    expect(registry.expand("*")).toHaveLength(7);
    expect(registry.expand("toy/*@1.0+toy-only")).toEqual(["toy/smp@1.0+toy-only", "toy/up@1.0+toy-only"]);
    expect(registry.expand("generic/vivt@flush-all")).toEqual(["generic/vivt@flush-all"]);
    expect(() => registry.expand("arm/*@3.9", "expect")).toThrow(/matches no profile/);
    expect(() => registry.expand("generic/*@asm-generic+toy-only")).toThrow(/toy profiles only/);
  });
});

describe("the simulation's container", () => {
  it("injects the Simulation by constructor: design:paramtypes lists every parameter's type", () => {
    // tsyringe injects undefined (or Object) for a parameter whose metadata is missing, as after an
    // `import type` of a class: keep this list exact.
    expect(Reflect.getMetadata("design:paramtypes", Simulation)).toEqual([RunSpec, Machine, Kernel]);
  });

  it("builds a child container per run holding that run's profile, machine, kernel and plugins", () => {
    const container = createRegistry();
    const a = createSimulation({ profile: "generic/vivt@asm-generic", container });
    const b = createSimulation({ profile: "generic/vivt@asm-generic", container });
    expect(a.machine).not.toBe(b.machine);
    expect(a.kernel).not.toBe(b.kernel);
    expect(a.kernel.machine).toBe(a.machine);
    expect(container.isRegistered(Machine)).toBe(false);
    expect(container.isRegistered(RunSpec)).toBe(false);
    // state of one run does not leak into the other
    const task = a.kernel.createTask("t");
    a.kernel.enter(task.threads[0]);
    expect(() => b.kernel.task("t")).toThrow(UserError);
  });

  it("applies the profile's plugins before the caller's, in order", () => {
    const container = createRegistry(registerToyArch);
    const order: string[] = [];
    const mine: KernelPlugin = { name: "mine", apply: () => void order.push("mine") };
    const sim = createSimulation({ profile: "toy/smp@1.0+toy-only", plugins: [mine], container });
    expect(sim.pluginNames).toEqual(["toy-1.0", "toy-only", "mine"]);
    expect(order).toEqual(["mine"]);
    expect(sim.machine.config.cpus).toBe(2);
    expect(sim.kernel.era.sgMiterStopFlush).toBe("flush_kernel_dcache_page");
  });

  it("refuses a CPU count the profile's CPU cannot have", () => {
    const container = createRegistry(registerToyArch);
    expect(userError(() => createSimulation({ profile: "toy/up@1.0", cpus: 2, container })).where).toBe(
      "cpus",
    );
    expect(
      createSimulation({ profile: "generic/pipt@asm-generic", cpus: 4, container }).machine.config.cpus,
    ).toBe(4);
  });

  it("resolves the run's spec, machine and kernel from the default container when given none", () => {
    const sim = createSimulation({ profile: "generic/pipt@asm-generic" });
    expect(sim.profile.id).toBe("generic/pipt@asm-generic");
    expect(sim.plugins).toEqual([]);
    expect(sim.kernel.machine).toBe(sim.machine);
  });
});
