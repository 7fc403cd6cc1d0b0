#!/usr/bin/env node
// Self set-up for `npm start`, `npm test` and `npm run bench` on a fresh clone with only Node 20 and npm:
// install through the pinned pnpm (once, or again when a manifest or the lockfile changed), then build
// (tsc -b is incremental, so a second run does nothing), then the command line's single-file build
// (packages/cli/scripts/bundle.mjs) when a package's dist/ is newer than it.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PNPM = "pnpm@10.34.9";
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const stamp = join(root, "node_modules", ".flushlab-setup");

function manifests() {
  const files = ["package.json", "pnpm-workspace.yaml", "pnpm-lock.yaml"];
  for (const group of ["packages", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(group, name, "package.json");
      if (existsSync(join(root, file))) files.push(file);
    }
  }
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file);
    if (existsSync(join(root, file))) hash.update(readFileSync(join(root, file)));
  }
  return hash.digest("hex");
}

function pnpmCommand() {
  try {
    const version = execFileSync("pnpm", ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    if (version.trim() === PNPM.slice("pnpm@".length)) return ["pnpm", []];
  } catch {
    // not installed globally: fall back to npx
  }
  return ["npx", ["-y", PNPM]];
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`setup: \`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

const digest = manifests();
const installed = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
if (installed !== digest) {
  const [command, prefix] = pnpmCommand();
  console.error(`setup: installing the workspace with ${PNPM}…`);
  run(command, [...prefix, "install", ...(process.env.CI ? ["--frozen-lockfile"] : [])]);
  writeFileSync(stamp, digest);
}
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b"]);

/** The newest modification time of the .js files under `dir` (0 when none), skipping `skip`. */
function newestJs(dir, skip) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestJs(path, skip));
    else if (entry.name.endsWith(".js")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const bundleDir = join(root, "packages", "cli", "dist", "bundle");
const bundle = join(bundleDir, "flushlab.js");
const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
const sources = Math.max(
  ...readdirSync(join(root, "packages")).map((name) =>
    newestJs(join(root, "packages", name, "dist"), bundleDir),
  ),
);
if (sources > built) run(process.execPath, [join(root, "packages", "cli", "scripts", "bundle.mjs")]);
