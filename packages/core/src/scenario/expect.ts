// The `expect` block: which verdict a scenario expects on a profile. Keys are profile ids or globs
// (`arm/*@3.9`), matched as profile/id.ts defines (`*` and `?` within the arch, cpu and policy parts).
import { profileMatches } from "../profile/id.js";
import type { ExpectEntry, Scenario, Verdict } from "./ast.js";

/**
 * The entry of `scenario.expect` that applies to a profile: an exact id wins; otherwise the first matching glob
 * in file order. Undefined when none matches.
 */
export function expectFor(scenario: Pick<Scenario, "expect">, profileId: string): ExpectEntry | undefined {
  return (
    scenario.expect.find((e) => e.pattern === profileId) ??
    scenario.expect.find((e) => profileMatches(e.pattern, profileId))
  );
}

/** The verdict a scenario expects on a profile, or undefined. */
export function expectedVerdict(scenario: Pick<Scenario, "expect">, profileId: string): Verdict | undefined {
  return expectFor(scenario, profileId)?.verdict;
}
