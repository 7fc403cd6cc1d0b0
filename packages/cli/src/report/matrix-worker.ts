// A worker thread of the comparison matrix (matrix-parallel.ts): it builds the same registry as the command line
// (core's profiles and every architecture), loads the scenario files, checks that it sees the matrix the main
// thread sees (every profile resolves, every file has the hash the main thread read), then claims chunks of
// cells from the shared control block and posts each chunk's cells back. Anything unexpected inside a chunk
// gives the chunk up (the main thread runs it again, so that an error surfaces there as in a serial run).
import "reflect-metadata";
import { workerData } from "node:worker_threads";
import { defaultContainer, loadScenarioFile, profileRegistry, type Scenario } from "@flushlab/core";
import { registerArchitectures } from "../architectures.js";
import { runCell } from "./matrix.js";
import {
  chunkRange,
  claimChunk,
  DELIVERED,
  GIVEN_UP,
  type MatrixWorkerData,
  type MatrixWorkerMessage,
  settleChunk,
} from "./matrix-parallel.js";

const data = workerData as MatrixWorkerData;
const post = (message: MatrixWorkerMessage) => data.port.postMessage(message);

/** Why this worker cannot run the main thread's matrix, or null when it can. */
function mismatch(scenarios: (Scenario | undefined)[]): string | null {
  const registry = profileRegistry(registerArchitectures(defaultContainer()));
  for (const id of data.profiles) {
    try {
      registry.resolve(id);
    } catch {
      return `profile ${id} is not registered in a worker`;
    }
  }
  for (let i = 0; i < data.files.length; i++) {
    try {
      scenarios[i] = loadScenarioFile(data.files[i]);
    } catch {
      return `${data.files[i]} does not load in a worker`;
    }
    if (scenarios[i]!.hash !== data.hashes[i]) return `${data.files[i]} changed during the run`;
  }
  return null;
}

function work(): void {
  const scenarios: (Scenario | undefined)[] = new Array(data.files.length);
  const why = mismatch(scenarios);
  if (why !== null) {
    post({ kind: "declined", why });
    return;
  }
  const control = new Int32Array(data.control);
  const columns = data.profiles.length;
  const cells = data.files.length * columns;
  const chunks = Math.ceil(cells / data.chunkCells);
  for (let chunk = claimChunk(control, chunks); chunk >= 0; chunk = claimChunk(control, chunks)) {
    const [from, to] = chunkRange(chunk, data.chunkCells, cells);
    try {
      const out = [];
      for (let i = from; i < to; i++) {
        out.push(runCell(scenarios[Math.floor(i / columns)]!, data.profiles[i % columns]));
      }
      post({ kind: "cells", chunk, cells: out });
      settleChunk(control, chunk, DELIVERED);
    } catch (error) {
      post({ kind: "given-up", chunk, why: error instanceof Error ? error.message : String(error) });
      settleChunk(control, chunk, GIVEN_UP);
      return;
    }
  }
}

try {
  work();
} finally {
  data.port.close();
}
