// The bundled catalog of scenarios: packages/core/scenarios/*.yaml, shipped with the package. Found relative to
// this module, which sits at src/scenario/ under vitest and at dist/scenario/ once built: both two levels below
// the package root.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of the bundled scenario files. */
export function catalogDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "..", "..", "scenarios");
}

/** The bundled scenario files (absolute paths), sorted by name. */
export function catalogFiles(dir: string = catalogDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"))
    .sort()
    .map((name) => join(dir, name));
}
