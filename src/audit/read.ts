// Reading the log back: filtered, streaming iteration over records, and exports that verify on their own.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import type { Decision, Risk } from "../types.ts";
import { AuditError, ioError } from "./errors.ts";
import { type HostKey, loadOrCreateHostKey } from "./host-key.ts";
import { defaultAuditDir, defaultKeyDir } from "./log.ts";
import { type AuditRecord, checkLine, exportMessage, parseRecord } from "./record.ts";
import { listSegments, readLines, type SegmentFile } from "./segments.ts";
import type { ExportHeader, ExportStub } from "./verify.ts";

export interface ReadFilters {
  types?: string[];
  risk?: Risk[];
  decision?: Decision[];
  /** Only records made in yolo mode (`high_risk: true`). */
  yolo?: boolean;
  /** Agent names. */
  agent?: string[];
  /** `failed`: `end` records with a non-zero exit or a signal. */
  status?: "failed";
}

export interface ReadOptions {
  dir?: string;
  /** Inclusive lower bound on `ts`. */
  since?: Date;
  /** Exclusive upper bound on `ts`. */
  until?: Date;
  filters?: ReadFilters;
}

export interface RawRecord {
  record: AuditRecord;
  /** The exact line as stored (needed to verify it later). */
  line: Buffer;
  segment: string;
}

/** Parses `30d`, `12h`, `15m`, `2w`, `45s` (that long before `now`) or an RFC 3339 date / date-time. */
export function parseTime(text: string, now: number = Date.now()): Date {
  const rel = /^(\d+)([smhdw])$/.exec(text.trim());
  if (rel) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[rel[2] as "s"];
    return new Date(now - Number(rel[1]) * unit);
  }
  if (
    /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(text.trim())
  ) {
    // A bare date or a date-time without offset is UTC, like the log's own timestamps.
    let t = text.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += "T00:00:00Z";
    else if (!/(?:Z|[+-]\d{2}:?\d{2})$/i.test(t)) t += "Z";
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new AuditError(
    "invalid",
    `invalid time '${text}' (use RFC 3339 like 2025-01-31T12:00:00Z, or 30d, 12h, 15m)`,
  );
}

export function matches(r: AuditRecord, f: ReadFilters | undefined): boolean {
  if (!f) return true;
  if (f.types && !f.types.includes(r.type)) return false;
  if (f.risk && (r.risk === undefined || !f.risk.includes(r.risk))) return false;
  if (f.decision && (r.decision === undefined || !f.decision.includes(r.decision))) return false;
  if (f.yolo && r.high_risk !== true) return false;
  if (f.agent && (r.agent === undefined || !f.agent.includes(r.agent.name))) return false;
  if (f.status === "failed" && !(r.type === "end" && ((r.exit ?? 0) !== 0 || (r.signal ?? null) !== null))) {
    return false;
  }
  return true;
}

function firstTs(seg: SegmentFile): number | null {
  let fd: number;
  try {
    fd = openSync(seg.path, "r");
  } catch (err) {
    throw ioError("cannot open segment", seg.path, err);
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl === -1) return null;
    return Date.parse(parseRecord(buf.subarray(0, nl)).ts);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Every complete record in seq order (with its raw line), skipping segments that end before `since`. */
export function* scan(dir: string = defaultAuditDir(), since?: Date): Generator<RawRecord> {
  const segments = listSegments(dir);
  let start = 0;
  if (since) {
    // Segments are in time order; a segment can be skipped when the next one already starts before `since`.
    for (let i = 0; i + 1 < segments.length; i++) {
      const next = firstTs(segments[i + 1]!);
      if (next === null || next > since.getTime()) break;
      start = i + 1;
    }
  }
  for (const seg of segments.slice(start)) {
    for (const { bytes, lineNo } of readLines(seg.path)) {
      let record: AuditRecord;
      try {
        record = parseRecord(bytes);
      } catch {
        throw new AuditError(
          "corrupt",
          `${seg.path}:${lineNo}: not a JSON record; run 'warden audit verify'`,
          seg.path,
        );
      }
      yield { record, line: Buffer.from(bytes), segment: seg.name };
    }
  }
}

/** Records in [since, until) matching the filters, in seq order, streamed. */
export async function* read(opts: ReadOptions = {}): AsyncGenerator<AuditRecord> {
  const since = opts.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = opts.until?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const { record } of scan(opts.dir, opts.since)) {
    const t = Date.parse(record.ts);
    if (t < since) continue;
    if (t >= until) break;
    if (matches(record, opts.filters)) yield record;
  }
}

export interface ExportOptions extends ReadOptions {
  keyDir?: string;
}

/**
 * Writes an export of [since, until) to `fd`: a header carrying the host public key, then the contiguous
 * chain from the first record in range up to the first signed checkpoint at or after the last one.
 * Records in range that match the filters, and all checkpoints, are kept verbatim; the rest become stubs
 * (`{"stub":seq,"prev":…,"hash":…}`) so the chain still links. Returns what it wrote, or `anchored: false`
 * when no checkpoint follows the range yet (callers write one first: `AuditLog.checkpoint()`).
 */
export function writeExport(
  fd: number,
  opts: ExportOptions,
): { records: number; stubs: number; firstSeq: number | null; lastSeq: number | null; anchored: boolean } {
  const dir = opts.dir ?? defaultAuditDir();
  // The host key signs the export's bounds, so leading or trailing records cannot be dropped unnoticed.
  const key: HostKey = loadOrCreateHostKey(opts.keyDir ?? defaultKeyDir());
  const since = opts.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = opts.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const out: string[] = [];
  let records = 0;
  let stubs = 0;
  let firstSeq: number | null = null;
  let firstPrev: string | null = null;
  let lastSeq: number | null = null;
  let lastInRange: number | null = null;
  let anchored = false;
  let pending: string[] = []; // lines after the last in-range record, kept only if a checkpoint follows
  for (const { record, line } of scan(dir, opts.since)) {
    const t = Date.parse(record.ts);
    if (t < since) continue;
    const inRange = t < until;
    if (!inRange && lastInRange === null) break;
    const h = checkLine(line);
    if (typeof h === "string")
      throw new AuditError("corrupt", `seq ${record.seq}: ${h}; run 'warden audit verify'`);
    const keep = record.type === "checkpoint" || (inRange && matches(record, opts.filters));
    const text = keep
      ? line.toString("utf8")
      : JSON.stringify({ stub: h.seq, prev: h.prev, hash: h.hash } satisfies ExportStub);
    if (firstSeq === null) {
      firstSeq = h.seq;
      firstPrev = h.prev;
    }
    if (inRange) {
      out.push(...pending, text);
      pending = [];
      lastInRange = h.seq;
      lastSeq = h.seq;
      if (keep && record.type !== "checkpoint") records++;
      else if (!keep) stubs++;
      anchored = record.type === "checkpoint";
    } else {
      pending.push(text);
      if (record.type === "checkpoint") {
        out.push(...pending);
        stubs += pending.length - 1;
        lastSeq = h.seq;
        pending = [];
        anchored = true;
        break;
      }
    }
  }
  const header: ExportHeader = {
    warden_export: 1,
    created: new Date().toISOString(),
    host: hostname(),
    source: dir,
    public_key: key.pem,
    key: key.fingerprint,
    since: opts.since?.toISOString() ?? null,
    until: opts.until?.toISOString() ?? null,
    filters: { ...(opts.filters ?? {}) },
    first_seq: firstSeq,
    first_prev: firstPrev,
    last_seq: lastSeq,
    sig: key.sign(exportMessage(firstSeq, firstPrev, lastSeq)),
  };
  const write = (s: string) => {
    const b = Buffer.from(s);
    let done = 0;
    while (done < b.length) done += writeSync(fd, b, done, b.length - done);
  };
  write(`${JSON.stringify(header)}\n`);
  for (let i = 0; i < out.length; i += 1000) write(`${out.slice(i, i + 1000).join("\n")}\n`);
  return { records, stubs, firstSeq, lastSeq, anchored: anchored || records === 0 };
}
