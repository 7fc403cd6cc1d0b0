// packages/core/README.md's ten-line embedding is run exactly as printed (written into this package so that
// its imports resolve, imported with console.log captured, then removed) and type-checked against the
// published declarations.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const readme = readFileSync(join(root, "packages", "core", "README.md"), "utf8");
const block = /<!-- embed:begin -->\n\n```ts\n([\s\S]*?)```\n\n<!-- embed:end -->/.exec(readme)?.[1] ?? "";

describe("packages/core/README.md's embedding", () => {
  it("is ten lines after its imports", () => {
    const body = block.split("\n\n").slice(1).join("\n\n").trimEnd().split("\n");
    expect(block).toMatch(/^import /);
    expect(body).toHaveLength(10);
  });

  it("runs as printed: it prints the hooks it listens to, then the stale read it gets", async () => {
    const file = join(import.meta.dirname, `.core-readme-${process.pid}.ts`);
    writeFileSync(file, block);
    const printed: unknown[][] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    try {
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    } finally {
      spy.mockRestore();
      rmSync(file, { force: true });
    }
    const hooks = printed.slice(0, -1).map(([hook]) => hook);
    expect(hooks).toContain("page_mkclean");
    expect(hooks).toContain("  flush_cache_page");
    const [loaded, violations] = printed.at(-1) as [
      number,
      { kind: string; colour: number; expected: number }[],
    ];
    expect(loaded).toBe(0);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind: "stale-read", colour: 1, expected: 0x600d, got: 0 });
  });

  it("type-checks against the published declarations", () => {
    const dir = mkdtempSync(join(tmpdir(), "flushlab-core-readme-"));
    writeFileSync(join(dir, "embed.ts"), block);
    const dist = (pkg: string) => join(root, "packages", pkg, "dist", "index.d.ts");
    const config = {
      compilerOptions: {
        target: "ES2023",
        lib: ["ES2023", "DOM"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        types: [],
        paths: { "@flushlab/core": [dist("core")], "@flushlab/arch-arm": [dist("arch-arm")] },
      },
      files: [join(dir, "embed.ts")],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });
});
