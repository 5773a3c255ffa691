/**
 * An error caused by the user's input or environment (a missing file, a bad flag value).
 * The CLI prints its message on one line, without a stack trace, and exits non-zero.
 * The message should say what is wrong and what to do about it.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
