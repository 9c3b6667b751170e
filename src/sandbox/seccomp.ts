// Classic-BPF seccomp filter handed to bwrap with `--seccomp FD`:
//   - socket(AF_UNIX, …)                         → EPERM (no talking to host daemons: docker.sock, systemd, …)
//   - io_uring_setup / io_uring_enter / _register → EPERM (io_uring bypasses seccomp for the operations it runs)
//   - x32 system calls on x86_64                  → EPERM (another way to reach socket())
//   - any architecture other than the native one → kill the process (e.g. i386 socketcall() via int 0x80)
//   - with `denyTerminalInjection`: ioctl(TIOCSTI) and ioctl(TIOCLINUX) → EPERM, for a sandbox that keeps the
//     caller's terminal (`warden run`: no setsid, so an agent could otherwise push keystrokes into the shell
//     that started it, run after it exits)
// Everything else is allowed. Supported: x86_64 and aarch64; elsewhere seccompProgram() returns null.
import { endianness } from "node:os";

const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const AF_UNIX = 1;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16; // little-endian: low 32 bits of args[0]

const OFF_ARG1_LO = 24; // little-endian: low 32 bits of args[1]

interface ArchInfo {
  audit: number;
  socket: number;
  ioctl: number;
  x32: boolean;
}

const ARCHES: Record<string, ArchInfo> = {
  x64: { audit: 0xc000003e, socket: 41, ioctl: 16, x32: true },
  arm64: { audit: 0xc00000b7, socket: 198, ioctl: 29, x32: false },
};
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const IO_URING = [425, 426, 427]; // io_uring_setup, io_uring_enter, io_uring_register (same on both)

export type Insn = [code: number, jt: number, jf: number, k: number];

export interface SeccompOptions {
  /** Policy grant `sandbox.unix_sockets: true`: leave socket(AF_UNIX) alone. */
  allowUnixSockets?: boolean;
  /** Refuse ioctl(TIOCSTI/TIOCLINUX): the sandbox shares the caller's terminal (no new session). */
  denyTerminalInjection?: boolean;
  /**
   * Leave io_uring alone. Only for a filter that guards nothing io_uring could reach (the Landlock session:
   * Landlock's checks sit in the kernel's file paths, which io_uring goes through too; it cannot ioctl a tty).
   */
  allowIoUring?: boolean;
}

/** The filter as instructions, for inspection and tests. */
export function seccompInstructions(
  arch: string = process.arch,
  options: SeccompOptions = {},
): Insn[] | null {
  const a = ARCHES[arch];
  if (a === undefined) return null;
  const deny = SECCOMP_RET_ERRNO | EPERM;
  const prog: Insn[] = [
    [BPF_LD_W_ABS, 0, 0, OFF_ARCH],
    [BPF_JEQ_K, 1, 0, a.audit],
    [BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS],
    [BPF_LD_W_ABS, 0, 0, OFF_NR],
  ];
  // Each check jumps to the final deny on a match; falling through every one reaches allow.
  const checks: Insn[] = [];
  if (a.x32) checks.push([BPF_JGE_K, 0, 0, 0x40000000]);
  if (!options.allowIoUring) for (const nr of IO_URING) checks.push([BPF_JEQ_K, 0, 0, nr]);
  // The argument checks load another word, so each ends the program: the ioctl one comes first and jumps
  // over the socket one (to allow) when the call is neither of its requests.
  const socketCheck: Insn[] = options.allowUnixSockets
    ? []
    : [
        [BPF_JEQ_K, 0, 2, a.socket], // not socket() → allow
        [BPF_LD_W_ABS, 0, 0, OFF_ARG0_LO],
        [BPF_JEQ_K, 1, 0, AF_UNIX], // AF_UNIX → deny, else allow
      ];
  const after = socketCheck.length; // instructions between the ioctl check and the allow
  const ioctlCheck: Insn[] = options.denyTerminalInjection
    ? [
        [BPF_JEQ_K, 0, 4, a.ioctl], // not ioctl() → on to the socket check
        [BPF_LD_W_ABS, 0, 0, OFF_ARG1_LO],
        [BPF_JEQ_K, after + 3, 0, TIOCSTI], // → deny
        [BPF_JEQ_K, after + 2, 0, TIOCLINUX], // → deny
        [BPF_JEQ_K, after, after, 0xffffffff], // any other request → allow (skips the socket check)
      ]
    : [];
  const body = [...checks, ...ioctlCheck, ...socketCheck];
  checks.forEach((insn, i) => {
    insn[1] = body.length - i; // over the rest of the body and the allow → deny
  });
  return [...prog, ...body, [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW], [BPF_RET_K, 0, 0, deny]];
}

/** The filter as the bytes of a struct sock_filter[] in host byte order, or null on unsupported arches. */
export function seccompProgram(arch: string = process.arch, options: SeccompOptions = {}): Buffer | null {
  const insns = seccompInstructions(arch, options);
  if (insns === null) return null;
  const le = endianness() === "LE";
  if (!le) return null; // OFF_ARG0_LO assumes little-endian
  return encodeFilter(insns);
}

/** Instructions as the bytes of a struct sock_filter[] (little-endian hosts). */
export function encodeFilter(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
