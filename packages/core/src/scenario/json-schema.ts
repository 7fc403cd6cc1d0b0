// A validator for the subset of JSON Schema (draft 2020-12) that schema.ts emits: enough to check that scenario
// files validate against the shipped schema without a dependency. Supported: type, const, enum, pattern,
// minLength, minimum, maximum, multipleOf, properties, required, additionalProperties, propertyNames,
// minProperties, maxProperties, items, minItems, anyOf, oneOf, not, and local `$ref`
// (`#/$defs/name`). Annotations (title, description, $id, $schema) are ignored; any other keyword is refused, so
// the schema cannot silently use one this validator would skip.
import type { JsonSchema } from "./schema.js";

/** One failure: where in the instance (a JSON pointer) and what. */
export interface SchemaProblem {
  path: string;
  message: string;
}

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs", "default", "examples"]);
const KEYWORDS = new Set([
  "type",
  "const",
  "enum",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "multipleOf",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "items",
  "minItems",
  "anyOf",
  "oneOf",
  "not",
  "$ref",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validate `instance` against `schema` (the root, for `$ref`); returns every problem found (empty: valid). */
export function validateAgainstSchema(instance: unknown, schema: JsonSchema): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  check(instance, schema, schema, "", problems);
  return problems;
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const defs = root.$defs as Record<string, JsonSchema> | undefined;
  const target = match && defs ? defs[match[1]] : undefined;
  if (!target) throw new Error(`unsupported or dangling $ref ${ref}`);
  return target;
}

function check(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema,
  path: string,
  out: SchemaProblem[],
): void {
  const fail = (message: string) => out.push({ path: path || "/", message });
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key))
      throw new Error(`unsupported JSON Schema keyword ${key}`);
  }
  if (typeof schema.$ref === "string") check(value, resolveRef(root, schema.$ref), root, path, out);
  const type = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const ok = types.some((t) => t === type || (t === "number" && type === "integer"));
    if (!ok) {
      fail(`expected ${types.join(" or ")}, got ${type}`);
      return;
    }
  }
  if ("const" in schema && !deepEqual(value, schema.const)) fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    fail(`expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength)
      fail("string too short");
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`${value} < ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`${value} > ${schema.maximum}`);
    if (typeof schema.multipleOf === "number" && value % schema.multipleOf !== 0) {
      fail(`${value} is not a multiple of ${schema.multipleOf}`);
    }
  }
  if (type === "object") {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in object)) fail(`missing required property ${key}`);
    }
    if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) {
      fail(`fewer than ${schema.minProperties} properties`);
    }
    if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties) {
      fail(`more than ${schema.maxProperties} properties`);
    }
    for (const key of keys) {
      const child = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (schema.propertyNames !== undefined)
        check(key, schema.propertyNames as JsonSchema, root, child, out);
      if (key in properties) check(object[key], properties[key], root, child, out);
      else if (schema.additionalProperties === false)
        out.push({ path: child, message: "property not allowed" });
      else if (typeof schema.additionalProperties === "object") {
        check(object[key], schema.additionalProperties as JsonSchema, root, child, out);
      }
    }
  }
  if (type === "array") {
    const array = value as unknown[];
    if (typeof schema.minItems === "number" && array.length < schema.minItems)
      fail(`fewer than ${schema.minItems} items`);
    if (schema.items !== undefined) {
      array.forEach((item, i) => {
        check(item, schema.items as JsonSchema, root, `${path}/${i}`, out);
      });
    }
  }
  const passes = (sub: JsonSchema) => {
    const inner: SchemaProblem[] = [];
    check(value, sub, root, path, inner);
    return inner.length === 0;
  };
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as JsonSchema[]).some(passes))
    fail("matches none of anyOf");
  if (Array.isArray(schema.oneOf)) {
    const n = (schema.oneOf as JsonSchema[]).filter(passes).length;
    if (n !== 1) fail(`matches ${n} of oneOf (exactly one required)`);
  }
  if (schema.not !== undefined && passes(schema.not as JsonSchema)) fail("matches a schema it must not");
}
