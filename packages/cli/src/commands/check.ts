// `flushlab check [FILES|DIRS]` (default: the bundled catalog): run each scenario on every profile its
// `expect` block names (an id, or a glob resolved against the registered profiles), print each mismatch with
// both verdicts, and end with a summary line. Exit code 1 on any mismatch, 0 otherwise, 2 on bad input (a
// scenario file, an unknown profile id). This is how a policy author regression-tests a plugin, and how CI
// checks the catalog.
import {
  defaultContainer,
  expectedVerdict,
  formatLocation,
  isProfileGlob,
  loadScenarioFile,
  profileMatches,
  profileRegistry,
  runScenario,
  type Scenario,
} from "@flushlab/core";
import { EXIT_FAIL, EXIT_OK, type Io } from "../io.js";
import { VERSION } from "../main.js";
import { collectPluginFiles, loadPlugins, PLUGIN_OPTION_HELP } from "../plugins.js";
import { progressReporter } from "../progress.js";
import { cellOf, type MatrixCell, type MatrixPlan, type MatrixScenario } from "../report/matrix.js";
import { type Registry, selectScenarioFiles } from "../select.js";
import type { RegisterCommand } from "./index.js";

/** One run of a check: a scenario on a profile its expect block names. */
export interface CheckRun {
  readonly scenario: Scenario;
  readonly file: string;
  readonly profile: string;
}

/** What a check found. */
export interface CheckOutcome {
  readonly runs: readonly (CheckRun & { readonly cell: MatrixCell })[];
  readonly mismatches: readonly (CheckRun & { readonly cell: MatrixCell })[];
  /** Globs of expect blocks that match no registered profile, with their place. */
  readonly unmatched: readonly string[];
}

/**
 * The profiles a scenario's expect block names, in the order of the block: an id is resolved (an unknown one
 * is a UserError naming the entry's file:line:col); a glob is matched against the registered profiles, and
 * one that matches none is returned in `unmatched`.
 */
export function expectedProfiles(
  scenario: Scenario,
  container: Registry = defaultContainer(),
): { profiles: string[]; unmatched: string[] } {
  const registry = profileRegistry(container);
  const listed = registry.ids();
  const profiles: string[] = [];
  const unmatched: string[] = [];
  for (const entry of scenario.expect) {
    const where = formatLocation(entry.where);
    const ids = isProfileGlob(entry.pattern)
      ? listed.filter((id) => profileMatches(entry.pattern, id))
      : [registry.resolve(entry.pattern, where).id];
    if (ids.length === 0)
      unmatched.push(`${where}: the glob "${entry.pattern}" matches no registered profile`);
    for (const id of ids) if (!profiles.includes(id)) profiles.push(id);
  }
  return { profiles, unmatched };
}

/** Run the check of `files` (reporting progress to `io`); throws a UserError on bad input. */
export function runCheck(files: readonly string[], io: Io, container?: Registry): CheckOutcome {
  const planned: CheckRun[] = [];
  const unmatched: string[] = [];
  const rows: MatrixScenario[] = [];
  for (const file of files) {
    const scenario = loadScenarioFile(file);
    const named = expectedProfiles(scenario, container);
    unmatched.push(...named.unmatched);
    rows.push({ name: scenario.name, title: scenario.title, file, hash: scenario.hash });
    for (const profile of named.profiles) planned.push({ scenario, file, profile });
  }
  const plan: MatrixPlan = {
    scenarios: rows,
    profiles: [...new Set(planned.map((r) => r.profile))].sort(),
    cells: planned.length,
  };
  const progress = progressReporter(io, { label: "check" });
  progress.onStart?.(plan);
  const runs = planned.map((run, i) => {
    const cell = cellOf(runScenario(run.scenario, run.profile, { container }));
    progress.onCell?.(cell, i + 1, plan);
    return { ...run, cell };
  });
  progress.onEnd?.({ ...plan, version: VERSION, results: runs.map((r) => r.cell) });
  const mismatches = runs.filter((r) => expectedVerdict(r.scenario, r.profile) !== r.cell.verdict);
  return { runs, mismatches, unmatched };
}

/** A mismatch in one line: both verdicts, the expect entry's place, and why a run stopped early. */
export function mismatchLine(run: CheckRun & { readonly cell: MatrixCell }): string {
  const { cell } = run;
  const entry =
    run.scenario.expect.find((e) => e.pattern === run.profile) ??
    run.scenario.expect.find((e) => profileMatches(e.pattern, run.profile));
  const where = entry ? ` (${formatLocation(entry.where)}: ${entry.pattern})` : "";
  const got =
    cell.verdict === "stale"
      ? `stale (${cell.violations} violation${cell.violations === 1 ? "" : "s"})`
      : cell.reason
        ? `${cell.verdict} (${cell.reason})`
        : cell.verdict;
  return `MISMATCH ${cell.scenario} on ${cell.profile}: expected ${cell.expected ?? "nothing"}${where}, got ${got}`;
}

/**
 * `flushlab check`: returns the exit code. `container` is the registry the expect blocks' profiles are
 * resolved in (default: the default one).
 */
export function checkCommand(paths: readonly string[], io: Io, container?: Registry): number {
  const files = selectScenarioFiles(paths, "check");
  const outcome = runCheck(files, io, container);
  const lines: string[] = [];
  for (const note of outcome.unmatched) lines.push(`warning: ${note}`);
  for (const run of outcome.mismatches) lines.push(mismatchLine(run));
  const scenarios = new Set(outcome.runs.map((r) => r.file)).size;
  lines.push(
    `check: ${files.length} scenario file${files.length === 1 ? "" : "s"} (${scenarios} with expectations), ` +
      `${outcome.runs.length} runs: ${outcome.runs.length - outcome.mismatches.length} as expected, ` +
      `${outcome.mismatches.length} mismatch${outcome.mismatches.length === 1 ? "" : "es"}`,
  );
  io.stdout(`${lines.join("\n")}\n`);
  return outcome.mismatches.length > 0 ? EXIT_FAIL : EXIT_OK;
}

/** Register `flushlab check` on the program. */
export const registerCheck: RegisterCommand = (program, io, setExit) => {
  program
    .command("check")
    .description(
      "run each scenario on every profile its expect block names and report each mismatch (exit 1 on any)",
    )
    .argument("[paths...]", "scenario files or directories (default: the bundled catalog)")
    .option("--plugin <file>", PLUGIN_OPTION_HELP, collectPluginFiles)
    .action(async (paths, options) => {
      const session = await loadPlugins(options.plugin);
      try {
        setExit(checkCommand(paths, io, session.container));
      } catch (error) {
        throw session.explain(error);
      }
    });
};
