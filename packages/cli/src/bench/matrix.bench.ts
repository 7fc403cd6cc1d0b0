// `pnpm bench`: the whole matrix, every registered profile by every catalog scenario, timed from process
// start to printed table: `flushlab compare` (the package's bin, the single-file build dist/bundle/flushlab.js
// that scripts/setup.mjs makes) in a child process, several times. Prints the total
// (best, median and worst of the runs), the time per cell, the fixed cost of a process (one cell), so that the
// 2-second target can be held as architectures add profiles; once as `flushlab compare` runs by default on
// this machine, and once with the other choice of worker threads (report/matrix-parallel.ts:
// FLUSHLAB_MATRIX_WORKERS), so that the default can be checked against the machine. The outputs of the two
// are compared byte for byte. A standalone script (scripts/bench.mjs runs it from dist/bench).
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { WORKERS_ENV, workerCount } from "../report/matrix-parallel.js";

const RUNS = 7;
const TARGET_MS = 2000;
const bin = fileURLToPath(new URL("../bundle/flushlab.js", import.meta.url));

/** Run `flushlab compare ...args` with `workers` worker threads; its wall time in ms and its stdout. */
function compare(args: readonly string[], workers: number): { ms: number; stdout: string } {
  const start = performance.now();
  const child = spawnSync(process.execPath, [bin, "compare", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, [WORKERS_ENV]: String(workers) },
  });
  const ms = performance.now() - start;
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error(`flushlab compare exited ${child.status}`);
  }
  return { ms, stdout: child.stdout };
}

interface Timing {
  best: number;
  median: number;
  worst: number;
}

/** RUNS timed runs: best, median, worst. */
function timed(args: readonly string[], workers: number): Timing {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(compare(args, workers).ms);
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)], worst: times[times.length - 1] };
}

// The size of the matrix, from the JSON form (untimed), and the default number of workers here.
const cores = availableParallelism();
const json = compare(["--format", "json"], 0).stdout;
const doc = JSON.parse(json) as { profiles: string[]; scenarios: unknown[]; cells: unknown[] };
const cells = doc.cells.length;
const byDefault = workerCount(cells, {}); // as a user gets it, without the environment variable
const other = byDefault > 0 ? 0 : 1;
if (compare(["--format", "json"], other).stdout !== json) {
  throw new Error(`compare --format json differs with ${other} and 0 worker threads`);
}

// one cell: the fixed cost of a process (start, imports, registry), to separate from the cost per cell
const one = timed(["--scenarios", "sg-miter-slab", "--profiles", "generic/pipt@asm-generic"], 0);
const modes: [string, number][] = [
  [`by default on ${cores} cores (${byDefault} worker thread${byDefault === 1 ? "" : "s"})`, byDefault],
  [`with ${other} worker thread${other === 1 ? "" : "s"} (${WORKERS_ENV}=${other})`, other],
];

console.log(
  `matrix: ${doc.scenarios.length} scenarios × ${doc.profiles.length} profiles = ${cells} cells, ` +
    `\`flushlab compare\` from process start to printed table, ${RUNS} runs each; output identical with and without workers`,
);
console.log(
  `  one cell       median ${one.median.toFixed(0)} ms (process start, imports, registry: the fixed cost)`,
);
for (const [label, workers] of modes) {
  const t = timed([], workers);
  const marginal = cells > 1 ? (t.median - one.median) / (cells - 1) : 0;
  console.log(`  ${label}:`);
  console.log(
    `    total        best ${t.best.toFixed(0)} ms, median ${t.median.toFixed(0)} ms, worst ${t.worst.toFixed(0)} ms` +
      ` (target ${TARGET_MS} ms: ${t.median < TARGET_MS ? "met" : "MISSED"})`,
  );
  console.log(
    `    per cell     ${(t.median / cells).toFixed(2)} ms (median total / cells); ` +
      `${marginal.toFixed(3)} ms per cell beyond the fixed cost`,
  );
}
