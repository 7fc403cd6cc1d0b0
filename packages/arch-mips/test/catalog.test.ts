// Issue 6's expected verdicts, as the catalog's expect blocks carry them (packages/core/scenarios/*.yaml, the one
// source of truth), and this package's own scenario (scenarios/mips-kmap-coherent-dirty.yaml, which needs its
// ops): every cell of the issue's table is an entry of the catalog, equal to the issue's verdict unless it is a
// listed disagreement, which carries a `# issue 6 expects …` comment; every MIPS entry, and every entry that
// stacks this package's +coloured-kmap (on ARM profiles too), gives its verdict when run.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { registerArmProfiles } from "@flushlab/arch-arm";
import {
  catalogFiles,
  createRegistry,
  expectedVerdict,
  loadScenarioFile,
  profileRegistry,
  runScenario,
  type Scenario,
  type Verdict,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { registerMipsProfiles } from "../src/index.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const ownScenarios = join(packageDir, "scenarios");

/** MIPS and ARM (for +coloured-kmap on ARM profiles): the real ARM profiles, whose window area has room. */
const container = createRegistry(registerMipsProfiles, registerArmProfiles);
const registry = profileRegistry(container);

const catalog = new Map<string, Scenario>(
  catalogFiles().map((file) => [basename(file, ".yaml"), loadScenarioFile(file)]),
);
const own = new Map<string, Scenario>(
  catalogFiles(ownScenarios).map((file) => [basename(file, ".yaml"), loadScenarioFile(file)]),
);
function scenario(name: string): Scenario {
  const s = catalog.get(name) ?? own.get(name);
  if (!s) throw new Error(`${name} is neither in the catalog nor in packages/arch-mips/scenarios`);
  return s;
}
const verdictOf = (name: string, id: string) => runScenario(scenario(name), id, { container }).verdict;

/** The issue's columns. */
const COLUMNS = [
  "mips/24kc-32k@2.6.19",
  "mips/24kc-32k@3.10",
  "mips/24kc-32k@6.6",
  "mips/24kc-32k-ar@6.6",
  "mips/r4400@3.10",
  "mips/24kc-32k@4.19+coloured-kmap",
] as const;

/** The issue's table ("" where it leaves the cell to the model), and its sentence on +coloured-kmap on ARM. */
const ISSUE: Record<string, readonly (Verdict | "")[]> = {
  "fuse-writev": ["", "coherent", "coherent", "coherent", "coherent", "coherent"],
  "fuse-writev-threaded": ["stale", "stale", "stale", "coherent", "stale", "coherent"],
  "cow-after-fork-threaded": ["stale", "coherent", "coherent", "coherent", "coherent", "coherent"],
  "shared-mapping-incongruent": ["", "rejected", "rejected", "coherent", "rejected", ""],
  "pagecache-fill-then-mmap": ["coherent", "coherent", "coherent", "coherent", "coherent", "coherent"],
  "dmcrypt-odirect-anon": ["", "", "", "coherent", "", "coherent"],
  "dax-write-mmapped": ["", "", "rejected", "coherent", "", "coherent"],
};
const ISSUE_ARM: readonly [string, string, Verdict][] = [
  ["fuse-writev-threaded", "arm/arm1136-32k@3.10+coloured-kmap", "coherent"],
  ["fuse-writev-threaded", "arm/arm926@3.10+coloured-kmap", "stale"],
  // "coherent on … dax-write-mmapped (4.19) as well": 4.19 with FS_DAX built (+fs-dax), fs/Kconfig forbidding it
  ["dax-write-mmapped", "arm/arm1136-32k@4.19+fs-dax+coloured-kmap", "coherent"],
];

/** Where the model disagrees with the issue (README.md "Where the model disagrees"): fs/Kconfig's FS_DAX. */
const DISAGREEMENTS = [
  "dax-write-mmapped mips/24kc-32k-ar@6.6",
  "dax-write-mmapped mips/24kc-32k@4.19+coloured-kmap",
];

/** The catalog's entry for exactly `profile` in `name`'s expect block, with its source line. */
function entry(name: string, profile: string) {
  const s = scenario(name);
  const e = s.expect.find((x) => x.pattern === profile);
  return e && { ...e, line: readFileSync(s.file, "utf8").split("\n")[e.where.line - 1] };
}

describe("issue 6's table in the catalog's expect blocks", () => {
  it("every cell is an entry (blank ones filled by the model), equal to the issue's verdict except the listed disagreements", () => {
    const departures: string[] = [];
    for (const [name, row] of Object.entries(ISSUE)) {
      COLUMNS.forEach((id, i) => {
        const e = entry(name, id);
        expect(e, `${name} ${id} is not in ${name}.yaml's expect block`).toBeDefined();
        if (row[i] !== "" && e!.verdict !== row[i]) departures.push(`${name} ${id}`);
      });
    }
    for (const [name, id, verdict] of ISSUE_ARM) {
      expect(entry(name, id)?.verdict, `${name} ${id}`).toBe(verdict);
    }
    expect(departures).toEqual(DISAGREEMENTS);
  });

  it("each disagreement carries a one-line comment naming the issue's verdict and the reason", () => {
    for (const cell of DISAGREEMENTS) {
      const [name, id] = cell.split(" ");
      expect(entry(name, id)!.line, cell).toMatch(
        new RegExp(
          `#\\s*issue 6 expects ${ISSUE[name][COLUMNS.indexOf(id as never)]}: fs/Kconfig .*packages/arch-mips/README\\.md`,
        ),
      );
    }
  });

  it("gives the issue's DAX verdicts where fs/Kconfig no longer excludes MIPS (6.9) or FS_DAX is built anyway (+fs-dax)", () => {
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k@6.9")).toBe("rejected");
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k-ar@6.9")).toBe("coherent");
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k@4.19+fs-dax")).toBe("stale");
    expect(verdictOf("dax-write-mmapped", "mips/24kc-32k@4.19+fs-dax+coloured-kmap")).toBe("coherent");
  });
});

describe("every MIPS and +coloured-kmap entry of the catalog's expect blocks, and of this package's scenario", () => {
  const ours = (pattern: string) => pattern.startsWith("mips/") || pattern.includes("+coloured-kmap");
  const rows = [...catalog.entries(), ...own.entries()].flatMap(([name, s]) =>
    s.expect.filter((e) => ours(e.pattern)).map((e) => [name, e.pattern] as const),
  );

  it("there are such entries (issue 6's table, the cells the model fills, mips-kmap-coherent-dirty)", () => {
    expect(rows.length).toBeGreaterThan(60);
    expect(rows.filter(([name]) => name === "mips-kmap-coherent-dirty").length).toBeGreaterThan(5);
  });

  it.each(rows)("%s on %s", (name, pattern) => {
    const s = scenario(name);
    for (const id of registry.expand(pattern)) {
      expect(runScenario(s, id, { container }).verdict, id).toBe(expectedVerdict(s, id));
    }
  });
});

describe("mips-kmap-coherent-dirty (this package's scenario: it needs kmap_coherent and add_to_swap)", () => {
  it("is bug on the aliasing CPUs in 2.6.23 (the BUG_ON of take 1) and coherent after take 2", () => {
    expect(verdictOf("mips-kmap-coherent-dirty", "mips/24kc-32k@2.6.23")).toBe("bug");
    expect(verdictOf("mips-kmap-coherent-dirty", "mips/24kc-32k@3.10")).toBe("coherent");
  });

  it("is refused with an error naming the profile on another architecture (its ops are MIPS's)", () => {
    const r = runScenario(scenario("mips-kmap-coherent-dirty"), "arm/arm1136-32k@3.10", { container });
    expect(r.verdict).toBe("error");
  });
});
