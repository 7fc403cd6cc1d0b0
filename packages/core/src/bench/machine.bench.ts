// Benchmark of the functional path of the hardware model: data words, VIPT translation through the packed
// page table, and the oracle check on every load and fetch. Replays the deterministic 20-million-reference
// mix of replay.bench.ts (same generator, seed and addresses: 10% instruction fetches; the rest half
// sequential, half random over 4 MiB of data; 30% of data accesses are writes; seeded xorshift32), one
// 32-bit word access per reference, through one CPU with 32 KiB 4-way 32-byte LRU VIPT D- and I-caches, and
// prints accesses per second. Run: `node scripts/setup.mjs && node packages/core/dist/bench/machine.bench.js`.
import "reflect-metadata";
import { Bench } from "tinybench";
import { Machine } from "../hw/machine.js";
import { xorshift32 } from "../hw/tag-store.js";

const REFERENCES = 20_000_000;
/** References per tinybench iteration (a slice of the trace). */
const SLICE = 2_000_000;
const PAGE = 4096;
const CODE_VA = 0x0040_0000;
const CODE_PAGES = 16; // 64 KiB of code
const DATA_VA = 0x1000_0000;
const DATA_PAGES = 1024; // 4 MiB of data
const LOAD = 0;
const STORE = 1;
const IFETCH = 2;

/** The deterministic reference mix: kinds and addresses. */
function generateTrace(count: number, seed: number): { kinds: Uint8Array; addresses: Uint32Array } {
  const random = xorshift32(seed);
  const kinds = new Uint8Array(count);
  const addresses = new Uint32Array(count);
  const codeBytes = CODE_PAGES * PAGE;
  const dataBytes = DATA_PAGES * PAGE;
  let pc = 0;
  let sequential = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r % 10 === 0) {
      // Straight-line code with a taken branch now and then.
      pc = (r >>> 8) % 16 === 0 ? (random() % (codeBytes / 4)) * 4 : (pc + 4) % codeBytes;
      kinds[i] = IFETCH;
      addresses[i] = CODE_VA + pc;
      continue;
    }
    kinds[i] = (r >>> 4) % 10 < 3 ? STORE : LOAD;
    if ((r >>> 12) & 1) {
      // replay.bench.ts walks 8-byte references; here each is a word access at the same address.
      sequential = (sequential + 8) % dataBytes;
      addresses[i] = DATA_VA + sequential;
    } else {
      addresses[i] = DATA_VA + (random() % (dataBytes / 4)) * 4;
    }
  }
  return { kinds, addresses };
}

function buildMachine(): Machine {
  const geometry = { size: 32 * 1024, ways: 4, lineSize: 32, indexing: "vipt", replacement: "lru" } as const;
  const machine = new Machine({ pageSize: PAGE, cpus: 1, dcache: geometry, icache: geometry, userTop: 0x8000_0000 });
  const space = machine.createSpace("bench");
  const pte = { present: true, user: true, cacheable: true };
  for (let i = 0; i < CODE_PAGES; i++) {
    space.setPte(CODE_VA + i * PAGE, { ...pte, pfn: 0x100 + i, writable: false, executable: true });
  }
  for (let i = 0; i < DATA_PAGES; i++) {
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

const { kinds, addresses } = generateTrace(REFERENCES, 0x2545f491);

// One full pass over the 20 million references, timed as a whole.
const machine = buildMachine();
const start = performance.now();
replay(machine, kinds, addresses, 0, REFERENCES);
const seconds = (performance.now() - start) / 1000;
if (machine.violations.length !== 0) throw new Error("the benchmark's single-mapping trace must not violate");
const d = machine.costs().perCpu[0].d;
console.log(
  `functional path, full trace: ${REFERENCES.toLocaleString("en")} references in ${seconds.toFixed(2)} s = ` +
    `${(REFERENCES / seconds / 1e6).toFixed(1)} M accesses/s (D misses ${d.readMisses + d.writeMisses}, ` +
    `write-backs ${d.writebacks})`,
);

// tinybench: slices of the trace on a warm machine, for a mean and its margin.
let next = 0;
const bench = new Bench({ name: "machine functional path", time: 3000, iterations: 5 });
bench.add(`replay ${SLICE.toLocaleString("en")} references`, () => {
  const from = next;
  next = (next + SLICE) % REFERENCES;
  replay(machine, kinds, addresses, from, from + SLICE);
});
await bench.run();
for (const task of bench.tasks) {
  const result = task.result;
  if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
  const perSecond = (SLICE / result.latency.mean) * 1000;
  console.log(
    `functional path, tinybench: ${task.name}: mean ${result.latency.mean.toFixed(1)} ms ` +
      `± ${result.latency.rme.toFixed(1)}% over ${result.latency.samplesCount} runs = ` +
      `${(perSecond / 1e6).toFixed(1)} M accesses/s`,
  );
}
