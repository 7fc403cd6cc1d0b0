import { it } from "vitest";
import { parseScenario } from "../src/scenario/index.js";
import { runScenario } from "../src/simulation.js";
import { KITCHEN_SINK } from "./scenario-fixtures.js";
it("runs", () => {
  const s = parseScenario(KITCHEN_SINK, "ks.yaml");
  for (const p of ["generic/pipt@asm-generic", "generic/vivt@asm-generic", "generic/vivt@flush-all", "generic/vipt-32k@asm-generic"]) {
    try {
    const r = runScenario(s, p, { trace: true });
    console.log(p, r.verdict, r.violations.length, JSON.stringify(r.reason), r.violations.map(v => v.kind + "@" + v.source?.text).join("; "));
    } catch (e) { console.log(p, "THROW", (e as Error).message); }
  }
});
