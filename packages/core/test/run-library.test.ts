import { describe, expect, it } from "vitest";
import { FOLL_WRITE, type HookName, PROT_READ, PROT_WRITE } from "../src/kernel/index.js";
import { createSimulation } from "../src/simulation.js";

/** The fuse story driven through the library API, without a scenario file; returns what an embedder sees. */
function fuseByHand(profile: string) {
  const sim = createSimulation({ profile });
  const hooks: string[] = [];
  sim.observe({ hookEnter: (call) => void hooks.push(`${"  ".repeat(call.depth)}${call.hook}`) });
  const { kernel } = sim;
  const client = kernel.createTask("client");
  sim.step("client");
  kernel.enter(client.threads[0]);
  const buf = kernel.mmap({
    name: "buf",
    pages: 1,
    prot: PROT_READ | PROT_WRITE,
    colour: 1,
    placement: { colour: 0 },
  });
  sim.step("client");
  kernel.userStore(buf.start + 0x10, 0x11111111);
  sim.step("client");
  const [page] = kernel.get_user_pages(buf.start, 1, FOLL_WRITE);
  const k = kernel.kmap_atomic(page);
  sim.step("client");
  const got = kernel.kernelLoad(k + 0x10);
  kernel.kunmap_atomic(k);
  kernel.put_page(page);
  return { sim, got, hooks, outcome: sim.finish() };
}

describe("the library API", () => {
  it("drives a machine step by step and judges it: stale on VIVT without flushing", () => {
    const { got, outcome, hooks, sim } = fuseByHand("generic/vivt@asm-generic");
    expect(got).not.toBe(0x11111111);
    expect(outcome.verdict).toBe("stale");
    expect(outcome.violations[0]).toMatchObject({
      kind: "stale-read",
      step: 3,
      actor: "client",
      expected: 0x11111111,
    });
    expect(hooks).toContain("get_user_pages");
    expect(hooks).toContain("  flush_anon_page");
    expect(sim.finish()).toBe(outcome); // finish is idempotent
    expect(sim.costs().cycles).toBeGreaterThan(0);
  });

  it("gives the kernel its data where the policy flushes at every hook", () => {
    const { got, outcome, sim } = fuseByHand("generic/vivt@flush-all");
    expect(got).toBe(0x11111111);
    expect(outcome.verdict).toBe("coherent");
    expect(sim.costs().perCpu[0].d.wholeCacheOps).toBeGreaterThan(0);
    expect(sim.pluginNames).toEqual(["flush-all"]);
  });

  it("lets a caller's plugin stack on a profile without a registry entry", () => {
    const seen: HookName[] = [];
    const sim = createSimulation({
      profile: "generic/pipt@asm-generic",
      plugins: [
        {
          name: "spy",
          apply(kernel) {
            kernel.hooks.kmap_atomic.tap("spy", () => {
              seen.push("kmap_atomic");
              return undefined;
            });
          },
        },
      ],
    });
    const page = sim.kernel.alloc_page({});
    sim.kernel.kunmap_atomic(sim.kernel.kmap_atomic(page));
    expect(seen).toEqual(["kmap_atomic"]);
  });
});
