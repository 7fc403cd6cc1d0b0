// `flushlab explain SCENARIO --profile ID`: the timeline and the causal stories, against golden files on a
// small fixed set; exit codes; --json; bad input.
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { capture } from "./cli-helpers.js";
import { expectGolden } from "./golden-helpers.js";

async function run(...args: string[]) {
  const out = capture();
  const code = await main(args, out.io);
  return { code, out: out.out, err: out.err };
}

describe("flushlab explain", () => {
  it.each([
    ["fuse-readv", "generic/vivt@asm-generic", 1],
    ["fuse-writev-threaded", "generic/vivt@flush-all", 1],
    ["mmap-store-then-writeback", "generic/vipt-32k@asm-generic", 1],
    ["sg-miter-slab", "generic/vivt@flush-all", 0],
  ])("%s on %s (golden)", async (scenario, profile, exit) => {
    const { code, out, err } = await run("explain", scenario, "--profile", profile);
    expect(err).toBe("");
    expect(code).toBe(exit);
    expectGolden(`explain-${scenario}-${profile.replace(/[/@]/g, "-")}.txt.golden`, out);
  });

  it("tells the causal story: the store, where the value sits, the access that missed it, the candidate hooks", async () => {
    const { out } = await run("explain", "fuse-readv", "--profile", "generic/vivt@asm-generic");
    const story = out.slice(out.indexOf("\nViolations\n"));
    expect(story).toMatch(
      /The value 0x22222222 was stored by step 4 .* through alias A = va 0xc3ffe010 \(colour 0\)\./,
    );
    expect(story).toMatch(/It sits in a dirty D-cache line of cpu 0 at colour 0/);
    expect(story).toMatch(
      /through alias B = va 0x40001010 \(colour 1\): a hit on a stale line, which gave 0x11111111/,
    );
    expect(story).toMatch(
      /\(the candidate places for a fix\): kunmap_atomic \(step 5\), flush_dcache_page \(step 6\)\./,
    );
  });

  it("--json prints the explanation with the tool's version", async () => {
    const { code, out } = await run(
      "explain",
      "fuse-writev-threaded",
      "--profile",
      "generic/vivt@flush-all",
      "--json",
    );
    expect(code).toBe(1);
    const doc = JSON.parse(out);
    expect(doc.tool).toEqual({ name: "flushlab", version: "0.1.0" });
    expect(doc.verdict).toBe("stale");
    expect(doc.stories).toHaveLength(1);
    expect(doc.stories[0].between).toEqual([]);
  });

  it.each([
    [
      ["no-such-scenario", "--profile", "generic/vivt@asm-generic"],
      /SCENARIO: "no-such-scenario" is neither/,
    ],
    [["fuse-readv", "--profile", "generic/*@asm-generic"], /--profile: "generic\/\*@asm-generic" is a glob/],
    [["fuse-readv", "--profile", "generic/nocpu@asm-generic"], /--profile: .*nocpu/],
    [["fuse-readv"], /--profile/],
  ])("bad input %j exits 2 naming the argument", async (args, message) => {
    const { code, out, err } = await run("explain", ...args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(message);
  });
});
