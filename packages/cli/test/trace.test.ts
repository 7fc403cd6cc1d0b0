// `flushlab trace` through the whole program: statistics of small hand-computed traces in every format,
// JSON, and bad input (exit code 2, one paragraph naming the option, file or file:line, no stack trace).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeBinary } from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { capture } from "./cli-helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "fixtures", "trace");
const root = join(here, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "flushlab-trace-"));

async function run(...argv: string[]) {
  const c = capture();
  const code = await main(["trace", ...argv], c.io);
  return { code, out: c.out, err: c.err };
}

async function json(...argv: string[]) {
  const r = await run(...argv, "--json");
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

function expectOneParagraph(err: string): void {
  expect(err).toMatch(/^flushlab: /);
  expect(err.trimEnd().split("\n")).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

describe("flushlab trace", () => {
  // small.xdin at 1 KiB 2-way 16-byte L1s (32 sets); lines 0x1000, 0x2000 and 0x3000 share D set 0
  it("prints Dinero's statistics of a hand-computed xdin trace", async () => {
    const small = join(fixtures, "small.xdin");
    const r = await run(small, "--d1", "1k:2:16", "--i1", "1k:2:16");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Trace ${small} (xdin): 12 records, dinero convention`);
    expect(r.out).toContain(
      "l1-icache: 1 KiB, 2-way, 16-byte lines, 32 sets, write-back, write-allocate, LRU",
    );
    expect(r.out).toMatch(/ Demand Fetches\s+7\s+0\s+7\s+4\s+2\s+1\n/);
    expect(r.out).toMatch(/ Demand Misses\s+5\s+0\s+5\s+3\s+1\s+1\n/);

    const [i, d] = (await json(small, "--d1", "1k:2:16", "--i1", "1k:2:16")).caches;
    // i 400 misses, i 404 hits, i 40e 4 straddles lines 0x400 (hit) and 0x410 (miss); v 0 0 drops both
    expect(i).toMatchObject({
      name: "l1-icache",
      fetches: { total: 4, instrn: 4 },
      misses: { total: 2, instrn: 2 },
      multiBlockRefs: 1,
      bytesFromMemory: 32,
      invalidateRecords: 1,
      linesInvalidated: 2,
    });
    // r 1000 miss; w 1004 hit (dirty); r 1000 8 hit; w 2000 10 miss, a whole line: no fetch; m 3000 miss
    // evicts the dirty 0x1000 (a write-back); c 0 0 copies 0x2000 back; r 1000 misses again; v 0 0 drops
    // 0x3000 and 0x1000; r 1000 misses
    expect(d).toMatchObject({
      name: "l1-dcache",
      fetches: { total: 7, data: 7, read: 4, write: 2, misc: 1 },
      misses: { total: 5, read: 3, write: 1, misc: 1 },
      multiBlockRefs: 0,
      bytesFromMemory: 64,
      bytesToMemory: 32,
      writeBacks: 1,
      copyBackRecords: 1,
      linesCopiedBack: 1,
      finalCopyBackLines: 0,
      invalidateRecords: 1,
      linesInvalidated: 2,
      dirtyLinesDropped: 0,
    });
  });

  it("prints the same JSON for the same trace", async () => {
    const a = await run(join(fixtures, "small.xdin"), "--d1", "1k:2:16", "--json");
    const b = await run(join(fixtures, "small.xdin"), "--d1", "1k:2:16", "--json");
    expect(a.out).toBe(b.out);
    expect(JSON.parse(a.out).caches[0].name).toBe("l1-ucache");
  });

  it("reads lackey, din and binary traces, by extension, by content, or as told", async () => {
    // unified: I 400000 misses, L 1000 misses, S hits, M is a read and a write that hit, I 400004 hits
    const lackey = await json(join(fixtures, "small.lackey"), "--d1", "1k:2:16");
    expect(lackey.format).toBe("lackey");
    expect(lackey.caches[0].fetches).toMatchObject({ instrn: 2, read: 2, write: 2 });
    expect(lackey.caches[0].misses).toMatchObject({ instrn: 1, read: 1, write: 0 });
    const cachegrind = await json(
      join(fixtures, "small.lackey"),
      "--d1",
      "1k:2:16",
      "--convention",
      "cachegrind",
    );
    expect(cachegrind.convention).toBe("cachegrind");
    expect(cachegrind.caches[0].fetches).toMatchObject({ read: 2, write: 1 });

    const din = await json(join(fixtures, "small.din"), "--d1", "1k:2:16", "--i1", "1k:2:16");
    expect(din.caches[1].fetches).toMatchObject({ read: 1, write: 1 });
    expect(din.caches[1].misses).toMatchObject({ read: 1, write: 0 });

    const bin = join(dir, "small.bin");
    writeFileSync(bin, encodeBinary([2, 0, 1], [0x400, 0x1000, 0x1002], [4, 4, 4]));
    expect((await json(bin, "--d1", "1k:2:16", "--i1", "1k:2:16")).caches).toEqual(din.caches);

    const noExtension = join(dir, "trace-without-extension");
    copyFileSync(join(fixtures, "small.lackey"), noExtension);
    expect((await json(noExtension, "--d1", "1k:2:16")).format).toBe("lackey");
    const told = await run(join(fixtures, "small.din"), "--d1", "1k:2:16", "--format", "xdin");
    expect(told.code).toBe(2);
    expect(told.err).toMatch(
      /small\.din:1:1: unknown access type "2": an xdin record .* use --format din\.\n$/,
    );
  });

  it("replays the bundled matmul trace that npm start shows", async () => {
    const r = await run(
      join(root, "packages/core/traces/matmul.xdin"),
      "--d1",
      "32k:4:32",
      "--i1",
      "32k:4:32",
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/matmul\.xdin \(xdin\): 5244 records/);
    expect(r.out).toContain("l1-dcache: 32 KiB, 4-way, 32-byte lines, 256 sets");
  });
});

describe("flushlab trace on bad input", () => {
  const small = join(fixtures, "small.xdin");

  it("a bad geometry names the option", async () => {
    const r = await run(small, "--d1", "33k:4:32");
    expect(r.code).toBe(2);
    expectOneParagraph(r.err);
    expect(r.err).toBe(
      "flushlab: --d1: invalid cache geometry (size 33792, 4 ways, 32-byte lines): the size must be a power of two.\n",
    );
    const i1 = await run(small, "--d1", "32k:4:32", "--i1", "32k:4");
    expect(i1.code).toBe(2);
    expect(i1.err).toMatch(/^flushlab: --i1: "32k:4" is not a geometry/);
  });

  it("a bad record names file, line and column", async () => {
    const bad = join(fixtures, "bad.xdin");
    const r = await run(bad, "--d1", "32k:4:32");
    expect(r.code).toBe(2);
    expectOneParagraph(r.err);
    expect(r.err).toBe(
      `flushlab: ${bad}:3:1: unknown access type "q": an xdin record starts with r, w, i, m, c or v (Dinero IV's extended din).\n`,
    );
    expect(r.out).toBe("");
  });

  it("an unreadable or unrecognisable file names the file", async () => {
    const missing = join(dir, "missing.xdin");
    const r = await run(missing, "--d1", "32k:4:32");
    expect(r.code).toBe(2);
    expect(r.err).toBe(`flushlab: ${missing}: cannot read the trace: no such file.\n`);
    const directory = await run(dir, "--d1", "32k:4:32", "--format", "xdin");
    expect(directory.code).toBe(2);
    expect(directory.err).toBe(
      `flushlab: ${dir}: cannot read the trace: is a directory, not a trace file.\n`,
    );
    const prose = join(dir, "notes");
    writeFileSync(prose, "hello, these are notes\n");
    const unknown = await run(prose, "--d1", "32k:4:32");
    expect(unknown.code).toBe(2);
    expectOneParagraph(unknown.err);
    expect(unknown.err).toContain("cannot tell the trace format from the file name or its first lines");
  });

  it("bad options: exit 2", async () => {
    const seed = await run(small, "--d1", "32k:4:32", "--seed", "-3");
    expect(seed.code).toBe(2);
    expect(seed.err).toBe('flushlab: --seed: "-3" is not a seed (an integer from 0 to 4294967295).\n');
    const noD1 = await run(small);
    expect(noD1.code).toBe(2);
    expect(noD1.err).toContain("required option '--d1 <geometry>' not specified");
    const format = await run(small, "--d1", "32k:4:32", "--format", "pixie");
    expect(format.code).toBe(2);
    expect(format.err).toContain("argument 'pixie' is invalid");
  });

  it("the built program prints no stack trace for a bad option (run after node scripts/setup.mjs)", () => {
    const bin = join(root, "packages/cli/dist/bin.js");
    expect(existsSync(bin), `${bin} is missing: build with node scripts/setup.mjs`).toBe(true);
    const bad = spawnSync(process.execPath, [bin, "trace", small, "--d1", "32k:3:32"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expectOneParagraph(bad.stderr);
    expect(bad.stderr).toContain("--d1: invalid cache geometry");
    const good = spawnSync(process.execPath, [bin, "trace", small, "--d1", "1k:2:16"], { encoding: "utf8" });
    expect(good.status).toBe(0);
    expect(good.stdout).toContain("l1-ucache: 1 KiB, 2-way");
  });
});
