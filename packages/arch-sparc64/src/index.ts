/**
 * @flushlab/arch-sparc64: an empty shell for now; a later issue fills it with the CPUs and the kernel's
 * cache-flush implementation, era by era.
 * @packageDocumentation
 */
import "reflect-metadata";

/** The architecture this package models, as in profile ids (`sparc64/cpu@policy`). */
export const ARCH = "sparc64";
