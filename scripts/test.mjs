#!/usr/bin/env node
// `npm test`: biome, the type check, then every package's vitest project, one after another.
// Ends with the line CI reads: `N passed, N failed` (tests, plus one check each for biome and tsc).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { typecheck } from "./typecheck.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, "node_modules", ".bin", name);
let passed = 0;
let failed = 0;
const failures = [];

function check(name, ok) {
  if (ok) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

console.log("── biome check");
check("biome", spawnSync(bin("biome"), ["check", "."], { cwd: root, stdio: "inherit" }).status === 0);

console.log("── typecheck");
const typeFailures = typecheck();
check(`typecheck (${typeFailures.join(", ")})`, typeFailures.length === 0);

const out = mkdtempSync(join(tmpdir(), "flushlab-test-"));
const projects = [];
for (const group of ["packages", "examples"]) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    if (existsSync(join(dir, name, "vitest.config.ts"))) projects.push(join(group, name));
  }
}
for (const project of projects) {
  console.log(`── vitest ${project}`);
  const report = join(out, `${project.replaceAll("/", "-")}.json`);
  const result = spawnSync(
    bin("vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    { cwd: join(root, project), stdio: "inherit" },
  );
  if (!existsSync(report)) {
    check(`vitest ${project} (no report, exit ${result.status})`, false);
    continue;
  }
  const summary = JSON.parse(readFileSync(report, "utf8"));
  passed += summary.numPassedTests;
  failed += summary.numFailedTests;
  if (summary.numFailedTests > 0) failures.push(`vitest ${project}`);
  // a test file that fails to load has no failed test but a failed suite
  const brokenSuites = summary.testResults.filter(
    (r) => r.status === "failed" && r.assertionResults.length === 0,
  );
  for (const suite of brokenSuites) check(`vitest ${project}: ${suite.name} did not load`, false);
  if (summary.numTotalTests === 0) check(`vitest ${project} ran no test`, false);
  if (result.status !== 0 && summary.numFailedTests === 0 && brokenSuites.length === 0) {
    check(`vitest ${project} (exit ${result.status})`, false);
  }
}
rmSync(out, { recursive: true, force: true });

if (failures.length > 0) console.log(`\nfailed: ${failures.join("; ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
