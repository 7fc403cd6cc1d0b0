// `--plugin` through the built program in a child process, as a user runs it: plain Node 20, no vite, so the
// TypeScript path is the transpiler's own (run after the build: `npm test` builds first). Both builds: dist/bin.js
// (the modules tsc wrote) and dist/bundle/flushlab.js (the package's bin, one file that carries its own copy of
// @flushlab/core, which plugin files importing @flushlab/* must share: shared-modules.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const BUILDS = [
  ["dist/bin.js", join(root, "packages", "cli", "dist", "bin.js")],
  ["the bundle", join(root, "packages", "cli", "dist", "bundle", "flushlab.js")],
] as const;
const dir = mkdtempSync(join(tmpdir(), "flushlab-plugin-process-"));

function run(bin: string, args: string[]) {
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

/**
 * A plugin that imports values from @flushlab/core: it must get the instance the command runs on. Its apply
 * throws core's UserError (which passes through a plugin's guard as the user's own error, exit 2) saying
 * whether rawKernel() recognised the kernel view it was given (a symbol of core's module).
 */
const IMPORTS_CORE = `import { rawKernel, UserError } from "@flushlab/core";
export const plugin = {
  name: "same-core",
  create: () => ({
    name: "same-core",
    apply(kernel) {
      const shared = rawKernel(kernel) !== kernel;
      throw new UserError("same-core", shared ? "runs on the command's own core" : "loaded a second core");
    },
  }),
};
`;

for (const [build, bin] of BUILDS) {
  describe(`the built flushlab with --plugin (${build})`, () => {
    const flushlab = (args: string[]) => run(bin, args);

    it("gives a plugin that imports @flushlab/core the command's own instance of it", () => {
      // inside the workspace, where @flushlab/core resolves from node_modules
      const local = mkdtempSync(join(root, "packages", "cli", ".plugin-process-"));
      try {
        const plugin = join(local, "same-core.mjs");
        writeFileSync(plugin, IMPORTS_CORE);
        const scenario = join("packages", "core", "scenarios", "fuse-writev.yaml");
        const r = flushlab([
          "run",
          scenario,
          "--profile",
          "generic/pipt@asm-generic+same-core",
          "--plugin",
          plugin,
        ]);
        expect(r.out).toBe("");
        expect(r.err.trimEnd()).toBe("flushlab: same-core: runs on the command's own core");
        expect(r.code).toBe(2);
      } finally {
        rmSync(local, { recursive: true, force: true });
      }
    });

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
}
