// `--plugin` through the built program in a child process, as a user runs it: plain Node 20, no vite, so the
// TypeScript path is the transpiler's own (run after the build: `npm test` builds first).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const bin = join(root, "packages", "cli", "dist", "bin.js");
const dir = mkdtempSync(join(tmpdir(), "flushlab-plugin-process-"));

function flushlab(args: string[]) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (node scripts/setup.mjs)`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A TypeScript plugin that imports nothing at run time (its imports are type-only), so it loads from /tmp. */
const TYPED = `import type { PluginApi } from "@flushlab/cli";
import type { Kernel } from "@flushlab/core";
export default function register(api: PluginApi): void {
  const { replaceHook, STAGE_OVERRIDE } = api.core;
  api.registerPlugin({
    name: "whole-flush",
    create: () => ({
      name: "whole-flush",
      apply(kernel: Kernel) {
        replaceHook(kernel.hooks, "flush_dcache_page", { name: "whole-flush", stage: STAGE_OVERRIDE }, () => {
          kernel.maintain("d", "flush", { scope: "all" as const });
        });
      },
    }),
  });
}
`;

describe("the built flushlab with --plugin", () => {
  it("loads a .ts plugin from any directory and runs its +name; no temporary file is left", () => {
    const plugin = file("whole-flush.ts", TYPED);
    const scenario = join("packages", "core", "scenarios", "fuse-writev.yaml");
    const r = flushlab([
      "run",
      scenario,
      "--profile",
      "generic/vipt-32k@asm-generic+whole-flush",
      "--plugin",
      plugin,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Observation fuse-writev generic\/vipt-32k@asm-generic\+whole-flush coherent/);
    expect(readdirSync(dir).filter((f) => f.includes(".flushlab-"))).toEqual([]);
  });

  it("loads the flush-on-kmap example from its dist", () => {
    const r = flushlab([
      "explain",
      "uprobes-xol",
      "--profile",
      "arm/arm926@3.10+flush-on-kmap",
      "--plugin",
      "./examples/flush-on-kmap/dist/index.js",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Explain uprobes-xol on arm\/arm926@3\.10\+flush-on-kmap: coherent/);
  });

  for (const [what, name, text, message] of [
    [
      "a TypeScript syntax error",
      "broken.ts",
      "export const x: number = ;\n",
      /^flushlab: --plugin .*broken\.ts:1:26: the plugin file does not compile: Unexpected token\.$/,
    ],
    [
      "a JavaScript syntax error",
      "broken.mjs",
      "export const = 1;\n",
      /^flushlab: --plugin .*broken\.mjs:1:14: the plugin file does not load: Unexpected token '='$/,
    ],
    [
      "a throw inside a hook",
      "hook-throws.mjs",
      `export const plugin = { name: "hook-throws", apply(kernel) {
        kernel.hooks.flush_dcache_page.tap({ name: "hook-throws", stage: -100 }, () => { throw new Error("boom"); });
      } };`,
      /^flushlab: packages\/core\/scenarios\/fuse-writev\.yaml:\d+:\d+: plugin hook-throws \(.*hook-throws\.mjs\) threw in flush_dcache_page: boom$/,
    ],
  ] as const) {
    it(`${what}: exit 2, one paragraph naming the file, no stack trace`, () => {
      const plugin = file(name, text);
      const profile = `generic/vipt-32k@asm-generic${name.startsWith("hook") ? "+hook-throws" : ""}`;
      const r = flushlab([
        "run",
        join("packages", "core", "scenarios", "fuse-writev.yaml"),
        "--profile",
        profile,
        "--plugin",
        plugin,
      ]);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }
});
