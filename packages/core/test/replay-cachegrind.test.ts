// The replayer checked against a real simulator: a small C program of our own is compiled with gcc, its
// accesses recorded with valgrind's lackey, replayed through flushlab under cachegrind's conventions, and the
// D1 and I1 counts compared with cachegrind's own simulation of the same run on the same geometry.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGeometry } from "../src/hw/geometry.js";
import { replayTrace } from "../src/replay/engine.js";
import { parseTrace } from "../src/replay/parse.js";

// Matrix multiply (capacity and conflict misses), a histogram (read-modify-write instructions: lackey's M),
// unaligned loads and stores through a packed struct (accesses straddling two lines), a column walk, and
// fxsave/fxrstor (one 512-byte access each, which cachegrind clamps to its smallest line size).
const PROGRAM = String.raw`
#include <stdio.h>
#include <string.h>
#define N 40
static double a[N][N], b[N][N], c[N][N];
static unsigned hist[256];
struct __attribute__((packed)) rec { char tag; double value; int count; char pad[3]; };
static struct rec recs[300];
static unsigned char fx[512] __attribute__((aligned(64)));
int main(void) {
  for (int i = 0; i < 4; i++) __asm__ volatile("fxsave %0\n\tfxrstor %0" : "+m"(fx));
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { a[i][j] = i + 2 * j; b[i][j] = i - j; }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  unsigned x = 12345;
  for (int i = 0; i < 20000; i++) { x = x * 1103515245u + 12345u; hist[(x >> 16) & 255]++; }
  for (int i = 0; i < 300; i++) { recs[i].tag = (char)i; recs[i].value = i * 0.5; recs[i].count = i; }
  double total = 0;
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < 300; i++) { total += recs[i].value; recs[i].count += r; }
  double col = 0;
  for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) col += c[i][j];
  char buf[200];
  memset(buf, 'x', sizeof buf);
  buf[sizeof buf - 1] = 0;
  printf("%f %f %u %zu\n", total, col, hist[7], strlen(buf + 3));
  return 0;
}
`;

interface CachegrindCounts {
  Ir: number;
  I1mr: number;
  Dr: number;
  D1mr: number;
  Dw: number;
  D1mw: number;
}

/** The `summary:` line of a cachegrind out file, keyed by its `events:` line. */
function parseCachegrindOut(text: string): CachegrindCounts {
  const events = /^events: (.*)$/m.exec(text)?.[1].trim().split(/\s+/);
  const summary = /^summary: (.*)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
  if (!events || !summary) throw new Error(`not a cachegrind out file:\n${text.slice(0, 500)}`);
  const counts = Object.fromEntries(events.map((e, i) => [e, summary[i]]));
  return counts as unknown as CachegrindCounts;
}

let dir = "";
let lackeyLog = "";
let program = "";
const LL = { size: 262144, ways: 8, lineSize: 64 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flushlab-cachegrind-"));
  writeFileSync(join(dir, "prog.c"), PROGRAM);
  program = join(dir, "prog");
  execFileSync("gcc", ["-O1", "-o", program, join(dir, "prog.c")]);
  lackeyLog = join(dir, "lackey.log");
  execFileSync("valgrind", ["--tool=lackey", "--trace-mem=yes", `--log-file=${lackeyLog}`, program], {
    cwd: dir,
    stdio: "ignore",
  });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cachegrind(size: number, ways: number, line: number): CachegrindCounts {
  const out = join(dir, `cachegrind.${size}.${ways}.${line}.out`);
  execFileSync(
    "valgrind",
    [
      "--tool=cachegrind",
      "--cache-sim=yes",
      `--I1=${size},${ways},${line}`,
      `--D1=${size},${ways},${line}`,
      `--LL=${LL.size},${LL.ways},${LL.lineSize}`,
      `--cachegrind-out-file=${out}`,
      program,
    ],
    { cwd: dir, stdio: "ignore" },
  );
  return parseCachegrindOut(readFileSync(out, "utf8"));
}

describe("replay against cachegrind", () => {
  for (const geometry of ["32k:4:32", "8k:2:64", "4k:1:32"]) {
    it(`gives cachegrind's D1 and I1 counts at ${geometry}`, () => {
      const g = parseGeometry(`${geometry}:wb:wa:lru`, "test");
      const expected = cachegrind(g.size, g.ways, g.lineSize);
      const result = replayTrace(parseTrace("lackey", [readFileSync(lackeyLog)], lackeyLog), {
        d1: g,
        i1: g,
        convention: "cachegrind",
        maxDataSize: Math.min(g.lineSize, LL.lineSize),
      });
      const [i1, d1] = result.caches;
      expect(i1.name).toBe("l1-icache");
      expect({
        Ir: i1.fetches.instrn,
        I1mr: i1.misses.instrn,
        Dr: d1.fetches.read,
        D1mr: d1.misses.read,
        Dw: d1.fetches.write,
        D1mw: d1.misses.write,
      }).toEqual({
        Ir: expected.Ir,
        I1mr: expected.I1mr,
        Dr: expected.Dr,
        D1mr: expected.D1mr,
        Dw: expected.Dw,
        D1mw: expected.D1mw,
      });
      // not a vacuous comparison: the program misses, and some of its accesses straddle lines
      expect(expected.D1mr + expected.D1mw).toBeGreaterThan(100);
      expect(expected.I1mr).toBeGreaterThan(100);
    });
  }

  it("differs from cachegrind under Dinero's conventions when accesses straddle lines or modify", () => {
    const g = parseGeometry("32k:4:32", "test");
    const expected = cachegrind(g.size, g.ways, g.lineSize);
    const result = replayTrace(parseTrace("lackey", [readFileSync(lackeyLog)], lackeyLog), { d1: g, i1: g });
    const d1 = result.caches[1];
    expect(d1.multiBlockRefs).toBeGreaterThan(0);
    // Dinero counts each modify as a read and a write, and each piece of a split access
    expect(d1.fetches.write).toBeGreaterThan(expected.Dw);
    expect(d1.fetches.read).toBeGreaterThanOrEqual(expected.Dr);
  });
});
