// The progress display of compare and check (src/progress.ts): a cli-progress bar on stderr once a run has
// lasted more than a second on a terminal; one summary line otherwise; never a byte on stdout.
import { describe, expect, it } from "vitest";
import type { Io } from "../src/io.js";
import { progressReporter } from "../src/progress.js";
import type { MatrixCell, MatrixPlan } from "../src/report/matrix.js";

function io(isTTY: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY };
  return { value, out, err };
}

const plan: MatrixPlan = {
  scenarios: ["a", "b", "c"].map((name) => ({ name, title: name, file: `${name}.yaml`, hash: "0" })),
  profiles: ["generic/pipt@asm-generic", "generic/vivt@asm-generic"],
  cells: 6,
};

function cell(i: number): MatrixCell {
  return {
    scenario: plan.scenarios[Math.floor(i / 2)].name,
    profile: plan.profiles[i % 2],
    verdict: i % 2 === 0 ? "coherent" : "stale",
    expected: null,
    violations: i % 2,
    linesMaintained: 0,
    cycles: 10,
    reason: null,
  };
}

/** Drive a reporter through the plan, the clock advancing `step` ms per cell. */
function drive(isTTY: boolean, step: number) {
  const sink = io(isTTY);
  let clock = 0;
  const reporter = progressReporter(sink.value, { label: "compare", now: () => clock });
  reporter.onStart?.(plan);
  const results: MatrixCell[] = [];
  for (let i = 0; i < plan.cells; i++) {
    clock += step;
    results.push(cell(i));
    reporter.onCell?.(results[i], i + 1, plan);
  }
  reporter.onEnd?.({ ...plan, version: "0", results });
  return sink;
}

describe("progressReporter", () => {
  it("not on a terminal: one summary line on stderr, with the counts and the time per run", () => {
    const sink = drive(false, 400);
    expect(sink.out).toEqual([]);
    expect(sink.err).toEqual([
      "compare: 6 runs (3 scenarios, 2 profiles) in 2.40 s (400.0 ms/run): 3 coherent, 3 stale\n",
    ]);
  });

  it("on a terminal, a quick run: the summary line, no bar", () => {
    const sink = drive(true, 100);
    expect(sink.err).toEqual([
      "compare: 6 runs (3 scenarios, 2 profiles) in 0.60 s (100.0 ms/run): 3 coherent, 3 stale\n",
    ]);
  });

  it("on a terminal, a run longer than a second: a bar on stderr, and no summary line", () => {
    const sink = drive(true, 400);
    expect(sink.out).toEqual([]);
    const text = sink.err.join("");
    expect(text).toMatch(/compare \[[^\]]*\] \d\/6 runs \| [abc]/);
    expect(text).toMatch(/6\/6 runs \| done/);
    expect(text).not.toMatch(/ms\/run/);
  });
});
