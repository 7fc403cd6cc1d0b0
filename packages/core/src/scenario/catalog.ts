// The bundled catalog of scenarios: packages/core/scenarios/*.yaml, shipped with the package. Found relative to
// this module, which sits at src/scenario/ under vitest and at dist/scenario/ once built: both two levels below
// the package root. Bundled into another file (the CLI's single-file build, packages/cli/scripts/bundle.mjs),
// the module no longer sits in the package: the package is then found as `@flushlab/core` from the bundle.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let found: string | undefined;

/** The directory of the bundled scenario files. */
export function catalogDir(): string {
  if (found === undefined) {
    const here = dirname(fileURLToPath(import.meta.url));
    found = resolve(here, "..", "..", "scenarios");
    if (!existsSync(join(found, "..", "schema", "scenario.schema.json"))) {
      try {
        const manifest = createRequire(import.meta.url).resolve("@flushlab/core/package.json");
        found = join(dirname(manifest), "scenarios");
      } catch {
        // not installed beside the bundle either: keep the path relative to this module (an empty catalog)
      }
    }
  }
  return found;
}

/** The bundled scenario files (absolute paths), sorted by name. */
export function catalogFiles(dir: string = catalogDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"))
    .sort()
    .map((name) => join(dir, name));
}
