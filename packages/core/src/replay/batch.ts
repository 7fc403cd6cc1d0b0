/**
 * Memory references as the trace replayer sees them: a batch of parallel typed arrays, filled by a parser
 * and consumed by the replay engine, so that the hot loop allocates nothing per reference.
 */

/**
 * Access types. 0–5 are Dinero IV's numbers (d4.h: D4XREAD, D4XWRITE, D4XINSTRN, D4XMISC, D4XCOPYB,
 * D4XINVAL), which its traditional din and binary formats use on disk; 6 is valgrind lackey's modify
 * (` M`: a load and a store of the same bytes by one instruction), which has no Dinero number.
 */
export const RefType = {
  read: 0,
  write: 1,
  ifetch: 2,
  misc: 3,
  copyBack: 4,
  invalidate: 5,
  modify: 6,
} as const;

/** One of {@link RefType}'s values. */
export type RefTypeCode = (typeof RefType)[keyof typeof RefType];

/** The trace formats flushlab reads. */
export type TraceFormat = "xdin" | "din" | "lackey" | "bin";

/** Every trace format, in the order the documentation lists them. */
export const TRACE_FORMATS: readonly TraceFormat[] = ["xdin", "din", "lackey", "bin"];

/** Addresses are held as doubles: exact below 2^53, far beyond any 64-bit user address in practice. */
export const MAX_ADDRESS = 2 ** 53 - 1;

/** References a parser puts in one batch unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 1 << 16;

/**
 * A batch of up to `capacity` references in parallel typed arrays. `count` are valid. A parser reuses one
 * batch for the whole trace: a consumer must be done with it before asking the parser for the next.
 */
export class RefBatch {
  /** Access type per reference, a {@link RefTypeCode}. */
  readonly types: Uint8Array;
  /** Byte address per reference. */
  readonly addrs: Float64Array;
  /** Size in bytes per reference (0 for a `c` or `v` record means the whole cache). */
  readonly sizes: Uint32Array;
  /**
   * Where each reference came from, for error messages: its line number (text formats). Empty for the
   * binary format, whose records are consecutive 8-byte records: see {@link firstOffset}.
   */
  readonly origins: Float64Array;
  /** Binary format: the byte offset of reference 0; reference i is at `firstOffset + 8 i`. */
  firstOffset = 0;
  /** How many references are valid. */
  count = 0;
  /** The largest `address + size` in the batch, so that a consumer can check its range once per batch. */
  maxEnd = 0;

  constructor(
    readonly capacity: number,
    /** The file (or other name) the references come from, for error messages. */
    readonly source: string,
    /** Whether `origins` holds line numbers or byte offsets. */
    readonly originKind: "line" | "byte",
  ) {
    this.types = new Uint8Array(capacity);
    this.addrs = new Float64Array(capacity);
    this.sizes = new Uint32Array(capacity);
    this.origins = new Float64Array(originKind === "line" ? capacity : 0);
  }

  /**
   * Append one reference (the batch must not be full); `origin` is its line number, or for the binary format
   * its byte offset (kept for the first reference only, the others following at 8-byte steps).
   */
  push(type: number, address: number, size: number, origin: number): void {
    const i = this.count++;
    this.types[i] = type;
    this.addrs[i] = address;
    this.sizes[i] = size;
    if (this.originKind === "line") this.origins[i] = origin;
    else if (i === 0) this.firstOffset = origin;
    const end = address + size;
    if (end > this.maxEnd) this.maxEnd = end;
  }

  /** Empty the batch for reuse. */
  reset(): void {
    this.count = 0;
    this.maxEnd = 0;
  }

  /** Whether no further reference fits. */
  get full(): boolean {
    return this.count === this.capacity;
  }

  /** The place of reference `i`, as a UserError's `where`: `file:line` or `file: byte offset N`. */
  where(i: number): string {
    return this.originKind === "line"
      ? `${this.source}:${this.origins[i]}`
      : `${this.source}: byte offset ${this.firstOffset + 8 * i}`;
  }
}
