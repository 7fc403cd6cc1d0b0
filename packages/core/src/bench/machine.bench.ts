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
// Prints accesses per second for a whole 20-million pass and for tinybench slices of 2 million, and, as
// replay.bench.ts does for the tag-only engine, the speed of a minimal loop written here that does the same
// simulated memory work in one function on flat typed arrays (page-table lookup, 4-way LRU VIPT lookup of the
// D- or I-cache, write-back of a dirty victim, line fill, the load's comparison with the shadow word beside the
// memory word, the store's shadow word and two-word origin): the limit of this runtime on this host for that
// work, checked to count the same misses and write-backs as the machine.
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

/** One cache of {@link minimalLoop}: 256 sets of 4 ways of 8 words, tags = physical line numbers. */
interface FlatCache {
  tags: Int32Array;
  stamps: Float64Array;
  dirty: Uint8Array;
  data: Uint32Array;
  clock: number;
  misses: number;
  writebacks: number;
}

function flatCache(): FlatCache {
  return {
    tags: new Int32Array(1024).fill(-1),
    stamps: new Float64Array(1024),
    dirty: new Uint8Array(1024),
    data: new Uint32Array(8192),
    clock: 0,
    misses: 0,
    writebacks: 0,
  };
}

/**
 * The limit of the runtime for the functional path's memory work (see the file comment): `memory` holds memory
 * and shadow words interleaved (2w, 2w + 1) and `origins` two words per word, as memory.ts and oracle.ts lay
 * them out, indexed directly by physical word; `pageTable` maps a virtual page to its frame. Returns the
 * number of loads whose value differs from the shadow (0 here), so that the work cannot be optimised away.
 */
function minimalLoop(
  kinds: Uint8Array,
  addresses: Uint32Array,
  pageTable: Int32Array,
  memory: Uint32Array,
  origins: Uint32Array,
  d: FlatCache,
  i: FlatCache,
): number {
  let stale = 0;
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    const va = addresses[k];
    const pa = ((pageTable[va >>> 12] << 12) | (va & 4095)) >>> 0;
    const c = kind === IFETCH ? i : d;
    const set = (va >>> 5) & 255;
    const tag = pa >>> 5;
    const tags = c.tags;
    let slot = -1;
    for (let s = set * 4; s < set * 4 + 4; s++) {
      if (tags[s] === tag) {
        slot = s;
        break;
      }
    }
    if (slot < 0) {
      c.misses++;
      slot = set * 4;
      for (let s = set * 4; s < set * 4 + 4; s++) {
        if (tags[s] === -1) {
          slot = s;
          break;
        }
        if (c.stamps[s] < c.stamps[slot]) slot = s;
      }
      if (tags[slot] !== -1 && c.dirty[slot] !== 0) {
        c.writebacks++;
        const to = tags[slot] << 4;
        for (let w = 0; w < 8; w++) memory[to + 2 * w] = c.data[slot * 8 + w];
      }
      tags[slot] = tag;
      c.dirty[slot] = 0;
      const from = tag << 4;
      for (let w = 0; w < 8; w++) c.data[slot * 8 + w] = memory[from + 2 * w];
    }
    c.stamps[slot] = ++c.clock;
    const word = slot * 8 + ((pa >>> 2) & 7);
    const shadow = 2 * (pa >>> 2) + 1;
    if (kind === STORE) {
      c.data[word] = k;
      c.dirty[slot] = 1;
      memory[shadow] = k;
      origins[shadow - 1] = va;
      origins[shadow] = 1029;
    } else if (c.data[word] !== memory[shadow]) stale++;
  }
  return stale;
}

/** The page table of buildMachine() as a flat array: virtual page number to frame number. */
function flatPageTable(): Int32Array {
  const table = new Int32Array(1 << 20);
  for (let p = 0; p < CODE_BYTES / PAGE; p++) table[(CODE_VA >>> 12) + p] = 0x100 + p;
  for (let p = 0; p < DATA_BYTES / PAGE; p++) table[(DATA_VA >>> 12) + p] = 0x1000 + p;
  return table;
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

  // The minimal loop, on the same trace: the same misses and write-backs, then its speed (best of three).
  const frames = 0x1000 + DATA_BYTES / PAGE;
  const memory = new Uint32Array(frames * (PAGE / 4) * 2);
  const origins = new Uint32Array(frames * (PAGE / 4) * 2);
  const pageTable = flatPageTable();
  const flatD = flatCache();
  const flatI = flatCache();
  if (minimalLoop(kinds, addresses, pageTable, memory, origins, flatD, flatI) !== 0)
    throw new Error("the minimal loop saw a stale load on a single-mapping trace");
  const i = machine.costs().perCpu[0].i;
  if (flatD.misses !== misses || flatD.writebacks !== d.writebacks || flatI.misses !== i.fetchMisses) {
    throw new Error(
      `the minimal loop counts D ${flatD.misses} misses, ${flatD.writebacks} write-backs, I ${flatI.misses} misses; ` +
        `the machine D ${misses}, ${d.writebacks}, I ${i.fetchMisses}`,
    );
  }
  let fastest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    minimalLoop(kinds, addresses, pageTable, memory, origins, flatCache(), flatCache());
    fastest = Math.min(fastest, performance.now() - t);
  }
  console.log(
    `${label}, minimal loop (same memory work, one function, flat arrays): fastest of 3 ` +
      `${(fastest / 1000).toFixed(2)} s = ${perSecond(REFERENCES, fastest)}; the machine takes ${(ms / fastest).toFixed(2)}x its time`,
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
