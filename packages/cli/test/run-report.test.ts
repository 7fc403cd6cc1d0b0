// The output formats of `flushlab run`: exact layout on a fixed result, then the whole command on the
// catalog's fuse scenarios with the real executor.
import {
  type CacheCounters,
  type Costs,
  catalogFiles,
  loadScenarioFile,
  type RunResult,
  type RunViolation,
  type Scenario,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { jsonReporter, type RunReport, textReporter } from "../src/report/index.js";
import { capture } from "./cli-helpers.js";

const fuseFile = catalogFiles().find((f) => f.endsWith("/fuse-writev.yaml"))!;
const threadedFile = catalogFiles().find((f) => f.endsWith("/fuse-writev-threaded.yaml"))!;

function counters(partial: Partial<CacheCounters> = {}): CacheCounters {
  return {
    readHits: 0,
    readMisses: 0,
    writeHits: 0,
    writeMisses: 0,
    fetchHits: 0,
    fetchMisses: 0,
    writebacks: 0,
    lineOps: { clean: 0, invalidate: 0, flush: 0 },
    wholeCacheOps: 0,
    ...partial,
  };
}

function costs(): Costs {
  return {
    perCpu: [{ d: counters({ readHits: 4, readMisses: 2, writeHits: 4, writebacks: 1 }), i: counters() }],
    uncachedAccesses: 0,
    tlbFlushes: 1,
    dmaReads: 0,
    dmaWrites: 0,
    linesMaintained: 3,
    cycles: 1234,
  };
}

function ref(scenario: Scenario, i: number) {
  const step = scenario.steps[i];
  return {
    index: step.index,
    actor: step.actor,
    text: step.text,
    where: `${step.where.file}:${step.where.line}:${step.where.col}`,
  };
}

/** The violation fuse-writev shows on a VIVT cache: the kernel's load through k misses the user's store. */
function staleRead(scenario: Scenario): RunViolation {
  return {
    kind: "stale-read",
    step: 4,
    actor: "client",
    cpu: 0,
    va: 0xc0042010,
    colour: 0,
    pa: 0x00042010,
    expected: 0x11111111,
    got: 0,
    writer: { step: 1, cpu: 0, va: 0x40001010, colour: 1, actor: "client" },
    residences: [
      {
        place: "cache",
        cpu: 0,
        cache: "d",
        set: 129,
        way: 0,
        colour: 1,
        va: 0x40001010,
        dirty: true,
        value: 0x11111111,
      },
      { place: "memory", value: 0 },
    ],
    source: ref(scenario, 4),
    writerSource: ref(scenario, 1),
  };
}

function report(partial: Partial<RunResult> = {}, trace = false): RunReport {
  const scenario = loadScenarioFile(fuseFile);
  const result: RunResult = {
    scenario: scenario.name,
    title: scenario.title,
    file: scenario.file,
    hash: scenario.hash,
    profile: "generic/vivt@asm-generic",
    verdict: "stale",
    expected: "stale",
    cpus: 1,
    violations: [staleRead(scenario)],
    costs: costs(),
    reason: null,
    ...partial,
  };
  return { scenario, result, trace, version: "9.9.9" };
}

describe("the text format", () => {
  it("prints the verdict line, the expectation, each violation with its context, the costs", () => {
    const text = textReporter.render(report());
    const lines = text.split("\n");
    expect(lines[0]).toBe("Observation fuse-writev generic/vivt@asm-generic stale 1");
    expect(lines[1]).toBe("Expected stale: as expected");
    expect(text).toContain(
      [
        "Violation 1 of 1: stale-read",
        `  at step 4 (${fuseFile}:24:5) client: load k+0x10 len=4`,
        "  client on cpu 0, va 0xc0042010 (colour 0), pa 0x00042010",
        "  expected 0x11111111, got 0x00000000",
        `  written by step 1 (${fuseFile}:21:5) client: store buf+0x10 0x11111111 len=4, on cpu 0, va 0x40001010 colour 1`,
        "  the value sits now in:",
        "    cpu 0 D-cache set 129 way 0 colour 1 tag va 0x40001010 dirty: 0x11111111",
        "    memory: 0x00000000",
      ].join("\n"),
    );
    expect(text).toContain("Costs: 3 cache lines maintained, 1234 cycles (estimated)");
    expect(text).toContain(
      "  cpu 0 D: read 4 hit/2 miss, write 4 hit/0 miss, fetch 0 hit/0 miss, 1 writebacks;",
    );
    expect(text.endsWith("\n")).toBe(true);
    expect(text).not.toContain("Trace");
  });

  it("says so when the verdict is not the expected one, and prints the reason", () => {
    const text = textReporter.render(
      report({
        verdict: "rejected",
        violations: [],
        reason: {
          kind: "rejected",
          message: "MAP_FIXED|MAP_SHARED at an incongruent address",
          errno: "-EINVAL",
          location: "arch_get_unmapped_area (arch/arm/mm/mmap.c)",
          step: null,
          where: "f.yaml:3:5",
        },
      }),
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "Observation fuse-writev generic/vivt@asm-generic rejected 0",
      "Expected stale: MISMATCH (got rejected)",
      "Reason: rejected: MAP_FIXED|MAP_SHARED at an incongruent address (-EINVAL, in arch_get_unmapped_area (arch/arm/mm/mmap.c)) at f.yaml:3:5",
    ]);
  });

  it("prints the trace only when asked, events indented by hook depth", () => {
    const trace = [
      {
        index: 2,
        actor: "client",
        text: "get_user_pages client buf -> p",
        where: "f.yaml:22:5",
        events: [
          {
            type: "hook" as const,
            hook: "flush_anon_page" as const,
            args: ["vma(buf)", "page(pfn 0x3ffe)", "0x40001000"],
            depth: 0,
            cpu: 0,
          },
          {
            type: "maintenance" as const,
            op: {
              cpu: 0,
              cache: "d" as const,
              kind: "flush" as const,
              linesTouched: 2,
              scope: "all" as const,
            },
            depth: 1,
          },
        ],
      },
    ];
    expect(textReporter.render(report({ trace }))).not.toContain("Trace:");
    expect(textReporter.render(report({ trace }, true))).toContain(
      [
        "Trace:",
        "  step 2 (f.yaml:22:5) client: get_user_pages client buf -> p",
        "    flush_anon_page(vma(buf), page(pfn 0x3ffe), 0x40001000) on cpu 0",
        "      flush D-cache cpu 0: whole cache, 2 lines",
      ].join("\n"),
    );
  });
});

describe("the JSON format", () => {
  it("is core's result under a header with the format and the tool version", () => {
    const r = report();
    const text = jsonReporter.render(r);
    const doc = JSON.parse(text);
    expect(Object.keys(doc).slice(0, 3)).toEqual(["format", "tool", "scenario"]);
    expect(doc.tool).toEqual({ name: "flushlab", version: "9.9.9" });
    expect(doc).toMatchObject({
      scenario: "fuse-writev",
      hash: r.scenario.hash,
      verdict: "stale",
      expected: "stale",
    });
    expect(doc.violations[0].source.where).toBe(`${fuseFile}:24:5`);
    expect("trace" in doc).toBe(false);
    expect(JSON.parse(jsonReporter.render(report({ trace: [] }, true))).trace).toEqual([]);
  });
});

describe("flushlab run with the real executor", () => {
  for (const [profile, verdict, code] of [
    ["generic/pipt@asm-generic", "coherent", 0],
    ["generic/vivt@asm-generic", "stale", 1],
    ["generic/vivt@flush-all", "coherent", 0],
  ] as const) {
    it(`fuse-writev on ${profile}: ${verdict}, exit ${code}`, async () => {
      const c = capture();
      expect(await main(["run", fuseFile, "--profile", profile], c.io)).toBe(code);
      const lines = c.out.split("\n");
      expect(lines[0]).toMatch(new RegExp(`^Observation fuse-writev ${profile} ${verdict} (\\d+)$`));
      expect(lines[0].endsWith(" 0")).toBe(verdict === "coherent");
      expect(lines[1]).toBe(`Expected ${verdict}: as expected`);
      expect(c.err).toBe("");
    });
  }

  it("a stale run names the kernel's load, the user's store and the values", async () => {
    const c = capture();
    expect(await main(["run", fuseFile, "--profile", "generic/vivt@asm-generic"], c.io)).toBe(1);
    expect(c.out).toContain(`  at step 4 (${fuseFile}:24:5) client: load k+0x10 len=4\n`);
    expect(c.out).toContain("  expected 0x11111111, got 0x00000000\n");
    expect(c.out).toContain(
      `  written by step 1 (${fuseFile}:21:5) client: store buf+0x10 0x11111111 len=4, on cpu 0`,
    );
    expect(c.out).toMatch(/\nCosts: \d+ cache lines maintained, \d+ cycles \(estimated\)\n/);
  });

  it("fuse-writev-threaded is stale even on flush-all", async () => {
    const c = capture();
    expect(await main(["run", threadedFile, "--profile", "generic/vivt@flush-all"], c.io)).toBe(1);
    expect(c.out.split("\n")[0]).toMatch(
      /^Observation fuse-writev-threaded generic\/vivt@flush-all stale [1-9]\d*$/,
    );
  });

  it("--trace prints the hooks get_user_pages calls; --json is stable and parseable", async () => {
    const t = capture();
    expect(await main(["run", fuseFile, "--profile", "generic/vivt@flush-all", "--trace"], t.io)).toBe(0);
    expect(t.out).toMatch(/\nTrace:\n/);
    expect(t.out).toMatch(
      /step 2 \(.*:22:5\) client: get_user_pages client buf -> p\n(\s+.*\n)*?\s+flush_anon_page\(/,
    );
    const a = capture();
    const b = capture();
    expect(await main(["run", fuseFile, "--profile", "generic/vivt@asm-generic", "--json"], a.io)).toBe(1);
    await main(["run", fuseFile, "--profile", "generic/vivt@asm-generic", "--json"], b.io);
    expect(a.out).toBe(b.out);
    const doc = JSON.parse(a.out);
    expect(doc).toMatchObject({
      format: 1,
      scenario: "fuse-writev",
      profile: "generic/vivt@asm-generic",
      verdict: "stale",
    });
    expect(doc.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.violations.length).toBeGreaterThan(0);
  });

  it("an unknown profile is bad input: exit 2, one paragraph", async () => {
    const c = capture();
    expect(await main(["run", fuseFile, "--profile", "generic/nope@asm-generic"], c.io)).toBe(2);
    expect(c.err).toMatch(/^flushlab: .*nope/);
    expect(c.err.trimEnd().split("\n")).toHaveLength(1);
    expect(c.out).toBe("");
  });
});

describe("flushlab list profiles", () => {
  it("prints the generic profiles", async () => {
    const c = capture();
    expect(await main(["list", "profiles"], c.io)).toBe(0);
    const ids = c.out
      .trimEnd()
      .split("\n")
      .map((line) => line.split(/\s+/)[0]);
    expect(ids).toEqual(
      expect.arrayContaining([
        "generic/pipt@asm-generic",
        "generic/vivt@asm-generic",
        "generic/vivt@flush-all",
        "generic/vipt-32k@asm-generic",
      ]),
    );
    expect(ids).not.toContain("generic/pipt@flush-all");
  });

  it("--all adds the pairs that do not exist, with the reason; --json", async () => {
    const c = capture();
    expect(await main(["list", "profiles", "--all"], c.io)).toBe(0);
    expect(c.out).toMatch(/^generic\/pipt@flush-all\s+\(does not exist: .+\)$/m);
    const j = capture();
    expect(await main(["list", "profiles", "--json"], j.io)).toBe(0);
    const list = JSON.parse(j.out) as { id: string; supported: true | string }[];
    expect(list.every((p) => p.supported === true)).toBe(true);
    expect(list.map((p) => p.id)).toContain("generic/vivt@asm-generic");
  });
});
