// The approver's side: sign an approve or deny decision for one pending request and store it.
import type { ApprovalAuditSink } from "./audit.ts";
import { approvalEvent } from "./audit.ts";
import type { ApprovalConfig } from "./config.ts";
import { DEFAULT_MAX_TTL_MS } from "./config.ts";
import { ApprovalError } from "./errors.ts";
import { isSpent, loadPending, loadTokens, type PendingRequest, storeToken, tallyTokens } from "./store.ts";
import {
  type ApprovalToken,
  approverNames,
  newNonce,
  signToken,
  type TokenBody,
  verifyToken,
} from "./token.ts";

/** Whatever holds the approver's key: an unlocked key in this process or the unlock agent. */
export interface Signer {
  name: string;
  /** Raw Ed25519 public key, base64. */
  publicKey: string;
  sign(data: Buffer): Buffer | Promise<Buffer>;
}

export interface DecideOptions {
  env?: NodeJS.ProcessEnv;
  dir?: string;
  now?: number;
  /** How long an approval stays valid (default: the config ttl). */
  validForMs?: number;
  reason?: string;
  audit?: ApprovalAuditSink;
}

export interface DecisionOutcome {
  token: ApprovalToken;
  pending: PendingRequest;
  /** Policy names for the signer's key. */
  approver: string[];
  /** Distinct valid approvals now stored, and how many the request needs. */
  approvals: number;
  needed: number;
}

export async function signDecision(
  id: string,
  decision: "approve" | "deny",
  signer: Signer,
  config: ApprovalConfig,
  options: DecideOptions = {},
): Promise<DecisionOutcome> {
  const store = { env: options.env, dir: options.dir };
  const now = options.now ?? Date.now();
  const pending = loadPending(id, store);
  if (!pending) {
    if (isSpent(id, store)) throw new ApprovalError("request", `approval ${id} was already used`);
    throw new ApprovalError("request", `no pending approval request '${id}' (see \`warden pending\`)`);
  }
  if (pending.expires <= now)
    throw new ApprovalError(
      "request",
      `approval request ${id} expired at ${new Date(pending.expires).toISOString()}; the agent must ask again`,
    );
  const names = approverNames(config, signer.publicKey);
  if (names.length === 0)
    throw new ApprovalError(
      "key",
      `key '${signer.name}' is not in the policy's approvers list; add \`${signer.name}: ${signer.publicKey}\` under approvers:`,
    );
  if (decision === "deny" && !options.reason?.trim())
    throw new ApprovalError("request", "a denial needs a reason");
  const validFor = options.validForMs ?? config.ttlMs;
  const max = config.maxTtlMs ?? DEFAULT_MAX_TTL_MS;
  if (!(validFor > 0) || validFor > max)
    throw new ApprovalError(
      "request",
      `an approval may be valid for at most ${Math.round(max / 60_000)} minutes`,
    );
  const body: TokenBody = {
    v: 1,
    decision,
    subject: pending.subject,
    request: pending.id,
    policy: pending.policy,
    approver: signer.publicKey,
    iat: now,
    exp: now + validFor,
    nonce: newNonce(),
    ...(options.reason?.trim() ? { reason: options.reason.trim().slice(0, 1000) } : {}),
  };
  const token = await signToken(body, (data) => signer.sign(data));
  // Never store what would not verify (a confused agent, a key that does not match its name).
  const check = verifyToken(
    token,
    { subject: pending.subject, policy: pending.policy, request: id },
    config,
    now,
  );
  if (!check.ok) throw new ApprovalError("agent", `the signature does not verify: ${check.detail}`);
  storeToken(token, store);
  const tally = tallyTokens(
    loadTokens(id, store),
    {
      subject: pending.subject,
      policy: pending.policy,
      request: id,
      risk: pending.risk,
      requester: pending.canonical.user,
    },
    config,
    now,
  );
  options.audit?.(
    approvalEvent(decision === "approve" ? "approved" : "denied", {
      request_id: id,
      cwd: pending.canonical.cwd,
      command: pending.canonical.command,
      risk: pending.risk,
      policy: pending.policy,
      approvers: names,
      decision: decision === "approve" ? "allow" : "deny",
      details: {
        hash: pending.subject.hash,
        token: token.nonce,
        approver_key: signer.publicKey,
        expires: new Date(token.exp).toISOString(),
        ...(token.reason ? { reason: token.reason } : {}),
        approvals: tally.approvals.length,
        needed: tally.needed,
      },
    }),
  );
  return { token, pending, approver: names, approvals: tally.approvals.length, needed: tally.needed };
}
