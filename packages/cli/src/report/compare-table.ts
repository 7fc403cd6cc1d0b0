// The table format of `flushlab compare` (the default): the matrix as aligned columns, one row per scenario
// and one column per profile, then the legend; with --diff, the scenarios on which two profiles differ.
import { CELL_LEGEND, cellAt, cellText, type MatrixReporter } from "./matrix.js";

/** Lay out rows of cells as columns two spaces apart (no trailing spaces). */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** The table format. */
export const tableReporter: MatrixReporter = {
  name: "table",
  onEnd(matrix) {
    const rows = [
      ["scenario", ...matrix.profiles],
      ...matrix.scenarios.map((s) => [
        s.name,
        ...matrix.profiles.map((p) => {
          const cell = cellAt(matrix, s.name, p);
          return cell ? cellText(cell) : "";
        }),
      ]),
    ];
    return `${columns(rows).join("\n")}\n\n${CELL_LEGEND}\n`;
  },
  onDiff(diff) {
    const head = `diff ${diff.a} ${diff.b}: ${diff.rows.length} of ${diff.compared} scenarios differ`;
    if (diff.rows.length === 0) return `${head}\n`;
    const rows = [
      ["scenario", diff.a, diff.b],
      ...diff.rows.map((r) => [r.scenario.name, cellText(r.a), cellText(r.b)]),
    ];
    return `${head}\n${columns(rows).join("\n")}\n`;
  },
};
