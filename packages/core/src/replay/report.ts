/**
 * Reports of a replay: a text table laid out as Dinero IV's (cmdmain.c do1stats), and a stable JSON form.
 */
import type { CacheStats, ReplayResult, TypeCounts } from "./engine.js";

/** Where the replayed trace came from, for the report's header. */
export interface TraceInfo {
  /** The file as the user named it. */
  file: string;
  format: string;
}

const COLUMNS: readonly (keyof TypeCounts)[] = ["total", "instrn", "data", "read", "write", "misc"];
const HEADINGS = ["Total", "Instrn", "Data", "Read", "Write", "Misc"];
const LABEL = 22;
const CELL = 12;

const count = (n: number) => n.toFixed(0).padStart(CELL);
const ratio = (n: number) => n.toFixed(4).padStart(CELL);
const row = (label: string, cells: string[]) => ` ${label.padEnd(LABEL - 1)}${cells.join("")}`;

function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** One line describing a cache's geometry and policies. */
export function describeCache(c: CacheStats): string {
  const assoc = c.ways === 1 ? "direct-mapped" : `${c.ways}-way`;
  const allocate = c.writeAllocate ? "write-allocate" : "no-write-allocate";
  return `${sizeText(c.size)}, ${assoc}, ${c.lineSize}-byte lines, ${c.sets} sets, ${c.writePolicy}, ${allocate}, ${c.replacement.toUpperCase()}`;
}

function cacheTable(c: CacheStats): string[] {
  const fetches = COLUMNS.map((k) => c.fetches[k]);
  const fractions = fetches.map((f) => (c.fetches.total === 0 ? 0 : f / c.fetches.total));
  const perFetch = (bytes: number) => (c.fetches.total === 0 ? 0 : bytes / c.fetches.total);
  const traffic = c.bytesFromMemory + c.bytesToMemory;
  const lines = [
    `${c.name}: ${describeCache(c)}`,
    row(
      "Metrics",
      HEADINGS.map((h) => h.padStart(CELL)),
    ),
    row(
      "-----------------",
      HEADINGS.map(() => "------".padStart(CELL)),
    ),
    row("Demand Fetches", fetches.map(count)),
    row(" Fraction of total", fractions.map(ratio)),
    "",
    row(
      "Demand Misses",
      COLUMNS.map((k) => count(c.misses[k])),
    ),
    row(
      " Demand miss rate",
      COLUMNS.map((k) => ratio(c.missRates[k])),
    ),
    "",
    row("Multi-block refs", [count(c.multiBlockRefs)]),
    row("Bytes From Memory", [count(c.bytesFromMemory)]),
    row("( / Demand Fetches)", [ratio(perFetch(c.bytesFromMemory))]),
    row("Bytes To Memory", [count(c.bytesToMemory)]),
    row("( / Demand Writes)", [ratio(c.fetches.write === 0 ? 0 : c.bytesToMemory / c.fetches.write)]),
    row("Total Bytes r/w Mem", [count(traffic)]),
    row("( / Demand Fetches)", [ratio(perFetch(traffic))]),
    "",
    row("Write-backs", [count(c.writeBacks)]),
  ];
  if (c.copyBackRecords > 0) {
    lines.push(row("Copy-back records", [count(c.copyBackRecords)]));
    lines.push(row(" lines copied back", [count(c.linesCopiedBack)]));
  }
  if (c.finalCopyBackLines > 0) lines.push(row("Final copy-back lines", [count(c.finalCopyBackLines)]));
  if (c.invalidateRecords > 0) {
    lines.push(row("Invalidate records", [count(c.invalidateRecords)]));
    lines.push(row(" lines invalidated", [count(c.linesInvalidated)]));
    lines.push(row(" of them dirty (lost)", [count(c.dirtyLinesDropped)]));
  }
  return lines;
}

/** The text report: a header, then one Dinero-style table per cache (I-cache first). */
export function formatReplay(result: ReplayResult, trace: TraceInfo): string {
  const header = [
    `Trace ${trace.file} (${trace.format}): ${result.references} records, ${result.convention} convention`,
    "",
  ];
  const body = result.caches.flatMap((c) => [...cacheTable(c), ""]);
  return [...header, ...body].join("\n");
}

/** The JSON report, with keys in a fixed order so that the same replay gives byte-identical output. */
export function replayToJson(result: ReplayResult, trace: TraceInfo): string {
  const counts = (t: TypeCounts) => Object.fromEntries(COLUMNS.map((k) => [k, t[k]]));
  const json = {
    trace: trace.file,
    format: trace.format,
    convention: result.convention,
    references: result.references,
    caches: result.caches.map((c) => ({
      name: c.name,
      geometry: {
        size: c.size,
        ways: c.ways,
        lineSize: c.lineSize,
        sets: c.sets,
        writePolicy: c.writePolicy,
        writeAllocate: c.writeAllocate,
        replacement: c.replacement,
      },
      fetches: counts(c.fetches),
      misses: counts(c.misses),
      missRates: counts(c.missRates),
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
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
