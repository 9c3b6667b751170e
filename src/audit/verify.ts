// Verification of a log directory or an export file. Streams every line once with constant memory and
// trusts nothing but the bytes and the host public key: not the file names' claims, not any cached head.
import { statSync } from "node:fs";
import { join } from "node:path";
import { AuditError, ioError } from "./errors.ts";
import { type HostPublicKey, loadHostPublicKey, publicKeyFromPem } from "./host-key.ts";
import { defaultAuditDir, defaultKeyDir } from "./log.ts";
import {
  type AuditRecord,
  checkLine,
  checkpointMessage,
  exportMessage,
  GENESIS,
  type LineHeader,
} from "./record.ts";
import { CHECKPOINTS, type Fragment, listSegments, readLines } from "./segments.ts";

export type IssueKind =
  | "bad-record" // a line is not a well-formed record or its hash does not match its bytes
  | "seq-gap" // a record is missing, inserted, duplicated or out of order
  | "chain-broken" // `prev` does not match the previous record's hash
  | "missing-segment" // a closed segment's first seq does not continue the chain
  | "bad-checkpoint" // a checkpoint's content or signature is wrong
  | "truncated" // the log ends before a signed checkpoint
  | "torn-segment" // a closed segment (or the middle of the log) ends without a newline
  | "bad-export"; // the export header is missing or malformed

export interface VerifyIssue {
  kind: IssueKind;
  /** The first seq that is wrong (the seq expected at that position), when it can be named. */
  seq: number | null;
  /** File the problem is in (segment name, `checkpoints.jsonl`, or the export file). */
  segment: string;
  line: number | null;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  source: string;
  records: number;
  segments: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  checkpoints: { inLog: number; inFile: number; lastSignedSeq: number | null };
  /** Fingerprint of the public key signatures were checked with. */
  key: string;
  /** Records after the last signed checkpoint: their truncation could not be detected. */
  unanchored: number;
  error: VerifyIssue | null;
  warnings: string[];
}

export interface VerifyOptions {
  keyDir?: string;
  /** A trusted public key (PEM); overrides keyDir and, for exports, the key the export carries. */
  publicKeyPem?: string;
}

class Failure extends Error {
  constructor(readonly issue: VerifyIssue) {
    super(issue.message);
  }
}

const fail = (
  kind: IssueKind,
  seq: number | null,
  segment: string,
  line: number | null,
  message: string,
): never => {
  throw new Failure({ kind, seq, segment, line, message });
};

/** Walks records in order and checks seq continuity, the hash chain, and checkpoint signatures. */
class ChainChecker {
  seq: number | null;
  prev: string | null;
  records = 0;
  firstSeq: number | null = null;
  checkpointsInLog = 0;
  lastSignedSeq: number | null = null;

  constructor(
    private readonly key: HostPublicKey,
    /** From the checkpoints file, checked as the scan passes each seq. */
    private readonly expected: Expected,
    start: { seq: number; prev: string } | null,
  ) {
    this.seq = start ? start.seq - 1 : null;
    this.prev = start ? start.prev : null;
  }

  /** Checks a full record line. */
  record(bytes: Buffer, segment: string, lineNo: number): LineHeader {
    const want = this.seq === null ? null : this.seq + 1;
    const h = checkLine(bytes);
    if (typeof h === "string") return fail("bad-record", want, segment, lineNo, `seq ${want ?? "?"}: ${h}`);
    this.link(h.seq, h.prev, h.hash, segment, lineNo);
    if (h.type === "checkpoint") this.checkpoint(bytes, h, segment, lineNo);
    else if (this.expected.records.has(h.seq)) {
      fail(
        "bad-checkpoint",
        h.seq,
        segment,
        lineNo,
        `seq ${h.seq}: ${CHECKPOINTS} says a checkpoint is here`,
      );
    }
    return h;
  }

  /** Checks a stub (an export's stand-in for a record it leaves out): only its place in the chain. */
  stub(seq: number, prev: string, hash: string, segment: string, lineNo: number): void {
    this.link(seq, prev, hash, segment, lineNo);
  }

  private link(seq: number, prev: string, hash: string, segment: string, lineNo: number): void {
    const want = this.seq === null ? seq : this.seq + 1;
    if (seq !== want) {
      const what = seq < want ? "duplicated or out of order" : `missing (found seq ${seq})`;
      fail("seq-gap", want, segment, lineNo, `seq ${want}: record ${what}`);
    }
    if (this.prev !== null && prev !== this.prev) {
      fail(
        "chain-broken",
        seq,
        segment,
        lineNo,
        `seq ${seq}: prev does not match the hash of seq ${seq - 1}`,
      );
    }
    const exp = this.expected.hashes.get(seq);
    if (exp !== undefined && exp !== hash) {
      fail(
        "bad-checkpoint",
        seq,
        segment,
        lineNo,
        `seq ${seq}: hash differs from the one signed in ${CHECKPOINTS}`,
      );
    }
    if (this.firstSeq === null) this.firstSeq = seq;
    this.seq = seq;
    this.prev = hash;
    this.records++;
  }

  private checkpoint(bytes: Buffer, h: LineHeader, segment: string, lineNo: number): void {
    let cp: AuditRecord["checkpoint"];
    try {
      cp = (JSON.parse(bytes.toString("utf8")) as AuditRecord).checkpoint;
    } catch {
      cp = undefined;
    }
    const bad = (why: string) =>
      fail("bad-checkpoint", h.seq, segment, lineNo, `seq ${h.seq}: checkpoint ${why}`);
    if (!cp || typeof cp.seq !== "number" || typeof cp.hash !== "string" || typeof cp.sig !== "string") {
      bad("has no checkpoint body");
      return;
    }
    if (cp.seq !== h.seq - 1 || cp.hash !== h.prev) bad("does not vouch for the record before it");
    if (cp.key !== this.key.fingerprint)
      bad(`was signed by key ${cp.key}, not the trusted ${this.key.fingerprint}`);
    if (!this.key.verify(checkpointMessage(cp.seq, cp.hash), cp.sig)) bad("signature is invalid");
    const copy = this.expected.records.get(h.seq);
    if (copy !== undefined && copy !== cp.sig) bad(`differs from its copy in ${CHECKPOINTS}`);
    this.checkpointsInLog++;
    this.lastSignedSeq = cp.seq;
  }
}

interface CheckpointEntry {
  /** The checkpoint record's own seq in the log. */
  record: number;
  seq: number;
  hash: string;
  key: string;
  sig: string;
}

/** Reads and checks the signed copies in checkpoints.jsonl: seq → hash, all signatures valid, seqs increasing. */
interface Expected {
  /** Covered seq → its hash. */
  hashes: Map<number, string>;
  /** Checkpoint record seq → its signature. */
  records: Map<number, string>;
}

function readCheckpointsFile(dir: string, key: HostPublicKey, warnings: string[]): Expected {
  const path = join(dir, CHECKPOINTS);
  const map = new Map<number, string>();
  const records = new Map<number, string>();
  let fragment: Fragment | undefined;
  let last = 0;
  try {
    statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { hashes: map, records };
    throw ioError("cannot read", path, err);
  }
  for (const { bytes, lineNo } of readLines(path, (f) => {
    fragment = f;
  })) {
    let e: CheckpointEntry;
    try {
      e = JSON.parse(bytes.toString("utf8")) as CheckpointEntry;
    } catch {
      return fail("bad-checkpoint", null, CHECKPOINTS, lineNo, `line ${lineNo} is not JSON`);
    }
    const where = (why: string) =>
      fail("bad-checkpoint", e.seq ?? null, CHECKPOINTS, lineNo, `line ${lineNo}: ${why}`);
    if (!Number.isSafeInteger(e.seq) || typeof e.hash !== "string" || typeof e.sig !== "string")
      where("malformed");
    if (e.record !== e.seq + 1) where("does not name the checkpoint record that follows the signed one");
    if (e.key !== key.fingerprint) where(`signed by key ${e.key}, not the trusted ${key.fingerprint}`);
    if (!key.verify(checkpointMessage(e.seq, e.hash), e.sig)) where(`signature for seq ${e.seq} is invalid`);
    if (e.seq <= last) where(`seq ${e.seq} is not after the previous checkpoint (${last})`);
    if (/[^\x20-\x7e]/.test(bytes.toString("latin1")) || JSON.stringify(e) !== bytes.toString("utf8")) {
      where("is not in canonical form");
    }
    last = e.seq;
    map.set(e.seq, e.hash);
    records.set(e.record, e.sig);
  }
  if (fragment) {
    // A copy torn by a crash is a prefix of an entry, and only a complete entry contains '}'.
    if (fragment.bytes.includes(0x7d)) {
      fail(
        "bad-checkpoint",
        null,
        CHECKPOINTS,
        null,
        `last line is a complete entry without its newline, or damaged`,
      );
    }
    warnings.push(
      `${CHECKPOINTS}: torn last line (${fragment.bytes.length} bytes) ignored; the writer cuts it off`,
    );
  }
  return { hashes: map, records };
}

/**
 * A trailing fragment without newline in the last segment is a write that never completed (and was never
 * acknowledged): reported, not fatal. Anything else there (a record followed by more bytes, a header that
 * does not continue the chain) is damage.
 */
function checkTornTail(f: Fragment, chain: ChainChecker, segment: string, warnings: string[]): void {
  const text = f.bytes.toString("latin1");
  const want = chain.seq === null ? null : chain.seq + 1;
  const hashEnd = /,"hash":"[0-9a-f]{64}"\}/.exec(text);
  if (hashEnd && hashEnd.index + hashEnd[0].length !== text.length) {
    fail("bad-record", want, segment, null, `seq ${want ?? "?"}: bytes follow a record on the same line`);
  }
  const header = `{"v":1,"seq":${want ?? ""}`;
  const n = Math.min(header.length, text.length);
  if (want !== null && text.slice(0, n) !== header.slice(0, n)) {
    fail(
      "bad-record",
      want,
      segment,
      null,
      `seq ${want}: trailing bytes at offset ${f.offset} are not a record`,
    );
  }
  warnings.push(
    `${segment}: torn last record at offset ${f.offset} (${f.bytes.length} bytes, never acknowledged); ` +
      "the next writer moves it to torn/",
  );
}

function resolveKey(opts: VerifyOptions): HostPublicKey {
  if (opts.publicKeyPem) return publicKeyFromPem(opts.publicKeyPem, "--key");
  return loadHostPublicKey(opts.keyDir ?? defaultKeyDir());
}

/** Verifies every segment of the log in `dir`. Throws AuditError only for input problems (unreadable, no key). */
export function verify(dir: string = defaultAuditDir(), opts: VerifyOptions = {}): VerifyReport {
  const key = resolveKey(opts);
  const warnings: string[] = [];
  const segments = listSegments(dir);
  const report: VerifyReport = {
    ok: false,
    source: dir,
    records: 0,
    segments: segments.length,
    firstSeq: null,
    lastSeq: null,
    lastHash: null,
    checkpoints: { inLog: 0, inFile: 0, lastSignedSeq: null },
    key: key.fingerprint,
    unanchored: 0,
    error: null,
    warnings,
  };
  let chain: ChainChecker | undefined;
  try {
    const expected = readCheckpointsFile(dir, key, warnings);
    report.checkpoints.inFile = expected.records.size;
    chain = new ChainChecker(key, expected, { seq: 1, prev: GENESIS });
    segments.forEach((seg, i) => {
      const isLast = i === segments.length - 1;
      const want = chain!.seq! + 1;
      if (seg.firstSeq !== null && seg.firstSeq !== want) {
        fail(
          "missing-segment",
          want,
          seg.name,
          null,
          `seq ${want}: next segment ${seg.name} starts at seq ${seg.firstSeq} (a segment is missing or renamed)`,
        );
      }
      let fragment: Fragment | undefined;
      let first = true;
      for (const line of readLines(seg.path, (f) => {
        fragment = f;
      })) {
        if (first) {
          const peek = checkLine(line.bytes);
          if (typeof peek !== "string" && peek.seq > want) {
            fail(
              "missing-segment",
              want,
              seg.name,
              1,
              `seq ${want}: ${seg.name} starts at seq ${peek.seq} (a segment is missing)`,
            );
          }
        }
        const h = chain!.record(line.bytes, seg.name, line.lineNo);
        if (first && seg.firstSeq !== null && h.seq !== seg.firstSeq) {
          fail("missing-segment", h.seq, seg.name, line.lineNo, `segment ${seg.name} starts at seq ${h.seq}`);
        }
        first = false;
      }
      if (fragment) {
        if (!isLast || seg.firstSeq !== null) {
          fail(
            "torn-segment",
            chain!.seq! + 1,
            seg.name,
            null,
            `${seg.name} ends without a newline (closed segment)`,
          );
        }
        checkTornTail(fragment, chain!, seg.name, warnings);
      }
    });
    const lastSeq = chain.seq ?? 0;
    const beyond = [...expected.records.keys()].filter((s) => s > lastSeq);
    if (beyond.length > 0) {
      const lastSeg = segments.at(-1)?.name ?? "(no segments)";
      fail(
        "truncated",
        lastSeq + 1,
        lastSeg,
        null,
        `log ends at seq ${lastSeq} but ${CHECKPOINTS} has a signed checkpoint for seq ${Math.max(...beyond)}: records were removed`,
      );
    }
    report.ok = true;
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    report.error = err.issue;
  }
  if (chain) fillCounts(report, chain);
  return report;
}

function fillCounts(report: VerifyReport, chain: ChainChecker): void {
  report.records = chain.records;
  report.firstSeq = chain.firstSeq;
  report.lastSeq = chain.records > 0 ? chain.seq : null;
  report.lastHash = chain.records > 0 ? chain.prev : null;
  report.checkpoints.inLog = chain.checkpointsInLog;
  report.checkpoints.lastSignedSeq = chain.lastSignedSeq;
  const covered = chain.lastSignedSeq === null ? (chain.firstSeq ?? 1) - 1 : chain.lastSignedSeq + 1;
  report.unanchored = report.lastSeq === null ? 0 : Math.max(0, report.lastSeq - covered);
}

export interface ExportHeader {
  warden_export: 1;
  created: string;
  host: string;
  source: string;
  /** The host public key the checkpoints are signed with (PEM) and its fingerprint: pin the fingerprint. */
  public_key: string;
  key: string;
  since: string | null;
  until: string | null;
  filters: Record<string, unknown>;
  first_seq: number | null;
  /** `prev` of the first exported record. */
  first_prev: string | null;
  last_seq: number | null;
  /** Host signature over (first_seq, first_prev, last_seq). */
  sig: string;
}

export interface ExportStub {
  stub: number;
  prev: string;
  hash: string;
}

/**
 * Verifies an export on its own: full records are re-hashed, stubs hold their place in the chain, and every
 * full record must be covered by a signed checkpoint in the export. The key is the one the export carries
 * unless a trusted one is given; the report names its fingerprint either way so it can be compared.
 */
export function verifyExport(file: string, opts: Pick<VerifyOptions, "publicKeyPem"> = {}): VerifyReport {
  const warnings: string[] = [];
  let header: ExportHeader | undefined;
  let chain: ChainChecker | undefined;
  let key: HostPublicKey | undefined;
  let lastFull: number | null = null;
  const report: VerifyReport = {
    ok: false,
    source: file,
    records: 0,
    segments: 1,
    firstSeq: null,
    lastSeq: null,
    lastHash: null,
    checkpoints: { inLog: 0, inFile: 0, lastSignedSeq: null },
    key: "",
    unanchored: 0,
    error: null,
    warnings,
  };
  try {
    let fragment: Fragment | undefined;
    for (const { bytes, lineNo } of readLines(file, (f) => {
      fragment = f;
    })) {
      if (lineNo === 1) {
        try {
          header = JSON.parse(bytes.toString("utf8")) as ExportHeader;
        } catch {
          header = undefined;
        }
        if (header?.warden_export !== 1 || typeof header.public_key !== "string") {
          fail("bad-export", null, file, 1, "first line is not a warden export header");
        }
        key = publicKeyFromPem(
          opts.publicKeyPem ?? header!.public_key,
          opts.publicKeyPem ? "--key" : `${file} header`,
        );
        if (!opts.publicKeyPem)
          warnings.push(`checked against the key in the export (${key.fingerprint}); pin it`);
        report.key = key.fingerprint;
        const hd = header!;
        if (
          typeof hd.sig !== "string" ||
          !key.verify(exportMessage(hd.first_seq, hd.first_prev, hd.last_seq), hd.sig)
        ) {
          fail(
            "bad-export",
            null,
            file,
            1,
            "the header's signature over the exported range is missing or invalid",
          );
        }
        const start =
          hd.first_seq !== null && hd.first_prev !== null ? { seq: hd.first_seq, prev: hd.first_prev } : null;
        chain = new ChainChecker(key, { hashes: new Map(), records: new Map() }, start);
        continue;
      }
      if (bytes[2] === 0x73 /* {"s */ && bytes.toString("latin1", 0, 8) === '{"stub":') {
        let s: ExportStub;
        try {
          s = JSON.parse(bytes.toString("utf8")) as ExportStub;
        } catch {
          return fail(
            "bad-record",
            chain!.seq === null ? null : chain!.seq + 1,
            file,
            lineNo,
            "malformed stub",
          );
        }
        if (
          !Number.isSafeInteger(s.stub) ||
          !/^[0-9a-f]{64}$/.test(s.prev) ||
          !/^[0-9a-f]{64}$/.test(s.hash)
        ) {
          fail("bad-record", s.stub ?? null, file, lineNo, "malformed stub");
        }
        chain!.stub(s.stub, s.prev, s.hash, file, lineNo);
      } else {
        const h = chain!.record(bytes, file, lineNo);
        if (h.type !== "checkpoint") lastFull = h.seq;
      }
    }
    if (!chain) fail("bad-export", null, file, 1, "empty export");
    if ((chain!.records === 0 ? null : chain!.seq) !== header!.last_seq) {
      fail(
        "truncated",
        chain!.seq,
        file,
        null,
        `export ends at seq ${chain!.seq} but its header says ${header!.last_seq}`,
      );
    }
    if (fragment) fail("torn-segment", null, file, null, `${file} ends without a newline`);
    const signed = chain!.lastSignedSeq;
    if (lastFull !== null && (signed === null || signed < lastFull)) {
      fail(
        "truncated",
        lastFull,
        file,
        null,
        `records up to seq ${lastFull} are not covered by a signed checkpoint (last: ${signed ?? "none"})`,
      );
    }
    report.ok = true;
  } catch (err) {
    if (err instanceof AuditError) throw err;
    if (!(err instanceof Failure)) throw err;
    report.error = err.issue;
  }
  if (chain) fillCounts(report, chain);
  report.unanchored = 0;
  return report;
}
