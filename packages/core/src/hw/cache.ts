// One L1 cache (D or I) that holds real data. Slot `set * ways + way` has, besides the TagStore's tag, dirty
// bit and replacement stamp: its data words, the physical line it caches (for write-back and for finding
// the copies of a physical line), and, for VIVT caches, the ASID and virtual line it was filled through.
//
// How a line is found (lookup):
//   VIVT  set from the virtual address, tag = full virtual line number (plus the ASID when asidTagged);
//         untagged, a kernel and a user line are told apart only by their virtual address;
//   VIPT  set from the virtual address, tag = full physical line number;
//   PIPT  set and tag from the physical address.
// The physical copies of a line can only sit in the sets that share the page-offset bits of its address:
// one set per page colour. slotsOf() scans just those, so snooping, the oracle's residences and maintenance
// by physical address cost nothing on the access path.
import type { CacheKind, MaintenanceKind } from "./api.js";
import { type CacheGeometry, pageColours } from "./geometry.js";
import type { PhysicalMemory } from "./memory.js";
import { arrayPool } from "./pool.js";
import { TagStore } from "./tag-store.js";

/** Called before a miss fills a line, with the physical byte address and size of that line (snooping). */
export type FillHook = (linePa: number, bytes: number) => void;

/**
 * A set-associative L1 cache with data. The access methods take the virtual address, the physical address
 * it translated to and the ASID of the translating space; each uses what its indexing needs.
 */
export class Cache {
  /** Tags (virtual or physical line numbers), dirty bits and replacement state, per slot. */
  readonly tagStore: TagStore;
  /** Per slot: physical line number (pa >>> lineShift) of the line held. */
  readonly lineOf: Int32Array;
  /** Per slot: ASID of the space the line was filled through (compared on lookup when asidTagged). */
  readonly asidOf: Int32Array;
  /** Per slot: virtual line number (va >>> lineShift) the line was filled through (VIVT's tag). */
  readonly vaLineOf: Int32Array;
  /** Per slot, `wordsPerLine` words: the data. */
  readonly data: Uint32Array;
  /** Number of page colours of this cache at the machine's page size (1: no aliasing). */
  readonly colours: number;
  /** Geometry figures, copied from `geometry` for the access path. */
  readonly ways: number;
  /** Number of sets. */
  readonly sets: number;
  /** Line size in bytes. */
  readonly lineSize: number;
  /** log2 of the line size. */
  readonly lineShift: number;
  /** 32-bit words per line. */
  readonly wordsPerLine: number;

  /** Whether the last read/write hit. */
  lastHit = false;
  /** Hardware snoop before a fill (SMP coherence, coherent I-cache); null: none. */
  beforeFill: FillHook | null = null;
  /** Where a miss looks before memory (an I-cache that fills from the D-cache); null: memory only. */
  fillSource: Cache | null = null;

  /** Read hits (an I-cache's fetch hits). */
  readHits = 0;
  /** Read misses (an I-cache's fetch misses). */
  readMisses = 0;
  /** Write hits. */
  writeHits = 0;
  /** Write misses (allocating or not). */
  writeMisses = 0;
  /** Dirty lines written back: evictions, cleans, flushes, snoops. */
  writebacks = 0;
  /** Line maintenance operations by kind: each line position examined counts one. */
  readonly lineOps: Record<MaintenanceKind, number> = { clean: 0, invalidate: 0, flush: 0 };
  /** Whole-cache maintenance operations. */
  wholeCacheOps = 0;

  private readonly tags: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly indexByPa: boolean;
  private readonly tagByVa: boolean;
  private readonly asidTagged: boolean;
  private readonly writeBack: boolean;
  private readonly writeAllocate: boolean;
  private readonly setMask: number;
  private readonly wordMask: number;
  private readonly linesPerPage: number;
  /** Set and tag computed by the last find(), used by the fill that follows a miss. */
  private lastSet = 0;
  private lastTag = 0;
  private readonly found: Int32Array;

  constructor(
    readonly geometry: CacheGeometry,
    readonly kind: CacheKind,
    readonly cpu: number,
    private readonly memory: PhysicalMemory,
    readonly pageSize: number,
    seed: number,
  ) {
    this.tagStore = new TagStore(geometry, seed);
    this.tags = this.tagStore.tags;
    this.dirty = this.tagStore.dirty;
    const slots = geometry.sets * geometry.ways;
    // Read only in valid slots, and written by every fill: their content in an invalid slot never shows, so
    // recycled arrays need no clearing (pool.ts takeScratch).
    this.lineOf = arrayPool.takeScratch(Int32Array, slots);
    this.asidOf = arrayPool.takeScratch(Int32Array, slots);
    this.vaLineOf = arrayPool.takeScratch(Int32Array, slots);
    this.data = arrayPool.takeScratch(Uint32Array, slots * geometry.wordsPerLine);
    this.colours = pageColours(geometry, pageSize);
    // `| 0`: small integers to V8 whatever arithmetic derived them (a double field costs a conversion per use)
    this.ways = geometry.ways | 0;
    this.sets = geometry.sets | 0;
    this.lineSize = geometry.lineSize | 0;
    this.lineShift = geometry.lineShift | 0;
    this.wordsPerLine = geometry.wordsPerLine | 0;
    this.indexByPa = geometry.indexing === "pipt";
    this.tagByVa = geometry.indexing === "vivt";
    this.asidTagged = geometry.asidTagged;
    this.writeBack = geometry.writePolicy === "write-back";
    this.writeAllocate = geometry.writeAllocate;
    this.setMask = geometry.setMask | 0;
    this.wordMask = this.wordsPerLine - 1;
    this.linesPerPage = (pageSize / geometry.lineSize) | 0;
    this.found = new Int32Array(Math.max(1, this.colours) * geometry.ways);
  }

  // ── The access path ────────────────────────────────────────────────────────────────────────────────

  // The hit paths are kept short (misses, ASID-tagged lookups and write-through in methods of their own) so
  // that V8 inlines them, lookup included, into the machine's load, store and fetch.

  /** The slot holding the line of this access, or -1. */
  find(va: number, pa: number, asid: number): number {
    const shift = this.lineShift;
    const set = ((this.indexByPa ? pa : va) >>> shift) & this.setMask;
    const tag = (this.tagByVa ? va : pa) >>> shift;
    this.lastSet = set;
    this.lastTag = tag;
    if (this.asidTagged) return this.findTagged(set, tag, asid);
    const tags = this.tags;
    const end = (set + 1) * this.ways;
    for (let slot = set * this.ways; slot < end; slot++) if (tags[slot] === tag) return slot;
    return -1;
  }

  private findTagged(set: number, tag: number, asid: number): number {
    const tags = this.tags;
    const asids = this.asidOf;
    const end = (set + 1) * this.ways;
    for (let slot = set * this.ways; slot < end; slot++) {
      if (tags[slot] === tag && asids[slot] === asid) return slot;
    }
    return -1;
  }

  /** Read the word at `pa` (a load, or an I-cache's fetch): a hit, or a miss that fills the line. */
  read(va: number, pa: number, asid: number): number {
    const slot = this.find(va, pa, asid);
    if (slot < 0) return this.readMiss(va, pa, asid);
    this.readHits++;
    this.lastHit = true;
    this.tagStore.touch(slot);
    return this.data[slot * this.wordsPerLine + ((pa >>> 2) & this.wordMask)];
  }

  private readMiss(va: number, pa: number, asid: number): number {
    this.readMisses++;
    this.lastHit = false;
    const slot = this.fill(va, pa, asid);
    return this.data[slot * this.wordsPerLine + ((pa >>> 2) & this.wordMask)];
  }

  /**
   * Write `value` at `pa`. A hit writes the line (dirty under write-back; also memory under write-through).
   * A miss allocates under write-allocate, else writes memory directly and leaves the cache alone.
   */
  write(va: number, pa: number, asid: number, value: number): void {
    const slot = this.find(va, pa, asid);
    if (slot < 0) {
      this.writeMiss(va, pa, asid, value);
      return;
    }
    this.writeHits++;
    this.lastHit = true;
    this.tagStore.touch(slot);
    this.data[slot * this.wordsPerLine + ((pa >>> 2) & this.wordMask)] = value;
    if (this.writeBack) this.dirty[slot] = 1;
    else this.memory.write(pa, value);
  }

  private writeMiss(va: number, pa: number, asid: number, value: number): void {
    this.writeMisses++;
    this.lastHit = false;
    if (!this.writeAllocate) {
      this.memory.write(pa, value);
      return;
    }
    const slot = this.fill(va, pa, asid);
    this.data[slot * this.wordsPerLine + ((pa >>> 2) & this.wordMask)] = value;
    if (this.writeBack) this.dirty[slot] = 1;
    else this.memory.write(pa, value);
  }

  /**
   * After a miss (find() set lastSet/lastTag): pick the victim, write it back if dirty, and fill the line
   * from the fill source when it holds the line at the same lookup, else from memory.
   */
  private fill(va: number, pa: number, asid: number): number {
    const shift = this.lineShift;
    const line = pa >>> shift;
    if (this.beforeFill !== null) this.beforeFill((line << shift) >>> 0, this.lineSize);
    const slot = this.tagStore.victim(this.lastSet);
    if (this.tags[slot] !== -1 && this.dirty[slot] !== 0) this.writeBackSlot(slot);
    this.tagStore.fill(slot, this.lastTag);
    this.lineOf[slot] = line;
    this.asidOf[slot] = asid;
    this.vaLineOf[slot] = va >>> shift;
    if (this.fillSource !== null && this.fillFromSource(slot, va, pa, asid)) return slot;
    // memory.readLine, by hand: this is the access path's heaviest step, kept to one lookup and one loop
    const words = this.wordsPerLine;
    const data = this.data;
    const offset = slot * words;
    const start = this.memory.index((line << shift) >>> 0);
    if (start < 0) {
      for (let i = 0; i < words; i++) data[offset + i] = 0;
      return slot;
    }
    const arena = this.memory.words;
    for (let i = 0; i < words; i++) data[offset + i] = arena[start + 2 * i];
    return slot;
  }

  /** Fill `slot` from the fill source when a lookup there hits: whether it did. */
  private fillFromSource(slot: number, va: number, pa: number, asid: number): boolean {
    const source = this.fillSource!;
    const from = source.find(va, pa, asid);
    if (from < 0) return false;
    const words = this.wordsPerLine;
    const src = source.data;
    const start = from * words;
    const offset = slot * words;
    for (let i = 0; i < words; i++) this.data[offset + i] = src[start + i];
    return true;
  }

  /** Write the line in `slot` back to memory (all its words) and mark it clean. */
  writeBackSlot(slot: number): void {
    // memory.writeLine, by hand (see fill)
    const words = this.wordsPerLine;
    const data = this.data;
    const offset = slot * words;
    const start = this.memory.indexFor((this.lineOf[slot] << this.lineShift) >>> 0);
    const arena = this.memory.words; // after indexFor, which may move it
    for (let i = 0; i < words; i++) arena[start + 2 * i] = data[offset + i];
    this.dirty[slot] = 0;
    this.writebacks++;
  }

  // ── Copies of a physical line ────────────────────────────────────────────────────────────────────────

  /**
   * The slots holding physical line `paLine` (pa >>> lineShift), at every colour, in ascending slot order:
   * written into `out` (at least colours × ways long), returning their number.
   */
  slotsOf(paLine: number, out: Int32Array): number {
    const tags = this.tags;
    const lines = this.lineOf;
    const ways = this.ways;
    let n = 0;
    if (this.colours === 1) {
      const base = (paLine & this.setMask) * ways;
      for (let slot = base; slot < base + ways; slot++) {
        if (tags[slot] !== -1 && lines[slot] === paLine) out[n++] = slot;
      }
      return n;
    }
    const offsetSet = paLine & (this.linesPerPage - 1);
    for (let colour = 0; colour < this.colours; colour++) {
      const base = (offsetSet + colour * this.linesPerPage) * ways;
      for (let slot = base; slot < base + ways; slot++) {
        if (tags[slot] !== -1 && lines[slot] === paLine) out[n++] = slot;
      }
    }
    return n;
  }

  /** Whether `slot` holds a dirty line. */
  isDirty(slot: number): boolean {
    return this.tags[slot] !== -1 && this.dirty[slot] !== 0;
  }

  /** The word of physical address `pa` in `slot` (which must hold its line). */
  wordAt(slot: number, pa: number): number {
    return this.data[slot * this.wordsPerLine + ((pa >>> 2) & this.wordMask)];
  }

  /** The page colour of the set `slot` is in (0 when the cache has one colour). */
  colourOfSlot(slot: number): number {
    if (this.colours === 1) return 0;
    return Math.floor(Math.floor(slot / this.ways) / this.linesPerPage);
  }

  /** Hardware snoop: write back the dirty copies of the lines of [pa, pa+bytes), keeping them (now clean). */
  snoopClean(pa: number, bytes: number): void {
    const end = pa + bytes;
    for (let line = pa >>> this.lineShift; line * this.lineSize < end; line++) {
      const n = this.slotsOf(line, this.found);
      for (let i = 0; i < n; i++) if (this.dirty[this.found[i]] !== 0) this.writeBackSlot(this.found[i]);
    }
  }

  /** Hardware snoop: write back the dirty copies of the lines of [pa, pa+bytes), then drop every copy. */
  snoopInvalidate(pa: number, bytes: number): void {
    const end = pa + bytes;
    for (let line = pa >>> this.lineShift; line * this.lineSize < end; line++) {
      const n = this.slotsOf(line, this.found);
      for (let i = 0; i < n; i++) {
        const slot = this.found[i];
        if (this.dirty[slot] !== 0) this.writeBackSlot(slot);
        this.tagStore.invalidate(slot);
      }
    }
  }

  /** The first dirty copy of physical line `paLine`, or -1. */
  dirtySlotOf(paLine: number): number {
    const n = this.slotsOf(paLine, this.found);
    for (let i = 0; i < n; i++) if (this.dirty[this.found[i]] !== 0) return this.found[i];
    return -1;
  }

  // ── Maintenance ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Apply `kind` to `slot`; true when the line was acted on: clean acts on a dirty line (written back);
   * invalidate drops the line (a dirty line's data is lost); flush writes back a dirty line and drops it.
   */
  maintainSlot(slot: number, kind: MaintenanceKind): boolean {
    if (this.tags[slot] === -1) return false;
    const dirty = this.dirty[slot] !== 0;
    if (kind === "clean") {
      if (!dirty) return false;
      this.writeBackSlot(slot);
      return true;
    }
    if (kind === "flush" && dirty) this.writeBackSlot(slot);
    this.tagStore.invalidate(slot);
    return true;
  }

  /**
   * Maintenance of the one line that an access at (va, pa, asid) would find (a by-VA operation; VIVT needs no
   * pa). Counts one line operation; returns the lines acted on (0 or 1).
   */
  maintainLine(va: number, pa: number, asid: number, kind: MaintenanceKind): number {
    this.lineOps[kind]++;
    const slot = this.find(va, pa, asid);
    return slot >= 0 && this.maintainSlot(slot, kind) ? 1 : 0;
  }

  /**
   * Maintenance of physical line `paLine` as a mapping at page colour `colour` (modulo this cache's colours)
   * would reach it: VIPT indexes the set from the colour, PIPT by physical address (colour ignored). A VIVT cache cannot be addressed
   * this way (its tags are virtual): that is a bug of the caller, which must map the page at a VA.
   */
  maintainAtColour(paLine: number, colour: number, kind: MaintenanceKind): number {
    if (this.tagByVa) {
      throw new Error(
        "maintenance by physical address at a colour on a VIVT cache: map the page at a virtual address and maintain by VA",
      );
    }
    this.lineOps[kind]++;
    const set =
      this.indexByPa || this.colours === 1
        ? paLine & this.setMask
        : (paLine & (this.linesPerPage - 1)) + (colour % this.colours) * this.linesPerPage;
    const base = set * this.ways;
    let touched = 0;
    for (let slot = base; slot < base + this.ways; slot++) {
      if (this.tags[slot] === paLine && this.maintainSlot(slot, kind)) touched++;
    }
    return touched;
  }

  /** Maintenance of every copy of physical line `paLine` at every colour (counts one line op per colour). */
  maintainEveryColour(paLine: number, kind: MaintenanceKind): number {
    this.lineOps[kind] += this.colours;
    const n = this.slotsOf(paLine, this.found);
    let touched = 0;
    for (let i = 0; i < n; i++) if (this.maintainSlot(this.found[i], kind)) touched++;
    return touched;
  }

  /** Give the arrays back to the pool (pool.ts): the cache must not be used afterwards. */
  release(): void {
    this.tagStore.release();
    arrayPool.giveScratch(this.lineOf);
    arrayPool.giveScratch(this.asidOf);
    arrayPool.giveScratch(this.vaLineOf);
    arrayPool.giveScratch(this.data);
  }

  /** Maintenance of the whole cache (one whole-cache operation). */
  maintainAll(kind: MaintenanceKind): number {
    this.wholeCacheOps++;
    let touched = 0;
    for (let slot = 0; slot < this.tags.length; slot++) if (this.maintainSlot(slot, kind)) touched++;
    return touched;
  }
}
