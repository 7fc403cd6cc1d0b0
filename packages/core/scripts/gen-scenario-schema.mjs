#!/usr/bin/env node
// Regenerate packages/core/schema/scenario.schema.json from the op table (run after a build: it imports dist).
// A test (test/scenario-schema.test.ts) fails when the committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scenarioJsonSchemaText } from "../dist/index.js";

const out = fileURLToPath(new URL("../schema/scenario.schema.json", import.meta.url));
writeFileSync(out, scenarioJsonSchemaText());
console.log(`wrote ${out}`);
