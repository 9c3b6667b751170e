// Pure builder of the bubblewrap argument vector for one sandboxed run. No shell strings: the result is passed
// as argv to spawn(bwrap, args). Reads the file system only to canonicalize paths (realpath) and to resolve
// blocked programs on PATH.
import { realpathSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve, sep } from "node:path";

export interface SandboxSpec {
  /** Directory bound read-write; everything else is read-only unless listed in `writable`. */
  workspace: string;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** Program and arguments, never a shell string. */
  argv: string[];
  /** Extra paths bound read-only (e.g. read-only overlays inside the workspace). */
  readOnly?: string[];
  /** Extra paths bound read-write. */
  writable?: string[];
  /** Secret paths: directories become an empty read-only tmpfs, files are replaced by /dev/null. */
  hidden?: string[];
  /** Program names (or absolute paths) masked with /dev/null wherever they resolve. */
  blockedPrograms?: string[];
  /** Share the host network namespace. Default: no network. */
  net?: boolean;
  /** Leave socket(AF_UNIX) allowed in the seccomp filter (policy `sandbox.unix_sockets`). Default: EPERM. */
  allowUnixSockets?: boolean;
  /** Explicit environment allowlist (added to PATH, HOME, LANG, TERM, USER from the caller's env). */
  env?: Record<string, string>;
}

/** Variables taken from the caller's environment; nothing else crosses. */
export const PASSED_ENV = ["PATH", "HOME", "LANG", "TERM", "USER"] as const;

type Mount =
  | { kind: "ro" | "rw"; path: string }
  | { kind: "hide-dir"; path: string }
  | { kind: "hide-file"; path: string };

/** The real path, or null when it does not exist (bwrap cannot mount onto a symlink). */
export function canonical(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

export function depth(p: string): number {
  return p === sep ? 0 : p.split(sep).filter((s) => s !== "").length;
}

export function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Every existing file a blocked program name resolves to: each PATH dir entry and its realpath. */
export function resolveBlocked(programs: string[], path: string): string[] {
  const out = new Set<string>();
  const dirs = path.split(delimiter).filter((d) => d !== "" && isAbsolute(d));
  for (const prog of programs) {
    const candidates = isAbsolute(prog) ? [prog] : prog.includes("/") ? [] : dirs.map((d) => join(d, prog));
    for (const c of candidates) {
      // No exception for the common miss (most PATH dirs lack the name): 4× faster than try/catch here.
      let st: ReturnType<typeof statSync> | undefined;
      try {
        st = statSync(c, { throwIfNoEntry: false });
      } catch {
        continue; // EACCES, ENOTDIR
      }
      if (st === undefined || !st.isFile()) continue;
      // Mask the canonical file: every symlink to it (another PATH dir, /bin -> /usr/bin) then execs /dev/null.
      const real = canonical(c);
      if (real !== null) out.add(real);
    }
  }
  return [...out];
}

export interface BuildOptions {
  /** File descriptor (in bwrap) from which bwrap reads a seccomp BPF program (`--seccomp FD`). */
  seccompFd?: number;
  /** bwrap writes JSON with the sandbox's "child-pid" here (`--info-fd FD`). */
  infoFd?: number;
  /** The sandbox waits, before the program starts, until a byte can be read here (`--block-fd FD`). */
  blockFd?: number;
  /**
   * `--new-session` (default true): setsid(), so the sandbox cannot inject input into the caller's terminal
   * (TIOCSTI). An interactive session (`warden run`) keeps the terminal and denies that ioctl in its seccomp
   * filter instead.
   */
  newSession?: boolean;
}

export function buildBwrapArgs(
  spec: SandboxSpec,
  callerEnv: NodeJS.ProcessEnv = process.env,
  options: BuildOptions = {},
): string[] {
  if (spec.argv.length === 0) throw new Error("sandbox: empty argv");
  const workspace = canonical(spec.workspace);
  if (workspace === null) throw new Error(`sandbox: workspace does not exist: ${spec.workspace}`);
  const cwd = canonical(resolve(workspace, spec.cwd));
  if (cwd === null) throw new Error(`sandbox: cwd does not exist: ${spec.cwd}`);

  const mounts: Mount[] = [{ kind: "rw", path: workspace }];
  for (const p of spec.writable ?? []) {
    const c = canonical(p);
    if (c === null) throw new Error(`sandbox: writable path does not exist: ${p}`);
    mounts.push({ kind: "rw", path: c });
  }
  for (const p of spec.readOnly ?? []) {
    const c = canonical(p);
    if (c === null) throw new Error(`sandbox: read-only path does not exist: ${p}`);
    mounts.push({ kind: "ro", path: c });
  }
  for (const p of spec.hidden ?? []) {
    const c = canonical(p);
    if (c === null) continue; // nothing to hide; do not create a stub
    mounts.push({ kind: statSync(c).isDirectory() ? "hide-dir" : "hide-file", path: c });
  }
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) {
    const v = callerEnv[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, spec.env ?? {});
  const path = env.PATH ?? callerEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  for (const b of resolveBlocked(spec.blockedPrograms ?? [], path))
    mounts.push({ kind: "hide-file", path: b });

  for (const m of mounts) {
    if (m.path === "/" || ["/dev", "/proc"].some((d) => isUnder(m.path, d)))
      throw new Error(`sandbox: refusing to mount over ${m.path}`);
  }
  // Shallow before deep so deeper masks land on top; stable for equal depth (hidden after binds).
  const order = { rw: 0, ro: 1, "hide-dir": 2, "hide-file": 3 } as const;
  mounts.sort((a, b) => depth(a.path) - depth(b.path) || order[a.kind] - order[b.kind]);

  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"];
  // A hidden dir's tmpfs is made read-only only after every mount: deeper binds (e.g. a workspace inside a hidden
  // home) need their mount points created in it first. The remount is not recursive, so they stay as bound.
  const remount: string[] = [];
  for (const m of mounts) {
    switch (m.kind) {
      case "rw":
        args.push("--bind", m.path, m.path);
        break;
      case "ro":
        args.push("--ro-bind", m.path, m.path);
        break;
      case "hide-dir":
        args.push("--tmpfs", m.path);
        remount.push(m.path);
        break;
      case "hide-file":
        args.push("--ro-bind", "/dev/null", m.path);
        break;
    }
  }
  for (const p of remount) args.push("--remount-ro", p);
  args.push("--unshare-all");
  if (spec.net === true) args.push("--share-net");
  args.push("--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--die-with-parent");
  if (options.newSession !== false) args.push("--new-session");
  args.push("--clearenv");
  for (const [k, v] of Object.entries(env)) {
    if (k === "" || k.includes("=")) throw new Error(`sandbox: bad environment variable name: ${k}`);
    args.push("--setenv", k, v);
  }
  if (options.seccompFd !== undefined) args.push("--seccomp", String(options.seccompFd));
  if (options.infoFd !== undefined) args.push("--info-fd", String(options.infoFd));
  if (options.blockFd !== undefined) args.push("--block-fd", String(options.blockFd));
  args.push("--chdir", cwd, "--", ...spec.argv);
  return args;
}
