// The comparison matrix on several threads. Every cell (a scenario on a profile) is independent of the others
// and deterministic, so the cells can run anywhere and the matrix is still byte-identical: the main thread and
// worker threads (matrix-worker.ts) claim chunks of consecutive cells from one shared counter, each thread runs
// its chunks, the workers post their cells back, and the main thread puts every cell at its index and tells the
// reporters in matrix order.
//
// runMatrix is synchronous (the commands call it as a function), so the main thread never returns to the event
// loop while the matrix runs: it reads the workers' messages with receiveMessageOnPort and waits for a chunk with
// Atomics.wait on a status word the worker sets. The workers start first, so that their loading overlaps the
// main thread's reading of the scenario files; the main thread then sends the files' hashes, and a worker that
// sees another matrix (its registry lacks a profile, a file has another hash) declines without claiming
// anything. A chunk in which a worker met anything unexpected, or that it did not deliver in time (a crash), is
// run again by the main thread, so that an error surfaces exactly as in a serial run. Only large matrices use
// workers: a worker takes a few hundred milliseconds to load.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MatrixCell } from "./matrix.js";

/** Cells per chunk: small enough to balance the threads, large enough to make the messages negligible. */
export const CHUNK_CELLS = 8;
/** Below this many cells the matrix runs on the main thread only (a worker takes longer to start). */
export const MIN_PARALLEL_CELLS = 200;
/** The environment variable that sets the number of worker threads (0: none). */
export const WORKERS_ENV = "FLUSHLAB_MATRIX_WORKERS";
/** How long the main thread waits for a chunk a worker claimed before running it itself (a crashed worker). */
const CHUNK_TIMEOUT_MS = 10_000;

// The control block shared with the workers (Int32Array over a SharedArrayBuffer).
/** Index of the next chunk to claim. */
const NEXT = 0;
/** Set to 1 when the workers must stop: the matrix is complete, or failed. */
const STOP = 1;
/** Set to 1 when the main thread has sent the hashes (the go message). */
const GO = 2;
/** Index of the first chunk status. */
const STATUS = 3;
/** Chunk status: not delivered yet. */
export const PENDING = 0;
/** Chunk status: a worker posted its cells. */
export const DELIVERED = 1;
/** Chunk status: a worker gave it up (the main thread runs it). */
export const GIVEN_UP = 2;

/** What a worker is given (workerData). */
export interface MatrixWorkerData {
  /** Scenario files, in matrix order. */
  readonly files: readonly string[];
  readonly profiles: readonly string[];
  readonly chunkCells: number;
  /** The control block (see NEXT, STOP, GO, STATUS). */
  readonly control: SharedArrayBuffer;
  /** The worker's end of its channel to the main thread. */
  readonly port: MessagePort;
}

/** The main thread's go message: the files' hashes as it read them. */
export interface MatrixGoMessage {
  readonly hashes: readonly string[];
}

/** A message from a worker. */
export type MatrixWorkerMessage =
  | { readonly kind: "cells"; readonly chunk: number; readonly cells: readonly MatrixCell[] }
  | { readonly kind: "given-up"; readonly chunk: number; readonly why: string }
  | { readonly kind: "declined"; readonly why: string };

/** The chunk `chunk` covers cells [chunk × size, min(cells, (chunk + 1) × size)). */
export function chunkRange(chunk: number, size: number, cells: number): [number, number] {
  return [chunk * size, Math.min(cells, (chunk + 1) * size)];
}

/** Claim the next chunk from the control block, or -1 when none is left (or the main thread said stop). */
export function claimChunk(control: Int32Array, chunks: number): number {
  if (Atomics.load(control, STOP) !== 0) return -1;
  const chunk = Atomics.add(control, NEXT, 1);
  return chunk < chunks ? chunk : -1;
}

/** Mark `chunk` delivered or given up, and wake the main thread if it waits for it. */
export function settleChunk(control: Int32Array, chunk: number, status: number): void {
  Atomics.store(control, STATUS + chunk, status);
  Atomics.notify(control, STATUS + chunk);
}

/**
 * In a worker: wait for the main thread's go message on `port` (null when the main thread stopped the matrix
 * first).
 */
export function awaitGo(control: Int32Array, port: MessagePort): MatrixGoMessage | null {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m !== undefined) return m.message as MatrixGoMessage;
    if (Atomics.load(control, STOP) !== 0) return null;
    Atomics.wait(control, GO, 0, 100);
  }
}

/** The fewest cores on which workers are used by default. */
export const MIN_PARALLEL_CORES = 3;

/**
 * How many worker threads to use for a matrix of `cells` cells (0: run on the main thread only): the
 * FLUSHLAB_MATRIX_WORKERS environment variable when set (an integer; 0 for none, at most 16); otherwise, for
 * 200 cells or more on a machine of 3 cores or more, one fewer than the cores, at most 3. On 2 cores a worker
 * does not pay: it loads the modules and warms the JIT up again (about 0.8 s of CPU) while the machine's
 * second core also runs V8's compiler and collector threads (measured: `pnpm bench` prints both).
 */
export function workerCount(
  cells: number,
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
): number {
  const set = env[WORKERS_ENV];
  if (set !== undefined && set.trim() !== "") {
    const n = Number(set);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 16) : 0;
  }
  if (cells < MIN_PARALLEL_CELLS || cores < MIN_PARALLEL_CORES) return 0;
  return Math.min(cores - 1, 3);
}

/** The worker script beside this module once built (dist); null when running from sources (tests). */
function workerScript(): URL | null {
  const url = new URL("./matrix-worker.js", import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : null;
}

/** What MatrixWorkers.run needs of the matrix. */
export interface ParallelRun {
  /** The scenario files' hashes, in matrix order, as the main thread read them. */
  readonly hashes: readonly string[];
  /** Run cell `index` (row-major: scenario, then profile) on the main thread. */
  run(index: number): MatrixCell;
  /** Cell number `done` (1-based) is known: called in matrix order. */
  report(cell: MatrixCell, done: number): void;
}

/** Worker threads started for one matrix: start them, then run the matrix with them (or stop them). */
export class MatrixWorkers {
  private readonly chunks: number;
  private readonly control: Int32Array;
  private stopped = false;

  private constructor(
    private readonly cells: number,
    private readonly threads: readonly Worker[],
    private readonly ports: readonly MessagePort[],
    control: Int32Array,
  ) {
    this.chunks = Math.ceil(cells / CHUNK_CELLS);
    this.control = control;
  }

  /**
   * Start `count` workers for the matrix of `files` × `profiles`; null when none can start (no worker script:
   * running from sources; count 0). They load while the caller reads the files, then wait for run().
   */
  static start(files: readonly string[], profiles: readonly string[], count: number): MatrixWorkers | null {
    const script = workerScript();
    if (script === null || count <= 0) return null;
    const cells = files.length * profiles.length;
    const control = new Int32Array(new SharedArrayBuffer(4 * (STATUS + Math.ceil(cells / CHUNK_CELLS))));
    const threads: Worker[] = [];
    const ports: MessagePort[] = [];
    for (let i = 0; i < count; i++) {
      const channel = new MessageChannel();
      const data: MatrixWorkerData = {
        files,
        profiles,
        chunkCells: CHUNK_CELLS,
        control: control.buffer as SharedArrayBuffer,
        port: channel.port2,
      };
      try {
        // execArgv []: a worker loads the built modules as `node bin.js` does, whatever flags this process
        // was started with (--input-type, --conditions, ... would make its entry fail to load)
        const worker = new Worker(script, { workerData: data, transferList: [channel.port2], execArgv: [] });
        worker.unref();
        // a worker's failure is handled through its chunks (see the file comment): never an unhandled event
        worker.on("error", () => {});
        threads.push(worker);
        ports.push(channel.port1);
      } catch {
        channel.port1.close();
      }
    }
    return threads.length === 0 ? null : new MatrixWorkers(cells, threads, ports, control);
  }

  /** Stop the workers (idempotent): they claim nothing more and are terminated. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, GO);
    for (const port of this.ports) port.close();
    for (const worker of this.threads) void worker.terminate();
  }

  /**
   * Run every cell, here and on the workers, and return the cells in matrix order (reported in that order as
   * they become known). A cell that throws here ends the matrix as in a serial run: the cells before it are
   * completed and reported, then its error is thrown. The workers are stopped in every case.
   */
  run(matrix: ParallelRun): MatrixCell[] {
    const { cells, chunks, control, ports } = this;
    const go: MatrixGoMessage = { hashes: matrix.hashes };
    for (const port of ports) port.postMessage(go);
    Atomics.store(control, GO, 1);
    Atomics.notify(control, GO);

    const results: (MatrixCell | undefined)[] = new Array(cells);
    const mine = new Uint8Array(chunks);
    const given = new Set<number>();
    let reported = 0;
    const flush = () => {
      while (reported < cells && results[reported] !== undefined) {
        matrix.report(results[reported]!, reported + 1);
        reported++;
      }
    };
    const runChunk = (chunk: number) => {
      const [from, to] = chunkRange(chunk, CHUNK_CELLS, cells);
      for (let i = from; i < to; i++) results[i] = matrix.run(i);
    };
    const drain = () => {
      for (const port of ports) {
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
          const message = m.message as MatrixWorkerMessage;
          if (message.kind === "cells") {
            const [from] = chunkRange(message.chunk, CHUNK_CELLS, cells);
            for (let k = 0; k < message.cells.length; k++) results[from + k] = message.cells[k];
          } else if (message.kind === "given-up") given.add(message.chunk);
        }
      }
    };

    let failure: { index: number; error: unknown } | null = null;
    try {
      // the main thread's share: claim until none is left, taking in what the workers sent between chunks
      for (let chunk = claimChunk(control, chunks); chunk >= 0; chunk = claimChunk(control, chunks)) {
        mine[chunk] = 1;
        try {
          runChunk(chunk);
        } catch (error) {
          const [from, to] = chunkRange(chunk, CHUNK_CELLS, cells);
          let index = from;
          while (index < to && results[index] !== undefined) index++;
          failure = { index, error };
          Atomics.store(control, STOP, 1);
          break;
        }
        drain();
        flush();
      }
      // the chunks the workers claimed (every chunk before a failure was claimed): wait for each in order, or
      // run it here if its worker gave it up or is overdue
      const last = failure === null ? chunks : Math.floor(failure.index / CHUNK_CELLS);
      for (let chunk = 0; chunk < last; chunk++) {
        if (mine[chunk]) continue;
        const [from] = chunkRange(chunk, CHUNK_CELLS, cells);
        const deadline = performance.now() + CHUNK_TIMEOUT_MS;
        for (;;) {
          drain();
          if (results[from] !== undefined || given.has(chunk)) break;
          const left = deadline - performance.now();
          if (left <= 0) break;
          Atomics.wait(control, STATUS + chunk, PENDING, Math.min(left, 50));
        }
        if (results[from] === undefined) {
          try {
            runChunk(chunk);
          } finally {
            flush(); // the cells before a failing one are reported, as in a serial run
          }
        }
        flush();
      }
    } finally {
      this.stop();
    }
    flush();
    if (failure !== null) throw failure.error;
    return results as MatrixCell[];
  }
}
