// `flushlab check`: the catalog passes; a wrong expectation is reported with both verdicts and its place,
// and exits 1; globs are resolved against the registered profiles; bad input exits 2.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { capture } from "./cli-helpers.js";

async function run(...args: string[]) {
  const out = capture();
  const code = await main(args, out.io);
  return { code, out: out.out, err: out.err };
}

/** A scenario file in a fresh directory. */
function scenarioFile(name: string, expect: string, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "flushlab-check-"));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `flushlab: 1
name: ${name}
title: a user store, then the kernel reads the page through its own alias
source: a test of flushlab check
tasks:
  t:
    maps:
      buf: { anon: true, pages: 1, prot: rw, colour: 1, frame_colour: 0 }
steps:
  - t: store buf+0 0x11111111
  - t: get_user_pages t buf -> p
  - t: kmap_atomic p -> k
  - t: load k+0
  - t: kunmap_atomic k
  - t: put_page p
${extra}expect:
${expect}`,
  );
  return file;
}

describe("flushlab check", () => {
  it("passes on the bundled catalog (the default), ending with a summary line", async () => {
    const { code, out } = await run("check");
    expect(out).not.toMatch(/MISMATCH/);
    expect(out.trimEnd().split("\n").at(-1)).toMatch(
      /^check: (\d+) scenario files \(\1 with expectations\), (\d+) runs: \2 as expected, 0 mismatches$/,
    );
    expect(code).toBe(0);
  });

  it("reports a wrong expectation with both verdicts and the place of the entry, and exits 1", async () => {
    const file = scenarioFile(
      "wrong",
      "  generic/pipt@asm-generic: coherent\n  generic/vivt@asm-generic: coherent\n",
    );
    const { code, out } = await run("check", file);
    expect(code).toBe(1);
    expect(out).toMatch(
      /^MISMATCH wrong on generic\/vivt@asm-generic: expected coherent \(.*wrong\.yaml:18:3: generic\/vivt@asm-generic\), got stale \(\d+ violations?\)$/m,
    );
    expect(out).not.toMatch(/MISMATCH wrong on generic\/pipt/);
    expect(out).toMatch(
      /check: 1 scenario file \(1 with expectations\), 2 runs: 1 as expected, 1 mismatch\n$/,
    );
  });

  it("resolves a glob against the registered profiles; an exact id wins over it", async () => {
    const file = scenarioFile(
      "globbed",
      "  generic/pipt@asm-generic: coherent\n  generic/*@asm-generic: stale\n",
    );
    const { code, out } = await run("check", file);
    expect(out).toMatch(/3 runs: 3 as expected, 0 mismatches/);
    expect(code).toBe(0);
  });

  it("warns about a glob that matches no registered profile", async () => {
    const file = scenarioFile("unmatched", "  generic/pipt@asm-generic: coherent\n  nosucharch/*@*: stale\n");
    const { code, out } = await run("check", file);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^warning: .*unmatched\.yaml:\d+:\d+: the glob "nosucharch\/\*@\*" matches no registered profile$/m,
    );
  });

  it("takes directories", async () => {
    const file = scenarioFile("indir", "  generic/vivt@asm-generic: stale\n");
    const { code, out } = await run("check", join(file, ".."));
    expect(code).toBe(0);
    expect(out).toMatch(/check: 1 scenario file \(1 with expectations\), 1 runs: 1 as expected/);
  });

  it("exits 2 on bad input: an unknown profile id, a broken file, a missing path", async () => {
    const unknown = await run("check", scenarioFile("unknown", "  generic/nocpu@asm-generic: stale\n"));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown\.yaml:\d+:\d+: .*nocpu/);
    const broken = scenarioFile(
      "broken",
      "  generic/pipt@asm-generic: coherent\n",
      "  - t: frobnicate buf\n",
    );
    const bad = await run("check", broken);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/broken\.yaml:\d+:\d+: .*frobnicate/);
    const missing = await run("check", "/no/such/dir");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^flushlab: check: "\/no\/such\/dir" is neither a file/);
  });
});
