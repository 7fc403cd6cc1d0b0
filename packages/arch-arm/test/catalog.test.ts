// The expected-verdict table of issue 5 on the catalog scenarios (packages/core/scenarios), as the model gives
// it: every cell of expect.yaml is run and asserted; the cells where the model disagrees with the issue are
// listed with their reason, and any other departure from the issue's table fails.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { catalogDir, loadScenarioFile, runScenario, type Scenario, type Verdict } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { container } from "./helpers.js";

const EXPECT = parse(readFileSync(join(import.meta.dirname, "..", "expect.yaml"), "utf8")) as Record<
  string,
  Record<string, Verdict>
>;

/** The issue's table (blank cells omitted), the dax-write-mmapped sentence included. */
const ISSUE: Record<string, Record<string, Verdict>> = (() => {
  const cols = [
    "arm926@2.6.19",
    "arm926@3.9",
    "arm926@3.10",
    "arm1136-32k@3.9",
    "arm1136-32k@3.10",
    "cortex-a9@3.10",
    "cortex-a9@6.6",
  ];
  const rows: Record<string, (Verdict | null)[]> = {
    "fuse-writev": ["stale", "coherent", "coherent", "coherent", "coherent", "coherent", "coherent"],
    "fuse-readv": ["stale", "coherent", "coherent", "coherent", "coherent", "coherent", "coherent"],
    "fuse-writev-threaded": ["stale", "stale", "stale", "stale", "stale", "coherent", "coherent"],
    "dmcrypt-odirect-anon": [null, "stale", "coherent", "stale", "coherent", "coherent", "coherent"],
    "dmcrypt-odirect-shared-file": [null, "stale", "coherent", "stale", "coherent", "coherent", "coherent"],
    "shared-mapping-incongruent": [null, null, "coherent", null, "rejected", "coherent", "coherent"],
    "pagecache-fill-then-mmap": [
      "coherent",
      "coherent",
      "coherent",
      "coherent",
      "coherent",
      "coherent",
      "coherent",
    ],
    "mmap-store-then-writeback": [null, null, "coherent", null, "coherent", "coherent", "coherent"],
  };
  const table: Record<string, Record<string, Verdict>> = {};
  for (const [scenario, verdicts] of Object.entries(rows)) {
    table[scenario] = {};
    verdicts.forEach((v, i) => {
      if (v) table[scenario][`arm/${cols[i]}`] = v;
    });
  }
  table["dax-write-mmapped"] = {
    "arm/arm926@4.19": "stale",
    "arm/arm1136-32k@4.19": "stale",
    "arm/cortex-a9@4.19": "coherent",
    "arm/cortex-a9@6.6": "coherent",
    "arm/arm926@6.6": "rejected",
    "arm/arm1136-32k@6.6": "rejected",
  };
  return table;
})();

/** Where the model disagrees with the issue, and why (README.md "Where the model disagrees"). */
const DISAGREEMENTS: Record<string, string> = {
  "fuse-writev arm/arm926@2.6.19":
    "read-allocate D-cache: after the zero-page COW the user's store misses and goes to memory",
  "dax-write-mmapped arm/arm926@4.19": "FS_DAX depends on !ARM in fs/Kconfig until v6.9",
  "dax-write-mmapped arm/arm1136-32k@4.19": "FS_DAX depends on !ARM in fs/Kconfig until v6.9",
  "dax-write-mmapped arm/cortex-a9@4.19": "FS_DAX depends on !ARM in fs/Kconfig until v6.9",
  "dax-write-mmapped arm/cortex-a9@6.6": "FS_DAX depends on !ARM in fs/Kconfig until v6.9",
};

const scenarios = new Map<string, Scenario>();
function scenario(name: string): Scenario {
  let s = scenarios.get(name);
  if (!s) {
    s = loadScenarioFile(join(catalogDir(), `${name}.yaml`));
    scenarios.set(name, s);
  }
  return s;
}

describe("expect.yaml against the issue's table", () => {
  it("every cell of the issue is in expect.yaml, equal to the issue's verdict unless it is a listed disagreement", () => {
    const departures: string[] = [];
    for (const [name, cells] of Object.entries(ISSUE)) {
      for (const [profile, verdict] of Object.entries(cells)) {
        const model = EXPECT[name]?.[profile];
        expect(model, `${name} ${profile} missing from expect.yaml`).toBeDefined();
        if (model !== verdict) departures.push(`${name} ${profile}`);
      }
    }
    expect(departures.sort()).toEqual(Object.keys(DISAGREEMENTS).sort());
  });
});

describe("the catalog on the ARM profiles (expect.yaml)", () => {
  for (const [name, cells] of Object.entries(EXPECT)) {
    it(`${name}`, () => {
      const got: Record<string, Verdict> = {};
      for (const profile of Object.keys(cells))
        got[profile] = runScenario(scenario(name), profile, { container }).verdict;
      expect(got).toEqual(cells);
    });
  }
});

describe("cells the issue asks about specifically", () => {
  it("feroceon gives arm926's verdicts on the dm-crypt rows", () => {
    for (const name of ["dmcrypt-odirect-anon", "dmcrypt-odirect-shared-file"]) {
      for (const era of ["3.9", "3.10", "4.19", "6.6", "catalin-2013"]) {
        const a = runScenario(scenario(name), `arm/arm926@${era}`, { container }).verdict;
        const f = runScenario(scenario(name), `arm/feroceon@${era}`, { container }).verdict;
        expect(f, `${name} @${era}`).toBe(a);
      }
    }
  });

  it("arm926@3.10 shared-mapping-incongruent is coherent because both mappings became uncached: the cost shows it", () => {
    const arm = runScenario(scenario("shared-mapping-incongruent"), "arm/arm926@3.10", { container });
    const pipt = runScenario(scenario("shared-mapping-incongruent"), "generic/pipt@asm-generic", {
      container,
    });
    expect(arm.verdict).toBe("coherent");
    expect(arm.costs.uncachedAccesses).toBe(3);
    expect(pipt.costs.uncachedAccesses).toBe(0);
    expect(arm.costs.cycles).toBeGreaterThan(pipt.costs.cycles);
  });

  it("dm-crypt: 3.9 fails on VIVT and aliasing VIPT, 3.10 (ARM 7755/1) fixes it; the stale read is the user's", () => {
    const r = runScenario(scenario("dmcrypt-odirect-anon"), "arm/arm926@3.9", { container });
    expect(r.verdict).toBe("stale");
    expect(r.violations.every((v) => v.kind === "stale-read" && v.source?.text.startsWith("load buf"))).toBe(
      true,
    );
    expect(r.violations[0].expected).toBe(0x22222222);
    expect(r.violations[0].got).toBe(0xcccccccc);
  });

  it("a run is deterministic: the same result, byte for byte", () => {
    const a = runScenario(scenario("fuse-writev-threaded"), "arm/arm926@3.10", { container, trace: true });
    const b = runScenario(scenario("fuse-writev-threaded"), "arm/arm926@3.10", { container, trace: true });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
