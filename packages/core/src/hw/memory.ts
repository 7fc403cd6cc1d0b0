// Physical memory: sparse frames of 32-bit words, allocated on the first store and zero-filled.
// Caches fill and write back whole lines through readLine/writeLine; the DMA device, uncached accesses and
// write-through stores use read/write.
import { UserError } from "../errors.js";
import { arrayPool, type PooledArrayKind, slotPool } from "./pool.js";

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
  return Math.log2(pageSize);
}

/** Frames per second-level table of a FrameTable. */
const LEAF_BITS = 10;
const LEAF_SIZE = 1 << LEAF_BITS;
const LEAF_MASK = LEAF_SIZE - 1;

/**
 * A sparse table indexed by page frame number: two levels of plain arrays (1024 frames a leaf), so that a
 * lookup is two array loads and memory grows only with the frames in use. Physical addresses are 32-bit,
 * so a table never has more than 2^20 frames (4 KiB pages).
 */
export class FrameTable<T> {
  private readonly dirs: (Array<T | undefined> | undefined)[];
  /** The frame numbers set, so that release() clears just those slots. */
  private readonly filled: number[] = [];

  constructor(readonly pageShift: number) {
    const frames = 2 ** (32 - pageShift);
    this.dirs = slotPool.take(Math.ceil(frames / LEAF_SIZE));
  }

  /** The entry of frame `pfn`, if any. */
  get(pfn: number): T | undefined {
    const leaf = this.dirs[pfn >>> LEAF_BITS];
    return leaf === undefined ? undefined : leaf[pfn & LEAF_MASK];
  }

  /** Install the entry of frame `pfn`. */
  set(pfn: number, value: T): void {
    let leaf = this.dirs[pfn >>> LEAF_BITS];
    if (leaf === undefined) {
      leaf = slotPool.take<T>(LEAF_SIZE);
      this.dirs[pfn >>> LEAF_BITS] = leaf;
    }
    if (leaf[pfn & LEAF_MASK] === undefined) this.filled.push(pfn);
    leaf[pfn & LEAF_MASK] = value;
  }

  /** Every frame number with an entry, in ascending order. */
  pfns(): number[] {
    const out: number[] = [];
    for (let d = 0; d < this.dirs.length; d++) {
      const leaf = this.dirs[d];
      if (leaf === undefined) continue;
      for (let i = 0; i < LEAF_SIZE; i++) if (leaf[i] !== undefined) out.push(d * LEAF_SIZE + i);
    }
    return out;
  }

  /** Give the table's arrays back to the pool (pool.ts): the table must not be used afterwards. */
  release(): void {
    for (const pfn of this.filled) this.dirs[pfn >>> LEAF_BITS]![pfn & LEAF_MASK] = undefined;
    for (const pfn of this.filled) {
      const leaf = this.dirs[pfn >>> LEAF_BITS];
      if (leaf === undefined) continue;
      slotPool.give(leaf, true);
      this.dirs[pfn >>> LEAF_BITS] = undefined;
    }
    slotPool.give(this.dirs, true);
    this.filled.length = 0;
  }

  /** Every (pfn, entry) in ascending pfn order. */
  *entries(): IterableIterator<[number, T]> {
    for (let d = 0; d < this.dirs.length; d++) {
      const leaf = this.dirs[d];
      if (leaf === undefined) continue;
      for (let i = 0; i < LEAF_SIZE; i++) {
        const value = leaf[i];
        if (value !== undefined) yield [d * LEAF_SIZE + i, value];
      }
    }
  }
}

/** Frames per chunk: the first chunk, and the most (chunks double in between). */
const FIRST_CHUNK_BYTES = 64 * 1024;
const LARGEST_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Hands out zero-filled typed arrays of one length as views of large shared buffers (chunks that double up to
 * 4 MiB), not one allocation each: frames scattered over the host's pages make every random access of a
 * large simulated memory a host TLB miss (five times slower under virtualisation, measured).
 */
export class ChunkAllocator<T extends Uint32Array | Float64Array> {
  private chunk: T | null = null;
  private used = 0;
  private chunkBytes = FIRST_CHUNK_BYTES;
  /** Every chunk handed out from, with how many of its elements were handed out (for release). */
  private readonly chunks: T[] = [];
  private readonly usedOf: number[] = [];

  constructor(
    private readonly kind: PooledArrayKind<T>,
    private readonly length: number,
  ) {}

  /** A fresh zero-filled array of `length` elements. */
  allocate(): T {
    if (this.chunk === null || this.used + this.length > this.chunk.length) {
      const elements = Math.max(this.length, Math.floor(this.chunkBytes / this.kind.BYTES_PER_ELEMENT));
      this.chunk = arrayPool.take(this.kind, elements);
      this.chunks.push(this.chunk);
      this.usedOf.push(0);
      this.used = 0;
      this.chunkBytes = Math.min(2 * this.chunkBytes, LARGEST_CHUNK_BYTES);
    }
    const view = this.chunk.subarray(this.used, this.used + this.length) as T;
    this.used += this.length;
    this.usedOf[this.usedOf.length - 1] = this.used;
    return view;
  }

  /**
   * Give every chunk back to the pool (pool.ts), zeroing only the part handed out: the arrays allocated so
   * far must not be used afterwards.
   */
  release(): void {
    for (let i = 0; i < this.chunks.length; i++) arrayPool.give(this.chunks[i], this.usedOf[i]);
    this.chunks.length = 0;
    this.usedOf.length = 0;
    this.chunk = null;
  }
}

/**
 * Physical memory: a sparse set of frames of 32-bit words, allocated on the first write and zero-filled, so
 * that reading a frame never written returns 0 without allocating it. Addresses are byte addresses of
 * aligned words.
 *
 * Each frame also carries a second plane of words, the oracle's shadow (oracle.ts): what a coherent machine
 * would hold at each address. The two planes are interleaved word by word (memory at 2w, shadow at 2w+1), so
 * that a line fill and the oracle check of the load that caused it touch one host cache line, not two: on
 * large random working sets the functional path is bound by host memory latency, not by instructions.
 */
export class PhysicalMemory {
  readonly pageShift: number;
  readonly wordsPerFrame: number;
  private readonly frames: FrameTable<Uint32Array>;
  private readonly allocator: ChunkAllocator<Uint32Array>;
  private readonly wordMask: number;
  // One-entry memo of the last frame touched (sequential accesses, and a fill followed by its oracle check).
  private lastPfn = -1;
  private lastFrame: Uint32Array | undefined = undefined;

  /** `pageSize`: 4, 8, 16 or 64 KiB (else UserError naming `where`). */
  constructor(
    readonly pageSize: number,
    where = "pageSize",
  ) {
    this.pageShift = pageShiftOf(pageSize, where);
    this.wordsPerFrame = pageSize >>> 2;
    this.wordMask = this.wordsPerFrame - 1;
    this.frames = new FrameTable(this.pageShift);
    this.allocator = new ChunkAllocator(Uint32Array, 2 * this.wordsPerFrame);
  }

  private frameOf(pfn: number): Uint32Array | undefined {
    if (pfn === this.lastPfn) return this.lastFrame;
    const frame = this.frames.get(pfn);
    if (frame !== undefined) {
      this.lastPfn = pfn;
      this.lastFrame = frame;
    }
    return frame;
  }

  private allocate(pfn: number): Uint32Array {
    let frame = this.frameOf(pfn);
    if (frame === undefined) {
      frame = this.allocator.allocate();
      this.frames.set(pfn, frame);
      this.lastPfn = pfn;
      this.lastFrame = frame;
    }
    return frame;
  }

  /** The word at physical address `pa`. */
  read(pa: number): number {
    const frame = this.frameOf(pa >>> this.pageShift);
    return frame === undefined ? 0 : frame[((pa >>> 2) & this.wordMask) << 1];
  }

  /** Store `value` at physical address `pa`. */
  write(pa: number, value: number): void {
    this.allocate(pa >>> this.pageShift)[((pa >>> 2) & this.wordMask) << 1] = value;
  }

  /** The shadow plane's word at `pa` (the oracle's expected value; 0 where never written). */
  readShadow(pa: number): number {
    const frame = this.frameOf(pa >>> this.pageShift);
    return frame === undefined ? 0 : frame[(((pa >>> 2) & this.wordMask) << 1) | 1];
  }

  /** Set the shadow plane's word at `pa`. */
  writeShadow(pa: number, value: number): void {
    this.allocate(pa >>> this.pageShift)[(((pa >>> 2) & this.wordMask) << 1) | 1] = value;
  }

  /** Copy `words` words starting at `pa` (inside one frame) into `dest` from `offset`. */
  readLine(pa: number, dest: Uint32Array, offset: number, words: number): void {
    const frame = this.frameOf(pa >>> this.pageShift);
    if (frame === undefined) {
      dest.fill(0, offset, offset + words);
      return;
    }
    const start = ((pa >>> 2) & this.wordMask) << 1;
    for (let i = 0; i < words; i++) dest[offset + i] = frame[start + 2 * i];
  }

  /** Copy `words` words of `src` from `offset` to physical memory at `pa` (inside one frame). */
  writeLine(pa: number, src: Uint32Array, offset: number, words: number): void {
    const frame = this.allocate(pa >>> this.pageShift);
    const start = ((pa >>> 2) & this.wordMask) << 1;
    for (let i = 0; i < words; i++) frame[start + 2 * i] = src[offset + i];
  }

  /**
   * The interleaved planes of frame `pfn` (memory at 2w, shadow at 2w+1 for word w), or undefined when the
   * frame was never written (every word of both planes 0). A view for scans (the oracle's end of run): do not
   * write through it.
   */
  planesOf(pfn: number): Uint32Array | undefined {
    return this.frames.get(pfn);
  }

  /** Give the frames' storage back to the pool (pool.ts): the memory must not be used afterwards. */
  release(): void {
    this.frames.release();
    this.allocator.release();
  }

  /** Frames allocated so far, in ascending pfn order. */
  frameNumbers(): number[] {
    return this.frames.pfns();
  }
}
