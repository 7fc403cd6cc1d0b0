import type { DependencyContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { isUserError, UserError } from "../src/errors.js";
import { pte_present } from "../src/kernel/index.js";
import { createRegistry } from "../src/profile/container.js";
import { profileRegistry, registerCpu, registerPolicy } from "../src/profile/registry.js";
import type { Profile } from "../src/profile/types.js";
import type { Scenario } from "../src/scenario/ast.js";
import { CORE_OPS, registerOp } from "../src/scenario/ops.js";
import { parseScenario } from "../src/scenario/parse.js";
import { executeScenario } from "../src/scenario/run.js";
import type { TraceEvent } from "../src/scenario/run-trace.js";
import {
  CORE_EXECUTORS,
  createSimulation,
  type RunResult,
  runScenario,
  type Simulation,
} from "../src/simulation.js";
import { KITCHEN_SINK } from "./scenario-fixtures.js";

const GENERIC = [
  "generic/pipt@asm-generic",
  "generic/vivt@asm-generic",
  "generic/vivt@flush-all",
  "generic/vipt-32k@asm-generic",
];

const scenario = (body: string, name = "t.yaml"): Scenario =>
  parseScenario(`flushlab: 1\nname: t\ntitle: t\nsource: the test suite\n${body}`, name);

/** Run and keep the simulation, to look at the kernel afterwards. */
function runKeeping(
  s: Scenario,
  id: string,
  container?: DependencyContainer,
): { result: RunResult; sim: Simulation } {
  const registry = container ?? createRegistry();
  const profile: Profile = profileRegistry(registry).resolve(id);
  let sim: Simulation | null = null;
  const result = executeScenario(s, profile, (cpus) => {
    sim = createSimulation({ profile, cpus, container: registry });
    return sim;
  });
  if (sim === null) throw new Error("no simulation was built");
  return { result, sim };
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error("expected a UserError");
}

/** A toy architecture with 8 KiB pages, a uniprocessor core and no highmem. */
function registerToy(container: DependencyContainer): void {
  registerCpu(container, {
    arch: "toy",
    name: "up8k",
    summary: "uniprocessor, 8 KiB pages, no highmem",
    pageSize: 8192,
    dcache: { size: 32 * 1024, ways: 2, lineSize: 32, indexing: "vipt" },
    icache: { size: 32 * 1024, ways: 2, lineSize: 32, indexing: "vipt" },
    maxCpus: 1,
  });
  registerPolicy(container, {
    arch: "toy",
    name: "1",
    summary: "no flushing",
    plugins: () => [
      {
        name: "toy-ops",
        apply() {},
        ops: {
          toy_poke(ctx) {
            ctx.kernel.kernelStore(ctx.address(ctx.arg(0)), 0x70796f74);
          },
        },
      },
    ],
  });
}

const events = (result: RunResult, index: number): TraceEvent[] =>
  (result.trace ?? []).filter((s) => s.index === index).flatMap((s) => s.events);
const hooksOf = (result: RunResult, index: number): string[] =>
  events(result, index).flatMap((e) => (e.type === "hook" ? [e.hook] : []));

describe("the executor", () => {
  it("has an executor for every op of the op table, and for nothing else", () => {
    expect(Object.keys(CORE_EXECUTORS).sort()).toEqual([...CORE_OPS].sort());
  });

  it("runs the kitchen-sink fixture (every kind of step) on every generic profile without an error", () => {
    const s = parseScenario(KITCHEN_SINK, "ks.yaml");
    for (const id of GENERIC) {
      const result = runScenario(s, id);
      expect(result.reason, id).toBeNull();
      expect(["coherent", "stale"], id).toContain(result.verdict);
    }
    expect(runScenario(s, "generic/pipt@asm-generic").verdict).toBe("coherent");
    expect(runScenario(s, "generic/vivt@asm-generic").verdict).toBe("stale");
  });

  it("places a map's first page at its colour modulo the profile's colours, and its frames at frame_colour", () => {
    const s = scenario(`tasks:
  t:
    maps:
      a: { anon: true, pages: 2, colour: 3, frame_colour: 2 }
      b: { anon: true, colour: 0, frame_colour: 1 }
      c: { anon: true, at: 0x50000000, pfn: 100 }
steps:
  - t: store a+0 1
  - t: store a[1]+0 1
  - t: store b+0 1
  - t: store c+0 1
`);
    for (const [id, colours] of [
      ["generic/vipt-32k@asm-generic", 2],
      ["generic/vivt@asm-generic", 2],
      ["generic/pipt@asm-generic", 1],
    ] as const) {
      const { sim } = runKeeping(s, id);
      const mm = sim.kernel.task("t").mm!;
      const colour = (va: number) => Math.floor(va / 4096) % colours;
      const frame = (va: number) => {
        const pte = mm.pte(va).get();
        expect(pte_present(pte)).toBe(true);
        return pte!.pfn;
      };
      const a = mm.vmaNamed("a")!;
      const b = mm.vmaNamed("b")!;
      expect(colour(a.start), id).toBe(3 % colours);
      expect(colour(b.start), id).toBe(0);
      expect(sim.kernel.frameColour(frame(a.start)), id).toBe(2 % colours);
      expect(sim.kernel.frameColour(frame(a.start + 4096)), id).toBe(3 % colours);
      expect(sim.kernel.frameColour(frame(b.start)), id).toBe(1 % colours);
      expect(mm.vmaNamed("c")!.start).toBe(0x5000_0000);
      expect(frame(0x5000_0000)).toBe(100);
      if (colours === 1) expect(sim.machine.colours).toBe(1);
    }
  });

  it("places explicit addresses first, so that a MAP_FIXED map never clobbers one the kernel placed", () => {
    const s = scenario(`tasks:
  t:
    maps:
      placed: { anon: true }
      fixed: { anon: true, at: 0x40000000 }
steps:
  - t: store placed+0 1
  - t: store fixed+0 2
`);
    const { result, sim } = runKeeping(s, "generic/pipt@asm-generic");
    expect(result.verdict).toBe("coherent");
    expect(sim.kernel.task("t").mm!.vmas.map((v) => v.name)).toEqual(["fixed", "placed"]);
  });

  it("refuses an `at` the profile's page size does not divide, naming the profile and the place", () => {
    const container = createRegistry(registerToy);
    const s = scenario(`tasks:
  t:
    maps:
      m: { anon: true, at: 0x40001000 }
steps:
  - t: load m+0
`);
    const error = userError(() => runScenario(s, "toy/up8k@1", { container }));
    expect(error.where).toBe("t.yaml:8:7");
    expect(error.message).toMatch(/not a multiple of the page size \(8192 bytes\) of profile toy\/up8k@1/);
  });

  it("rejects highmem frames on a profile without highmem, and more CPUs than the profile's CPU has", () => {
    const container = createRegistry(registerToy);
    const high = scenario(`tasks:
  t:
    maps:
      m: { anon: true, highmem: true }
steps:
  - t: load m+0
`);
    const rejected = runScenario(high, "toy/up8k@1", { container });
    expect(rejected.verdict).toBe("rejected");
    expect(rejected.reason).toMatchObject({ kind: "rejected", where: "t.yaml:8:7" });
    expect(rejected.reason?.message).toMatch(/has no highmem/);
    expect(runScenario(high, "generic/vivt@asm-generic").verdict).not.toBe("rejected");

    const smp = scenario(`cpus: 2
tasks:
  t: { cpu: 1 }
steps:
  - t: kmalloc -> x
`);
    const refused = runScenario(smp, "toy/up8k@1", { container });
    expect(refused.verdict).toBe("rejected");
    expect(refused.reason?.message).toMatch(/needs 2 CPUs and profile toy\/up8k@1 has at most 1/);
    const ran = runScenario(smp, "generic/pipt@asm-generic");
    expect(ran.cpus).toBe(2);
    expect(ran.verdict).toBe("coherent");
  });

  it("raises the machine's CPUs to the highest CPU a task, a kworker or a fork child uses", () => {
    const s = scenario(`cpus: 3
tasks:
  t: { cpu: 0 }
steps:
  - kworker@2: kmalloc -> x
  - t: fork cpu=1 -> u
`);
    const { result, sim } = runKeeping(s, "generic/pipt@asm-generic");
    expect(result.cpus).toBe(3);
    expect(sim.machine.config.cpus).toBe(3);
    expect(sim.kernel.task("u").cpu).toBe(1);
  });

  it("runs threads of one task on one mm, and switches mm (switch_mm) when a CPU runs another task", () => {
    const s = scenario(`tasks:
  a:
    threads: [a1, a2]
    maps:
      m: { anon: true }
  b:
    maps:
      m2: { anon: true }
steps:
  - a1: store m+0 1
  - a2: load m+0
  - b: store m2+0 2
  - a2: load m+0
`);
    const result = runScenario(s, "generic/pipt@asm-generic", { trace: true });
    expect(result.verdict).toBe("coherent");
    expect(hooksOf(result, 1)).not.toContain("switch_mm"); // a2 shares a1's mm
    expect(hooksOf(result, 2)[0]).toBe("switch_mm");
    expect(hooksOf(result, 3)[0]).toBe("switch_mm");
    const sw = events(result, 3).find((e) => e.type === "hook");
    expect(sw).toMatchObject({
      type: "hook",
      hook: "switch_mm",
      args: ["mm(b)", "mm(a)", "task(a)"],
      depth: 0,
    });
    // both maps sit at the same user address: untagged VIVT lines of one task hit for the other unless
    // switch_mm flushes (flush-all does; asm-generic does not)
    expect(runScenario(s, "generic/vivt@asm-generic").verdict).toBe("stale");
    expect(runScenario(s, "generic/vivt@flush-all").verdict).toBe("coherent");
  });

  it("runs the steps of a fork's window between flush_cache_dup_mm and the COW write-protect", () => {
    const s = scenario(`tasks:
  p:
    threads: [p, q]
    maps:
      m: { anon: true }
steps:
  - p: store m+0 1
  - p: fork -> c
    window:
      - q: store m+0 2
  - c: load m+0
`);
    const result = runScenario(s, "generic/pipt@asm-generic", { trace: true });
    expect(result.verdict).toBe("coherent");
    const order = (result.trace ?? []).flatMap((step) =>
      step.events.flatMap((e) =>
        e.type === "hook" || (e.type === "access" && e.access === "store")
          ? [`${step.index}:${e.type === "hook" ? e.hook : "store"}`]
          : [],
      ),
    );
    const dup = order.indexOf("1:flush_cache_dup_mm");
    const windowStore = order.indexOf("2:store");
    const wrprotect = order.indexOf("1:ptep_set_wrprotect");
    expect(dup).toBeGreaterThanOrEqual(0);
    expect(windowStore).toBeGreaterThan(dup);
    expect(wrprotect).toBeGreaterThan(windowStore);
    expect((result.trace ?? []).map((t) => t.text)).toContain("fork -> c (after its window)");
  });

  it("encodes string values into little-endian words, and replicates an integer into len words", () => {
    const s = scenario(`tasks:
  t:
    maps:
      m: { anon: true }
steps:
  - t: store m+0 "abcdefg"
  - t: store m+0x20 0x5 len=3
`);
    const result = runScenario(s, "generic/pipt@asm-generic", { trace: true });
    const stores = (index: number) =>
      events(result, index).flatMap((e) =>
        e.type === "access" && e.access === "store" && e.depth === 0 ? [e.value] : [],
      );
    expect(stores(0)).toEqual([0x64636261, 0x00676665]);
    expect(stores(1)).toEqual([5, 5, 5]);
  });

  it("drives kworker@N in kernel mode on CPU N and the device through the DMA port", () => {
    const s = scenario(`cpus: 2
tasks:
  t:
    maps:
      m: { anon: true }
steps:
  - t: store m+0 7
  - t: get_user_pages t m write=1 -> p
  - kworker@1: kmap p -> k
  - kworker@1: load k+0
  - kworker@1: kunmap p
  - t: dma_map_page p dir=to_device -> h
  - device: dma_read h+0
  - t: dma_unmap_page h
  - t: put_page p
`);
    const result = runScenario(s, "generic/pipt@asm-generic", { trace: true });
    expect(result.verdict).toBe("coherent");
    const load = events(result, 3).find((e) => e.type === "access");
    expect(load).toMatchObject({ access: "load", cpu: 1, value: 7 });
    expect(events(result, 6)).toContainEqual(
      expect.objectContaining({ type: "dma", access: "read", value: 7 }),
    );
    expect(runScenario(s, "generic/vivt@asm-generic").verdict).toBe("stale");
  });

  it("gives `rejected` with the errno and the Linux location for a kernel refusal", () => {
    const s = scenario(`tasks:
  t:
    maps:
      m: { anon: true }
steps:
  - t: store m+0 1
  - t: mprotect m none
  - t: load m+0
  - t: load m+4
`);
    const result = runScenario(s, "generic/pipt@asm-generic");
    expect(result.verdict).toBe("rejected");
    expect(result.reason).toMatchObject({
      kind: "rejected",
      errno: "-EFAULT",
      step: { index: 2, text: "load m+0", where: "t.yaml:12:5" },
      where: "t.yaml:12:5",
    });
    expect(result.reason?.location).toMatch(/do_page_fault/);
  });

  it("keeps a scenario mistake that shows only at run time a UserError at file:line:col", () => {
    const s = scenario(`files:
  f: { pages: 1 }
tasks:
  t: {}
steps:
  - t: flush_dcache_page f[0]
`);
    const error = userError(() => runScenario(s, "generic/pipt@asm-generic"));
    expect(error.where).toBe("t.yaml:10:26");
    expect(error.message).toMatch(/not in the page cache/);
  });

  it("runs an arch op where a plugin of the profile provides it, and refuses it with an error elsewhere", () => {
    registerOp({
      name: "toy_poke",
      group: "arch",
      params: [{ name: "ADDR", kind: "address", bases: ["kaddr"], doc: "a kernel address" }],
      options: {},
      bind: null,
      actors: ["thread", "kworker"],
      window: null,
      arch: "toy",
      linux: "none",
      doc: "store 'toyp' at ADDR",
    });
    const container = createRegistry(registerToy);
    const s = scenario(`tasks:
  t: {}
steps:
  - t: kmalloc -> x
  - t: toy_poke x
  - t: load x+0
`);
    const toy = runScenario(s, "toy/up8k@1", { container, trace: true });
    expect(toy.verdict).toBe("coherent");
    expect(events(toy, 1)).toContainEqual(
      expect.objectContaining({ type: "access", access: "store", value: 0x70796f74 }),
    );
    const elsewhere = runScenario(s, "generic/pipt@asm-generic", { container });
    expect(elsewhere.verdict).toBe("error");
    expect(elsewhere.reason).toMatchObject({ kind: "error", step: { index: 1, text: "toy_poke x" } });
    expect(elsewhere.reason?.message).toBe(
      "op toy_poke is provided by the toy architecture; profile generic/pipt@asm-generic (plugins: none) lacks it",
    );
  });

  it("is deterministic: the same inputs give a byte-identical JSON result, trace included", () => {
    const s = parseScenario(KITCHEN_SINK, "ks.yaml");
    for (const id of ["generic/vivt@asm-generic", "generic/vipt-32k@asm-generic"]) {
      const a = JSON.stringify(runScenario(s, id, { trace: true }));
      const b = JSON.stringify(runScenario(s, id, { trace: true }));
      expect(a).toBe(b);
    }
  });

  it("attaches the step and the writer's step to each violation, and marks end-of-run ones", () => {
    const s = scenario(`tasks:
  t:
    maps:
      m: { anon: true, colour: 1, frame_colour: 0 }
steps:
  - t: store m+0 0x11
  - t: get_user_pages t m write=1 -> p
  - t: kmap p -> k
  - t: store k+0 0x22
`);
    const result = runScenario(s, "generic/vivt@asm-generic");
    expect(result.verdict).toBe("stale");
    const end = result.violations.filter((v) => v.source === null);
    expect(end.length).toBeGreaterThan(0);
    for (const v of end) expect(["lost-write", "dirty-alias-conflict"]).toContain(v.kind);
    expect(
      result.violations.every((v) => v.writerSource === null || v.writerSource.where.startsWith("t.yaml:")),
    ).toBe(true);
  });
});
