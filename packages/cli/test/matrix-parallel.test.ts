// The matrix on worker threads (report/matrix-parallel.ts, report/matrix-worker.ts): the output of `flushlab
// compare` is byte-identical with and without workers; every cell is run exactly once and reported in matrix
// order; a worker that cannot run the matrix declines and the main thread runs everything; a cell that throws
// on the main thread ends the matrix as a serial run would. The workers run the built program (dist), so these
// tests use the build (`npm test` builds first).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { MatrixCell } from "../src/report/matrix.js";
import {
  CHUNK_CELLS,
  chunkRange,
  claimChunk,
  WORKERS_ENV,
  workerCount,
} from "../src/report/matrix-parallel.js";

const root = join(import.meta.dirname, "..", "..", "..");
const bin = join(root, "packages", "cli", "dist", "bin.js");
const bundle = join(root, "packages", "cli", "dist", "bundle", "flushlab.js");
const built = join(root, "packages", "cli", "dist", "report", "matrix-parallel.js");
const PROFILES = "generic/*@*,arm/arm926@*,mips/r4400@*";

function compare(workers: number, ...args: string[]) {
  return compareWith(bin, workers, ...args);
}

function compareWith(program: string, workers: number, ...args: string[]) {
  if (!existsSync(program)) throw new Error(`${program} is missing: build first (node scripts/setup.mjs)`);
  const r = spawnSync(process.execPath, [program, "compare", "--profiles", PROFILES, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, [WORKERS_ENV]: String(workers) },
    maxBuffer: 1 << 26,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("how many workers", () => {
  it("follows FLUSHLAB_MATRIX_WORKERS, else uses one fewer than the cores (at most 3) from 3 cores and 200 cells", () => {
    expect(workerCount(5000, { [WORKERS_ENV]: "2" }, 2)).toBe(2);
    expect(workerCount(10, { [WORKERS_ENV]: "1" }, 1)).toBe(1);
    expect(workerCount(5000, { [WORKERS_ENV]: "0" }, 8)).toBe(0);
    expect(workerCount(5000, { [WORKERS_ENV]: "lots" }, 8)).toBe(0);
    expect(workerCount(5000, { [WORKERS_ENV]: "99" }, 8)).toBe(16);
    expect(workerCount(5000, {}, 2)).toBe(0);
    expect(workerCount(5000, {}, 3)).toBe(2);
    expect(workerCount(5000, {}, 16)).toBe(3);
    expect(workerCount(199, {}, 16)).toBe(0);
  });

  it("splits the cells into chunks that threads claim once each, then stop", () => {
    expect(chunkRange(0, 8, 20)).toEqual([0, 8]);
    expect(chunkRange(2, 8, 20)).toEqual([16, 20]);
    const control = new Int32Array(new SharedArrayBuffer(4 * 8));
    expect([claimChunk(control, 3), claimChunk(control, 3), claimChunk(control, 3)]).toEqual([0, 1, 2]);
    expect(claimChunk(control, 3)).toBe(-1);
  });
});

describe("flushlab compare on worker threads", () => {
  it("prints byte-identical output with and without workers, in every format", () => {
    for (const format of ["json", "table", "csv"]) {
      const serial = compare(0, "--format", format);
      const parallel = compare(2, "--format", format);
      expect(serial.code).toBe(0);
      expect(parallel.code).toBe(0);
      expect(serial.out.length).toBeGreaterThan(1000);
      expect(parallel.out).toBe(serial.out);
      // the summary line differs only in its timing
      const counts = (err: string) => err.replace(/ in [\d.]+ s \([\d.]+ ms\/run\)/, "");
      expect(counts(parallel.err)).toBe(counts(serial.err));
    }
  }, 120_000);

  it("runs the single-file build's workers from the bundle's own worker script, with the same output", () => {
    // the bundle's shared chunk resolves ./matrix-worker.js beside itself (matrix-parallel.ts workerScript)
    expect(existsSync(join(dirname(bundle), "matrix-worker.js"))).toBe(true);
    const serial = compare(0, "--format", "json");
    for (const workers of [0, 2]) {
      const bundled = compareWith(bundle, workers, "--format", "json");
      expect(bundled.err).toMatch(/^compare: \d+ runs/);
      expect(bundled.code).toBe(0);
      expect(bundled.out).toBe(serial.out);
    }
  }, 120_000);
});

// MatrixWorkers itself, in a child process running the build: a vitest worker resolves @flushlab/core to its
// TypeScript sources, which a worker thread of its own could not load.
const PROBE = `
import { MatrixWorkers } from ${JSON.stringify(pathToFileURL(built).href)};
import { loadScenarioFile } from ${JSON.stringify(pathToFileURL(join(root, "packages/core/dist/index.js")).href)};
const { files, profiles, workers, hashes, sleepFirst, failAt } = JSON.parse(process.env.FLUSHLAB_PROBE);
const pool = MatrixWorkers.start(files, profiles, workers);
if (pool === null) throw new Error("no worker started");
const reported = [];
const mainCell = (index) => ({ scenario: "main:" + index, profile: profiles[index % profiles.length], verdict: "coherent",
  expected: null, violations: 0, linesMaintained: 0, cycles: 0, reason: null });
let results = null, error = null;
try {
  results = pool.run({
    hashes: hashes ?? files.map((f) => loadScenarioFile(f).hash),
    run: (index) => {
      if (index === 0 && sleepFirst) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleepFirst);
      if (index === failAt) throw new Error("cell " + index + " failed");
      return mainCell(index);
    },
    report: (_cell, done) => reported.push(done),
  });
} catch (e) {
  error = e.message;
}
console.log(JSON.stringify({ results, reported, error }));
`;

interface ProbeResult {
  results: MatrixCell[] | null;
  reported: number[];
  error: string | null;
}

function probe(options: {
  files: string[];
  profiles: string[];
  workers: number;
  hashes?: string[];
  sleepFirst?: number;
  failAt?: number;
}): ProbeResult {
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (node scripts/setup.mjs)`);
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FLUSHLAB_PROBE: JSON.stringify(options) },
  });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

describe("MatrixWorkers", () => {
  const files = ["fuse-writev", "fuse-readv", "sg-miter-slab", "dax-write-mmapped"].map((name) =>
    join(root, "packages", "core", "scenarios", `${name}.yaml`),
  );
  const profiles = ["generic/pipt@asm-generic", "generic/vivt@asm-generic", "generic/vivt@flush-all"];
  const cells = files.length * profiles.length;
  const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it("runs every cell once, on some thread, and reports them in matrix order", () => {
    // the main thread's first cell lasts long enough for a worker to load and claim the other chunk
    const { results, reported, error } = probe({ files, profiles, workers: 2, sleepFirst: 3000 });
    expect(error).toBeNull();
    expect(results).toHaveLength(cells);
    expect(reported).toEqual(inOrder(cells));
    results!.forEach((cell, i) => {
      expect(cell.profile).toBe(profiles[i % profiles.length]);
      // the main thread's marked cell, or a worker's real cell of this index
      const scenario = files[Math.floor(i / profiles.length)].replace(/^.*\/|\.yaml$/g, "");
      expect([`main:${i}`, scenario]).toContain(cell.scenario);
    });
    expect(results!.filter((cell) => !cell.scenario.startsWith("main:")).length).toBe(cells - CHUNK_CELLS);
  }, 60_000);

  it("runs everything on the main thread when the workers see another registry", () => {
    const ids = [...profiles.slice(0, 2), "toy/only-here@1"]; // not registered in a worker: it declines
    const { results, error } = probe({ files, profiles: ids, workers: 2, sleepFirst: 1500 });
    expect(error).toBeNull();
    expect(results!.every((cell, i) => cell.scenario === `main:${i}`)).toBe(true);
  }, 60_000);

  it("runs everything on the main thread when a file changed after the main thread read it", () => {
    const { results } = probe({
      files,
      profiles,
      workers: 1,
      hashes: files.map(() => "x"),
      sleepFirst: 1500,
    });
    expect(results!.every((cell, i) => cell.scenario === `main:${i}`)).toBe(true);
  }, 60_000);

  it("ends as a serial run when a cell throws on the main thread: the cells before it are reported", () => {
    const failAt = CHUNK_CELLS + 3;
    const { results, reported, error } = probe({
      files,
      profiles,
      workers: 1,
      hashes: files.map(() => "x"),
      failAt,
    });
    expect(results).toBeNull();
    expect(error).toBe(`cell ${failAt} failed`);
    expect(reported).toEqual(inOrder(failAt));
  }, 60_000);
});
