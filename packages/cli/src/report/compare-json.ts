// The JSON format of `flushlab compare`: the tool's version and, for each scenario, the sha256 of its file,
// so that results of different scenario versions or tools are never mixed; then every cell. With --diff,
// the two profiles and the scenarios on which they differ.
import type { MatrixReporter } from "./matrix.js";

/** The version of the JSON layout below (bumped on any incompatible change). */
export const COMPARE_JSON_FORMAT = 1;

/** The JSON format. */
export const jsonMatrixReporter: MatrixReporter = {
  name: "json",
  onEnd(matrix) {
    const doc = {
      format: COMPARE_JSON_FORMAT,
      tool: { name: "flushlab", version: matrix.version },
      profiles: matrix.profiles,
      scenarios: matrix.scenarios,
      cells: matrix.results,
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  },
  onDiff(diff, matrix) {
    const doc = {
      format: COMPARE_JSON_FORMAT,
      tool: { name: "flushlab", version: matrix.version },
      diff: {
        a: diff.a,
        b: diff.b,
        compared: diff.compared,
        scenarios: diff.rows.map((r) => ({ ...r.scenario, a: r.a, b: r.b })),
      },
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  },
};
