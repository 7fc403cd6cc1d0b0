// The CSV format of `flushlab compare` (RFC 4180): one row per cell, in run order, with the scenario file's
// sha256; with --diff, one row per scenario on which the two profiles differ.
import type { MatrixReporter } from "./matrix.js";

/** One CSV field, quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: readonly (readonly (string | number | null)[])[]): string {
  return `${rows.map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

/** The CSV format. */
export const csvReporter: MatrixReporter = {
  name: "csv",
  onEnd(matrix) {
    const hash = new Map(matrix.scenarios.map((s) => [s.name, s]));
    return csv([
      [
        "scenario",
        "file",
        "hash",
        "profile",
        "verdict",
        "expected",
        "violations",
        "lines_maintained",
        "cycles",
        "reason",
      ],
      ...matrix.results.map((c) => [
        c.scenario,
        hash.get(c.scenario)?.file ?? "",
        hash.get(c.scenario)?.hash ?? "",
        c.profile,
        c.verdict,
        c.expected,
        c.violations,
        c.linesMaintained,
        c.cycles,
        c.reason,
      ]),
    ]);
  },
  onDiff(diff) {
    return csv([
      [
        "scenario",
        "hash",
        "profile_a",
        "verdict_a",
        "violations_a",
        "profile_b",
        "verdict_b",
        "violations_b",
      ],
      ...diff.rows.map((r) => [
        r.scenario.name,
        r.scenario.hash,
        r.a.profile,
        r.a.verdict,
        r.a.violations,
        r.b.profile,
        r.b.verdict,
        r.b.violations,
      ]),
    ]);
  },
};
