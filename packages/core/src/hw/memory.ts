// Physical memory: sparse frames of 32-bit words, allocated on the first store and zero-filled.
// Caches fill and write back whole lines straight in the arena (index/indexFor and `words`, as readLine and
// writeLine do); the DMA device, uncached accesses and write-through stores use read/write.
import { UserError } from "../errors.js";
import { arrayPool, slotPool } from "./pool.js";

/** The page sizes flushlab models: 4, 8, 16 and 64 KiB. */
export const PAGE_SIZES: readonly number[] = Object.freeze([4096, 8192, 16384, 65536]);

/**
 * Check a page size (4, 8, 16 or 64 KiB) and return log2 of it. Throws a UserError naming `where`
 * otherwise.
 */
export function pageShiftOf(pageSize: number, where = "pageSize"): number {
  if (!PAGE_SIZES.includes(pageSize)) {
    throw new UserError(
      where,
      `page size ${String(pageSize)} is not one of 4096, 8192, 16384 or 65536 bytes (4, 8, 16 or 64 KiB).`,
    );
  }
  // an integer (a small integer to V8), not Math.log2's double: it feeds the shifts of every access
  return 31 - Math.clz32(pageSize);
}

/** Frames per leaf of the frame index (PhysicalMemory: pfn → frame). */
const INDEX_LEAF_BITS = 10;
const INDEX_LEAF_SIZE = 1 << INDEX_LEAF_BITS;
const INDEX_LEAF_MASK = INDEX_LEAF_SIZE - 1;
/** Bytes of the first frame arena (it doubles when full). */
const FIRST_ARENA_BYTES = 64 * 1024;

/**
 * Physical memory: a sparse set of frames of 32-bit words, allocated on the first write and zero-filled, so
 * that reading a frame never written returns 0 without allocating it. Addresses are byte addresses of
 * aligned words.
 *
 * Each frame also carries a second plane of words, the oracle's shadow (oracle.ts): what a coherent machine
 * would hold at each address. The two planes are interleaved word by word (memory at 2w, shadow at 2w+1), so
 * that a line fill and the oracle check of the load that caused it touch one host cache line, not two: on
 * large random working sets the functional path is bound by host memory latency, not by instructions.
 *
 * Every frame lives in one flat arena (`words`, frame k at k × 2 × wordsPerFrame), found through an index of
 * small integer arrays (pfn → k + 1), not as an object per frame: a word is reached in three dependent loads
 * of hot arrays, with no object to chase and nothing for the garbage collector to trace, and the frames sit
 * in one host buffer (frames scattered over the host's pages made every random access of a large simulated
 * memory a host TLB miss, five times slower under virtualisation, measured). The arena doubles when full.
 * `index(pa)` gives the arena position of a word, which the oracle also uses for its own per-word arrays.
 */
export class PhysicalMemory {
  readonly pageShift: number;
  readonly wordsPerFrame: number;
  /** The frames' interleaved planes (see the class comment); replaced by a larger copy when it grows. */
  words: Uint32Array;
  /** The index: leaves of INDEX_LEAF_SIZE frames, each entry k + 1 for arena frame k, 0 for none. */
  private readonly leaves: (Int32Array | undefined)[];
  /** The pfn of each arena frame, in allocation order. */
  private readonly pfnOfFrame: number[] = [];
  private readonly wordMask: number;
  /** log2 of the arena words per frame (2 × wordsPerFrame). */
  private readonly frameShift: number;
  // One-entry memo of the last frame looked up (sequential accesses, and a fill followed by its oracle check).
  private lastPfn = -1;
  private lastBase = 0;

  /** `pageSize`: 4, 8, 16 or 64 KiB (else UserError naming `where`). */
  constructor(
    readonly pageSize: number,
    where = "pageSize",
  ) {
    this.pageShift = pageShiftOf(pageSize, where);
    this.wordsPerFrame = pageSize >>> 2;
    this.wordMask = this.wordsPerFrame - 1;
    this.frameShift = this.pageShift - 1;
    this.leaves = slotPool.take(Math.ceil(2 ** (32 - this.pageShift) / INDEX_LEAF_SIZE));
    this.words = arrayPool.take(Uint32Array, Math.max(FIRST_ARENA_BYTES / 4, 2 * this.wordsPerFrame));
  }

  /** Arena position of the memory word at `pa` (its shadow word follows), or -1 when its frame has none. */
  index(pa: number): number {
    const pfn = pa >>> this.pageShift;
    const word = ((pa >>> 2) & this.wordMask) << 1;
    if (pfn === this.lastPfn) return this.lastBase + word;
    const leaf = this.leaves[pfn >>> INDEX_LEAF_BITS];
    if (leaf === undefined) return -1;
    const entry = leaf[pfn & INDEX_LEAF_MASK];
    if (entry === 0) return -1;
    const base = (entry - 1) << this.frameShift;
    this.lastPfn = pfn;
    this.lastBase = base;
    return base + word;
  }

  /** Arena position of the memory word at `pa`, allocating its frame (zero-filled) when it has none. */
  indexFor(pa: number): number {
    const i = this.index(pa);
    return i >= 0 ? i : this.allocate(pa >>> this.pageShift) + (((pa >>> 2) & this.wordMask) << 1);
  }

  /** Allocate frame `pfn` (which has none): returns its base in the arena. */
  private allocate(pfn: number): number {
    const frame = this.pfnOfFrame.length;
    const base = frame << this.frameShift;
    const end = base + 2 * this.wordsPerFrame;
    if (end > this.words.length) {
      let length = 2 * this.words.length;
      while (length < end) length *= 2;
      const grown = arrayPool.take(Uint32Array, length);
      grown.set(this.words.subarray(0, base));
      arrayPool.give(this.words, base);
      this.words = grown;
    }
    let leaf = this.leaves[pfn >>> INDEX_LEAF_BITS];
    if (leaf === undefined) {
      leaf = arrayPool.take(Int32Array, INDEX_LEAF_SIZE);
      this.leaves[pfn >>> INDEX_LEAF_BITS] = leaf;
    }
    leaf[pfn & INDEX_LEAF_MASK] = frame + 1;
    this.pfnOfFrame.push(pfn);
    this.lastPfn = pfn;
    this.lastBase = base;
    return base;
  }

  /** The word at physical address `pa`. */
  read(pa: number): number {
    const i = this.index(pa);
    return i < 0 ? 0 : this.words[i];
  }

  /** Store `value` at physical address `pa`. */
  write(pa: number, value: number): void {
    const i = this.indexFor(pa); // first: it may move the arena
    this.words[i] = value;
  }

  /** The shadow plane's word at `pa` (the oracle's expected value; 0 where never written). */
  readShadow(pa: number): number {
    const i = this.index(pa);
    return i < 0 ? 0 : this.words[i + 1];
  }

  /** Set the shadow plane's word at `pa`. */
  writeShadow(pa: number, value: number): void {
    const i = this.indexFor(pa); // first: it may move the arena
    this.words[i + 1] = value;
  }

  /** Copy `words` words starting at `pa` (inside one frame) into `dest` from `offset`. */
  readLine(pa: number, dest: Uint32Array, offset: number, words: number): void {
    const start = this.index(pa);
    if (start < 0) {
      dest.fill(0, offset, offset + words);
      return;
    }
    const arena = this.words;
    for (let i = 0; i < words; i++) dest[offset + i] = arena[start + 2 * i];
  }

  /** Copy `words` words of `src` from `offset` to physical memory at `pa` (inside one frame). */
  writeLine(pa: number, src: Uint32Array, offset: number, words: number): void {
    const start = this.indexFor(pa);
    const arena = this.words;
    for (let i = 0; i < words; i++) arena[start + 2 * i] = src[offset + i];
  }

  /**
   * The interleaved planes of frame `pfn` (memory at 2w, shadow at 2w+1 for word w), or undefined when the
   * frame was never written (every word of both planes 0). A view for scans (the oracle's end of run): do not
   * write through it, nor keep it past the next write (the arena may move).
   */
  planesOf(pfn: number): Uint32Array | undefined {
    const base = this.index((pfn << this.pageShift) >>> 0);
    return base < 0 ? undefined : this.words.subarray(base, base + 2 * this.wordsPerFrame);
  }

  /** Give the frames' storage back to the pool (pool.ts): the memory must not be used afterwards. */
  release(): void {
    for (const pfn of this.pfnOfFrame) this.leaves[pfn >>> INDEX_LEAF_BITS]![pfn & INDEX_LEAF_MASK] = 0;
    for (let d = 0; d < this.leaves.length; d++) {
      const leaf = this.leaves[d];
      if (leaf === undefined) continue;
      arrayPool.give(leaf, 0);
      this.leaves[d] = undefined;
    }
    slotPool.give(this.leaves, true);
    arrayPool.give(this.words, this.usedWords);
    this.pfnOfFrame.length = 0;
  }

  /** Arena words in use (frames allocated × 2 × wordsPerFrame): the rest of the arena is still zero. */
  get usedWords(): number {
    return this.pfnOfFrame.length << this.frameShift;
  }

  /** Frames allocated so far, in ascending pfn order. */
  frameNumbers(): number[] {
    return [...this.pfnOfFrame].sort((a, b) => a - b);
  }
}
