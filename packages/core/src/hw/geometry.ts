import { UserError } from "../errors.js";

/** How a cache finds a line: by virtual address, by virtual index and physical tag, or by physical address. */
export type Indexing = "vivt" | "vipt" | "pipt";
export type WritePolicy = "write-back" | "write-through";
export type Replacement = "lru" | "fifo" | "random";

/** What a CPU's data sheet says about one cache. */
export interface CacheGeometryInit {
  /** Capacity in bytes. */
  size: number;
  ways: number;
  /** Line size in bytes (a multiple of 4: lines hold 32-bit words). */
  lineSize: number;
  indexing?: Indexing;
  writePolicy?: WritePolicy;
  /** Whether a write miss allocates a line. ARMv4/v5 D-caches are read-allocate (false). */
  writeAllocate?: boolean;
  replacement?: Replacement;
  /** VIVT only: lines carry the ASID, so a context switch need not flush. */
  asidTagged?: boolean;
}

/** A validated geometry with its derived figures. */
export interface CacheGeometry extends Readonly<Required<CacheGeometryInit>> {
  readonly sets: number;
  /** Bytes covered by one way: sets × lineSize. */
  readonly waySize: number;
  readonly lineShift: number;
  readonly setShift: number;
  readonly setMask: number;
  readonly wordsPerLine: number;
}

/** The geometries cacheGeometry returned (frozen, so still valid). */
const validated = new WeakSet<object>();

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * Validate a geometry and derive sets and way size. Throws a UserError naming `where`
 * (a CPU preset, a CLI option) when the numbers cannot describe a cache.
 */
export function cacheGeometry(init: CacheGeometryInit, where = "cache geometry"): CacheGeometry {
  // a geometry this function made is frozen and valid: every machine of a profile is built from the same one
  if (validated.has(init)) return init as CacheGeometry;
  const { size, ways, lineSize } = init;
  const fail = (why: string): never => {
    throw new UserError(
      where,
      `invalid cache geometry (size ${size}, ${ways} ways, ${lineSize}-byte lines): ${why}.`,
    );
  };
  if (!isPowerOfTwo(size)) fail("the size must be a power of two");
  if (!isPowerOfTwo(ways)) fail("the number of ways must be a power of two");
  if (!isPowerOfTwo(lineSize)) fail("the line size must be a power of two");
  if (lineSize < 4) fail("a line must hold at least one 32-bit word");
  if (ways * lineSize > size) fail("the ways do not fit: a way would be smaller than one line");
  const indexing = init.indexing ?? "vipt";
  if (!["vivt", "vipt", "pipt"].includes(indexing))
    fail(`unknown indexing "${indexing}" (vivt, vipt or pipt)`);
  const writePolicy = init.writePolicy ?? "write-back";
  if (!["write-back", "write-through"].includes(writePolicy)) {
    fail(`unknown write policy "${writePolicy}" (write-back or write-through)`);
  }
  const replacement = init.replacement ?? "lru";
  if (!["lru", "fifo", "random"].includes(replacement))
    fail(`unknown replacement "${replacement}" (lru, fifo or random)`);
  const asidTagged = init.asidTagged ?? false;
  if (asidTagged && indexing !== "vivt") fail("only a VIVT cache is tagged by ASID");
  const waySize = size / ways;
  const sets = waySize / lineSize;
  const lineShift = Math.log2(lineSize);
  const geometry: CacheGeometry = Object.freeze({
    size,
    ways,
    lineSize,
    indexing,
    writePolicy,
    writeAllocate: init.writeAllocate ?? writePolicy === "write-back",
    replacement,
    asidTagged,
    sets,
    waySize,
    lineShift,
    setShift: Math.log2(sets),
    setMask: sets - 1,
    wordsPerLine: lineSize / 4,
  });
  validated.add(geometry);
  return geometry;
}

/**
 * Page colours: how many pages one way spans, so how many cache positions one physical page can take
 * through different virtual addresses. 1 means no aliasing (a PIPT cache, or a way no larger than a page).
 * On a VIVT cache every distinct virtual address is its own alias whatever its colour; the colour still
 * says where in the cache a page's lines go.
 */
export function pageColours(geometry: CacheGeometry, pageSize: number): number {
  if (geometry.indexing === "pipt") return 1;
  return Math.max(1, geometry.waySize / pageSize);
}

/** The colour of a virtual address: `(va mod waySize) / pageSize`. */
export function colourOf(geometry: CacheGeometry, pageSize: number, va: number): number {
  const colours = pageColours(geometry, pageSize);
  return colours === 1 ? 0 : Math.floor(va / pageSize) % colours;
}

const SIZE = /^(\d+)([kKmM]?)$/;

/** Parse a size such as `32k`, `4096` or `1m`. */
export function parseSize(text: string, where: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new UserError(where, `"${text}" is not a size (bytes, or a number followed by k or m).`);
  const unit = m[2].toLowerCase();
  return Number(m[1]) * (unit === "k" ? 1024 : unit === "m" ? 1024 * 1024 : 1);
}

/**
 * Parse the CLI's compact geometry `SIZE:WAYS:LINE[:option...]`, options among
 * `vivt|vipt|pipt`, `wb|wt`, `wa|nwa`, `lru|fifo|random`, `asid`. Example: `32k:4:32:vipt:wb`.
 */
export function parseGeometry(text: string, where: string): CacheGeometry {
  const parts = text.split(":");
  if (parts.length < 3) {
    throw new UserError(
      where,
      `"${text}" is not a geometry: expected SIZE:WAYS:LINE[:option...], such as 32k:4:32.`,
    );
  }
  const init: CacheGeometryInit = {
    size: parseSize(parts[0], where),
    ways: Number(parts[1]),
    lineSize: parseSize(parts[2], where),
  };
  if (!Number.isInteger(init.ways)) throw new UserError(where, `"${parts[1]}" is not a number of ways.`);
  for (const option of parts.slice(3)) {
    if (option === "vivt" || option === "vipt" || option === "pipt") init.indexing = option;
    else if (option === "wb") init.writePolicy = "write-back";
    else if (option === "wt") init.writePolicy = "write-through";
    else if (option === "wa") init.writeAllocate = true;
    else if (option === "nwa") init.writeAllocate = false;
    else if (option === "lru" || option === "fifo" || option === "random") init.replacement = option;
    else if (option === "asid") init.asidTagged = true;
    else {
      throw new UserError(
        where,
        `unknown geometry option "${option}" in "${text}" (vivt, vipt, pipt, wb, wt, wa, nwa, lru, fifo, random, asid).`,
      );
    }
  }
  return cacheGeometry(init, where);
}
