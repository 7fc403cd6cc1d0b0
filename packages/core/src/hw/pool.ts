// Typed arrays recycled between machines. A run of the comparison matrix builds a machine whose caches, page
// tables and memory are typed arrays of a few hundred KiB in all, and 1 700 runs one after another made their
// allocation and zeroing (and the garbage collections they caused) a large part of the matrix's time. The
// machine's parts take their arrays from this pool, and Machine.release() (called by a run that owns its
// machine, see RunOptions.recycle) gives them back. An array comes out of the pool zero-filled, exactly as a
// new one, so that a recycled machine starts in the same state as a fresh one.

/** The kinds of typed array the hardware model uses. */
export type PooledArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** The constructor of a pooled array kind. */
export interface PooledArrayKind<T extends PooledArray> {
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Arrays by kind and length. */
type Shelf = Map<PooledArrayKind<PooledArray>, Map<number, PooledArray[]>>;

/** The most bytes the pool keeps (beyond, given-back arrays are left to the garbage collector). */
const MAX_POOLED_BYTES = 48 * 1024 * 1024;

/** A pool of zero-filled typed arrays by kind and length. */
export class ArrayPool {
  /** Zero-filled arrays. */
  private readonly free: Shelf = new Map();
  /** Arrays of unspecified content. */
  private readonly scratch: Shelf = new Map();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_POOLED_BYTES) {}

  /**
   * An array of `length` elements of `kind` whose content is unspecified (a recycled one is not cleared): for
   * storage its owner writes before it reads, such as a cache's data words, which are read only in valid slots,
   * and every fill writes. Give it back with giveScratch().
   */
  takeScratch<T extends PooledArray>(kind: PooledArrayKind<T>, length: number): T {
    const list = this.scratch.get(kind as PooledArrayKind<PooledArray>)?.get(length);
    if (list !== undefined && list.length > 0) {
      const array = list.pop() as T;
      this.bytes -= array.byteLength;
      return array;
    }
    return new kind(length);
  }

  /** Give back an array from takeScratch(), as it is. The caller must not use it afterwards. */
  giveScratch(array: PooledArray): void {
    this.keep(this.scratch, array);
  }

  /** A zero-filled array of `length` elements of `kind`: a recycled one when the pool has one, else new. */
  take<T extends PooledArray>(kind: PooledArrayKind<T>, length: number): T {
    const list = this.free.get(kind as PooledArrayKind<PooledArray>)?.get(length);
    if (list !== undefined && list.length > 0) {
      const array = list.pop() as T;
      this.bytes -= array.byteLength;
      return array;
    }
    return new kind(length);
  }

  /**
   * Give back `array` (a whole array from take(), never a view), whose elements from `used` on are still
   * zero: it is zero-filled up to `used` (default: all of it) and kept for the next take() of its kind and
   * length. The caller must not use it afterwards.
   */
  give(array: PooledArray, used: number = array.length): void {
    if (!this.fits(array)) return;
    if (used > 0) array.fill(0, 0, Math.min(used, array.length));
    this.keep(this.free, array);
  }

  /** Whether the pool takes `array`: a whole buffer, within the byte limit. */
  private fits(array: PooledArray): boolean {
    return (
      this.bytes + array.byteLength <= this.maxBytes &&
      array.byteOffset === 0 &&
      array.byteLength === array.buffer.byteLength
    );
  }

  private keep(shelf: Shelf, array: PooledArray): void {
    if (shelf === this.scratch && !this.fits(array)) return;
    const kind = array.constructor as PooledArrayKind<PooledArray>;
    let byLength = shelf.get(kind);
    if (byLength === undefined) {
      byLength = new Map();
      shelf.set(kind, byLength);
    }
    let list = byLength.get(array.length);
    if (list === undefined) {
      list = [];
      byLength.set(array.length, list);
    }
    list.push(array);
    this.bytes += array.byteLength;
  }

  /** Bytes held, for tests and benches. */
  get heldBytes(): number {
    return this.bytes;
  }
}

/** The pool every machine of this thread shares. */
export const arrayPool = new ArrayPool();

/** The most plain arrays of one length the slot pool keeps. */
const MAX_SLOT_ARRAYS = 64;

/**
 * A pool of plain arrays of `undefined` by length: the directories of the sparse tables (physical memory's frame
 * index, the page tables), which hold typed arrays and would otherwise be allocated per machine.
 */
export class SlotPool {
  private readonly free = new Map<number, unknown[][]>();

  /** An array of `length` undefined slots: a recycled one when the pool has one, else new. */
  take<T>(length: number): (T | undefined)[] {
    const list = this.free.get(length);
    if (list !== undefined && list.length > 0) return list.pop() as (T | undefined)[];
    return new Array<T | undefined>(length).fill(undefined);
  }

  /**
   * Give back an array from take(): its slots are reset to undefined, unless `clean` says the caller already
   * did. The caller must not use it afterwards.
   */
  give(array: unknown[], clean = false): void {
    let list = this.free.get(array.length);
    if (list === undefined) {
      list = [];
      this.free.set(array.length, list);
    }
    if (list.length >= MAX_SLOT_ARRAYS) return;
    if (!clean) array.fill(undefined);
    list.push(array);
  }
}

/** The slot pool every machine of this thread shares. */
export const slotPool = new SlotPool();
