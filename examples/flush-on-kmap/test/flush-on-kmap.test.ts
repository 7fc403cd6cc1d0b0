// The plugin replaces exactly the hooks it claims (describeTaps), keeps every other hook of the architecture,
// and does at each hook what Miller's points say: checked on simulations driven step by step, and on catalog
// verdicts.
import { registerArmProfiles } from "@flushlab/arch-arm";
import { registerMipsProfiles } from "@flushlab/arch-mips";
import {
  catalogFiles,
  createRegistry,
  createSimulation,
  describeTaps,
  HOOK_NAMES,
  type HookCall,
  loadScenarioFile,
  type MaintenanceOp,
  PROT_READ,
  PROT_WRITE,
  runScenario,
  type Simulation,
  STAGE_OVERRIDE,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import register, {
  FLUSH_ON_KMAP,
  FLUSH_ON_KMAP_HOOKS,
  FLUSH_ON_KMAP_SPEC,
  registerFlushOnKmap,
} from "../src/index.js";

const container = createRegistry(registerArmProfiles, registerMipsProfiles, registerFlushOnKmap);
const BASES = ["arm/arm926@3.10", "arm/arm1136-32k@3.10", "mips/24kc-32k@6.6", "arm/cortex-a9@6.6"];

function scenario(name: string) {
  const file = catalogFiles().find((f) => f.endsWith(`/${name}.yaml`));
  if (!file) throw new Error(`no catalog scenario ${name}`);
  return loadScenarioFile(file);
}

/** The maintenance operations issued while `fn` runs, by the hook that issued them (innermost). */
function maintenanceDuring(sim: Simulation, fn: () => void): { hook: string | null; op: MaintenanceOp }[] {
  const stack: string[] = [];
  const out: { hook: string | null; op: MaintenanceOp }[] = [];
  const off = sim.observe({
    hookEnter: (call: HookCall) => stack.push(call.hook),
    hookExit: () => stack.pop(),
    machine: (e) => {
      if (e.type === "maintenance") out.push({ hook: stack.at(-1) ?? null, op: e.op });
    },
  });
  try {
    fn();
  } finally {
    off();
  }
  return out;
}

describe("the hooks it replaces (describeTaps)", () => {
  for (const base of BASES) {
    it(`on ${base}: its tap comes first on exactly FLUSH_ON_KMAP_HOOKS, the rest is the architecture's`, () => {
      const plain = describeTaps(createSimulation({ profile: base, container }).kernel);
      const stacked = describeTaps(
        createSimulation({ profile: `${base}+${FLUSH_ON_KMAP}`, container }).kernel,
      );
      for (const hook of HOOK_NAMES) {
        const ours = stacked[hook].filter((t) => t.name === FLUSH_ON_KMAP);
        if (FLUSH_ON_KMAP_HOOKS.includes(hook)) {
          expect(ours, hook).toEqual([{ name: FLUSH_ON_KMAP, stage: STAGE_OVERRIDE }]);
          expect(stacked[hook][0], hook).toEqual({ name: FLUSH_ON_KMAP, stage: STAGE_OVERRIDE });
          expect(stacked[hook].slice(1), `${hook}: the architecture's taps stay behind it`).toEqual(
            plain[hook],
          );
        } else {
          expect(ours, hook).toEqual([]);
          expect(stacked[hook], hook).toEqual(plain[hook]);
        }
      }
    });
  }

  it("replaces ten hooks, the kmap family among them, and leaves copy_user_highpage and the DMA API alone", () => {
    expect([...FLUSH_ON_KMAP_HOOKS].sort()).toEqual(
      [
        "arch_get_unmapped_area",
        "flush_anon_page",
        "flush_dcache_page",
        "flush_kernel_dcache_page",
        "kmap",
        "kmap_atomic",
        "kunmap",
        "kunmap_atomic",
        "set_pte_at",
        "update_mmu_cache",
      ].sort(),
    );
  });
});

describe("what it does at each hook", () => {
  it("kmap_atomic flushes the user alias, so the kernel reads a user store made before it (arm926, VIVT)", () => {
    for (const [profile, expected] of [
      ["arm/arm926@3.10", 0x11111111], // no GUP: the architecture's kmap_atomic flushes nothing, memory is old
      [`arm/arm926@3.10+${FLUSH_ON_KMAP}`, 0x22222222],
    ] as const) {
      const sim = createSimulation({ profile, container });
      const { kernel } = sim;
      const task = kernel.createTask("t");
      kernel.enter(task.threads[0]);
      const vma = kernel.mmap({ pages: 1, prot: PROT_READ | PROT_WRITE });
      sim.step("t");
      kernel.userStore(vma.start, 0x11111111); // fault in, store (read-allocate: to memory)
      kernel.userLoad(vma.start); // the line is now cached at the user alias
      kernel.userStore(vma.start, 0x22222222); // dirty at the user alias
      const page = kernel.pfn_to_page(task.mm!.space.pte(vma.start)!.pfn);
      const ops = maintenanceDuring(sim, () => {
        const k = kernel.kmap_atomic(page);
        expect(kernel.kernelLoad(k)).toBe(expected);
        kernel.kunmap_atomic(k);
      });
      if (profile.endsWith(FLUSH_ON_KMAP)) {
        expect(ops.find((o) => o.hook === "kmap_atomic")?.op).toMatchObject({
          cache: "d",
          kind: "flush",
          scope: "va",
          start: vma.start,
          asid: task.mm!.asid,
          linesTouched: 1,
        });
        expect(sim.finish().verdict).toBe("coherent");
      } else {
        expect(sim.finish().verdict).toBe("stale");
      }
    }
  });

  it("flush_anon_page and flush_kernel_dcache_page issue nothing; flush_dcache_page flushes every colour", () => {
    const sim = createSimulation({ profile: `arm/arm1136-32k@3.10+${FLUSH_ON_KMAP}`, container });
    const { kernel } = sim;
    const task = kernel.createTask("t");
    kernel.enter(task.threads[0]);
    const vma = kernel.mmap({ pages: 1, prot: PROT_READ | PROT_WRITE });
    kernel.userStore(vma.start, 1);
    const page = kernel.pfn_to_page(task.mm!.space.pte(vma.start)!.pfn);
    const quiet = maintenanceDuring(sim, () => {
      kernel.callHook("flush_anon_page", task.mm!.vma_lookup(vma.start)!, page, vma.start);
      kernel.callHook("flush_kernel_dcache_page", page);
    });
    expect(quiet).toEqual([]);
    const flushed = maintenanceDuring(sim, () => kernel.callHook("flush_dcache_page", page));
    expect(flushed.map((o) => [o.op.scope, o.op.kind, (o.op as { colour?: number }).colour])).toEqual([
      ["pa-colour", "flush", 0],
      ["pa-colour", "flush", 1],
    ]);
  });

  it("flush_dcache_page does nothing when the DMA device snoops the caches (generic/pipt)", () => {
    const sim = createSimulation({ profile: `generic/pipt@asm-generic+${FLUSH_ON_KMAP}`, container });
    const page = sim.kernel.alloc_page();
    expect(maintenanceDuring(sim, () => sim.kernel.callHook("flush_dcache_page", page))).toEqual([]);
  });
});

describe("verdicts on the catalog", () => {
  it("fixes uprobes-xol on 3.10 ARM (kunmap_atomic invalidates the I-cache of the executable alias)", () => {
    for (const cpu of ["arm926", "arm1136-32k"]) {
      expect(runScenario(scenario("uprobes-xol"), `arm/${cpu}@3.10`, { container }).verdict).toBe("stale");
      const run = runScenario(scenario("uprobes-xol"), `arm/${cpu}@3.10+${FLUSH_ON_KMAP}`, { container });
      expect(run.verdict).toBe("coherent");
    }
  });

  it("accepts the incongruent MAP_FIXED|MAP_SHARED and makes both aliases uncached", () => {
    const s = scenario("shared-mapping-incongruent");
    expect(runScenario(s, "arm/arm1136-32k@3.10", { container }).verdict).toBe("rejected");
    const run = runScenario(s, `arm/arm1136-32k@3.10+${FLUSH_ON_KMAP}`, { container });
    expect(run.verdict).toBe("coherent");
    expect(run.costs.uncachedAccesses).toBeGreaterThan(0);
  });

  it("cannot fix fuse-writev-threaded on VIVT: the helper's store falls inside the kmap region", () => {
    const run = runScenario(scenario("fuse-writev-threaded"), `arm/arm926@3.10+${FLUSH_ON_KMAP}`, {
      container,
    });
    expect(run.verdict).toBe("stale");
    expect(run.violations[0]).toMatchObject({ kind: "stale-read", expected: 0x22222222, got: 0x11111111 });
    expect(run.violations[0].writerSource?.actor).toBe("helper");
  });

  it("makes no catalog run that is coherent under the architecture's policy incoherent", () => {
    for (const file of catalogFiles()) {
      const s = loadScenarioFile(file);
      for (const base of BASES) {
        const before = runScenario(s, base, { container }).verdict;
        const after = runScenario(s, `${base}+${FLUSH_ON_KMAP}`, { container }).verdict;
        if (before === "coherent") expect(after, `${s.name} on ${base}`).toBe("coherent");
      }
    }
  });
});

describe("registration", () => {
  it("the default export registers +flush-on-kmap through the command line's API", () => {
    const registered: unknown[] = [];
    register({ registerPlugin: (p) => registered.push(p) });
    expect(registered).toEqual([FLUSH_ON_KMAP_SPEC]);
  });

  it("registerFlushOnKmap is idempotent", () => {
    const c = createRegistry(registerArmProfiles, registerFlushOnKmap, registerFlushOnKmap);
    const run = runScenario(scenario("uprobes-xol"), `arm/arm926@3.10+${FLUSH_ON_KMAP}`, { container: c });
    expect(run.verdict).toBe("coherent");
  });
});
