// The one error type the audit log throws, so callers (exec, hooks) can fail closed on anything it cannot record.

export type AuditErrorCode =
  | "io" // a file could not be read or written (permissions, missing directory)
  | "disk-full" // ENOSPC / EDQUOT while writing
  | "corrupt" // a segment's last complete record does not parse or does not chain
  | "key" // the host key is missing, unreadable or invalid
  | "lock" // the log lock could not be taken
  | "invalid" // the event itself is not acceptable (bad type, too large)
  | "closed"; // append after close

export class AuditError extends Error {
  override readonly name = "AuditError";
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    /** The file the error is about, when there is one. */
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps a Node fs error as an AuditError that names the file and says what failed. */
export function ioError(what: string, file: string, err: unknown): AuditError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code === "ENOSPC" || e?.code === "EDQUOT" ? "disk-full" : "io";
  const detail = e?.code ? `${e.code}: ${e.message}` : String(err);
  return new AuditError(code, `${what} ${file}: ${detail}`, file, { cause: err });
}
