// The ARM package's own scenarios (packages/arch-arm/scenarios): variants of catalog scenarios that show a
// failure the catalog's version cannot show on an ARM cache (a read-allocate D-cache; a driver that reads
// before it writes). Every expect entry is run, globs expanded.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expectedVerdict, loadScenarioFile, profileRegistry, runScenario } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { container } from "./helpers.js";

const dir = join(import.meta.dirname, "..", "scenarios");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("packages/arch-arm/scenarios", () => {
  it("has the two variants", () => {
    expect(files.sort()).toEqual(["fuse-writev-resident.yaml", "highmem-pio-decrypt-kmap-atomic.yaml"]);
  });

  for (const file of files) {
    it(`${file}: every profile its expect block names gives the expected verdict`, () => {
      const scenario = loadScenarioFile(join(dir, file));
      const registry = profileRegistry(container);
      const ids = [...new Set(scenario.expect.flatMap((e) => registry.expand(e.pattern)))];
      expect(ids.length).toBeGreaterThan(2);
      const got = Object.fromEntries(ids.map((id) => [id, runScenario(scenario, id, { container }).verdict]));
      const want = Object.fromEntries(ids.map((id) => [id, expectedVerdict(scenario, id)]));
      expect(got).toEqual(want);
    });
  }
});
