// The matrix of `flushlab compare` (scenarios by profiles) and the reporter interface its output formats,
// and the progress display, implement: one object of optional callbacks per format (as Vitest's reporters),
// called as the matrix runs. A format returns its whole output from onEnd (or onDiff), so that the command
// writes it at once: never half an output, and --out can write it atomically.
import {
  defaultContainer,
  expectedVerdict,
  isUserError,
  loadScenarioFile,
  PluginError,
  type Profile,
  profileRegistry,
  type RunResult,
  runScenario,
  type Scenario,
  type Verdict,
} from "@flushlab/core";
import type { Registry } from "../select.js";
import { MatrixWorkers, workerCount } from "./matrix-parallel.js";

/** A scenario of the matrix (a row). */
export interface MatrixScenario {
  readonly name: string;
  readonly title: string;
  /** The file, as flushlab prints paths (relative to the working directory). */
  readonly file: string;
  /** sha256 of the file's bytes. */
  readonly hash: string;
}

/** One cell: a scenario on a profile. */
export interface MatrixCell {
  readonly scenario: string;
  readonly profile: string;
  readonly verdict: Verdict;
  /** What the scenario's expect block says for this profile (null: nothing). */
  readonly expected: Verdict | null;
  readonly violations: number;
  /** Cache lines acted on by maintenance operations. */
  readonly linesMaintained: number;
  /** Estimated cycles of the whole run. */
  readonly cycles: number;
  /** Why a run stopped early (rejected, bug, error), in one sentence; null otherwise. */
  readonly reason: string | null;
}

/** What is about to run. */
export interface MatrixPlan {
  readonly scenarios: readonly MatrixScenario[];
  readonly profiles: readonly string[];
  /** scenarios × profiles. */
  readonly cells: number;
}

/** The whole matrix: cells row by row (scenario order), each row in profile order. */
export interface Matrix extends MatrixPlan {
  /** flushlab's version. */
  readonly version: string;
  readonly results: readonly MatrixCell[];
}

/** The scenarios on which two profiles give different verdicts (`compare --diff A B`). */
export interface MatrixDiff {
  readonly a: string;
  readonly b: string;
  /** How many scenarios were compared. */
  readonly compared: number;
  readonly rows: readonly {
    readonly scenario: MatrixScenario;
    readonly a: MatrixCell;
    readonly b: MatrixCell;
  }[];
}

/**
 * An output format of `flushlab compare` (or a progress display): every callback optional. onStart sees the
 * plan, onCell each cell as it finishes (in run order, with how many are done), onEnd the matrix, onDiff the
 * diff of `--diff A B`; a format returns its output text from onEnd or onDiff.
 */
export interface MatrixReporter {
  readonly name: string;
  onStart?(plan: MatrixPlan): void;
  onCell?(cell: MatrixCell, done: number, plan: MatrixPlan): void;
  onEnd?(matrix: Matrix): string | undefined;
  onDiff?(diff: MatrixDiff, matrix: Matrix): string | undefined;
}

/** A cell from a run result. */
export function cellOf(result: RunResult): MatrixCell {
  const reason = result.reason
    ? `${result.reason.message}${result.reason.errno ? ` (${result.reason.errno})` : ""}`
    : null;
  return {
    scenario: result.scenario,
    profile: result.profile,
    verdict: result.verdict,
    expected: result.expected,
    violations: result.violations.length,
    linesMaintained: result.costs.linesMaintained,
    cycles: result.costs.cycles,
    reason,
  };
}

/**
 * Run one cell. A scenario that cannot run on this profile (a UserError at run time, such as an explicit
 * address the profile's page size does not divide) gives an `error` cell with the message, so that one
 * profile does not stop the matrix; a file that does not parse is still an error of the whole command, and so
 * is a plugin that fails (a PluginError, thrown again with the cell it failed in).
 */
export function runCell(scenario: Scenario, profile: string | Profile, container?: Registry): MatrixCell {
  try {
    return cellOf(runScenario(scenario, profile, { container, recycle: true }));
  } catch (error) {
    const id = typeof profile === "string" ? profile : profile.id;
    if (error instanceof PluginError) {
      const where = `(scenario ${scenario.name} on ${id})`;
      throw new PluginError(error.plugin, error.hook, `${error.detail} ${where}`, error.step);
    }
    if (!isUserError(error)) throw error;
    return {
      scenario: scenario.name,
      profile: id,
      verdict: "error",
      expected: expectedVerdict(scenario, id) ?? null,
      violations: 0,
      linesMaintained: 0,
      cycles: 0,
      reason: error.format(),
    };
  }
}

/**
 * Each profile resolved once for the whole matrix (a resolution builds the profile: geometries, layout, era),
 * rather than once per cell; an id that does not resolve stays a string, so that runCell makes each of its
 * cells the `error` cell it would have been.
 */
export function resolveProfiles(ids: readonly string[], container?: Registry): (string | Profile)[] {
  const registry = profileRegistry(container ?? defaultContainer());
  return ids.map((id) => {
    try {
      return registry.resolve(id);
    } catch (error) {
      if (!isUserError(error)) throw error;
      return id;
    }
  });
}

/** The cell of a scenario on a profile. */
export function cellAt(matrix: Matrix, scenario: string, profile: string): MatrixCell | undefined {
  const row = matrix.scenarios.findIndex((s) => s.name === scenario);
  const column = matrix.profiles.indexOf(profile);
  if (row < 0 || column < 0) return undefined;
  return matrix.results[row * matrix.profiles.length + column];
}

/** Options of runMatrix. */
export interface MatrixOptions {
  /** flushlab's version, written into the matrix. */
  readonly version: string;
  /** The registry the profiles are resolved in (default: the default container). */
  readonly container?: Registry;
  /**
   * Worker threads to run cells on besides the main thread (matrix-parallel.ts); default: the
   * FLUSHLAB_MATRIX_WORKERS environment variable, else one fewer than the cores (at most 3) for a matrix of
   * 200 cells or more. Only a matrix of the default registry runs on workers (they build that registry
   * themselves); the output is byte-identical either way.
   */
  readonly workers?: number;
}

/**
 * Run every scenario file on every profile, row by row, in the order given, telling the reporters (their onEnd
 * output, if any, is ignored: the command asks its format for the text). Large matrices of the default
 * registry also run on worker threads (matrix-parallel.ts); the cells and the order the reporters see them in
 * are the same (deterministic). A file that does not parse throws the UserError that names it; a scenario that
 * cannot run on a profile is an `error` cell (runCell).
 */
export function runMatrix(
  files: readonly string[],
  profiles: readonly string[],
  reporters: readonly MatrixReporter[],
  options: MatrixOptions,
): Matrix {
  // workers (if any) start first: they load while this thread reads the files
  const shared = options.container === undefined || options.container === defaultContainer();
  const count = shared ? (options.workers ?? workerCount(files.length * profiles.length)) : 0;
  const workers = count > 0 ? MatrixWorkers.start(files, profiles, count) : null;
  let loaded: Scenario[];
  let plan: MatrixPlan;
  try {
    loaded = files.map((file) => loadScenarioFile(file));
    const scenarios = loaded.map((s, i) => ({ name: s.name, title: s.title, file: files[i], hash: s.hash }));
    plan = { scenarios, profiles: [...profiles], cells: scenarios.length * profiles.length };
    for (const r of reporters) r.onStart?.(plan);
  } catch (error) {
    workers?.stop();
    throw error;
  }
  const columns = profiles.length;
  const resolved = resolveProfiles(profiles, options.container);
  const run = (index: number) =>
    runCell(loaded[Math.floor(index / columns)], resolved[index % columns], options.container);
  const report = (cell: MatrixCell, done: number) => {
    for (const r of reporters) r.onCell?.(cell, done, plan);
  };
  const serial = () => {
    const cells: MatrixCell[] = [];
    for (let i = 0; i < plan.cells; i++) {
      cells.push(run(i));
      report(cells[i], i + 1);
    }
    return cells;
  };
  const results =
    workers === null ? serial() : workers.run({ hashes: loaded.map((s) => s.hash), run, report });
  const matrix: Matrix = { ...plan, version: options.version, results };
  for (const r of reporters) r.onEnd?.(matrix);
  return matrix;
}

/** The scenarios of a matrix on which profiles `a` and `b` give different verdicts. */
export function diffMatrix(matrix: Matrix, a: string, b: string): MatrixDiff {
  const rows = matrix.scenarios.flatMap((scenario) => {
    const ca = cellAt(matrix, scenario.name, a);
    const cb = cellAt(matrix, scenario.name, b);
    return ca && cb && ca.verdict !== cb.verdict ? [{ scenario, a: ca, b: cb }] : [];
  });
  return { a, b, compared: matrix.scenarios.length, rows };
}

/** A cell in words for the text formats: `stale 5 · 12 ln · 6267 cy`, `!` when it contradicts the expect block. */
export function cellText(cell: MatrixCell): string {
  const verdict = cell.verdict === "stale" ? `stale ${cell.violations}` : cell.verdict;
  const mismatch = cell.expected !== null && cell.expected !== cell.verdict ? " !" : "";
  return `${verdict} · ${cell.linesMaintained} ln · ${cell.cycles} cy${mismatch}`;
}

/** The legend of cellText. */
export const CELL_LEGEND =
  "cell: verdict (stale: its number of violations) · cache lines maintained (ln) · estimated cycles (cy); " +
  "! marks a verdict that differs from the scenario's expect block";
