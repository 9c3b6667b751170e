// `warden run -- AGENT ARGS…`: a whole agent CLI and everything it starts inside one kernel-enforced boundary.
//
// The boundary is planned like `warden exec`'s sandbox (plan.ts: the same PathPermissions, secrets, guard
// paths and Warden's own dirs), with what an interactive agent needs on top:
//   - the agents' own state dirs in HOME writable (~/.claude, ~/.gemini, ~/.codex, …), their settings and
//     hooks inside still read-only;
//   - the network shared unless the policy says `sandbox.session.network: false` (or `--no-net`);
//   - the caller's environment (API keys, TERM…) minus variables naming host sockets;
//   - the terminal kept (no setsid; TIOCSTI/TIOCLINUX refused by seccomp instead), stdio inherited;
//   - AF_UNIX allowed, but the daemon's socket is the only host socket left visible (bwrap: every socket
//     found under /run, /var/run, $XDG_RUNTIME_DIR, /var/tmp and the top of HOME is masked, /tmp is private;
//     with the network shared, Landlock scopes abstract sockets where the kernel can);
//   - blocked programs resolved in every PATH dir and the common bin dirs, masked (bwrap) or neither
//     executable nor readable (Landlock, landlock.ts).
// Mechanism: bwrap where it can create user namespaces, else Landlock (or as chosen); neither → refuse.
// The session is recorded as a `start` and an `end` event (exit, signal, duration, files changed in the
// workspace), to the daemon when one runs (which `warden run` starts when none does: inside, the state dir
// is read-only, so hooks need it), else the local log.
import { randomUUID } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, delimiter, join, resolve } from "node:path";
import { call, DaemonUnreachable } from "../daemon/client.ts";
import { envDaemonMode, socketPath } from "../daemon/paths.ts";
import { blockedPrograms, decideFacts } from "../policy/index.ts";
import type { LoadedPolicy } from "../policy/load.ts";
import { buildBwrapArgs, canonical, isUnder, resolveBlocked, type SandboxSpec } from "./bwrap-args.ts";
import { diffSnapshots, snapshotWorkspace, type WorkspaceChanges } from "./changes.ts";
import { type LandlockProbe, planLandlock, probeLandlock, scopeOnly } from "./landlock.ts";
import { openRunLog, type RunLog } from "./launch.ts";
import { planSandbox } from "./plan.ts";
import { findOnPath, probeSandbox } from "./probe.ts";
import { seccompProgram } from "./seccomp.ts";
import { removeSessionRecord, SESSION_ENV, startTime, writeSessionRecord } from "./session-record.ts";
import { pipeFds, spawnFromWorker, type WorkerEvent } from "./session-worker.ts";

export type SessionMechanism = "bwrap" | "landlock";

/** Exit statuses of Warden's own outcomes (as `warden exec`); anything else is the agent's. */
export const RUN_EXIT = { wardenError: 125, cannotExecute: 126, notFound: 127 } as const;

/** Agent CLIs by program name → the agent name policies select profiles by (the hooks' names). */
const AGENT_NAMES: Record<string, string> = { claude: "claude-code", gemini: "gemini-cli", codex: "codex" };

/** Where programs live besides PATH: a blocked program is masked in each of these too. */
export const COMMON_BIN_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
  "/snap/bin",
  "/usr/games",
  "/opt/homebrew/bin",
];

/** The agents' own state in HOME: writable in a session (their settings and hooks inside stay read-only). */
export const AGENT_STATE = [
  ".claude",
  ".claude.json",
  ".claude.json.backup",
  ".gemini",
  ".codex",
  ".cache",
  ".npm",
];

/** Variables that name host sockets the session cannot reach anyway. */
const HOST_SOCKET_ENV = ["SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "GPG_AGENT_INFO"];

export interface SessionInput {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  policy: LoadedPolicy;
  profile?: string | undefined;
  mechanism: "auto" | SessionMechanism;
  /** `--net` / `--no-net`; default the policy's `sandbox.session.network`. */
  net?: boolean | undefined;
  say: (line: string) => void;
}

/** Blocked program names → every existing file they resolve to in PATH and the common bin dirs (canonical). */
export function blockedFiles(names: readonly string[], env: NodeJS.ProcessEnv, home: string): string[] {
  const dirs = [
    ...(env.PATH ?? "").split(delimiter),
    ...COMMON_BIN_DIRS,
    join(home, ".local", "bin"),
    join(home, "bin"),
  ];
  return resolveBlocked([...names], [...new Set(dirs.filter((d) => d !== ""))].join(delimiter)).sort();
}

/**
 * Socket files under `roots` (each to its depth), bounded: the bwrap session masks them all but the daemon's.
 * Directories the plan hides already are not entered.
 */
export function findSockets(
  roots: readonly { dir: string; depth: number }[],
  skip: readonly string[],
  budget = 20_000,
): { sockets: string[]; truncated: boolean } {
  const found = new Set<string>();
  const seen = new Set<string>();
  let left = budget;
  let truncated = false;
  const walk = (dir: string, depth: number): void => {
    if (skip.some((s) => isUnder(dir, s))) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (--left < 0) {
        truncated = true;
        return;
      }
      const p = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSocket()) found.add(p);
      else if (st.isDirectory() && depth > 1) walk(p, depth - 1);
    }
  };
  for (const r of roots) {
    const real = canonical(r.dir);
    if (real === null || seen.has(real)) continue;
    seen.add(real);
    walk(real, r.depth);
  }
  return { sockets: [...found].sort(), truncated };
}

function shellQuote(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};
const FORWARDED = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR2"] as const;

async function daemonAnswers(socket: string): Promise<boolean> {
  try {
    return (await call(socket, "/v1/health", { timeoutMs: 2_000 })).status === 200;
  } catch (err) {
    if (err instanceof DaemonUnreachable) return false;
    return false;
  }
}

/** The daemon's socket when one answers (started here when none does, unless WARDEN_DAEMON=off). */
async function ensureDaemon(env: NodeJS.ProcessEnv, say: (l: string) => void): Promise<string | null> {
  const socket = socketPath(env);
  if (await daemonAnswers(socket)) return socket;
  const hooksWarning =
    "hooks inside the session cannot record or decide in-process there (Warden's state is read-only inside)";
  if (envDaemonMode(env) === "off") {
    say(`warden: note: no daemon at ${socket} (WARDEN_DAEMON=off): ${hooksWarning}`);
    return null;
  }
  const { startDaemon } = await import("../daemon/start.ts");
  startDaemon(env);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (await daemonAnswers(socket)) {
      say(`warden: started the Warden daemon at ${socket} for the session's hooks`);
      return socket;
    }
  }
  say(`warden: warning: no daemon answers at ${socket} and none could be started: ${hooksWarning}`);
  return null;
}

interface Chosen {
  mechanism: SessionMechanism;
  /** The Landlock probe, when Landlock is the mechanism. */
  landlock?: LandlockProbe;
}

async function choose(input: SessionInput): Promise<Chosen | { refused: string }> {
  const want = input.mechanism;
  const bwrap = want === "landlock" ? null : probeSandbox();
  if (bwrap?.ok) return { mechanism: "bwrap" };
  // koffi is loaded only from here on (and for a bwrap session's scope, below).
  const landlock = want === "bwrap" ? null : await probeLandlock();
  if (landlock && landlock.abi >= 1) return { mechanism: "landlock", landlock };
  const bw = bwrap ? bwrap.problems.join("; ") : "";
  const ll = landlock?.problem ?? `Landlock ABI ${landlock?.abi ?? 0}`;
  if (want === "bwrap") return { refused: `cannot confine the session with bwrap: ${bw}` };
  if (want === "landlock") return { refused: `cannot confine the session with Landlock: ${ll}` };
  return {
    refused: `cannot confine the session: neither bubblewrap (${bw}) nor Landlock (${ll}) is available; refusing to start it unconfined`,
  };
}

/** The caller's environment for the agent, minus host sockets, plus the session's own variables. */
function sessionEnv(env: NodeJS.ProcessEnv, id: string, socket: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !HOST_SOCKET_ENV.includes(k)) out[k] = v;
  out[SESSION_ENV] = id;
  if (socket !== null) out.WARDEN_SOCKET = socket;
  return out;
}

export async function runSession(input: SessionInput): Promise<number> {
  const say = input.say;
  const env = input.env;
  if (input.argv.length === 0) throw new Error("run: no agent command given");
  const user = env.USER ?? userInfo().username;
  const program = basename(input.argv[0]!);
  const agent = AGENT_NAMES[program] ?? program;
  const profile = input.policy.selectProfile({ explicit: input.profile, user, agent });
  const effective = input.policy.effective(profile);
  const facts = decideFacts(
    { cwd: input.cwd, env: env as Record<string, string>, user },
    effective.paths.workspace,
  );

  // Found before anything starts (execvp would say EACCES, not ENOENT, past a PATH dir it may not search).
  const first = input.argv[0]!;
  if (
    first.includes("/")
      ? canonical(resolve(input.cwd, first)) === null
      : findOnPath(first, env.PATH ?? "") === null
  ) {
    say(`warden: run: ${first}: command not found`);
    return RUN_EXIT.notFound;
  }
  const chosen = await choose(input);
  if ("refused" in chosen) {
    say(`warden: run: ${chosen.refused}`);
    return RUN_EXIT.wardenError;
  }
  const id = randomUUID();
  const socket = await ensureDaemon(env, say);
  const net = input.net ?? effective.sandbox.sessionNetwork;
  const names = blockedPrograms(input.policy, { user, agent, profile: input.profile });
  const blocked = blockedFiles(names, env, facts.home);
  const agentState = AGENT_STATE.map((rel) => join(facts.home, rel)).filter((p) => canonical(p) !== null);

  let before: ReturnType<typeof snapshotWorkspace>;
  try {
    before = snapshotWorkspace(facts.workspace);
  } catch (e) {
    say(`warden: run: cannot read the workspace ${facts.workspace}: ${(e as Error).message}`);
    return RUN_EXIT.wardenError;
  }
  let plan: ReturnType<typeof planSandbox>;
  try {
    plan = planSandbox({
      policy: effective,
      cwd: facts.cwd,
      workspace: facts.workspace,
      home: facts.home,
      argv: input.argv,
      env,
      blocked,
      net,
      entries: before.paths(),
      entriesTruncated: before.truncated,
      writable: agentState,
    });
  } catch (err) {
    say(`warden: run: ${(err as Error).message}`);
    return RUN_EXIT.wardenError;
  }
  const spec = plan.spec;
  const notes = [...plan.notes];
  // Recorded, not printed on every start: what the session never does.
  const quiet = new Set([
    "resource limits and the timeout of `warden exec` do not apply to a session",
    "host sockets outside /run, /var/run, $XDG_RUNTIME_DIR, /var/tmp and the top of HOME are not searched",
  ]);
  notes.push(...quiet);
  const agentEnv = sessionEnv(env, id, socket);
  const daemonSocket = socket !== null ? canonical(socket) : null;

  const details: Record<string, unknown> = {
    mechanism: chosen.mechanism,
    net,
    blocked: names,
    blocked_files: blocked,
    writable: spec.writable,
    read_only: spec.readOnly,
    hidden: spec.hidden,
    socket: daemonSocket,
    profile,
  };
  let label: string;
  let landlockSpec: ReturnType<typeof planLandlock>["spec"] | null = null;
  let bwrapScope: ReturnType<typeof scopeOnly> = null;
  if (chosen.mechanism === "bwrap") {
    spec.env = agentEnv;
    spec.allowUnixSockets = true;
    const found = findSockets(
      [
        { dir: "/run", depth: 6 },
        { dir: "/var/run", depth: 6 },
        ...(env.XDG_RUNTIME_DIR ? [{ dir: env.XDG_RUNTIME_DIR, depth: 6 }] : []),
        { dir: "/var/tmp", depth: 3 },
        { dir: facts.home, depth: 4 },
      ],
      [...(spec.hidden ?? []), facts.workspace, "/tmp", "/proc", "/sys", "/dev"],
    );
    const masked = found.sockets.filter((s) => s !== daemonSocket);
    spec.hidden = [...(spec.hidden ?? []), ...masked];
    if (daemonSocket !== null) spec.readOnly = [...(spec.readOnly ?? []), daemonSocket];
    if (found.truncated) notes.push("the search for host sockets to mask stopped early");
    notes.push(
      "host sockets outside /run, /var/run, $XDG_RUNTIME_DIR, /var/tmp and the top of HOME are not searched",
    );
    details.sockets_masked = masked;
    // With the host network shared, abstract Unix sockets would be reachable: scope them (Landlock ≥ 6).
    // Not for a setuid bwrap, which no_new_privs would stop from using its privileges.
    const setuid = ((statSync(probeSandbox().bwrap!).mode ?? 0) & 0o4000) !== 0;
    bwrapScope = net && !setuid ? scopeOnly((await probeLandlock()).abi) : null;
    if (net && bwrapScope === null)
      notes.push("abstract Unix sockets of the host are reachable (network shared)");
    label = "session:bwrap";
  } else {
    const ll = planLandlock({
      abi: chosen.landlock!.abi,
      workspace: facts.workspace,
      writable: [...(spec.writable ?? [])],
      readOnly: spec.readOnly ?? [],
      hidden: spec.hidden ?? [],
      blocked,
      net,
    });
    landlockSpec = ll.spec;
    notes.push(...ll.notes);
    details.landlock = { abi: ll.spec.abi, rules: ll.spec.rules.length };
    label = `session:landlock (ABI ${ll.spec.abi})`;
  }
  details.notes = notes;
  for (const n of notes) if (!quiet.has(n)) say(`warden: note: ${n}`);

  const base = {
    request_id: id,
    user,
    cwd: facts.cwd,
    command: shellQuote(input.argv),
    agent: { name: agent, session: id },
  };
  const record = async (event: Parameters<RunLog["append"]>[0]): Promise<void> => {
    const log = await openRunLog(env, effective.audit.required, (l) => say(`warden: ${l}`));
    try {
      await log?.append(event);
    } finally {
      await log?.close().catch(() => {});
    }
  };
  try {
    await record({ type: "start", ...base, argv: input.argv, sandbox: label, details });
  } catch (err) {
    say(`warden: run: cannot record the session, refusing to start it: ${(err as Error).message}`);
    return RUN_EXIT.wardenError;
  }

  const started = performance.now();
  let outcome: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let problem: string | undefined;
  let exitCode: number;
  let target: () => number | null = () => null;
  const stdinTty = process.stdin.isTTY === true;
  const handlers = new Map<string, () => void>();
  for (const sig of FORWARDED) {
    const h = (): void => {
      // From the terminal, the agent (in Warden's process group) got it already.
      if ((sig === "SIGINT" || sig === "SIGQUIT") && stdinTty) return;
      const pid = target();
      if (pid !== null)
        try {
          process.kill(pid, sig);
        } catch {}
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  try {
    if (chosen.mechanism === "bwrap") {
      const probe = probeSandbox();
      const pipes = ["seccomp", "info", "block"] as const;
      const fds = pipeFds(pipes);
      const args = buildBwrapArgs(spec as SandboxSpec, agentEnv, {
        seccompFd: fds.seccomp!,
        infoFd: fds.info!,
        blockFd: fds.block!,
        newSession: false,
      });
      const filter = seccompProgram(process.arch, { allowUnixSockets: true, denyTerminalInjection: true });
      if (filter === null) throw new Error(`no seccomp filter for ${process.arch}`);
      let init: number | null = null;
      target = () => (init === null ? null : (readChildren(init)[0] ?? null));
      const session = spawnFromWorker(
        {
          argv: [probe.bwrap!, ...args],
          cwd: "/",
          env: {},
          landlock: bwrapScope,
          bwrapSeccomp: filter,
          pipes: [...pipes],
        },
        (ev: WorkerEvent) => {
          if (ev.type !== "info") return;
          const m = /"child-pid"\s*:\s*(\d+)/.exec(ev.text);
          const ns = /"pid-namespace"\s*:\s*(\d+)/.exec(ev.text);
          if (m) init = Number(m[1]);
          if (ns)
            writeSessionRecord(
              {
                id,
                mechanism: "bwrap",
                pidns: Number(ns[1]),
                recorder: process.pid,
                started: new Date().toISOString(),
              },
              env,
            );
          session.release();
        },
      );
      outcome = await session.done;
    } else {
      const filter = seccompProgram(process.arch, {
        allowUnixSockets: true,
        denyTerminalInjection: true,
        allowIoUring: true,
      });
      let pid: number | null = null;
      target = () => pid;
      const session = spawnFromWorker(
        { argv: input.argv, cwd: facts.cwd, env: agentEnv, landlock: landlockSpec, seccompSelf: filter },
        (ev) => {
          if (ev.type === "restricted" && ev.skipped > 0)
            notes.push(`${ev.skipped} Landlock grants could not be added (paths gone): denied instead`);
          if (ev.type !== "spawn") return;
          pid = ev.pid;
          const start = startTime(ev.pid);
          if (start !== null)
            writeSessionRecord(
              {
                id,
                mechanism: "landlock",
                pid,
                start,
                recorder: process.pid,
                started: new Date().toISOString(),
              },
              env,
            );
        },
      );
      outcome = await session.done;
    }
    exitCode = outcome.code ?? 128 + (SIGNAL_NUMBERS[outcome.signal ?? ""] ?? 1);
  } catch (err) {
    const e = err as Error & { stage?: string; code?: string };
    if (e.stage === "spawn" && e.code === "ENOENT") {
      problem = `${input.argv[0]}: command not found`;
      exitCode = RUN_EXIT.notFound;
    } else if (e.stage === "spawn" && e.code === "EACCES") {
      problem = `${input.argv[0]}: permission denied (a blocked program cannot run in the session)`;
      exitCode = RUN_EXIT.cannotExecute;
    } else {
      problem = `could not start the session: ${e.message}`;
      exitCode = RUN_EXIT.wardenError;
    }
    say(`warden: run: ${problem}`);
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    removeSessionRecord(id, env);
  }
  const durationMs = performance.now() - started;

  let changes: WorkspaceChanges | undefined;
  try {
    changes = diffSnapshots(before, snapshotWorkspace(facts.workspace));
  } catch {}
  try {
    await record({
      type: "end",
      ...base,
      exit: outcome?.code ?? null,
      signal: outcome?.signal ?? null,
      duration_ms: Math.round(durationMs),
      sandbox: problem && !outcome ? "failed" : label,
      ...(changes
        ? {
            files_changed: [
              ...changes.created.map((path) => ({ path, change: "created" })),
              ...changes.modified.map((path) => ({ path, change: "modified" })),
              ...changes.deleted.map((path) => ({ path, change: "deleted" })),
            ].slice(0, 200),
          }
        : {}),
      details: {
        ...(changes ? { changes: { ...changes.counts, truncated: changes.truncated } } : {}),
        ...(problem ? { problem } : {}),
        exit_status: exitCode,
      },
    });
  } catch (err) {
    say(`warden: run: warning: the end of the session could not be recorded: ${(err as Error).message}`);
  }
  return exitCode;
}

/** The children of a process (the agent is the one child of bwrap's init in the session's pid namespace). */
function readChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
