/**
 * @flushlab/core: the hardware model of virtually indexed caches and the Linux-like kernel memory model.
 * @packageDocumentation
 */
import "reflect-metadata";

export { isUserError, UserError } from "./errors.js";
export * from "./hw/geometry.js";
export * from "./hw/tag-store.js";
