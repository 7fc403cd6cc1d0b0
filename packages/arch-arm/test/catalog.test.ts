// Issue 5's expected verdicts, as the catalog's expect blocks carry them (packages/core/scenarios/*.yaml, the one
// source of truth): every cell of the issue's table is an entry of the catalog, equal to the issue's verdict
// unless it is a listed disagreement, which carries a `# issue 5 expects …` comment; and every ARM entry of every
// catalog expect block (globs expanded) gives its verdict when run. Entries that stack another package's plugin
// (+coloured-kmap) are arch-mips's to run.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  catalogFiles,
  type ExpectEntry,
  expectedVerdict,
  loadScenarioFile,
  profileRegistry,
  runScenario,
  type Scenario,
  type Verdict,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { container } from "./helpers.js";

const scenarios = new Map<string, Scenario>(
  catalogFiles().map((file) => [basename(file, ".yaml"), loadScenarioFile(file)]),
);
function scenario(name: string): Scenario {
  const s = scenarios.get(name);
  if (!s) throw new Error(`${name}.yaml is not in the catalog`);
  return s;
}

/** The catalog's entry for exactly `profile` in `name`'s expect block, with its source line. */
function entry(name: string, profile: string): (ExpectEntry & { line: string }) | undefined {
  const s = scenario(name);
  const e = s.expect.find((x) => x.pattern === profile);
  if (!e) return undefined;
  return { ...e, line: readFileSync(s.file, "utf8").split("\n")[e.where.line - 1] };
}

/** The issue's table (blank cells omitted), the dax-write-mmapped sentence and the feroceon sentence included. */
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
  for (const [name, verdicts] of Object.entries(rows)) {
    table[name] = {};
    verdicts.forEach((v, i) => {
      if (v) table[name][`arm/${cols[i]}`] = v;
    });
  }
  // "The same verdicts on feroceon as on arm926 for the dm-crypt rows."
  for (const name of ["dmcrypt-odirect-anon", "dmcrypt-odirect-shared-file"]) {
    table[name]["arm/feroceon@3.9"] = table[name]["arm/arm926@3.9"];
    table[name]["arm/feroceon@3.10"] = table[name]["arm/arm926@3.10"];
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

/** Where the model disagrees with the issue (README.md "Where the model disagrees"). */
const DISAGREEMENTS = [
  "fuse-writev arm/arm926@2.6.19", // read-allocate D-cache: after the zero-page COW the store goes to memory
  "dax-write-mmapped arm/arm926@4.19", // fs/Kconfig: FS_DAX depends on !(ARM || MIPS || SPARC) until v6.9
  "dax-write-mmapped arm/arm1136-32k@4.19",
  "dax-write-mmapped arm/cortex-a9@4.19",
  "dax-write-mmapped arm/cortex-a9@6.6",
];

describe("issue 5's table in the catalog's expect blocks", () => {
  it("every cell is an entry, equal to the issue's verdict except the listed disagreements", () => {
    const departures: string[] = [];
    for (const [name, cells] of Object.entries(ISSUE)) {
      for (const [profile, verdict] of Object.entries(cells)) {
        const e = entry(name, profile);
        expect(e, `${name} ${profile} is not in ${name}.yaml's expect block`).toBeDefined();
        if (e!.verdict !== verdict) departures.push(`${name} ${profile}`);
      }
    }
    expect(departures.sort()).toEqual([...DISAGREEMENTS].sort());
  });

  it("each disagreement carries a one-line comment naming the issue's verdict and the reason", () => {
    for (const cell of DISAGREEMENTS) {
      const [name, profile] = cell.split(" ");
      const e = entry(name, profile)!;
      expect(e.line, cell).toMatch(
        new RegExp(`#\\s*issue 5 expects ${ISSUE[name][profile]}: .{20,}packages/arch-arm/README\\.md`),
      );
    }
  });

  it("feroceon gives arm926's verdicts on the dm-crypt rows in every era it exists in", () => {
    for (const name of ["dmcrypt-odirect-anon", "dmcrypt-odirect-shared-file"]) {
      for (const era of ["3.9", "3.10", "4.19", "6.6", "catalin-2013"]) {
        const a = runScenario(scenario(name), `arm/arm926@${era}`, { container }).verdict;
        const f = runScenario(scenario(name), `arm/feroceon@${era}`, { container }).verdict;
        expect(f, `${name} @${era}`).toBe(a);
      }
    }
  });
});

describe("every ARM entry of the catalog's expect blocks", () => {
  const registry = profileRegistry(container);
  const armPlugins = new Set(registry.plugins.map((p) => p.name));
  const ours = (pattern: string) =>
    pattern.startsWith("arm/") &&
    pattern
      .split("+")
      .slice(1)
      .every((p) => armPlugins.has(p));
  const rows = [...scenarios.entries()].flatMap(([name, s]) =>
    s.expect.filter((e) => ours(e.pattern)).map((e) => [name, e.pattern] as const),
  );

  it("there are ARM entries (issue 5's table and the cells the model fills)", () => {
    expect(rows.length).toBeGreaterThan(100);
  });

  it.each(rows)("%s on %s", (name, pattern) => {
    const s = scenario(name);
    for (const id of registry.expand(pattern)) {
      expect(runScenario(s, id, { container }).verdict, id).toBe(expectedVerdict(s, id));
    }
  });
});

describe("cells the issue asks about specifically", () => {
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

  it("dax-write-mmapped on 4.19: the Kconfig refusal, and with +fs-dax what DAX would do", () => {
    const s = scenario("dax-write-mmapped");
    const refused = runScenario(s, "arm/arm1136-32k@4.19", { container });
    expect(refused.verdict).toBe("rejected");
    expect(refused.reason?.message).toMatch(/CONFIG_FS_DAX cannot be enabled on ARM in Linux 4\.19/);
    expect(runScenario(s, "arm/arm1136-32k@4.19+fs-dax", { container }).verdict).toBe("stale");
    expect(runScenario(s, "arm/cortex-a9@4.19+fs-dax", { container }).verdict).toBe("coherent");
  });

  it("pagecache-fill-then-mmap: flush_dcache_page on the unmapped page only clears PG_dcache_clean; the fault pays", () => {
    const r = runScenario(scenario("pagecache-fill-then-mmap"), "arm/arm1136-32k@3.10", {
      container,
      trace: true,
    });
    expect(r.verdict).toBe("coherent");
    const step = r.trace!.find((t) => t.text === "flush_dcache_page f[0]")!;
    expect(step.events.filter((e) => e.type === "maintenance")).toEqual([]);
  });

  it("a run is deterministic: the same result, byte for byte", () => {
    const a = runScenario(scenario("fuse-writev-threaded"), "arm/arm926@3.10", { container, trace: true });
    const b = runScenario(scenario("fuse-writev-threaded"), "arm/arm926@3.10", { container, trace: true });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
