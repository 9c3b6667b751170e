// Runs one argv inside bubblewrap with a wall-clock timeout. The sandbox is spawned as its own process group;
// on timeout the whole group is SIGKILLed. bwrap's pid namespace (--unshare-all) means that when its init dies,
// the kernel kills every process in the namespace, including ones that called setsid() or ignore SIGHUP.
// The seccomp filter (seccomp.ts) is written into a pipe on the child's fd 3 and passed as `--seccomp 3`.
// Resource limits (limits.ts): prlimit runs inside the sandbox in front of the program; when a cgroup is used,
// bwrap's --info-fd/--block-fd hold the sandbox until its pid has been moved into the cgroup.
import { type StdioOptions, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { buildBwrapArgs, canonical, isUnder, resolveBlocked, type SandboxSpec } from "./bwrap-args.ts";
import {
  definedLimits,
  type LimitsReport,
  PRLIMIT_MISSING,
  prlimitArgs,
  type ResourceLimits,
  RunCgroup,
  signalHits,
  validateLimits,
} from "./limits.ts";
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
  /** Resource limits: prlimit for the program, cgroup memory/pids limits where the host allows them. */
  limits?: ResourceLimits;
  /**
   * When set, stdout/stderr of the sandboxed program are piped and each chunk is delivered here (stdio[1]/[2] of
   * `stdio` are then ignored). The promise resolves only after both streams ended.
   */
  output?: { stdout: (chunk: Buffer) => void; stderr: (chunk: Buffer) => void };
}

export interface RunResult {
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  limits: LimitsReport;
}

export class SandboxUnavailableError extends Error {
  constructor(readonly problems: string[]) {
    super(`sandbox unavailable: ${problems.join("; ")}`);
    this.name = "SandboxUnavailableError";
  }
}

function baseStdio(stdio: StdioOptions | undefined, piped: boolean): unknown[] {
  let base: unknown[];
  if (stdio === undefined) base = ["ignore", "ignore", "ignore"];
  else if (typeof stdio === "string") base = [stdio, stdio, stdio];
  else base = stdio.slice(0, 3);
  while (base.length < 3) base.push("ignore");
  if (piped) base.splice(1, 2, "pipe", "pipe");
  return base;
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

/** Why `prlimit` could not run inside this sandbox, or null: it must not be masked or hidden by the spec. */
function prlimitBlocked(prlimit: string, spec: SandboxSpec, callerEnv: NodeJS.ProcessEnv): string | null {
  const real = canonical(prlimit);
  if (real === null) return `${prlimit} cannot be resolved`;
  const path = spec.env?.PATH ?? callerEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  if (resolveBlocked(spec.blockedPrograms ?? [], path).includes(real))
    return `${real} is a blocked program; the limits are applied by running it inside the sandbox`;
  for (const h of spec.hidden ?? []) {
    const hidden = canonical(h);
    if (hidden !== null && isUnder(real, hidden))
      return `${real} is hidden by ${h}; the limits are applied by running it inside the sandbox`;
  }
  return null;
}

export function runSandboxed(spec: SandboxSpec, opts: RunOptions = {}): Promise<RunResult> {
  const probe = probeSandbox();
  if (!probe.ok || probe.bwrap === null) return Promise.reject(new SandboxUnavailableError(probe.problems));
  const callerEnv = opts.callerEnv ?? process.env;
  const limits = opts.limits ?? {};
  try {
    validateLimits(limits);
  } catch (err) {
    return Promise.reject(err);
  }
  // Checked here too: behind prlimit an empty argv would not fail in the builder, and prlimit alone exits 0.
  if (spec.argv.length === 0) return Promise.reject(new Error("sandbox: empty argv"));
  let argv = spec.argv;
  const rlimitFlags = prlimitArgs(limits);
  if (rlimitFlags.length > 0) {
    // Never run without limits that were asked for.
    if (probe.prlimit === null) return Promise.reject(new SandboxUnavailableError([PRLIMIT_MISSING]));
    const blocked = prlimitBlocked(probe.prlimit, spec, callerEnv);
    if (blocked !== null)
      return Promise.reject(new SandboxUnavailableError([`resource limits cannot be applied: ${blocked}`]));
    argv = [probe.prlimit, ...rlimitFlags, "--", ...spec.argv];
  }
  let filter: Buffer | null = null;
  if (opts.seccomp !== false) {
    filter = seccompProgram(process.arch, { allowUnixSockets: spec.allowUnixSockets === true });
    if (filter === null)
      return Promise.reject(
        new SandboxUnavailableError([
          `no seccomp filter for ${process.arch}; pass seccomp: false (degraded)`,
        ]),
      );
  }
  const report: LimitsReport = { rlimits: definedLimits(limits), cgroup: null };
  const problems: string[] = [];
  const made = RunCgroup.create(limits);
  const cgroup = made.cgroup;
  if (made.problem !== undefined) problems.push(made.problem);

  const output = opts.output;
  const stdio = baseStdio(opts.stdio, output !== undefined);
  const fds: { seccompFd?: number; infoFd?: number; blockFd?: number } = {};
  if (filter) {
    fds.seccompFd = stdio.length;
    stdio.push("pipe");
  }
  if (cgroup) {
    fds.infoFd = stdio.length;
    stdio.push("pipe");
    fds.blockFd = stdio.length;
    stdio.push("pipe");
  }
  let args: string[];
  try {
    args = buildBwrapArgs({ ...spec, argv }, callerEnv, fds);
  } catch (err) {
    cgroup?.disposeEmpty();
    return Promise.reject(err);
  }
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
    } catch (err) {
      cgroup?.disposeEmpty();
      throw err;
    } finally {
      if (devnull >= 0) closeSync(devnull);
    }
    if (fds.seccompFd !== undefined) {
      const pipe = child.stdio[fds.seccompFd] as Writable | null;
      pipe?.on("error", () => {}); // bwrap exiting early surfaces as its exit status
      pipe?.end(filter);
    }
    if (cgroup && fds.infoFd !== undefined && fds.blockFd !== undefined) {
      // The gate: bwrap's child (the sandbox's init, not yet forked the program) waits on the block fd while
      // its pid is moved into the cgroup; everything it forks afterwards is born inside.
      const info = child.stdio[fds.infoFd] as Readable | null;
      const gate = child.stdio[fds.blockFd] as Writable | null;
      gate?.on("error", () => {});
      if (!info) gate?.end("x");
      const chunks: Buffer[] = [];
      info?.on("data", (c: Buffer) => chunks.push(c));
      info?.once("close", () => {
        const m = /"child-pid"\s*:\s*(\d+)/.exec(Buffer.concat(chunks).toString("utf8"));
        if (m) {
          const problem = cgroup.enter(Number(m[1]));
          if (problem !== undefined) problems.push(problem);
        }
        // Without a child-pid bwrap failed before cloning; releasing the gate then only lets it exit.
        gate?.end("x");
      });
    }
    // The result waits for the exit and for both output streams to end, in whichever order they come.
    let pending = output ? 3 : 1;
    let result: RunResult | undefined;
    const settle = (): void => {
      if (--pending === 0 && result) resolvePromise(result);
    };
    if (output) {
      for (const [stream, deliver] of [
        [child.stdout, output.stdout],
        [child.stderr, output.stderr],
      ] as const) {
        if (stream === null) {
          settle();
          continue;
        }
        stream.on("data", (chunk: Buffer) => deliver(chunk));
        stream.once("close", settle);
      }
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
      killGroup();
      if (cgroup) void cgroup.destroy().finally(() => reject(err));
      else reject(err);
    });
    child.once("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      const durationMs = performance.now() - start;
      // Anything left in the group (there should be nothing outside the pid namespace) goes too.
      killGroup();
      // Counters are read before the cgroup goes; leftovers (there should be none) are killed with it.
      const stats = cgroup && cgroup.controllers.length > 0 ? cgroup.stats() : undefined;
      const finish = (): void => {
        const hit = signalHits(limits, code, signal);
        if (cgroup && stats) {
          report.cgroup = cgroup.version;
          if (stats.memoryPeakBytes !== undefined) report.memoryPeakBytes = stats.memoryPeakBytes;
          hit.push(...stats.hit);
        }
        if (hit.length > 0) report.hit = hit;
        if (
          limits.processes !== undefined &&
          !cgroup?.controllers.includes("pids") &&
          process.getuid?.() === 0
        )
          problems.push(
            "the processes limit is not enforced: uid 0 is exempt from RLIMIT_NPROC and there is no pids cgroup",
          );
        if (problems.length > 0) report.cgroupProblem = problems.join("; ");
        result = { exit: code, signal, timedOut, durationMs, limits: report };
        settle();
      };
      if (!cgroup) return finish();
      void cgroup.destroy().then((problem) => {
        if (problem !== undefined) problems.push(problem);
        finish();
      });
    });
  });
}
