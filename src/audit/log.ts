// The audit log writer: durable, crash-safe, multi-process appends to a hash chain (docs/audit-format.md).
//
// Every append takes the kernel lock on `.lock`, re-derives the head of the chain from the files (another
// process may have appended, rotated or crashed since), writes its batch with one write(2) and one
// fdatasync(2), and only then resolves. Appends that arrive while a batch is being written share the next
// fsync (group commit). The syscalls on the hot path are synchronous on purpose: an async hop through the
// thread pool per write and per fsync would cost more than the fsync itself on a fast disk.
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { stateDir } from "../state.ts";
import { AuditError, ioError } from "./errors.ts";
import { type HostKey, loadOrCreateHostKey } from "./host-key.ts";
import { newId } from "./ids.ts";
import { lockFd, unlockFd } from "./lock.ts";
import {
  type AuditEvent,
  type AuditRecord,
  checkLine,
  checkpointMessage,
  EVENT_TYPES,
  GENESIS,
  INTERNAL_TYPES,
  type RecordBody,
  serialize,
} from "./record.ts";
import { redactEvent } from "./redact-event.ts";
import {
  CHECKPOINTS,
  CURRENT,
  closedSegmentName,
  LOCK_FILE,
  listSegments,
  readTail,
  TORN_DIR,
} from "./segments.ts";

export interface OpenOptions {
  /** Where the host signing key lives (default `stateDir()/keys`). */
  keyDir?: string;
  /** Rotate the current segment once it would grow past this many bytes (default 64 MiB). */
  maxSegmentBytes?: number;
  /** Also rotate when the UTC day changes (default true). */
  rotateDaily?: boolean;
  /** Write a signed checkpoint every this many records (default 1000). */
  checkpointEvery?: number;
  /** …or when this much time has passed since the last one and records were added (default 60 s; 0 = never). */
  checkpointIntervalMs?: number;
  /** Write a checkpoint on close() if records were added since the last one (default false). */
  checkpointOnClose?: boolean;
  /**
   * Write a checkpoint once the writer has been idle (queue drained, nothing new) this long and records
   * were added since the last one (default 0 = never). A long-lived writer (the daemon) sets it so that a
   * cut of the log's tail is caught back to its last quiet moment, not only to the last 1,000th record.
   */
  checkpointIdleMs?: number;
  /** Told after each write + fdatasync of the segment: how many records and how long it took (metrics). */
  onCommit?: (commit: { records: number; ms: number }) => void;
  host?: string;
  user?: string;
  /** Clock, for tests of day rotation. */
  now?: () => number;
}

export interface Appended {
  seq: number;
  hash: string;
  id: string;
}

interface Pending {
  kind: "event" | "checkpoint";
  types: string[];
  bodies: RecordBody[];
  resolve: (a: (Appended | null | Error)[]) => void;
  reject: (e: unknown) => void;
}

const MAX_LINE_BYTES = 1 << 20;
const MAX_BATCH = 8192;
// A busy writer lets others in at least this often.
const MAX_LOCK_HOLD_MS = 10;

export function defaultAuditDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "audit");
}

export function defaultKeyDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "keys");
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

export class AuditLog {
  readonly dir: string;
  private readonly opts: Required<Omit<OpenOptions, "keyDir" | "now" | "onCommit">> & {
    now: () => number;
  };
  private readonly onCommit: OpenOptions["onCommit"];
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly key: HostKey;
  private readonly lockFdNum: number;
  private readonly lockPath: string;
  private readonly currentPath: string;
  private readonly checkpointsPath: string;

  // The head of the chain as last derived under the lock; `knownSize` -1 forces a re-derivation.
  private curFd: number | null = null;
  private curIno = -1;
  private knownSize = -1;
  private curFirstSeq: number | null = null;
  private curDay: string | null = null;
  private lastSeq = 0;
  private lastHash = GENESIS;
  private lastCheckpointSeq = 0;
  private lastCheckpointMs = 0;

  private queue: Pending[] = [];
  private running = false;
  private scheduled = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private locked = false;
  private fresh = false;
  private lockedAt = 0;
  private releaseScheduled = false;

  private constructor(dir: string, opts: OpenOptions, key: HostKey, lockFdNum: number) {
    this.dir = dir;
    this.key = key;
    this.lockFdNum = lockFdNum;
    this.lockPath = join(dir, LOCK_FILE);
    this.currentPath = join(dir, CURRENT);
    this.checkpointsPath = join(dir, CHECKPOINTS);
    this.opts = {
      maxSegmentBytes: opts.maxSegmentBytes ?? 64 << 20,
      rotateDaily: opts.rotateDaily ?? true,
      checkpointEvery: Math.max(1, opts.checkpointEvery ?? 1000),
      checkpointIntervalMs: opts.checkpointIntervalMs ?? 60_000,
      checkpointOnClose: opts.checkpointOnClose ?? false,
      checkpointIdleMs: Math.max(0, opts.checkpointIdleMs ?? 0),
      host: opts.host ?? hostname(),
      user: opts.user ?? safeUser(),
      now: opts.now ?? Date.now,
    };
    this.onCommit = opts.onCommit;
  }

  /**
   * Opens (creating if needed) the log in `dir`, loads or creates the host key, and recovers a torn tail
   * left by a crashed writer. Throws AuditError naming the file on any problem.
   */
  static async open(dir: string = defaultAuditDir(), opts: OpenOptions = {}): Promise<AuditLog> {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw ioError("cannot create audit directory", dir, err);
    }
    const key = loadOrCreateHostKey(opts.keyDir ?? defaultKeyDir());
    const lockPath = join(dir, LOCK_FILE);
    let fd: number;
    try {
      fd = openSync(lockPath, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (err) {
      throw ioError("cannot open lock file", lockPath, err);
    }
    const log = new AuditLog(dir, opts, key, fd);
    // Recovery runs now rather than at the first append, so a torn tail is reported as early as possible.
    await log.withLock(() => log.commit([]));
    if (log.opts.checkpointIntervalMs > 0) {
      log.timer = setInterval(() => {
        if (log.lastSeq > log.lastCheckpointSeq) log.checkpoint().catch(() => {});
      }, log.opts.checkpointIntervalMs);
      log.timer.unref();
    }
    return log;
  }

  /** Appends one event; resolves once it is on disk. */
  async append(event: AuditEvent): Promise<Appended> {
    const [r] = await this.enqueue([event]);
    if (r instanceof Error) throw r;
    return r as Appended;
  }

  /**
   * Appends several events under one lock and one fsync per 8192 (group commit); resolves once all are on
   * disk. An invalid event type rejects the call before anything is written; a record too large to keep
   * rejects it after the others were written.
   */
  async appendMany(events: readonly AuditEvent[]): Promise<Appended[]> {
    const chunks: Promise<(Appended | null | Error)[]>[] = [];
    for (let i = 0; i < events.length; i += MAX_BATCH)
      chunks.push(this.enqueue(events.slice(i, i + MAX_BATCH)));
    const out: Appended[] = [];
    for (const results of await Promise.all(chunks)) {
      for (const r of results) {
        if (r instanceof Error) throw r;
        out.push(r as Appended);
      }
    }
    return out;
  }

  /** Writes a signed checkpoint now if any record follows the last one. */
  async checkpoint(): Promise<Appended | null> {
    if (this.closed) throw new AuditError("closed", `audit log ${this.dir} is closed`);
    const [r] = await new Promise<(Appended | null | Error)[]>((resolve, reject) => {
      this.queue.push({
        kind: "checkpoint",
        types: ["checkpoint"],
        bodies: [this.baseBody()],
        resolve,
        reject,
      });
      this.schedule();
    });
    if (r instanceof Error) throw r;
    return r ?? null;
  }

  /** Head of the chain as this process last saw it (a cache; other processes may be ahead). */
  head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.opts.checkpointOnClose) await this.checkpoint();
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.idleTimer);
    while (this.running || this.scheduled || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    this.release();
    if (this.curFd !== null) closeSync(this.curFd);
    this.curFd = null;
    closeSync(this.lockFdNum);
  }

  private enqueue(events: readonly AuditEvent[]): Promise<(Appended | null | Error)[]> {
    if (this.closed) return Promise.reject(new AuditError("closed", `audit log ${this.dir} is closed`));
    clearTimeout(this.idleTimer);
    const types: string[] = [];
    const bodies: RecordBody[] = [];
    for (const event of events) {
      if (
        !event ||
        typeof event !== "object" ||
        !EVENT_TYPES.has(event.type) ||
        INTERNAL_TYPES.has(event.type)
      ) {
        const t = JSON.stringify((event as { type?: unknown })?.type);
        return Promise.reject(new AuditError("invalid", `invalid audit event type: ${t}`));
      }
      try {
        const body = redactEvent(event) as RecordBody;
        body.id = "";
        body.ts = "";
        body.host ??= this.opts.host;
        body.user ??= this.opts.user;
        bodies.push(body);
      } catch (err) {
        return Promise.reject(new AuditError("invalid", `invalid audit event: ${(err as Error).message}`));
      }
      types.push(event.type);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "event", types, bodies, resolve, reject });
      this.schedule();
    });
  }

  private baseBody(): RecordBody {
    return { id: "", ts: "", host: this.opts.host, user: this.opts.user };
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // After the event loop's I/O phase, not in a microtask: the requests that arrived on other connections
    // during the last (synchronous) fdatasync are read first and share the next one. With a microtask every
    // request got its own fdatasync (bench/daemon.bench.ts: 1.0 records per commit with 8 writers).
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || n + this.queue[take]!.bodies.length <= MAX_BATCH)) {
          n += this.queue[take]!.bodies.length;
          take++;
        }
        const batch = this.queue.splice(0, take);
        try {
          await this.acquire();
          const results = this.commit(batch);
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
        if (this.locked && this.opts.now() - this.lockedAt > MAX_LOCK_HOLD_MS) this.release();
      }
    } finally {
      this.running = false;
    }
    this.armIdleCheckpoint();
    // Keep the lock while appends keep coming (a writer's burst costs no lock syscalls and no re-derivation),
    // and let go as soon as the event loop turns with nothing queued.
    if (this.locked && !this.releaseScheduled) {
      this.releaseScheduled = true;
      setImmediate(() => {
        this.releaseScheduled = false;
        if (!this.running && this.queue.length === 0) this.release();
      });
    }
  }

  /** After a drain: sign the head once nothing more arrives for `checkpointIdleMs`. */
  private armIdleCheckpoint(): void {
    if (this.opts.checkpointIdleMs <= 0 || this.closed || this.queue.length > 0) return;
    if (this.lastSeq <= this.lastCheckpointSeq) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.closed || this.running || this.queue.length > 0) return;
      this.checkpoint().catch((err) =>
        process.emitWarning(`warden audit: idle checkpoint failed: ${(err as Error).message}`),
      );
    }, this.opts.checkpointIdleMs);
    this.idleTimer.unref();
  }

  /** Takes the lock if not already held; a fresh lock means the files must be re-read (`sync`). */
  private async acquire(): Promise<void> {
    if (this.locked) return;
    await lockFd(this.lockFdNum, this.lockPath);
    this.locked = true;
    this.fresh = true;
    this.lockedAt = this.opts.now();
  }

  private release(): void {
    if (!this.locked) return;
    this.locked = false;
    unlockFd(this.lockFdNum);
  }

  private async withLock<T>(fn: () => T): Promise<T> {
    await this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  // ---- everything below runs with the lock held ----

  /** Re-derives the chain head from the files unless the current segment is exactly as we left it. */
  private sync(): Pending[] {
    if (!this.fresh && this.knownSize >= 0) return [];
    this.fresh = false;
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(this.currentPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        throw ioError("cannot stat", this.currentPath, err);
    }
    if (!st) {
      // No current segment: a fresh log, or a writer died between rotating and writing the next record.
      this.closeCurrent();
      this.deriveFromClosed();
      this.knownSize = 0;
      return [];
    }
    if (this.curFd === null || st.ino !== this.curIno) {
      this.closeCurrent();
      try {
        this.curFd = openSync(this.currentPath, constants.O_RDWR | constants.O_APPEND);
      } catch (err) {
        throw ioError("cannot open segment", this.currentPath, err);
      }
      this.curIno = fstatSync(this.curFd).ino;
      this.knownSize = -1;
    }
    if (st.size === this.knownSize) return [];
    const recovered: Pending[] = [];
    let tail = readTail(this.curFd!, this.currentPath);
    if (tail.end < tail.size) {
      recovered.push(this.moveTornAside(tail.end, tail.size));
      tail = readTail(this.curFd!, this.currentPath);
    }
    if (tail.line === null) {
      this.deriveFromClosed();
      this.curFirstSeq = null;
      this.curDay = null;
    } else {
      const h = checkLine(tail.line);
      if (typeof h === "string") {
        throw new AuditError(
          "corrupt",
          `audit segment ${this.currentPath} is corrupt: its last record ${h}; run 'warden audit verify'`,
          this.currentPath,
        );
      }
      this.lastSeq = h.seq;
      this.lastHash = h.hash;
      if (this.curFirstSeq === null || this.knownSize === -1) this.readFirstRecord();
    }
    this.knownSize = tail.size;
    this.readLastCheckpoint();
    return recovered;
  }

  private closeCurrent(): void {
    if (this.curFd !== null) closeSync(this.curFd);
    this.curFd = null;
    this.curIno = -1;
    this.curFirstSeq = null;
    this.curDay = null;
  }

  private deriveFromClosed(): void {
    const closed = listSegments(this.dir).filter((s) => s.firstSeq !== null);
    const last = closed.at(-1);
    this.lastSeq = 0;
    this.lastHash = GENESIS;
    if (last) {
      const fd = openSync(last.path, "r");
      try {
        const tail = readTail(fd, last.path);
        const h = tail.line === null ? "segment is empty" : checkLine(tail.line);
        if (typeof h === "string" || tail.end !== tail.size) {
          const why = typeof h === "string" ? h : "closed segment has a torn tail";
          throw new AuditError("corrupt", `audit segment ${last.path} is corrupt: ${why}`, last.path);
        }
        this.lastSeq = h.seq;
        this.lastHash = h.hash;
      } finally {
        closeSync(fd);
      }
    }
    this.readLastCheckpoint();
  }

  private readFirstRecord(): void {
    let buf = Buffer.allocUnsafe(1 << 16);
    let n = readSync(this.curFd!, buf, 0, buf.length, 0);
    let nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl === -1 && n === buf.length) {
      buf = Buffer.allocUnsafe(MAX_LINE_BYTES + 1);
      n = readSync(this.curFd!, buf, 0, buf.length, 0);
      nl = buf.subarray(0, n).indexOf(0x0a);
    }
    const h = nl === -1 ? "has no complete line" : checkLine(buf.subarray(0, nl));
    if (typeof h === "string") {
      throw new AuditError(
        "corrupt",
        `audit segment ${this.currentPath} is corrupt: first record ${h}`,
        this.currentPath,
      );
    }
    this.curFirstSeq = h.seq;
    const ts = (JSON.parse(buf.toString("utf8", 0, nl)) as AuditRecord).ts;
    this.curDay = typeof ts === "string" ? ts.slice(0, 10) : null;
  }

  private readLastCheckpoint(): void {
    let fd: number;
    try {
      fd = openSync(this.checkpointsPath, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.lastCheckpointSeq = 0;
        return;
      }
      throw ioError("cannot open", this.checkpointsPath, err);
    }
    try {
      const tail = readTail(fd, this.checkpointsPath);
      if (tail.line === null) return;
      try {
        const cp = JSON.parse(tail.line.toString("utf8")) as { record: number };
        this.lastCheckpointSeq = cp.record;
        this.lastCheckpointMs = fstatSync(fd).mtimeMs;
      } catch {
        // A damaged checkpoints file is verify's business; the writer just checkpoints again soon.
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Copies a torn tail to torn/, cuts it off the segment, and returns the `recovery` record to append. */
  private moveTornAside(from: number, size: number): Pending {
    const fd = this.curFd!;
    const bytes = Buffer.allocUnsafe(size - from);
    readSync(fd, bytes, 0, bytes.length, from);
    const tornDir = join(this.dir, TORN_DIR);
    const name = `${CURRENT}.${from}.${this.opts.now()}.${process.pid}.partial`;
    const target = join(tornDir, name);
    try {
      mkdirSync(tornDir, { recursive: true, mode: 0o700 });
      const out = openSync(target, "wx", 0o600);
      try {
        writeAll(out, bytes);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      fsyncPath(tornDir);
      fsyncPath(this.dir);
      ftruncateSync(fd, from);
      fsyncSync(fd);
    } catch (err) {
      throw ioError("cannot move torn tail aside to", target, err);
    }
    process.emitWarning(
      `warden audit: moved a torn record (${bytes.length} bytes) from ${this.currentPath} to ${target}`,
    );
    const body: RecordBody = {
      ...this.baseBody(),
      recovery: {
        segment: CURRENT,
        offset: from,
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        moved_to: `${TORN_DIR}/${name}`,
      },
    };
    return { kind: "event", types: ["recovery"], bodies: [body], resolve: () => {}, reject: () => {} };
  }

  /** Assigns seq/prev/hash to the batch, rotates if due, writes, fsyncs. Returns one result list per input. */
  private commit(batch: Pending[]): (Appended | null | Error)[][] {
    const recovered = this.sync();
    const all = recovered.length > 0 ? [...recovered, ...batch] : batch;
    const results: (Appended | null | Error)[][] = [];
    const lines: string[] = [];
    const signed: { seq: number; hash: string; sig: string; record: number }[] = [];
    let seq = this.lastSeq;
    let hash = this.lastHash;
    let lastCpSeq = this.lastCheckpointSeq;
    let lastCpMs = this.lastCheckpointMs;
    const nowMs = this.opts.now();
    const ts = new Date(nowMs).toISOString();
    const add = (type: string, body: RecordBody): Appended | Error => {
      body.id = newId(nowMs);
      body.ts = ts;
      const r = serialize(seq + 1, type, hash, body);
      if (r.line.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(r.line) > MAX_LINE_BYTES) {
        return new AuditError(
          "invalid",
          `audit record too large (${r.line.length} characters; limit ${MAX_LINE_BYTES} bytes)`,
        );
      }
      seq++;
      hash = r.hash;
      lines.push(r.line);
      return { seq, hash, id: body.id };
    };
    const addCheckpoint = (): Appended => {
      const sig = this.key.sign(checkpointMessage(seq, hash));
      const body: RecordBody = {
        ...this.baseBody(),
        checkpoint: { seq, hash, key: this.key.fingerprint, sig },
      };
      signed.push({ seq, hash, sig, record: seq + 1 });
      const a = add("checkpoint", body) as Appended;
      lastCpSeq = seq;
      lastCpMs = nowMs;
      return a;
    };
    const intervalDue = () =>
      this.opts.checkpointIntervalMs > 0 &&
      nowMs - lastCpMs >= this.opts.checkpointIntervalMs &&
      seq > lastCpSeq;
    for (const p of all) {
      if (p.kind === "checkpoint") {
        results.push([seq > lastCpSeq ? addCheckpoint() : null]);
        continue;
      }
      const out: (Appended | Error)[] = [];
      for (let i = 0; i < p.bodies.length; i++) {
        out.push(add(p.types[i]!, p.bodies[i]!));
        if (seq - lastCpSeq >= this.opts.checkpointEvery) addCheckpoint();
      }
      if (intervalDue()) addCheckpoint();
      results.push(out);
    }
    if (lines.length === 0) return results.slice(recovered.length);
    const data = Buffer.from(`${lines.join("\n")}\n`);
    this.rotateIfDue(data.length, ts.slice(0, 10));
    const created = this.curFd === null;
    if (created) this.createCurrent();
    const started = this.onCommit ? performance.now() : 0;
    try {
      writeAll(this.curFd!, data);
      if (created) fsyncSync(this.curFd!);
      else fdatasyncSync(this.curFd!);
      if (created) fsyncPath(this.dir);
    } catch (err) {
      // Leave no torn record behind if we can; if even that fails, the next writer recovers it.
      try {
        ftruncateSync(this.curFd!, Math.max(0, this.knownSize));
        fsyncSync(this.curFd!);
      } catch {}
      this.knownSize = -1;
      throw ioError("cannot write audit segment", this.currentPath, err);
    }
    if (this.curFirstSeq === null) {
      this.curFirstSeq = this.lastSeq + 1;
      this.curDay = ts.slice(0, 10);
    }
    this.onCommit?.({ records: lines.length, ms: performance.now() - started });
    this.knownSize = Math.max(0, this.knownSize) + data.length;
    this.lastSeq = seq;
    this.lastHash = hash;
    this.lastCheckpointSeq = lastCpSeq;
    this.lastCheckpointMs = lastCpMs;
    if (signed.length > 0) this.copyCheckpoints(signed);
    return results.slice(recovered.length);
  }

  private createCurrent(): void {
    try {
      this.curFd = openSync(
        this.currentPath,
        constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL,
        0o600,
      );
    } catch (err) {
      throw ioError("cannot create segment", this.currentPath, err);
    }
    this.curIno = fstatSync(this.curFd).ino;
    this.knownSize = 0;
    this.curFirstSeq = null;
  }

  private rotateIfDue(incoming: number, today: string): void {
    if (this.curFd === null || this.curFirstSeq === null || this.knownSize <= 0) return;
    const tooBig = this.knownSize + incoming > this.opts.maxSegmentBytes;
    const newDay = this.opts.rotateDaily && this.curDay !== null && this.curDay !== today;
    if (!tooBig && !newDay) return;
    const closedPath = join(this.dir, closedSegmentName(this.curFirstSeq));
    try {
      // Every write was already fsynced, so the renamed file is complete; the directory fsync makes the rename stick.
      renameSync(this.currentPath, closedPath);
      fsyncPath(this.dir);
    } catch (err) {
      throw ioError("cannot rotate segment to", closedPath, err);
    }
    this.closeCurrent();
  }

  private copyCheckpoints(signed: { seq: number; hash: string; sig: string; record: number }[]): void {
    const lines = signed.map((c) => `${JSON.stringify({ ...c, key: this.key.fingerprint })}\n`).join("");
    let fd: number | undefined;
    try {
      fd = openSync(this.checkpointsPath, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o600);
      // A torn last line (a crash while copying) is cut off: the signed checkpoint it copied is in the log itself.
      const tail = readTail(fd, this.checkpointsPath);
      if (tail.end < tail.size) ftruncateSync(fd, tail.end);
      writeAll(fd, Buffer.from(lines));
      fdatasyncSync(fd);
      if (tail.size === 0) fsyncPath(this.dir);
    } catch (err) {
      // The records (checkpoint included) are already durable in the log; only the copy is missing, which
      // verify tolerates. Failing the appends now would make callers believe nothing was recorded.
      process.emitWarning(ioError("cannot write checkpoints file", this.checkpointsPath, err).message);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "unknown");
  }
}

/** Opens the audit log in `dir` (default `stateDir()/audit`). */
export function open(dir?: string, opts?: OpenOptions): Promise<AuditLog> {
  return AuditLog.open(dir, opts);
}
