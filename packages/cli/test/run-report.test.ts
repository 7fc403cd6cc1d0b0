// The output formats of `flushlab run`, on a parsed catalog scenario and a result with one violation; and the
// command's plumbing (exit codes, options passed to the executor) with the executor given explicitly.
import {
  type CacheCounters,
  type Costs,
  catalogFiles,
  loadScenarioFile,
  type Scenario,
  type Violation,
} from "@flushlab/core";
import { describe, expect, it } from "vitest";
import { runCommand } from "../src/commands/run.js";
import type { Engine } from "../src/report/engine.js";
import { jsonReporter, type RunReport, type RunResult, textReporter } from "../src/report/index.js";
import { capture } from "./cli-helpers.js";

const fuseFile = catalogFiles().find((f) => f.endsWith("/fuse-writev.yaml"))!;

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

/** The violation fuse-writev shows on a VIVT cache: the kernel's load through k misses the user's store. */
function staleRead(scenario: Scenario): Violation {
  const load = scenario.steps[4];
  const store = scenario.steps[1];
  return {
    kind: "stale-read",
    step: load.index,
    actor: "client",
    cpu: 0,
    va: 0xc0042010,
    colour: 0,
    pa: 0x00042010,
    expected: 0x11111111,
    got: 0,
    writer: { step: store.index, cpu: 0, va: 0x40001010, colour: 1, actor: "client" },
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
      {
        place: "cache",
        cpu: 0,
        cache: "d",
        set: 1,
        way: 2,
        colour: 0,
        va: 0xc0042010,
        dirty: false,
        value: 0,
      },
      { place: "memory", value: 0 },
    ],
  };
}

function report(result: Partial<RunResult> = {}, trace = false): RunReport {
  const scenario = loadScenarioFile(fuseFile);
  return {
    scenario,
    profile: "generic/vivt@asm-generic",
    result: { verdict: "stale", violations: [staleRead(scenario)], costs: costs(), reason: null, ...result },
    expected: "stale",
    trace,
    version: "9.9.9",
  };
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
        `  at step 4, ${fuseFile}:24:5: client: load k+0x10 len=4`,
        "  client on cpu 0, va 0xc0042010 (colour 0), pa 0x00042010",
        "  expected 0x11111111, got 0x00000000",
        `  written by step 1 (${fuseFile}:21:5: client: store buf+0x10 0x11111111 len=4), client on cpu 0, va 0x40001010 colour 1`,
        "  the value sits now in:",
        "    cpu 0 D-cache set 129 way 0 colour 1 tag va 0x40001010 dirty: 0x11111111",
        "    cpu 0 D-cache set 1 way 2 colour 0 tag va 0xc0042010 clean: 0x00000000",
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
      report({ verdict: "rejected", violations: [], reason: "mmap: -EINVAL" }),
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "Observation fuse-writev generic/vivt@asm-generic rejected 0",
      "Expected stale: MISMATCH (got rejected)",
      "Reason: mmap: -EINVAL",
    ]);
  });

  it("prints the trace only when asked", () => {
    const trace = [
      { step: 2, kind: "hook", text: "flush_anon_page(client, 0x40001000)" },
      { step: 3, kind: "hook" },
    ];
    const text = textReporter.render(report({ trace }, true));
    expect(text).toContain(
      'Trace (2 events):\n  [2] flush_anon_page(client, 0x40001000)\n  [3] {"kind":"hook"}\n',
    );
  });
});

describe("the JSON format", () => {
  it("is a stable document with the tool version and the scenario hash", () => {
    const r = report();
    const text = jsonReporter.render(r);
    expect(jsonReporter.render(report())).toBe(text);
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual([
      "format",
      "tool",
      "scenario",
      "profile",
      "verdict",
      "violationCount",
      "expected",
      "reason",
      "violations",
      "costs",
    ]);
    expect(doc.tool).toEqual({ name: "flushlab", version: "9.9.9" });
    expect(doc.scenario).toEqual({ name: "fuse-writev", file: fuseFile, hash: r.scenario.hash });
    expect(doc.scenario.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.violations[0]).toMatchObject({
      kind: "stale-read",
      step: 4,
      source: `${fuseFile}:24:5`,
      text: "client: load k+0x10 len=4",
      expected: 0x11111111,
      got: 0,
    });
    expect(JSON.parse(jsonReporter.render(report({ trace: [{ step: 0 }] }, true))).trace).toEqual([
      { step: 0 },
    ]);
  });
});

describe("runCommand", () => {
  function engine(verdict: RunResult["verdict"], calls: unknown[]): Engine {
    return {
      runScenario(scenario, profileId, options) {
        calls.push([scenario.name, profileId, options]);
        return {
          verdict,
          violations: verdict === "stale" ? [staleRead(scenario)] : [],
          costs: costs(),
          reason: null,
        };
      },
      listProfiles: () => ["generic/pipt@asm-generic"],
    };
  }

  it("exits 0 when coherent, 1 for any other verdict, passing the profile and --trace through", async () => {
    for (const [verdict, code] of [
      ["coherent", 0],
      ["stale", 1],
      ["rejected", 1],
      ["bug", 1],
      ["error", 1],
    ] as const) {
      const calls: unknown[] = [];
      const c = capture();
      expect(
        await runCommand(
          fuseFile,
          { profile: "generic/vivt@asm-generic", trace: true },
          c.io,
          engine(verdict, calls),
        ),
      ).toBe(code);
      expect(calls).toEqual([["fuse-writev", "generic/vivt@asm-generic", { trace: true }]]);
      expect(c.out.split("\n")[0]).toBe(
        `Observation fuse-writev generic/vivt@asm-generic ${verdict} ${verdict === "stale" ? 1 : 0}`,
      );
    }
  });

  it("--json prints the JSON document", async () => {
    const c = capture();
    await runCommand(
      fuseFile,
      { profile: "generic/pipt@asm-generic", json: true },
      c.io,
      engine("coherent", []),
    );
    const doc = JSON.parse(c.out);
    expect(doc).toMatchObject({
      profile: "generic/pipt@asm-generic",
      verdict: "coherent",
      expected: "coherent",
    });
  });
});
