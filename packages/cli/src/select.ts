// What `compare`, `check` and `explain` run: scenario files named by path, directory, catalog name or glob
// over the catalog's names, and profiles named by id or glob (resolved against the registered profiles).
// Every mistake is a UserError naming the option (or argument) it came from.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join, relative, resolve, sep } from "node:path";
import {
  catalogDir,
  catalogFiles,
  defaultContainer,
  isProfileGlob,
  profileRegistry,
  UserError,
} from "@flushlab/core";

/** The registry profiles are resolved in (a tsyringe container, as core takes it). */
export type Registry = Parameters<typeof profileRegistry>[0];

const SCENARIO_EXTENSIONS = [".yaml", ".yml", ".json"];

/** A scenario's catalog name: its file's base name without the extension. */
export function scenarioName(file: string): string {
  return basename(file, extname(file));
}

/** A path as flushlab prints it: relative to the working directory when below it, with `/` separators. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  const shown = rel === "" || rel.startsWith("..") ? abs : rel;
  return shown.split(sep).join("/");
}

/** The scenario files of a directory, sorted by name. */
function directoryFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => SCENARIO_EXTENSIONS.includes(extname(name)))
    .sort()
    .map((name) => join(dir, name));
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Split comma-separated option values (`--scenarios a,b --scenarios c`), dropping empty items. */
export function splitList(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [] : typeof values === "string" ? [values] : values;
  return list
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * The scenario files named by `items` (paths to files or directories, catalog names, globs over catalog
 * names), in the order given (a glob's matches by name), without duplicates; the whole catalog, by scenario
 * name, when `items` is empty. Throws a
 * UserError naming `where` for an item that names nothing.
 */
export function selectScenarioFiles(items: readonly string[], where: string): string[] {
  const byName = (a: string, b: string) =>
    scenarioName(a) < scenarioName(b) ? -1 : scenarioName(a) > scenarioName(b) ? 1 : 0;
  const catalog = [...catalogFiles()].sort(byName);
  if (items.length === 0) return catalog.map((f) => displayPath(f));
  const names = () => catalog.map(scenarioName).join(", ");
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(displayPath(file));
  };
  for (const item of items) {
    if (existsSync(item)) {
      if (statSync(item).isDirectory()) {
        const files = directoryFiles(item);
        if (files.length === 0)
          throw new UserError(where, `the directory ${item} holds no scenario file (.yaml, .yml, .json).`);
        files.forEach(add);
      } else add(item);
      continue;
    }
    if (/[*?]/.test(item)) {
      const re = globRegExp(item);
      const matches = catalog.filter((f) => re.test(scenarioName(f)));
      if (matches.length === 0) {
        throw new UserError(where, `no catalog scenario matches "${item}" (the catalog: ${names()}).`);
      }
      matches.forEach(add);
      continue;
    }
    const named = catalog.find((f) => scenarioName(f) === item);
    if (!named) {
      throw new UserError(
        where,
        `"${item}" is neither a file, a directory nor a scenario of the catalog (${displayPath(catalogDir())}: ${names()}).`,
      );
    }
    add(named);
  }
  return out;
}

/**
 * The profile ids named by `patterns` (ids, or globs over the registered profiles), without duplicates, in
 * the order the registry lists them (ids given explicitly that it does not list, such as ones with stacked
 * plugins, follow in the order given). Every registered profile when `patterns` is empty.
 */
export function selectProfiles(
  patterns: readonly string[],
  where: string,
  container: Registry = defaultContainer(),
): string[] {
  const registry = profileRegistry(container);
  const listed = registry.ids();
  if (patterns.length === 0) return listed;
  const chosen = new Set<string>();
  for (const pattern of patterns) for (const id of registry.expand(pattern, where)) chosen.add(id);
  return [...listed.filter((id) => chosen.has(id)), ...[...chosen].filter((id) => !listed.includes(id))];
}

/** One profile id (not a glob), resolved; a UserError naming `where` otherwise. */
export function selectProfile(id: string, where: string, container: Registry = defaultContainer()): string {
  if (isProfileGlob(id))
    throw new UserError(where, `"${id}" is a glob; name one profile (see flushlab list profiles).`);
  return profileRegistry(container).resolve(id, where).id;
}
