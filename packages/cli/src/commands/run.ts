// `flushlab run SCENARIO --profile ID [--trace] [--json]`: run one scenario on one profile and print the verdict
// line, each violation with its context, and the costs. Exit code 0 when coherent, 1 for any other verdict,
// 2 for bad input (a scenario file, an option, an unknown profile).
import { loadScenarioFile, runScenario, UserError } from "@flushlab/core";
import { EXIT_FAIL, EXIT_OK, type Io } from "../io.js";
import { VERSION } from "../main.js";
import { collectPluginFiles, loadPlugins, PLUGIN_OPTION_HELP } from "../plugins.js";
import { runReporters } from "../report/index.js";
import { type Registry, selectScenarioFiles } from "../select.js";
import type { RegisterCommand } from "./index.js";

/** The options of `flushlab run`. */
export interface RunCommandOptions {
  profile: string;
  trace?: boolean;
  json?: boolean;
  /** Plugin files (`--plugin`, repeatable): their plugins may be stacked on the profile. */
  plugin?: readonly string[];
}

/**
 * Run a scenario file on a profile and print the report; returns the exit code (0 coherent, 1 otherwise).
 * A mistake in the file or an unknown profile throws a UserError (the program prints it and exits 2).
 * `container` is the registry to resolve the profile in (default: the default one).
 */
export function runCommand(file: string, options: RunCommandOptions, io: Io, container?: Registry): number {
  // a path is read as given (so a missing file is named as such); a bare name is looked up in the catalog
  const isPath = /[\\/]|\.(ya?ml|json)$/i.test(file);
  const files = isPath ? [file] : selectScenarioFiles([file], "SCENARIO");
  if (files.length !== 1) {
    throw new UserError(
      "SCENARIO",
      `"${file}" names ${files.length} scenarios; run takes one (compare runs several).`,
    );
  }
  const scenario = loadScenarioFile(files[0]);
  const trace = options.trace === true;
  const result = runScenario(scenario, options.profile, { trace, container });
  const reporter = runReporters[options.json ? "json" : "text"];
  io.stdout(reporter.render({ scenario, result, trace, version: VERSION }));
  return result.verdict === "coherent" ? EXIT_OK : EXIT_FAIL;
}

export const registerRun: RegisterCommand = (program, io, setExit) => {
  program
    .command("run")
    .description("run a scenario on a profile: the verdict, each violation with its context, the costs")
    .argument("<scenario>", "a scenario file (YAML or JSON) or a catalog scenario's name")
    .requiredOption(
      "--profile <id>",
      "the profile, such as generic/vivt@asm-generic (see flushlab list profiles)",
    )
    .option("--trace", "also print the trace: every hook call and maintenance operation, step by step")
    .option("--json", "print a JSON document instead of text")
    .option("--plugin <file>", PLUGIN_OPTION_HELP, collectPluginFiles)
    .action(async (file, options) => {
      const session = await loadPlugins(options.plugin);
      try {
        setExit(runCommand(file, options, io, session.container));
      } catch (error) {
        throw session.explain(error);
      }
    });
};
