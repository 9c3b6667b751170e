// Runs one argv inside bubblewrap with a wall-clock timeout. The sandbox is spawned as its own process group;
// on timeout the whole group is SIGKILLed. bwrap's pid namespace (--unshare-all) means that when its init dies,
// the kernel kills every process in the namespace, including ones that called setsid() or ignore SIGHUP.
// The seccomp filter (seccomp.ts) is written into a pipe on the child's fd 3 and passed as `--seccomp 3`.
import { type StdioOptions, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { buildBwrapArgs, type SandboxSpec } from "./bwrap-args.ts";
import { probeSandbox } from "./probe.ts";
import { seccompProgram } from "./seccomp.ts";

export interface RunOptions {
  timeoutMs?: number;
  /** stdin/stdout/stderr of the sandboxed program (default: all ignored). */
  stdio?: StdioOptions;
  /** Caller environment the PATH/HOME/LANG/TERM/USER allowlist is read from (default process.env). */
  callerEnv?: NodeJS.ProcessEnv;
  /** Install the seccomp filter (default true). false is degraded mode; the caller must record it. */
  seccomp?: boolean;
}

export interface RunResult {
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

export class SandboxUnavailableError extends Error {
  constructor(readonly problems: string[]) {
    super(`sandbox unavailable: ${problems.join("; ")}`);
    this.name = "SandboxUnavailableError";
  }
}

const SECCOMP_FD = 3;

function baseStdio(stdio: StdioOptions | undefined): StdioOptions {
  if (stdio === undefined) return ["ignore", "ignore", "ignore"];
  if (typeof stdio === "string") return [stdio, stdio, stdio];
  return stdio.slice(0, 3);
}

const O_CLOEXEC = 0o2000000;

/**
 * File descriptors ≥ 3 open in this process without O_CLOEXEC. A child inherits them, and bwrap passes them on
 * into the sandbox: a leaked directory fd would allow openat() outside every mount, a pipe would reach whatever
 * holds its other end. Each one is overwritten with /dev/null in the child.
 */
export function leakableFds(): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc/self/fdinfo");
  } catch {
    return out;
  }
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    try {
      const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${name}`, "utf8"));
      if (m && (Number.parseInt(m[1]!, 8) & O_CLOEXEC) === 0) out.push(fd);
    } catch {
      // closed meanwhile (e.g. the fd readdir itself used)
    }
  }
  return out.sort((a, b) => a - b);
}

export function runSandboxed(spec: SandboxSpec, opts: RunOptions = {}): Promise<RunResult> {
  const probe = probeSandbox();
  if (!probe.ok || probe.bwrap === null) return Promise.reject(new SandboxUnavailableError(probe.problems));
  let filter: Buffer | null = null;
  if (opts.seccomp !== false) {
    filter = seccompProgram();
    if (filter === null)
      return Promise.reject(
        new SandboxUnavailableError([
          `no seccomp filter for ${process.arch}; pass seccomp: false (degraded)`,
        ]),
      );
  }
  let args: string[];
  try {
    args = buildBwrapArgs(spec, opts.callerEnv ?? process.env, filter ? { seccompFd: SECCOMP_FD } : {});
  } catch (err) {
    return Promise.reject(err);
  }
  const stdio = baseStdio(opts.stdio) as unknown[];
  if (filter) stdio.push("pipe");
  const leaks = leakableFds();
  const devnull = leaks.length > 0 ? openSync("/dev/null", "r") : -1;
  for (const fd of leaks) {
    while (stdio.length < fd) stdio.push("ignore");
    if (fd >= stdio.length) stdio.push(devnull);
  }
  const start = performance.now();
  return new Promise((resolvePromise, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(probe.bwrap as string, args, {
        detached: true,
        stdio: stdio as StdioOptions,
        env: {}, // bwrap itself needs nothing; --setenv supplies the sandbox's environment
      });
    } finally {
      if (devnull >= 0) closeSync(devnull);
    }
    if (filter) {
      const pipe = child.stdio[SECCOMP_FD] as Writable | null;
      pipe?.on("error", () => {}); // bwrap exiting early surfaces as its exit status
      pipe?.end(filter);
    }
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // group already gone
      }
    };
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, opts.timeoutMs);
    }
    child.once("error", (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      // Anything left in the group (there should be nothing outside the pid namespace) goes too.
      killGroup();
      resolvePromise({ exit: code, signal, timedOut, durationMs: performance.now() - start });
    });
  });
}
