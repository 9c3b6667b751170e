// Which files a command created, modified or deleted in the workspace: a bounded snapshot before the run, another
// after, and their difference, for the `end` audit event.
//
// Names are attacker-controlled bytes, so they are read as bytes (no lossy decoding that would merge or lose
// names) and only turned into text for the report. Symlinks are never followed: entries are lstat'ed, and each
// directory is opened with O_NOFOLLOW and checked to be the same inode its parent listed, so swapping a
// directory for a symlink mid-walk cannot lead the walk out of the workspace. Mounts inside the workspace are
// not entered unless asked (a bind of / or a network file system would make the walk unbounded).
//
// A change is seen through size, mode, inode, mtime and ctime in nanoseconds. A rewrite that keeps the size and
// restores the mtime with utimes(2) still moves ctime, which no unprivileged process can set. What remains is
// timestamp granularity: kernels without multigrain timestamps (before 6.13) stamp files with a clock tick
// (1–10 ms), so a same-size rewrite within the tick of the previous write looks unchanged. With them
// (ext4/xfs/btrfs/tmpfs), a write after a stat has observed the old value gets a fine-grained stamp, and the
// snapshot is such a stat.
//
// A snapshot that hit a cap, or could not read a directory, says so; the diff then compares only directories
// both snapshots listed in full and reports the rest as unscanned rather than as unchanged.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
} from "node:fs";

export type UnscannedReason =
  | "max-entries"
  | "time-budget"
  | "unreadable"
  | "other-device"
  | "changed-during-scan"
  | "path-too-long";

export interface Unscanned {
  /** Workspace-relative directory with a trailing '/'; "./" is the workspace itself. */
  path: string;
  reason: UnscannedReason;
}

export interface SnapshotOptions {
  /** Entries to record before giving up (default 100 000). */
  maxEntries?: number;
  /** Wall-clock budget for the walk (default 3000 ms). */
  timeBudgetMs?: number;
  /** Enter directories on another file system (default false). */
  crossDevices?: boolean;
}

export interface WorkspaceSnapshot {
  /** The workspace's real path. */
  readonly root: string;
  readonly entryCount: number;
  readonly durationMs: number;
  /** Some part of the workspace was not scanned: see `unscanned`. */
  readonly truncated: boolean;
  /** Directories whose contents were not (fully) listed, first MAX_UNSCANNED of `unscannedCount`. */
  readonly unscanned: readonly Unscanned[];
  readonly unscannedCount: number;
  /** Relative path (its bytes as latin1, '/'-separated) → kind letter + fingerprint. */
  readonly entries: ReadonlyMap<string, string>;
  /** Directories (same keys; "" is the root) whose every entry is in `entries`. */
  readonly listed: ReadonlySet<string>;
  /** dev:ino of the root, to notice a workspace replaced wholesale. */
  readonly rootId: string;
  /**
   * Every entry as a workspace-relative path, directories with a trailing '/', in byte order. A name that is not
   * valid UTF-8 appears with \xNN escapes: no JS string can name that file, so it cannot be passed on as a path.
   */
  paths(): string[];
}

export interface DiffOptions {
  /** Paths kept per list (default 1000); counts stay exact. */
  maxPaths?: number;
}

export interface WorkspaceChanges {
  /** Workspace-relative, byte order; directories end with '/'. */
  created: string[];
  modified: string[];
  deleted: string[];
  counts: { created: number; modified: number; deleted: number };
  /** A list was cut, or a snapshot did not cover the whole workspace (then counts are lower bounds). */
  truncated: boolean;
  /** What was not compared, when a snapshot was incomplete (first MAX_UNSCANNED). */
  unscanned?: Unscanned[];
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_TIME_BUDGET_MS = 3000;
export const DEFAULT_MAX_PATHS = 1000;
const MAX_UNSCANNED = 100;
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW; // libuv adds O_CLOEXEC
const SLASH = Buffer.from("/");
const PROC_FD = existsSync("/proc/self/fd");
// Reading the clock at every step would cost a good part of what it guards.
const CLOCK_EVERY = 128;

interface PendingDir {
  key: string;
  path: Buffer;
  dev: bigint;
  ino: bigint;
}

export function snapshotWorkspace(root: string, opts: SnapshotOptions = {}): WorkspaceSnapshot {
  const started = performance.now();
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const deadline = started + (opts.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  const real = realpathSync(root);
  const rootStat = lstatSync(real, { bigint: true });
  if (!rootStat.isDirectory()) throw new Error(`workspace is not a directory: ${real}`);
  const entries = new Map<string, string>();
  const listed = new Set<string>();
  const unscanned: Unscanned[] = [];
  let unscannedCount = 0;
  const skip = (key: string, reason: UnscannedReason): void => {
    unscannedCount++;
    if (unscanned.length < MAX_UNSCANNED) unscanned.push({ path: displayDir(key), reason });
  };

  // Breadth first: when a cap stops the walk, the shallow part of the tree, where people look, is covered.
  const queue: PendingDir[] = [{ key: "", path: Buffer.from(real), dev: rootStat.dev, ino: rootStat.ino }];
  let next = 0;
  let stopped: UnscannedReason | null = null;
  let work = 0;
  const outOfTime = (): boolean => work++ % CLOCK_EVERY === 0 && performance.now() >= deadline;
  while (next < queue.length && stopped === null) {
    if (outOfTime()) {
      stopped = "time-budget";
      break;
    }
    const dir = queue[next++]!;
    const listing = listDir(dir);
    if (typeof listing === "string") {
      skip(dir.key, listing);
      continue;
    }
    const prefix = dir.key === "" ? "" : `${dir.key}/`;
    const base = Buffer.concat([dir.path, SLASH]);
    let complete = true;
    for (const name of listing) {
      if (entries.size >= maxEntries) stopped = "max-entries";
      else if (outOfTime()) stopped = "time-budget";
      if (stopped !== null) {
        complete = false;
        break;
      }
      const key = prefix + name.toString("latin1");
      const path = Buffer.concat([base, name]);
      let st: ReturnType<typeof lstatBig>;
      try {
        st = lstatBig(path);
      } catch (err) {
        // The listing is no longer trustworthy as a whole (no search permission, or too deep for PATH_MAX).
        complete = false;
        skip(
          dir.key,
          (err as NodeJS.ErrnoException).code === "ENAMETOOLONG" ? "path-too-long" : "unreadable",
        );
        break;
      }
      if (st === undefined) continue; // removed since the listing: as if never there
      if (st.isDirectory()) {
        entries.set(key, `d${st.mode}`);
        if (st.dev !== rootStat.dev && opts.crossDevices !== true) skip(key, "other-device");
        else queue.push({ key, path, dev: st.dev, ino: st.ino });
      } else {
        const kind = st.isSymbolicLink() ? "l" : st.isFile() ? "f" : "o";
        entries.set(key, `${kind}${st.mode}:${st.size}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`);
      }
    }
    if (complete) listed.add(dir.key);
    else if (stopped !== null) skip(dir.key, stopped);
  }
  if (stopped !== null) for (let i = next; i < queue.length; i++) skip(queue[i]!.key, stopped);

  return {
    root: real,
    entryCount: entries.size,
    durationMs: performance.now() - started,
    truncated: unscannedCount > 0,
    unscanned,
    unscannedCount,
    entries,
    listed,
    rootId: `${rootStat.dev}:${rootStat.ino}`,
    paths: () =>
      [...entries.keys()]
        .sort(byBytes)
        .map((key) => (entries.get(key)![0] === "d" ? `${display(key)}/` : display(key))),
  };
}

function lstatBig(path: Buffer) {
  return lstatSync(path, { bigint: true, throwIfNoEntry: false });
}

/** The names in `dir`, read through a descriptor proven to be the directory its parent listed. */
function listDir(dir: PendingDir): Buffer[] | UnscannedReason {
  let fd: number;
  try {
    fd = openSync(dir.path, OPEN_DIR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENAMETOOLONG") return "path-too-long";
    // ELOOP / ENOTDIR: it became a symlink or a file after its parent listed it.
    return code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT" ? "changed-during-scan" : "unreadable";
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.dev !== dir.dev || st.ino !== dir.ino) return "changed-during-scan";
    // Without /proc the path is read again; the check above still rules out a symlink swapped in before it.
    return readdirSync(PROC_FD ? `/proc/self/fd/${fd}` : dir.path, { encoding: "buffer" });
  } catch {
    return "unreadable";
  } finally {
    closeSync(fd);
  }
}

export function diffSnapshots(
  before: WorkspaceSnapshot,
  after: WorkspaceSnapshot,
  opts: DiffOptions = {},
): WorkspaceChanges {
  const maxPaths = opts.maxPaths ?? DEFAULT_MAX_PATHS;
  const created: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  const unscanned = mergeUnscanned(before, after);
  let truncated = before.truncated || after.truncated;
  if (before.rootId !== after.rootId || before.root !== after.root) {
    // A different directory now sits at the workspace path: comparing entries would report noise as changes.
    truncated = true;
    unscanned.unshift({ path: "./", reason: "changed-during-scan" });
    return finish();
  }

  const knownBefore = knownChildren(before);
  const knownAfter = knownChildren(after);
  const comparable = (key: string): boolean => {
    const parent = parentOf(key);
    return knownBefore(parent) && knownAfter(parent);
  };
  const asPath = (key: string, fp: string): string => (fp[0] === "d" ? `${key}/` : key);

  for (const [key, now] of after.entries) {
    if (!comparable(key)) continue;
    const was = before.entries.get(key);
    if (was === undefined) created.push(asPath(key, now));
    else if (was !== now) {
      if ((was[0] === "d") === (now[0] === "d")) modified.push(asPath(key, now));
      else {
        // A file became a directory or back: two different things at one name.
        deleted.push(asPath(key, was));
        created.push(asPath(key, now));
      }
    }
  }
  for (const [key, was] of before.entries) {
    if (!after.entries.has(key) && comparable(key)) deleted.push(asPath(key, was));
  }
  return finish();

  function finish(): WorkspaceChanges {
    const counts = { created: created.length, modified: modified.length, deleted: deleted.length };
    const cap = (list: string[]): string[] => {
      if (list.length > maxPaths) truncated = true;
      // Byte order of the raw names, then text: stable and independent of the locale.
      return list.sort(byBytes).slice(0, maxPaths).map(display);
    };
    const out: WorkspaceChanges = {
      created: cap(created),
      modified: cap(modified),
      deleted: cap(deleted),
      counts,
      truncated,
    };
    if (unscanned.length > 0) out.unscanned = unscanned.slice(0, MAX_UNSCANNED);
    return out;
  }
}

function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parentOf(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "" : key.slice(0, i);
}

/**
 * Whether `snap` knows every child of directory `key`: it listed it, or knows it had none (the name was a
 * file, or was absent from a directory it listed).
 */
function knownChildren(snap: WorkspaceSnapshot): (key: string) => boolean {
  const memo = new Map<string, boolean>();
  const known = (key: string): boolean => {
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (snap.listed.has(key)) result = true;
    else if (key === "") result = false;
    else {
      const fp = snap.entries.get(key);
      result = fp !== undefined ? fp[0] !== "d" : known(parentOf(key));
    }
    memo.set(key, result);
    return result;
  };
  return known;
}

function mergeUnscanned(a: WorkspaceSnapshot, b: WorkspaceSnapshot): Unscanned[] {
  const seen = new Set<string>();
  const out: Unscanned[] = [];
  for (const u of [...a.unscanned, ...b.unscanned]) {
    const id = `${u.reason}\0${u.path}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(u);
  }
  return out;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const ASCII = /^[\x00-\x7f]*$/;

/** A relative path as text: UTF-8 when it is, otherwise valid parts as text and each stray byte as \xNN. */
function display(key: string): string {
  if (ASCII.test(key)) return key;
  const bytes = Buffer.from(key, "latin1");
  try {
    return UTF8.decode(bytes);
  } catch {
    let out = "";
    let i = 0;
    while (i < bytes.length) {
      const n = validSequence(bytes, i);
      if (n > 0) {
        out += bytes.toString("utf8", i, i + n);
        i += n;
      } else {
        out += `\\x${bytes[i]!.toString(16).padStart(2, "0")}`;
        i++;
      }
    }
    return out;
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0. */
function validSequence(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  const n =
    b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (n <= 1 || i + n > bytes.length) return n === 1 ? 1 : 0;
  try {
    UTF8.decode(bytes.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
}

function displayDir(key: string): string {
  return key === "" ? "./" : `${display(key)}/`;
}
