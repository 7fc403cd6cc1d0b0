// Cost accounting: the default cost table, its validation, and the Costs record built from the counters
// that each cache keeps on its access path (cache.ts) and the machine keeps for the rest (machine.ts).
import { UserError } from "../errors.js";
import type { CacheCounters, Costs, CostTable } from "./api.js";
import type { Cache } from "./cache.js";

/**
 * The default estimated cycles per event. Every figure is a ROUND ILLUSTRATIVE number of the right order of
 * magnitude for an in-order embedded core of the ARM11 / MIPS32 24K era with an L1 cache backed directly by
 * SDRAM; none is taken from a data sheet. They exist so that two flush policies can be compared on one
 * scale; a profile that needs real figures overrides them (MachineConfig.costs).
 *
 * | entry          | cycles | counted per                                     | basis                                                        |
 * |----------------|-------:|-------------------------------------------------|--------------------------------------------------------------|
 * | `hit`          |      1 | L1 read, write or fetch hit                     | illustrative: an L1 hit is pipelined at about one per cycle   |
 * | `miss`         |     40 | L1 read, write or fetch miss (line fill or write-around) | illustrative: tens of cycles to SDRAM without an L2  |
 * | `writeback`    |     40 | dirty line written to memory (eviction, clean, snoop) | illustrative: same order as a fill                      |
 * | `uncached`     |     40 | access through an uncached mapping              | illustrative: one memory transaction                          |
 * | `lineOp`       |      2 | line position examined by a line/range operation | illustrative: one MCR/CACHE instruction per line           |
 * | `wholeCacheOp` |   1024 | whole-cache clean/invalidate                    | illustrative: about one cycle per line of a 32 KiB, 32-byte-line cache |
 * | `tlbFlush`     |    100 | TLB flush                                       | illustrative: the flush plus the refills that follow          |
 *
 * Write-backs are charged in addition to the operation that caused them. Write-through stores and DMA
 * transfers are not charged (a write buffer and the device hide them from the CPU).
 */
export const DEFAULT_COST_TABLE: Readonly<CostTable> = Object.freeze({
  hit: 1,
  miss: 40,
  writeback: 40,
  uncached: 40,
  lineOp: 2,
  wholeCacheOp: 1024,
  tlbFlush: 100,
});

/**
 * The default table with `overrides` applied. Each override must be a finite non-negative number and name
 * an entry of the table; otherwise a UserError naming `where.entry`.
 */
export function resolveCostTable(overrides: Partial<CostTable> | undefined, where = "costs"): CostTable {
  const table: CostTable = { ...DEFAULT_COST_TABLE };
  if (overrides === undefined) return table;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_COST_TABLE)) {
      throw new UserError(
        `${where}.${key}`,
        `unknown cost table entry "${key}" (known: ${Object.keys(DEFAULT_COST_TABLE).join(", ")}).`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new UserError(
        `${where}.${key}`,
        `a cost must be a non-negative number of cycles, not ${String(value)}.`,
      );
    }
    table[key as keyof CostTable] = value;
  }
  return table;
}

/** The counters of one cache (an I-cache's reads are its fetches). */
export function cacheCounters(cache: Cache): CacheCounters {
  const fetch = cache.kind === "i";
  return {
    readHits: fetch ? 0 : cache.readHits,
    readMisses: fetch ? 0 : cache.readMisses,
    writeHits: cache.writeHits,
    writeMisses: cache.writeMisses,
    fetchHits: fetch ? cache.readHits : 0,
    fetchMisses: fetch ? cache.readMisses : 0,
    writebacks: cache.writebacks,
    lineOps: { ...cache.lineOps },
    wholeCacheOps: cache.wholeCacheOps,
  };
}

/** The machine-wide counters kept outside the caches. */
export interface MachineCounters {
  uncachedAccesses: number;
  tlbFlushes: number;
  dmaReads: number;
  dmaWrites: number;
  linesMaintained: number;
}

/** Estimated cycles of one cache's counters under `table`. */
export function cacheCycles(c: CacheCounters, table: CostTable): number {
  const hits = c.readHits + c.writeHits + c.fetchHits;
  const misses = c.readMisses + c.writeMisses + c.fetchMisses;
  const lineOps = c.lineOps.clean + c.lineOps.invalidate + c.lineOps.flush;
  return (
    hits * table.hit +
    misses * table.miss +
    c.writebacks * table.writeback +
    lineOps * table.lineOp +
    c.wholeCacheOps * table.wholeCacheOp
  );
}

/** The Costs record of a machine: per-CPU cache counters, machine counters, and the estimated cycles. */
export function buildCosts(
  cpus: readonly { dcache: Cache; icache: Cache }[],
  counters: MachineCounters,
  table: CostTable,
): Costs {
  const perCpu = cpus.map((cpu) => ({ d: cacheCounters(cpu.dcache), i: cacheCounters(cpu.icache) }));
  let cycles = counters.uncachedAccesses * table.uncached + counters.tlbFlushes * table.tlbFlush;
  for (const { d, i } of perCpu) cycles += cacheCycles(d, table) + cacheCycles(i, table);
  return {
    perCpu,
    uncachedAccesses: counters.uncachedAccesses,
    tlbFlushes: counters.tlbFlushes,
    dmaReads: counters.dmaReads,
    dmaWrites: counters.dmaWrites,
    linesMaintained: counters.linesMaintained,
    cycles,
  };
}
