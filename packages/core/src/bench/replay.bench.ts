// Benchmark of the trace replayer. Generates a deterministic 20-million-reference Dinero IV binary trace
// in memory (10% instruction fetches; the rest half sequential, half random data accesses; 30% of data
// accesses are writes; seeded xorshift32), replays it through 32 KiB 4-way 32-byte LRU D- and I-caches, and
// prints references per second and the ratio of the replayer's time to a minimal tags-only typed-array LRU
// loop written here: the limit of this runtime for the same work without types, sizes, straddles, dirty bits
// or statistics. Run: `node scripts/setup.mjs && node packages/core/dist/bench/replay.bench.js`.
import { Bench } from "tinybench";
import { parseGeometry } from "../hw/geometry.js";
import { xorshift32 } from "../hw/tag-store.js";
import { RefBatch, RefType } from "../replay/batch.js";
import { TraceReplayer } from "../replay/engine.js";
import { encodeBinary, parseTrace } from "../replay/parse.js";

const REFERENCES = 20_000_000;
const CODE = 0x0040_0000;
const CODE_BYTES = 64 * 1024;
const DATA = 0x1000_0000;
const DATA_BYTES = 4 * 1024 * 1024;

/** The reference mix, as the binary format's three fields. */
function generate(
  count: number,
  seed: number,
): { types: Uint8Array; addrs: Uint32Array; sizes: Uint16Array } {
  const random = xorshift32(seed);
  const types = new Uint8Array(count);
  const addrs = new Uint32Array(count);
  const sizes = new Uint16Array(count);
  let pc = 0;
  let sequential = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r % 10 === 0) {
      // straight-line code with a taken branch now and then
      pc = (r >>> 8) % 16 === 0 ? (random() % (CODE_BYTES / 4)) * 4 : (pc + 4) % CODE_BYTES;
      types[i] = RefType.ifetch;
      addrs[i] = CODE + pc;
      sizes[i] = 4;
      continue;
    }
    types[i] = (r >>> 4) % 10 < 3 ? RefType.write : RefType.read;
    if ((r >>> 12) & 1) {
      sequential = (sequential + 8) % DATA_BYTES;
      addrs[i] = DATA + sequential;
      sizes[i] = 8;
    } else {
      addrs[i] = DATA + (random() % (DATA_BYTES / 4)) * 4;
      sizes[i] = 4;
    }
  }
  return { types, addrs, sizes };
}

const geometry = parseGeometry("32k:4:32:lru", "bench");
const { types, addrs, sizes } = generate(REFERENCES, 0x2545f491);
const binary = encodeBinary(types, addrs, sizes);

// The trace decoded once, in the parser's batches of 64 Ki references (copied: the parser reuses its batch),
// for the measurement of the engine alone.
const decoded: RefBatch[] = [];
for (const batch of parseTrace("bin", [binary], "bench.bin")) {
  const copy = new RefBatch(batch.capacity, batch.source, batch.originKind);
  copy.types.set(batch.types);
  copy.addrs.set(batch.addrs);
  copy.sizes.set(batch.sizes);
  copy.count = batch.count;
  copy.maxEnd = batch.maxEnd;
  decoded.push(copy);
}

/**
 * The runtime's limit: two 256-set 4-way LRU tag arrays and a clock, 32-bit addresses, nothing else.
 * Returns the misses so that the work cannot be optimised away.
 */
function minimalLoop(kinds: Uint8Array, addresses: Uint32Array, n: number): number {
  const iTags = new Int32Array(1024).fill(-1);
  const dTags = new Int32Array(1024).fill(-1);
  const iStamps = new Float64Array(1024);
  const dStamps = new Float64Array(1024);
  let clock = 0;
  let misses = 0;
  for (let k = 0; k < n; k++) {
    const a = addresses[k];
    const tags = kinds[k] === 2 ? iTags : dTags;
    const stamps = kinds[k] === 2 ? iStamps : dStamps;
    const base = ((a >>> 5) & 255) << 2;
    const tag = a >>> 13;
    let slot = base;
    for (; slot < base + 4; slot++) if (tags[slot] === tag) break;
    if (slot === base + 4) {
      misses++;
      slot = base;
      for (let s = base + 1; s < base + 4; s++) if (stamps[s] < stamps[slot]) slot = s;
      tags[slot] = tag;
    }
    stamps[slot] = ++clock;
  }
  return misses;
}

function replayDecoded(): number {
  const replayer = new TraceReplayer({ d1: geometry, i1: geometry });
  for (const batch of decoded) replayer.replay(batch);
  const [i, d] = replayer.finish().caches;
  return i.misses.total + d.misses.total;
}

function replayBinary(): number {
  const replayer = new TraceReplayer({ d1: geometry, i1: geometry });
  for (const batch of parseTrace("bin", [binary], "bench.bin")) replayer.replay(batch);
  const [i, d] = replayer.finish().caches;
  return i.misses.total + d.misses.total;
}

// Sanity: the engine and the minimal loop simulate the same caches, so they must count the same misses.
const minimalMisses = minimalLoop(types, addrs, REFERENCES);
const engineMisses = replayDecoded();
if (minimalMisses !== engineMisses) {
  throw new Error(`the replayer counts ${engineMisses} misses, the minimal loop ${minimalMisses}`);
}
console.log(
  `trace: ${REFERENCES.toLocaleString("en")} references, ${(binary.length / 2 ** 20).toFixed(0)} MiB binary; ` +
    `misses ${engineMisses.toLocaleString("en")} (${((100 * engineMisses) / REFERENCES).toFixed(1)}%)`,
);

let sink = 0;
const bench = new Bench({ name: "trace replay", time: 6000, iterations: 8, warmupIterations: 2 });
bench
  .add("minimal tags-only LRU loop", () => {
    sink += minimalLoop(types, addrs, REFERENCES);
  })
  .add("replayer, decoded batch", () => {
    sink += replayDecoded();
  })
  .add("replayer, binary decode + replay", () => {
    sink += replayBinary();
  });
await bench.run();

// Means, and minimums: on a shared machine other work only ever adds time, so the fastest run is the
// steadier figure of what the code costs.
const means = new Map<string, number>();
const mins = new Map<string, number>();
const rate = (ms: number) => `${(REFERENCES / ms / 1e3).toFixed(1)} M refs/s`;
for (const task of bench.tasks) {
  const result = task.result;
  if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
  const { mean, min, rme, samplesCount } = result.latency;
  means.set(task.name, mean);
  mins.set(task.name, min);
  console.log(
    `${task.name}: mean ${mean.toFixed(0)} ms ± ${rme.toFixed(1)}% over ${samplesCount} runs = ${rate(mean)}; ` +
      `fastest ${min.toFixed(0)} ms = ${rate(min)}`,
  );
}
const minimal = "minimal tags-only LRU loop";
for (const name of ["replayer, decoded batch", "replayer, binary decode + replay"]) {
  const ofMeans = (means.get(name) ?? Number.NaN) / (means.get(minimal) ?? Number.NaN);
  const ofMins = (mins.get(name) ?? Number.NaN) / (mins.get(minimal) ?? Number.NaN);
  console.log(
    `${name}: ${ofMeans.toFixed(2)}x the minimal loop's mean time, ${ofMins.toFixed(2)}x its fastest`,
  );
}
if (sink === 0) console.log("(no misses?)");
