// The JSON Schema (draft 2020-12) of the scenario format, generated from the op table and the top-level
// definitions, so that editors can validate scenario files. The committed copy is packages/core/schema/
// scenario.schema.json (regenerate it with `node packages/core/scripts/gen-scenario-schema.mjs` after a build;
// a test checks that it matches). The schema checks structure and op names; the parser checks the rest
// (argument kinds, names in scope, bindings), with file:line:col.
import { VERDICTS } from "./ast.js";
import { defaultOps, type OpRegistry, type OpSpec, opSignature } from "./ops.js";
import { FILE_KEYS, FORMAT_VERSION, PROFILE_PATTERN, SCENARIO_NAME, TASK_KEYS } from "./parse.js";
import { MAP_KEYS, MAX_PAGES, MAX_SCENARIO_CPUS, MIN_PAGE_SIZE } from "./validate.js";

/** A JSON Schema document (the subset this module emits). */
export type JsonSchema = { [key: string]: unknown };

/** The `$id` of the schema. */
export const SCENARIO_SCHEMA_ID = "urn:flushlab:scenario:1";

const IDENTIFIER_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

function opSchema(op: OpSpec): JsonSchema {
  return {
    pattern: `^\\s*${escapeRegex(op.name)}(\\s|$)`,
    description: `${opSignature(op)}: ${op.doc}${op.window ? ` Takes a nested \`window\` (${op.window}).` : ""}${op.arch ? ` (${op.arch} only)` : ""}`,
  };
}

/**
 * The JSON Schema of the scenario format for the ops of `ops` (default: core's and those registered). Key
 * order is fixed, so the serialised schema is byte-stable.
 */
export function scenarioJsonSchema(ops: OpRegistry = defaultOps): JsonSchema {
  const opDefs: Record<string, JsonSchema> = {};
  for (const op of ops.all()) opDefs[`op_${op.name}`] = opSchema(op);
  const windowOps = ops
    .all()
    .filter((op) => op.window !== null)
    .map((op) => op.name);
  const nonNegative = { type: "integer", minimum: 0 };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: SCENARIO_SCHEMA_ID,
    title: `flushlab scenario, format version ${FORMAT_VERSION}`,
    description:
      "A cache-aliasing scenario: tasks, their mappings, and steps run by threads, kernel workers and the DMA device. See docs/scenario-format.md.",
    type: "object",
    required: ["flushlab", "name", "title", "source", "steps"],
    additionalProperties: false,
    properties: {
      flushlab: { description: "The format version.", const: FORMAT_VERSION },
      name: { description: "The scenario's name.", type: "string", pattern: SCENARIO_NAME.source },
      title: { description: "One line: what happens.", type: "string", minLength: 1 },
      source: {
        description: "Where it comes from: thread, author, date, or commit.",
        type: "string",
        minLength: 1,
      },
      notes: {
        description: "A few lines: what happens, what fixed it, choices made.",
        type: "string",
        minLength: 1,
      },
      cpus: {
        description: "Number of CPUs (default 1).",
        type: "integer",
        minimum: 1,
        maximum: MAX_SCENARIO_CPUS,
      },
      files: {
        description: "Files, by name.",
        type: "object",
        propertyNames: { $ref: "#/$defs/identifier" },
        additionalProperties: { $ref: "#/$defs/file" },
      },
      tasks: {
        description: "Tasks (processes), by name.",
        type: "object",
        propertyNames: { $ref: "#/$defs/identifier" },
        additionalProperties: { $ref: "#/$defs/task" },
      },
      steps: {
        description: "The steps, in order: `- actor: op args... [key=value...] [-> name]`.",
        type: "array",
        minItems: 1,
        items: { $ref: "#/$defs/step" },
      },
      expect: {
        description: "Expected verdicts: a profile id or glob (`arm/*@3.9`) to a verdict.",
        type: "object",
        propertyNames: { pattern: PROFILE_PATTERN.source },
        additionalProperties: { $ref: "#/$defs/verdict" },
      },
    },
    $defs: {
      identifier: {
        type: "string",
        pattern: IDENTIFIER_PATTERN,
        not: { enum: ["kworker", "device", "window"] },
      },
      verdict: { enum: [...VERDICTS] },
      file: {
        type: ["object", "null"],
        additionalProperties: false,
        properties: {
          pages: {
            description: "Length in pages (default 1).",
            type: "integer",
            minimum: 1,
            maximum: MAX_PAGES,
          },
          dax: { description: "A DAX file: no page cache (default false).", type: "boolean" },
        },
        propertyNames: { enum: [...FILE_KEYS] },
      },
      task: {
        type: ["object", "null"],
        additionalProperties: false,
        properties: {
          cpu: {
            description: "The CPU its threads run on (default 0).",
            type: "integer",
            minimum: 0,
            maximum: MAX_SCENARIO_CPUS - 1,
          },
          threads: {
            description: "Its threads (default: one thread named after the task).",
            type: "array",
            minItems: 1,
            items: { $ref: "#/$defs/identifier" },
          },
          maps: {
            description: "Its initial mappings, by name.",
            type: ["object", "null"],
            propertyNames: { $ref: "#/$defs/identifier" },
            additionalProperties: { $ref: "#/$defs/map" },
          },
        },
        propertyNames: { enum: [...TASK_KEYS] },
      },
      map: {
        type: "object",
        additionalProperties: false,
        properties: {
          anon: { description: "Anonymous memory.", const: true },
          file: { description: "The file it maps.", $ref: "#/$defs/identifier" },
          pgoff: { description: "First file page mapped (default 0).", ...nonNegative },
          pages: {
            description: "Length in pages (default 1).",
            type: "integer",
            minimum: 1,
            maximum: MAX_PAGES,
          },
          prot: {
            description: "Letters r, w, x, or none (default rw).",
            type: "string",
            pattern: "^(none|[rwx]{1,3})$",
          },
          shared: { description: "MAP_SHARED (default false: MAP_PRIVATE).", type: "boolean" },
          fixed: { description: "MAP_FIXED (default: true when `at` is given).", type: "boolean" },
          colour: { description: "Colour of the first page, modulo the profile's colours.", ...nonNegative },
          at: {
            description: "An explicit page-aligned user address.",
            type: "integer",
            minimum: 0,
            maximum: 2 ** 32 - 1,
            multipleOf: MIN_PAGE_SIZE,
          },
          frame_colour: { description: "Colour of the backing frames.", ...nonNegative },
          pfn: { description: "The first backing page frame number.", ...nonNegative },
          highmem: { description: "Back it with highmem frames.", type: "boolean" },
        },
        propertyNames: { enum: [...MAP_KEYS] },
        oneOf: [{ required: ["anon"] }, { required: ["file"] }],
        not: { anyOf: [{ required: ["colour", "at"] }, { required: ["frame_colour", "pfn"] }] },
      },
      actor: {
        description: "A thread, kworker, kworker@N, or device.",
        type: "string",
        pattern: "^([A-Za-z_][A-Za-z0-9_]*|kworker@[0-9]+)$",
      },
      step: {
        description: `One step: \`actor: op args...\`; ${windowOps.join(", ")} may add a nested \`window\` list.`,
        type: "object",
        minProperties: 1,
        maxProperties: 2,
        oneOf: [
          { not: { required: ["window"] }, maxProperties: 1 },
          { required: ["window"], minProperties: 2 },
        ],
        propertyNames: { $ref: "#/$defs/actor" },
        properties: {
          window: {
            description: "Steps by other actors that run inside the preemption window of this step's op.",
            type: "array",
            minItems: 1,
            items: { $ref: "#/$defs/step" },
          },
        },
        additionalProperties: { $ref: "#/$defs/stepText" },
      },
      stepText: {
        description: "op args... [key=value...] [-> name]",
        type: "string",
        anyOf: Object.keys(opDefs).map((key) => ({ $ref: `#/$defs/${key}` })),
      },
      ...opDefs,
    },
  };
}

/**
 * The schema as the committed file holds it: JSON laid out as the project's formatter (biome) lays it out, so
 * that `biome check` leaves the file alone: objects one key per line, an array of scalars on one line when it
 * fits in 110 columns, a final newline.
 */
export function scenarioJsonSchemaText(ops: OpRegistry = defaultOps): string {
  return `${formatJson(scenarioJsonSchema(ops), "", 0)}\n`;
}

const LINE_WIDTH = 110;

function formatJson(value: unknown, indent: string, prefixLength: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const flat = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
      // the line also holds the indent, the key, and a trailing comma
      if (indent.length + prefixLength + flat.length + 1 <= LINE_WIDTH) return flat;
    }
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner, 0)}`).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return "{}";
    const inner = `${indent}  `;
    const lines = keys.map((key) => {
      const prefix = `${JSON.stringify(key)}: `;
      return `${inner}${prefix}${formatJson((value as Record<string, unknown>)[key], inner, prefix.length)}`;
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}
