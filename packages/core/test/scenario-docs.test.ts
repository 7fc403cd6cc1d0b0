// docs/scenario-format.md documents every op with its exact signature, and every top-level and mapping key.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultOps, MAP_KEYS, opSignature, TOP_LEVEL_KEYS } from "../src/scenario/index.js";

const doc = readFileSync(
  fileURLToPath(new URL("../../../docs/scenario-format.md", import.meta.url)),
  "utf8",
).replaceAll("\\|", "|");

describe("docs/scenario-format.md", () => {
  it("gives every op's signature as the op table writes it", () => {
    for (const op of defaultOps.all()) expect(doc, op.name).toContain(`\`${opSignature(op)}\``);
  });

  it("documents every top-level and mapping key", () => {
    for (const key of [...TOP_LEVEL_KEYS, ...MAP_KEYS])
      expect(doc, key).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, "m"));
  });
});
