// Bounded reads of workspace files. The workspace is attacker-controlled: a file that is missing, not a
// regular file (a FIFO would block, a device would never end) or larger than the limit reads as null.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

export function readBounded(path: string, limit: number): Buffer | null {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO someone planted must not hang the hook; fstat then says it is no file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > limit) return null;
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === st.size ? buf : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
