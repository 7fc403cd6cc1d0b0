// The generic verdicts issue 4 expects of the catalog, asserted by name (not read back from the files'
// expect blocks), then every expect block against the model, and the violation kinds where the issue names
// one (mmap-store-then-writeback: a device-stale-read).
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogFiles, loadScenarioFile } from "../src/scenario/index.js";
import { runScenario } from "../src/simulation.js";

const files = catalogFiles();
const fileOf = (name: string) => {
  const file = files.find((f) => basename(f) === `${name}.yaml`);
  if (!file) throw new Error(`${name}.yaml is not in the catalog`);
  return file;
};
const verdictOf = (name: string, profile: string) => runScenario(loadScenarioFile(fileOf(name)), profile);

describe("issue 4's expected generic verdicts", () => {
  it.each(files.map((f) => [basename(f, ".yaml")]))("%s is coherent on generic/pipt@asm-generic", (name) => {
    expect(verdictOf(name, "generic/pipt@asm-generic").verdict).toBe("coherent");
  });

  it.each([["fuse-writev"], ["fuse-readv"], ["dmcrypt-odirect-anon"], ["pagecache-fill-then-mmap"]])(
    "%s is coherent on generic/vivt@flush-all",
    (name) => {
      const result = verdictOf(name, "generic/vivt@flush-all");
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe("coherent");
    },
  );

  it.each([
    ["fuse-writev"],
    ["fuse-readv"],
    ["dmcrypt-odirect-anon"],
    ["dax-write-mmapped"],
    ["shared-mapping-incongruent"],
    ["pagecache-fill-then-mmap"],
    ["mmap-store-then-writeback"],
  ])("%s is stale on generic/vivt@asm-generic", (name) => {
    const result = verdictOf(name, "generic/vivt@asm-generic");
    expect(result.verdict).toBe("stale");
    expect(result.violations.length).toBeGreaterThan(0);
  });

  it("mmap-store-then-writeback is stale on generic/vivt@asm-generic as a device-stale-read of the task's store", () => {
    const result = verdictOf("mmap-store-then-writeback", "generic/vivt@asm-generic");
    expect(new Set(result.violations.map((v) => v.kind))).toEqual(new Set(["device-stale-read"]));
    expect(result.violations[0]).toMatchObject({
      expected: 0xfeedface,
      source: { actor: "kworker", text: "writeback f[0]" },
      writerSource: { actor: "task", text: "store m+0 0xfeedface len=4" },
    });
  });

  it("fuse-writev-threaded is stale on generic/vivt@flush-all: only the helper's store is missed", () => {
    const result = verdictOf("fuse-writev-threaded", "generic/vivt@flush-all");
    expect(result.verdict).toBe("stale");
    expect(result.violations.map((v) => [v.kind, v.writerSource?.actor])).toEqual([["stale-read", "helper"]]);
  });
});

describe("the stale cases of generic/vivt@flush-all are the three kinds issue 3 names", () => {
  it("DAX: the kernel's copy through the direct map calls no hook", () => {
    for (const name of ["dax-write-mmapped", "dax-user-store-read"]) {
      const result = verdictOf(name, "generic/vivt@flush-all");
      expect(result.verdict, name).toBe("stale");
      expect(
        result.violations.map((v) => v.kind),
        name,
      ).toEqual(["stale-read"]);
    }
  });

  it("two user mappings of one page: the store and the load are both user accesses", () => {
    for (const name of ["shared-mapping-incongruent", "shared-mapping-aligned"]) {
      const result = verdictOf(name, "generic/vivt@flush-all");
      expect(result.verdict, name).toBe("stale");
      expect(result.violations[0]).toMatchObject({ kind: "stale-read", actor: "task", expected: 0x22222222 });
      expect(result.violations[0].va).not.toBe(result.violations[0].writer?.va);
    }
  });
});

describe("every generic entry of the catalog's expect blocks (the arch packages test theirs)", () => {
  const entries = files.flatMap((file) =>
    loadScenarioFile(file).expect.map((e) => [basename(file, ".yaml"), e.pattern, e.verdict] as const),
  );
  // Core registers only the generic profiles: an arch entry (arm/…, mips/…) is its package's to run.
  it.each(entries.filter(([, pattern]) => pattern.startsWith("generic/") && !/[*?]/.test(pattern)))(
    "%s on %s: %s",
    (name, profile, verdict) => {
      expect(verdictOf(name, profile).verdict).toBe(verdict);
    },
  );
});

describe("the catalog's other verdicts, each for the reason its notes give", () => {
  it("sg-miter-slab is coherent on every generic profile: the kernel writes and reads one alias", () => {
    for (const profile of [
      "generic/vivt@asm-generic",
      "generic/vivt@flush-all",
      "generic/vipt-32k@asm-generic",
    ]) {
      expect(verdictOf("sg-miter-slab", profile).verdict, profile).toBe("coherent");
    }
  });

  it("ptrace-poke-text and uprobes-xol go stale in the I-cache on generic/vivt@asm-generic", () => {
    for (const name of ["ptrace-poke-text", "uprobes-xol"]) {
      const kinds = new Set(verdictOf(name, "generic/vivt@asm-generic").violations.map((v) => v.kind));
      expect(kinds, name).toEqual(new Set(["stale-ifetch"]));
    }
  });

  it("cow-after-fork-threaded: the COW copy reads the window's store from memory on generic/vivt@asm-generic", () => {
    const result = verdictOf("cow-after-fork-threaded", "generic/vivt@asm-generic");
    const first = result.violations[0];
    expect(first).toMatchObject({ kind: "stale-read", expected: 0x22222222 });
    expect(first.source?.text).toBe("store buf+0x10 0x33333333");
    expect(first.writerSource?.actor).toBe("t2");
  });
});
