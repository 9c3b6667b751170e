// Small file primitives the approval store and key files rely on: whole-or-nothing writes, exclusive
// creation, private directories. Everything here is synchronous so callers can reason about ordering.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { ApprovalError } from "./errors.ts";

/** Creates `dir` (and parents) and makes sure only the owner can enter it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (typeof process.getuid === "function" && st.uid !== process.getuid())
    throw new ApprovalError("io", `${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `content` to `path` so it appears whole or not at all (mode 0600 unless told). With `exclusive`,
 * an existing file is never replaced and the call returns false: another writer got there first.
 */
export function writeFileAtomic(
  path: string,
  content: string,
  options: { exclusive?: boolean; mode?: number } = {},
): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(tmp, "wx", options.mode ?? 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  if (options.exclusive) {
    try {
      // link(2) fails if the target exists: no window in which another writer's file is replaced.
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  } else {
    try {
      renameSync(tmp, path);
    } catch (err) {
      unlinkSync(tmp);
      throw err;
    }
  }
  fsyncDir(dirname(path));
  return true;
}

/** rename(2) that reports whether this caller moved the file (false: someone else already did). */
export function claimByRename(from: string, to: string): boolean {
  try {
    // link + unlink rather than rename: rename would silently replace `to` if two claimers raced past a
    // check; link fails with EEXIST, so exactly one claimer can ever create `to`.
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EEXIST") return false;
    throw err;
  }
  try {
    unlinkSync(from);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fsyncDir(dirname(to));
  return true;
}
