// The JSON format of `flushlab run`: core's RunResult (deterministic, with the scenario file's hash) under a
// header naming the layout and the tool version, so that results of different scenario versions or tools are
// never mixed. The trace is included only with --trace.
import type { RunReport, RunReporter } from "./types.js";

/** The version of the JSON layout below (bumped on any incompatible change). */
export const RUN_JSON_FORMAT = 1;

/** The JSON document of one run. */
export function runJson(report: RunReport): Record<string, unknown> {
  const { trace, ...result } = report.result;
  return {
    format: RUN_JSON_FORMAT,
    tool: { name: "flushlab", version: report.version },
    ...result,
    ...(report.trace ? { trace: trace ?? [] } : {}),
  };
}

/** The machine-readable report: pretty-printed JSON and a final newline. */
export const jsonReporter: RunReporter = {
  name: "json",
  render(report) {
    return `${JSON.stringify(runJson(report), null, 2)}\n`;
  },
};
