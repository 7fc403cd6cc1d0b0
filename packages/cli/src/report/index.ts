// The output formats of `flushlab run`, by name.
import { jsonReporter } from "./json.js";
import { textReporter } from "./text.js";
import type { RunReporter } from "./types.js";

export { jsonReporter, RUN_JSON_FORMAT, runJson } from "./json.js";
export { observationLine, textReporter } from "./text.js";
export type { RunReport, RunReporter, RunResult } from "./types.js";

/** The reporters of `flushlab run`, by format name. */
export const runReporters: Readonly<Record<string, RunReporter>> = { text: textReporter, json: jsonReporter };
