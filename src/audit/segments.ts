// File layout of a log directory, and the low-level readers shared by the writer, verify and read.
//
//   current.jsonl            the open segment (the only file that grows)
//   seg-000000000001.jsonl   closed segments, named by their first seq, never changed again
//   checkpoints.jsonl        copies of the signed checkpoints (detects truncation before the last one)
//   torn/                    torn tails moved aside by recovery
//   .lock                    the writers' lock file (its content is meaningless)
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import { ioError } from "./errors.ts";

export const CURRENT = "current.jsonl";
export const CHECKPOINTS = "checkpoints.jsonl";
export const TORN_DIR = "torn";
export const LOCK_FILE = ".lock";
const CLOSED_RE = /^seg-(\d{12,})\.jsonl$/;

export function closedSegmentName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(12, "0")}.jsonl`;
}

export interface SegmentFile {
  name: string;
  path: string;
  /** From the name for closed segments; null for the current one. */
  firstSeq: number | null;
}

/** Closed segments in seq order, then the current one if it exists. */
export function listSegments(dir: string): SegmentFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw ioError("cannot read audit directory", dir, err);
  }
  const closed: SegmentFile[] = [];
  for (const name of names) {
    const m = CLOSED_RE.exec(name);
    if (m) closed.push({ name, path: join(dir, name), firstSeq: Number(m[1]) });
  }
  closed.sort((a, b) => a.firstSeq! - b.firstSeq!);
  if (names.includes(CURRENT)) closed.push({ name: CURRENT, path: join(dir, CURRENT), firstSeq: null });
  return closed;
}

export interface Tail {
  /** The last complete line (without its newline), or null if there is none. */
  line: Buffer | null;
  /** Offset just past the last newline: where a torn fragment, if any, begins. */
  end: number;
  size: number;
}

/** Reads backwards from the end of `fd` to find the last complete line. */
export function readTail(fd: number, file: string): Tail {
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    throw ioError("cannot stat", file, err);
  }
  if (size === 0) return { line: null, end: 0, size };
  let chunk = 64 * 1024;
  for (;;) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.allocUnsafe(size - start);
    readFully(fd, buf, start, file);
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl === -1) {
      if (start === 0) return { line: null, end: 0, size };
      chunk *= 4;
      continue;
    }
    const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(0x0a, lastNl - 1);
    if (prevNl === -1 && start > 0) {
      chunk *= 4;
      continue;
    }
    return { line: Buffer.from(buf.subarray(prevNl + 1, lastNl)), end: start + lastNl + 1, size };
  }
}

export function readFully(fd: number, buf: Buffer, position: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, buf.length - done, position + done);
    } catch (err) {
      throw ioError("cannot read", file, err);
    }
    if (n === 0) throw ioError("unexpected end of file in", file, new Error("short read"));
    done += n;
  }
}

export interface Line {
  bytes: Buffer;
  /** Byte offset of the line in its file. */
  offset: number;
  /** 1-based line number in its file. */
  lineNo: number;
}

export interface Fragment {
  bytes: Buffer;
  offset: number;
}

/**
 * Streams the complete lines of a file with constant memory. A trailing fragment without a newline is
 * not yielded as a line; it is handed to `onFragment`.
 */
export function* readLines(
  path: string,
  onFragment?: (f: Fragment) => void,
  chunkSize = 4 << 20,
): Generator<Line> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw ioError("cannot open segment", path, err);
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    let carryOffset = 0;
    let lineNo = 0;
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunkSize, position);
      } catch (err) {
        throw ioError("cannot read segment", path, err);
      }
      if (n === 0) break;
      position += n;
      const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        if (nl === -1) break;
        lineNo++;
        yield { bytes: data.subarray(start, nl), offset: carryOffset + start, lineNo };
        start = nl + 1;
      }
      carryOffset += start;
      // The chunk buffer is reused, so the carried tail must be a copy.
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length > 0) onFragment?.({ bytes: carry, offset: carryOffset });
  } finally {
    closeSync(fd);
  }
}
