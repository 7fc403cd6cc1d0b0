// `flushlab trace FILE --d1 G [--i1 G] [--format F] [--convention C] [--seed N] [--json]`: replay a memory
// trace through L1 caches and print Dinero IV's statistics per cache.
import { closeSync, openSync, readSync } from "node:fs";
import { Option } from "@commander-js/extra-typings";
import {
  type Convention,
  formatFromName,
  formatReplay,
  parseGeometry,
  parseTrace,
  replayToJson,
  sniffFormat,
  TRACE_FORMATS,
  type TraceFormat,
  TraceReplayer,
  UserError,
} from "@flushlab/core";
import type { Io } from "../io.js";
import type { RegisterCommand } from "./index.js";

/** Options of `flushlab trace`, as commander parses them. */
export interface TraceOptions {
  d1: string;
  i1?: string;
  format?: TraceFormat;
  convention?: Convention;
  seed?: string;
  json?: boolean;
}

const CHUNK = 1 << 20;
const SNIFF = 4096;

/** A file system error as the one-paragraph message a user needs. */
function readError(file: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why =
    code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
        ? "is a directory, not a trace file"
        : code === "EACCES"
          ? "permission denied"
          : ((error as Error)?.message ?? String(error));
  return new UserError(file, `cannot read the trace: ${why}.`);
}

/** The file's bytes in chunks of 1 MiB (one buffer, reused: the parsers copy what they keep). */
function* chunksOf(file: string, fd: number): Generator<Uint8Array, void, void> {
  const buffer = new Uint8Array(CHUNK);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, CHUNK, null);
    } catch (error) {
      throw readError(file, error);
    }
    if (n === 0) return;
    yield buffer.subarray(0, n);
  }
}

/** The format the user gave, else the one the extension names, else the one the content suggests. */
function decideFormat(file: string, fd: number, given: TraceFormat | undefined): TraceFormat {
  if (given) return given;
  const named = formatFromName(file);
  if (named) return named;
  const head = new Uint8Array(SNIFF);
  let n: number;
  try {
    n = readSync(fd, head, 0, SNIFF, 0);
  } catch (error) {
    throw readError(file, error);
  }
  const sniffed = sniffFormat(head.subarray(0, n));
  if (!sniffed) {
    throw new UserError(
      file,
      `cannot tell the trace format from the file name or its first lines; give --format ${TRACE_FORMATS.join("|")}.`,
    );
  }
  return sniffed;
}

/** Run `flushlab trace`: replay `file` and print the report. Bad input throws a UserError. */
export function traceCommand(file: string, options: TraceOptions, io: Io): void {
  const d1 = parseGeometry(options.d1, "--d1");
  const i1 = options.i1 === undefined ? undefined : parseGeometry(options.i1, "--i1");
  let seed = 1;
  if (options.seed !== undefined) {
    seed = Number(options.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new UserError("--seed", `"${options.seed}" is not a seed (an integer from 0 to 4294967295).`);
    }
  }
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw readError(file, error);
  }
  try {
    const format = decideFormat(file, fd, options.format);
    const replayer = new TraceReplayer({ d1, i1, convention: options.convention, seed });
    for (const batch of parseTrace(format, chunksOf(file, fd), file)) replayer.replay(batch);
    const result = replayer.finish();
    const info = { file, format };
    io.stdout(options.json ? replayToJson(result, info) : formatReplay(result, info));
  } finally {
    closeSync(fd);
  }
}

const HELP = `
Geometry: SIZE:WAYS:LINE[:option...], such as 32k:4:32 or 8k:2:64:wt:nwa:fifo; options wb|wt (write-back,
the default, or write-through), wa|nwa (write-allocate or not; the default follows the write policy:
write-back allocates, write-through does not), lru|fifo|random (default lru; random is seeded by --seed).

Formats (--format, else from the extension .xdin .din .lackey .bin, else from the first lines):
  xdin    Dinero IV extended din: "r|w|i|m|c|v ADDRESS SIZE", hex; c copies back and v invalidates
          (size 0: the whole cache; else the one line holding the address, as Dinero IV does)
  din     traditional din: "LABEL ADDRESS", label 0 read 1 write 2 ifetch 3 misc 4 copy-back
          5 invalidate; the address is rounded down to 4 and the size is 4, as in Dinero IV
  lackey  valgrind --tool=lackey --trace-mem=yes output: "I  ADDR,SIZE", " L|S|M ADDR,SIZE"; ==PID==
          lines are skipped; M (modify) is a read then a write of the same bytes
  bin     Dinero IV binary: 8-byte records, 4-byte little-endian address, 2-byte size, type byte, pad

Routing, as Dinero IV: instruction fetches go to --i1, or to --d1 as a unified cache when --i1 is absent;
invalidates go to both caches; everything else to --d1. The D-cache is copied back after the last record.

An access that straddles lines (convention dinero, the default): split at line boundaries, each piece
one demand fetch that hits or misses on its own, as Dinero IV's d4_splitm; "Multi-block refs" counts the
extra pieces. --convention cachegrind counts it as one access touching every line, one miss if any line
misses, a modify as one read, and data sizes clamped to the smallest line size, as cachegrind does.
`;

export const registerTrace: RegisterCommand = (program, io) => {
  program
    .command("trace")
    .description("replay a memory trace through L1 caches and print Dinero IV's statistics")
    .argument("<file>", "the trace file")
    .requiredOption(
      "--d1 <geometry>",
      "the L1 data cache (unified when --i1 is absent), SIZE:WAYS:LINE[:opts]",
    )
    .option("--i1 <geometry>", "the L1 instruction cache, SIZE:WAYS:LINE[:opts]")
    .addOption(new Option("--format <format>", "the trace format").choices(TRACE_FORMATS))
    .addOption(
      new Option("--convention <convention>", "how straddling accesses and modifies count")
        .choices(["dinero", "cachegrind"] as const)
        .default("dinero" as const),
    )
    .option("--seed <n>", "seed of random replacement", "1")
    .option("--json", "print JSON instead of the table")
    .addHelpText("after", HELP)
    .action((file, options) => {
      traceCommand(file, options, io);
    });
};
