// The audit log's public API (docs/audit-format.md describes what is on disk).
export { AuditError, type AuditErrorCode } from "./errors.ts";
export {
  fingerprintOf,
  type HostKey,
  type HostPublicKey,
  loadHostPublicKey,
  loadOrCreateHostKey,
} from "./host-key.ts";
export { type Appended, AuditLog, defaultAuditDir, defaultKeyDir, type OpenOptions, open } from "./log.ts";
export { matches, parseTime, type ReadFilters, type ReadOptions, read, scan, writeExport } from "./read.ts";
export type { AuditEvent, AuditEventType, AuditRecord, FileChange, Mode, OutputSummary } from "./record.ts";
export { type Redaction, redact, redactEnv } from "./redact.ts";
export { type VerifyIssue, type VerifyOptions, type VerifyReport, verify, verifyExport } from "./verify.ts";
