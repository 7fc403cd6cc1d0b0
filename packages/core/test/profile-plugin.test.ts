import { describe, expect, it } from "vitest";
import { isUserError, UserError } from "../src/errors.js";
import type { MaintenanceOp } from "../src/hw/api.js";
import {
  ADDRESS_HOOKS,
  addToHook,
  HOOK_NAMES,
  type HookName,
  KernelBug,
  type Page,
  replaceHook,
  STAGE_OVERRIDE,
} from "../src/kernel/index.js";
import { createRegistry } from "../src/profile/container.js";
import { FLUSH_ALL, getFlushAllHooks } from "../src/profile/generic.js";
import {
  definePluginHooks,
  describeTaps,
  type KernelPlugin,
  PluginError,
  rawKernel,
} from "../src/profile/plugin.js";
import { registerPlugin } from "../src/profile/registry.js";
import { parseScenario } from "../src/scenario/parse.js";
import { createSimulation, runScenario, type Simulation } from "../src/simulation.js";

/** A task with one anonymous page faulted in, and that page. */
function onePage(sim: Simulation): Page {
  const { kernel } = sim;
  const task = kernel.createTask("t");
  kernel.enter(task.threads[0]);
  const vma = kernel.mmap({ name: "buf", pages: 1, prot: 3 });
  kernel.userStore(vma.start, 1);
  const [page] = kernel.get_user_pages(vma.start, 1, 1);
  return page;
}

/** The maintenance operations one direct hook call issues. */
function opsOf(sim: Simulation, run: () => void): MaintenanceOp[] {
  const ops: MaintenanceOp[] = [];
  const off = sim.observe({
    machine: (event) => {
      if (event.type === "maintenance") ops.push(event.op);
    },
  });
  run();
  off();
  return ops;
}

const catchUserError = (fn: () => unknown): UserError => {
  try {
    fn();
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error("expected a UserError");
};

const FUSE = `flushlab: 1
name: fuse-writev
title: t
source: s
tasks:
  client:
    maps:
      buf: { anon: true, pages: 1, prot: rw, colour: 1, frame_colour: 0 }
steps:
  - client: load buf+0x10 len=4
  - client: store buf+0x10 0x11111111 len=4
  - client: get_user_pages client buf -> p
  - client: kmap_atomic p -> k
  - client: load k+0x10 len=4
  - client: flush_dcache_page p
  - client: kunmap_atomic k
  - client: put_page p
`;

describe("plugins: replace and add", () => {
  it("a plugin that replaces a hook stops the architecture's taps for that hook only", () => {
    const replacer: KernelPlugin = {
      name: "quiet-flush-dcache-page",
      apply(kernel) {
        replaceHook(kernel.hooks, "flush_dcache_page", { name: this.name, stage: STAGE_OVERRIDE }, () => {});
      },
    };
    const plain = createSimulation({ profile: "generic/vivt@flush-all" });
    const replaced = createSimulation({ profile: "generic/vivt@flush-all", plugins: [replacer] });
    const pages = [onePage(plain), onePage(replaced)];
    expect(
      opsOf(plain, () => plain.kernel.callHook("flush_dcache_page", pages[0])).map((o) => o.scope),
    ).toEqual(["all", "all"]);
    expect(opsOf(replaced, () => replaced.kernel.callHook("flush_dcache_page", pages[1]))).toEqual([]);
    // every other hook keeps flush-all's behaviour
    expect(
      opsOf(replaced, () =>
        replaced.kernel.callHook(
          "flush_anon_page",
          replaced.kernel.task("t").mm!.vmas[0],
          pages[1],
          replaced.kernel.task("t").mm!.vmas[0].start,
        ),
      ),
    ).toHaveLength(2);
  });

  it("a plugin that adds to a hook runs before the architecture's tap, which still runs", () => {
    const order: string[] = [];
    const adder: KernelPlugin = {
      name: "count-flush-dcache-page",
      apply(kernel) {
        addToHook(kernel.hooks, "flush_dcache_page", { name: this.name, stage: STAGE_OVERRIDE }, (page) => {
          order.push(`add ${page.pfn}`);
        });
        getFlushAllHooks(kernel).flushed.tap(this.name, (hook) => {
          if (hook === "flush_dcache_page") order.push("flush-all");
        });
      },
    };
    const sim = createSimulation({ profile: "generic/vivt@flush-all", plugins: [adder] });
    const page = onePage(sim);
    order.length = 0;
    const ops = opsOf(sim, () => sim.kernel.callHook("flush_dcache_page", page));
    expect(order).toEqual([`add ${page.pfn}`, "flush-all"]);
    expect(ops).toHaveLength(2);
  });

  it("flush-all taps every hook of the kernel as an add, flushing D and invalidating I", () => {
    const sim = createSimulation({ profile: "generic/vivt@flush-all" });
    expect(sim.kernel.hooks.dax_direct_access.taps.map((t) => t.name)).toEqual(["asm-generic"]);
    for (const name of HOOK_NAMES) {
      if (ADDRESS_HOOKS.has(name)) continue;
      const taps = sim.kernel.hooks[name].taps.map((t) => t.name);
      expect(taps, name).toContain(FLUSH_ALL);
      // ... before the asm-generic default, which still handles the call
      expect(taps.indexOf(FLUSH_ALL), name).toBeLessThan(taps.indexOf("asm-generic"));
    }
    const seen: HookName[] = [];
    getFlushAllHooks(sim.kernel).flushed.tap("test", (hook) => void seen.push(hook));
    const page = onePage(sim);
    seen.length = 0;
    const ops = opsOf(sim, () => sim.kernel.callHook("flush_kernel_dcache_page", page));
    expect(seen).toEqual(["flush_kernel_dcache_page"]);
    expect(ops.map((o) => [o.cache, o.kind, o.scope])).toEqual([
      ["d", "flush", "all"],
      ["i", "invalidate", "all"],
    ]);
    expect(describeTaps(sim.kernel).flush_dcache_page).toEqual([
      { name: FLUSH_ALL, stage: 0 },
      { name: "asm-generic", stage: 1000 },
    ]);
    // asm-generic taps nothing of its own above the default
    const generic = createSimulation({ profile: "generic/vivt@asm-generic" });
    for (const taps of Object.values(describeTaps(generic.kernel)))
      expect(taps.map((t) => t.name)).toEqual(["asm-generic"]);
  });

  it("plugin-owned hooks are per kernel, found through the kernel a plugin was given", () => {
    const getHooks = definePluginHooks(() => ({ calls: [] as string[] }));
    let seenInApply: object | null = null;
    const plugin: KernelPlugin = {
      name: "owner",
      apply(kernel) {
        seenInApply = getHooks(kernel);
        expect(rawKernel(kernel)).not.toBe(kernel); // the plugin got a guarded view
      },
    };
    const a = createSimulation({ profile: "generic/pipt@asm-generic", plugins: [plugin] });
    expect(getHooks(a.kernel)).toBe(seenInApply);
    const b = createSimulation({ profile: "generic/pipt@asm-generic" });
    expect(getHooks(b.kernel)).not.toBe(getHooks(a.kernel));
  });
});

describe("plugins: errors are the plugin's, never a KernelBug or a stack trace", () => {
  it("a throw during apply is a UserError naming the plugin", () => {
    const error = catchUserError(() =>
      createSimulation({
        profile: "generic/pipt@asm-generic",
        plugins: [
          {
            name: "broken",
            apply() {
              throw new TypeError("oops");
            },
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(PluginError);
    expect(error.where).toBe("plugin broken");
    expect(error.format()).toBe("plugin broken threw while being applied: oops");
  });

  it("tapping a hook that does not exist is a UserError naming the plugin and the hook", () => {
    const error = catchUserError(() =>
      createSimulation({
        profile: "generic/pipt@asm-generic",
        plugins: [
          {
            name: "typo",
            apply(kernel) {
              (
                kernel.hooks as unknown as Record<string, { tap: (n: string, f: () => void) => void }>
              ).flush_dcache.tap("typo", () => {});
            },
          },
        ],
      }),
    );
    expect(error.where).toBe("plugin typo");
    expect(error.message).toMatch(
      /^plugin typo taps the hook "flush_dcache", which does not exist \(did you mean flush_dcache_page/,
    );
  });

  it("a throw inside a tap is reported as the plugin's, at the scenario step", () => {
    const scenario = parseScenario(FUSE, "fuse.yaml");
    const plugin: KernelPlugin = {
      name: "boom",
      apply(kernel) {
        kernel.hooks.flush_dcache_page.tap({ name: "boom", stage: STAGE_OVERRIDE }, () => {
          throw new Error("kaboom");
        });
      },
    };
    const error = catchUserError(() =>
      runScenario(scenario, "generic/vivt@asm-generic", { plugins: [plugin] }),
    );
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).hook).toBe("flush_dcache_page");
    // get_user_pages calls flush_dcache_page first: the error names that step (fuse.yaml line 12)
    expect(error.format()).toBe("fuse.yaml:12:5: plugin boom threw in flush_dcache_page: kaboom");
  });

  it("a plugin's deliberate BUG_ON stays a KernelBug: verdict bug", () => {
    const plugin: KernelPlugin = {
      name: "asserts",
      apply(kernel) {
        let pinned = false;
        addToHook(kernel.hooks, "get_user_pages", "asserts", () => {
          pinned = true;
        });
        // BUG_ON(a pinned page is kmapped): fires at the kmap_atomic step, not at the COW copy before it
        addToHook(kernel.hooks, "kmap_atomic", { name: "asserts", stage: STAGE_OVERRIDE }, () => {
          if (pinned) throw new KernelBug("no kmap_atomic here", "arch/toy/mm/highmem.c: kmap_atomic");
        });
      },
    };
    const result = runScenario(parseScenario(FUSE, "fuse.yaml"), "generic/vivt@asm-generic", {
      plugins: [plugin],
    });
    expect(result.verdict).toBe("bug");
    expect(result.reason).toMatchObject({
      kind: "bug",
      message: "no kmap_atomic here",
      location: "arch/toy/mm/highmem.c: kmap_atomic",
      step: { index: 3, text: "kmap_atomic p -> k", where: "fuse.yaml:13:5" },
    });
  });
});

describe("plugins stacked with +name", () => {
  it("a registered plugin changes the verdict of the profile it is stacked on", () => {
    const container = createRegistry((c) =>
      registerPlugin(c, {
        name: "flush-user-in-gup",
        summary: "flush the whole D-cache in get_user_pages and kunmap_atomic",
        create: () => ({
          name: "flush-user-in-gup",
          apply(kernel) {
            // kunmap_atomic: the COW copy of the zero page went through the kernel alias
            for (const hook of ["get_user_pages", "kunmap_atomic"] as const) {
              addToHook(kernel.hooks, hook, "flush-user-in-gup", () => {
                kernel.maintain("d", "flush", { scope: "all" });
              });
            }
          },
        }),
      }),
    );
    const scenario = parseScenario(FUSE, "fuse.yaml");
    expect(runScenario(scenario, "generic/vivt@asm-generic", { container }).verdict).toBe("stale");
    const stacked = runScenario(scenario, "generic/vivt@asm-generic+flush-user-in-gup", { container });
    expect(stacked.profile).toBe("generic/vivt@asm-generic+flush-user-in-gup");
    expect(stacked.verdict).toBe("coherent");
  });
});
