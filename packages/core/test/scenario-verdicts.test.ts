import { basename } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listProfiles } from "../src/profile/container.js";
import { profileMatches } from "../src/profile/id.js";
import { catalogFiles, loadScenarioFile, parseScenario } from "../src/scenario/index.js";
import { runScenario } from "../src/simulation.js";

const GENERIC = listProfiles();
const THREE = ["generic/pipt@asm-generic", "generic/vivt@asm-generic", "generic/vivt@flush-all"];
const files = catalogFiles();

describe("the issue-3 scenarios", () => {
  it.each([
    ["fuse-writev", ["coherent", "stale", "coherent"]],
    ["fuse-writev-threaded", ["coherent", "stale", "stale"]],
  ])("%s gives the verdicts of its expect block on the three generic profiles", (name, verdicts) => {
    const file = files.find((f) => basename(f) === `${name}.yaml`);
    expect(file, `${name}.yaml in the catalog`).toBeDefined();
    const scenario = loadScenarioFile(file!);
    THREE.forEach((profile, i) => {
      const result = runScenario(scenario, profile);
      expect(result.expected, profile).toBe(verdicts[i]);
      expect(result.verdict, profile).toBe(verdicts[i]);
    });
  });

  it("fuse-writev on generic/vivt@asm-generic: the kernel's load misses the user's store", () => {
    const scenario = loadScenarioFile(files.find((f) => basename(f) === "fuse-writev.yaml")!);
    const result = runScenario(scenario, "generic/vivt@asm-generic");
    const reads = result.violations.filter((v) => v.kind === "stale-read");
    expect(reads).toHaveLength(4);
    expect(reads[0]).toMatchObject({
      expected: 0x11111111,
      source: { text: "load k+0x10 len=4", actor: "client" },
      writerSource: { text: "store buf+0x10 0x11111111 len=4" },
    });
    expect(reads[0].source?.where).toMatch(/fuse-writev\.yaml:\d+:\d+$/);
  });

  it("fuse-writev-threaded on generic/vivt@flush-all: only the helper's store, made inside the window, is missed", () => {
    const scenario = loadScenarioFile(files.find((f) => basename(f) === "fuse-writev-threaded.yaml")!);
    const result = runScenario(scenario, "generic/vivt@flush-all");
    expect(result.violations.map((v) => [v.kind, v.source?.text, v.writerSource?.actor])).toEqual([
      ["stale-read", "load k+0x10 len=4", "helper"],
    ]);
  });
});

describe("the bundled catalog", () => {
  it("has scenarios", () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files.map((f) => [basename(f), f]))("%s is coherent on generic/pipt@asm-generic", (_name, file) => {
    const result = runScenario(loadScenarioFile(file), "generic/pipt@asm-generic");
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe("coherent");
  });

  it.each(files.map((f) => [basename(f), f]))(
    "%s gives its expected verdict on every generic profile it names",
    (_name, file) => {
      const scenario = loadScenarioFile(file);
      for (const entry of scenario.expect) {
        for (const profile of GENERIC.filter((id) => profileMatches(entry.pattern, id))) {
          const result = runScenario(scenario, profile);
          expect(result.verdict, `${profile} (${entry.pattern})`).toBe(result.expected);
        }
      }
    },
  );
});

// ─── The property of generic/vivt@flush-all ─────────────────────────────────────────────────────────────────
// A program of user loads and stores (through the task's mapping) and kernel loads and stores (through the
// kmap or kmap_atomic alias of the get_user_pages'd page, remapped now and then) is coherent whenever some hook runs between every store and
// every later access to the same data through the other alias. "The same data" is the cache line: a write-back
// cache writes whole lines back, so two aliases dirtying different words of one line conflict just as they
// would on one word (that is the dirty-alias-conflict the oracle reports).

type Alias = "user" | "kernel";
const HOOK_STEPS = [
  "flush_dcache_page p",
  "flush_kernel_dcache_page p",
  "flush_anon_page t buf p",
  "flush_cache_page t buf",
  "flush_cache_mm t",
];

const access = fc.record({
  alias: fc.constantFrom<Alias>("user", "kernel"),
  kind: fc.constantFrom<"load" | "store">("load", "store"),
  line: fc.integer({ min: 0, max: 3 }),
  word: fc.integer({ min: 0, max: 7 }),
  // mostly no hook: the repair adds the ones the rule needs
  hook: fc.oneof(
    { arbitrary: fc.constant(null), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: HOOK_STEPS.length - 1 }), weight: 1 },
  ),
  /** Unmap the kernel alias and map the page again before this access (two hook calls). */
  remap: fc.oneof({ arbitrary: fc.constant(false), weight: 8 }, { arbitrary: fc.constant(true), weight: 1 }),
});

const program = fc.record({
  colour: fc.integer({ min: 0, max: 3 }),
  frameColour: fc.integer({ min: 0, max: 3 }),
  highmem: fc.boolean(),
  /** How the kernel maps the page: kmap_atomic (a fixmap slot for highmem) or kmap (a pkmap slot). */
  atomic: fc.boolean(),
  /** Which hook the repair inserts. */
  repairHook: fc.integer({ min: 0, max: HOOK_STEPS.length - 1 }),
  accesses: fc.array(access, { minLength: 1, maxLength: 30 }),
});

type Program = typeof program extends fc.Arbitrary<infer T> ? T : never;

/**
 * The scenario text of a program, with a hook inserted before every access that needs one (`repair`), or
 * only the hooks the generator asked for (`repair` false). Every store writes a value of its own.
 */
function scenarioText(p: Program, repair: boolean): string {
  let mapping = 0;
  const map = () => `  - t: ${p.atomic ? "kmap_atomic" : "kmap"} p -> k${mapping}`;
  const unmap = () => `  - t: ${p.atomic ? `kunmap_atomic k${mapping}` : "kunmap p"}`;
  const steps: string[] = ["  - t: get_user_pages t buf write=1 -> p", map()];
  // per line: the alias of a store that no hook has followed yet
  const unflushed = new Map<number, Alias>();
  let value = 0x1000;
  for (const a of p.accesses) {
    if (a.remap) {
      steps.push(unmap());
      mapping++;
      steps.push(map());
      unflushed.clear();
    }
    const owner = unflushed.get(a.line);
    const needed = repair && owner !== undefined && owner !== a.alias;
    const hook = a.hook ?? (needed ? p.repairHook : null);
    if (hook !== null) {
      steps.push(`  - t: ${HOOK_STEPS[hook]}`);
      unflushed.clear();
    }
    const base = a.alias === "user" ? "buf" : `k${mapping}`;
    const offset = `0x${(a.line * 32 + a.word * 4).toString(16)}`;
    if (a.kind === "store") {
      steps.push(`  - t: store ${base}+${offset} 0x${(value++).toString(16)}`);
      unflushed.set(a.line, a.alias);
    } else {
      steps.push(`  - t: load ${base}+${offset}`);
    }
  }
  steps.push(unmap(), "  - t: put_page p");
  return `flushlab: 1
name: generated
title: a generated program of user and kernel accesses to one page
source: the flushlab test suite
tasks:
  t:
    maps:
      buf: { anon: true, pages: 1, prot: rw, colour: ${p.colour}, frame_colour: ${p.frameColour}${p.highmem ? ", highmem: true" : ""} }
steps:
${steps.join("\n")}
`;
}

describe("generic/vivt@flush-all", () => {
  it("is coherent on every program where a hook separates each store from any access through the other alias", () => {
    fc.assert(
      fc.property(program, (p) => {
        const result = runScenario(
          parseScenario(scenarioText(p, true), "generated.yaml"),
          "generic/vivt@flush-all",
        );
        expect(result.violations).toEqual([]);
        expect(result.verdict).toBe("coherent");
      }),
      { numRuns: 150 },
    );
  });

  it("is stale when the hook between a user store and the kernel's load is missing (the property is not vacuous)", () => {
    const text = scenarioText(
      {
        colour: 1,
        frameColour: 0,
        highmem: false,
        atomic: true,
        repairHook: 0,
        accesses: [
          { alias: "user", kind: "store", line: 0, word: 4, hook: null, remap: false },
          { alias: "kernel", kind: "load", line: 0, word: 4, hook: null, remap: false },
        ],
      },
      false,
    );
    const scenario = parseScenario(text, "generated.yaml");
    expect(runScenario(scenario, "generic/vivt@flush-all").verdict).toBe("stale");
    const repaired = parseScenario(
      text.replace("  - t: load k0+0x10", "  - t: flush_dcache_page p\n  - t: load k0+0x10"),
      "g.yaml",
    );
    expect(runScenario(repaired, "generic/vivt@flush-all").verdict).toBe("coherent");
  });

  it("finds programs without the hooks stale: generated programs are not all trivially coherent", () => {
    let stale = 0;
    fc.assert(
      fc.property(program, (p) => {
        const result = runScenario(
          parseScenario(scenarioText(p, false), "generated.yaml"),
          "generic/vivt@flush-all",
        );
        if (result.verdict === "stale") stale++;
        expect(["coherent", "stale"]).toContain(result.verdict);
      }),
      { numRuns: 60, seed: 1 },
    );
    expect(stale).toBeGreaterThan(0);
  });
});
