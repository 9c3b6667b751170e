// Approval tokens: an approver's Ed25519 signature over exactly one subject (a request or a plan hash),
// one policy hash, one approval request id, a validity window and a nonce. Verifying checks every bound
// field; spending (single use) is the store's job.
import { createPublicKey, type KeyObject, randomBytes, verify } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import type { ApprovalConfig } from "./config.ts";
import { DEFAULT_MAX_TTL_MS, DEFAULT_SKEW_MS, parsePublicKey, rawPublicKey, rawToSpki } from "./config.ts";

/** Domain separation: these bytes are never a valid audit checkpoint or any other Warden signature. */
export const TOKEN_DOMAIN = "warden-approval-v1\n";

export interface Subject {
  kind: "request" | "plan";
  /** SHA-256 hex of the canonical request or plan. */
  hash: string;
}

export interface TokenBody {
  v: 1;
  decision: "approve" | "deny";
  subject: Subject;
  /** The approval request id this decision answers. */
  request: string;
  /** SHA-256 of the effective policy the request was judged under. */
  policy: string;
  /** The approver's raw Ed25519 public key, base64. */
  approver: string;
  /** Milliseconds since the epoch. */
  iat: number;
  exp: number;
  /** 128 random bits: two decisions never sign the same bytes. */
  nonce: string;
  reason?: string;
}

export interface ApprovalToken extends TokenBody {
  /** Base64 Ed25519 signature over TOKEN_DOMAIN + canonical JSON of the body. */
  sig: string;
}

export type TokenRejection =
  | "malformed"
  | "bad-signature"
  | "unknown-approver"
  | "wrong-subject"
  | "wrong-request"
  | "wrong-policy"
  | "not-yet-valid"
  | "expired"
  | "too-long";

export type TokenCheck =
  | { ok: true; token: ApprovalToken; approver: string; names: string[] }
  | { ok: false; reason: TokenRejection; detail: string };

export function signingInput(body: TokenBody): Buffer {
  return Buffer.from(TOKEN_DOMAIN + canonicalJson(body));
}

export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

export function tokenBody(token: ApprovalToken): TokenBody {
  const { sig: _sig, ...body } = token;
  return body;
}

/** Signs a body with any signer (an in-process key or the unlock agent). */
export async function signToken(
  body: TokenBody,
  signer: (data: Buffer) => Buffer | Promise<Buffer>,
): Promise<ApprovalToken> {
  const sig = await signer(signingInput(body));
  return { ...body, sig: sig.toString("base64") };
}

const HEX64 = /^[0-9a-f]{64}$/;
const NONCE = /^[0-9a-f]{32}$/;
const ID = /^[a-z0-9]{6,32}$/;
const FIELDS = new Set([
  "v",
  "decision",
  "subject",
  "request",
  "policy",
  "approver",
  "iat",
  "exp",
  "nonce",
  "reason",
  "sig",
]);

/** Strict shape check: unknown fields, wrong types or non-canonical encodings are malformed. */
export function parseToken(value: unknown): ApprovalToken | { error: string } {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { error: "not JSON" };
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { error: "not an object" };
  const t = value as Record<string, unknown>;
  for (const key of Object.keys(t)) if (!FIELDS.has(key)) return { error: `unknown field '${key}'` };
  const s = t.subject as Record<string, unknown> | null;
  if (t.v !== 1) return { error: "unsupported version" };
  if (t.decision !== "approve" && t.decision !== "deny") return { error: "bad decision" };
  if (
    !s ||
    typeof s !== "object" ||
    (s.kind !== "request" && s.kind !== "plan") ||
    typeof s.hash !== "string" ||
    !HEX64.test(s.hash) ||
    Object.keys(s).length !== 2
  )
    return { error: "bad subject" };
  if (typeof t.request !== "string" || !ID.test(t.request)) return { error: "bad request id" };
  if (typeof t.policy !== "string" || !HEX64.test(t.policy)) return { error: "bad policy hash" };
  if (typeof t.approver !== "string" || !isCanonicalBase64(t.approver, 32))
    return { error: "bad approver key" };
  if (!Number.isSafeInteger(t.iat) || !Number.isSafeInteger(t.exp)) return { error: "bad times" };
  if (typeof t.nonce !== "string" || !NONCE.test(t.nonce)) return { error: "bad nonce" };
  if (t.reason !== undefined && (typeof t.reason !== "string" || t.reason.length > 1000))
    return { error: "bad reason" };
  if (typeof t.sig !== "string" || !isCanonicalBase64(t.sig, 64)) return { error: "bad signature encoding" };
  return t as unknown as ApprovalToken;
}

// Node's base64 decoder skips junk and ignores padding bits: accept only the one canonical spelling.
function isCanonicalBase64(text: string, bytes: number): boolean {
  const raw = Buffer.from(text, "base64");
  return raw.length === bytes && raw.toString("base64") === text;
}

interface ApproverIndex {
  /** raw public key (base64) → approver names listing it. */
  byKey: Map<string, string[]>;
}

const indexCache = new WeakMap<Record<string, string>, ApproverIndex>();

function approverIndex(config: ApprovalConfig): ApproverIndex {
  let index = indexCache.get(config.approvers);
  if (!index) {
    index = { byKey: new Map() };
    for (const [name, text] of Object.entries(config.approvers)) {
      let raw: string;
      try {
        raw = rawPublicKey(parsePublicKey(text));
      } catch {
        continue; // an unparsable entry approves nothing; validateApprovalConfig reports it
      }
      index.byKey.set(raw, [...(index.byKey.get(raw) ?? []), name]);
    }
    indexCache.set(config.approvers, index);
  }
  return index;
}

/** The policy names listing this raw public key (empty: not an approver). */
export function approverNames(config: ApprovalConfig, rawKey: string): string[] {
  return approverIndex(config).byKey.get(rawKey) ?? [];
}

const verifyKeyCache = new Map<string, KeyObject>();

function verifyKey(rawB64: string): KeyObject {
  let key = verifyKeyCache.get(rawB64);
  if (!key) {
    key = createPublicKey({ key: rawToSpki(Buffer.from(rawB64, "base64")), format: "der", type: "spki" });
    if (verifyKeyCache.size > 1024) verifyKeyCache.clear();
    verifyKeyCache.set(rawB64, key);
  }
  return key;
}

export interface Expectation {
  subject: Subject;
  policy: string;
  /** The approval request id, when the caller knows which request the token must answer. */
  request?: string;
}

/** Checks one token against what it must be bound to. Pure: no files, no spending. */
export function verifyToken(
  value: unknown,
  expect: Expectation,
  config: ApprovalConfig,
  now: number = Date.now(),
): TokenCheck {
  const parsed = parseToken(value);
  if ("error" in parsed)
    return { ok: false, reason: "malformed", detail: `malformed token: ${parsed.error}` };
  const token = parsed;
  let good: boolean;
  try {
    good = verify(
      null,
      signingInput(tokenBody(token)),
      verifyKey(token.approver),
      Buffer.from(token.sig, "base64"),
    );
  } catch {
    good = false;
  }
  if (!good)
    return {
      ok: false,
      reason: "bad-signature",
      detail: "the token's signature does not verify with the key it names (forged or altered)",
    };
  const names = approverNames(config, token.approver);
  if (names.length === 0)
    return {
      ok: false,
      reason: "unknown-approver",
      detail: "signed by a key that is not in the policy's approvers list",
    };
  if (token.subject.kind !== expect.subject.kind || token.subject.hash !== expect.subject.hash)
    return {
      ok: false,
      reason: "wrong-subject",
      detail: "the token approves a different request (command, cwd, user or target changed)",
    };
  if (expect.request !== undefined && token.request !== expect.request)
    return {
      ok: false,
      reason: "wrong-request",
      detail: `the token answers approval ${token.request}, not ${expect.request}`,
    };
  if (token.policy !== expect.policy)
    return { ok: false, reason: "wrong-policy", detail: "the policy changed since the approval was given" };
  const skew = config.skewMs ?? DEFAULT_SKEW_MS;
  if (token.iat > now + skew)
    return {
      ok: false,
      reason: "not-yet-valid",
      detail: "the token is issued in the future (clock skew beyond tolerance)",
    };
  if (now > token.exp + skew)
    return {
      ok: false,
      reason: "expired",
      detail: `the approval expired at ${new Date(token.exp).toISOString()}`,
    };
  if (token.exp <= token.iat || token.exp - token.iat > (config.maxTtlMs ?? DEFAULT_MAX_TTL_MS))
    return {
      ok: false,
      reason: "too-long",
      detail: "the token's validity window is longer than the policy allows",
    };
  return { ok: true, token, approver: token.approver, names };
}
