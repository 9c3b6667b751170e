// Who is on the other end of a Unix socket connection, as the kernel says (SO_PEERCRED): the uid, gid and pid
// of the process that connected, fixed at connect() and not forgeable by the client. Node does not expose it;
// koffi (a maintained FFI with prebuilt N-API binaries in per-platform npm packages, nothing compiled or
// downloaded at install) calls libc's getsockopt on the connection's fd. Loaded only by the daemon, never on
// the hook client's path. Linux only: other systems get `undefined` and system mode refuses to start there.
import type { Socket } from "node:net";

export interface Peer {
  uid: number;
  gid: number;
  pid: number;
}

export type PeerReader = (socket: Socket) => Peer | undefined;

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

let reader: Promise<PeerReader | { error: string }> | undefined;

/** The reader, or why there is none (not Linux, koffi missing or its binary not loadable). */
export function peerReader(): Promise<PeerReader | { error: string }> {
  reader ??= load();
  return reader;
}

async function load(): Promise<PeerReader | { error: string }> {
  if (process.platform !== "linux")
    return { error: `SO_PEERCRED is Linux-only (this is ${process.platform})` };
  try {
    const koffi = (await import("koffi")).default;
    const libc = koffi.load("libc.so.6");
    // struct ucred (<sys/socket.h>), named so the prototype below can use it.
    koffi.struct("warden_ucred", { pid: "int32", uid: "uint32", gid: "uint32" });
    const getsockopt = libc.func("int getsockopt(int, int, int, _Out_ warden_ucred *, _Inout_ uint32 *)");
    return (socket) => {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== "number" || fd < 0) return undefined;
      const out = { pid: 0, uid: 0, gid: 0 };
      const len = [12];
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, len) !== 0 || len[0] !== 12) return undefined;
      // pid 0: the peer is in another pid namespace the kernel cannot map; the uid is still right.
      return { uid: out.uid, gid: out.gid, pid: out.pid };
    };
  } catch (err) {
    return { error: `cannot load koffi to read peer credentials: ${(err as Error).message}` };
  }
}
