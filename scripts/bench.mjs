#!/usr/bin/env node
// `pnpm bench`: run every benchmark script (packages/*/src/bench/*.bench.ts, built into dist/bench) one
// after another, each printing its own figures (tinybench), so that a note can quote them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const only = process.argv.slice(2);
let failed = 0;
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", pkg, "dist", "bench");
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".bench.js")) continue;
    if (only.length > 0 && !only.some((o) => file.includes(o))) continue;
    console.log(`\n── ${pkg}/${file.replace(/\.js$/, "")}`);
    const result = spawnSync(process.execPath, ["--expose-gc", join(dir, file)], {
      cwd: root,
      stdio: "inherit",
    });
    if (result.status !== 0) failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
