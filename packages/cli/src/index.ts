/**
 * @flushlab/cli: the `flushlab` command line as a library (the program itself is bin.ts).
 * @packageDocumentation
 */
export { type Io, main } from "./main.js";
export type { LoadedPlugin, PluginApi, RegisterPluginFile, UserPlugin } from "./plugins.js";
