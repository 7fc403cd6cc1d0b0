// Reading a scenario file (format version 1, YAML or JSON) into the AST of ast.ts. The YAML is parsed with node
// ranges and a LineCounter, and walked node by node, so that every mistake is a UserError naming
// file:line:col of the offending node or token. The parser never throws anything else on any input (a fuzz test
// holds it to that) and runs in time linear in the file.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from "yaml";
import { UserError } from "../errors.js";
import { parseProfilePattern } from "../profile/id.js";
import type { ExpectEntry, FileDecl, Scenario, SourceLocation, Step, TaskDecl, Verdict } from "./ast.js";
import { VERDICTS } from "./ast.js";
import { defaultOps, type OpRegistry } from "./ops.js";
import { didYouMean, parseInteger } from "./tokens.js";
import {
  applyStep,
  buildMapDecl,
  convertStep,
  fail,
  formatLocation,
  MAP_KEYS,
  MAX_PAGES,
  MAX_SCENARIO_CPUS,
  type MapField,
  type RawStep,
  Scope,
  type TaskState,
} from "./validate.js";

/** The format version this parser reads. */
export const FORMAT_VERSION = 1;

/** The top-level keys of a scenario file. */
export const TOP_LEVEL_KEYS: readonly string[] = [
  "flushlab",
  "name",
  "title",
  "source",
  "notes",
  "cpus",
  "files",
  "tasks",
  "steps",
  "expect",
];
const REQUIRED_KEYS: readonly string[] = ["flushlab", "name", "title", "source", "steps"];

/** The keys of a `files` entry and of a `tasks` entry. */
export const FILE_KEYS: readonly string[] = ["pages", "dax"];
export const TASK_KEYS: readonly string[] = ["cpu", "threads", "maps"];

/** A scenario's name: lower-case letters, digits, `.`, `_`, `-`. */
export const SCENARIO_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** A profile id or glob in `expect` (profile/id.ts's parseProfilePattern is the authority; this is for the schema). */
export const PROFILE_PATTERN =
  /^([A-Za-z0-9._*?-]+\/[A-Za-z0-9._*?-]+@[A-Za-z0-9._*?-]+(\+[A-Za-z0-9][A-Za-z0-9._-]*)*|\*)$/;

/** Options of `parseScenario`. */
export interface ParseOptions {
  /** The op table steps are checked against (default: core's plus whatever arch packages registered). */
  ops?: OpRegistry;
}

/**
 * Parse a scenario from its text. `file` names it in error messages and in `Scenario.file`. Throws a
 * UserError naming file:line:col on any mistake; the result is fully validated (names, bindings, op
 * signatures) except what needs a profile (see `validateForProfile`).
 */
export function parseScenario(text: string, file = "<inline>", options: ParseOptions = {}): Scenario {
  return parseWithHash(text, file, createHash("sha256").update(text, "utf8").digest("hex"), options);
}

/** Read and parse a scenario file; an unreadable file or one that is not UTF-8 is a UserError naming it. */
export function loadScenarioFile(path: string, options: ParseOptions = {}): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a scenario file"
          : code === "EACCES"
            ? "permission denied"
            : `cannot be read (${code ?? (error as Error).message})`;
    throw new UserError(path, reason);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(path, "is not UTF-8 text");
  }
  return parseWithHash(text, path, createHash("sha256").update(bytes).digest("hex"), options);
}

// ---------------------------------------------------------------------------------------------------------

/** The file being parsed: turns source offsets into locations. */
class Source {
  readonly lines = new LineCounter();
  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  at(offset: number): SourceLocation {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const { line, col } = this.lines.linePos(clamped);
    return { file: this.file, line, col };
  }

  /** The location of a node (its first character); the file's start when it has none. */
  of(node: Node | null | undefined): SourceLocation {
    return this.at(node?.range?.[0] ?? 0);
  }
}

function parseWithHash(text: string, file: string, hash: string, options: ParseOptions): Scenario {
  try {
    return parseChecked(text, file, hash, options);
  } catch (error) {
    // a document nested deeper than the stack allows: the input's fault, not flushlab's
    if (error instanceof RangeError) throw new UserError(file, "the document is nested too deeply");
    throw error;
  }
}

function parseChecked(text: string, file: string, hash: string, options: ParseOptions): Scenario {
  const source = new Source(file, text);
  const doc = parseDocument(text, {
    lineCounter: source.lines,
    prettyErrors: false,
    uniqueKeys: true,
    keepSourceTokens: false,
  });
  const error = doc.errors[0];
  if (error) {
    fail(source.at(error.pos[0]), `YAML syntax error: ${error.message.split("\n")[0]}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    throw new UserError(
      file,
      "empty scenario file: expected a mapping with flushlab, name, title, source, steps",
    );
  }
  const top = expectMap(source, root, "a scenario file");
  return new ScenarioReader(source, hash, options.ops ?? defaultOps).read(top);
}

/** The pairs of a YAML mapping as (key text, key node, value node), keys checked to be plain strings. */
function entries(source: Source, map: YAMLMap): { key: string; keyNode: Node; value: Node | null }[] {
  const out: { key: string; keyNode: Node; value: Node | null }[] = [];
  for (const pair of map.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || (typeof keyNode.value !== "string" && typeof keyNode.value !== "number")) {
      fail(source.of(keyNode ?? map), "a key must be a plain name");
    }
    out.push({ key: String(keyNode.value), keyNode, value: (pair.value as Node | null) ?? null });
  }
  return out;
}

function rejectAlias(source: Source, node: Node | null): void {
  if (node && isAlias(node))
    fail(source.of(node), "YAML aliases (*name) are not supported in scenario files");
}

function expectMap(source: Source, node: Node | null, what: string): YAMLMap {
  rejectAlias(source, node);
  if (!isMap(node)) fail(source.of(node), `${what} must be a mapping (key: value lines or { ... })`);
  return node;
}

function scalarValue(source: Source, node: Node | null, what: string): Scalar["value"] {
  rejectAlias(source, node);
  if (!isScalar(node))
    fail(source.of(node), `${what} must be a single value, not a ${isMap(node) ? "mapping" : "list"}`);
  return node.value;
}

function expectString(source: Source, node: Node | null, what: string): string {
  const value = scalarValue(source, node, what);
  if (typeof value !== "string" || value.trim() === "")
    fail(source.of(node), `${what} must be a non-empty string`);
  return value;
}

function expectInt(source: Source, node: Node | null, what: string, min: number, max: number): number {
  const raw = scalarValue(source, node, what);
  const value = typeof raw === "string" ? parseInteger(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value))
    fail(source.of(node), `${what} must be an integer`);
  if (value < min || value > max)
    fail(source.of(node), `${what} must be between ${min} and ${max}, not ${value}`);
  return value;
}

function expectBool(source: Source, node: Node | null, what: string): boolean {
  const value = scalarValue(source, node, what);
  if (typeof value !== "boolean") fail(source.of(node), `${what} must be true or false`);
  return value;
}

function unknownKey(
  source: Source,
  keyNode: Node,
  key: string,
  known: readonly string[],
  what: string,
): never {
  fail(
    source.of(keyNode),
    `unknown key \`${key}\` in ${what}${didYouMean(key, known)}; the keys are ${known.join(", ")}`,
  );
}

/** Reads one scenario, top-level keys in a fixed order (files, tasks, steps, expect) whatever their order. */
class ScenarioReader {
  private scope!: Scope;
  private stepCount = 0;

  constructor(
    private readonly source: Source,
    private readonly hash: string,
    private readonly ops: OpRegistry,
  ) {}

  read(top: YAMLMap): Scenario {
    const { source } = this;
    const fields = new Map<string, { keyNode: Node; value: Node | null }>();
    for (const { key, keyNode, value } of entries(source, top)) {
      if (!TOP_LEVEL_KEYS.includes(key)) unknownKey(source, keyNode, key, TOP_LEVEL_KEYS, "a scenario");
      fields.set(key, { keyNode, value });
    }
    for (const key of REQUIRED_KEYS) {
      if (!fields.has(key)) fail(source.of(top), `missing top-level key \`${key}\``);
    }
    const version = fields.get("flushlab")!;
    const versionValue = scalarValue(source, version.value, "flushlab");
    if (versionValue !== FORMAT_VERSION) {
      fail(
        source.of(version.value ?? version.keyNode),
        `unsupported format version ${JSON.stringify(versionValue)}: this flushlab reads \`flushlab: ${FORMAT_VERSION}\``,
      );
    }
    const nameNode = fields.get("name")!.value;
    const name = expectString(source, nameNode, "name");
    if (!SCENARIO_NAME.test(name)) {
      fail(source.of(nameNode), `name \`${name}\` must be lower-case letters, digits, '.', '_' or '-'`);
    }
    const title = expectString(source, fields.get("title")!.value, "title");
    const sourceText = expectString(source, fields.get("source")!.value, "source");
    const notesField = fields.get("notes");
    const notes = notesField ? expectString(source, notesField.value, "notes") : null;
    const cpusField = fields.get("cpus");
    const cpus = cpusField ? expectInt(source, cpusField.value, "cpus", 1, MAX_SCENARIO_CPUS) : 1;
    this.scope = new Scope(cpus);

    const files = fields.has("files") ? this.readFiles(fields.get("files")!.value) : [];
    const tasks = fields.has("tasks") ? this.readTasks(fields.get("tasks")!.value) : [];
    const steps = this.readSteps(fields.get("steps")!.value, null);
    if (steps.length === 0)
      fail(source.of(fields.get("steps")!.value ?? top), "`steps` must list at least one step");
    const expect = fields.has("expect") ? this.readExpect(fields.get("expect")!.value) : [];
    return {
      flushlab: 1,
      name,
      title,
      source: sourceText,
      notes,
      cpus,
      files,
      tasks,
      steps,
      expect,
      file: source.file,
      hash: this.hash,
    };
  }

  private readFiles(node: Node | null): FileDecl[] {
    const { source, scope } = this;
    const map = expectMap(source, node, "`files`");
    const files: FileDecl[] = [];
    for (const { key, keyNode, value } of entries(source, map)) {
      const where = source.of(keyNode);
      scope.declare(key, "file", where);
      let pages = 1;
      let dax = false;
      if (value !== null && !(isScalar(value) && value.value === null)) {
        for (const field of entries(source, expectMap(source, value, `file ${key}`))) {
          if (field.key === "pages") pages = expectInt(source, field.value, "pages", 1, MAX_PAGES);
          else if (field.key === "dax") dax = expectBool(source, field.value, "dax");
          else unknownKey(source, field.keyNode, field.key, FILE_KEYS, `file ${key}`);
        }
      }
      const decl: FileDecl = { name: key, pages, dax, where };
      scope.files.set(key, decl);
      files.push(decl);
    }
    return files;
  }

  private readTasks(node: Node | null): TaskDecl[] {
    const { source, scope } = this;
    const map = expectMap(source, node, "`tasks`");
    const tasks: TaskDecl[] = [];
    for (const { key, keyNode, value } of entries(source, map)) {
      const where = source.of(keyNode);
      scope.declare(key, "task", where);
      let cpu = 0;
      let threads = [key];
      let threadWheres = [where];
      let mapsNode: Node | null = null;
      if (value !== null && !(isScalar(value) && value.value === null)) {
        for (const field of entries(source, expectMap(source, value, `task ${key}`))) {
          if (field.key === "cpu") cpu = expectInt(source, field.value, "cpu", 0, MAX_SCENARIO_CPUS - 1);
          else if (field.key === "threads") {
            rejectAlias(source, field.value);
            if (!isSeq(field.value) || field.value.items.length === 0) {
              fail(
                source.of(field.value ?? field.keyNode),
                "`threads` must be a non-empty list of thread names",
              );
            }
            threads = [];
            threadWheres = [];
            for (const item of field.value.items as (Node | null)[]) {
              threads.push(expectString(source, item, "a thread name"));
              threadWheres.push(source.of(item));
            }
          } else if (field.key === "maps") mapsNode = field.value;
          else unknownKey(source, field.keyNode, field.key, TASK_KEYS, `task ${key}`);
        }
        if (cpu >= scope.cpus) {
          fail(
            where,
            `task ${key} is on CPU ${cpu}, which does not exist (the scenario has cpus: ${scope.cpus})`,
          );
        }
      }
      threads.forEach((thread, i) => {
        scope.declare(thread, "thread", threadWheres[i], key);
        scope.threads.set(thread, key);
      });
      const state: TaskState = { name: key, cpu, threads, maps: new Map(), exited: false, where };
      scope.tasks.set(key, state);
      if (mapsNode !== null && !(isScalar(mapsNode) && mapsNode.value === null)) {
        for (const entry of entries(source, expectMap(source, mapsNode, `the maps of task ${key}`))) {
          const fields = new Map<string, MapField>();
          const decl = expectMap(source, entry.value, `mapping ${entry.key}`);
          for (const field of entries(source, decl)) {
            if (!MAP_KEYS.includes(field.key))
              unknownKey(source, field.keyNode, field.key, MAP_KEYS, `mapping ${entry.key}`);
            const value = scalarValue(source, field.value, field.key);
            if (typeof value !== "number" && typeof value !== "boolean" && typeof value !== "string") {
              fail(source.of(field.value), `\`${field.key}\` must be a number, true/false or a word`);
            }
            fields.set(field.key, { value, where: source.of(field.value) });
          }
          scope.addMap(state, buildMapDecl(entry.key, fields, source.of(entry.keyNode), scope));
        }
      }
      tasks.push({ name: key, cpu, threads, maps: [...state.maps.values()], where });
    }
    return tasks;
  }

  /**
   * Read a list of steps (the top-level `steps`, or a step's `window`). `windowOf` is the step whose window
   * this is (its actor may not appear inside it).
   */
  private readSteps(node: Node | null, windowOf: Step | null): Step[] {
    const { source } = this;
    const what = windowOf ? "a `window`" : "`steps`";
    rejectAlias(source, node);
    if (!isSeq(node)) fail(source.of(node), `${what} must be a list of \`- actor: op args...\` items`);
    const steps: Step[] = [];
    for (const item of node.items as (Node | null)[]) {
      rejectAlias(source, item);
      if (!isMap(item)) fail(source.of(item ?? node), "a step must be written `- actor: op args...`");
      const pairs = entries(source, item);
      const windowPair = pairs.find((p) => p.key === "window");
      const stepPairs = pairs.filter((p) => p.key !== "window");
      if (stepPairs.length !== 1) {
        fail(
          source.of(stepPairs[1]?.keyNode ?? item),
          stepPairs.length === 0
            ? "a step must be written `- actor: op args...`"
            : "one step per list item: start the next step with `- `",
        );
      }
      const { key: actor, keyNode, value } = stepPairs[0];
      const raw = this.rawStep(actor, keyNode, value);
      if (windowOf && actor === windowOf.actor) {
        fail(raw.actorWhere, `${actor} is inside its own ${windowOf.op} and cannot act in its window`);
      }
      const converted = convertStep(raw, this.scope, this.ops);
      const { step, op } = converted;
      if (windowPair) {
        if (op.window === null) {
          fail(
            source.of(windowPair.keyNode),
            `${op.name} has no preemption window; only ${this.windowOps()} take \`window\``,
          );
        }
        if (windowOf)
          fail(source.of(windowPair.keyNode), "a window cannot contain a step with a window of its own");
        step.window = this.readSteps(windowPair.value, step);
        if (step.window.length === 0)
          fail(source.of(windowPair.value ?? windowPair.keyNode), "an empty `window`");
      }
      applyStep(converted, this.scope);
      steps.push(step);
    }
    return steps;
  }

  private windowOps(): string {
    return this.ops
      .all()
      .filter((op) => op.window !== null)
      .map((op) => op.name)
      .join(", ");
  }

  /** A step's actor and text, with the mapping from text offsets to file locations. */
  private rawStep(actor: string, keyNode: Node, value: Node | null): RawStep {
    const { source } = this;
    const actorWhere = source.of(keyNode);
    rejectAlias(source, value);
    if (!isScalar(value) || typeof value.value !== "string") {
      fail(
        source.of(value ?? keyNode),
        `the step of ${actor} must be one line of text: \`op args... [key=value...] [-> name]\``,
      );
    }
    const text = value.value;
    const [start, end] = value.range ?? [0, 0];
    const written = source.text.slice(start, end);
    // plain and simple quoted scalars: token offsets map one to one onto the file; otherwise the scalar's start
    const base = written === text ? start : written.slice(1, -1) === text ? start + 1 : null;
    const index = this.stepCount++;
    return {
      index,
      actor,
      actorWhere,
      text: text.trim() === text ? text : text.trim(),
      locate: (offset) =>
        base === null ? source.at(start) : source.at(base + offset + (text.length - text.trimStart().length)),
    };
  }

  private readExpect(node: Node | null): ExpectEntry[] {
    const { source } = this;
    const map = expectMap(source, node, "`expect`");
    const out: ExpectEntry[] = [];
    for (const { key, keyNode, value } of entries(source, map)) {
      const where = source.of(keyNode);
      parseProfilePattern(key, formatLocation(where));
      const verdict = scalarValue(source, value, `the verdict for ${key}`);
      if (typeof verdict !== "string" || !(VERDICTS as readonly string[]).includes(verdict)) {
        fail(
          source.of(value ?? keyNode),
          `unknown verdict ${JSON.stringify(verdict)}${typeof verdict === "string" ? didYouMean(verdict, VERDICTS) : ""}; the verdicts are ${VERDICTS.join(", ")}`,
        );
      }
      out.push({ pattern: key, verdict: verdict as Verdict, where });
    }
    return out;
  }
}
