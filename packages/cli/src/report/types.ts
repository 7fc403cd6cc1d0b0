// What the output formats of `flushlab run` print: core's RunResult (one scenario on one profile, with the
// verdict, each violation with the steps it involves, the costs, the reason and the trace), with the parsed
// scenario beside it.
import type { RunResult, Scenario } from "@flushlab/core";

export type { RunResult } from "@flushlab/core";

/** Everything a reporter prints for one run. */
export interface RunReport {
  scenario: Scenario;
  result: RunResult;
  /** Whether to print the trace (the result carries one only when the run recorded it). */
  trace: boolean;
  /** flushlab's version, written into machine-readable output. */
  version: string;
}

/**
 * An output format of `flushlab run`, one file each (as Vitest's reporters): it renders a whole report as
 * text, so that the command writes it at once (never half an output).
 */
export interface RunReporter {
  readonly name: string;
  render(report: RunReport): string;
}
