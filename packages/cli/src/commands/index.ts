import type { Command } from "@commander-js/extra-typings";
import type { Io } from "../io.js";
import { registerCheck } from "./check.js";
import { registerCompare } from "./compare.js";
import { registerExplain } from "./explain.js";
import { registerList } from "./list.js";
import { registerRun } from "./run.js";
import { registerTrace } from "./trace.js";

/**
 * A command registers itself on the program. `setExit` raises the process's exit code (the highest wins),
 * since commander's action handlers return nothing.
 */
export type RegisterCommand = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** Every command, one file each. */
export const commands: RegisterCommand[] = [
  registerList,
  registerRun,
  registerTrace,
  registerCompare,
  registerCheck,
  registerExplain,
];
