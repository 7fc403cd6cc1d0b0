import "reflect-metadata";
import { Command, CommanderError } from "@commander-js/extra-typings";
import { isUserError } from "@flushlab/core";
import { registerArchitectures } from "./architectures.js";
import { commands } from "./commands/index.js";
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type Io, processIo } from "./io.js";

export type { Io } from "./io.js";

/** The version printed by `flushlab --version` and written into JSON results. */
export const VERSION = "0.1.0";

/**
 * Run the flushlab command line on `argv` (without node and script) and return the exit code:
 * 0 success, 1 a verdict other than coherent or a failed check, 2 a user's mistake (bad option,
 * bad file), reported as one paragraph naming the place, never as a stack trace.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  registerArchitectures();
  let exitCode = EXIT_OK;
  const program = new Command("flushlab")
    .description(
      "A laboratory for cache-aliasing flush policies: Linux's cachetlb hooks on virtually indexed caches.",
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError("(run flushlab --help for usage)");
  for (const register of commands) {
    register(program, io, (code) => {
      exitCode = Math.max(exitCode, code);
    });
  }
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander rejects is a usage error
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
      if (error.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    if (isUserError(error)) {
      io.stderr(`flushlab: ${error.format()}\n`);
      return EXIT_USAGE;
    }
    io.stderr(
      `flushlab: internal error (a bug in flushlab, please report it):\n${(error as Error)?.stack ?? error}\n`,
    );
    return EXIT_FAIL + 2;
  }
}
