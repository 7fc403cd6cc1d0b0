// Golden outputs (test/golden/*.golden): compared byte for byte; rewritten only on purpose, when the tests run
// with UPDATE_GOLDEN=1. Outputs are normalised first: the catalog's directory, as flushlab prints it
// relative to the working directory, becomes `<catalog>`, so the files do not depend on where tests run.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { catalogDir } from "@flushlab/core";
import { expect } from "vitest";
import { displayPath } from "../src/select.js";

/** Replace the catalog directory (as printed) by `<catalog>`. */
export function normalise(text: string): string {
  return text.split(`${displayPath(catalogDir())}/`).join("<catalog>/");
}

/** Compare `actual` with test/golden/NAME, or rewrite it under UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  const text = normalise(actual);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== "1")
      throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1`);
    writeFileSync(file, text);
    return;
  }
  expect(text).toBe(readFileSync(file, "utf8"));
}
