/**
 * @flushlab/core: the hardware model of virtually indexed caches and the Linux-like kernel memory model.
 * @packageDocumentation
 */
import "reflect-metadata";

export { isUserError, UserError } from "./errors.js";
export * from "./explain/index.js";
export * from "./hw/api.js";
export * from "./hw/cache.js";
export * from "./hw/cost.js";
export * from "./hw/cpu.js";
export * from "./hw/geometry.js";
export * from "./hw/machine.js";
export * from "./hw/memory.js";
export * from "./hw/mmu.js";
export * from "./hw/oracle.js";
export * from "./hw/tag-store.js";
export * from "./kernel/index.js";
export * from "./profile/index.js";
export * from "./replay/index.js";
export * from "./scenario/index.js";
export * from "./simulation.js";
