/**
 * A mistake in what a user gave flushlab (a geometry, a scenario file, an option, a plugin).
 * `where` names the place (file:line:col, an option, a plugin); the CLI prints `where: message`
 * as one paragraph and exits with code 2. Anything else thrown is a bug in flushlab.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }

  /** The one-paragraph form the CLI prints. */
  format(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}

/** True for an error that is the user's mistake rather than flushlab's. */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
