// What `warden exec` keeps of a command's output: it streams every chunk to the user as it arrives and records
// only a digest (size, SHA-256, a redacted head and tail) in the audit log. Memory stays flat however much the
// command prints: the head is a fixed buffer, the tail a fixed ring.
//
// Redaction runs on the assembled excerpt, never per chunk, because a secret can be split across two chunks.
// The excerpt's own cut is the same hazard one level up: a token cut in half no longer matches its rule. So each
// excerpt is redacted with CONTEXT extra bytes of surroundings, cut afterwards, and where the kept bytes end at
// a point the redactor never saw past, the partial token touching that point is dropped.
import { createHash, type Hash } from "node:crypto";
import { redact } from "../audit/redact.ts";

export interface OutputDigest {
  bytes: number;
  /** SHA-256 (hex) of every byte written, in order. */
  sha256: string;
  /** The first bytes as UTF-8 text, redacted; the whole output when it fits. */
  head: string;
  /** The last bytes after the head (never overlapping it), redacted; empty when the output fits in the head. */
  tail: string;
  /** Set when head and tail together leave out a middle part. */
  truncated?: true;
  /** How many secrets head and tail redaction replaced, when any. */
  redacted?: number;
}

export interface OutputTapOptions {
  /** Receives every chunk unchanged, first, so the user sees output live (e.g. process.stdout.write). */
  sink?: (chunk: Buffer) => unknown;
  headBytes?: number;
  tailBytes?: number;
  /** Keep up to this many bytes for callers that hand the output back (an MCP tool result); default 0. */
  captureBytes?: number;
}

export const DEFAULT_EXCERPT_BYTES = 2048;

// Redaction context on the far side of each cut. A secret longer than this that straddles an excerpt's edge is
// still dropped at that edge (see dropEdgeToken), so it bounds accuracy, not safety.
const CONTEXT = 1024;

// The longest run stripped whole at an unseen edge. Longer runs are not plausible passwords (`--password x`
// values); there only the run of token characters, the alphabet of API keys and tokens, is stripped.
const EDGE_RUN_MAX = 256;
const TOKEN_CHARS_TAIL = /[A-Za-z0-9+/=_.~-]*$/;
const TOKEN_CHARS_HEAD = /^[A-Za-z0-9+/=_.~-]*/;
const PLACEHOLDER = /\[REDACTED:[a-z-]+\]/g;

export class OutputTap {
  readonly #sink: ((chunk: Buffer) => unknown) | undefined;
  readonly #headBytes: number;
  readonly #tailBytes: number;
  readonly #captureBytes: number;
  readonly #hash: Hash = createHash("sha256");
  #bytes = 0;
  /** The first headBytes + CONTEXT bytes. */
  readonly #head: Buffer;
  #headLen = 0;
  /** The last tailBytes + CONTEXT bytes, as a ring; #ringPos is where the next byte goes. */
  readonly #ring: Buffer;
  #ringPos = 0;
  readonly #capture: Buffer[] = [];
  #captured = 0;

  constructor(opts: OutputTapOptions = {}) {
    this.#sink = opts.sink;
    this.#headBytes = nonNegative(opts.headBytes ?? DEFAULT_EXCERPT_BYTES, "headBytes");
    this.#tailBytes = nonNegative(opts.tailBytes ?? DEFAULT_EXCERPT_BYTES, "tailBytes");
    this.#captureBytes = nonNegative(opts.captureBytes ?? 0, "captureBytes");
    this.#head = Buffer.alloc(this.#headBytes + CONTEXT);
    this.#ring = Buffer.alloc(this.#tailBytes + CONTEXT);
  }

  /** Forwards `chunk` to the sink and accounts for it. Returns the sink's answer (false: it wants a pause). */
  write(chunk: Buffer | Uint8Array): boolean {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let ok: unknown = true;
    try {
      ok = this.#sink?.(buf);
    } finally {
      // A sink that throws (a closed terminal) must not make the digest lie about what the command wrote.
      this.#account(buf);
    }
    return ok !== false;
  }

  #account(buf: Buffer): void {
    if (buf.length === 0) return;
    this.#hash.update(buf);
    this.#bytes += buf.length;
    if (this.#headLen < this.#head.length) this.#headLen += buf.copy(this.#head, this.#headLen);
    const ring = this.#ring;
    if (ring.length > 0) {
      const src = buf.length > ring.length ? buf.subarray(buf.length - ring.length) : buf;
      const first = src.copy(ring, this.#ringPos);
      if (first < src.length) src.copy(ring, 0, first);
      this.#ringPos = (this.#ringPos + src.length) % ring.length;
    }
    if (this.#captured < this.#captureBytes) {
      const part = buf.subarray(0, this.#captureBytes - this.#captured);
      // Copied: a producer may reuse its buffer after write returns.
      this.#capture.push(Buffer.from(part));
      this.#captured += part.length;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Safe to call at any time, and more than once: the running hash is copied, not finished. */
  digest(): OutputDigest {
    const total = this.#bytes;
    const out: OutputDigest = {
      bytes: total,
      sha256: this.#hash.copy().digest("hex"),
      head: "",
      tail: "",
    };
    let redacted = 0;
    if (total > 0 && this.#headBytes > 0) {
      const seen = Math.min(total, this.#head.length);
      const r = redact(decode(this.#head.subarray(0, seen), false, seen < total));
      redacted += r.count;
      const text = seen < total ? dropEdgeToken(r.text, "end") : r.text;
      out.head = prefixWithin(text, this.#headBytes);
    }
    const want = Math.min(this.#tailBytes, total - this.#headBytes);
    if (want > 0) {
      const seen = Math.min(total, this.#ring.length);
      const r = redact(decode(this.#ringTail(seen), seen < total, false));
      redacted += r.count;
      const text = seen < total ? dropEdgeToken(r.text, "start") : r.text;
      out.tail = suffixWithin(text, want);
    }
    if (total > this.#headBytes + this.#tailBytes) out.truncated = true;
    if (redacted > 0) out.redacted = redacted;
    return out;
  }

  /**
   * The first captureBytes of output as text, unredacted: it goes back to the agent that ran the command, which
   * could have read it anyway. `truncated` when the output was longer.
   */
  captured(): { text: string; truncated: boolean } {
    const buf = Buffer.concat(this.#capture, this.#captured);
    const truncated = this.#bytes > this.#captured;
    return { text: decode(buf, false, truncated), truncated };
  }

  /** The last `n` bytes written, in order (n ≤ ring size). */
  #ringTail(n: number): Buffer {
    const ring = this.#ring;
    const start = (this.#ringPos - n + ring.length) % ring.length;
    if (start + n <= ring.length) return ring.subarray(start, start + n);
    return Buffer.concat([ring.subarray(start), ring.subarray(0, n - (ring.length - start))]);
  }
}

function nonNegative(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return n;
}

/**
 * UTF-8 text of `buf`. A side cut out of a longer stream may split a character: its leftover bytes are
 * dropped rather than shown as U+FFFD. Bytes that are invalid in the stream itself become U+FFFD.
 */
function decode(buf: Buffer, cutAtStart: boolean, cutAtEnd: boolean): string {
  let start = 0;
  let end = buf.length;
  if (cutAtStart) while (start < end && start < 3 && isContinuation(buf[start]!)) start++;
  if (cutAtEnd) end = completeEnd(buf, start, end);
  return buf.toString("utf8", start, end);
}

function isContinuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/** `end`, or the start of a multi-byte sequence that the cut at `end` left incomplete. */
function completeEnd(buf: Buffer, start: number, end: number): number {
  for (let i = end - 1; i >= start && i >= end - 4; i--) {
    const b = buf[i]!;
    if (isContinuation(b)) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return end - i < need ? i : end;
  }
  return end;
}

/**
 * Removes the partial token at an edge of `text` that the redactor could not see past (the stream goes on
 * there), so half a secret never reaches the log. Placeholders are kept: they are what the reader should see.
 */
function dropEdgeToken(text: string, edge: "start" | "end"): string {
  if (edge === "end") {
    const run = /\S*$/.exec(text)![0];
    const lastPlaceholder = lastPlaceholderEnd(run);
    const loose = run.slice(lastPlaceholder);
    if (loose.length <= EDGE_RUN_MAX) return text.slice(0, text.length - loose.length);
    return text.slice(0, text.length - TOKEN_CHARS_TAIL.exec(loose)![0].length);
  }
  const run = /^\S*/.exec(text)![0];
  const firstPlaceholder = run.search(PLACEHOLDER);
  const loose = firstPlaceholder < 0 ? run : run.slice(0, firstPlaceholder);
  if (loose.length <= EDGE_RUN_MAX) return text.slice(loose.length);
  return text.slice(TOKEN_CHARS_HEAD.exec(loose)![0].length);
}

function lastPlaceholderEnd(s: string): number {
  let end = 0;
  for (const m of s.matchAll(PLACEHOLDER)) end = m.index + m[0].length;
  return end;
}

/** The longest prefix of `text` within `max` UTF-8 bytes, not ending inside a character or a placeholder. */
function prefixWithin(text: string, max: number): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= max) return text;
  let cut = max;
  while (cut > 0 && isContinuation(buf[cut]!)) cut--;
  let chars = buf.toString("utf8", 0, cut).length;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index >= chars) break;
    if (m.index + m[0].length > chars) chars = m.index;
  }
  return text.slice(0, chars);
}

/** The longest suffix of `text` within `max` UTF-8 bytes, not starting inside a character or a placeholder. */
function suffixWithin(text: string, max: number): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= max) return text;
  let cut = buf.length - max;
  while (cut < buf.length && isContinuation(buf[cut]!)) cut++;
  let from = text.length - buf.toString("utf8", cut).length;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index >= from) break;
    if (m.index + m[0].length > from) from = m.index + m[0].length;
  }
  return text.slice(from);
}
