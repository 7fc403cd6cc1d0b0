// The coherence oracle: a shadow of what a coherent machine would hold, per physical word, with the store
// that wrote it. Every store (a CPU through any alias, the DMA device, pokeMemory) updates it; every load,
// instruction fetch and device read is compared with it by the machine, which calls report() on a mismatch.
// At the end of a run, finish() looks for writes that no longer exist anywhere (lost-write) and for dirty
// copies of one physical line that disagree (dirty-alias-conflict).
import type { Address, Residence, StoreOrigin, Violation, ViolationKind } from "./api.js";
import type { Cache } from "./cache.js";
import type { PhysicalMemory } from "./memory.js";
import { arrayPool } from "./pool.js";

/** The origin code of initial content (pokeMemory): written by nobody. 0 means never written. */
const INITIAL = 1;
/** The writer of a DMA store in an origin code's table (a CPU's is its index + 1). */
const DEVICE = 0;

/**
 * The oracle of one machine. `caches` lists every cache in report order (CPU 0's D and I, CPU 1's, ...);
 * `colourOf` gives the D-cache colour of a virtual address (for StoreOrigin.colour).
 */
export class Oracle {
  /** Violations so far (the machine's `violations`). */
  readonly violations: Violation[] = [];
  /**
   * Per physical word, the store that wrote the expected value, as two 32-bit words side by side: the virtual
   * address, and an origin code (0: never written; INITIAL; else an index into codeContexts/codeWriters).
   * Indexed as memory's arena (the word at `pa` at memory.index(pa), 2 per word), and grown with it: as large
   * as memory and shadow, half the size of a pair of doubles, for a smaller host working set. The expected
   * values themselves live in memory's shadow plane (memory.ts), beside the words they shadow.
   */
  private origins: Uint32Array;
  /** Per origin code: the context (index of contextSteps) and the writer (DEVICE, or the CPU's index + 1). */
  private readonly codeContexts: number[] = [0, 0];
  private readonly codeWriters: number[] = [DEVICE, DEVICE];
  /** Per writer, its origin code in the current context; 0: none yet (assigned at its first store). */
  private readonly writerCodes: Uint32Array;
  private readonly wordsPerFrame: number;
  private readonly pageShift: number;
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
    this.origins = arrayPool.take(Uint32Array, memory.words.length);
    // one writer per CPU (a D- and an I-cache each) and the device
    this.writerCodes = new Uint32Array(caches.length / 2 + 1);
    let most = 1;
    for (const cache of caches) most = Math.max(most, cache.colours * cache.ways);
    this.found = new Int32Array(most);
  }

  /**
   * Give the origins' storage back to the pool (pool.ts): the oracle must not be used afterwards. Before
   * memory's release: only the part of the origins that memory's frames cover was written.
   */
  release(): void {
    arrayPool.give(this.origins, Math.min(this.origins.length, this.memory.usedWords));
  }

  /** The step number and actor stamped on the following stores and violations. */
  setContext(step: number, actor: string): void {
    if (step === this.contextSteps[this.context] && actor === this.contextActors[this.context]) return;
    this.contextSteps.push(step);
    this.contextActors.push(actor);
    this.context = this.contextSteps.length - 1;
    this.writerCodes.fill(0);
  }

  /** The origins grown to cover memory's arena (which has just grown). */
  private growOrigins(): Uint32Array {
    const grown = arrayPool.take(Uint32Array, this.memory.words.length);
    grown.set(this.origins);
    arrayPool.give(this.origins);
    this.origins = grown;
    return grown;
  }

  /** The value a coherent machine holds at `pa` (0 for a word never written). */
  expected(pa: number): number {
    return this.memory.readShadow(pa);
  }

  /** Record `value` as expected at `pa`, written by (`va`, `code`). */
  private record(pa: number, value: number, va: number, code: number): void {
    const i = this.memory.indexFor(pa);
    this.memory.words[i + 1] = value;
    let origins = this.origins;
    if (i >= origins.length) origins = this.growOrigins();
    origins[i] = va;
    origins[i + 1] = code;
  }

  /** The origin code of `writer` (DEVICE, or a CPU's index + 1) in the current context. */
  private codeOf(writer: number): number {
    const code = this.writerCodes[writer];
    return code !== 0 ? code : this.newCode(writer);
  }

  private newCode(writer: number): number {
    const code = this.codeContexts.length;
    this.codeContexts.push(this.context);
    this.codeWriters.push(writer);
    this.writerCodes[writer] = code;
    return code;
  }

  /** A CPU stored `value` at `pa` through `va`. */
  store(pa: number, value: number, cpu: number, va: number): void {
    this.record(pa, value, va, this.codeOf(cpu + 1));
  }

  /** The DMA device wrote `value` at `pa`. */
  deviceStore(pa: number, value: number): void {
    this.record(pa, value, 0, this.codeOf(DEVICE));
  }

  /** Initial content: `value` at `pa`, written by nobody. */
  poke(pa: number, value: number): void {
    this.record(pa, value, 0, INITIAL);
  }

  /** The store that wrote the value expected at `pa` (null: initial content). */
  writerOf(pa: number): StoreOrigin | null {
    const i = this.memory.index(pa);
    if (i < 0 || i >= this.origins.length) return null;
    const code = this.origins[i + 1];
    if (code === 0 || code === INITIAL) return null;
    const context = this.codeContexts[code];
    const writer = this.codeWriters[code];
    const device = writer === DEVICE;
    const va = this.origins[i];
    return {
      step: this.contextSteps[context],
      cpu: writer - 1,
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
    for (const pfn of this.memory.frameNumbers()) {
      if (!this.recorded(pfn)) continue;
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

  /** Whether a store, DMA write or poke ever reached frame `pfn` (only those are checked for lost writes). */
  private recorded(pfn: number): boolean {
    const base = this.memory.index((pfn << this.pageShift) >>> 0);
    const end = Math.min(base + 2 * this.wordsPerFrame, this.origins.length);
    for (let i = base + 1; i < end; i += 2) if (this.origins[i] !== 0) return true;
    return false;
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
