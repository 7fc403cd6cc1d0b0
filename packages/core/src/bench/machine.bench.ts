// Benchmark of the functional path of the hardware model: data words, VIPT translation through the packed
// page table, and the oracle check on every load and fetch (and the shadow update on every store), through
// one CPU with 32 KiB 4-way 32-byte LRU VIPT D- and I-caches (write-back, write-allocate), one user space.
//
// Trace: the deterministic 20-million-reference mix of replay.bench.ts (same generator, seed and addresses:
// 10% instruction fetches over 64 KiB of code; the rest half sequential, half random data accesses; 30% of
// data accesses are writes; seeded xorshift32), one 32-bit word access per reference. It is replayed twice:
//   1. as replay.bench.ts has it, random accesses over 4 MiB of data: about half the references miss the
//      simulated L1, and each miss moves a line to and from a simulated memory far larger than the host's
//      L2, so this figure measures the host's memory latency as much as flushlab;
//   2. with the random accesses confined to 128 KiB (four times the simulated D-cache, so most of them still
//      miss it), which the host keeps in its caches: the cost of flushlab's own work per access.
// Prints accesses per second for a whole 20-million pass and for tinybench slices of 2 million.
// Run: `node scripts/setup.mjs && node packages/core/dist/bench/machine.bench.js`.
import "reflect-metadata";
import { Bench } from "tinybench";
import { Machine } from "../hw/machine.js";
import { xorshift32 } from "../hw/tag-store.js";

const REFERENCES = 20_000_000;
/** References per tinybench iteration (a slice of the trace). */
const SLICE = 2_000_000;
const PAGE = 4096;
const CODE_VA = 0x0040_0000;
const CODE_BYTES = 64 * 1024;
const DATA_VA = 0x1000_0000;
const DATA_BYTES = 4 * 1024 * 1024;
const LOAD = 0;
const STORE = 1;
const IFETCH = 2;

/**
 * The reference mix of replay.bench.ts: kinds and addresses. `randomBytes` bounds the random data accesses
 * (replay.bench.ts: all 4 MiB); the sequential walk always covers the 4 MiB.
 */
function generateTrace(
  count: number,
  seed: number,
  randomBytes: number,
): { kinds: Uint8Array; addresses: Uint32Array } {
  const random = xorshift32(seed);
  const kinds = new Uint8Array(count);
  const addresses = new Uint32Array(count);
  let pc = 0;
  let sequential = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r % 10 === 0) {
      // Straight-line code with a taken branch now and then.
      pc = (r >>> 8) % 16 === 0 ? (random() % (CODE_BYTES / 4)) * 4 : (pc + 4) % CODE_BYTES;
      kinds[i] = IFETCH;
      addresses[i] = CODE_VA + pc;
      continue;
    }
    kinds[i] = (r >>> 4) % 10 < 3 ? STORE : LOAD;
    if ((r >>> 12) & 1) {
      // replay.bench.ts walks 8-byte references; here each is one word access at the same address.
      sequential = (sequential + 8) % DATA_BYTES;
      addresses[i] = DATA_VA + sequential;
    } else {
      addresses[i] = DATA_VA + (random() % (randomBytes / 4)) * 4;
    }
  }
  return { kinds, addresses };
}

function buildMachine(): Machine {
  const geometry = { size: 32 * 1024, ways: 4, lineSize: 32, indexing: "vipt", replacement: "lru" } as const;
  const machine = new Machine({
    pageSize: PAGE,
    cpus: 1,
    dcache: geometry,
    icache: geometry,
    userTop: 0x8000_0000,
  });
  const space = machine.createSpace("bench");
  const pte = { present: true, user: true, cacheable: true };
  for (let i = 0; i < CODE_BYTES / PAGE; i++) {
    space.setPte(CODE_VA + i * PAGE, { ...pte, pfn: 0x100 + i, writable: false, executable: true });
  }
  for (let i = 0; i < DATA_BYTES / PAGE; i++) {
    space.setPte(DATA_VA + i * PAGE, { ...pte, pfn: 0x1000 + i, writable: true, executable: false });
  }
  machine.setCurrentSpace(0, space);
  return machine;
}

function replay(machine: Machine, kinds: Uint8Array, addresses: Uint32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const kind = kinds[i];
    if (kind === LOAD) machine.load(0, addresses[i]);
    else if (kind === STORE) machine.store(0, addresses[i], i);
    else machine.ifetch(0, addresses[i]);
  }
}

const perSecond = (references: number, ms: number) =>
  `${(((references / ms) * 1000) / 1e6).toFixed(1)} M accesses/s`;

async function measure(label: string, randomBytes: number): Promise<void> {
  const { kinds, addresses } = generateTrace(REFERENCES, 0x2545f491, randomBytes);

  // One whole pass over the 20 million references.
  const machine = buildMachine();
  const start = performance.now();
  replay(machine, kinds, addresses, 0, REFERENCES);
  const ms = performance.now() - start;
  if (machine.violations.length !== 0)
    throw new Error("the benchmark's single-mapping trace must not violate");
  const d = machine.costs().perCpu[0].d;
  const misses = d.readMisses + d.writeMisses;
  console.log(
    `${label}: 20,000,000 references in ${(ms / 1000).toFixed(2)} s = ${perSecond(REFERENCES, ms)} ` +
      `(D misses ${((100 * misses) / (d.readHits + d.writeHits + misses)).toFixed(1)}%, write-backs ${d.writebacks})`,
  );

  // tinybench: slices of the trace on the warm machine, for a mean and its margin.
  let next = 0;
  const bench = new Bench({ name: label, time: 2000, iterations: 5 });
  bench.add(`${SLICE.toLocaleString("en")}-reference slices`, () => {
    const from = next;
    next = (next + SLICE) % REFERENCES;
    replay(machine, kinds, addresses, from, from + SLICE);
  });
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
    console.log(
      `${label}, tinybench ${task.name}: mean ${result.latency.mean.toFixed(1)} ms ` +
        `± ${result.latency.rme.toFixed(1)}% over ${result.latency.samplesCount} runs = ${perSecond(SLICE, result.latency.mean)}`,
    );
  }
}

await measure("functional path, replay.bench trace (random over 4 MiB)", DATA_BYTES);
await measure("functional path, random over 128 KiB", 128 * 1024);
