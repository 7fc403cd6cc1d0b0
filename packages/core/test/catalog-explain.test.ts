// The explanation of a run (src/explain): the timeline nests hook calls and compacts accesses into cache
// lines with their colour; each violation gets its causal story (the store, where the value sits, the access
// that missed it, the hooks in between that did not touch the value's line). Checked on catalog scenarios
// whose traces the kernel model fixes, and on hand-made maintenance operations.
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ExplainGeometry,
  explainScenario,
  reachesTarget,
  type StoryTarget,
  type TimelineEntry,
  type TimelineHook,
} from "../src/explain/index.js";
import type { MaintenanceOp } from "../src/hw/api.js";
import { catalogFiles, loadScenarioFile } from "../src/scenario/index.js";

const scenario = (name: string) =>
  loadScenarioFile(catalogFiles().find((f) => basename(f) === `${name}.yaml`)!);

/** Every entry of a timeline, depth first. */
function flatten(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries.flatMap((e) => (e.type === "hook" ? [e, ...flatten(e.entries)] : [e]));
}

describe("the timeline", () => {
  const explanation = explainScenario(scenario("fuse-readv"), "generic/vivt@asm-generic");

  it("has the set-up, every step in order, and the end of the run", () => {
    const indices = explanation.timeline.map((s) => s.index);
    expect(indices[0]).toBe(-1);
    expect(indices.slice(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(explanation.timeline[1].where).toMatch(/fuse-readv\.yaml:\d+:\d+$/);
  });

  it("nests the hooks get_user_pages calls inside it, in Linux's order", () => {
    const gup = explanation.timeline.find((s) => s.text.startsWith("get_user_pages"))!;
    const call = gup.entries.find((e): e is TimelineHook => e.type === "hook")!;
    expect(call.hook).toBe("get_user_pages");
    expect(call.entries.filter((e) => e.type === "hook").map((e) => (e as TimelineHook).hook)).toEqual([
      "flush_anon_page",
      "flush_dcache_page",
    ]);
  });

  it("compacts clear_page's 1024 stores into one group of 128 lines at the kernel alias's colour", () => {
    const first = explanation.timeline.find((s) => s.index === 0)!;
    const clear = flatten(first.entries).find((e) => e.type === "access" && e.words === 1024);
    expect(clear).toMatchObject({ type: "access", access: "store", colour: 0, words: 1024, misses: 128 });
    if (clear?.type !== "access") throw new Error("no group");
    expect(clear.lines).toHaveLength(128);
    expect(clear.lines[1].va - clear.lines[0].va).toBe(32);
  });

  it("puts each violation after the access group that caused it", () => {
    const last = explanation.timeline.find((s) => s.index === 8)!;
    expect(last.entries.map((e) => e.type)).toEqual([
      "access",
      "violation",
      "violation",
      "violation",
      "violation",
    ]);
    expect(last.entries[0]).toMatchObject({ access: "load", colour: 1, hits: 4, misses: 0 });
  });

  it("records the whole-cache maintenance of generic/vivt@flush-all inside the hook that issued it", () => {
    const flushed = explainScenario(scenario("fuse-readv"), "generic/vivt@flush-all");
    expect(flushed.stories).toEqual([]);
    const step = flushed.timeline.find((s) => s.text === "flush_dcache_page p")!;
    const hook = step.entries[0] as TimelineHook;
    expect(hook.hook).toBe("flush_dcache_page");
    expect(
      hook.entries.filter((e) => e.type === "maintenance").map((e) => e.type === "maintenance" && e.op.scope),
    ).toEqual(["all", "all"]);
  });
});

describe("the causal story", () => {
  it("fuse-readv on generic/vivt@asm-generic: the kernel's store at colour 0, the user's stale line at colour 1", () => {
    const { stories } = explainScenario(scenario("fuse-readv"), "generic/vivt@asm-generic");
    expect(stories.map((s) => s.kind)).toEqual([
      "stale-read",
      "stale-read",
      "stale-read",
      "stale-read",
      "dirty-alias-conflict",
    ]);
    const story = stories[0];
    expect(story.writer).toMatchObject({
      actor: "daemon",
      colour: 0,
      step: { index: 4, text: "store k+0x10 0x22222222 len=4" },
    });
    expect(story.sits).toEqual([
      expect.objectContaining({ place: "cache", dirty: true, colour: 0, value: 0x22222222 }),
    ]);
    expect(story.access).toMatchObject({ step: { index: 8 }, colour: 1, got: 0x11111111, hit: true });
    expect(story.target).toMatchObject({ why: "value", cache: "d", colour: 0, va: story.writer?.va });
    expect(story.candidates.map((h) => [h.hook, h.step.index])).toEqual([
      ["kunmap_atomic", 5],
      ["flush_dcache_page", 6],
    ]);
    expect(story.sentences.join(" ")).toMatch(
      /alias A = va 0xc3ffe010 \(colour 0\).*alias B = va 0x40001010 \(colour 1\)/,
    );
  });

  it("fuse-writev-threaded on generic/vivt@flush-all: no hook between the helper's store and the kernel's load", () => {
    const { stories } = explainScenario(scenario("fuse-writev-threaded"), "generic/vivt@flush-all");
    expect(stories).toHaveLength(1);
    expect(stories[0].writer).toMatchObject({ actor: "helper", colour: 1 });
    expect(stories[0].between).toEqual([]);
    expect(stories[0].sentences.at(-1)).toMatch(/^No hook ran between the store and the access/);
  });

  it("mmap-store-then-writeback on generic/vivt@asm-generic: page_mkclean's flush_cache_page is a candidate", () => {
    const { stories } = explainScenario(scenario("mmap-store-then-writeback"), "generic/vivt@asm-generic");
    const story = stories[0];
    expect(story.kind).toBe("device-stale-read");
    expect(story.access.cpu).toBe(-1);
    const names = story.candidates.map((h) => `${h.hook}<${h.parent ?? ""}`);
    expect(names).toContain("flush_cache_page<page_mkclean");
    expect(names).toContain("dma_map_page<");
  });

  it("mmap-store-then-writeback on generic/vivt@flush-all has no story, being coherent", () => {
    expect(explainScenario(scenario("mmap-store-then-writeback"), "generic/vivt@flush-all").stories).toEqual(
      [],
    );
  });

  it("is deterministic", () => {
    const a = explainScenario(scenario("write-to-mmapped-file"), "generic/vipt-32k@asm-generic");
    const b = explainScenario(scenario("write-to-mmapped-file"), "generic/vipt-32k@asm-generic");
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("reachesTarget: whether a maintenance operation touches the line a fix must reach", () => {
  const vivt: ExplainGeometry = {
    lineSize: 32,
    pageSize: 4096,
    colours: 2,
    vivt: true,
    maintenanceBroadcast: true,
  };
  const vipt: ExplainGeometry = { ...vivt, vivt: false };
  const target: StoryTarget = { why: "value", cache: "d", cpu: 0, colour: 1, va: 0x40001010, pa: 0x3ffe010 };
  const op = (scope: Partial<MaintenanceOp> & Pick<MaintenanceOp, "scope">): MaintenanceOp =>
    ({ cpu: 0, cache: "d", kind: "flush", linesTouched: 1, ...scope }) as MaintenanceOp;

  it("a whole-cache operation reaches it; an I-cache one does not", () => {
    expect(reachesTarget(op({ scope: "all" }), target, vivt)).toBe(true);
    expect(reachesTarget(op({ scope: "all", cache: "i" }), target, vivt)).toBe(false);
  });

  it("on VIVT, a va range reaches it only when it covers the very alias", () => {
    expect(reachesTarget(op({ scope: "va", start: 0x40001000, length: 4096, asid: 1 }), target, vivt)).toBe(
      true,
    );
    expect(reachesTarget(op({ scope: "va", start: 0x40003000, length: 4096, asid: 1 }), target, vivt)).toBe(
      false,
    );
  });

  it("on VIPT, a va range reaches it when one of its pages has the line's colour", () => {
    expect(reachesTarget(op({ scope: "va", start: 0x40003000, length: 4096, asid: 1 }), target, vipt)).toBe(
      true,
    );
    expect(reachesTarget(op({ scope: "va", start: 0xc3ffe000, length: 4096, asid: 0 }), target, vipt)).toBe(
      false,
    );
  });

  it("by physical address: at the line's colour, or at every colour", () => {
    expect(
      reachesTarget(op({ scope: "pa-colour", pa: 0x3ffe000, length: 4096, colour: 1 }), target, vipt),
    ).toBe(true);
    expect(
      reachesTarget(op({ scope: "pa-colour", pa: 0x3ffe000, length: 4096, colour: 0 }), target, vipt),
    ).toBe(false);
    expect(reachesTarget(op({ scope: "pa-all", pa: 0x3fff000, length: 4096 }), target, vipt)).toBe(false);
    expect(reachesTarget(op({ scope: "pa-all", pa: 0x3ffe000, length: 4096 }), target, vipt)).toBe(true);
  });

  it("without broadcast, only maintenance by the line's CPU reaches it", () => {
    const local = { ...vipt, maintenanceBroadcast: false };
    expect(reachesTarget(op({ scope: "all", cpu: 1 }), target, local)).toBe(false);
    expect(reachesTarget(op({ scope: "all", cpu: 0 }), target, local)).toBe(true);
  });
});
