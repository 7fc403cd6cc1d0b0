// A deliberately plain model of the trace replayer's rules (engine.ts), to hold the engine's optimised
// paths to them, and helpers to feed it and the engine the same references.
import type { CacheGeometry } from "../src/hw/geometry.js";
import { xorshift32 } from "../src/hw/tag-store.js";
import { RefBatch, RefType } from "../src/replay/batch.js";
import type { CacheStats, Convention } from "../src/replay/engine.js";

export type Ref = [type: number, address: number, size: number];

/** Batches of at most `batchSize` references. */
export function batches(refs: Ref[], batchSize = 64): RefBatch[] {
  const out: RefBatch[] = [];
  for (let i = 0; i < refs.length; i += batchSize) {
    const batch = new RefBatch(batchSize, "t.xdin", "line");
    refs.slice(i, i + batchSize).forEach(([type, address, size], j) => {
      batch.push(type, address, size, i + j + 1);
    });
    out.push(batch);
  }
  return out;
}

interface Way {
  tag: number;
  dirty: boolean;
  stamp: number;
}

/** Replay `refs` through the model: what the engine must count, statistic by statistic. */
export function referenceReplay(
  refs: Ref[],
  d1: CacheGeometry,
  i1: CacheGeometry | undefined,
  convention: Convention,
  seed: number,
) {
  const model = (g: CacheGeometry) => ({
    g,
    sets: Array.from({ length: g.sets }, () => [] as (Way | null)[]),
    clock: 0,
    random: xorshift32(seed),
    fetch: [0, 0, 0, 0],
    miss: [0, 0, 0, 0],
    multi: 0,
    from: 0,
    to: 0,
    writeBacks: 0,
    cbRecords: 0,
    cbLines: 0,
    final: 0,
    invRecords: 0,
    invLines: 0,
    dropped: 0,
  });
  type Model = ReturnType<typeof model>;
  const d = model(d1);
  const i = i1 ? model(i1) : d;
  const maxData =
    convention === "dinero" ? Number.POSITIVE_INFINITY : Math.min(d1.lineSize, i1?.lineSize ?? d1.lineSize);
  const touch = (m: Model, line: number, type: number, size: number): boolean => {
    const set = m.sets[line % m.g.sets];
    const tag = Math.floor(line / m.g.sets);
    const write = type === RefType.write;
    for (let w = 0; w < m.g.ways; w++) {
      const way = set[w];
      if (way && way.tag === tag) {
        if (m.g.replacement === "lru") way.stamp = ++m.clock;
        if (write) {
          if (m.g.writePolicy === "write-back") way.dirty = true;
          else m.to += size;
        }
        return false;
      }
    }
    if (write && !m.g.writeAllocate) {
      m.to += size;
      return true;
    }
    let victim = -1;
    for (let w = 0; w < m.g.ways && victim < 0; w++) if (!set[w]) victim = w;
    if (victim < 0) {
      if (m.g.replacement === "random") victim = m.random() % m.g.ways;
      else {
        victim = 0;
        for (let w = 1; w < m.g.ways; w++) if ((set[w] as Way).stamp < (set[victim] as Way).stamp) victim = w;
      }
      if ((set[victim] as Way).dirty) {
        m.to += m.g.lineSize;
        m.writeBacks++;
      }
    }
    set[victim] = { tag, dirty: write && m.g.writePolicy === "write-back", stamp: ++m.clock };
    if (!(write && size === m.g.lineSize)) m.from += m.g.lineSize;
    if (write && m.g.writePolicy === "write-through") m.to += size;
    return true;
  };
  const demand = (m: Model, type: number, address: number, size: number) => {
    const first = Math.floor(address / m.g.lineSize);
    const last = size <= 1 ? first : Math.floor((address + size - 1) / m.g.lineSize);
    let missed = false;
    for (let line = first; line <= last; line++) {
      const from = Math.max(address, line * m.g.lineSize);
      const to = Math.min(address + Math.max(size, 0), (line + 1) * m.g.lineSize);
      const miss = touch(m, line, type, first === last ? size : to - from);
      if (convention === "dinero") {
        m.fetch[type]++;
        if (miss) m.miss[type]++;
      } else missed ||= miss;
    }
    if (convention === "dinero") m.multi += last - first;
    else {
      m.fetch[type]++;
      if (missed) m.miss[type]++;
    }
  };
  const eachLine = (m: Model, address: number, size: number, f: (set: (Way | null)[], w: number) => void) => {
    const line = Math.floor(address / m.g.lineSize);
    for (let s = 0; s < m.sets.length; s++) {
      const set = m.sets[s];
      for (let w = 0; w < set.length; w++) {
        const way = set[w];
        if (way && (size === 0 || (s === line % m.g.sets && way.tag === Math.floor(line / m.g.sets))))
          f(set, w);
      }
    }
  };
  const copyBack = (m: Model, address: number, size: number) => {
    let lines = 0;
    eachLine(m, address, size, (set, w) => {
      if ((set[w] as Way).dirty) {
        (set[w] as Way).dirty = false;
        lines++;
      }
    });
    m.to += lines * m.g.lineSize;
    return lines;
  };
  for (const [type, address, size] of refs) {
    if (type === RefType.ifetch) demand(i, type, address, size);
    else if (type <= RefType.misc) demand(d, type, address, Math.min(size, maxData));
    else if (type === RefType.modify) {
      demand(d, RefType.read, address, Math.min(size, maxData));
      if (convention === "dinero") demand(d, RefType.write, address, Math.min(size, maxData));
    } else if (type === RefType.copyBack) {
      d.cbRecords++;
      d.cbLines += copyBack(d, address, size);
    } else {
      for (const m of i === d ? [d] : [i, d]) {
        m.invRecords++;
        eachLine(m, address, size, (set, w) => {
          m.invLines++;
          if ((set[w] as Way).dirty) m.dropped++;
          set[w] = null;
        });
      }
    }
  }
  d.final = copyBack(d, 0, 0);
  return (i === d ? [d] : [i, d]).map((m) => ({
    fetches: { read: m.fetch[0], write: m.fetch[1], instrn: m.fetch[2], misc: m.fetch[3] },
    misses: { read: m.miss[0], write: m.miss[1], instrn: m.miss[2], misc: m.miss[3] },
    multiBlockRefs: m.multi,
    bytesFromMemory: m.from,
    bytesToMemory: m.to,
    writeBacks: m.writeBacks,
    copyBackRecords: m.cbRecords,
    linesCopiedBack: m.cbLines,
    finalCopyBackLines: m.final,
    invalidateRecords: m.invRecords,
    linesInvalidated: m.invLines,
    dirtyLinesDropped: m.dropped,
  }));
}

/** The statistics of an engine result that the model counts. */
export const comparable = (c: CacheStats) => ({
  fetches: { read: c.fetches.read, write: c.fetches.write, instrn: c.fetches.instrn, misc: c.fetches.misc },
  misses: { read: c.misses.read, write: c.misses.write, instrn: c.misses.instrn, misc: c.misses.misc },
  multiBlockRefs: c.multiBlockRefs,
  bytesFromMemory: c.bytesFromMemory,
  bytesToMemory: c.bytesToMemory,
  writeBacks: c.writeBacks,
  copyBackRecords: c.copyBackRecords,
  linesCopiedBack: c.linesCopiedBack,
  finalCopyBackLines: c.finalCopyBackLines,
  invalidateRecords: c.invalidateRecords,
  linesInvalidated: c.linesInvalidated,
  dirtyLinesDropped: c.dirtyLinesDropped,
});
