/**
 * The trace replayer: a tags-only cache engine on {@link TagStore}, with the statistics Dinero IV prints.
 *
 * Routing (as Dinero IV's cmdmain.c does): instruction fetches go to the I-cache when there is one, else to
 * the D-cache, which is then a unified cache; reads, writes, misc and copy-backs go to the D-cache;
 * an invalidate goes to both. After the last reference the whole D-cache is copied back, as Dinero does
 * (its "copy everything back at the end"), so that bytes to memory count every dirty line once.
 *
 * Two conventions for an access that straddles lines and for lackey's modify:
 * - `dinero` (the default, and `flushlab trace`'s): an access is split at line boundaries and each piece is
 *   a demand fetch of its own, counted and possibly missing on its own (ref.c d4_splitm); "multi-block refs"
 *   counts the extra pieces. A modify is a read followed by a write of the same bytes.
 * - `cachegrind`: an access is one demand fetch whatever it spans; every line it touches is looked up and
 *   filled in address order, and it is one miss if any line missed (cg_sim.c cachesim_ref_is_miss). A modify
 *   is one read (cg_main.c: "Data read or modify"). Data sizes are clamped to the smallest line size, as
 *   cachegrind clamps large data accesses to its min_line_size.
 */
import { UserError } from "../errors.js";
import { type CacheGeometry, cacheGeometry } from "../hw/geometry.js";
import { TagStore } from "../hw/tag-store.js";
import { type RefBatch, RefType } from "./batch.js";

/** How straddling accesses and modifies are counted; see the module's documentation. */
export type Convention = "dinero" | "cachegrind";

/** What to replay through. */
export interface ReplayOptions {
  /** The data cache (a unified cache when `i1` is absent). */
  d1: CacheGeometry;
  /** The instruction cache, if separate. */
  i1?: CacheGeometry;
  /** Default `dinero`. */
  convention?: Convention;
  /** Seed of the random replacement policy (xorshift32). Default 1. */
  seed?: number;
  /**
   * `cachegrind` convention only: data accesses larger than this are clamped to it. Default the smallest
   * line size of the caches, as cachegrind's min_line_size over I1, D1 and LL (give LL's when smaller).
   */
  maxDataSize?: number;
  /** Copy the whole D-cache back after the last reference, as Dinero IV does. Default true. */
  finalCopyBack?: boolean;
}

/** Counts by access type, as Dinero's columns: total = instrn + data, data = read + write + misc. */
export interface TypeCounts {
  total: number;
  instrn: number;
  data: number;
  read: number;
  write: number;
  misc: number;
}

/** One cache's statistics after a replay. */
export interface CacheStats {
  /** Dinero's name: `l1-icache`, `l1-dcache`, or `l1-ucache` for a unified cache. */
  name: string;
  size: number;
  ways: number;
  lineSize: number;
  sets: number;
  writePolicy: CacheGeometry["writePolicy"];
  writeAllocate: boolean;
  replacement: CacheGeometry["replacement"];
  /** Demand fetches (accesses) by type. */
  fetches: TypeCounts;
  /** Demand misses by type. */
  misses: TypeCounts;
  /** Miss rates (misses / fetches; 0 when there was no fetch) by type. */
  missRates: TypeCounts;
  /** Extra pieces made by splitting accesses at line boundaries (`dinero` convention; else 0). */
  multiBlockRefs: number;
  /** Bytes fetched from memory: a line per fill, except a write that covers its whole line. */
  bytesFromMemory: number;
  /** Bytes written to memory: dirty lines written back or copied back, and write-through/around stores. */
  bytesToMemory: number;
  /** Dirty lines written back on eviction. */
  writeBacks: number;
  /** `c` records this cache processed. */
  copyBackRecords: number;
  /** Dirty lines those records copied back. */
  linesCopiedBack: number;
  /** Dirty lines copied back at the end of the trace (Dinero's final copy-back). */
  finalCopyBackLines: number;
  /** `v` records this cache processed. */
  invalidateRecords: number;
  /** Valid lines those records dropped. */
  linesInvalidated: number;
  /** Of those, dirty lines dropped without a write-back: writes lost, as the record asked. */
  dirtyLinesDropped: number;
}

/** The result of a replay. */
export interface ReplayResult {
  convention: Convention;
  /** Trace records replayed. */
  references: number;
  /** The I-cache first when there is one, then the D-cache (or the unified cache). */
  caches: CacheStats[];
}

// Counter slots of one cache: fetches by type 0..3, misses by type at 4 + type, then the rest.
const MISS = 4;
const MULTI_BLOCK = 8;
const BYTES_FROM = 9;
const BYTES_TO = 10;
const WRITE_BACKS = 11;
const COPY_BACK_RECORDS = 12;
const LINES_COPIED_BACK = 13;
const FINAL_COPY_BACK = 14;
const INVALIDATE_RECORDS = 15;
const LINES_INVALIDATED = 16;
const DIRTY_DROPPED = 17;
const COUNTERS = 18;

const LRU = 0;
const FIFO = 1;
const RANDOM = 2;

/** One cache of the replayer: a TagStore (or its share of one) plus its policies and counters. */
class ReplayCache {
  readonly store: TagStore;
  readonly tags: Int32Array;
  readonly dirty: Uint8Array;
  readonly stamps: Float64Array;
  /** The first of this cache's slots in the store's arrays (0 unless the store is shared). */
  readonly first: number;
  /** One past the last of this cache's slots. */
  readonly end: number;
  readonly counters = new Float64Array(COUNTERS);
  readonly ways: number;
  readonly setMask: number;
  readonly lineSize: number;
  /** 1 / lineSize and 1 / sets: exact, since both are powers of two. */
  readonly invLine: number;
  readonly invSets: number;
  readonly writeBack: boolean;
  readonly writeAllocate: boolean;
  readonly policy: number;
  /** Addresses must be below this for a tag (address / way size) to fit the TagStore's 31 bits. */
  readonly addressLimit: number;
  /**
   * Whether {@link runFast} may replay this cache's references: LRU, write-back, write-allocate, and no data
   * size within a line is clamped.
   */
  readonly fast: boolean;
  clock = 0;
  /** Indices collected for the other cache during the current {@link run}. */
  private collected = 0;

  constructor(
    readonly name: string,
    readonly geometry: CacheGeometry,
    seed: number,
    readonly dinero: boolean,
    /** Data accesses larger than this are clamped to it (cachegrind convention; else infinite). */
    readonly maxDataSize: number,
    /** A store shared with the other cache (see {@link pairStore}); by default the cache has its own. */
    store?: TagStore,
    /** This cache's first set in that store: its slots are `first .. first + sets × ways`. */
    readonly firstSet = 0,
  ) {
    this.store = store ?? new TagStore(geometry, seed);
    this.first = firstSet * geometry.ways;
    this.end = this.first + geometry.sets * geometry.ways;
    this.tags = this.store.tags;
    this.dirty = this.store.dirty;
    this.stamps = this.store.stamps;
    this.ways = geometry.ways;
    this.setMask = geometry.setMask;
    this.lineSize = geometry.lineSize;
    this.invLine = 1 / geometry.lineSize;
    this.invSets = 1 / geometry.sets;
    this.writeBack = geometry.writePolicy === "write-back";
    this.writeAllocate = geometry.writeAllocate;
    this.policy = geometry.replacement === "lru" ? LRU : geometry.replacement === "fifo" ? FIFO : RANDOM;
    this.addressLimit = Math.min(2 ** 31 * geometry.waySize, 2 ** 53);
    this.fast = this.policy === LRU && this.writeBack && this.writeAllocate && maxDataSize >= this.lineSize;
  }

  /**
   * Replay, in order, the references of `batch` that this cache takes: all of them (`list` null), or those
   * at the `count` indices in `list`. The indices of references this cache does not take, and of
   * invalidates (which both caches take), go to `collect` for the other cache's pass; returns how many.
   */
  run(batch: RefBatch, list: Int32Array | null, count: number, collect: Int32Array | null): number {
    this.collected = 0;
    const skip = collect === null ? -1 : RefType.ifetch;
    let j = 0;
    while (j < count) {
      if (this.policy !== RANDOM) j = this.runInline(batch, list, j, count, collect, skip);
      if (j === count) break;
      // one reference the inline loop does not take
      const k = list === null ? j : list[j];
      const type = batch.types[k];
      if (type === skip) collect![this.collected++] = k;
      else {
        if (type === RefType.invalidate && collect !== null) collect[this.collected++] = k;
        if (type > RefType.misc) this.record(type, batch.addrs[k], batch.sizes[k]);
        else {
          const size = batch.sizes[k];
          this.demand(
            type,
            batch.addrs[k],
            type === RefType.ifetch ? size : Math.min(size, this.maxDataSize),
          );
        }
      }
      j++;
    }
    return this.collected;
  }

  /**
   * The common case, inline: demand reads, writes and instruction fetches within one line of an LRU or FIFO
   * cache, from index `from`, until `count` or the first reference it leaves to {@link run} (a misc or
   * other record, a straddling access, a size of 0 at a line boundary); returns that index. It calls nothing,
   * keeps the cache's state in locals, and has no data-dependent branch on the access type. Invalid slots
   * always have dirty 0 and stamp 0 (valid lines' stamps start at 1), so the victim is simply the slot with
   * the smallest stamp, the first invalid one if any.
   */
  private runInline(
    batch: RefBatch,
    list: Int32Array | null,
    from: number,
    count: number,
    collect: Int32Array | null,
    skip: number,
  ): number {
    const types = batch.types;
    const addrs = batch.addrs;
    const sizes = batch.sizes;
    const counters = this.counters;
    const tags = this.tags;
    const dirty = this.dirty;
    const stamps = this.stamps;
    const ways = this.ways;
    const first = this.first;
    const setMask = this.setMask;
    const invLine = this.invLine;
    const invWay = 1 / this.geometry.waySize;
    const lineShift = this.geometry.lineShift;
    // every address and end below 2^32: the line and tag by shifts (the same numbers, fewer instructions)
    const narrow = batch.maxEnd <= 2 ** 32;
    const wayShift = lineShift + this.geometry.setShift;
    const writeBack = this.writeBack ? 1 : 0;
    const writeThrough = 1 - writeBack;
    const writeAllocate = this.writeAllocate;
    const lru = this.policy === LRU;
    const maxData = this.maxDataSize;
    let clock = this.clock;
    let collected = this.collected;
    // demand accesses: all of them, the writes, the instruction fetches; and their misses
    let fetches = 0;
    let writes = 0;
    let ifetches = 0;
    let misses = 0;
    let writeMisses = 0;
    let ifetchMisses = 0;
    let writeArounds = 0;
    let wholeLineWrites = 0;
    let bytesTo = 0;
    let writeBacks = 0;
    let j = from;
    for (; j < count; j++) {
      const k = list === null ? j : list[j];
      const type = types[k];
      if (type === skip) {
        collect![collected++] = k;
        continue;
      }
      const address = addrs[k];
      let size = sizes[k];
      if (size > maxData && type !== RefType.ifetch) size = maxData;
      // Integer truncations (ToInt32), not Math.floor, on this critical path: addresses are non-negative,
      // so `x | 0` is the low 32 bits of floor(x). That is all the set index needs; two line numbers less
      // than 2^32 apart are equal exactly when their low 32 bits are; and replay()'s range check keeps the
      // tag, address / way size, below 2^31.
      const line = narrow ? address >>> lineShift : (address * invLine) | 0;
      // the last byte's line (an access of size 0 at address 0 ends at -1: the truncation puts that in line 0)
      const last = address + size - 1;
      const straddles = narrow ? last >>> lineShift !== line && last >= 0 : ((last * invLine) | 0) !== line;
      if (type > RefType.ifetch || straddles) break;
      // types 0..2 here: write and ifetch as 0/1 by arithmetic, since a branch on a trace's random mix of
      // reads and writes mispredicts
      const write = type & 1;
      const ifetch = type >> 1;
      fetches++;
      writes += write;
      ifetches += ifetch;
      const tag = narrow ? address >>> wayShift : (address * invWay) | 0;
      const base = first + (line & setMask) * ways;
      const end = base + ways;
      let slot = base;
      while (slot < end && tags[slot] !== tag) slot++;
      if (slot < end) {
        if (lru) stamps[slot] = ++clock;
        if (writeBack === 1) dirty[slot] |= write;
        else bytesTo += write * size;
        continue;
      }
      misses++;
      writeMisses += write;
      ifetchMisses += ifetch;
      if (!writeAllocate && write === 1) {
        // write-around: the store goes to memory, no line is allocated (ref.c: no update on a no-walloc miss)
        bytesTo += size;
        writeArounds++;
        continue;
      }
      slot = base;
      for (let s = base + 1; s < end; s++) if (stamps[s] < stamps[slot]) slot = s;
      writeBacks += dirty[slot];
      tags[slot] = tag;
      stamps[slot] = ++clock;
      dirty[slot] = write & writeBack;
      // a write that covers its whole line needs no fetch (ref.c: walloc && size != subblock bytes); a size
      // here is at most a line
      wholeLineWrites += (size >> lineShift) & write;
      if (writeThrough === 1) bytesTo += write * size;
    }
    this.clock = clock;
    this.collected = collected;
    counters[RefType.read] += fetches - writes - ifetches;
    counters[RefType.write] += writes;
    counters[RefType.ifetch] += ifetches;
    counters[MISS + RefType.read] += misses - writeMisses - ifetchMisses;
    counters[MISS + RefType.write] += writeMisses;
    counters[MISS + RefType.ifetch] += ifetchMisses;
    // every miss but a write-around fills a line, fetched unless a write covers it
    counters[BYTES_FROM] += (misses - writeArounds - wholeLineWrites) * this.lineSize;
    counters[BYTES_TO] += bytesTo + writeBacks * this.lineSize;
    counters[WRITE_BACKS] += writeBacks;
    return j;
  }

  /**
   * The common case, both caches in one pass: demand reads, writes and instruction fetches within one line,
   * from index `from` until the batch's end or the first reference it leaves to the general path (a misc or
   * other record, an access that straddles lines); returns that index. This cache must be {@link fast} and
   * start at slot 0, and every end (address + size) in `batch` below 2^32. `i` is the cache taking instruction
   * fetches: this one when unified, else an LRU cache of the same geometry after this one in the same store
   * (see {@link pairStore}), so that a fetch differs from a data access only by the offset of its slots. One
   * clock serves both caches: only the order of stamps within a set matters. The loop is {@link runInline}
   * without its loop-invariant branches (V8 does not unswitch loops), with integer arithmetic on the 32-bit
   * address, the lookup and the victim of 4 ways unrolled and without a data-dependent branch, and counts by
   * type derived after it from a few sums.
   */
  runFast(batch: RefBatch, from: number, i: ReplayCache): number {
    const types = batch.types;
    const addrs = batch.addrs;
    const sizes = batch.sizes;
    const count = batch.count;
    const tags = this.tags;
    const dirty = this.dirty;
    const stamps = this.stamps;
    const ways = this.ways;
    const four = ways === 4;
    const waysShift = Math.log2(ways);
    const setMask = this.setMask;
    const lineSize = this.lineSize;
    const lineMask = lineSize - 1;
    const lineShift = this.geometry.lineShift;
    const wayShift = lineShift + this.geometry.setShift;
    // instruction fetches index the I-cache's slots: 0 when unified
    const iFirst = i.first;
    let clock = Math.max(this.clock, i.clock);
    let writes = 0;
    let ifetches = 0;
    let misses = 0;
    let writeMisses = 0;
    let ifetchMisses = 0;
    let wholeLineWrites = 0;
    let writeBacks = 0;
    let k = from;
    for (; k < count; k++) {
      const type = types[k];
      // exact: every address is below 2^32
      const address = addrs[k] >>> 0;
      const size = sizes[k];
      // a size of 0 touches the line of its address, as in the general path; a size here is at most a line,
      // so cachegrind's clamp (at least a line when fast) does not act
      if (type > RefType.ifetch || (address & lineMask) + size > lineSize) break;
      // types 0..2: write and ifetch as 0/1 by arithmetic, since a branch on a random mix mispredicts
      const write = type & 1;
      const ifetch = type >> 1;
      writes += write;
      ifetches += ifetch;
      const tag = address >>> wayShift;
      const base = (((address >>> lineShift) & setMask) << waysShift) + (-ifetch & iFirst);
      let slot = -1;
      if (four) {
        // without a branch per way (which way hits is random): a comparison used as a number is a setcc
        const hit1 = +(tags[base + 1] === tag);
        const hit2 = +(tags[base + 2] === tag);
        const hit3 = +(tags[base + 3] === tag);
        if ((+(tags[base] === tag) | hit1 | hit2 | hit3) !== 0) slot = base + hit1 + 2 * hit2 + 3 * hit3;
      } else {
        for (let s = base; s < base + ways; s++) {
          if (tags[s] === tag) {
            slot = s;
            break;
          }
        }
      }
      if (slot >= 0) {
        stamps[slot] = ++clock;
        dirty[slot] |= write;
        continue;
      }
      misses++;
      writeMisses += write;
      ifetchMisses += ifetch;
      if (four) {
        // the oldest of two pairs, then of the two, the first on a tie, by arithmetic again (stamps are
        // integers below 2^53, so the differences and sums are exact)
        const s0 = stamps[base];
        const s1 = stamps[base + 1];
        const s2 = stamps[base + 2];
        const s3 = stamps[base + 3];
        const older01 = +(s1 < s0);
        const older23 = +(s3 < s2);
        const second = +(s2 + older23 * (s3 - s2) < s0 + older01 * (s1 - s0));
        slot = base + older01 + second * (2 + older23 - older01);
      } else {
        slot = base;
        for (let s = base + 1; s < base + ways; s++) if (stamps[s] < stamps[slot]) slot = s;
      }
      writeBacks += dirty[slot];
      tags[slot] = tag;
      stamps[slot] = ++clock;
      dirty[slot] = write;
      // a write that covers its whole line needs no fetch
      wholeLineWrites += (size >> lineShift) & write;
    }
    this.clock = clock;
    i.clock = clock;
    // only data accesses write, and only they dirty lines (an I-cache's lines stay clean)
    const counters = this.counters;
    const dataMisses = misses - ifetchMisses;
    counters[RefType.read] += k - from - ifetches - writes;
    counters[RefType.write] += writes;
    counters[MISS + RefType.read] += dataMisses - writeMisses;
    counters[MISS + RefType.write] += writeMisses;
    counters[BYTES_FROM] += (dataMisses - wholeLineWrites) * lineSize;
    counters[BYTES_TO] += writeBacks * lineSize;
    counters[WRITE_BACKS] += writeBacks;
    i.counters[RefType.ifetch] += ifetches;
    i.counters[MISS + RefType.ifetch] += ifetchMisses;
    i.counters[BYTES_FROM] += ifetchMisses * lineSize;
    return k;
  }

  /**
   * One access of `size` bytes (type 0..3) within line number `line`: look up, fill on a miss, account
   * write-backs and memory traffic. Returns true on a miss. Fetch and miss counts are the caller's.
   * (The same logic as {@link run}'s inline path, for every policy.)
   */
  access(line: number, type: number, size: number): boolean {
    const tags = this.tags;
    const ways = this.ways;
    const set = line & this.setMask;
    const tag = Math.floor(line * this.invSets);
    const base = this.first + set * ways;
    const end = base + ways;
    const isWrite = type === RefType.write;
    const counters = this.counters;
    for (let slot = base; slot < end; slot++) {
      if (tags[slot] === tag) {
        if (this.policy === LRU) this.stamps[slot] = ++this.clock;
        if (isWrite) {
          if (this.writeBack) this.dirty[slot] = 1;
          else counters[BYTES_TO] += size;
        }
        return false;
      }
    }
    if (isWrite && !this.writeAllocate) {
      // write-around: the store goes to memory, no line is allocated (ref.c: no update on a no-walloc miss)
      counters[BYTES_TO] += size;
      return true;
    }
    const victim = this.store.victim(this.firstSet + set);
    const dirty = this.dirty;
    if (tags[victim] !== -1 && dirty[victim] === 1) {
      counters[BYTES_TO] += this.lineSize;
      counters[WRITE_BACKS]++;
    }
    tags[victim] = tag;
    dirty[victim] = 0;
    // run() relies on valid lines of LRU and FIFO caches having stamps of 1 and more
    if (this.policy !== RANDOM) this.stamps[victim] = ++this.clock;
    if (!isWrite || size !== this.lineSize) counters[BYTES_FROM] += this.lineSize;
    if (isWrite) {
      if (this.writeBack) dirty[victim] = 1;
      else counters[BYTES_TO] += size;
    }
    return true;
  }

  /** One demand access (type 0..3) of any size, counted by the convention. */
  demand(type: number, address: number, size: number): void {
    const counters = this.counters;
    const first = Math.floor(address * this.invLine);
    // a size of 0 touches the line holding the address
    const last = size <= 1 ? first : Math.floor((address + size - 1) * this.invLine);
    if (first === last) {
      counters[type]++;
      if (this.access(first, type, size)) counters[MISS + type]++;
    } else this.straddle(type, address, size, first, last);
  }

  /** An access over lines `first..last`: split (dinero) or one access touching every line (cachegrind). */
  private straddle(type: number, address: number, size: number, first: number, last: number): void {
    const counters = this.counters;
    const lineSize = this.lineSize;
    const end = address + size;
    let missed = false;
    for (let line = first; line <= last; line++) {
      const from = Math.max(address, line * lineSize);
      const to = Math.min(end, (line + 1) * lineSize);
      const miss = this.access(line, type, to - from);
      if (this.dinero) {
        counters[type]++;
        if (miss) counters[MISS + type]++;
      } else missed ||= miss;
    }
    if (this.dinero) counters[MULTI_BLOCK] += last - first;
    else {
      counters[type]++;
      if (missed) counters[MISS + type]++;
    }
  }

  /** A modify, copy-back or invalidate record. */
  record(type: number, address: number, size: number): void {
    const counters = this.counters;
    if (type === RefType.modify) {
      const clamped = Math.min(size, this.maxDataSize);
      this.demand(RefType.read, address, clamped);
      if (this.dinero) this.demand(RefType.write, address, clamped);
    } else if (type === RefType.copyBack) {
      counters[COPY_BACK_RECORDS]++;
      counters[LINES_COPIED_BACK] += this.copyBack(address, size);
    } else {
      counters[INVALIDATE_RECORDS]++;
      this.invalidate(address, size);
    }
  }

  /** The slot holding the line of `address`, or -1. */
  private slotOf(address: number): number {
    const line = Math.floor(address * this.invLine);
    return this.store.find(this.firstSet + (line & this.setMask), Math.floor(line * this.invSets));
  }

  /**
   * Copy dirty lines back without invalidating: the whole cache when `size` is 0, else the one line holding
   * `address` (Dinero IV misc.c d4copyback acts on "the whole cache or just 1 block"). Returns lines copied.
   */
  copyBack(address: number, size: number): number {
    const { tags, dirty } = this;
    let lines = 0;
    const copy = (slot: number) => {
      if (slot >= 0 && tags[slot] !== -1 && dirty[slot] === 1) {
        dirty[slot] = 0;
        lines++;
      }
    };
    if (size === 0) for (let slot = this.first; slot < this.end; slot++) copy(slot);
    else copy(this.slotOf(address));
    this.counters[BYTES_TO] += lines * this.lineSize;
    return lines;
  }

  /**
   * Drop lines without copying them back: the whole cache when `size` is 0, else the one line holding
   * `address` (Dinero IV misc.c d4invalidate).
   */
  invalidate(address: number, size: number): void {
    const { tags, dirty, counters } = this;
    const drop = (slot: number) => {
      if (slot < 0 || tags[slot] === -1) return;
      counters[LINES_INVALIDATED]++;
      if (dirty[slot] === 1) counters[DIRTY_DROPPED]++;
      this.store.invalidate(slot);
      // run() relies on invalid slots having stamp 0
      this.stamps[slot] = 0;
    };
    if (size === 0) for (let slot = this.first; slot < this.end; slot++) drop(slot);
    else drop(this.slotOf(address));
  }

  /** Count the final copy-back of the whole cache. */
  finalCopyBack(): void {
    this.counters[FINAL_COPY_BACK] += this.copyBack(0, 0);
  }

  stats(): CacheStats {
    const c = this.counters;
    const counts = (offset: number): TypeCounts => {
      const data = c[offset + RefType.read] + c[offset + RefType.write] + c[offset + RefType.misc];
      return {
        total: data + c[offset + RefType.ifetch],
        instrn: c[offset + RefType.ifetch],
        data,
        read: c[offset + RefType.read],
        write: c[offset + RefType.write],
        misc: c[offset + RefType.misc],
      };
    };
    const fetches = counts(0);
    const misses = counts(MISS);
    const rate = (m: number, f: number) => (f === 0 ? 0 : m / f);
    const g = this.geometry;
    return {
      name: this.name,
      size: g.size,
      ways: g.ways,
      lineSize: g.lineSize,
      sets: g.sets,
      writePolicy: g.writePolicy,
      writeAllocate: g.writeAllocate,
      replacement: g.replacement,
      fetches,
      misses,
      missRates: {
        total: rate(misses.total, fetches.total),
        instrn: rate(misses.instrn, fetches.instrn),
        data: rate(misses.data, fetches.data),
        read: rate(misses.read, fetches.read),
        write: rate(misses.write, fetches.write),
        misc: rate(misses.misc, fetches.misc),
      },
      multiBlockRefs: c[MULTI_BLOCK],
      bytesFromMemory: c[BYTES_FROM],
      bytesToMemory: c[BYTES_TO],
      writeBacks: c[WRITE_BACKS],
      copyBackRecords: c[COPY_BACK_RECORDS],
      linesCopiedBack: c[LINES_COPIED_BACK],
      finalCopyBackLines: c[FINAL_COPY_BACK],
      invalidateRecords: c[INVALIDATE_RECORDS],
      linesInvalidated: c[LINES_INVALIDATED],
      dirtyLinesDropped: c[DIRTY_DROPPED],
    };
  }
}

/**
 * Replays batches of references through an L1 D-cache (unified when there is no I-cache) and an optional
 * L1 I-cache. Feed it every batch of a trace with {@link replay}, then call {@link finish} once.
 *
 * The caches take the records routed to them in trace order: the I-cache instruction fetches and
 * invalidates; the D-cache reads, writes, misc, modifies, copy-backs and invalidates (and instruction fetches
 * too when unified). In the common case (LRU, write-back, write-allocate, a unified cache or an I-cache of the
 * same geometry, addresses below 2^32) one pass takes both caches, as the hardware does, the two sharing one
 * TagStore; otherwise, since the two never interact, each makes its own pass over a batch.
 */
export class TraceReplayer {
  readonly convention: Convention;
  private readonly d: ReplayCache;
  private readonly i: ReplayCache | undefined;
  private readonly finalCopyBack: boolean;
  /** Whether batches below 2^32 take ReplayCache.runFast: a fast unified cache, or a fast pair in one store. */
  private readonly fast: boolean;
  private references = 0;
  private finished = false;
  /** Indices of a batch's references for the I-cache's pass, collected by the D-cache's pass. */
  private forI = new Int32Array(0);

  constructor(options: ReplayOptions) {
    this.convention = options.convention ?? "dinero";
    const dinero = this.convention === "dinero";
    const seed = options.seed ?? 1;
    const maxData = dinero
      ? Number.POSITIVE_INFINITY
      : (options.maxDataSize ?? Math.min(options.d1.lineSize, options.i1?.lineSize ?? options.d1.lineSize));
    const { d1, i1 } = options;
    const paired = i1 !== undefined && pairable(d1, i1);
    if (i1 === undefined) this.d = new ReplayCache("l1-ucache", d1, seed, dinero, maxData);
    else if (paired) {
      // one store, the D-cache's sets then the I-cache's, for runFast's single pass
      const store = pairStore(d1);
      this.d = new ReplayCache("l1-dcache", d1, seed, dinero, maxData, store, 0);
      this.i = new ReplayCache("l1-icache", i1, seed, dinero, maxData, store, d1.sets);
    } else {
      this.d = new ReplayCache("l1-dcache", d1, seed, dinero, maxData);
      this.i = new ReplayCache("l1-icache", i1, seed, dinero, maxData);
    }
    this.finalCopyBack = options.finalCopyBack ?? true;
    this.fast = this.d.fast && (i1 === undefined || paired);
  }

  /** Replay one batch. Throws a UserError naming the reference when an address is out of range. */
  replay(batch: RefBatch): void {
    if (this.finished) throw new Error("TraceReplayer.replay after finish");
    const limit = Math.min(this.d.addressLimit, this.i?.addressLimit ?? Number.POSITIVE_INFINITY);
    if (batch.maxEnd > limit) this.rejectRange(batch, limit);
    const d = this.d;
    // below 2^32, not at it: an access of size 0 at 2^32 ends there, but its address has no 32 bits
    if (this.fast && batch.maxEnd < 2 ** 32) {
      // one pass for both caches; what runFast leaves goes one reference at a time to the general path
      const i = this.i ?? d;
      for (let k = d.runFast(batch, 0, i); k < batch.count; k = d.runFast(batch, k + 1, i)) {
        this.route(batch, k);
      }
    } else if (this.i === undefined) d.run(batch, null, batch.count, null);
    else {
      if (this.forI.length < batch.count) this.forI = new Int32Array(batch.capacity);
      const collected = this.d.run(batch, null, batch.count, this.forI);
      this.i.run(batch, this.forI, collected, null);
    }
    this.references += batch.count;
  }

  /** Replay reference `k` of `batch` by the general path, in the caches that take it. */
  private route(batch: RefBatch, k: number): void {
    const type = batch.types[k];
    const address = batch.addrs[k];
    const size = batch.sizes[k];
    const d = this.d;
    const i = this.i ?? d;
    if (type === RefType.ifetch) i.demand(type, address, size);
    else if (type <= RefType.misc) d.demand(type, address, Math.min(size, d.maxDataSize));
    else {
      d.record(type, address, size);
      // both caches take an invalidate
      if (type === RefType.invalidate && i !== d) i.record(type, address, size);
    }
  }

  private rejectRange(batch: RefBatch, limit: number): never {
    for (let k = 0; k < batch.count; k++) {
      const end = batch.addrs[k] + batch.sizes[k];
      if (end > limit) {
        throw new UserError(
          batch.where(k),
          `address 0x${batch.addrs[k].toString(16)} (size ${batch.sizes[k]}) reaches past 0x${limit.toString(16)}, the most these caches can tag (a tag is 31 bits: address / way size).`,
        );
      }
    }
    throw new Error("RefBatch.maxEnd does not match its references");
  }

  /** Finish the replay (Dinero's final copy-back of the D-cache, unless disabled) and return statistics. */
  finish(): ReplayResult {
    if (!this.finished) {
      this.finished = true;
      if (this.finalCopyBack) this.d.finalCopyBack();
    }
    const caches = this.i === undefined ? [this.d.stats()] : [this.i.stats(), this.d.stats()];
    return { convention: this.convention, references: this.references, caches };
  }
}

/**
 * Whether a D- and an I-cache can share one store for {@link ReplayCache.runFast}: the same sets, ways and
 * lines, both LRU, the D-cache write-back and write-allocate (an I-cache's write policy never acts: it takes
 * no writes).
 */
function pairable(d1: CacheGeometry, i1: CacheGeometry): boolean {
  return (
    d1.sets === i1.sets &&
    d1.ways === i1.ways &&
    d1.lineSize === i1.lineSize &&
    d1.replacement === "lru" &&
    i1.replacement === "lru" &&
    d1.writePolicy === "write-back" &&
    d1.writeAllocate
  );
}

/** A store of twice the sets of `g`: the D-cache's, then the I-cache's. Its replacement policy is LRU. */
function pairStore(g: CacheGeometry): TagStore {
  return new TagStore(
    cacheGeometry({ size: 2 * g.size, ways: g.ways, lineSize: g.lineSize, replacement: g.replacement }),
  );
}

/** Replay every batch of a parsed trace and return the statistics. */
export function replayTrace(batches: Iterable<RefBatch>, options: ReplayOptions): ReplayResult {
  const replayer = new TraceReplayer(options);
  for (const batch of batches) replayer.replay(batch);
  return replayer.finish();
}
