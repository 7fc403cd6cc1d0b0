/**
 * Trace parsers: Dinero IV's extended din (xdin) and traditional din, valgrind lackey's `--trace-mem=yes`
 * output, and Dinero IV's 8-byte binary records. Each reads a stream of byte chunks (so a file is never held
 * whole) and yields {@link RefBatch}es, parsing bytes directly without making a string per line.
 *
 * Formats as Dinero IV 7 reads them (d4.1 "TRACE RECORDS"; xdinfmt.c, dinfmt.c, binaryfmt.c):
 * - xdin: `TYPE ADDRESS SIZE [anything]`, TYPE one letter of `rwimcv` (either case), ADDRESS and SIZE hex
 *   with an optional `0x`. Dinero's xdin reader takes no numeric labels (it suggests `-informat d`), nor
 *   does this one.
 * - din: `LABEL ADDRESS [anything]`, LABEL a hex number 0..5 (read, write, ifetch, misc, copy-back,
 *   invalidate), ADDRESS hex; as in Dinero the address is rounded down to a multiple of 4 and the size is 4.
 * - lackey: `I  ADDR,SIZE`, ` L ADDR,SIZE`, ` S ADDR,SIZE`, ` M ADDR,SIZE` (ADDR hex, SIZE decimal), as
 *   lackey's lk_main.c prints them; valgrind's own `==PID==` and `--PID--` lines and lackey's `SB ADDR`
 *   superblock lines are skipped.
 * - bin: 8-byte little-endian records, a 4-byte address, a 2-byte size, a 1-byte type (0..5), a pad byte.
 *
 * Extensions over Dinero, in every text format: blank lines and lines whose first non-blank character is `#`
 * are skipped (Dinero stops at them), and a line may end in CR LF.
 */
import { UserError } from "../errors.js";
import { DEFAULT_BATCH_SIZE, MAX_ADDRESS, RefBatch, RefType, type TraceFormat } from "./batch.js";

const MAX_SIZE = 0xffff_ffff;
const NEWLINE = 10;
const HASH = 35;

/** Hex digit values by byte, -1 for a non-digit. */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[48 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[65 + d] = 10 + d;
  HEX[97 + d] = 10 + d;
}

/** xdin type letters (either case) to access types, -1 otherwise. */
const XDIN_TYPES = new Int8Array(256).fill(-1);
for (const [letter, type] of [
  ["r", RefType.read],
  ["w", RefType.write],
  ["i", RefType.ifetch],
  ["m", RefType.misc],
  ["c", RefType.copyBack],
  ["v", RefType.invalidate],
] as const) {
  XDIN_TYPES[letter.charCodeAt(0)] = type;
  XDIN_TYPES[letter.toUpperCase().charCodeAt(0)] = type;
}

/** lackey record letters to access types, -1 otherwise. */
const LACKEY_TYPES = new Int8Array(256).fill(-1);
LACKEY_TYPES[73] = RefType.ifetch; // I
LACKEY_TYPES[76] = RefType.read; // L
LACKEY_TYPES[83] = RefType.write; // S
LACKEY_TYPES[77] = RefType.modify; // M

const DIN_LABELS = "0 read, 1 write, 2 instruction fetch, 3 misc, 4 copy-back, 5 invalidate";

const isBlank = (c: number) => c === 32 || c === 9 || c === 13;

/** A byte as a message shows it: `"g"` when printable, else its code. */
function showByte(c: number): string {
  return c > 32 && c < 127 ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, "0")}`;
}

/**
 * The line parsers' cursor. One line is parsed at a time and parsing is synchronous, so module state is safe
 * and saves an object per line.
 */
let cursor = 0;
let lineStart = 0;

function fail(source: string, line: number, message: string): never {
  throw new UserError(`${source}:${line}:${cursor - lineStart + 1}`, message);
}

function skipBlanks(buf: Uint8Array, end: number): void {
  while (cursor < end && isBlank(buf[cursor])) cursor++;
}

/**
 * Read a hexadecimal number with an optional `0x`/`0X` at the cursor. Returns -1 when no digit is there and
 * -2 when the value passes `limit`.
 */
function readHex(buf: Uint8Array, end: number, limit: number): number {
  if (
    buf[cursor] === 48 &&
    cursor + 2 < end &&
    (buf[cursor + 1] === 120 || buf[cursor + 1] === 88) &&
    HEX[buf[cursor + 2]] >= 0
  ) {
    cursor += 2;
  }
  let value = 0;
  const first = cursor;
  while (cursor < end) {
    const d = HEX[buf[cursor]];
    if (d < 0) break;
    value = value * 16 + d;
    if (value > limit) return -2;
    cursor++;
  }
  return cursor === first ? -1 : value;
}

/** Read a decimal number at the cursor; -1 when no digit, -2 past `limit`. */
function readDecimal(buf: Uint8Array, end: number, limit: number): number {
  let value = 0;
  const first = cursor;
  while (cursor < end) {
    const c = buf[cursor];
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    if (value > limit) return -2;
    cursor++;
  }
  return cursor === first ? -1 : value;
}

/** Read a hex field that must end at a blank, the end of the line, or the byte `stop` when given. */
function hexField(
  buf: Uint8Array,
  end: number,
  source: string,
  line: number,
  what: string,
  limit: number,
  stop = -1,
): number {
  const start = cursor;
  const value = readHex(buf, end, limit);
  if (value === -1) {
    fail(source, line, `the ${what} must be hexadecimal, found ${showByte(buf[cursor])}.`);
  }
  if (value === -2) {
    cursor = start;
    fail(source, line, `the ${what} is larger than 0x${limit.toString(16)}.`);
  }
  if (cursor < end && !isBlank(buf[cursor]) && buf[cursor] !== stop) {
    fail(source, line, `unexpected ${showByte(buf[cursor])} in the ${what} (hexadecimal expected).`);
  }
  return value;
}

/** A line parser: parse `buf[start, end)` (no newline), push at most one reference into `batch`. */
type LineParser = (
  buf: Uint8Array,
  start: number,
  end: number,
  line: number,
  batch: RefBatch,
  source: string,
) => void;

/** True (and the cursor on the first significant byte) unless the line is blank or a `#` comment. */
function significant(buf: Uint8Array, start: number, end: number): boolean {
  lineStart = start;
  cursor = start;
  skipBlanks(buf, end);
  return cursor < end && buf[cursor] !== HASH;
}

/** Dinero IV extended din: `TYPE ADDRESS SIZE`. */
const parseXdinLine: LineParser = (buf, start, end, line, batch, source) => {
  if (!significant(buf, start, end)) return;
  const type = XDIN_TYPES[buf[cursor]];
  if (type < 0) {
    const numeric = HEX[buf[cursor]] >= 0 && HEX[buf[cursor]] < 10;
    fail(
      source,
      line,
      `unknown access type ${showByte(buf[cursor])}: an xdin record starts with r, w, i, m, c or v (Dinero IV's extended din)${numeric ? "; for numeric labels (0..5) use --format din" : ""}.`,
    );
  }
  cursor++;
  if (cursor < end && !isBlank(buf[cursor])) {
    fail(source, line, `the access type is one letter, followed by ${showByte(buf[cursor])}.`);
  }
  skipBlanks(buf, end);
  if (cursor === end) fail(source, line, "missing address: an xdin record is TYPE ADDRESS SIZE.");
  const address = hexField(buf, end, source, line, "address", MAX_ADDRESS);
  skipBlanks(buf, end);
  if (cursor === end) fail(source, line, "missing size: an xdin record is TYPE ADDRESS SIZE.");
  const size = hexField(buf, end, source, line, "size", MAX_SIZE);
  batch.push(type, address, size, line);
};

/** Dinero III/IV traditional din: `LABEL ADDRESS`, 4-byte word accesses. */
const parseDinLine: LineParser = (buf, start, end, line, batch, source) => {
  if (!significant(buf, start, end)) return;
  const label = readHex(buf, end, 0xff);
  if (label < 0 || label > RefType.invalidate || (cursor < end && !isBlank(buf[cursor]))) {
    fail(source, line, `unknown access type: a din record starts with a label (${DIN_LABELS}).`);
  }
  skipBlanks(buf, end);
  if (cursor === end) fail(source, line, "missing address: a din record is LABEL ADDRESS.");
  const address = hexField(buf, end, source, line, "address", MAX_ADDRESS);
  // dinfmt.c: "dineroIII is pretty much word-oriented": the address rounded down to 4, the size 4
  batch.push(label, address - (address % 4), 4, line);
};

/** valgrind lackey `--trace-mem=yes`: `I  ADDR,SIZE`, ` L|S|M ADDR,SIZE`. */
const parseLackeyLine: LineParser = (buf, start, end, line, batch, source) => {
  if (!significant(buf, start, end)) return;
  const c = buf[cursor];
  const next = cursor + 1 < end ? buf[cursor + 1] : 0;
  // ==PID== and --PID-- are valgrind's own messages; SB is lackey's --trace-superblocks record
  if ((c === 61 && next === 61) || (c === 45 && next === 45) || (c === 83 && next === 66)) return;
  const type = LACKEY_TYPES[c];
  if (type < 0) {
    fail(
      source,
      line,
      `unknown lackey record ${showByte(c)} (I, L, S or M, as --trace-mem=yes prints them).`,
    );
  }
  cursor++;
  if (cursor === end || !isBlank(buf[cursor])) {
    fail(source, line, "a lackey record is I, L, S or M, blanks, then ADDRESS,SIZE.");
  }
  skipBlanks(buf, end);
  const address = hexField(buf, end, source, line, "address", MAX_ADDRESS, 44);
  if (cursor === end || buf[cursor] !== 44) {
    fail(source, line, "expected a comma between the address and the size (ADDRESS,SIZE).");
  }
  cursor++;
  const sizeStart = cursor;
  const size = readDecimal(buf, end, MAX_SIZE);
  if (size === -2) cursor = sizeStart;
  if (size < 0) fail(source, line, "the size must be a decimal number below 2^32 (ADDRESS,SIZE).");
  skipBlanks(buf, end);
  if (cursor < end) fail(source, line, `unexpected ${showByte(buf[cursor])} after the size.`);
  batch.push(type, address, size, line);
};

const LINE_PARSERS: Record<Exclude<TraceFormat, "bin">, LineParser> = {
  xdin: parseXdinLine,
  din: parseDinLine,
  lackey: parseLackeyLine,
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Split chunks into lines (a line may span chunks) and hand each to `parseLine`. */
function* parseText(
  chunks: Iterable<Uint8Array>,
  source: string,
  batchSize: number,
  parseLine: LineParser,
): Generator<RefBatch, void, void> {
  const batch = new RefBatch(batchSize, source, "line");
  let carry: Uint8Array | null = null;
  let line = 0;
  for (const chunk of chunks) {
    let pos = 0;
    if (carry !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        carry = concat(carry, chunk);
        continue;
      }
      const joined = concat(carry, chunk.subarray(0, newline));
      carry = null;
      parseLine(joined, 0, joined.length, ++line, batch, source);
      if (batch.full) {
        yield batch;
        batch.reset();
      }
      pos = newline + 1;
    }
    const n = chunk.length;
    while (pos < n) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline < 0) {
        // the chunk's memory may be reused by the reader: keep a copy
        carry = chunk.slice(pos);
        break;
      }
      parseLine(chunk, pos, newline, ++line, batch, source);
      if (batch.full) {
        yield batch;
        batch.reset();
      }
      pos = newline + 1;
    }
  }
  if (carry !== null && carry.length > 0) parseLine(carry, 0, carry.length, ++line, batch, source);
  if (batch.count > 0) yield batch;
}

/** Size of one Dinero IV binary record. */
export const BINARY_RECORD_SIZE = 8;

/** Whether this host stores words little-endian, as the binary format does (then records load as words). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Append `records` binary records to `batch`, read as two little-endian 32-bit words each from `words`: the
 * address, then size | type << 16 | pad << 24. Stops before a record of unknown type; returns how many were
 * appended. The decoding loops are functions of their own, rather than parts of the generator, so that V8
 * compiles each whole (not on stack replacement in a generator), with its state in registers: they are the
 * binary format's whole cost.
 */
function decodeWords(words: Uint32Array, records: number, batch: RefBatch): number {
  const { types, addrs, sizes } = batch;
  const first = batch.count;
  let maxEnd = batch.maxEnd;
  let r = 0;
  for (; r < records; r++) {
    const address = words[2 * r];
    const second = words[2 * r + 1];
    const type = (second >>> 16) & 0xff;
    if (type > RefType.invalidate) break;
    const size = second & 0xffff;
    types[first + r] = type;
    addrs[first + r] = address;
    sizes[first + r] = size;
    const end = address + size;
    if (end > maxEnd) maxEnd = end;
  }
  batch.count = first + r;
  batch.maxEnd = maxEnd;
  return r;
}

/** {@link decodeWords} byte by byte, from `chunk[pos]`: for a big-endian host or an unaligned chunk. */
function decodeBytes(chunk: Uint8Array, pos: number, records: number, batch: RefBatch): number {
  const { types, addrs, sizes } = batch;
  const first = batch.count;
  let maxEnd = batch.maxEnd;
  let r = 0;
  for (; r < records; r++, pos += BINARY_RECORD_SIZE) {
    const type = chunk[pos + 6];
    if (type > RefType.invalidate) break;
    const address =
      (chunk[pos] | (chunk[pos + 1] << 8) | (chunk[pos + 2] << 16) | (chunk[pos + 3] << 24)) >>> 0;
    const size = chunk[pos + 4] | (chunk[pos + 5] << 8);
    types[first + r] = type;
    addrs[first + r] = address;
    sizes[first + r] = size;
    const end = address + size;
    if (end > maxEnd) maxEnd = end;
  }
  batch.count = first + r;
  batch.maxEnd = maxEnd;
  return r;
}

/** Decode Dinero IV binary records (binaryfmt.c); errors name the record's byte offset. */
function* parseBinary(
  chunks: Iterable<Uint8Array>,
  source: string,
  batchSize: number,
): Generator<RefBatch, void, void> {
  const batch = new RefBatch(batchSize, source, "byte");
  const partial = new Uint8Array(BINARY_RECORD_SIZE);
  let partialLength = 0;
  let offset = 0; // byte offset of the next record
  const badType = (type: number): never => {
    throw new UserError(
      `${source}: byte offset ${offset}`,
      `unknown access type ${type} in a binary record (${DIN_LABELS}).`,
    );
  };
  for (const chunk of chunks) {
    let pos = 0;
    const n = chunk.length;
    if (partialLength > 0) {
      const take = Math.min(BINARY_RECORD_SIZE - partialLength, n);
      partial.set(chunk.subarray(0, take), partialLength);
      partialLength += take;
      pos = take;
      if (partialLength < BINARY_RECORD_SIZE) continue;
      const type = partial[6];
      if (type > RefType.invalidate) badType(type);
      const address = (partial[0] | (partial[1] << 8) | (partial[2] << 16) | (partial[3] << 24)) >>> 0;
      batch.push(type, address, partial[4] | (partial[5] << 8), offset);
      offset += BINARY_RECORD_SIZE;
      partialLength = 0;
      if (batch.full) {
        yield batch;
        batch.reset();
      }
    }
    while (pos + BINARY_RECORD_SIZE <= n) {
      const records = Math.min(batch.capacity - batch.count, (n - pos) >>> 3);
      if (batch.count === 0) batch.firstOffset = offset;
      const at = chunk.byteOffset + pos;
      const decoded =
        LITTLE_ENDIAN && at % 4 === 0
          ? decodeWords(new Uint32Array(chunk.buffer, at, records * 2), records, batch)
          : decodeBytes(chunk, pos, records, batch);
      offset += decoded * BINARY_RECORD_SIZE;
      pos += decoded * BINARY_RECORD_SIZE;
      if (decoded < records) badType(chunk[pos + 6]);
      if (batch.full) {
        yield batch;
        batch.reset();
      }
    }
    if (pos < n) {
      partial.set(chunk.subarray(pos), 0);
      partialLength = n - pos;
    }
  }
  if (partialLength > 0) {
    throw new UserError(
      `${source}: byte offset ${offset}`,
      `truncated binary record: ${partialLength} of ${BINARY_RECORD_SIZE} bytes.`,
    );
  }
  if (batch.count > 0) yield batch;
}

/**
 * Parse a trace of the given format from byte chunks, yielding batches of at most `batchSize` references.
 * The same batch object is yielded each time: consume it before resuming the generator. Bad records throw a
 * UserError naming `source:line:column` (text) or `source: byte offset N` (binary).
 */
export function parseTrace(
  format: TraceFormat,
  chunks: Iterable<Uint8Array>,
  source: string,
  batchSize = DEFAULT_BATCH_SIZE,
): Generator<RefBatch, void, void> {
  if (format === "bin") return parseBinary(chunks, source, batchSize);
  return parseText(chunks, source, batchSize, LINE_PARSERS[format]);
}

/**
 * Encode references as Dinero IV binary records (the inverse of the `bin` parser), for tests, benchmarks and
 * converting traces. Addresses must fit 32 bits and sizes 16 bits, as the format has room for no more.
 */
export function encodeBinary(
  types: ArrayLike<number>,
  addrs: ArrayLike<number>,
  sizes: ArrayLike<number>,
): Uint8Array {
  const n = types.length;
  const out = new Uint8Array(n * BINARY_RECORD_SIZE);
  for (let i = 0, pos = 0; i < n; i++, pos += BINARY_RECORD_SIZE) {
    const address = addrs[i];
    const size = sizes[i];
    if (address > 0xffff_ffff || size > 0xffff || types[i] > RefType.invalidate) {
      throw new RangeError(`reference ${i} does not fit a binary record (type ${types[i]}, size ${size}).`);
    }
    out[pos] = address & 0xff;
    out[pos + 1] = (address >>> 8) & 0xff;
    out[pos + 2] = (address >>> 16) & 0xff;
    out[pos + 3] = address >>> 24;
    out[pos + 4] = size & 0xff;
    out[pos + 5] = size >>> 8;
    out[pos + 6] = types[i];
  }
  return out;
}
