// Profiles, plugins and the tsyringe registry: the public API of src/profile.
export * from "./container.js";
export * from "./fs-dax.js";
export * from "./generic.js";
export * from "./id.js";
export * from "./plugin.js";
export * from "./registry.js";
export type * from "./types.js";
