// `flushlab compare [--profiles GLOB,...] [--scenarios NAME|GLOB|DIR,...] [--format table|markdown|json|csv]
// [--out FILE] [--diff A B]`: the matrix of scenarios by profiles (each cell: the verdict, the violations of a
// stale run, the cache lines maintained and the estimated cycles), or with --diff the scenarios on which two
// profiles give different verdicts (as herdtools' mcompare7 does). Cells run row by row in a fixed order, so
// the output is byte-identical between runs; progress goes to stderr. --out writes the file atomically.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Option } from "@commander-js/extra-typings";
import { UserError } from "@flushlab/core";
import { EXIT_OK, type Io } from "../io.js";
import { VERSION } from "../main.js";
import { collectPluginFiles, loadPlugins, PLUGIN_OPTION_HELP, type PluginSession } from "../plugins.js";
import { progressReporter } from "../progress.js";
import { COMPARE_FORMATS, type CompareFormat, compareReporters } from "../report/compare-formats.js";
import { diffMatrix, runMatrix } from "../report/matrix.js";
import { selectProfile, selectProfiles, selectScenarioFiles, splitList } from "../select.js";
import type { RegisterCommand } from "./index.js";

/** The options of `flushlab compare`. */
export interface CompareOptions {
  profiles?: readonly string[];
  scenarios?: readonly string[];
  format?: CompareFormat;
  out?: string;
  diff?: readonly string[];
  /** Plugin files (`--plugin`, repeatable): their plugins may be stacked on the profiles. */
  plugin?: readonly string[];
}

/**
 * Write `text` to `file` atomically: into a temporary file beside it, flushed, then renamed over it, so that
 * a reader never sees half a file and a failure leaves the old file (or none). A failure is a UserError
 * naming `where`.
 */
export function writeFileAtomic(file: string, text: string, where = "--out"): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      where,
      `cannot write ${file}${code ? ` (${code})` : ""}: ${(error as Error).message}.`,
    );
  }
}

/**
 * Run `flushlab compare`; returns the exit code (0; a mistake throws a UserError, which exits 2). `session`
 * holds the registry (default: the default one) and the plugins loaded from files: a cell in which a plugin
 * failed stops the command (runMatrix throws its PluginError, named here with the plugin's file).
 */
export function compareCommand(options: CompareOptions, io: Io, session?: PluginSession): number {
  const container = session?.container;
  const format = options.format ?? "table";
  const reporter = compareReporters[format];
  if (!reporter)
    throw new UserError("--format", `unknown format "${format}" (${COMPARE_FORMATS.join(", ")}).`);
  const diff = options.diff;
  if (diff !== undefined && diff.length !== 2) {
    throw new UserError("--diff", `takes two profile ids, A and B (got ${diff.length}: ${diff.join(" ")}).`);
  }
  if (diff && options.profiles && options.profiles.length > 0) {
    throw new UserError("--diff", "runs its two profiles only: leave out --profiles.");
  }
  const files = selectScenarioFiles(splitList(options.scenarios), "--scenarios");
  const profiles = diff
    ? [...new Set(diff.map((id) => selectProfile(id, "--diff", container)))]
    : selectProfiles(splitList(options.profiles), "--profiles", container);
  if (diff && profiles.length < 2)
    throw new UserError("--diff", `A and B are the same profile (${profiles[0]}).`);
  let matrix: ReturnType<typeof runMatrix>;
  try {
    matrix = runMatrix(files, profiles, [progressReporter(io, { label: "compare" })], {
      version: VERSION,
      container,
    });
  } catch (error) {
    // a plugin that failed in a cell stops the command: name its file
    throw session ? session.explain(error) : error;
  }
  const text = diff
    ? (reporter.onDiff?.(diffMatrix(matrix, profiles[0], profiles[1]), matrix) ?? "")
    : (reporter.onEnd?.(matrix) ?? "");
  if (options.out) writeFileAtomic(options.out, text);
  else io.stdout(text);
  return EXIT_OK;
}

/** Collect a repeatable, comma-separated option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitList(value)];
}

/** Register `flushlab compare` on the program. */
export const registerCompare: RegisterCommand = (program, io, setExit) => {
  program
    .command("compare")
    .description(
      "the matrix of scenarios by profiles: each cell the verdict (with its violations) and the cost; --diff A B lists the scenarios on which two profiles differ",
    )
    .option(
      "--profiles <globs>",
      "profile ids or globs, comma-separated (default: every registered profile)",
      collect,
    )
    .option(
      "--scenarios <names>",
      "scenario files, directories, catalog names or globs over them, comma-separated (default: the catalog)",
      collect,
    )
    .addOption(
      new Option("--format <format>", "output format").choices(COMPARE_FORMATS).default("table" as const),
    )
    .option("--out <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--diff <profiles...>", "two profile ids A B: list the scenarios on which their verdicts differ")
    .option("--plugin <file>", PLUGIN_OPTION_HELP, collectPluginFiles)
    .action(async (options) => {
      const session = await loadPlugins(options.plugin);
      try {
        setExit(compareCommand(options, io, session));
      } catch (error) {
        throw session.explain(error);
      }
    });
};
