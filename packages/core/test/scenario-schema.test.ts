import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  CORE_OPS,
  catalogFiles,
  OpRegistry,
  type OpSpec,
  scenarioJsonSchema,
  scenarioJsonSchemaText,
  validateAgainstSchema,
} from "../src/scenario/index.js";
import { KITCHEN_SINK } from "./scenario-fixtures.js";

const committedPath = fileURLToPath(new URL("../schema/scenario.schema.json", import.meta.url));

describe("the JSON Schema of the scenario format", () => {
  it("the committed file is the generated one (regenerate: node packages/core/scripts/gen-scenario-schema.mjs)", () => {
    expect(readFileSync(committedPath, "utf8")).toBe(scenarioJsonSchemaText());
  });

  it("is draft 2020-12 and lists every core op", () => {
    const schema = scenarioJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const defs = schema.$defs as Record<string, { pattern?: string; description?: string }>;
    for (const op of CORE_OPS) {
      expect(defs[`op_${op}`]?.pattern).toBe(`^\\s*${op}(\\s|$)`);
    }
    expect(defs.op_get_user_pages.description).toMatch(
      /^get_user_pages TASK ADDR \[pages=N\] \[write=0\|1\] -> PAGE: /,
    );
  });

  it("the catalog files and the fixture validate against it", () => {
    const schema = JSON.parse(readFileSync(committedPath, "utf8"));
    const files = catalogFiles();
    expect(files.map((f) => f.split("/").pop())).toEqual(
      expect.arrayContaining(["fuse-writev.yaml", "fuse-writev-threaded.yaml"]),
    );
    for (const file of files) {
      expect(validateAgainstSchema(parseYaml(readFileSync(file, "utf8")), schema), file).toEqual([]);
    }
    expect(validateAgainstSchema(parseYaml(KITCHEN_SINK), schema)).toEqual([]);
  });

  it("rejects what the format forbids", () => {
    const schema = scenarioJsonSchema();
    const base = parseYaml(
      readFileSync(catalogFiles().find((f) => f.endsWith("/fuse-writev.yaml"))!, "utf8"),
    );
    const problems = (mutate: (doc: Record<string, unknown>) => void) => {
      const doc = structuredClone(base);
      mutate(doc);
      return validateAgainstSchema(doc, schema).map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems((d) => (d.flushlab = 2))).toEqual(["/flushlab: expected 1"]);
    expect(problems((d) => (d.titel = "x"))).toEqual(["/titel: property not allowed"]);
    expect(problems((d) => delete d.steps)).toEqual(["/: missing required property steps"]);
    expect(problems((d) => ((d.steps as unknown[])[0] = { client: "frobnicate buf" }))).toContain(
      "/steps/0/client: matches none of anyOf",
    );
    expect(
      problems((d) => ((d.expect as Record<string, string>)["generic/pipt@asm-generic"] = "fine")),
    ).toEqual([
      '/expect/generic~1pipt@asm-generic: expected one of "coherent", "stale", "rejected", "bug", "error"',
    ]);
    expect(
      problems((d) => {
        (d.tasks as { client: { maps: { buf: Record<string, unknown> } } }).client.maps.buf.at = 0x1800;
      }),
    ).toEqual(expect.arrayContaining(["/tasks/client/maps/buf/at: 6144 is not a multiple of 4096"]));
    expect(
      problems((d) => {
        (d.steps as unknown[])[0] = { client: "fork -> c", helper: "load buf" };
      }),
    ).toContain("/steps/0: matches 0 of oneOf (exactly one required)");
    expect(
      problems((d) => {
        (d.steps as unknown[])[0] = { client: "fork -> c", window: [{ helper: "load buf" }] };
      }),
    ).toEqual([]);
  });

  it("follows the registry: an arch op appears once registered", () => {
    const registry = new OpRegistry();
    const kmapCoherent: OpSpec = {
      name: "kmap_coherent",
      group: "arch",
      params: [{ name: "PAGE", kind: "page", bases: ["page"], doc: "the page" }],
      options: {},
      bind: { kind: "kaddr", required: true, doc: "an address at the user colour" },
      actors: ["thread", "kworker"],
      window: null,
      arch: "mips",
      linux: "kmap_coherent (arch/mips/mm/init.c)",
      doc: "Map a page at the colour of its user address.",
    };
    registry.register(kmapCoherent);
    const defs = scenarioJsonSchema(registry).$defs as Record<string, { description: string }>;
    expect(defs.op_kmap_coherent.description).toMatch(/\(mips only\)$/);
    expect((scenarioJsonSchema().$defs as Record<string, unknown>).op_kmap_coherent).toBeUndefined();
  });
});

describe("the schema validator itself", () => {
  it("refuses keywords it does not implement", () => {
    expect(() => validateAgainstSchema(1, { format: "date" })).toThrow(
      /unsupported JSON Schema keyword format/,
    );
    expect(() => validateAgainstSchema(1, { $ref: "#/$defs/nope" })).toThrow(/dangling/);
  });

  it("checks types, ranges, patterns and combinators", () => {
    const schema = {
      type: "object",
      properties: {
        n: { type: "integer", minimum: 1, maximum: 3 },
        s: { type: "string", pattern: "^a" },
        l: { type: "array", minItems: 1, items: { enum: [1, 2] } },
      },
      required: ["n"],
      not: { required: ["s", "l"] },
    };
    expect(validateAgainstSchema({ n: 2, s: "ab" }, schema)).toEqual([]);
    expect(validateAgainstSchema({ n: 1.5 }, schema).map((p) => p.message)).toEqual([
      "expected integer, got number",
    ]);
    expect(validateAgainstSchema({ n: 4, s: "b", l: [3] }, schema).map((p) => p.message)).toEqual([
      "4 > 3",
      '"b" does not match ^a',
      "expected one of 1, 2",
      "matches a schema it must not",
    ]);
  });
});
