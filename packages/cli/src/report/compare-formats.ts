// The output formats of `flushlab compare`, by name (one file each).
import { csvReporter } from "./compare-csv.js";
import { jsonMatrixReporter } from "./compare-json.js";
import { markdownReporter } from "./compare-markdown.js";
import { tableReporter } from "./compare-table.js";
import type { MatrixReporter } from "./matrix.js";

/** The format names, in the order `--help` lists them. */
export const COMPARE_FORMATS = ["table", "markdown", "json", "csv"] as const;

/** A format name. */
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

/** The reporters of `flushlab compare`, by format name. */
export const compareReporters: Readonly<Record<CompareFormat, MatrixReporter>> = {
  table: tableReporter,
  markdown: markdownReporter,
  json: jsonMatrixReporter,
  csv: csvReporter,
};
