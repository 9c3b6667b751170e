// What the policy tells the approval stage: who may approve (name → public key), which risks need two
// people, and how long requests and tokens live. Two sources with the same two keys (`approvers:` and
// `approval:`): the trusted policy layers (user policy, --policy; never a repository's, which an agent can
// write) and `<configDir>/approvers.yaml`. Approvers are the union (one name with two different keys is an
// error: which is right cannot be guessed); for `approval:` settings the policy wins.
import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configDir } from "../state.ts";
import { RISKS, type Risk } from "../types.ts";
import { ApprovalError } from "./errors.ts";

export interface ApprovalConfig {
  /** Approver name → Ed25519 public key (SPKI PEM, base64 SPKI DER, or base64 of the raw 32 bytes). */
  approvers: Record<string, string>;
  /** Risks that need tokens from two distinct approvers. */
  twoPerson: Risk[];
  /** How long a pending request waits and how long a token is valid by default, in ms. */
  ttlMs: number;
  /** The longest validity an approver may give a token (`warden approve --for`), in ms. */
  maxTtlMs?: number;
  /** How far another host's clock may be ahead or behind, in ms. */
  skewMs?: number;
}

export const DEFAULT_TTL_MS = 15 * 60_000;
export const DEFAULT_MAX_TTL_MS = 24 * 60 * 60_000;
/** Explicit and small: enough for hosts synchronised by NTP, far below any token's lifetime. */
export const DEFAULT_SKEW_MS = 30_000;
export const DEFAULT_TWO_PERSON: readonly Risk[] = ["critical"];

export function defaultApprovalConfig(): ApprovalConfig {
  return { approvers: {}, twoPerson: [...DEFAULT_TWO_PERSON], ttlMs: DEFAULT_TTL_MS };
}

/** `15m`, `90s`, `2h`, `1d` or a number of seconds → milliseconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text <= 0) throw new ApprovalError("config", `invalid duration ${text}`);
    return Math.round(text * 1000);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new ApprovalError("config", `invalid duration '${text}' (use e.g. 90s, 15m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"]!;
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) throw new ApprovalError("config", `invalid duration '${text}'`);
  return ms;
}

const keyCache = new Map<string, KeyObject>();

/**
 * Parses an approver's public key. Accepts a PEM, base64 of the SPKI DER, or base64 of the raw 32-byte key
 * (what `warden keys init` prints), with or without an `ed25519:` prefix. Cached: verification is hot.
 */
export function parsePublicKey(text: string): KeyObject {
  const cached = keyCache.get(text);
  if (cached) return cached;
  let key: KeyObject;
  try {
    const trimmed = text.trim().replace(/^ed25519:/, "");
    if (trimmed.startsWith("-----BEGIN")) key = createPublicKey(trimmed);
    else {
      const der = Buffer.from(trimmed, "base64");
      if (der.length === 32) key = createPublicKey({ key: rawToSpki(der), format: "der", type: "spki" });
      else key = createPublicKey({ key: der, format: "der", type: "spki" });
    }
  } catch (err) {
    throw new ApprovalError("config", `not a valid public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ApprovalError("config", "approver keys must be Ed25519");
  keyCache.set(text, key);
  return key;
}

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function rawToSpki(raw: Buffer): Buffer {
  return Buffer.concat([SPKI_ED25519_PREFIX, raw]);
}

/** The 32 raw public-key bytes, base64: the one spelling tokens carry and users paste into the policy. */
export function rawPublicKey(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32).toString("base64");
}

/** Checks a config the policy built: every key parses, risks are known. Throws ApprovalError otherwise. */
export function validateApprovalConfig(config: ApprovalConfig): ApprovalConfig {
  for (const [name, key] of Object.entries(config.approvers)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name))
      throw new ApprovalError("config", `approver name '${name}' is not a simple name`);
    try {
      parsePublicKey(key);
    } catch (err) {
      throw new ApprovalError("config", `approver ${name}: ${(err as Error).message}`);
    }
  }
  for (const risk of config.twoPerson)
    if (!RISKS.includes(risk))
      throw new ApprovalError("config", `approval.two_person: unknown risk '${risk}'`);
  if (!(config.ttlMs > 0)) throw new ApprovalError("config", "approval.ttl must be positive");
  return config;
}

/** The policy's YAML shape: `approvers: {name: key}` and `approval: {two_person: [risk], ttl: 15m}`. */
export interface ApprovalConfigSource {
  approvers?: Record<string, string> | null;
  approval?: { two_person?: Risk[]; ttl?: string | number; max_ttl?: string | number } | null;
}

export function approvalConfigFrom(source: ApprovalConfigSource | null | undefined): ApprovalConfig {
  const config = defaultApprovalConfig();
  if (source?.approvers) config.approvers = { ...source.approvers };
  const a = source?.approval;
  if (a?.two_person) config.twoPerson = [...a.two_person];
  if (a?.ttl !== undefined) config.ttlMs = parseDuration(a.ttl);
  if (a?.max_ttl !== undefined) config.maxTtlMs = parseDuration(a.max_ttl);
  return validateApprovalConfig(config);
}

/**
 * The approval config: `<configDir>/approvers.yaml` (no file: no approvers) merged with what the trusted
 * policy layers say (`fromPolicy`, see the header). Nobody listed means nothing can be approved (fail closed).
 */
export async function loadApprovalConfig(
  env: NodeJS.ProcessEnv = process.env,
  fromPolicy?: PolicyApprovalSource | null,
): Promise<ApprovalConfig> {
  const file = join(configDir(env), "approvers.yaml");
  const own = await readApproversFile(file);
  if (!fromPolicy) return own ? approvalConfigIn(file, own) : defaultApprovalConfig();
  const approvers: Record<string, string> = { ...(own?.approvers ?? {}) };
  for (const [name, key] of Object.entries(fromPolicy.approvers ?? {})) {
    const other = approvers[name];
    if (other !== undefined && parsedKey(other) !== parsedKey(key))
      throw new ApprovalError(
        "config",
        `approver ${name} has two different keys: ${fromPolicy.where} and ${file}; remove one`,
      );
    approvers[name] = key;
  }
  const approval = { ...(own?.approval ?? {}), ...(fromPolicy.approval ?? {}) };
  return approvalConfigIn(fromPolicy.where, { approvers, approval });
}

/** What the policy layers say, with where they say it (for messages). */
export interface PolicyApprovalSource extends ApprovalConfigSource {
  where: string;
}

function parsedKey(text: string): string {
  try {
    return rawPublicKey(parsePublicKey(text));
  } catch {
    return text;
  }
}

function approvalConfigIn(where: string, source: ApprovalConfigSource): ApprovalConfig {
  try {
    return approvalConfigFrom(source);
  } catch (err) {
    throw new ApprovalError("config", `${where}: ${(err as Error).message}`);
  }
}

async function readApproversFile(file: string): Promise<ApprovalConfigSource | null> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ApprovalError("config", `cannot read ${file}: ${(err as Error).message}`);
  }
  const yaml = (await import("yaml")) as typeof import("yaml") & { default?: typeof import("yaml") };
  const parse = yaml.parse ?? yaml.default!.parse;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ApprovalError("config", `${file}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new ApprovalError("config", `${file}: expected approvers: and approval: keys`);
  return doc as ApprovalConfigSource;
}
