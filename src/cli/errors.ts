// Exit codes and the one error type the CLI turns into a one-line message.

export const EXIT = {
  allow: 0,
  ask: 1,
  deny: 2,
  usage: 3,
  internal: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}
