// The catalog of real failures (packages/core/scenarios): every scenario issue 4 lists is there, each file
// validates against the committed JSON Schema and parses, and each carries what a reader needs: a title, a
// source, notes, and an expect block for the generic profiles.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { catalogFiles, loadScenarioFile, validateAgainstSchema } from "../src/scenario/index.js";

const schemaPath = fileURLToPath(new URL("../schema/scenario.schema.json", import.meta.url));
const files = catalogFiles();
const byName = new Map(files.map((f) => [basename(f, ".yaml"), f]));

/** The scenarios issue 4 requires, by name. */
const REQUIRED = [
  "fuse-writev",
  "fuse-writev-threaded",
  "fuse-readv",
  "dmcrypt-odirect-anon",
  "dmcrypt-odirect-shared-file",
  "highmem-pio-kmap",
  "highmem-pio-kmap-atomic",
  "cow-after-fork-threaded",
  "dax-write-mmapped",
  "dax-user-store-read",
  "ptrace-poke-text",
  "uprobes-xol",
  "shared-mapping-incongruent",
  "shared-mapping-aligned",
  "pagecache-fill-then-mmap",
  "pagecache-fill-then-mmap-exec",
  "mmap-store-then-writeback",
  "write-to-mmapped-file",
  "sg-miter-slab",
];

describe("the catalog", () => {
  it("holds every scenario issue 4 lists, one file each, named after the scenario", () => {
    for (const name of REQUIRED) expect(byName.has(name), `${name}.yaml`).toBe(true);
    for (const file of files) expect(loadScenarioFile(file).name).toBe(basename(file, ".yaml"));
  });

  it.each(files.map((f) => [basename(f), f]))("%s validates against the JSON Schema", (_name, file) => {
    const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
    expect(validateAgainstSchema(parseYaml(readFileSync(file, "utf8")), schema)).toEqual([]);
  });

  it.each(files.map((f) => [basename(f), f]))(
    "%s has a title, a source, notes and generic expectations",
    (_n, file) => {
      const scenario = loadScenarioFile(file);
      expect(scenario.title.length).toBeGreaterThan(10);
      expect(scenario.source.length).toBeGreaterThan(10);
      expect(scenario.notes?.length ?? 0).toBeGreaterThan(80);
      const patterns = scenario.expect.map((e) => e.pattern);
      expect(patterns).toContain("generic/pipt@asm-generic");
      expect(patterns).toContain("generic/vivt@asm-generic");
      expect(patterns).toContain("generic/vivt@flush-all");
    },
  );

  it("a scenario stale on generic/vivt@flush-all says why in its notes (issue 3's three cases)", () => {
    const reasons =
      /aliases\s+between\s+two\s+user\s+mappings|a\s+kernel\s+path\s+that\s+calls\s+no\s+hook|another\s+thread\s+inside\s+the\s+window/;
    for (const file of files) {
      const scenario = loadScenarioFile(file);
      const flushAll = scenario.expect.find((e) => e.pattern === "generic/vivt@flush-all");
      if (flushAll?.verdict === "stale") expect(scenario.notes ?? "", basename(file)).toMatch(reasons);
    }
  });

  it("each scenario cites a source: a date, a commit, a kernel document, or an author", () => {
    for (const file of files) {
      const { source } = loadScenarioFile(file);
      expect(source, basename(file)).toMatch(
        /\d{4}-\d{2}|[0-9a-f]{12}|Documentation\/|[A-Z][a-z]+ [A-Z][a-z]+/,
      );
    }
  });
});
