// Bad input through the whole program: exit code 2 and one paragraph naming the place, never a stack trace.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { capture } from "./cli-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "flushlab-cli-"));

function scenarioFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const GOOD = `flushlab: 1
name: good
title: t
source: s
tasks:
  t:
    maps:
      m: { anon: true }
steps:
  - t: store m 1
  - t: load m
`;

function expectOneParagraph(err: string): void {
  expect(err).toMatch(/^flushlab: /);
  expect(err.trimEnd().split("\n")).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

describe("flushlab run on bad input", () => {
  it("a bad scenario file: exit 2, file:line:col, one paragraph", async () => {
    const file = scenarioFile("bad-op.yaml", GOOD.replace("load m", "lod m"));
    const c = capture();
    expect(await main(["run", file, "--profile", "generic/pipt@asm-generic"], c.io)).toBe(2);
    expectOneParagraph(c.err);
    expect(c.err).toContain(`${file}:11:8: unknown op \`lod\` (did you mean \`load\`?)`);
    expect(c.out).toBe("");
  });

  it("a YAML syntax error", async () => {
    const file = scenarioFile("syntax.yaml", GOOD.replace("m: { anon: true }", "m: { anon: true"));
    const c = capture();
    expect(await main(["run", file, "--profile", "generic/pipt@asm-generic"], c.io)).toBe(2);
    expectOneParagraph(c.err);
    expect(c.err).toMatch(
      new RegExp(`^flushlab: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: YAML syntax error`),
    );
  });

  it("an undefined binding, a misaligned at, a verdict that does not exist", async () => {
    for (const [name, text, where, message] of [
      ["bind.yaml", GOOD.replace("load m", "kunmap_atomic k"), ":11:22", /undefined binding `k`/],
      ["at.yaml", GOOD.replace("{ anon: true }", "{ anon: true, at: 0x10010 }"), ":8:28", /not page-aligned/],
      [
        "verdict.yaml",
        `${GOOD}expect:\n  generic/pipt@asm-generic: fine\n`,
        ":13:29",
        /unknown verdict "fine"/,
      ],
    ] as const) {
      const file = scenarioFile(name, text);
      const c = capture();
      expect(await main(["run", file, "--profile", "generic/pipt@asm-generic"], c.io), name).toBe(2);
      expectOneParagraph(c.err);
      expect(c.err).toContain(`${file}${where}: `);
      expect(c.err).toMatch(message);
    }
  });

  it("a bare name runs the catalog scenario of that name; a name that matches several is refused", async () => {
    const ok = capture();
    expect(await main(["run", "fuse-writev", "--profile", "generic/vivt@asm-generic"], ok.io)).toBe(1);
    expect(ok.out).toMatch(/^Observation fuse-writev generic\/vivt@asm-generic stale \d+$/m);
    const several = capture();
    expect(await main(["run", "fuse-*", "--profile", "generic/pipt@asm-generic"], several.io)).toBe(2);
    expectOneParagraph(several.err);
    expect(several.err).toMatch(/^flushlab: SCENARIO: "fuse-\*" names \d+ scenarios; run takes one/);
  });

  it("a missing file names the file", async () => {
    const c = capture();
    expect(await main(["run", join(dir, "nope.yaml"), "--profile", "generic/pipt@asm-generic"], c.io)).toBe(
      2,
    );
    expectOneParagraph(c.err);
    expect(c.err).toBe(`flushlab: ${join(dir, "nope.yaml")}: no such file\n`);
  });

  it("an unknown option, a missing --profile, a missing argument: exit 2", async () => {
    const file = scenarioFile("good.yaml", GOOD);
    for (const argv of [
      ["run", file, "--profile", "generic/pipt@asm-generic", "--frobnicate"],
      ["run", file],
      ["run", "--profile", "generic/pipt@asm-generic"],
      ["list"],
      ["list", "bogus"],
      ["list", "scenarios", "--bogus"],
    ]) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(" ")).toBe(2);
      expect(c.err, argv.join(" ")).toMatch(/error: /);
      expect(c.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe("flushlab list scenarios", () => {
  it("lists the bundled catalog", async () => {
    const c = capture();
    expect(await main(["list", "scenarios"], c.io)).toBe(0);
    const lines = c.out.trimEnd().split("\n");
    const names = lines.map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual([...names].sort());
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^fuse-writev\s+fuse_dev_write reads a user buffer through kmap_atomic after get_user_pages$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^fuse-writev-threaded\s+a second thread writes the buffer/),
    );
  });

  it("as JSON", async () => {
    const c = capture();
    expect(await main(["list", "scenarios", "--json"], c.io)).toBe(0);
    const list = JSON.parse(c.out) as { name: string; file: string }[];
    const fuse = list.find((s) => s.name === "fuse-writev");
    expect(fuse?.file).toMatch(/packages\/core\/scenarios\/fuse-writev\.yaml$/);
  });
});
