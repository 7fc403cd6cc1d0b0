// `--plugin FILE` on run, compare, check and explain, in process: the three forms of a plugin file, TypeScript
// through the transpiler, and every way a plugin file can be wrong (exit 2, one paragraph naming the plugin and
// its file, no stack trace).
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { capture } from "./cli-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "flushlab-plugins-"));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function flushlab(args: string[]) {
  const c = capture();
  const code = await main(args, c.io);
  return { code, out: c.out, err: c.err };
}

/** An error of the user's: exit 2, one paragraph on stderr, no stack trace, nothing on stdout. */
function expectUserError(r: { code: number; out: string; err: string }, ...parts: (string | RegExp)[]): void {
  expect(r.code, r.err).toBe(2);
  // compare prints its progress summary on stderr first
  const err = r.err.replace(/^compare: \d+ runs .*\n/, "");
  expect(err).toMatch(/^flushlab: /);
  expect(err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at |internal error/);
  for (const part of parts) expect(r.err).toMatch(part);
}

const FUSE = "fuse-writev";

/** A plugin (JavaScript) that flushes the whole D-cache in flush_dcache_page: fuse-writev becomes coherent. */
const FLUSH_ALL_JS = `
export default function register(api) {
  const { replaceHook, STAGE_OVERRIDE } = api.core;
  api.registerPlugin({
    name: "whole-flush",
    summary: "flush_dcache_page flushes the whole D-cache",
    create: () => ({
      name: "whole-flush",
      apply(kernel) {
        replaceHook(kernel.hooks, "flush_dcache_page", { name: "whole-flush", stage: STAGE_OVERRIDE }, () => {
          kernel.maintain("d", "flush", { scope: "all" });
        });
      },
    }),
  });
}
`;

describe("loading plugin files", () => {
  it("a .js register function: its +name stacks on a profile and changes the verdict", async () => {
    const plugin = file("whole-flush.js", FLUSH_ALL_JS);
    const scenario = join("..", "core", "scenarios", `${FUSE}.yaml`);
    const plain = await flushlab(["run", scenario, "--profile", "generic/vipt-32k@asm-generic"]);
    expect(plain.code).toBe(1);
    const stacked = await flushlab([
      "run",
      scenario,
      "--profile",
      "generic/vipt-32k@asm-generic+whole-flush",
      "--plugin",
      plugin,
    ]);
    expect(stacked.err).toBe("");
    expect(stacked.code).toBe(0);
    expect(stacked.out).toMatch(/coherent/);
  });

  it("compare: both profiles side by side, the stacked one coherent", async () => {
    const plugin = file("whole-flush-compare.js", FLUSH_ALL_JS);
    const r = await flushlab([
      "compare",
      "--plugin",
      plugin,
      "--scenarios",
      FUSE,
      "--profiles",
      "generic/vipt-32k@asm-generic,generic/vipt-32k@asm-generic+whole-flush",
      "--format",
      "json",
    ]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { cells: { profile: string; verdict: string }[] };
    expect(doc.cells.map((c) => [c.profile, c.verdict])).toEqual([
      ["generic/vipt-32k@asm-generic", "stale"],
      ["generic/vipt-32k@asm-generic+whole-flush", "coherent"],
    ]);
  });

  it("a .ts file is transpiled (types, interfaces, `as`, type-only imports), loaded, and its copy removed", async () => {
    const sub = mkdtempSync(join(dir, "ts-"));
    const plugin = join(sub, "typed.ts");
    writeFileSync(
      plugin,
      `import type { PluginApi } from "@flushlab/cli";
import type { Kernel, KernelPlugin } from "@flushlab/core";
interface Options { readonly scope: "all" }
const options: Options = { scope: "all" };
export default function register(api: PluginApi): void {
  const make = (): KernelPlugin => ({
    name: "typed",
    apply(kernel: Kernel) {
      api.core.replaceHook(kernel.hooks, "flush_dcache_page", { name: "typed", stage: api.core.STAGE_OVERRIDE }, () => {
        kernel.maintain("d", "flush", options as { scope: "all" });
      });
    },
  });
  api.registerPlugin({ name: "typed", create: make });
}
`,
    );
    const r = await flushlab([
      "explain",
      FUSE,
      "--profile",
      "generic/vipt-32k@asm-generic+typed",
      "--plugin",
      plugin,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /flush_dcache_page\(page\(pfn 0x[0-9a-f]+\)\) cpu 0\n\s+flush D-cache cpu 0: whole cache/,
    );
    expect(readdirSync(sub)).toEqual(["typed.ts"]);
  });

  it("named exports: `plugin` (a KernelPlugin) and `plugins` (PluginSpecs); several --plugin files", async () => {
    const one = file(
      "one.mjs",
      `export const plugin = { name: "one", apply(kernel) { kernel.hooks.flush_anon_page.tap("one", () => undefined); } };`,
    );
    const two = file(
      "two.mjs",
      `export const plugins = [
        { name: "two-a", summary: "a", create: () => ({ name: "two-a", apply() {} }) },
        { name: "two-b", create: () => ({ name: "two-b", apply() {} }) },
      ];`,
    );
    const r = await flushlab([
      "compare",
      "--plugin",
      one,
      "--plugin",
      two,
      "--scenarios",
      FUSE,
      "--profiles",
      "generic/pipt@asm-generic+one+two-a+two-b",
      "--format",
      "csv",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/generic\/pipt@asm-generic\+one\+two-a\+two-b/);
    expect(r.out).toMatch(/coherent/);
  });

  it("a default export that returns a plugin is a plugin factory, called afresh for each run", async () => {
    const path = file(
      "factory.mjs",
      `export default (api) => {
  globalThis.flushlabFactoryCalls = (globalThis.flushlabFactoryCalls ?? 0) + 1;
  return { name: "factory", apply(kernel) { api.core.addToHook(kernel.hooks, "flush_anon_page", "factory", () => {}); } };
};`,
    );
    const calls = () => (globalThis as { flushlabFactoryCalls?: number }).flushlabFactoryCalls ?? 0;
    const before = calls();
    const r = await flushlab([
      "compare",
      "--plugin",
      path,
      "--scenarios",
      "fuse-writev,fuse-readv",
      "--profiles",
      "generic/pipt@asm-generic+factory",
      "--format",
      "json",
    ]);
    expect(r.code, r.err).toBe(0);
    // once to learn its name, then once for each of the two runs
    expect(calls() - before).toBe(3);
    const doc = JSON.parse(r.out) as { cells: { profile: string; verdict: string }[] };
    expect(doc.cells.map((c) => c.verdict)).toEqual(["coherent", "coherent"]);
  });

  it("a file changed between two loads in one process is read again", async () => {
    const path = file("changing.mjs", `export const plugin = { name: "changing", apply() {} };`);
    const args = ["explain", FUSE, "--profile", "generic/vivt@asm-generic+changing", "--plugin", path];
    expect((await flushlab(args)).code).toBe(1);
    writeFileSync(
      path,
      `export const plugin = { name: "changing", apply() { throw new Error("now broken"); } };`,
    );
    expectUserError(
      await flushlab(args),
      /plugin changing \(.*changing\.mjs\) threw while being applied: now broken/,
    );
  });

  it("without --plugin, a stacked name that no file registered is an unknown plugin", async () => {
    const r = await flushlab(["explain", FUSE, "--profile", "generic/vivt@asm-generic+whole-flush"]);
    expectUserError(
      r,
      /--profile: unknown profile generic\/vivt@asm-generic\+whole-flush: no plugin "whole-flush"/,
    );
  });
});

describe("a plugin file that is wrong: exit 2, the file named", () => {
  const run = (plugin: string, profile = "generic/vivt@asm-generic") =>
    flushlab([
      "run",
      join("..", "core", "scenarios", `${FUSE}.yaml`),
      "--profile",
      profile,
      "--plugin",
      plugin,
    ]);

  it("does not exist", async () => {
    expectUserError(await run(join(dir, "nope.js")), /--plugin .*nope\.js: no such file\./);
  });

  it("has an extension flushlab does not load", async () => {
    expectUserError(
      await run(file("policy.py", "")),
      /--plugin .*policy\.py: .*\(\.js, \.mjs\).*\(\.ts, \.mts\)/,
    );
  });

  it("does not compile (TypeScript): file:line:col", async () => {
    const bad = file("broken.ts", "export const a: number = 1;\nexport const b: number = ;\n");
    expectUserError(
      await run(bad),
      /--plugin .*broken\.ts:2:26: the plugin file does not compile: Unexpected token/,
    );
  });

  it("does not load: a JavaScript syntax error, a missing import, a throw at the top level", async () => {
    expectUserError(
      await run(file("syntax.mjs", "export const = 1;\n")),
      /--plugin .*syntax\.mjs.*: the plugin file does not load/,
    );
    expectUserError(
      await run(
        file("missing-import.mjs", `import { x } from "./does-not-exist.mjs";\nexport const plugin = x;\n`),
      ),
      /--plugin .*missing-import\.mjs: the plugin file does not load: .*does-not-exist/,
    );
    expectUserError(
      await run(file("top-throw.mjs", `throw new Error("cannot start");\n`)),
      /--plugin .*top-throw\.mjs: the plugin file does not load: cannot start/,
    );
  });

  it("exports nothing usable", async () => {
    expectUserError(
      await run(file("nothing.mjs", "export const hello = 1;\n")),
      /--plugin .*nothing\.mjs: nothing usable: it exports hello; a plugin file exports `default function register\(api\)`/,
    );
  });

  it("register(api) throws, registers nothing, or registers something that is not a plugin", async () => {
    expectUserError(
      await run(file("reg-throws.mjs", `export default function register() { throw new Error("no"); }`)),
      /--plugin .*reg-throws\.mjs: register\(api\) threw: no/,
    );
    expectUserError(
      await run(file("reg-none.mjs", "export default function register() {}")),
      /--plugin .*reg-none\.mjs: register\(api\) registered no plugin/,
    );
    expectUserError(
      await run(
        file("reg-junk.mjs", `export default function register(api) { api.registerPlugin({ name: "x" }); }`),
      ),
      /--plugin .*reg-junk\.mjs: registers \{"name":"x"\}, which is not a plugin/,
    );
  });

  it("takes a name already registered (a built-in plugin) or not a name", async () => {
    expectUserError(
      await run(file("taken.mjs", `export const plugin = { name: "coloured-kmap", apply() {} };`)),
      /--plugin .*taken\.mjs: plugin coloured-kmap: a plugin named coloured-kmap is already registered\./,
    );
    expectUserError(
      await run(file("badname.mjs", `export const plugin = { name: "no spaces", apply() {} };`)),
      /--plugin .*badname\.mjs: plugin no spaces: plugin name "no spaces" is not a name/,
    );
  });
});

describe("a plugin that fails at run time: exit 2 on every command, plugin and file named", () => {
  const throwsInHook = file(
    "hook-throws.mjs",
    `export const plugin = { name: "hook-throws", apply(kernel) {
      kernel.hooks.flush_dcache_page.tap({ name: "hook-throws", stage: -100 }, () => { throw new Error("boom"); });
    } };`,
  );
  const unknownHook = file(
    "unknown-hook.mjs",
    `export const plugin = { name: "unknown-hook", apply(kernel) { kernel.hooks.flush_dcache_pag.tap("unknown-hook", () => undefined); } };`,
  );
  const applyThrows = file(
    "apply-throws.mjs",
    `export const plugin = { name: "apply-throws", apply() { throw new TypeError("bad apply"); } };`,
  );
  const createReturnsNothing = file(
    "create-nothing.mjs",
    `export const plugin = { name: "create-nothing", create() { return 42; } };`,
  );
  const scenario = join("..", "core", "scenarios", `${FUSE}.yaml`);
  const hookMessage =
    /fuse-writev\.yaml:\d+:\d+: plugin hook-throws \(.*hook-throws\.mjs\) threw in flush_dcache_page: boom/;

  it("run: a throw inside a hook names the step, the plugin, its file and the hook", async () => {
    const r = await flushlab([
      "run",
      scenario,
      "--profile",
      "generic/vivt@asm-generic+hook-throws",
      "--plugin",
      throwsInHook,
    ]);
    expectUserError(r, hookMessage);
  });

  it("explain: the same", async () => {
    const r = await flushlab([
      "explain",
      FUSE,
      "--profile",
      "generic/vivt@asm-generic+hook-throws",
      "--plugin",
      throwsInHook,
    ]);
    expectUserError(r, hookMessage);
  });

  it("compare: the failing cell stops the command (not an `error` cell)", async () => {
    const r = await flushlab([
      "compare",
      "--plugin",
      throwsInHook,
      "--scenarios",
      FUSE,
      "--profiles",
      "generic/pipt@asm-generic,generic/vivt@asm-generic+hook-throws",
    ]);
    expectUserError(r, hookMessage, /\(scenario fuse-writev on generic\/vivt@asm-generic\+hook-throws\)/);
    expect(r.out).toBe("");
  });

  it("check: a scenario whose expect block names the plugin", async () => {
    const yaml = file(
      "expects-plugin.yaml",
      `flushlab: 1
name: expects-plugin
title: t
source: s
tasks:
  t:
    maps:
      m: { anon: true }
steps:
  - t: store m 1
  - t: get_user_pages t m -> p
  - t: put_page p
expect:
  generic/vivt@asm-generic+hook-throws: coherent
`,
    );
    expectUserError(
      await flushlab(["check", yaml, "--plugin", throwsInHook]),
      /expects-plugin\.yaml:\d+:\d+: plugin hook-throws \(.*hook-throws\.mjs\) threw in flush_dcache_page: boom/,
    );
  });

  it("a hook that does not exist, a throw in apply, a create that returns no plugin", async () => {
    expectUserError(
      await run(unknownHook, "unknown-hook"),
      /plugin unknown-hook \(.*unknown-hook\.mjs\) taps the hook "flush_dcache_pag", which does not exist \(did you mean flush_dcache_page\?\)/,
    );
    expectUserError(
      await run(applyThrows, "apply-throws"),
      /plugin apply-throws \(.*apply-throws\.mjs\) threw while being applied: bad apply/,
    );
    expectUserError(
      await run(createReturnsNothing, "create-nothing"),
      /plugin create-nothing \(.*create-nothing\.mjs\) create\(profile\) returned no plugin/,
    );
  });

  function run(plugin: string, name: string) {
    return flushlab(["run", scenario, "--profile", `generic/vivt@asm-generic+${name}`, "--plugin", plugin]);
  }

  it("leaves no temporary file behind", () => {
    expect(readdirSync(dir).filter((f) => f.includes(".flushlab-"))).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});
