// User plugins: `--plugin FILE` (repeatable) on `run`, `compare`, `check` and `explain`. A plugin file is a
// JavaScript module (.js, .mjs) or a TypeScript file (.ts, .mts); it registers one or more stackable plugins,
// which profile ids then name after `+` (`arm/arm926@3.10+my-policy`).
//
// The contract of a plugin file (docs/writing-a-policy.md), in the order it is looked for:
// 1. `export default function register(api)` or `export function register(api)`: called once with a
//    {@link PluginApi}; it calls `api.registerPlugin(...)` for each plugin (it may be async). A default export
//    that registers nothing and returns a plugin is a plugin factory instead: it is called again for each run;
// 2. `export const plugin = { name, summary?, arches?, create(profile) }` (a PluginSpec: `create` returns a fresh
//    KernelPlugin for each run), or a KernelPlugin itself (`{ name, apply(kernel, profile) }`);
// 3. `export const plugins = [...]`: several of them.
//
// TypeScript: Node 20 cannot run it, so a .ts file is transpiled with the oxc transformer of rolldown
// (`transformSync` of `rolldown/utils`, the engine vite's `transformWithOxc` uses; rolldown is already in the
// workspace as vite's own dependency, so the choice adds no package; docs/writing-a-policy.md gives the
// comparison). Types are stripped, nothing is type-checked. The JavaScript is written beside the source as a
// hidden temporary file (so that its relative and package imports resolve as the source's would), imported,
// and removed.
//
// With plugin files, a command runs in a fresh registry (core's profiles, every architecture, then the
// plugins), so that two invocations in one process never share registrations. Everything that can go wrong
// is a UserError naming the file (the CLI prints one paragraph and exits 2): a file that does not exist, does
// not transpile, does not load or exports nothing usable, a register function that throws, an invalid
// plugin, a name already taken; and, at run time, core's PluginError (a throw in apply or in a hook, a hook
// that does not exist), which {@link PluginSession.explain} annotates with the file.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as core from "@flushlab/core";
import {
  createRegistry,
  defaultContainer,
  isUserError,
  type KernelPlugin,
  PluginError,
  type PluginSpec,
  type Profile,
  registerPlugin,
  UserError,
} from "@flushlab/core";
import { registerArchitectures } from "./architectures.js";
import { VERSION } from "./main.js";
import { displayPath, type Registry } from "./select.js";
import { redirectSharedModules } from "./shared-modules.js";

/** A plugin as a plugin file may register it: a PluginSpec (summary optional) or a KernelPlugin object. */
export type UserPlugin =
  | (Omit<PluginSpec, "summary"> & { readonly summary?: string })
  | (KernelPlugin & { readonly summary?: string; readonly arches?: readonly string[] });

/**
 * What a plugin file's `register(api)` receives. `core` is the `@flushlab/core` the command line itself runs,
 * so that a plugin file can use its helpers (`replaceHook`, `addToHook`, `callNext`, `STAGE_OVERRIDE`,
 * `asmGeneric`, ...) without importing anything: it then loads from any directory.
 */
export interface PluginApi {
  /** The `@flushlab/core` module of the command line. */
  readonly core: typeof core;
  /**
   * Make a plugin stackable as `+NAME` in profile ids: a PluginSpec (`create(profile)` returns a fresh
   * KernelPlugin per run) or a KernelPlugin object (its `apply` runs once per run: keep per-run state inside
   * `apply`). Throws a UserError naming the file for a malformed plugin or a name already registered.
   */
  registerPlugin(plugin: UserPlugin): void;
  /** The plugin file, as given on the command line. */
  readonly file: string;
  /** flushlab's version. */
  readonly version: string;
}

/**
 * The register function a plugin file exports (default or named `register`). One that registers nothing and
 * returns a plugin is a plugin factory: flushlab calls it again, with the same `api`, for each run.
 */
export type RegisterPluginFile = (api: PluginApi) => void | Promise<void> | UserPlugin;

/** A plugin registered from a file. */
export interface LoadedPlugin {
  /** The name after `+`. */
  readonly name: string;
  /** The file it came from, as given. */
  readonly file: string;
  readonly summary: string;
}

/** The registry a command runs in, and the plugins loaded into it. */
export interface PluginSession {
  /** The registry: the default one without plugin files, else a fresh one holding them. */
  readonly container: Registry;
  readonly plugins: readonly LoadedPlugin[];
  /**
   * The error to report for `error`: a PluginError of a plugin loaded from a file gets the file beside the
   * plugin's name; anything else is returned as it is.
   */
  explain(error: unknown): unknown;
}

/** The file extensions `--plugin` loads, and whether they need transpiling. */
const EXTENSIONS: Readonly<Record<string, "js" | "ts">> = {
  ".js": "js",
  ".mjs": "js",
  ".ts": "ts",
  ".mts": "ts",
};

let loads = 0;

/** The text of an error, without ANSI colour codes. */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal colour escapes
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** Line and column (1-based) of byte offset `offset` in `text`. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/**
 * A plugin file that does not load, as a UserError: the first line of the error's message, at `file:line:col`
 * for a syntax error (Node's message for a module does not say where: the file is parsed again to find it).
 */
function loadFailure(error: unknown, file: string, abs: string): UserError {
  let where = file;
  if (error instanceof SyntaxError) {
    const source = readFileSync(abs, "utf8");
    const [first] = oxc!.parseSync(abs, source).errors;
    const start = first?.labels?.[0]?.start;
    if (typeof start === "number") where = `${file}:${lineCol(source, start)}`;
  }
  const message = messageOf(error).split("\n")[0];
  return new UserError(`--plugin ${where}`, `the plugin file does not load: ${message}`);
}

/** rolldown's oxc utilities, loaded on the first --plugin (a native binding: no cost for commands without one). */
let oxc: typeof import("rolldown/utils") | null = null;

/** Load the oxc utilities if they are not loaded yet. */
async function loadOxc(): Promise<typeof import("rolldown/utils")> {
  oxc ??= await import("rolldown/utils");
  return oxc;
}

/** Transpile a TypeScript plugin file; a syntax error is a UserError at `file:line:col`. */
function transpile(file: string, source: string): string {
  const result = oxc!.transformSync(file, source, { sourceType: "module", target: "es2022" });
  const [error] = result.errors as (Error & { loc?: { line: number; column: number } })[];
  if (error) {
    const where = error.loc ? `${file}:${error.loc.line}:${error.loc.column + 1}` : file;
    const message = messageOf(error)
      .split("\n")[0]
      .replace(/^\[[A-Z_]+\]\s*/, "");
    throw new UserError(`--plugin ${where}`, `the plugin file does not compile: ${message}.`);
  }
  return result.code;
}

/**
 * Import a plugin file as a fresh module (a JavaScript file under a new query, so that a file changed since
 * the last load in this process is read again; a TypeScript file through a temporary transpiled copy).
 */
async function importPluginFile(file: string): Promise<Record<string, unknown>> {
  await loadOxc();
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UserError(`--plugin ${file}`, "no such file.");
  if (!statSync(abs).isFile()) throw new UserError(`--plugin ${file}`, "not a file.");
  const kind = EXTENSIONS[extname(abs).toLowerCase()];
  if (!kind) {
    throw new UserError(
      `--plugin ${file}`,
      `a plugin file is a JavaScript module (.js, .mjs) or a TypeScript file (.ts, .mts), not "${extname(abs) || "(no extension)"}".`,
    );
  }
  redirectSharedModules();
  const n = ++loads;
  if (kind === "js") {
    try {
      return (await import(/* @vite-ignore */ `${pathToFileURL(abs).href}?flushlab-plugin=${n}`)) as Record<
        string,
        unknown
      >;
    } catch (error) {
      throw loadFailure(error, file, abs);
    }
  }
  const code = transpile(file, readFileSync(abs, "utf8"));
  const tag = `${process.pid}-${n}-${randomBytes(4).toString("hex")}`;
  let copy = join(dirname(abs), `.${basename(abs)}.flushlab-${tag}.mjs`);
  try {
    writeFileSync(copy, code);
  } catch {
    // a read-only directory: a copy in the temporary directory (only imports that resolve from there work)
    copy = join(tmpdir(), `${basename(abs)}.flushlab-${tag}.mjs`);
    writeFileSync(copy, code);
  }
  try {
    return (await import(/* @vite-ignore */ pathToFileURL(copy).href)) as Record<string, unknown>;
  } catch (error) {
    throw loadFailure(error, file, abs);
  } finally {
    rmSync(copy, { force: true });
  }
}

/** Whether a value looks like a plugin (a PluginSpec with `create`, or a KernelPlugin with `apply`). */
function isPluginLike(value: unknown): value is UserPlugin {
  if (value === null || typeof value !== "object") return false;
  const v = value as { name?: unknown; create?: unknown; apply?: unknown };
  return typeof v.name === "string" && (typeof v.create === "function" || typeof v.apply === "function");
}

/** What a module exports that flushlab can use: a register function, or plugins. */
function usableExports(mod: Record<string, unknown>): RegisterPluginFile | UserPlugin[] | null {
  const candidates: Record<string, unknown>[] = [mod];
  // a CommonJS module, or `export default { register }` / `export default { plugins }`
  const def = mod.default;
  if (def !== null && typeof def === "object" && !isPluginLike(def))
    candidates.push(def as Record<string, unknown>);
  for (const ns of candidates) {
    if (typeof ns.default === "function") return ns.default as RegisterPluginFile;
    if (typeof ns.register === "function") return ns.register as RegisterPluginFile;
  }
  for (const ns of candidates) {
    if (ns.plugin !== undefined) return [ns.plugin as UserPlugin];
    if (Array.isArray(ns.plugins)) return ns.plugins as UserPlugin[];
    if (isPluginLike(ns.default)) return [ns.default];
  }
  return null;
}

/** The contract, for the error that says a file does not follow it. */
const CONTRACT =
  "a plugin file exports `default function register(api)` (or a named `register`) that calls " +
  "`api.registerPlugin({ name, create(profile) })` or returns a plugin `{ name, apply(kernel, profile) }`, or a named `plugin` (`{ name, summary?, create(profile) }`, " +
  "or a KernelPlugin `{ name, apply(kernel, profile) }`) or `plugins` (an array of them); see docs/writing-a-policy.md";

/**
 * The PluginSpec registered for a user's plugin: `create` returns a KernelPlugin carrying the registered name
 * (so that taps, traces and errors name what the profile id names); a `create` that throws or returns no
 * plugin is a PluginError naming it.
 */
function specOf(plugin: UserPlugin, file: string): PluginSpec {
  const name = plugin.name;
  const summary =
    typeof plugin.summary === "string" && plugin.summary.trim() !== ""
      ? plugin.summary
      : `a plugin from ${displayPath(file)}`;
  const make =
    "create" in plugin && typeof plugin.create === "function"
      ? (profile: Profile) => plugin.create(profile)
      : () => plugin as KernelPlugin;
  return {
    name,
    summary,
    ...(Array.isArray(plugin.arches) ? { arches: plugin.arches } : {}),
    create(profile) {
      let made: KernelPlugin;
      try {
        made = make(profile);
      } catch (error) {
        if (isUserError(error)) throw error;
        throw new PluginError(name, null, `threw in create(profile): ${messageOf(error)}`);
      }
      if (made === null || typeof made !== "object" || typeof made.apply !== "function") {
        throw new PluginError(
          name,
          null,
          "create(profile) returned no plugin: it must return an object with an apply(kernel, profile) method.",
        );
      }
      return { name, ...(made.ops ? { ops: made.ops } : {}), apply: (kernel, p) => made.apply(kernel, p) };
    },
  };
}

/** Load one plugin file into `container`; returns the plugins it registered. */
async function loadPluginFile(file: string, container: Registry): Promise<LoadedPlugin[]> {
  const mod = await importPluginFile(file);
  const usable = usableExports(mod);
  if (usable === null) {
    const names = Object.keys(mod).filter((k) => k !== "__esModule");
    const exported = names.length > 0 ? `it exports ${names.join(", ")}` : "it exports nothing";
    throw new UserError(`--plugin ${file}`, `nothing usable: ${exported}; ${CONTRACT}.`);
  }
  const loaded: LoadedPlugin[] = [];
  const add = (plugin: UserPlugin): void => {
    if (!isPluginLike(plugin)) {
      throw new UserError(
        `--plugin ${file}`,
        `registers ${JSON.stringify(plugin) ?? String(plugin)}, which is not a plugin: ${CONTRACT}.`,
      );
    }
    const spec = specOf(plugin, file);
    try {
      registerPlugin(container, spec);
    } catch (error) {
      if (!isUserError(error)) throw error;
      throw new UserError(`--plugin ${file}`, error.format());
    }
    loaded.push({ name: spec.name, file, summary: spec.summary });
  };
  if (Array.isArray(usable)) usable.forEach(add);
  else {
    const api: PluginApi = { core, registerPlugin: add, file, version: VERSION };
    let returned: unknown;
    try {
      returned = await usable(api);
    } catch (error) {
      if (isUserError(error)) throw error;
      throw new UserError(`--plugin ${file}`, `register(api) threw: ${messageOf(error)}`);
    }
    // a plugin factory: the function registered nothing and returned a plugin; it is called again per run
    if (loaded.length === 0 && isPluginLike(returned)) {
      const factory = usable as unknown as (api: PluginApi) => KernelPlugin;
      add({ name: returned.name, summary: returned.summary, create: () => factory(api) });
    }
  }
  if (loaded.length === 0) {
    throw new UserError(`--plugin ${file}`, `register(api) registered no plugin; ${CONTRACT}.`);
  }
  return loaded;
}

/** The registry of a command without plugin files: nothing to explain. */
const noPlugins = (container: Registry): PluginSession => ({
  container,
  plugins: [],
  explain: (error) => error,
});

/**
 * Load the plugin files of `--plugin` (in order) into a fresh registry holding core's profiles and every
 * architecture, so that profile ids can stack them; without files, the default registry. Throws a UserError
 * naming the file for anything wrong with one (see the file comment).
 */
export async function loadPlugins(files: readonly string[] | undefined): Promise<PluginSession> {
  if (!files || files.length === 0) return noPlugins(defaultContainer());
  const container = registerArchitectures(createRegistry());
  const plugins: LoadedPlugin[] = [];
  for (const file of files) plugins.push(...(await loadPluginFile(file, container)));
  const fileOf = new Map(plugins.map((p) => [p.name, displayPath(p.file)]));
  const label = (name: string) => `${name} (${fileOf.get(name)})`;
  return {
    container,
    plugins,
    explain(error) {
      if (!(error instanceof PluginError) || !fileOf.has(error.plugin)) return error;
      return new PluginError(label(error.plugin), error.hook, error.detail, error.step);
    },
  };
}

/** Collect a repeatable `--plugin FILE` option (each occurrence one file: paths may contain commas). */
export function collectPluginFiles(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The option's help text, shared by the four commands. */
export const PLUGIN_OPTION_HELP =
  "load a plugin file (.js, .mjs, or .ts, transpiled) whose plugins profile ids may stack with +NAME (repeatable)";
