// The approval stage's one error type; `code` lets the CLI and integrations react without parsing text.

export type ApprovalErrorCode =
  | "config"
  | "key" // no such key, malformed key file
  | "passphrase" // wrong or missing passphrase
  | "locked" // no unlocked key available
  | "agent" // the unlock agent failed or went away
  | "request" // unknown, expired or closed approval request
  | "io";

export class ApprovalError extends Error {
  constructor(
    readonly code: ApprovalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
