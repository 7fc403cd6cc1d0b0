// The single-file build of the command line (scripts/bundle.mjs) carries its own copy of @flushlab/core, the
// architecture packages and @flushlab/cli. A `--plugin` file that imports one of them would otherwise load a
// second copy from node_modules: other classes (an `instanceof UserError` that fails), other symbols (the key
// under which a plugin's kernel view answers its kernel), other module state. So the bundle's entry shares its
// module namespaces (shareModules), and before the first plugin file is imported, module resolution is
// redirected (node:module `register`) so that those specifiers name the bundle's own instances. Run from
// dist/ (the unbundled build, tests), nothing is shared and nothing is redirected: node_modules holds the one
// copy.
import { register } from "node:module";

/** Where the bundle's entry leaves its namespaces, by package name (a registry symbol: one per process). */
const SHARED_KEY = "flushlab.sharedModules";
const SHARED = Symbol.for(SHARED_KEY);

type SharedModules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Called by the bundle's entry with the namespaces of the packages it carries. */
export function shareModules(modules: SharedModules): void {
  (globalThis as { [SHARED]?: SharedModules })[SHARED] = modules;
}

/** The namespaces shared by the bundle, if flushlab runs as its bundle. */
export function sharedModules(): SharedModules | undefined {
  return (globalThis as { [SHARED]?: SharedModules })[SHARED];
}

// The resolve and load hooks, as a module of their own (they run on node's hooks thread). `names` maps each
// shared package name to its export names and `key` is SHARED's registry key; a shared specifier resolves to a
// `flushlab-shared:` URL whose module re-exports, from the main thread's global, the bundle's namespace.
const HOOKS = `
let names = {};
let key = "";
export function initialize(data) { names = data.names; key = data.key; }
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(names, specifier)) return { url: "flushlab-shared:" + specifier, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith("flushlab-shared:")) return next(url, context);
  const specifier = url.slice("flushlab-shared:".length);
  const lines = ["const m = globalThis[Symbol.for(" + JSON.stringify(key) + ")][" + JSON.stringify(specifier) + "];"];
  for (const name of names[specifier]) {
    lines.push(name === "default" ? "export default m.default;" : "export const " + name + " = m." + name + ";");
  }
  return { format: "module", source: lines.join("\\n"), shortCircuit: true };
}
`;

let redirected = false;

/**
 * Make the shared packages' specifiers resolve to the bundle's instances, once per process; nothing when
 * flushlab does not run as its bundle.
 */
export function redirectSharedModules(): void {
  const modules = sharedModules();
  if (modules === undefined || redirected) return;
  redirected = true;
  const names: Record<string, string[]> = {};
  for (const [specifier, namespace] of Object.entries(modules)) names[specifier] = Object.keys(namespace);
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { names, key: SHARED_KEY } });
}
