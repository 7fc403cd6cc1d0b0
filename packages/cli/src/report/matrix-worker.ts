// A worker thread of the comparison matrix (matrix-parallel.ts): it builds the same registry as the command line
// (core's profiles and every architecture) and reads the scenario files while the main thread reads them too,
// then waits for the main thread's go message and checks that it sees the same matrix (every profile resolves,
// every file has the hash the main thread read). It then claims chunks of cells from the shared control block
// and posts each chunk's cells back. Anything unexpected inside a chunk gives the chunk up (the main thread runs
// it again, so that an error surfaces there as in a serial run).
import "reflect-metadata";
import { workerData } from "node:worker_threads";
import {
  defaultContainer,
  loadScenarioFile,
  type Profile,
  profileRegistry,
  type Scenario,
} from "@flushlab/core";
import { registerArchitectures } from "../architectures.js";
import { runCell } from "./matrix.js";
import {
  awaitGo,
  chunkRange,
  claimChunk,
  DELIVERED,
  GIVEN_UP,
  type MatrixWorkerData,
  type MatrixWorkerMessage,
  settleChunk,
} from "./matrix-parallel.js";

const data = workerData as MatrixWorkerData;
const control = new Int32Array(data.control);
const post = (message: MatrixWorkerMessage) => data.port.postMessage(message);

/** The resolved profiles and the scenarios, or why this worker cannot run the main thread's matrix. */
function load(): { profiles: Profile[]; scenarios: Scenario[] } | string {
  const registry = profileRegistry(registerArchitectures(defaultContainer()));
  const profiles: Profile[] = [];
  for (const id of data.profiles) {
    try {
      profiles.push(registry.resolve(id));
    } catch {
      return `profile ${id} is not registered in a worker`;
    }
  }
  const scenarios: Scenario[] = [];
  for (const file of data.files) {
    try {
      scenarios.push(loadScenarioFile(file));
    } catch {
      return `${file} does not load in a worker`;
    }
  }
  return { profiles, scenarios };
}

function work(): void {
  const loaded = load();
  const go = awaitGo(control, data.port);
  if (go === null) return;
  if (typeof loaded === "string") {
    post({ kind: "declined", why: loaded });
    return;
  }
  const { profiles, scenarios } = loaded;
  const changed = scenarios.findIndex((s, i) => s.hash !== go.hashes[i]);
  if (changed >= 0) {
    post({ kind: "declined", why: `${data.files[changed]} changed during the run` });
    return;
  }
  const columns = data.profiles.length;
  const cells = scenarios.length * columns;
  const chunks = Math.ceil(cells / data.chunkCells);
  for (let chunk = claimChunk(control, chunks); chunk >= 0; chunk = claimChunk(control, chunks)) {
    const [from, to] = chunkRange(chunk, data.chunkCells, cells);
    try {
      const out = [];
      for (let i = from; i < to; i++) {
        out.push(runCell(scenarios[Math.floor(i / columns)], profiles[i % columns]));
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
