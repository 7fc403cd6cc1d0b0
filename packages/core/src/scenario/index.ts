// The scenario format: AST, op table, parser, validation, JSON Schema, catalog.
export * from "./ast.js";
export * from "./catalog.js";
export * from "./expect.js";
export { type SchemaProblem, validateAgainstSchema } from "./json-schema.js";
export * from "./ops.js";
export {
  FILE_KEYS,
  FORMAT_VERSION,
  loadScenarioFile,
  type ParseOptions,
  PROFILE_PATTERN,
  parseScenario,
  SCENARIO_NAME,
  TASK_KEYS,
  TOP_LEVEL_KEYS,
} from "./parse.js";
export { type JsonSchema, SCENARIO_SCHEMA_ID, scenarioJsonSchema, scenarioJsonSchemaText } from "./schema.js";
export {
  encodeString,
  formatLocation,
  MAP_KEYS,
  MAX_PAGES,
  MAX_SCENARIO_CPUS,
  MIN_PAGE_SIZE,
  type ProfileFacts,
  parseProt,
  RESERVED_NAMES,
  stringWords,
  validateForProfile,
} from "./validate.js";
