// `flushlab explain SCENARIO --profile ID [--json]`: the run as a timeline (each step, the hooks it called,
// nested, with the maintenance operations they issued, and the cache lines it touched with their colour),
// then, for each violation, its causal story (core's explainScenario builds both). SCENARIO is a file or a
// catalog name. Exit code 0 when coherent, 1 for any other verdict, 2 for bad input.
import { explainScenario, loadScenarioFile } from "@flushlab/core";
import { EXIT_FAIL, EXIT_OK, type Io } from "../io.js";
import { VERSION } from "../main.js";
import { collectPluginFiles, loadPlugins, PLUGIN_OPTION_HELP } from "../plugins.js";
import { renderExplanation } from "../report/explain-text.js";
import { type Registry, selectProfile, selectScenarioFiles } from "../select.js";
import type { RegisterCommand } from "./index.js";

/** The options of `flushlab explain`. */
export interface ExplainOptions {
  profile: string;
  json?: boolean;
  /** Plugin files (`--plugin`, repeatable): their plugins may be stacked on the profile. */
  plugin?: readonly string[];
}

/**
 * Explain a scenario on a profile and print it; returns the exit code. `container` is the registry to resolve
 * the profile in (default: the default one).
 */
export function explainCommand(
  scenario: string,
  options: ExplainOptions,
  io: Io,
  container?: Registry,
): number {
  const [file] = selectScenarioFiles([scenario], "SCENARIO");
  const profile = selectProfile(options.profile, "--profile", container);
  const explanation = explainScenario(loadScenarioFile(file), profile, { container });
  io.stdout(
    options.json
      ? `${JSON.stringify({ format: 1, tool: { name: "flushlab", version: VERSION }, ...explanation }, null, 2)}\n`
      : renderExplanation(explanation),
  );
  return explanation.verdict === "coherent" ? EXIT_OK : EXIT_FAIL;
}

/** Register `flushlab explain` on the program. */
export const registerExplain: RegisterCommand = (program, io, setExit) => {
  program
    .command("explain")
    .description(
      "the run as a timeline (hooks, maintenance, cache lines and colours) and the causal story of each violation",
    )
    .argument("<scenario>", "a scenario file, or the name of a catalog scenario")
    .requiredOption(
      "--profile <id>",
      "the profile, such as generic/vivt@asm-generic (see flushlab list profiles)",
    )
    .option("--json", "print the explanation as JSON")
    .option("--plugin <file>", PLUGIN_OPTION_HELP, collectPluginFiles)
    .action(async (scenario, options) => {
      const session = await loadPlugins(options.plugin);
      try {
        setExit(explainCommand(scenario, options, io, session.container));
      } catch (error) {
        throw session.explain(error);
      }
    });
};
