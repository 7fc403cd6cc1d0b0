// The text format of `flushlab run`: one verdict line in herd7's spirit
// (`Observation fuse-writev generic/vivt@asm-generic stale 1`, the number being the violations), the expectation
// and the reason, then each violation with its context, then the costs (and the trace with --trace).
import type { Costs } from "@flushlab/core";
import {
  describeReason,
  describeResidence,
  describeStep,
  describeWriter,
  hex,
  traceLines,
} from "./format.js";
import type { RunReport, RunReporter } from "./types.js";

/** The verdict line. */
export function observationLine(report: RunReport): string {
  const { result } = report;
  return `Observation ${result.scenario} ${result.profile} ${result.verdict} ${result.violations.length}`;
}

function costLines(costs: Costs): string[] {
  const lines = [
    `Costs: ${costs.linesMaintained} cache lines maintained, ${costs.cycles} cycles (estimated)`,
  ];
  costs.perCpu.forEach((cpu, i) => {
    for (const [name, c] of [
      ["D", cpu.d],
      ["I", cpu.i],
    ] as const) {
      const ops = c.lineOps;
      lines.push(
        `  cpu ${i} ${name}: read ${c.readHits} hit/${c.readMisses} miss, write ${c.writeHits} hit/${c.writeMisses} miss, ` +
          `fetch ${c.fetchHits} hit/${c.fetchMisses} miss, ${c.writebacks} writebacks; ` +
          `lines cleaned ${ops.clean}, invalidated ${ops.invalidate}, flushed ${ops.flush}; whole-cache ops ${c.wholeCacheOps}`,
      );
    }
  });
  lines.push(
    `  uncached accesses ${costs.uncachedAccesses}, TLB flushes ${costs.tlbFlushes}, DMA reads ${costs.dmaReads}, DMA writes ${costs.dmaWrites}`,
  );
  return lines;
}

/** The human-readable report. */
export const textReporter: RunReporter = {
  name: "text",
  render(report) {
    const { result } = report;
    const out: string[] = [observationLine(report)];
    if (result.expected !== null) {
      out.push(
        `Expected ${result.expected}: ${result.expected === result.verdict ? "as expected" : `MISMATCH (got ${result.verdict})`}`,
      );
    }
    if (result.reason) out.push(`Reason: ${describeReason(result.reason)}`);
    result.violations.forEach((v, i) => {
      out.push("");
      out.push(`Violation ${i + 1} of ${result.violations.length}: ${v.kind}`);
      out.push(`  at ${v.source ? describeStep(v.source) : "the end of the run"}`);
      const alias =
        v.va === null ? "" : `, va ${hex(v.va)}${v.colour === null ? "" : ` (colour ${v.colour})`}`;
      out.push(`  ${v.actor || "-"} on cpu ${v.cpu < 0 ? "(device)" : v.cpu}${alias}, pa ${hex(v.pa)}`);
      out.push(`  expected ${hex(v.expected)}, got ${hex(v.got)}`);
      out.push(`  written by ${describeWriter(v.writer, v.writerSource)}`);
      if (v.residences.length > 0) {
        out.push("  the value sits now in:");
        for (const r of v.residences) out.push(`    ${describeResidence(r)}`);
      }
    });
    out.push("");
    out.push(...costLines(result.costs));
    if (report.trace && result.trace) {
      out.push("");
      out.push("Trace:");
      out.push(...traceLines(result.trace));
    }
    return `${out.join("\n")}\n`;
  },
};
