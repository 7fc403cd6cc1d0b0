import type { CacheGeometry } from "./geometry.js";
import { arrayPool } from "./pool.js";

/** Seeded xorshift32: the only randomness flushlab uses, so that a seed gives byte-identical results. */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/**
 * The tag array of a set-associative cache, as flat typed arrays: slot `set * ways + way`.
 * Holds tags, valid and dirty bits and the replacement state; the data-holding cache (cache.ts) and the
 * trace replayer both build on it. A tag is any non-negative integer the owner chooses (a line number).
 */
export class TagStore {
  /** -1 marks an invalid slot. */
  readonly tags: Int32Array;
  readonly dirty: Uint8Array;
  /** LRU: time of last use; FIFO: time of fill. */
  readonly stamps: Float64Array;
  readonly ways: number;
  readonly sets: number;
  private clock = 0;
  private readonly random: () => number;
  private readonly lru: boolean;
  private readonly fifo: boolean;

  constructor(
    readonly geometry: CacheGeometry,
    seed = 1,
  ) {
    this.ways = geometry.ways;
    this.sets = geometry.sets;
    const slots = geometry.sets * geometry.ways;
    this.tags = arrayPool.take(Int32Array, slots).fill(-1);
    this.dirty = arrayPool.take(Uint8Array, slots);
    this.stamps = arrayPool.take(Float64Array, slots);
    this.random = xorshift32(seed);
    this.lru = geometry.replacement === "lru";
    this.fifo = geometry.replacement === "fifo";
  }

  /** The slot holding `tag` in `set`, or -1. */
  find(set: number, tag: number): number {
    const base = set * this.ways;
    const end = base + this.ways;
    const tags = this.tags;
    for (let slot = base; slot < end; slot++) if (tags[slot] === tag) return slot;
    return -1;
  }

  /** Record a use of `slot` (a hit): moves it to most recently used under LRU. */
  touch(slot: number): void {
    if (this.lru) this.stamps[slot] = ++this.clock;
  }

  /** The slot a fill of `set` replaces: an invalid way first, else the replacement policy's choice. */
  victim(set: number): number {
    const base = set * this.ways;
    const end = base + this.ways;
    const tags = this.tags;
    for (let slot = base; slot < end; slot++) if (tags[slot] === -1) return slot;
    if (!this.lru && !this.fifo) return base + (this.random() % this.ways);
    const stamps = this.stamps;
    let best = base;
    for (let slot = base + 1; slot < end; slot++) if (stamps[slot] < stamps[best]) best = slot;
    return best;
  }

  /** Put `tag` in `slot` (clean), as a fill after a miss. */
  fill(slot: number, tag: number): void {
    this.tags[slot] = tag;
    this.dirty[slot] = 0;
    if (this.lru || this.fifo) this.stamps[slot] = ++this.clock;
  }

  /** Drop the line in `slot` without writing it back. */
  invalidate(slot: number): void {
    this.tags[slot] = -1;
    this.dirty[slot] = 0;
  }

  /** Drop every line. */
  clear(): void {
    this.tags.fill(-1);
    this.dirty.fill(0);
  }

  /** Give the arrays back to the pool (pool.ts): the store must not be used afterwards. */
  release(): void {
    arrayPool.give(this.tags);
    arrayPool.give(this.dirty);
    arrayPool.give(this.stamps);
  }
}
