// Runs one decided command and records how it went: the `start` event (confinement, mounts, limits), the run
// itself — in bubblewrap as the policy plans it, or unconfined only by the user's or the policy's explicit
// choice — and the `end` event (exit, signal, duration, output digests, workspace changes, limits hit).
// Shared by `warden exec`, the MCP server's run_command and `warden verify`; the decision is theirs.
import { type StdioOptions, spawn } from "node:child_process";
import { defaultAuditDir, defaultKeyDir, open as openAudit } from "../audit/log.ts";
import type { AuditEvent, FileChange, Mode } from "../audit/record.ts";
import type { EffectivePolicy } from "../policy/compile.ts";
import type { Verdict } from "../types.ts";
import { DEFAULT_MAX_PATHS, diffSnapshots, snapshotWorkspace, type WorkspaceChanges } from "./changes.ts";
import type { LimitsReport } from "./limits.ts";
import { type OutputDigest, OutputTap } from "./output.ts";
import { planSandbox } from "./plan.ts";
import { probeSandbox } from "./probe.ts";
import { runSandboxed } from "./run.ts";
import { currentSession } from "./session-record.ts";

export type SandboxChoice = "auto" | "on" | "off";

export interface LaunchInput {
  /** Correlates start/end with the request and decision events. */
  requestId: string;
  /** What was analysed (recorded); `argv` is what runs. */
  command: string;
  argv: string[];
  /** Physically resolved cwd, workspace and home (decideFacts). */
  cwd: string;
  workspace: string;
  home: string;
  /** The caller's environment: the sandbox takes its allowlist from it; an unconfined run gets all of it. */
  env: NodeJS.ProcessEnv;
  user: string;
  agent?: { name: string; session?: string };
  policy: EffectivePolicy;
  /** Programs masked inside the sandbox. */
  blocked: string[];
  sandbox: SandboxChoice;
  /** `--net` for this run (the policy's `sandbox.network` also grants it). */
  net: boolean;
  /** Files a human approved this command to touch: not hidden inside (see planSandbox). */
  reveal?: readonly string[];
  /** Wall-clock limit; default the policy's `sandbox.timeout`. */
  timeoutMs?: number | undefined;
  /** The verdict's mode; the log marks every `yolo` event high-risk. */
  mode?: Mode;
  stdin: "inherit" | "ignore";
  /** Where the output goes live (a terminal); without sinks it is only digested (and captured). */
  sinks?: { stdout: (chunk: Buffer) => void; stderr: (chunk: Buffer) => void };
  /** Keep up to this many bytes of each stream for the caller (MCP returns it to the agent). */
  captureBytes?: number;
  /** The open audit log; null only when the policy says `audit.required: false` and it could not be opened. */
  log: RunLog | null;
  /** Messages for the user (stderr of `warden exec`). */
  say: (line: string) => void;
}

export interface LaunchResult {
  /** `refused`: nothing ran (sandbox unavailable, bad plan); `failed`: it could not be started. */
  status: "ran" | "refused" | "failed";
  /** Why it was refused or failed. */
  problem?: string;
  /** `session`: inside a verified `warden run` session, within its boundary (no sandbox of its own). */
  confinement: "bwrap" | "off" | "session";
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdout?: OutputDigest;
  stderr?: OutputDigest;
  captured?: { stdout: string; stderr: string; truncated: boolean };
  changes?: WorkspaceChanges;
  limits?: LimitsReport;
}

/** Where a run's events go: the audit log itself, or the daemon that owns it (src/daemon/run-log.ts). */
export interface RunLog {
  append(event: AuditEvent): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The audit log for a run: the daemon's when one answers (a client never writes the log beside a running
 * daemon), else the log itself, signed at close (the writer goes idle when the run ends, see
 * docs/security.md). When it cannot be opened, a policy that requires it (the default) refuses: this
 * throws. Under `audit.required: false` the failure goes to `warn` and the run goes on unrecorded (null).
 */
export async function openRunLog(
  env: NodeJS.ProcessEnv,
  required: boolean,
  warn: (line: string) => void,
): Promise<RunLog | null> {
  try {
    const { daemonRunLog } = await import("../daemon/run-log.ts");
    const remote = await daemonRunLog(env);
    if (remote) return remote;
    return await openAudit(defaultAuditDir(env), { keyDir: defaultKeyDir(env), checkpointOnClose: true });
  } catch (err) {
    const why = (err as Error).message;
    if (required) throw new Error(`cannot open the audit log, refusing to run: ${why}`);
    warn(`warning: cannot open the audit log (${why}); running unrecorded (audit.required: false)`);
    return null;
  }
}

/** The paths shown with the findings a human approved: the sandbox does not hide them for that run. */
export function approvedPaths(verdict: Pick<Verdict, "findings" | "risk">): string[] {
  return [...new Set(verdict.findings.filter((f) => f.risk === verdict.risk).flatMap((f) => f.paths ?? []))];
}

/** How many changed paths an `end` event lists (the counts are always exact). */
const MAX_FILES_LISTED = 200;

interface Confinement {
  kind: "bwrap" | "off" | "session";
  /** How the audit log names it. */
  label: string;
}

/** bwrap when possible; unconfined only when the user said `--sandbox=off` or the policy allows it. */
function chooseConfinement(input: LaunchInput): Confinement | { refused: string } {
  if (input.sandbox === "off") return { kind: "off", label: "off (--sandbox=off)" };
  const probe = probeSandbox();
  if (probe.ok) return { kind: "bwrap", label: "bwrap" };
  // Inside a `warden run` session no sandbox of its own can be built (no nested user namespaces, no mounts
  // under Landlock); the command then runs within the session's boundary, when the kernel proves it is in
  // one (session-record.ts), never on the word of an environment variable.
  const session = currentSession(input.env);
  if (session) return { kind: "session", label: `session ${session.id} (${session.mechanism})` };
  const why = probe.problems.join("; ");
  if (input.sandbox === "auto" && input.policy.sandbox.unavailable === "unconfined") {
    input.say(
      `warden: warning: the sandbox is unavailable (${why}); running unconfined as the policy allows`,
    );
    return { kind: "off", label: "off (sandbox unavailable; policy sandbox.unavailable: unconfined)" };
  }
  return {
    refused:
      `the sandbox is unavailable, refusing to run unconfined: ${why}. Fix the above, or run with ` +
      "--sandbox=off to accept an unconfined run (recorded)",
  };
}

export async function launch(input: LaunchInput): Promise<LaunchResult> {
  const base = {
    request_id: input.requestId,
    user: input.user,
    cwd: input.cwd,
    command: input.command,
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.agent ? { agent: input.agent } : {}),
  };
  const append = async (event: AuditEvent): Promise<void> => {
    if (input.log) await input.log.append(event);
  };
  const result: LaunchResult = {
    status: "refused",
    confinement: "off",
    exit: null,
    signal: null,
    timedOut: false,
    durationMs: 0,
  };
  const refuse = async (problem: string): Promise<LaunchResult> => {
    await append({
      type: "end",
      ...base,
      exit: null,
      signal: null,
      sandbox: "refused",
      details: { problem },
    });
    input.say(`warden: ${problem}`);
    return { ...result, problem };
  };

  const chosen = chooseConfinement(input);
  if ("refused" in chosen) return refuse(chosen.refused);
  result.confinement = chosen.kind;

  let before: ReturnType<typeof snapshotWorkspace>;
  try {
    before = snapshotWorkspace(input.workspace);
  } catch (e) {
    return refuse(`cannot read the workspace ${input.workspace}: ${(e as Error).message}`);
  }
  let plan: ReturnType<typeof planSandbox> | null = null;
  if (chosen.kind === "bwrap") {
    try {
      plan = planSandbox({
        policy: input.policy,
        cwd: input.cwd,
        workspace: input.workspace,
        home: input.home,
        argv: input.argv,
        env: input.env,
        blocked: input.blocked,
        net: input.net,
        entries: before.paths(),
        entriesTruncated: before.truncated,
        ...(input.reveal ? { reveal: input.reveal } : {}),
      });
    } catch (err) {
      return refuse((err as Error).message);
    }
    for (const note of plan.notes) input.say(`warden: note: ${note}`);
  }
  const timeoutMs = input.timeoutMs ?? plan?.timeoutMs ?? input.policy.sandbox.timeoutMs;
  await append({
    type: "start",
    ...base,
    argv: input.argv,
    sandbox: chosen.label,
    details: {
      ...(plan
        ? {
            net: plan.spec.net === true,
            writable: plan.spec.writable,
            read_only: plan.spec.readOnly,
            hidden: plan.spec.hidden,
            blocked: plan.spec.blockedPrograms,
            ...(input.reveal?.length ? { revealed: input.reveal } : {}),
            limits: plan.limits,
            notes: plan.notes,
          }
        : {}),
      ...(timeoutMs !== undefined ? { timeout_ms: timeoutMs } : {}),
    },
  });

  const capture = input.captureBytes !== undefined ? { captureBytes: input.captureBytes } : {};
  const out = new OutputTap({ ...(input.sinks ? { sink: input.sinks.stdout } : {}), ...capture });
  const err = new OutputTap({ ...(input.sinks ? { sink: input.sinks.stderr } : {}), ...capture });
  const output = { stdout: (c: Buffer) => out.write(c), stderr: (c: Buffer) => err.write(c) };
  try {
    if (plan) {
      const r = await runSandboxed(plan.spec, {
        stdio: [input.stdin, "pipe", "pipe"],
        output,
        callerEnv: input.env,
        limits: plan.limits,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      Object.assign(result, {
        exit: r.exit,
        signal: r.signal,
        timedOut: r.timedOut,
        durationMs: r.durationMs,
      });
      result.limits = r.limits;
    } else {
      const r = await runUnconfined(input.argv, input.cwd, input.env, input.stdin, output, timeoutMs);
      Object.assign(result, r);
    }
    result.status = "ran";
  } catch (e) {
    result.status = "failed";
    result.problem = `could not run the command: ${(e as Error).message}`;
    input.say(`warden: ${result.problem}`);
  }
  result.stdout = out.digest();
  result.stderr = err.digest();
  if (input.captureBytes !== undefined) {
    const o = out.captured();
    const e = err.captured();
    result.captured = { stdout: o.text, stderr: e.text, truncated: o.truncated || e.truncated };
  }
  try {
    result.changes = diffSnapshots(before, snapshotWorkspace(input.workspace));
  } catch (e) {
    // The command removed or replaced the workspace itself: everything in it is gone or unreadable.
    const gone = before.paths();
    result.changes = {
      created: [],
      modified: [],
      deleted: gone.slice(0, DEFAULT_MAX_PATHS),
      counts: { created: 0, modified: 0, deleted: gone.length },
      truncated: true,
      unscanned: [{ path: "./", reason: "unreadable" }],
    };
    input.say(`warden: note: the workspace could not be read after the run: ${(e as Error).message}`);
  }
  await append({
    type: "end",
    ...base,
    exit: result.exit,
    signal: result.signal,
    duration_ms: Math.round(result.durationMs),
    sandbox:
      result.status === "failed" ? "failed" : result.timedOut ? `${chosen.label} (timed out)` : chosen.label,
    stdout: result.stdout,
    stderr: result.stderr,
    files_changed: filesChanged(result.changes),
    details: {
      changes: {
        ...result.changes.counts,
        truncated: result.changes.truncated,
        ...(result.changes.unscanned ? { unscanned: result.changes.unscanned } : {}),
      },
      ...(result.limits ? { limits: result.limits } : {}),
      ...(result.problem ? { problem: result.problem } : {}),
    },
  });
  if (result.timedOut)
    input.say(`warden: timed out after ${timeoutMs} ms; the whole process tree was killed`);
  return result;
}

function filesChanged(c: WorkspaceChanges): FileChange[] {
  const out: FileChange[] = [];
  for (const [list, change] of [
    [c.created, "created"],
    [c.modified, "modified"],
    [c.deleted, "deleted"],
  ] as const)
    for (const path of list) if (out.length < MAX_FILES_LISTED) out.push({ path, change });
  return out;
}

/** `--sandbox=off` (or the policy's degraded mode): same argv, same timeout and output handling, no confinement. */
function runUnconfined(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  stdin: "inherit" | "ignore",
  output: { stdout: (c: Buffer) => void; stderr: (c: Buffer) => void },
  timeoutMs: number | undefined,
): Promise<Pick<LaunchResult, "exit" | "signal" | "timedOut" | "durationMs">> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = [stdin, "pipe", "pipe"];
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio, detached: true });
    child.stdout!.on("data", output.stdout);
    child.stderr!.on("data", output.stderr);
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, "SIGKILL");
            } catch {
              // already gone
            }
          }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (exit, signal) => {
      clearTimeout(timer);
      resolve({ exit, signal, timedOut, durationMs: performance.now() - started });
    });
  });
}
