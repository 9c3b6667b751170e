// Inter-process exclusion for writers: a kernel advisory lock (Linux open-file-description lock via
// fcntl(F_OFD_SETLK), from the prebuilt `fs-native-extensions` addon). The kernel drops it when the holder
// dies, so a kill -9'd writer never leaves a stale lock, and uncontended lock+unlock costs two syscalls
// (bench/audit.bench.ts compares it with the mkdir-based proper-lockfile approach).
import { createRequire } from "node:module";
import { AuditError } from "./errors.ts";

interface NativeLock {
  tryLock(fd: number): boolean;
  waitForLock(fd: number): Promise<void>;
  waitForLockSync(fd: number): void;
  unlock(fd: number): void;
}

let native: NativeLock | undefined;

// Loaded through createRequire so bundlers leave the addon (and its prebuilt binary) in node_modules.
function load(): NativeLock {
  if (native) return native;
  try {
    native = createRequire(import.meta.url)("fs-native-extensions") as NativeLock;
  } catch (err) {
    throw new AuditError(
      "lock",
      `cannot load the file-lock addon fs-native-extensions: ${(err as Error).message}`,
    );
  }
  return native;
}

/** Takes the exclusive lock on `fd`, waiting (off the event loop) while another process holds it. */
export async function lockFd(fd: number, file: string): Promise<void> {
  const n = load();
  try {
    if (n.tryLock(fd)) return;
    await n.waitForLock(fd);
  } catch (err) {
    throw new AuditError("lock", `cannot lock ${file}: ${(err as Error).message}`, file, { cause: err });
  }
}

export function lockFdSync(fd: number, file: string): void {
  const n = load();
  try {
    if (!n.tryLock(fd)) n.waitForLockSync(fd);
  } catch (err) {
    throw new AuditError("lock", `cannot lock ${file}: ${(err as Error).message}`, file, { cause: err });
  }
}

export function unlockFd(fd: number): void {
  load().unlock(fd);
}

/** Takes the exclusive lock on `fd` if nobody holds it; false when another process does. */
export function tryLockFd(fd: number, file: string): boolean {
  const n = load();
  try {
    return n.tryLock(fd);
  } catch (err) {
    throw new AuditError("lock", `cannot lock ${file}: ${(err as Error).message}`, file, { cause: err });
  }
}
