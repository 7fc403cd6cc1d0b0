// `flushlab compare`: the Markdown matrix against its golden file, byte-identical runs, every format, the
// JSON's hashes and version, --diff (checked against independent runs), --out written atomically, and bad
// input (exit 2, naming the option).
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  catalogDir,
  createRegistry,
  GENERIC_PIPT,
  loadScenarioFile,
  parseScenario,
  registerCpu,
  runScenario,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { runCell } from "../src/report/matrix.js";
import { capture } from "./cli-helpers.js";
import { expectGolden } from "./golden-helpers.js";

const GENERIC = "generic/*@*";
const FIXED = "fuse-writev,fuse-readv,dax-write-mmapped,shared-mapping-incongruent,sg-miter-slab";

async function run(...args: string[]) {
  const out = capture();
  const code = await main(args, out.io);
  return { code, out: out.out, err: out.err };
}

describe("flushlab compare", () => {
  it("prints the Markdown matrix of a fixed set of scenarios on the generic profiles (golden)", async () => {
    const { code, out, err } = await run(
      "compare",
      "--format",
      "markdown",
      "--profiles",
      GENERIC,
      "--scenarios",
      FIXED,
    );
    expect(code).toBe(0);
    expectGolden("compare-generic.md.golden", out);
    expect(err).toMatch(
      /^compare: 20 runs \(5 scenarios, 4 profiles\) in \d+\.\d\d s \([\d.]+ ms\/run\): \d+ coherent, \d+ stale\n$/,
    );
  });

  it("is byte-identical between runs, in every format", async () => {
    for (const format of ["table", "markdown", "json", "csv"]) {
      const a = await run("compare", "--format", format, "--profiles", GENERIC, "--scenarios", "fuse-*");
      const b = await run("compare", "--format", format, "--profiles", GENERIC, "--scenarios", "fuse-*");
      expect(a.code).toBe(0);
      expect(a.out.length).toBeGreaterThan(100);
      expect(a.out).toBe(b.out);
    }
  });

  it("runs the whole catalog on every registered profile by default, a row per scenario and a column per profile", async () => {
    const { code, out } = await run("compare");
    expect(code).toBe(0);
    const lines = out.split("\n");
    const listed = await run("list", "profiles");
    const profiles = listed.out
      .split("\n")
      .filter((l) => /^\S+\/\S+@\S+/.test(l))
      .map((l) => l.split(/\s+/)[0]);
    expect(profiles).toContain("generic/vivt@flush-all");
    expect(profiles.some((p) => p.startsWith("arm/"))).toBe(true);
    expect(profiles.some((p) => p.startsWith("mips/"))).toBe(true);
    expect(lines[0].split(/\s+/).filter(Boolean)).toEqual(["scenario", ...profiles]);
    const catalogRows = readdirSync(catalogDir()).filter((f) => f.endsWith(".yaml")).length;
    expect(lines.filter((l) => /^[a-z0-9-]+\s+(coherent|stale|rejected|bug|error)/.test(l))).toHaveLength(
      catalogRows,
    );
    const generic = await run("compare", "--profiles", GENERIC, "--scenarios", "fuse-readv");
    expect(generic.out).toMatch(
      /^fuse-readv\s+coherent · 0 ln · \d+ cy\s+stale 5 · \d+ ln · \d+ cy\s+stale 5 · \d+ ln · \d+ cy\s+coherent · \d+ ln · \d+ cy$/m,
    );
  });

  it("JSON carries the tool's version and the sha256 of each scenario file, and every cell", async () => {
    const { out } = await run(
      "compare",
      "--format",
      "json",
      "--profiles",
      GENERIC,
      "--scenarios",
      "fuse-readv,sg-miter-slab",
    );
    const doc = JSON.parse(out);
    expect(doc.tool).toEqual({ name: "flushlab", version: "0.1.0" });
    expect(doc.scenarios.map((s: { name: string }) => s.name)).toEqual(["fuse-readv", "sg-miter-slab"]);
    for (const s of doc.scenarios) {
      expect(s.hash).toBe(
        createHash("sha256")
          .update(readFileSync(join(catalogDir(), `${s.name}.yaml`)))
          .digest("hex"),
      );
    }
    expect(doc.cells).toHaveLength(8);
    const stale = doc.cells.find(
      (c: { scenario: string; profile: string }) =>
        c.scenario === "fuse-readv" && c.profile === "generic/vivt@asm-generic",
    );
    const direct = runScenario(
      loadScenarioFile(join(catalogDir(), "fuse-readv.yaml")),
      "generic/vivt@asm-generic",
    );
    expect(stale).toEqual({
      scenario: "fuse-readv",
      profile: "generic/vivt@asm-generic",
      verdict: "stale",
      expected: "stale",
      violations: direct.violations.length,
      linesMaintained: direct.costs.linesMaintained,
      cycles: direct.costs.cycles,
      reason: null,
    });
  });

  it("CSV has a header and one row per cell", async () => {
    const { out } = await run(
      "compare",
      "--format",
      "csv",
      "--profiles",
      GENERIC,
      "--scenarios",
      "fuse-readv",
    );
    const rows = out.split("\r\n").filter((r) => r !== "");
    expect(rows[0]).toBe(
      "scenario,file,hash,profile,verdict,expected,violations,lines_maintained,cycles,reason",
    );
    expect(rows).toHaveLength(5);
    expect(rows[1]).toMatch(
      /^fuse-readv,.*fuse-readv\.yaml,[0-9a-f]{64},generic\/pipt@asm-generic,coherent,coherent,0,0,\d+,$/,
    );
  });

  it("--diff A B lists exactly the scenarios on which the two verdicts differ", async () => {
    const a = "generic/vivt@asm-generic";
    const b = "generic/vivt@flush-all";
    const { code, out } = await run("compare", "--diff", a, b, "--format", "json");
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    const expected = readdirSync(catalogDir())
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => loadScenarioFile(join(catalogDir(), f)))
      .filter((s) => runScenario(s, a).verdict !== runScenario(s, b).verdict)
      .map((s) => s.name)
      .sort();
    expect(doc.diff.scenarios.map((s: { name: string }) => s.name)).toEqual(expected);
    expect(expected).toEqual(
      expect.arrayContaining(["fuse-readv", "pagecache-fill-then-mmap", "mmap-store-then-writeback"]),
    );
    expect(expected).not.toContain("fuse-writev-threaded");
    expect(expected).not.toContain("dax-write-mmapped");
    const table = await run("compare", "--diff", a, b);
    expect(table.out.split("\n")[0]).toBe(
      `diff ${a} ${b}: ${expected.length} of ${doc.diff.compared} scenarios differ`,
    );
    expect(table.out).toMatch(/^fuse-readv\s+stale 5 · \d+ ln · \d+ cy\s+coherent · \d+ ln · \d+ cy$/m);
  });

  it("--diff on two profiles that agree everywhere lists nothing", async () => {
    const { out } = await run(
      "compare",
      "--diff",
      "generic/vivt@asm-generic",
      "generic/vipt-32k@asm-generic",
      "--scenarios",
      "fuse-readv,sg-miter-slab",
    );
    expect(out).toBe("diff generic/vivt@asm-generic generic/vipt-32k@asm-generic: 0 of 2 scenarios differ\n");
  });

  it("--out writes the whole output atomically, replacing an old file, and leaves no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flushlab-compare-"));
    const file = join(dir, "matrix.md");
    writeFileSync(file, "old content\n");
    const args = ["compare", "--format", "markdown", "--profiles", GENERIC, "--scenarios", FIXED];
    const { code, out } = await run(...args, "--out", file);
    expect(code).toBe(0);
    expect(out).toBe("");
    expect(readFileSync(file, "utf8")).toBe((await run(...args)).out);
    expect(readdirSync(dir)).toEqual(["matrix.md"]);
  });

  it("--out that cannot be written exits 2 naming --out, and leaves what was there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flushlab-compare-"));
    const target = join(dir, "taken");
    mkdirSync(target);
    writeFileSync(join(target, "keep"), "x");
    const { code, err } = await run("compare", "--scenarios", "sg-miter-slab", "--out", target);
    expect(code).toBe(2);
    expect(err).toMatch(/^flushlab: --out: cannot write .*taken/m);
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readdirSync(target)).toEqual(["keep"]);
    const missing = await run(
      "compare",
      "--scenarios",
      "sg-miter-slab",
      "--out",
      join(dir, "no", "such", "dir.md"),
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--out: cannot write/);
  });

  it.each([
    [["--format", "xml"], /--format/],
    [["--profiles", "nope/cpu@policy"], /--profiles/],
    [["--profiles", "generic/vivt*"], /--profiles/],
    [["--scenarios", "no-such-scenario"], /--scenarios: "no-such-scenario" is neither a file/],
    [["--scenarios", "zzz*"], /--scenarios: no catalog scenario matches "zzz\*"/],
    [["--diff", "generic/vivt@asm-generic"], /--diff: takes two profile ids/],
    [
      ["--diff", "generic/vivt@asm-generic", "generic/*@asm-generic"],
      /--diff: "generic\/\*@asm-generic" is a glob/,
    ],
    [
      ["--diff", "generic/vivt@asm-generic", "generic/vivt@asm-generic"],
      /--diff: A and B are the same profile/,
    ],
    [
      ["--diff", "generic/vivt@asm-generic", "generic/vivt@flush-all", "--profiles", GENERIC],
      /--diff: runs its two profiles only/,
    ],
  ])("bad input %j exits 2 and names the option", async (args, message) => {
    const { code, out, err } = await run("compare", ...args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(message);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });

  it("a scenario that cannot run on a profile is an error cell naming the place, not the end of the matrix", () => {
    const registry = createRegistry((c) =>
      registerCpu(c, { ...GENERIC_PIPT, name: "pipt-16k", pageSize: 16384 }),
    );
    const scenario = parseScenario(
      "flushlab: 1\nname: at4k\ntitle: t\nsource: s\ntasks:\n  t:\n    maps:\n      buf: { anon: true, at: 0x40001000 }\nsteps:\n  - t: load buf+0\nexpect:\n  generic/*@asm-generic: coherent\n",
      "at4k.yaml",
    );
    expect(runCell(scenario, "generic/pipt@asm-generic", registry)).toMatchObject({ verdict: "coherent" });
    const cell = runCell(scenario, "generic/pipt-16k@asm-generic", registry);
    expect(cell).toMatchObject({ verdict: "error", expected: "coherent", violations: 0 });
    expect(cell.reason).toMatch(/^at4k\.yaml:8:\d+: .*generic\/pipt-16k@asm-generic/);
  });
});
