// Applies the redactor to every free-text part of an event before it is written, and counts what it hid.
import type { AuditEvent, OutputSummary, RecordBody } from "./record.ts";
import { redact, redactEnv } from "./redact.ts";

// An argv word after one of these is a secret even though, alone, it looks like any other word.
const SECRET_FLAG = /^--?[A-Za-z0-9_-]*(password|passwd|secret|token|api-?key|apikey|credentials?)$/i;

// Fields that hold digests or ids: the entropy rule must not eat them.
const VERBATIM = new Set([
  "policy",
  "request_id",
  "sha256",
  "hash",
  "id",
  "session",
  "type",
  "mode",
  "risk",
  "decision",
]);

interface Counter {
  n: number;
}

function text(s: string, c: Counter): string {
  const r = redact(s);
  c.n += r.count;
  return r.text;
}

function deep(value: unknown, c: Counter, key?: string): unknown {
  if (typeof value === "string") return key !== undefined && VERBATIM.has(key) ? value : text(value, c);
  if (Array.isArray(value)) return value.map((v) => deep(v, c));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = deep((value as Record<string, unknown>)[k], c, k);
    return out;
  }
  return value;
}

function output(o: OutputSummary, c: Counter): OutputSummary {
  const out: OutputSummary = { bytes: o.bytes, sha256: o.sha256 };
  if (o.head !== undefined) out.head = text(o.head, c);
  if (o.tail !== undefined) out.tail = text(o.tail, c);
  return out;
}

function redactArgv(argv: string[], c: Counter): string[] {
  return argv.map((word, i) => {
    if (i > 0 && SECRET_FLAG.test(argv[i - 1]!) && word !== "") {
      c.n++;
      return "[REDACTED:password-flag]";
    }
    return text(String(word), c);
  });
}

/** The record body for `event` with secrets replaced; `redacted` counts them, `high_risk` marks yolo. */
export function redactEvent(event: AuditEvent): Partial<RecordBody> {
  const c: Counter = { n: 0 };
  const body: Record<string, unknown> = {};
  for (const k of Object.keys(event)) {
    const v = (event as unknown as Record<string, unknown>)[k];
    if (v === undefined || k === "type") continue;
    if (k === "argv") body.argv = redactArgv(v as string[], c);
    else if (k === "env") {
      const r = redactEnv(v as Record<string, string>);
      body.env = r.env;
      c.n += r.count;
    } else if (k === "stdout" || k === "stderr") body[k] = output(v as OutputSummary, c);
    else body[k] = deep(v, c, k);
  }
  if (event.mode === "yolo") body.high_risk = true;
  if (c.n > 0) body.redacted = c.n;
  return body as Partial<RecordBody>;
}
