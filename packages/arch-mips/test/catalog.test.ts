// The expected verdicts of issue 6, on the catalog scenarios (packages/core/scenarios) and this package's own
// (packages/arch-mips/scenarios): the table of the issue, cell by cell, with the model's verdict where it
// disagrees, and expect.yaml (the machine-readable table the lead merges) checked against the runs.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ARM_CPUS, registerArmProfiles } from "@flushlab/arch-arm";
import {
  type CpuSpec,
  catalogFiles,
  createRegistry,
  loadScenarioFile,
  registerCpu,
  runScenario,
  type Scenario,
} from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { registerMipsProfiles } from "../src/index.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const ownScenarios = join(packageDir, "scenarios");

/**
 * arch-arm's kernel layout leaves 48 KiB of architecture windows, all of them taken by its own FLUSH_ALIAS and
 * COPYPAGE windows, so +coloured-kmap cannot reserve its slots on an ARM profile yet (a PluginError says so).
 * Until arch-arm widens its window area, the ARM cells run on copies of its CPUs whose only difference is a window
 * area between VMALLOC_END (0xff800000) and the 6.x fixmap (0xffc80000) (`-w`): ARM's own hook implementations, the plugin's slots.
 */
function registerArmWideWindows(container: DependencyContainer): void {
  for (const cpu of ARM_CPUS as readonly CpuSpec[]) {
    registerCpu(container, {
      ...cpu,
      name: `${cpu.name}-w`,
      layout: { ...cpu.layout, windowStart: 0xff80_0000, windowEnd: 0xffc0_0000 },
    });
  }
}

const container = createRegistry(registerMipsProfiles, registerArmProfiles, registerArmWideWindows);
const armWide = (id: string) => id.replace(/^arm\/([^@]+)@/, "arm/$1-w@");
const profileFor = (id: string) =>
  id.startsWith("arm/") && id.includes("+coloured-kmap") ? armWide(id) : id;

const scenarios = new Map<string, Scenario>();
function load(name: string): Scenario {
  let scenario = scenarios.get(name);
  if (!scenario) {
    const file =
      catalogFiles().find((f) => basename(f) === `${name}.yaml`) ??
      catalogFiles(ownScenarios).find((f) => basename(f) === `${name}.yaml`);
    if (!file)
      throw new Error(`scenario ${name} is neither in the catalog nor in packages/arch-mips/scenarios`);
    scenario = loadScenarioFile(file);
    scenarios.set(name, scenario);
  }
  return scenario;
}

const verdictOf = (name: string, id: string) =>
  runScenario(load(name), profileFor(id), { container }).verdict;

/** The issue's columns. */
const COLUMNS = [
  "mips/24kc-32k@2.6.19",
  "mips/24kc-32k@3.10",
  "mips/24kc-32k@6.6",
  "mips/24kc-32k-ar@6.6",
  "mips/r4400@3.10",
  "mips/24kc-32k@4.19+coloured-kmap",
] as const;

/**
 * The issue's table, cell by cell: `issue` is what it expects ("" where it leaves the cell to the model), `model`
 * is what the model gives. Where both are set and differ, the README's "Where the model disagrees" explains.
 */
const TABLE: Record<string, readonly { issue: string; model: string }[]> = {
  "fuse-writev": [
    { issue: "", model: "stale" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
  ],
  "fuse-writev-threaded": [
    { issue: "stale", model: "stale" },
    { issue: "stale", model: "stale" },
    { issue: "stale", model: "stale" },
    { issue: "coherent", model: "coherent" },
    { issue: "stale", model: "stale" },
    { issue: "coherent", model: "coherent" },
  ],
  "cow-after-fork-threaded": [
    { issue: "stale", model: "stale" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
  ],
  "shared-mapping-incongruent": [
    { issue: "", model: "rejected" },
    { issue: "rejected", model: "rejected" },
    { issue: "rejected", model: "rejected" },
    { issue: "coherent", model: "coherent" },
    { issue: "rejected", model: "rejected" },
    { issue: "", model: "rejected" },
  ],
  "pagecache-fill-then-mmap": [
    { issue: "coherent", model: "stale" },
    { issue: "coherent", model: "stale" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "coherent", model: "stale" },
    { issue: "coherent", model: "stale" },
  ],
  "dmcrypt-odirect-anon": [
    { issue: "", model: "stale" },
    { issue: "", model: "stale" },
    { issue: "", model: "coherent" },
    { issue: "coherent", model: "coherent" },
    { issue: "", model: "stale" },
    { issue: "coherent", model: "coherent" },
  ],
  "dax-write-mmapped": [
    { issue: "", model: "rejected" },
    { issue: "", model: "rejected" },
    { issue: "rejected", model: "rejected" },
    { issue: "coherent", model: "rejected" },
    { issue: "", model: "rejected" },
    { issue: "coherent", model: "rejected" },
  ],
};

describe("the issue's table of expected verdicts", () => {
  for (const [name, row] of Object.entries(TABLE)) {
    it.each(COLUMNS.map((id, i) => [id, row[i]] as const))(`${name} on %s`, (id, cell) => {
      expect(verdictOf(name, id)).toBe(cell.model);
    });
  }

  it("disagrees with the issue in exactly six cells (README: Where the model disagrees)", () => {
    const disagreements = Object.entries(TABLE).flatMap(([name, row]) =>
      row.flatMap((cell, i) =>
        cell.issue !== "" && cell.issue !== cell.model ? [`${name} ${COLUMNS[i]}`] : [],
      ),
    );
    expect(disagreements).toEqual([
      "pagecache-fill-then-mmap mips/24kc-32k@2.6.19",
      "pagecache-fill-then-mmap mips/24kc-32k@3.10",
      "pagecache-fill-then-mmap mips/r4400@3.10",
      "pagecache-fill-then-mmap mips/24kc-32k@4.19+coloured-kmap",
      "dax-write-mmapped mips/24kc-32k-ar@6.6",
      "dax-write-mmapped mips/24kc-32k@4.19+coloured-kmap",
    ]);
  });

  it("gives the issue's DAX verdicts in the 6.9 era, once fs/Kconfig no longer excludes MIPS", () => {
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k@6.9")).toBe("rejected");
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k-ar@6.9")).toBe("coherent");
  });
});

describe("coloured-kmap on ARM (the issue's extra cells)", () => {
  it("arm1136-32k@3.10 becomes coherent on fuse-writev-threaded; arm926 (VIVT) stays stale", () => {
    expect(verdictOf("fuse-writev-threaded", "arm/arm1136-32k@3.10")).toBe("stale");
    expect(verdictOf("fuse-writev-threaded", "arm/arm1136-32k@3.10+coloured-kmap")).toBe("coherent");
    expect(verdictOf("fuse-writev-threaded", "arm/arm926@3.10+coloured-kmap")).toBe("stale");
  });
});

describe("expect.yaml", () => {
  const table = parse(readFileSync(join(packageDir, "expect.yaml"), "utf8")) as Record<
    string,
    Record<string, string>
  >;

  it("holds every cell of the issue's table with the model's verdict", () => {
    for (const [name, row] of Object.entries(TABLE)) {
      COLUMNS.forEach((id, i) => {
        expect(table[name]?.[id], `${name} ${id}`).toBe(row[i].model);
      });
    }
  });

  it.each(
    Object.entries(table).flatMap(([name, cells]) => Object.entries(cells).map(([id, v]) => [name, id, v])),
  )("%s on %s: %s", (name, id, verdict) => {
    expect(verdictOf(name, id)).toBe(verdict);
  });

  it("agrees with the expect block of mips-kmap-coherent-dirty.yaml", () => {
    const scenario = load("mips-kmap-coherent-dirty");
    const block = Object.fromEntries(scenario.expect.map((e) => [e.pattern, e.verdict]));
    expect(block).toEqual(table["mips-kmap-coherent-dirty"]);
  });
});
