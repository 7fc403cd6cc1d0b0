// The runner's expect lookup (scenario/run.ts expectedOn, with the parsed globs remembered) gives what
// expect.ts's expectedVerdict gives, for every catalog scenario on every profile id shape: exact ids, globs,
// ids no entry names, and stacked plugins.
import { describe, expect, it } from "vitest";
import { catalogFiles } from "../src/scenario/catalog.js";
import { expectedVerdict } from "../src/scenario/expect.js";
import { loadScenarioFile } from "../src/scenario/parse.js";
import { runScenario } from "../src/simulation.js";

const PROFILES = [
  "generic/pipt@asm-generic",
  "generic/vivt@asm-generic",
  "generic/vivt@flush-all",
  "generic/vipt-32k@asm-generic",
];

describe("RunResult.expected", () => {
  it("is expectedVerdict of the scenario and profile, for every catalog scenario", () => {
    for (const file of catalogFiles()) {
      const scenario = loadScenarioFile(file);
      for (const id of PROFILES) {
        // twice: the second lookup uses the remembered patterns
        for (let i = 0; i < 2; i++) {
          expect(runScenario(scenario, id).expected).toBe(expectedVerdict(scenario, id) ?? null);
        }
      }
    }
  });

  it("follows the expect block's rules: an exact id first, then the first matching glob in file order", () => {
    const scenario = loadScenarioFile(catalogFiles()[0]);
    const withExpect = {
      ...scenario,
      expect: [
        { pattern: "generic/*@asm-generic", verdict: "stale" as const, where: scenario.expect[0]?.where },
        { pattern: "generic/vivt@*", verdict: "bug" as const, where: scenario.expect[0]?.where },
        {
          pattern: "generic/vivt@asm-generic",
          verdict: "rejected" as const,
          where: scenario.expect[0]?.where,
        },
      ],
    } as typeof scenario;
    for (const id of PROFILES) {
      expect(runScenario(withExpect, id).expected).toBe(expectedVerdict(withExpect, id) ?? null);
    }
    expect(runScenario(withExpect, "generic/vivt@asm-generic").expected).toBe("rejected");
    expect(runScenario(withExpect, "generic/vivt@flush-all").expected).toBe("bug");
    expect(runScenario(withExpect, "generic/pipt@asm-generic").expected).toBe("stale");
  });
});
