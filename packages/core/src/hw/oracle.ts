// The coherence oracle: a shadow of what a coherent machine would hold, per physical word, with the store
// that wrote it. Every store (a CPU through any alias, the DMA device, pokeMemory) updates it; every load,
// instruction fetch and device read is compared with it by the machine, which calls report() on a mismatch.
// At the end of a run, finish() looks for writes that no longer exist anywhere (lost-write) and for dirty
// copies of one physical line that disagree (dirty-alias-conflict).
import type { Address, Residence, StoreOrigin, Violation, ViolationKind } from "./api.js";
import type { Cache } from "./cache.js";
import { ChunkAllocator, FrameTable, type PhysicalMemory } from "./memory.js";

/** Who wrote a shadow word: nobody (initial content or pokeMemory), a CPU, or the DMA device. */
const INITIAL = 0;
const CPU_STORE = 1;
const DEVICE_STORE = 2;

/**
 * Per physical frame, per word, the store that wrote the expected value, as two doubles side by side (one
 * host cache line per store): the virtual address, and `context × 1024 + (cpu + 1) × 4 + writer kind`,
 * where `context` indexes the (step, actor) pairs seen. The expected values themselves live in memory's
 * shadow plane (memory.ts), beside the words they shadow.
 */
type Origins = Float64Array;

/**
 * The oracle of one machine. `caches` lists every cache in report order (CPU 0's D and I, CPU 1's, ...);
 * `colourOf` gives the D-cache colour of a virtual address (for StoreOrigin.colour).
 */
export class Oracle {
  /** Violations so far (the machine's `violations`). */
  readonly violations: Violation[] = [];
  private readonly frames: FrameTable<Origins>;
  private readonly originArrays: ChunkAllocator<Float64Array>;
  private readonly wordsPerFrame: number;
  private readonly pageShift: number;
  private lastPfn = -1;
  private lastFrame: Origins | undefined = undefined;
  /** The (step, actor) contexts seen, by index; the current one is the last. */
  private readonly contextSteps: number[] = [0];
  private readonly contextActors: string[] = [""];
  private context = 0;
  /** Keys (kind:pa) of end-of-run violations already reported, so that each is reported once. */
  private readonly reported = new Set<string>();
  private readonly found: Int32Array;

  constructor(
    private readonly memory: PhysicalMemory,
    private readonly caches: readonly Cache[],
    private readonly colourOf: (va: Address) => number,
  ) {
    this.pageShift = memory.pageShift;
    this.wordsPerFrame = memory.wordsPerFrame;
    this.frames = new FrameTable(memory.pageShift);
    this.originArrays = new ChunkAllocator(Float64Array, 2 * this.wordsPerFrame);
    let most = 1;
    for (const cache of caches) most = Math.max(most, cache.colours * cache.ways);
    this.found = new Int32Array(most);
  }

  /** Give the origins' storage back to the pool (pool.ts): the oracle must not be used afterwards. */
  release(): void {
    this.frames.release();
    this.originArrays.release();
  }

  /** The step number and actor stamped on the following stores and violations. */
  setContext(step: number, actor: string): void {
    if (step === this.contextSteps[this.context] && actor === this.contextActors[this.context]) return;
    this.contextSteps.push(step);
    this.contextActors.push(actor);
    this.context = this.contextSteps.length - 1;
  }

  private frameOf(pfn: number): Origins | undefined {
    if (pfn === this.lastPfn) return this.lastFrame;
    const frame = this.frames.get(pfn);
    if (frame !== undefined) {
      this.lastPfn = pfn;
      this.lastFrame = frame;
    }
    return frame;
  }

  private frameFor(pa: number): Origins {
    const pfn = pa >>> this.pageShift;
    let frame = this.frameOf(pfn);
    if (frame === undefined) {
      frame = this.originArrays.allocate();
      this.frames.set(pfn, frame);
      this.lastPfn = pfn;
      this.lastFrame = frame;
    }
    return frame;
  }

  /** The value a coherent machine holds at `pa` (0 for a word never written). */
  expected(pa: number): number {
    return this.memory.readShadow(pa);
  }

  /** A CPU stored `value` at `pa` through `va`. */
  store(pa: number, value: number, cpu: number, va: number): void {
    this.memory.writeShadow(pa, value);
    const frame = this.frameFor(pa);
    const w = (pa >>> 2) & (this.wordsPerFrame - 1);
    frame[2 * w] = va;
    frame[2 * w + 1] = this.context * 1024 + (cpu + 1) * 4 + CPU_STORE;
  }

  /** The DMA device wrote `value` at `pa`. */
  deviceStore(pa: number, value: number): void {
    this.memory.writeShadow(pa, value);
    const frame = this.frameFor(pa);
    const w = (pa >>> 2) & (this.wordsPerFrame - 1);
    frame[2 * w] = 0;
    frame[2 * w + 1] = this.context * 1024 + DEVICE_STORE;
  }

  /** Initial content: `value` at `pa`, written by nobody. */
  poke(pa: number, value: number): void {
    this.memory.writeShadow(pa, value);
    const frame = this.frameFor(pa);
    const w = (pa >>> 2) & (this.wordsPerFrame - 1);
    frame[2 * w] = 0;
    frame[2 * w + 1] = INITIAL;
  }

  /** The store that wrote the value expected at `pa` (null: initial content). */
  writerOf(pa: number): StoreOrigin | null {
    const frame = this.frameOf(pa >>> this.pageShift);
    if (frame === undefined) return null;
    const w = (pa >>> 2) & (this.wordsPerFrame - 1);
    const code = frame[2 * w + 1];
    const writer = code % 4;
    if (writer === INITIAL) return null;
    const context = Math.floor(code / 1024);
    const device = writer === DEVICE_STORE;
    const va = frame[2 * w];
    return {
      step: this.contextSteps[context],
      cpu: Math.floor((code % 1024) / 4) - 1,
      va: device ? null : va,
      colour: device ? null : this.colourOf(va),
      actor: this.contextActors[context],
    };
  }

  /** Every place a copy of the word at `pa` sits now: cache lines (CPU, D then I, slot order), then memory. */
  residences(pa: number): Residence[] {
    const out: Residence[] = [];
    for (const cache of this.caches) {
      const n = cache.slotsOf(pa >>> cache.lineShift, this.found);
      for (let i = 0; i < n; i++) out.push(residenceOf(cache, this.found[i], pa));
    }
    out.push({ place: "memory", value: this.memory.read(pa) });
    return out;
  }

  /**
   * Record a violation of `kind` seen now: the hardware returned `got` at `pa` where the shadow holds another
   * value. `va`/`colour` are null for the device. Returns the violation (also appended to `violations`).
   */
  report(
    kind: ViolationKind,
    cpu: number,
    va: Address | null,
    colour: number | null,
    pa: number,
    got: number,
  ): Violation {
    const violation: Violation = {
      kind,
      step: this.contextSteps[this.context],
      actor: this.contextActors[this.context],
      cpu,
      va,
      colour,
      pa,
      expected: this.expected(pa),
      got,
      writer: this.writerOf(pa),
      residences: this.residences(pa),
    };
    this.violations.push(violation);
    return violation;
  }

  /**
   * End of run. `lost-write`: a word whose expected value is neither in memory nor in any D-cache line
   * (I-cache copies do not count: they are never written back). `dirty-alias-conflict`: two or more dirty
   * D-cache copies of one physical line (in one cache at two colours or VAs, or in two CPUs' caches) that
   * disagree. Each is reported once per word (lost-write) or line (conflict), lost writes first, each kind in
   * ascending physical address. Returns the violations added by this call.
   */
  finish(): Violation[] {
    const added: Violation[] = [];
    const dcaches = this.caches.filter((cache) => cache.kind === "d");
    const words = this.wordsPerFrame;
    for (const pfn of this.frames.pfns()) {
      // memory and shadow interleaved (memory.ts): only a word whose two planes differ needs a closer look
      const planes = this.memory.planesOf(pfn);
      if (planes === undefined) continue;
      for (let w = 0; w < words; w++) {
        const expected = planes[2 * w + 1];
        if (planes[2 * w] === expected) continue;
        const pa = pfn * 2 ** this.pageShift + w * 4;
        if (this.inSomeCache(dcaches, pa, expected)) continue;
        const writer = this.writerOf(pa);
        const v = this.endOfRun(
          "lost-write",
          pa,
          writer?.cpu ?? -1,
          writer?.va ?? null,
          writer?.colour ?? null,
        );
        if (v !== undefined) added.push(v);
      }
    }
    for (const v of this.dirtyAliasConflicts(dcaches)) added.push(v);
    return added;
  }

  private inSomeCache(dcaches: readonly Cache[], pa: number, value: number): boolean {
    for (const cache of dcaches) {
      const n = cache.slotsOf(pa >>> cache.lineShift, this.found);
      for (let i = 0; i < n; i++) if (cache.wordAt(this.found[i], pa) === value) return true;
    }
    return false;
  }

  private dirtyAliasConflicts(dcaches: readonly Cache[]): Violation[] {
    const copies = new Map<number, { cache: Cache; slot: number }[]>();
    for (const cache of dcaches) {
      const { tags, dirty } = cache.tagStore;
      const slots = cache.sets * cache.ways;
      for (let slot = 0; slot < slots; slot++) {
        if (dirty[slot] === 0 || tags[slot] === -1) continue; // cache.isDirty(slot), without the calls
        const line = cache.lineOf[slot];
        const list = copies.get(line);
        if (list === undefined) copies.set(line, [{ cache, slot }]);
        else list.push({ cache, slot });
      }
    }
    const added: Violation[] = [];
    for (const line of [...copies.keys()].sort((a, b) => a - b)) {
      const list = copies.get(line)!;
      if (list.length < 2) continue;
      const { lineSize } = list[0].cache;
      const linePa = line * lineSize;
      for (let offset = 0; offset < lineSize; offset += 4) {
        const pa = linePa + offset;
        const first = list[0].cache.wordAt(list[0].slot, pa);
        if (list.every(({ cache, slot }) => cache.wordAt(slot, pa) === first)) continue;
        // The copies disagree at this word: blame the first copy that differs from the coherent value.
        const expected = this.expected(pa);
        const stale = list.find(({ cache, slot }) => cache.wordAt(slot, pa) !== expected) ?? list[0];
        const residence = residenceOf(stale.cache, stale.slot, pa);
        const v = this.endOfRun(
          "dirty-alias-conflict",
          linePa,
          stale.cache.cpu,
          residence.va ?? null,
          residence.colour ?? null,
          pa,
        );
        if (v !== undefined) {
          v.got = residence.value;
          added.push(v);
        }
        break;
      }
    }
    return added;
  }

  /** An end-of-run violation about word `pa` (keyed by `key`), unless it was reported before. */
  private endOfRun(
    kind: ViolationKind,
    key: number,
    cpu: number,
    va: Address | null,
    colour: number | null,
    pa = key,
  ): Violation | undefined {
    const id = `${kind}:${key}`;
    if (this.reported.has(id)) return undefined;
    this.reported.add(id);
    return this.report(kind, cpu, va, colour, pa, this.memory.read(pa));
  }
}

/** The residence of the word at `pa` in `slot` of `cache`. */
export function residenceOf(cache: Cache, slot: number, pa: number): Residence {
  const vivt = cache.geometry.indexing === "vivt";
  return {
    place: "cache",
    cpu: cache.cpu,
    cache: cache.kind,
    set: Math.floor(slot / cache.ways),
    way: slot % cache.ways,
    colour: cache.colourOfSlot(slot),
    // The virtual address of this word through the line's virtual tag.
    ...(vivt
      ? { va: (((cache.vaLineOf[slot] << cache.lineShift) >>> 0) + (pa & (cache.lineSize - 1))) >>> 0 }
      : {}),
    dirty: cache.isDirty(slot),
    value: cache.wordAt(slot, pa),
  };
}
