// docs/writing-a-policy.md is tested exactly as printed: each `<!-- file: NAME -->` block is written to a
// temporary directory, each `<!-- command -->` block is run there through the built flushlab (a child process,
// as a reader runs it), and its output must be the `<!-- output -->` block that follows, cost figures aside.
// The TypeScript version of the plugin must also type-check against the published declarations.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const bin = join(root, "packages", "cli", "dist", "bin.js");
const tutorial = readFileSync(join(root, "docs", "writing-a-policy.md"), "utf8");

/** The `<!-- file: NAME -->` blocks: name → contents. */
function files(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<!-- file: (\S+) -->\n\n```\w+\n([\s\S]*?)```\n/g)) out.set(m[1], m[2]);
  return out;
}

/** The `<!-- command -->` blocks with the `<!-- output -->` block after each. */
function commands(text: string): { command: string; output: string }[] {
  const re = /<!-- command -->\n\n```sh\n([\s\S]*?)\n```\n\n<!-- output -->\n\n```text\n([\s\S]*?)```\n/g;
  return [...text.matchAll(re)].map((m) => ({ command: m[1], output: m[2] }));
}

/** A command line split as a POSIX shell splits these: words, and single-quoted words. */
function argv(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** Output without the cost figures of a cell (`· 12 ln · 6267 cy`), which a cost-model change may move. */
function withoutCosts(text: string): string {
  return text
    .replace(/ · \d+ ln · \d+ cy/g, "")
    .split("\n")
    .map((l) => l.replace(/\s+/g, " ").trimEnd())
    .join("\n")
    .trim();
}

const dir = mkdtempSync(join(tmpdir(), "flushlab-tutorial-"));
const blocks = files(tutorial);
for (const [name, text] of blocks) writeFileSync(join(dir, name), text);

describe("docs/writing-a-policy.md", () => {
  it("has the files and commands it promises, and a first plugin of at most 30 lines", () => {
    expect([...blocks.keys()]).toEqual(["my-policy.js", "my-policy.ts", "gup-read.yaml"]);
    expect(blocks.get("my-policy.js")!.trimEnd().split("\n").length).toBeLessThanOrEqual(30);
    const cmds = commands(tutorial).map((c) => argv(c.command).slice(0, 3));
    expect(cmds).toEqual([
      ["flushlab", "compare", "--plugin"],
      ["flushlab", "compare", "--plugin"],
      ["flushlab", "check", "--plugin"],
    ]);
  });

  for (const { command, output } of commands(tutorial)) {
    it(`prints what it shows for: ${command.slice(0, 60)}…`, () => {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (node scripts/setup.mjs)`);
      const [program, ...args] = argv(command);
      expect(program).toBe("flushlab");
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8" });
      expect(r.stderr).not.toMatch(/^flushlab: /m);
      expect(r.status).toBe(0);
      expect(withoutCosts(r.stdout)).toBe(withoutCosts(output));
    });
  }

  it("the verdicts it prints are the ones the prose states (stale → coherent on two fuse cases)", () => {
    const [first] = commands(tutorial);
    const rows = Object.fromEntries(
      withoutCosts(first.output)
        .split("\n")
        .slice(1, 5)
        .map((l) => {
          const [name, ...cells] = l.split(" ");
          return [name, cells.join(" ")];
        }),
    );
    expect(rows).toEqual({
      "fuse-readv": "stale 4 coherent",
      "fuse-writev": "coherent coherent",
      "fuse-writev-resident": "stale 4 coherent",
      "fuse-writev-threaded": "stale 1 stale 1",
    });
  });

  it("the TypeScript plugin type-checks against the published declarations", () => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const config = {
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        types: [],
        paths: {
          "@flushlab/cli": [join(root, "packages", "cli", "dist", "index.d.ts")],
          "@flushlab/core": [join(root, "packages", "core", "dist", "index.d.ts")],
        },
      },
      files: [join(dir, "my-policy.ts")],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });
});
