#!/usr/bin/env node
// The single-file build of the command line: dist/bundle/flushlab.js (the package's `bin`) and
// dist/bundle/matrix-worker.js (the matrix's worker threads), with @flushlab/* and their dependencies inside,
// made from the compiled dist/ by rolldown. A command then loads one module instead of some 270, which is most
// of the start-up of `flushlab compare`. Written to a temporary directory and renamed into place, so that an
// interrupted build never leaves a half-written bundle. Run by scripts/setup.mjs after `tsc -b` when dist/
// is newer than the bundle; by hand: `node packages/cli/scripts/bundle.mjs`.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const cli = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(cli, "dist");
const out = join(dist, "bundle");
const temporary = join(dist, `.bundle-${process.pid}`);

rmSync(temporary, { recursive: true, force: true });
mkdirSync(temporary, { recursive: true });
try {
  const build = await rolldown({
    input: {
      flushlab: join(dist, "bundle-entry.js"),
      "matrix-worker": join(dist, "report", "matrix-worker.js"),
    },
    platform: "node",
    // rolldown/utils transpiles TypeScript plugin files (plugins.ts), loaded only when one is given: a native
    // package that stays in node_modules
    external: [/^rolldown(\/|$)/],
    logLevel: "warn",
  });
  await build.write({
    dir: temporary,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "shared-[name].js",
    sourcemap: false,
  });
  await build.close();
  chmodSync(join(temporary, "flushlab.js"), 0o755);
  rmSync(out, { recursive: true, force: true });
  renameSync(temporary, out);
} finally {
  if (existsSync(temporary)) rmSync(temporary, { recursive: true, force: true });
}
