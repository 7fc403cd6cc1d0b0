// `explain`: a traced run as a timeline (each step, the hooks it called, nested, with the maintenance they
// issued, and the cache lines it touched with their colour) and, for each violation, its causal story.
// The library entry points are explainScenario (run and explain) and explainRun (explain a traced result).
import type { Costs } from "../hw/api.js";
import { defaultContainer } from "../profile/container.js";
import { profileRegistry } from "../profile/registry.js";
import type { Profile } from "../profile/types.js";
import type { Scenario, Verdict } from "../scenario/ast.js";
import type { RunOptions, RunReason, RunResult } from "../scenario/run.js";
import { runScenario } from "../simulation.js";
import { buildStories, type CausalStory } from "./story.js";
import { buildTimeline, type ExplainGeometry, explainGeometry, type TimelineStep } from "./timeline.js";

/** A run explained. */
export interface Explanation {
  readonly scenario: string;
  readonly title: string;
  readonly file: string;
  /** sha256 of the scenario file. */
  readonly hash: string;
  readonly profile: string;
  readonly verdict: Verdict;
  readonly expected: Verdict | null;
  readonly reason: RunReason | null;
  readonly violations: number;
  readonly costs: Costs;
  /** The machine's geometry, as the timeline and the stories use it. */
  readonly geometry: ExplainGeometry;
  readonly timeline: readonly TimelineStep[];
  /** One per violation, in the order of RunResult.violations. */
  readonly stories: readonly CausalStory[];
}

/** Explain a traced run (`runScenario(..., { trace: true })`) on the profile it ran on. */
export function explainRun(result: RunResult, profile: Profile): Explanation {
  if (!result.trace) throw new Error("explainRun needs a traced run (runScenario with trace: true)");
  const geometry = explainGeometry(profile);
  return {
    scenario: result.scenario,
    title: result.title,
    file: result.file,
    hash: result.hash,
    profile: result.profile,
    verdict: result.verdict,
    expected: result.expected,
    reason: result.reason,
    violations: result.violations.length,
    costs: result.costs,
    geometry,
    timeline: buildTimeline(result.trace, geometry),
    stories: buildStories(result, geometry),
  };
}

/**
 * Run a scenario on a profile with the trace on, and explain it. Throws a UserError for an unknown profile or
 * a scenario mistake that shows only at run time (as runScenario does).
 */
export function explainScenario(
  scenario: Scenario,
  profile: string | Profile,
  options: Omit<RunOptions, "trace"> = {},
): Explanation {
  const registry = options.container ?? defaultContainer();
  const resolved = typeof profile === "string" ? profileRegistry(registry).resolve(profile) : profile;
  return explainRun(
    runScenario(scenario, resolved, { ...options, container: registry, trace: true }),
    resolved,
  );
}
