// `pnpm bench`: the whole matrix, every registered profile by every catalog scenario, timed from process
// start to printed table: `node dist/bin.js compare` in a child process, several times. Prints the total
// (best and median of the runs) and the time per cell, so that the 2-second target can be held as
// architectures add profiles. A standalone script (scripts/bench.mjs runs it from dist/bench).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNS = 7;
const TARGET_MS = 2000;
const bin = fileURLToPath(new URL("../bin.js", import.meta.url));

/** Run `flushlab compare ...args` and return its wall time in ms and its stdout. */
function compare(args: readonly string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const child = spawnSync(process.execPath, [bin, "compare", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - start;
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error(`flushlab compare exited ${child.status}`);
  }
  return { ms, stdout: child.stdout };
}

// The size of the matrix, from the JSON form (untimed).
const doc = JSON.parse(compare(["--format", "json"]).stdout) as {
  profiles: string[];
  scenarios: unknown[];
  cells: unknown[];
};
const cells = doc.cells.length;

/** The median of RUNS timed runs, with the best and the worst. */
function timed(args: readonly string[]): { best: number; median: number; worst: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(compare(args).ms);
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)], worst: times[times.length - 1] };
}

const whole = timed([]);
// one cell: the fixed cost of a process (start, imports, registry), to separate from the cost per cell
const one = timed(["--scenarios", "sg-miter-slab", "--profiles", "generic/pipt@asm-generic"]);
const { best, median } = whole;
const marginal = cells > 1 ? (median - one.median) / (cells - 1) : 0;

console.log(
  `matrix: ${doc.scenarios.length} scenarios × ${doc.profiles.length} profiles = ${cells} cells, ` +
    `\`flushlab compare\` from process start to printed table, ${RUNS} runs`,
);
console.log(
  `  total     best ${best.toFixed(0)} ms, median ${median.toFixed(0)} ms, worst ${whole.worst.toFixed(0)} ms`,
);
console.log(
  `  per cell  best ${(best / cells).toFixed(2)} ms, median ${(median / cells).toFixed(2)} ms (total / cells)`,
);
console.log(
  `  one cell  median ${one.median.toFixed(0)} ms (process start, imports, registry); ` +
    `marginal cost ${marginal.toFixed(2)} ms per further cell`,
);
console.log(`  target    ${TARGET_MS} ms for the whole matrix: ${median < TARGET_MS ? "met" : "MISSED"}`);
