// The progress display of long runs (`compare`, `check`): a MatrixReporter that draws a cli-progress bar on
// stderr once a run has lasted more than a second on a terminal, and otherwise prints one summary line at
// the end (how many cells, how long, the verdicts). Never writes to stdout, so outputs stay byte-identical.
import cliProgress from "cli-progress";
import type { Io } from "./io.js";
import type { Matrix, MatrixPlan, MatrixReporter } from "./report/matrix.js";

/** Options of progressReporter. */
export interface ProgressOptions {
  /** The command's name, at the start of the summary line. */
  readonly label: string;
  /** Milliseconds after which a bar appears on a terminal (default 1000). */
  readonly threshold?: number;
  /** The clock, in milliseconds (default performance.now). */
  readonly now?: () => number;
}

/** A write stream for cli-progress that writes through `io.stderr`. */
function stderrStream(io: Io): NodeJS.WritableStream {
  const stream = {
    isTTY: true,
    columns: Number(process.stderr.columns) || 80,
    write(chunk: string | Uint8Array): boolean {
      io.stderr(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    },
  };
  return stream as unknown as NodeJS.WritableStream;
}

/** `compare: 76 runs (19 scenarios, 4 profiles) in 0.91 s (12.0 ms/run): 40 coherent, 36 stale`. */
export function summaryLine(
  label: string,
  plan: MatrixPlan,
  verdicts: ReadonlyMap<string, number>,
  ms: number,
): string {
  const order = ["coherent", "stale", "rejected", "bug", "error"];
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
  const counts = [...verdicts.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map(([verdict, n]) => `${n} ${verdict}`)
    .join(", ");
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const perCell = plan.cells > 0 ? ms / plan.cells : 0;
  return (
    `${label}: ${plural(plan.cells, "run")} (${plural(plan.scenarios.length, "scenario")}, ${plural(plan.profiles.length, "profile")}) ` +
    `in ${(ms / 1000).toFixed(2)} s (${perCell.toFixed(1)} ms/run)${counts ? `: ${counts}` : ""}\n`
  );
}

/**
 * The progress reporter: on a terminal (`io.isTTY`) a bar appears when the run has lasted more than
 * `threshold` ms and is stopped at the end; otherwise (not a terminal, or a quick run) one summary line.
 */
export function progressReporter(io: Io, options: ProgressOptions): MatrixReporter {
  const now = options.now ?? (() => performance.now());
  const threshold = options.threshold ?? 1000;
  let started = 0;
  let bar: cliProgress.SingleBar | null = null;
  const verdicts = new Map<string, number>();
  return {
    name: "progress",
    onStart() {
      started = now();
      verdicts.clear();
    },
    onCell(cell, done, plan) {
      verdicts.set(cell.verdict, (verdicts.get(cell.verdict) ?? 0) + 1);
      if (!io.isTTY) return;
      if (bar === null && now() - started > threshold && done < plan.cells) {
        bar = new cliProgress.SingleBar(
          {
            stream: stderrStream(io),
            format: `${options.label} [{bar}] {value}/{total} runs | {scenario}`,
            hideCursor: false,
            clearOnComplete: false,
            noTTYOutput: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(plan.cells, done, { scenario: cell.scenario });
      } else bar?.update(done, { scenario: cell.scenario });
    },
    onEnd(matrix: Matrix) {
      if (bar !== null) {
        bar.update(matrix.results.length, { scenario: "done" });
        bar.stop();
        bar = null;
        return undefined;
      }
      io.stderr(summaryLine(options.label, matrix, verdicts, now() - started));
      return undefined;
    },
  };
}
