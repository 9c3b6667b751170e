// Pending approval requests and the decisions signed for them, one file each under
// `<stateDir>/approvals/`:
//
//   requests/<id>.json        a pending request (created with O_EXCL semantics, never rewritten)
//   index/<request-hash>      the id of the pending request for that exact request (exclusive create)
//   tokens/<id>/<nonce>.json  signed approve / deny decisions
//   spent/<id>.json           the request once a retry used its approval (moved there atomically)
//
// Spending is the atomic step: the retry that succeeds in moving requests/<id>.json to spent/<id>.json
// may run the command; every other retry finds it gone. A request and its tokens are thereby single-use.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../state.ts";
import type { Finding, Request, Risk, Verdict } from "../types.ts";
import { riskRank } from "../types.ts";
import { type ApprovalAuditSink, approvalEvent } from "./audit.ts";
import {
  type ApprovalSubjectRequest,
  type CanonicalRequest,
  canonicalJson,
  canonicalRequest,
  sha256Hex,
} from "./canonical.ts";
import type { ApprovalConfig } from "./config.ts";
import { DEFAULT_TTL_MS } from "./config.ts";
import { ApprovalError } from "./errors.ts";
import { claimByRename, ensurePrivateDir, writeFileAtomic } from "./files.ts";
import { type ApprovalToken, type Subject, type TokenRejection, verifyToken } from "./token.ts";

export function approvalsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "approvals");
}

export interface PendingRequest {
  v: 1;
  id: string;
  subject: Subject;
  canonical: CanonicalRequest;
  risk: Risk;
  findings: Pick<Finding, "risk" | "rule" | "reason">[];
  policy: string;
  created: number;
  expires: number;
  rationale?: string;
  session?: string;
}

export interface StoreOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides `<stateDir>/approvals`. */
  dir?: string;
  now?: number;
  audit?: ApprovalAuditSink;
}

export interface RequestApprovalOptions extends StoreOptions {
  /** How long the request waits for a human (default: config ttl, 15 minutes). */
  ttlMs?: number;
}

export interface RequestedApproval {
  id: string;
  hash: string;
  /** True when the same request was already pending and that entry is reused. */
  existing: boolean;
  expires: number;
}

const ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

function newId(): string {
  const bytes = randomBytes(10);
  let id = "";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

const ID_PATTERN = /^[a-z0-9]{6,32}$/;

export function isApprovalId(text: string): boolean {
  return ID_PATTERN.test(text);
}

class Layout {
  constructor(readonly root: string) {}
  request(id: string): string {
    return join(this.root, "requests", `${id}.json`);
  }
  index(hash: string): string {
    return join(this.root, "index", hash);
  }
  tokens(id: string): string {
    return join(this.root, "tokens", id);
  }
  spent(id: string): string {
    return join(this.root, "spent", `${id}.json`);
  }
}

function layout(options: StoreOptions): Layout {
  return new Layout(options.dir ?? approvalsDir(options.env));
}

function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ApprovalError("io", `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return null; // a torn or foreign file approves nothing
  }
}

function readIndex(l: Layout, hash: string): string | null {
  try {
    const id = readFileSync(l.index(hash), "utf8").trim();
    return ID_PATTERN.test(id) ? id : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function dropIndex(l: Layout, hash: string, id: string): void {
  if (readIndex(l, hash) !== id) return;
  try {
    unlinkSync(l.index(hash));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

export function loadPending(id: string, options: StoreOptions = {}): PendingRequest | null {
  if (!ID_PATTERN.test(id)) return null;
  return readJson<PendingRequest>(layout(options).request(id));
}

export function isSpent(id: string, options: StoreOptions = {}): boolean {
  return ID_PATTERN.test(id) && readJson<PendingRequest>(layout(options).spent(id)) !== null;
}

export function listPending(options: StoreOptions & { includeExpired?: boolean } = {}): PendingRequest[] {
  const l = layout(options);
  const now = options.now ?? Date.now();
  let names: string[];
  try {
    names = readdirSync(join(l.root, "requests"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: PendingRequest[] = [];
  for (const name of names) {
    const m = /^([a-z0-9]+)\.json$/.exec(name);
    if (!m) continue;
    const p = readJson<PendingRequest>(l.request(m[1]!));
    if (p && (options.includeExpired || p.expires > now || hasLiveTokens(p, l, now))) out.push(p);
  }
  return out.sort((a, b) => a.created - b.created);
}

/** Decisions stored for a request, parsed but not verified. */
export function loadTokens(id: string, options: StoreOptions = {}): unknown[] {
  const dir = layout(options).tokens(id);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: unknown[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith(".json")) continue;
    const t = readJson<unknown>(join(dir, name));
    out.push(t ?? { malformed: name });
  }
  return out;
}

function hasLiveTokens(p: PendingRequest, l: Layout, now: number): boolean {
  return loadTokens(p.id, { dir: l.root }).some(
    (t) => typeof (t as ApprovalToken).exp === "number" && (t as ApprovalToken).exp > now,
  );
}

function requester(request: Request): string | null {
  return request.user ?? request.env?.USER ?? null;
}

/**
 * Files a pending approval request for an `ask` the caller could not put to a human, or returns the one
 * already pending for the same request under the same policy.
 */
export function requestApproval(
  request: ApprovalSubjectRequest,
  verdict: Verdict,
  options: RequestApprovalOptions = {},
): RequestedApproval {
  if (verdict.decision !== "ask" || verdict.forbidden)
    throw new ApprovalError(
      "request",
      `only an 'ask' verdict can be approved (this one is '${verdict.decision}')`,
    );
  const l = layout(options);
  const now = options.now ?? Date.now();
  const canonical = canonicalRequest(request);
  const hash = sha256Hex(canonicalJson(canonical));
  for (const sub of ["requests", "index", "tokens", "spent"]) ensurePrivateDir(join(l.root, sub));

  for (let attempt = 0; attempt < 3; attempt++) {
    const known = readIndex(l, hash);
    if (known) {
      const p = readJson<PendingRequest>(l.request(known));
      if (
        p &&
        p.policy === verdict.policy &&
        riskRank(p.risk) >= riskRank(verdict.risk) &&
        (p.expires > now || hasLiveTokens(p, l, now))
      )
        return { id: p.id, hash, existing: true, expires: p.expires };
      // Spent, expired, or judged under another policy: a new human decision is needed.
      dropIndex(l, hash, known);
    }
    const pending: PendingRequest = {
      v: 1,
      id: newId(),
      subject: { kind: "request", hash },
      canonical,
      risk: verdict.risk,
      findings: verdict.findings.map((f) => ({ risk: f.risk, rule: f.rule, reason: f.reason })),
      policy: verdict.policy,
      created: now,
      expires: now + (options.ttlMs ?? DEFAULT_TTL_MS),
      ...(request.rationale ? { rationale: request.rationale } : {}),
      ...(request.agent?.session ? { session: request.agent.session } : {}),
    };
    if (!writeFileAtomic(l.request(pending.id), `${JSON.stringify(pending, null, 2)}\n`, { exclusive: true }))
      continue;
    if (!writeFileAtomic(l.index(hash), `${pending.id}\n`, { exclusive: true })) {
      // Another process filed the same request at the same moment: use theirs.
      unlinkSync(l.request(pending.id));
      continue;
    }
    options.audit?.(
      approvalEvent("requested", {
        request_id: pending.id,
        cwd: canonical.cwd,
        command: canonical.command,
        argv: canonical.argv,
        user: canonical.user ?? undefined,
        agent: request.agent,
        risk: verdict.risk,
        policy: verdict.policy,
        findings: pending.findings,
        rationale: request.rationale,
        details: { hash, expires: new Date(pending.expires).toISOString() },
      }),
    );
    return { id: pending.id, hash, existing: false, expires: pending.expires };
  }
  throw new ApprovalError("io", "could not file the approval request (too much contention)");
}

export interface Rejection {
  nonce?: string;
  reason: TokenRejection | "denied-duplicate";
  detail: string;
}

export interface ApprovalResult {
  approved: boolean;
  /** Plain words: why it is (not) approved. */
  reason: string;
  /** The approval request id, when one exists for this request. */
  id?: string;
  /** The valid tokens that made the decision (approvals, or the denial). */
  tokens: ApprovalToken[];
  /** Approver names (from the policy) whose approvals counted. */
  approvers: string[];
  /** Whether the two-person rule applied. */
  twoPerson: boolean;
  /** Tokens that were present but did not count, with the specific reason. */
  rejected: Rejection[];
}

export interface TokenTally {
  satisfied: boolean;
  twoPerson: boolean;
  approvals: ApprovalToken[];
  denial?: { token: ApprovalToken; names: string[] };
  approvers: string[];
  rejected: Rejection[];
  needed: number;
}

/**
 * Counts decisions for one subject: verifies each token, applies the two-person rule (distinct approver
 * keys; the requester's own key is never the second). Pure; also what plans will use.
 */
export function tallyTokens(
  tokens: readonly unknown[],
  expect: { subject: Subject; policy: string; request?: string; risk: Risk; requester: string | null },
  config: ApprovalConfig,
  now: number = Date.now(),
): TokenTally {
  const twoPerson = config.twoPerson.includes(expect.risk);
  const needed = twoPerson ? 2 : 1;
  const rejected: Rejection[] = [];
  const byKey = new Map<string, { token: ApprovalToken; names: string[] }>();
  let denial: TokenTally["denial"];
  for (const raw of tokens) {
    const check = verifyToken(raw, expect, config, now);
    const nonce =
      typeof (raw as ApprovalToken)?.nonce === "string" ? (raw as ApprovalToken).nonce : undefined;
    if (!check.ok) {
      rejected.push({ ...(nonce ? { nonce } : {}), reason: check.reason, detail: check.detail });
      continue;
    }
    if (check.token.decision === "deny") {
      denial ??= { token: check.token, names: check.names };
      continue;
    }
    if (byKey.has(check.approver)) {
      rejected.push({
        nonce: check.token.nonce,
        reason: "denied-duplicate",
        detail: `${check.names.join("/")} already approved: one key counts once`,
      });
      continue;
    }
    byKey.set(check.approver, { token: check.token, names: check.names });
  }
  const entries = [...byKey.values()];
  const others = entries.filter((e) => expect.requester === null || !e.names.includes(expect.requester));
  const satisfied = !denial && (twoPerson ? entries.length >= 2 && others.length >= 1 : entries.length >= 1);
  return {
    satisfied,
    twoPerson,
    approvals: entries.map((e) => e.token),
    ...(denial ? { denial } : {}),
    approvers: entries.map((e) => e.names.join("/")),
    rejected,
    needed,
  };
}

export interface FindApprovalOptions extends StoreOptions {
  /** Decisions presented from elsewhere (a server, a file) in addition to the stored ones. */
  tokens?: unknown[];
  /** Check only; do not spend the approval (for `warden pending`). */
  peek?: boolean;
}

/**
 * The retry path: is there a valid human approval for exactly this request under this policy? When there
 * is, it is spent atomically before this returns `approved: true`, so concurrent retries cannot both run.
 */
export function findValidApproval(
  request: ApprovalSubjectRequest,
  verdict: Verdict,
  config: ApprovalConfig,
  options: FindApprovalOptions = {},
): ApprovalResult {
  const l = layout(options);
  const now = options.now ?? Date.now();
  const canonical = canonicalRequest(request);
  const hash = sha256Hex(canonicalJson(canonical));
  const base = {
    tokens: [] as ApprovalToken[],
    approvers: [] as string[],
    twoPerson: config.twoPerson.includes(verdict.risk),
    rejected: [] as Rejection[],
  };
  const refuse = (reason: string, extra: Partial<ApprovalResult> = {}): ApprovalResult => {
    const result: ApprovalResult = { ...base, ...extra, approved: false, reason };
    options.audit?.(
      approvalEvent("refused", {
        request_id: result.id,
        cwd: canonical.cwd,
        command: canonical.command,
        risk: verdict.risk,
        policy: verdict.policy,
        details: { hash, reason },
      }),
    );
    return result;
  };
  if (verdict.decision !== "ask" || verdict.forbidden)
    return { ...base, approved: false, reason: `a '${verdict.decision}' verdict cannot be approved` };
  const id = readIndex(l, hash);
  if (!id)
    return { ...base, approved: false, reason: "no approval has been requested for this exact request" };
  const pending = readJson<PendingRequest>(l.request(id));
  if (!pending) {
    if (readJson(l.spent(id)))
      return refuse(`approval ${id} was already used (approvals are single-use)`, { id });
    return refuse(`approval ${id} no longer exists`, { id });
  }
  if (pending.subject.hash !== hash) return refuse(`approval ${id} is for a different request`, { id });
  if (Object.keys(config.approvers).length === 0)
    return refuse("no approvers are configured in the policy, so nothing can be approved", { id });
  const tokens = [...loadTokens(id, options), ...(options.tokens ?? [])];
  const tally = tallyTokens(
    tokens,
    {
      subject: pending.subject,
      policy: verdict.policy,
      request: id,
      risk: verdict.risk,
      requester: requester(request),
    },
    config,
    now,
  );
  for (const r of tally.rejected)
    options.audit?.(
      approvalEvent("rejected", {
        request_id: id,
        policy: verdict.policy,
        details: { hash, token: r.nonce, reason: r.reason, detail: r.detail },
      }),
    );
  const found = { id, twoPerson: tally.twoPerson, rejected: tally.rejected };
  if (tally.denial) {
    const who = tally.denial.names.join("/");
    const why = tally.denial.token.reason ? `: ${tally.denial.token.reason}` : "";
    return refuse(`denied by ${who}${why}`, { ...found, tokens: [tally.denial.token], approvers: [] });
  }
  if (!tally.satisfied) {
    if (tally.approvals.length === 0) {
      const why = tally.rejected.length > 0 ? ` (${tally.rejected.map((r) => r.detail).join("; ")})` : "";
      const waiting =
        pending.expires > now ? "is waiting for a human decision" : "expired without a human decision";
      return refuse(`approval ${id} ${waiting}${why}`, found);
    }
    return refuse(
      `approval ${id} needs two distinct approvers (critical risk); so far only ${tally.approvers.join(", ")}` +
        (tally.approvers.length === 1 ? "" : " (the requester's own key cannot be the second)"),
      { ...found, tokens: tally.approvals, approvers: tally.approvers },
    );
  }
  if (options.peek)
    return {
      ...base,
      ...found,
      approved: true,
      reason: `approved by ${tally.approvers.join(" and ")}`,
      tokens: tally.approvals,
      approvers: tally.approvers,
    };
  if (!claimByRename(l.request(id), l.spent(id)))
    return refuse(`approval ${id} was already used (approvals are single-use)`, found);
  // The index keeps pointing at the spent id, so a replay is told "already used"; the next
  // requestApproval for the same request replaces it with a fresh pending request.
  options.audit?.(
    approvalEvent("consumed", {
      request_id: id,
      cwd: canonical.cwd,
      command: canonical.command,
      argv: canonical.argv,
      risk: verdict.risk,
      policy: verdict.policy,
      approvers: tally.approvers,
      details: { hash, tokens: tally.approvals.map((t) => t.nonce), two_person: tally.twoPerson },
    }),
  );
  return {
    ...base,
    ...found,
    approved: true,
    reason: `approved by ${tally.approvers.join(" and ")}`,
    tokens: tally.approvals,
    approvers: tally.approvers,
  };
}

/** Stores a signed decision for a pending request. Exclusive: a nonce is written once. */
export function storeToken(token: ApprovalToken, options: StoreOptions = {}): void {
  const l = layout(options);
  ensurePrivateDir(l.tokens(token.request));
  if (
    !writeFileAtomic(
      join(l.tokens(token.request), `${token.nonce}.json`),
      `${JSON.stringify(token, null, 2)}\n`,
      { exclusive: true },
    )
  )
    throw new ApprovalError("io", "a decision with this nonce already exists");
}

/** Removes a stored decision again (the CLI does this when the audit log could not record it). */
export function withdrawToken(token: ApprovalToken, options: StoreOptions = {}): void {
  try {
    unlinkSync(join(layout(options).tokens(token.request), `${token.nonce}.json`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
