/**
 * Trace replay: parsers for Dinero IV and valgrind lackey traces, a tags-only replay engine on TagStore with
 * Dinero IV's statistics, and their text and JSON reports.
 */
export * from "./batch.js";
export * from "./detect.js";
export * from "./engine.js";
export * from "./parse.js";
export * from "./report.js";
