#!/usr/bin/env node
// `pnpm typecheck`: build every package (tsc -b, which type-checks src and emits dist with declarations),
// then type-check each package's tests and each example against the built declarations.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

export function typecheckProjects() {
  const projects = ["tsconfig.json"];
  for (const group of ["packages", "examples"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(group, name, "tsconfig.test.json");
      if (existsSync(join(root, file))) projects.push(file);
    }
  }
  return projects;
}

export function typecheck() {
  const failed = [];
  for (const project of typecheckProjects()) {
    const args = project === "tsconfig.json" ? ["-b"] : ["-p", project, "--noEmit"];
    const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) failed.push(project);
  }
  return failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const failed = typecheck();
  if (failed.length > 0) {
    console.error(`typecheck failed in: ${failed.join(", ")}`);
    process.exit(1);
  }
}
