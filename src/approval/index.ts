// The approval stage's public API (DESIGN.md §1 step 4): keys, pending requests, signed single-use
// tokens, the two-person rule, and the unlock agent.
export {
  type AgentInfo,
  agentInfo,
  agentLock,
  agentSign,
  agentSocketPath,
  agentTouch,
  DEFAULT_IDLE_MS,
  runAgentProcess,
  serveAgent,
  startAgent,
} from "./agent.ts";
export {
  type ApprovalAuditSink,
  type ApprovalEventKind,
  appendApprovalEvents,
  approvalEvent,
} from "./audit.ts";
export {
  type ApprovalSubjectRequest,
  type CanonicalRequest,
  canonicalJson,
  canonicalRequest,
  RELEVANT_ENV,
  requestHash,
} from "./canonical.ts";
export {
  type ApprovalConfig,
  type ApprovalConfigSource,
  approvalConfigFrom,
  DEFAULT_SKEW_MS,
  DEFAULT_TTL_MS,
  DEFAULT_TWO_PERSON,
  defaultApprovalConfig,
  loadApprovalConfig,
  parseDuration,
  parsePublicKey,
  rawPublicKey,
  validateApprovalConfig,
} from "./config.ts";
export { type DecideOptions, type DecisionOutcome, type Signer, signDecision } from "./decide.ts";
export { ApprovalError, type ApprovalErrorCode } from "./errors.ts";
export {
  DEFAULT_SCRYPT,
  defaultKeyName,
  fingerprint,
  initKey,
  keyPath,
  keysDir,
  listKeyNames,
  type ProtectedKeyFile,
  type ProtectOptions,
  protectPrivateKey,
  readKeyFile,
  rotateKey,
  type ScryptParams,
  type UnlockedKey,
  unlockKey,
  unlockPrivateKey,
  unprotectPrivateKey,
} from "./keys.ts";
export { type ApprovalMessageInput, approvalNeededMessage } from "./message.ts";
export { readPassphrase } from "./passphrase.ts";
export { resolveSigner } from "./signer.ts";
export {
  type ApprovalResult,
  approvalsDir,
  type FindApprovalOptions,
  findValidApproval,
  isApprovalId,
  listPending,
  loadPending,
  loadTokens,
  type PendingRequest,
  type RequestApprovalOptions,
  type RequestedApproval,
  requestApproval,
  tallyTokens,
  withdrawToken,
} from "./store.ts";
export {
  type ApprovalToken,
  parseToken,
  type Subject,
  signToken,
  TOKEN_DOMAIN,
  type TokenBody,
  type TokenCheck,
  type TokenRejection,
  verifyToken,
} from "./token.ts";
