// The one error a policy load raises. The message is a single line naming file:line:col and the field;
// the CLI prints it and exits 3. A policy that fails to load never falls back to a looser one.

export class PolicyError extends Error {
  override readonly name = "PolicyError";
  /** Exit status for the CLI (usage or input error). */
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly file?: string,
    /** Every problem found (the message is the first); `policy lint` prints them all. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}
