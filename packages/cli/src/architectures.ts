// The architectures the command line knows: each package's register function, called once on the default
// container before any command runs, so that `list`, `run`, `compare`, `check` and `explain` see every profile.
import { registerArmProfiles } from "@flushlab/arch-arm";
import { registerMipsProfiles } from "@flushlab/arch-mips";
import { defaultContainer, type RegisterProfiles } from "@flushlab/core";
import type { DependencyContainer } from "tsyringe";

/** Every architecture package's register function, in the order `flushlab list profiles` shows them. */
export const ARCHITECTURES: readonly RegisterProfiles[] = [registerArmProfiles, registerMipsProfiles];

const registered = new WeakSet<DependencyContainer>();

/** Register every architecture in `container` (default: core's default container), once per container. */
export function registerArchitectures(
  container: DependencyContainer = defaultContainer(),
): DependencyContainer {
  if (registered.has(container)) return container;
  for (const register of ARCHITECTURES) register(container);
  registered.add(container);
  return container;
}
