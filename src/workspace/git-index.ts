// The paths a git index tracks, read from the index file itself. Warden never runs `git` in a workspace
// to learn this: the workspace's own git config (core.fsmonitor, hooks) is attacker-controlled and would
// run code on Warden's behalf. Formats: index versions 2, 3 and 4 (prefix-compressed paths), SHA-1 and
// SHA-256 object names. Anything unexpected (a split index, a truncated or huge file) is "unknown".
import { readFileSync } from "node:fs";
import { readBounded } from "./read.ts";

/** Index files larger than this are not read (a 100k-file repository has an index of about 10 MiB). */
export const MAX_INDEX_BYTES = 64 << 20;

const HEADER = 12;
/** ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each). */
const STAT_BYTES = 40;

/** The object-name length the repository uses: 32 bytes when its config says `objectformat = sha256`. */
export function hashBytes(gitDir: string): number {
  try {
    const config = readFileSync(`${gitDir}/config`, "utf8");
    return /^\s*objectformat\s*=\s*sha256\s*$/im.test(config) ? 32 : 20;
  } catch {
    return 20;
  }
}

/**
 * Paths (relative to the work tree, `/`-separated, as git stores them) the index at `indexPath` tracks,
 * or null when the file is missing or not an index this reader understands.
 */
export function readIndexPaths(indexPath: string, hashLength = 20): Set<string> | null {
  const buf = readBounded(indexPath, MAX_INDEX_BYTES);
  if (buf === null) return null;
  return parseIndex(buf, hashLength);
}

export function parseIndex(buf: Buffer, hashLength = 20): Set<string> | null {
  if (buf.length < HEADER || buf.toString("latin1", 0, 4) !== "DIRC") return null;
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return null;
  const count = buf.readUInt32BE(8);
  const paths = new Set<string>();
  let off = HEADER;
  let previous = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = off;
    const flagsAt = start + STAT_BYTES + hashLength;
    if (flagsAt + 2 > buf.length) return null;
    const flags = buf.readUInt16BE(flagsAt);
    let nameAt = flagsAt + 2;
    if (version >= 3 && flags & 0x4000) nameAt += 2;
    let path: string;
    if (version === 4) {
      // A varint (git's offset encoding) of how many bytes to drop from the previous path, then the rest.
      let strip = 0;
      let byte: number;
      let p = nameAt;
      do {
        if (p >= buf.length) return null;
        byte = buf[p++]!;
        strip = (strip << 7) | (byte & 0x7f);
        if (byte & 0x80) strip += 1;
      } while (byte & 0x80);
      const end = buf.indexOf(0, p);
      // The count is in bytes of the previous name, not in characters.
      if (end === -1 || strip > previous.length) return null;
      const name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(p, end)]);
      path = name.toString("utf8");
      previous = name;
      off = end + 1;
    } else {
      const end = buf.indexOf(0, nameAt);
      if (end === -1) return null;
      path = buf.toString("utf8", nameAt, end);
      // Entries are NUL-padded to a multiple of 8 bytes, counted from the entry's start.
      off = start + Math.ceil((end + 1 - start) / 8) * 8;
    }
    if (off > buf.length) return null;
    paths.add(path);
  }
  // A split index keeps most entries in a shared file this reader does not follow: not "untracked", unknown.
  if (hasExtension(buf, off, "link")) return null;
  return paths;
}

function hasExtension(buf: Buffer, from: number, name: string): boolean {
  let off = from;
  while (off + 8 <= buf.length) {
    const sig = buf.toString("latin1", off, off + 4);
    if (!/^[A-Za-z]{4}$/.test(sig)) return false;
    if (sig === name) return true;
    off += 8 + buf.readUInt32BE(off + 4);
  }
  return false;
}
