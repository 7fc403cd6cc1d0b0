/**
 * @flushlab/arch-parisc: an empty shell for now; a later issue fills it with the CPUs and the kernel's
 * cache-flush implementation, era by era.
 * @packageDocumentation
 */
import "reflect-metadata";

/** The architecture this package models, as in profile ids (`parisc/cpu@policy`). */
export const ARCH = "parisc";
