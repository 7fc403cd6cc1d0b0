// The embedding example runs, prints its own trace, and reports the violation the oracle found; it uses
// nothing but the packages' public entry points.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { embed, PROFILE } from "../src/index.js";

describe("examples/embed", () => {
  const lines: string[] = [];
  const outcome = embed((line) => lines.push(line));
  const text = lines.join("\n");

  it("drives arm1136-32k@3.10 step by step and gets one stale read through the private mapping", () => {
    expect(PROFILE).toBe("arm/arm1136-32k@3.10");
    expect(outcome.verdict).toBe("stale");
    expect(outcome.violations).toHaveLength(1);
    const [v] = outcome.violations;
    expect(v).toMatchObject({ kind: "stale-read", actor: "app", colour: 1, expected: 0x600d, got: 0 });
    expect(v.writer).toMatchObject({ actor: "app", colour: 0 });
    expect(v.residences).toContainEqual({ place: "memory", value: 0x600d });
  });

  it("prints its own trace from the hooks: the steps, nested hook calls, maintenance, and the violation", () => {
    expect(lines.filter((l) => /^[a-z]+: /.test(l))).toEqual([
      "app: load private+0 (a line of the page at colour 1)",
      "app: store 0x600d through shared+0 (colour 0)",
      "kworker: write data[0] back to the disk",
      "app: load private+0",
      "verdict: stale",
    ]);
    expect(text).toMatch(/\n {2}page_mkclean\(page\(pfn 0x[0-9a-f]+\)\)\n {4}flush_cache_page\(vma\(shared /);
    expect(text).toMatch(/ {6}flush D-cache \(va\): \d+ line\(s\)/);
    expect(text).toContain("  the device read 0x600d");
    expect(text).toContain("  loaded 0x0");
    expect(text).toContain('"kind": "stale-read"');
  });

  it("imports only the packages' public entry points", () => {
    const source = readFileSync(join(import.meta.dirname, "..", "src", "index.ts"), "utf8");
    const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(["@flushlab/arch-arm", "@flushlab/core"]);
  });

  it("runs as a program from its build (node examples/embed/dist/main.js): exit 1 on a stale run", () => {
    const main = join(import.meta.dirname, "..", "dist", "main.js");
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (node scripts/setup.mjs)`);
    const r = spawnSync(process.execPath, [main], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`${text}\n`);
  });
});
