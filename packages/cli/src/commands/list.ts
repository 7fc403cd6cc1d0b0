// `flushlab list profiles|scenarios [--all] [--json]`: the profiles the registry knows (with --all, also the
// CPU × policy pairs that do not exist, with the reason), or the bundled catalog of scenarios
// (packages/core/scenarios).
import { Argument } from "@commander-js/extra-typings";
import { catalogFiles, listProfileListings, loadScenarioFile } from "@flushlab/core";
import type { Io } from "../io.js";
import type { RegisterCommand } from "./index.js";

/** One catalog entry as `list scenarios` prints it. */
export interface ScenarioListing {
  name: string;
  title: string;
  file: string;
}

/** The bundled scenarios, parsed, by name (a broken catalog file is reported as the UserError it raises). */
export function listScenarios(): ScenarioListing[] {
  return catalogFiles()
    .map((file) => {
      const scenario = loadScenarioFile(file);
      return { name: scenario.name, title: scenario.title, file };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function columns(rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => (b ? `${a.padEnd(width)}  ${b}` : a)).join("\n") + (rows.length ? "\n" : "");
}

/** The options of `flushlab list`. */
export interface ListOptions {
  json?: boolean;
  all?: boolean;
}

/** Print the profiles or the scenarios. */
export function listCommand(what: "profiles" | "scenarios", options: ListOptions, io: Io): void {
  if (what === "scenarios") {
    const scenarios = listScenarios();
    io.stdout(
      options.json
        ? `${JSON.stringify(scenarios, null, 2)}\n`
        : columns(scenarios.map((s) => [s.name, s.title])),
    );
    return;
  }
  const listings = listProfileListings().filter((p) => options.all || p.supported === true);
  if (options.json) {
    io.stdout(`${JSON.stringify(listings, null, 2)}\n`);
    return;
  }
  io.stdout(
    columns(
      listings.map((p) => [
        p.id,
        p.supported === true ? `${p.cpuSummary}; ${p.policySummary}` : `(does not exist: ${p.supported})`,
      ]),
    ),
  );
}

export const registerList: RegisterCommand = (program, io) => {
  program
    .command("list")
    .description("list the profiles, or the bundled scenarios")
    .addArgument(new Argument("<what>", "profiles or scenarios").choices(["profiles", "scenarios"] as const))
    .option("--all", "profiles: also the CPU and policy pairs that do not exist, with the reason")
    .option("--json", "print JSON")
    .action((what, options) => {
      listCommand(what, options, io);
    });
};
