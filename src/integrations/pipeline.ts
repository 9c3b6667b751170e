// The one place where the integrations call the other stages (policy, approval, audit, sandbox).
// An entry point calls `preparePipeline` once (policy layers + approval config, cached per process) and
// passes the options it returns everywhere, so no integration grows rules or state of its own
// (DESIGN.md §1: "no entry point has its own rules"). Commands run through src/sandbox/launch.ts, as `warden exec`.

import { type ApprovalConfig, defaultApprovalConfig, loadApprovalConfig } from "../approval/config.ts";
import type { AuditEvent } from "../audit/record.ts";
import { evaluate } from "../index.ts";
import { blockedPrograms as policyBlockedPrograms } from "../policy/index.ts";
import { builtinPolicy, type LoadedPolicy, loadPolicy, policyFiles } from "../policy/load.ts";
import type { Analysis, CommandRequest, Request, Verdict } from "../types.ts";

/** What a user chose on the command line for this integration (mirrors `warden check`). */
export interface PipelineOptions {
  policyFile?: string | undefined;
  profile?: string | undefined;
  yolo?: boolean;
  noApproval?: boolean;
  /** Set by `preparePipeline`: the layered policy and the approval config this run decides with. */
  prepared?: Prepared;
  /**
   * Supplies `prepared` instead of loading the files: the daemon's watched, hot-reloaded policy
   * (src/daemon/policies.ts). Throws like `preparePipeline` when no good policy is known.
   */
  preparer?: Preparer;
  /** Where this call's audit events go (default: this process's queue, written by `flushRecords`). */
  recorder?: Recorder;
}

export type Preparer = (where: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  policyFile: string | undefined;
}) => Promise<Prepared>;

/**
 * One caller's audit events until it answers. The daemon gives every request its own, so that one
 * request's answer waits for its own events and never for (or instead of) another's.
 */
export interface Recorder {
  add(event: AuditEvent): void;
  /** Resolves once every event added so far is durable. */
  flush(): Promise<void>;
}

/** What a run loads once before it decides anything. */
export interface Prepared {
  policy: LoadedPolicy;
  approvals: ApprovalConfig;
}

const preparedCache = new Map<string, Promise<Prepared>>();

/**
 * Loads the policy (built-in → user → repository → `--policy FILE`) for `cwd` and the approval config,
 * once per process, and returns the options carrying them. Throws (PolicyError, ApprovalError) when either
 * is broken: there is never a fallback to a looser policy. YAML and zod load only when a file exists.
 */
export async function preparePipeline<T extends PipelineOptions>(
  options: T,
  where: { cwd: string; env?: NodeJS.ProcessEnv | undefined },
): Promise<T & { prepared: Prepared }> {
  if (options.prepared) return options as T & { prepared: Prepared };
  const env = where.env ?? process.env;
  if (options.preparer)
    return {
      ...options,
      prepared: await options.preparer({ cwd: where.cwd, env, policyFile: options.policyFile }),
    };
  const files = policyFiles({ cwd: where.cwd, env, policyFile: options.policyFile });
  const key = JSON.stringify([files, env.WARDEN_CONFIG_DIR, env.XDG_CONFIG_HOME, env.HOME]);
  let loading = preparedCache.get(key);
  if (!loading) {
    loading = loadPrepared({ cwd: where.cwd, env, policyFile: options.policyFile });
    preparedCache.set(key, loading);
    loading.catch(() => preparedCache.delete(key));
  }
  return { ...options, prepared: await loading };
}

/** Reads the policy layers and the approval config (`read`: how a layer file's text is read). */
export async function loadPrepared(where: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  policyFile: string | undefined;
  read?: (file: string) => string;
}): Promise<Prepared> {
  const policy = await loadPolicy({
    cwd: where.cwd,
    env: where.env,
    policyFile: where.policyFile,
    ...(where.read ? { read: where.read } : {}),
  });
  return { policy, approvals: await loadApprovalConfig(where.env, policy.approval) };
}

/**
 * The policy for a request. Unprepared options get the built-in policy only when no policy file applies;
 * otherwise this throws rather than decide under a policy looser than the user's.
 */
export function policyFor(
  request: { cwd: string; env?: Readonly<Record<string, string | undefined>> | undefined },
  options: PipelineOptions = {},
): LoadedPolicy {
  if (options.prepared) return options.prepared.policy;
  const files = policyFiles({ cwd: request.cwd, env: request.env ?? {}, policyFile: options.policyFile });
  if (files.user || files.repo || files.file)
    throw new Error(
      `internal: the Warden policy (${files.file ?? files.repo ?? files.user}) was not loaded before deciding (preparePipeline)`,
    );
  return builtinPolicy();
}

export interface RequestEvaluation {
  verdict: Verdict;
  /** The shell analysis; for a file request, the shell command with the same effect it was judged as. */
  analysis?: Analysis;
}

/**
 * Decides one request, command or file operation, under the run's policy and the user's options.
 * `evaluate()` judges a file request as the shell command with the same effect, so `Read(.env)` and
 * `cat .env` get the same answer.
 */
export function evaluateRequest(request: Request, options: PipelineOptions = {}): RequestEvaluation {
  const { verdict, analysis } = evaluate(request, {
    policy: policyFor(request, options),
    profile: options.profile,
    ...(options.yolo !== undefined ? { yolo: options.yolo } : {}),
    ...(options.noApproval !== undefined ? { noApproval: options.noApproval } : {}),
  });
  return request.kind === "command" ? { verdict, analysis } : { verdict };
}

export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The approval config of the run (no approvers when unprepared: nothing can be approved). */
export function approvalConfigFor(options: PipelineOptions = {}): ApprovalConfig {
  return options.prepared?.approvals ?? defaultApprovalConfig();
}

/** Where approval events go: the same queue as the integrations' own, written by `flushRecords`. */
export function auditSink(event: AuditEvent): void {
  pending.push(event);
}

/** The approval store's audit sink for a call: its recorder when it has one. */
export function auditSinkFor(options: PipelineOptions | undefined): (event: AuditEvent) => void {
  const recorder = options?.recorder;
  return recorder ? (event) => recorder.add(event) : auditSink;
}

/** One event the integrations record (a request and its verdict, or a tool's outcome). */
export interface IntegrationEvent {
  type: "request" | "outcome" | "session-end";
  agent: string;
  session?: string;
  tool?: string;
  request?: Request;
  verdict?: Pick<Verdict, "decision" | "risk" | "policy" | "forbidden" | "mode" | "findings">;
  /** What the agent was told (after approvals and the agent's ability to ask). */
  decision?: string;
  approvalId?: string;
  outcome?: {
    status: "ok" | "error" | "interrupted";
    exitCode?: number;
    outputBytes: number;
    outputSha256: string;
    /** Raw; the audit log redacts it before writing. */
    head: string;
    files?: string[];
  };
}

function toAuditEvent(e: IntegrationEvent): AuditEvent {
  const agent = { name: e.agent, ...(e.session ? { session: e.session } : {}) };
  if (e.type === "request") {
    const r = e.request;
    const v = e.verdict;
    return {
      type: "decision",
      agent,
      cwd: r?.cwd,
      command: r?.kind === "command" ? r.command : undefined,
      rationale: r?.rationale,
      risk: v?.risk,
      decision:
        e.decision === "allow" || e.decision === "ask" || e.decision === "deny" ? e.decision : undefined,
      findings: v?.findings.map((f) => ({ rule: f.rule, reason: f.reason, risk: f.risk })),
      policy: v?.policy,
      mode: v?.mode,
      details: {
        tool: e.tool,
        verdict: v?.decision,
        forbidden: v?.forbidden,
        ...(r?.kind === "file" ? { file: { op: r.op, path: r.path } } : {}),
        ...(e.approvalId ? { approval: e.approvalId } : {}),
      },
    };
  }
  if (e.type === "outcome" && e.outcome) {
    const o = e.outcome;
    return {
      type: "end",
      agent,
      exit: o.exitCode,
      stdout: { bytes: o.outputBytes, sha256: o.outputSha256, head: o.head },
      details: { tool: e.tool, status: o.status, ...(o.files ? { files: o.files } : {}) },
    };
  }
  return { type: "note", agent, details: { event: e.type, tool: e.tool } };
}

const pending: AuditEvent[] = [];

/** Queues an event for the audit log (the call's recorder, if any); `flushRecords` writes the queue. */
export function record(event: IntegrationEvent, options?: PipelineOptions): void {
  if (options?.recorder) options.recorder.add(toAuditEvent(event));
  else pending.push(toAuditEvent(event));
}

/**
 * Writes the queued events to the audit log and waits until they are on disk. Every integration calls it
 * before it answers the agent, so an answer the agent acted on is always recorded.
 */
export async function flushRecords(
  env: NodeJS.ProcessEnv = process.env,
  options?: PipelineOptions,
): Promise<void> {
  if (options?.recorder) return options.recorder.flush();
  if (pending.length === 0) return;
  const events = pending.splice(0);
  const { open, defaultAuditDir, defaultKeyDir } = await import("../audit/log.ts");
  const log = await open(defaultAuditDir(env), { keyDir: defaultKeyDir(env), checkpointIntervalMs: 0 });
  try {
    await log.appendMany(events);
  } finally {
    await log.close();
  }
}

/**
 * Programs the policy blocks outright (never run, not even in yolo), for the exporters: for the user
 * `who.user` (default: $USER), the profile chosen with --profile, or the one the policy assigns.
 */
export function blockedPrograms(
  options: PipelineOptions = {},
  who: { cwd?: string; env?: NodeJS.ProcessEnv; user?: string; agent?: string } = {},
): string[] {
  const env = who.env ?? process.env;
  const policy = policyFor({ cwd: who.cwd ?? process.cwd(), env }, options);
  return policyBlockedPrograms(policy, {
    user: who.user ?? env.USER,
    agent: who.agent,
    profile: options.profile,
  });
}

/** Acceptance commands a policy declares for `warden verify`. */
export interface AcceptanceChecks {
  /** The policy layers they come from. */
  source: string;
  mustFail: string[];
  mustSucceed: string[];
}

/** The loaded policy's `must_fail:` / `must_succeed:` lists (every layer's, in layer order). */
export async function acceptanceChecks(
  options: PipelineOptions,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AcceptanceChecks> {
  const { prepared } = await preparePipeline(options, { cwd, env });
  const { policy } = prepared;
  const files = policy.layers.map((l) => l.file).filter((f): f is string => typeof f === "string");
  return {
    source: files.length > 0 ? files.join(", ") : "the built-in policy",
    mustFail: policy.mustFail ?? [],
    mustSucceed: policy.mustSucceed ?? [],
  };
}

export interface RunOptions {
  /** `off` runs without the sandbox; only when the user said so. */
  sandbox: "auto" | "on" | "off";
  /** Wall-clock limit; the policy's `sandbox.timeout` wins when it is shorter. */
  timeoutMs: number;
  /** Output beyond this many bytes per stream is cut off (the head is kept). */
  maxOutputBytes: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  /** How it ran: `sandbox` or `unconfined` (recorded, and shown to the agent). */
  mode: "sandbox" | "unconfined";
  /** What Warden said about the run (sandbox notes, warnings), for the agent. */
  notes: string[];
}

/**
 * Runs an allowed (or approved) command with `bash -c` through the same runner as `warden exec`: the
 * sandbox the policy plans, its limits, and `start`/`end` events in the audit log. Throws, having run
 * nothing, when the sandbox is unavailable (unless `sandbox: "off"` or the policy allows unconfined runs) or
 * the audit log cannot be opened while the policy requires it. The decision is the caller's; `approved` is
 * the verdict a human said yes to, whose paths the sandbox then does not hide.
 */
export async function runCommand(
  request: CommandRequest,
  run: RunOptions,
  options: PipelineOptions = {},
  approved?: Verdict,
): Promise<RunResult> {
  const [{ launch, approvedPaths, openRunLog }, { decideFacts }, { userInfo }, { randomUUID }] =
    await Promise.all([
      import("../sandbox/launch.ts"),
      import("../policy/index.ts"),
      import("node:os"),
      import("node:crypto"),
    ]);
  const env: NodeJS.ProcessEnv = request.env ?? process.env;
  const user = request.user ?? env.USER ?? userInfo().username;
  const policy = policyFor(request, options);
  const profile = policy.selectProfile({ explicit: options.profile, user, agent: request.agent?.name });
  const effective = policy.effective(profile);
  const facts = decideFacts(
    { cwd: request.cwd, env: env as Record<string, string>, user },
    effective.paths.workspace,
  );
  const notes: string[] = [];
  const log = await openRunLog(env, effective.audit.required, (line) => notes.push(line));
  const policyTimeout = effective.sandbox.timeoutMs;
  let result: Awaited<ReturnType<typeof launch>>;
  try {
    result = await launch({
      requestId: randomUUID(),
      command: request.command,
      argv: ["/bin/bash", "-c", request.command],
      cwd: facts.cwd,
      workspace: facts.workspace,
      home: facts.home,
      env,
      user,
      ...(request.agent ? { agent: request.agent } : {}),
      policy: effective,
      blocked: policyBlockedPrograms(policy, { user, agent: request.agent?.name, profile: options.profile }),
      sandbox: run.sandbox,
      net: false,
      timeoutMs: policyTimeout === undefined ? run.timeoutMs : Math.min(policyTimeout, run.timeoutMs),
      ...(approved ? { reveal: approvedPaths(approved) } : {}),
      ...(options.yolo ? { mode: "yolo" as const } : {}),
      stdin: "ignore",
      captureBytes: run.maxOutputBytes,
      log,
      say: (line) => notes.push(line.replace(/^warden: /, "")),
    });
  } finally {
    await log?.close().catch(() => {});
  }
  if (result.status !== "ran") throw new Error(result.problem ?? "the command could not be run");
  return {
    exitCode: result.exit,
    signal: result.signal,
    stdout: result.captured?.stdout ?? "",
    stderr: result.captured?.stderr ?? "",
    truncated: result.captured?.truncated ?? false,
    timedOut: result.timedOut,
    mode: result.confinement === "off" ? "unconfined" : "sandbox", // a `warden run` session is one too
    notes,
  };
}
