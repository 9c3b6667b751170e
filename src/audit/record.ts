// The on-disk record: its fields, its canonical serialisation and its hash (docs/audit-format.md).
//
// A line is the canonical JSON of the record without `hash`, with `,"hash":"<hex>"` spliced in before the
// closing brace. So `hash` = SHA-256 of (line minus that suffix), and since the suffix itself is checked
// against the recomputed digest, every byte of the line is covered. `prev` is the previous record's `hash`.
import { createHash } from "node:crypto";
import type { Decision, Risk } from "../types.ts";

export const FORMAT_VERSION = 1;
export const GENESIS = "0".repeat(64);

export type AuditEventType =
  | "request"
  | "decision"
  | "approval"
  | "start"
  | "end"
  | "policy-override"
  | "file"
  | "plan"
  | "note"
  | "checkpoint"
  | "recovery";

/** Types only the log itself writes. */
export const INTERNAL_TYPES: ReadonlySet<string> = new Set(["checkpoint", "recovery"]);
export const EVENT_TYPES: ReadonlySet<string> = new Set<AuditEventType>([
  "request",
  "decision",
  "approval",
  "start",
  "end",
  "policy-override",
  "file",
  "plan",
  "note",
  "checkpoint",
  "recovery",
]);

export type Mode = "normal" | "yolo" | "no-approval" | "container";

/** Size, digest and redacted excerpts of one output stream. The log redacts `head`/`tail` itself. */
export interface OutputSummary {
  bytes: number;
  sha256: string;
  head?: string;
  tail?: string;
}

export interface FileChange {
  path: string;
  change: "created" | "modified" | "deleted" | string;
}

/** What a caller passes to `append`. Everything but `type` is optional; the log fills host, user, ts, ids. */
export interface AuditEvent {
  type: Exclude<AuditEventType, "checkpoint" | "recovery">;
  /** Correlates the events of one request (its `request` event's id, or any id the caller chose). */
  request_id?: string;
  user?: string;
  host?: string;
  agent?: { name: string; session?: string };
  cwd?: string;
  command?: string;
  argv?: string[];
  /** Environment facts worth keeping; values are redacted, secret-looking names are blanked. */
  env?: Record<string, string>;
  risk?: Risk;
  decision?: Decision;
  findings?: { rule: string; reason: string; risk?: Risk }[];
  /** SHA-256 of the effective policy. */
  policy?: string;
  mode?: Mode;
  approvers?: string[];
  rationale?: string;
  plan?: string;
  step?: string | number;
  // `end` events:
  exit?: number | null;
  signal?: string | null;
  duration_ms?: number;
  sandbox?: string;
  stdout?: OutputSummary;
  stderr?: OutputSummary;
  files_changed?: FileChange[];
  /** Anything else the integration wants kept (strings in it are redacted). */
  details?: Record<string, unknown>;
}

export interface CheckpointBody {
  /** The record the checkpoint vouches for (the one just before it). */
  seq: number;
  hash: string;
  key: string;
  sig: string;
}

/** A record as stored: the event plus the fields the log owns. */
export interface AuditRecord extends Omit<AuditEvent, "type"> {
  v: number;
  seq: number;
  type: AuditEventType;
  prev: string;
  id: string;
  ts: string;
  host: string;
  user: string;
  high_risk?: true;
  /** How many secrets the redactor replaced in this record. */
  redacted?: number;
  checkpoint?: CheckpointBody;
  recovery?: { segment: string; offset: number; bytes: number; sha256: string; moved_to: string };
  hash: string;
}

export type RecordBody = Omit<AuditRecord, "v" | "seq" | "type" | "prev" | "hash">;

/** Canonical JSON: no whitespace, object keys in code-unit order, undefined members dropped. */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sortKeys(value)) ?? "null";
  } catch (err) {
    if (err !== INTEGER_KEY_SEEN) throw err;
    return slowCanonicalJson(value);
  }
}

const INTEGER_KEY = /^(?:0|[1-9]\d*)$/;
const INTEGER_KEY_SEEN = new Error("integer-like key");

// The fast path lets native JSON.stringify do the work on a key-sorted copy. JS objects always put
// integer-like keys first in numeric order, so a value with such a key takes the slow path instead.
function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  const keys = Object.keys(value as object).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (INTEGER_KEY.test(k)) throw INTEGER_KEY_SEEN;
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

function slowCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => slowCanonicalJson(v)).join(",")}]`;
  const parts: string[] = [];
  for (const k of Object.keys(value as object).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${slowCanonicalJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}

const HASH_SUFFIX_LEN = ',"hash":"'.length + 64 + '"}'.length;

/**
 * The header (v, seq, type, prev) comes first in fixed order so readers can find the chain fields without
 * parsing the whole line; the rest follows in canonical order.
 */
export function serialize(
  seq: number,
  type: string,
  prev: string,
  body: RecordBody,
): { line: string; hash: string } {
  const rest = canonicalJson(body);
  const head = `{"v":${FORMAT_VERSION},"seq":${seq},"type":${JSON.stringify(type)},"prev":"${prev}"`;
  const canonical = rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`;
  const hash = createHash("sha256").update(canonical).digest("hex");
  return { line: `${canonical.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export interface LineHeader {
  v: number;
  seq: number;
  type: string;
  prev: string;
  hash: string;
}

const HEADER_RE = /^\{"v":(\d+),"seq":(\d+),"type":"([a-z-]+)","prev":"([0-9a-f]{64})"[,}]/;
const SUFFIX_RE = /,"hash":"([0-9a-f]{64})"\}$/;

/**
 * Checks one line's own integrity (header shape, hash over its bytes) and returns its chain fields,
 * or a reason it is not a valid record. Does not check the chain.
 */
export function checkLine(line: Buffer): LineHeader | string {
  if (line.length < 120) return "line too short to be a record";
  const head = HEADER_RE.exec(line.toString("latin1", 0, 160));
  if (!head) return "line does not start with a record header";
  const suffix = SUFFIX_RE.exec(line.toString("latin1", line.length - HASH_SUFFIX_LEN));
  if (!suffix) return "line does not end with a record hash";
  const digest = createHash("sha256")
    .update(line.subarray(0, line.length - HASH_SUFFIX_LEN))
    .update("}")
    .digest("hex");
  if (digest !== suffix[1]) return "record hash does not match its content";
  return { v: Number(head[1]), seq: Number(head[2]), type: head[3]!, prev: head[4]!, hash: digest };
}

export function parseRecord(line: Buffer | string): AuditRecord {
  return JSON.parse(typeof line === "string" ? line : line.toString("utf8")) as AuditRecord;
}

/** The exact bytes a checkpoint signs: domain-separated so the key's signatures mean nothing elsewhere. */
export function checkpointMessage(seq: number, hash: string): Buffer {
  return Buffer.from(`warden-audit-checkpoint\0v${FORMAT_VERSION}\0${seq}\0${hash}`);
}

/** What an export header's signature covers: the bounds of the exported chain. */
export function exportMessage(
  firstSeq: number | null,
  firstPrev: string | null,
  lastSeq: number | null,
): Buffer {
  return Buffer.from(
    `warden-audit-export\0v${FORMAT_VERSION}\0${firstSeq ?? ""}\0${firstPrev ?? ""}\0${lastSeq ?? ""}`,
  );
}
