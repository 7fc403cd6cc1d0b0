import { test } from "vitest";
import { listProfileListings, loadScenarioFile, runScenario, catalogFiles } from "@flushlab/core";
test("x", () => {
  console.log(JSON.stringify(listProfileListings(), null, 1));
  for (const f of catalogFiles()) {
    const s = loadScenarioFile(f);
    for (const p of ["generic/pipt@asm-generic", "generic/vivt@asm-generic", "generic/vivt@flush-all", "generic/vipt-32k@asm-generic"]) {
      const r = runScenario(s, p, { trace: true });
      console.log(s.name, p, r.verdict, r.expected, r.violations.length, JSON.stringify(r.reason));
      if (p === "generic/vivt@asm-generic" && s.name === "fuse-writev") console.log(JSON.stringify(r.violations[0], null, 1), JSON.stringify(r.trace?.slice(0,5), null, 0).slice(0, 3000));
    }
  }
});
