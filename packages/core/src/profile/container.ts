// Containers: a fresh one with core's profiles (createRegistry), the shared default (defaultContainer), and
// the listing of what a container holds. Architecture packages add theirs with their own register functions:
// `const container = createRegistry(registerArmProfiles, registerMipsProfiles)`.
import { type DependencyContainer, container as globalContainer } from "tsyringe";
import { registerGenericProfiles } from "./generic.js";
import { type ProfileListing, profileRegistry } from "./registry.js";

/** A function that registers profiles (CPUs, policies, plugins) in a container, such as an arch package's. */
export type RegisterProfiles = (container: DependencyContainer) => void;

/**
 * A fresh container holding core's generic profiles and whatever the given register functions add. It is a
 * child of tsyringe's global container, which flushlab never registers into, so containers never share
 * registrations.
 */
export function createRegistry(...registers: readonly RegisterProfiles[]): DependencyContainer {
  const container = globalContainer.createChildContainer();
  registerGenericProfiles(container);
  for (const register of registers) register(container);
  return container;
}

let shared: DependencyContainer | null = null;

/**
 * The default container used when a caller gives none (createSimulation, runScenario, listProfiles): built on
 * first use with core's generic profiles. Registering into it (an arch package's register function) makes
 * those profiles available to every later default call in this process.
 */
export function defaultContainer(): DependencyContainer {
  shared ??= createRegistry();
  return shared;
}

/** The ids of every profile a container knows (default: {@link defaultContainer}), sorted. */
export function listProfiles(container: DependencyContainer = defaultContainer()): string[] {
  return profileRegistry(container).ids();
}

/**
 * Every CPU × policy pair of every architecture a container knows, including the pairs left out (with the
 * reason), for `flushlab list profiles`.
 */
export function listProfileListings(container: DependencyContainer = defaultContainer()): ProfileListing[] {
  return profileRegistry(container).listings();
}
