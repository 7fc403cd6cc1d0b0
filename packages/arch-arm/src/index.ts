/**
 * @flushlab/arch-arm: 32-bit ARM CPUs (StrongARM, ARM926, Feroceon, ARM1136, ARM11 MPCore, Cortex-A8,
 * Cortex-A9) and Linux's ARM cache-flush implementation, era by era (2.6.19, 3.9, 3.10, 4.19, 6.6) plus
 * Catalin Marinas's 2013 proposal. Register with `registerArmProfiles(container)`; profile ids read
 * `arm/<cpu>@<era>[+fs-dax]`.
 * @packageDocumentation
 */
import "reflect-metadata";

export * from "./cachetype.js";
export * from "./context.js";
export * from "./copypage.js";
export * from "./cpus.js";
export { ARM_ARCH as ARCH } from "./cpus.js";
export * from "./eras.js";
export * from "./fault.js";
export * from "./flush.js";
export * from "./highmem.js";
export * from "./mmap.js";
export * from "./profiles.js";
export * from "./ptrace.js";
export * from "./uprobes.js";
