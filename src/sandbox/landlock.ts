// Landlock (Linux ≥ 5.13): the session sandbox's filesystem write and execute restrictions where bubblewrap
// cannot create user namespaces. No package wraps Landlock with prebuilt binaries for Node, and the kernel
// interface is three system calls and a prctl, so Warden calls them itself through koffi (an FFI shipping
// prebuilt per-platform binaries, already a dependency): syscall(444 landlock_create_ruleset, 445
// landlock_add_rule, 446 landlock_restrict_self; the same numbers on every architecture) and
// prctl(PR_SET_NO_NEW_PRIVS). koffi is imported lazily, only on this code path.
//
// Landlock is an allowlist: a handled access right is allowed beneath the paths a rule grants it on, and a
// rule on a directory covers everything below it — nothing beneath a granted directory can be taken away.
// So "everything except X" is granted as the complement of X: on every entry of each ancestor of X, but not
// on X nor on the ancestors themselves (`complement` below). What Warden handles and grants:
//   - EXECUTE and READ_FILE: the complement of the blocked programs' files (every PATH dir copy and the
//     common absolute paths) and of the plan's hidden paths that lie outside the writable roots. A blocked
//     program then cannot be exec'd by any path, nor read to run it another way (`bash $(which docker)`,
//     `ld.so /usr/bin/docker`, a copy). Side effect: a file created later directly inside such an ancestor
//     (e.g. /usr/bin) is neither executable nor readable in this session.
//   - the write rights (WRITE_FILE, TRUNCATE, MAKE_*, REMOVE_*, REFER): on the writable roots (workspace,
//     /tmp, /dev/shm, the policy's writable paths, the agents' own state dirs), each as the complement of the
//     read-only and hidden paths the plan puts inside it (agents' settings, hooks, Warden's dirs) — except
//     in the workspace, /tmp and /dev/shm, where a complement would leave the agent unable to write a new
//     file at the top (a new file needs WRITE_FILE from an ancestor). There the rules and the hooks' decisions
//     still guard those paths, the bwrap sandbox enforces them, and the start event lists them as
//     unenforced. Everything else, Warden's state and configuration included, gets no write right at all.
//   - READ_DIR is not handled: directory listings stay visible (names only).
//   - ABI ≥ 4 without network: TCP bind and connect (UDP is not covered by Landlock).
//   - ABI ≥ 6: abstract Unix sockets and signals are scoped to the session (no reaching a host daemon's
//     abstract socket, no signalling processes outside, such as Warden itself).
// Restrictions apply to the calling thread and what it forks afterwards, so the session is started from a
// worker thread (session-worker.ts) that restricts itself and then spawns the agent; Warden's main thread stays
// free to record the end of the session.
import { lstatSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { isUnder } from "./bwrap-args.ts";

export const FS = {
  EXECUTE: 1n << 0n,
  WRITE_FILE: 1n << 1n,
  READ_FILE: 1n << 2n,
  READ_DIR: 1n << 3n,
  REMOVE_DIR: 1n << 4n,
  REMOVE_FILE: 1n << 5n,
  MAKE_CHAR: 1n << 6n,
  MAKE_DIR: 1n << 7n,
  MAKE_REG: 1n << 8n,
  MAKE_SOCK: 1n << 9n,
  MAKE_FIFO: 1n << 10n,
  MAKE_BLOCK: 1n << 11n,
  MAKE_SYM: 1n << 12n,
  /** ABI 2. */
  REFER: 1n << 13n,
  /** ABI 3. */
  TRUNCATE: 1n << 14n,
} as const;
export const NET = { BIND_TCP: 1n, CONNECT_TCP: 2n } as const;
export const SCOPE = { ABSTRACT_UNIX_SOCKET: 1n, SIGNAL: 2n } as const;

/** Rights a rule on a non-directory may carry. */
const FILE_RIGHTS = FS.EXECUTE | FS.WRITE_FILE | FS.READ_FILE | FS.TRUNCATE;

export interface LandlockProbe {
  /** The kernel's Landlock ABI version, 0 when unavailable. */
  abi: number;
  problem?: string;
}

let cachedProbe: LandlockProbe | undefined;

/** libc for koffi: glibc's soname, else musl's. */
const LIBC = ["libc.so.6", `libc.musl-${process.arch === "x64" ? "x86_64" : "aarch64"}.so.1`];

/** Where koffi's CommonJS entry is, for the worker thread (which require()s it). */
export function koffiPath(): string {
  return createRequire(import.meta.url).resolve("koffi");
}

/** landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the ABI, or why there is none. */
export async function probeLandlock(): Promise<LandlockProbe> {
  if (cachedProbe) return cachedProbe;
  cachedProbe = await runProbe();
  return cachedProbe;
}

async function runProbe(): Promise<LandlockProbe> {
  if (process.platform !== "linux") return { abi: 0, problem: "Landlock is Linux only" };
  let koffi: typeof import("koffi")["default"];
  try {
    koffi = (await import("koffi")).default;
  } catch (err) {
    return { abi: 0, problem: `the koffi FFI module cannot be loaded (${(err as Error).message})` };
  }
  let lib: ReturnType<typeof koffi.load> | undefined;
  for (const name of LIBC) {
    try {
      lib = koffi.load(name);
      break;
    } catch {}
  }
  if (!lib) return { abi: 0, problem: "no libc found for the FFI" };
  const syscall = lib.func("long syscall(long nr, ...)");
  const abi = Number(syscall(444, "void *", null, "size_t", 0, "uint32_t", 1));
  if (abi >= 1) return { abi };
  const errno = koffi.errno();
  const why =
    errno === 38
      ? "the kernel has no Landlock (Linux ≥ 5.13 with CONFIG_SECURITY_LANDLOCK)"
      : errno === 95
        ? "Landlock is built in but disabled (add landlock to the lsm= boot parameter)"
        : `landlock_create_ruleset failed (errno ${errno})`;
  return { abi: 0, problem: why };
}

/** For tests only. */
export function resetLandlockProbe(): void {
  cachedProbe = undefined;
}

export interface LandlockRule {
  path: string;
  /** Access rights, a bigint as a decimal string (crosses to the worker thread as it is). */
  access: string;
}

export interface LandlockSpec {
  abi: number;
  handledFs: string;
  handledNet: string;
  scoped: string;
  rules: LandlockRule[];
}

export interface LandlockPlanInput {
  abi: number;
  workspace: string;
  /** Writable roots beside the workspace, /tmp and /dev/shm (the plan's writable paths, agent state dirs). */
  writable: readonly string[];
  /** Read-only paths of the plan (inside writable roots they lose the write rights). */
  readOnly: readonly string[];
  /** Hidden paths of the plan: no read outside the writable roots, no write anywhere. */
  hidden: readonly string[];
  /** Blocked programs' files (canonical). */
  blocked: readonly string[];
  net: boolean;
}

export interface LandlockPlan {
  spec: LandlockSpec;
  notes: string[];
}

/** Terminal and pseudo devices everything writes to. */
const DEV_FILES = [
  "/dev/null",
  "/dev/zero",
  "/dev/full",
  "/dev/tty",
  "/dev/ptmx",
  "/dev/random",
  "/dev/urandom",
];

function statOf(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Grants `access` on `root` except beneath `exclude`: on `root` itself when nothing excluded lies in it,
 * otherwise on each entry of it, recursively, skipping the excluded paths and every ancestor of one.
 * Symbolic links are skipped (a rule goes on the inode they resolve to, which the walk reaches where it lives).
 */
export function complement(
  root: string,
  access: bigint,
  exclude: readonly string[],
  out: LandlockRule[],
  budget = { entries: 200_000 },
): void {
  const inside = exclude.filter((e) => isUnder(e, root));
  if (inside.includes(root)) return;
  if (inside.length === 0) {
    const st = statOf(root);
    if (st === undefined) return;
    const rights = st.isDirectory() ? access : access & FILE_RIGHTS;
    if (rights !== 0n) out.push({ path: root, access: rights.toString() });
    return;
  }
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return; // unreadable: nothing granted beneath (denies more, never less)
  }
  for (const name of names) {
    if (--budget.entries < 0)
      throw new Error(`landlock: more than 200000 entries beside the excluded paths under ${root}`);
    const child = join(root, name);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(child);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) continue;
    complement(child, access, inside, out, budget);
  }
}

export function planLandlock(input: LandlockPlanInput): LandlockPlan {
  const { abi } = input;
  const notes: string[] = [];
  let write =
    FS.WRITE_FILE |
    FS.REMOVE_DIR |
    FS.REMOVE_FILE |
    FS.MAKE_CHAR |
    FS.MAKE_DIR |
    FS.MAKE_REG |
    FS.MAKE_SOCK |
    FS.MAKE_FIFO |
    FS.MAKE_BLOCK |
    FS.MAKE_SYM;
  if (abi >= 2) write |= FS.REFER;
  else notes.push("Landlock ABI 1: renames and links across directories are refused");
  if (abi >= 3) write |= FS.TRUNCATE;
  else notes.push("Landlock ABI < 3: truncate() by path is not restricted");
  const handledFs = write | FS.EXECUTE | FS.READ_FILE;
  // Device nodes need CAP_MKNOD anyway: handled, never granted.
  const writeGrant = write & ~(FS.MAKE_CHAR | FS.MAKE_BLOCK);

  // Roots where a complement would break writing new files at their top: their read-only and hidden entries
  // are left to the rules (and bwrap), and said so.
  const open = [input.workspace, "/tmp", "/dev/shm"].filter((p) => statOf(p) !== undefined);
  const protectedPaths = [...input.readOnly, ...input.hidden];
  const unenforced = protectedPaths.filter((p) => open.some((o) => isUnder(p, o)));
  for (const p of unenforced)
    notes.push(`${p} stays writable${input.hidden.includes(p) ? " and readable" : ""} under Landlock`);

  const rules: LandlockRule[] = [];
  const noRead = [...input.blocked, ...input.hidden.filter((h) => !open.some((o) => isUnder(h, o)))];
  complement("/", FS.EXECUTE | FS.READ_FILE, noRead, rules);
  for (const root of open) rules.push({ path: root, access: writeGrant.toString() });
  for (const root of input.writable) {
    if (open.some((o) => isUnder(root, o))) continue; // already writable as a whole
    const exclude = [...protectedPaths, ...input.blocked].filter((p) => isUnder(p, root));
    complement(root, writeGrant, exclude, rules);
  }
  for (const dev of DEV_FILES)
    if (statOf(dev) !== undefined)
      rules.push({ path: dev, access: ((FS.WRITE_FILE | FS.TRUNCATE) & handledFs).toString() });
  if (statOf("/dev/pts")?.isDirectory())
    rules.push({ path: "/dev/pts", access: ((FS.WRITE_FILE | FS.TRUNCATE) & handledFs).toString() });

  let handledNet = 0n;
  if (!input.net) {
    if (abi >= 4) handledNet = NET.BIND_TCP | NET.CONNECT_TCP;
    else notes.push(`Landlock ABI ${abi} cannot restrict the network: the session has it`);
    if (abi >= 4) notes.push("no network under Landlock means no TCP; UDP is not covered");
  }
  let scoped = 0n;
  if (abi >= 6) scoped = SCOPE.ABSTRACT_UNIX_SOCKET | SCOPE.SIGNAL;
  else notes.push(`Landlock ABI ${abi} < 6: abstract Unix sockets of the host stay reachable`);
  notes.push(
    "host Unix sockets reachable by path stay reachable under Landlock (no Landlock right covers them)",
  );
  return {
    spec: {
      abi,
      handledFs: handledFs.toString(),
      handledNet: handledNet.toString(),
      scoped: scoped.toString(),
      rules,
    },
    notes,
  };
}

/** Only the scopes (abstract Unix sockets, signals): for a bwrap session that shares the host network. */
export function scopeOnly(abi: number): LandlockSpec | null {
  if (abi < 6) return null;
  return {
    abi,
    handledFs: "0",
    handledNet: "0",
    scoped: (SCOPE.ABSTRACT_UNIX_SOCKET | SCOPE.SIGNAL).toString(),
    rules: [],
  };
}
