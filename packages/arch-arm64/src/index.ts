/**
 * @flushlab/arch-arm64: an empty shell for now; a later issue fills it with the CPUs and the kernel's
 * cache-flush implementation, era by era.
 * @packageDocumentation
 */
import "reflect-metadata";

/** The architecture this package models, as in profile ids (`arm64/cpu@policy`). */
export const ARCH = "arm64";
