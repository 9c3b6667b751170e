// The one place where the integrations call the other stages (policy, approval, audit, sandbox).
// Several of those stages are still being built; each call below is the seam to wire when they land,
// so no integration grows rules or state of its own (DESIGN.md §1: "no entry point has its own rules").

import type { AuditEvent } from "../audit/record.ts";
import { evaluate } from "../index.ts";
import type { Analysis, CommandRequest, FileRequest, Request, Verdict } from "../types.ts";

/** What a user chose on the command line for this integration (mirrors `warden check`). */
export interface PipelineOptions {
  policyFile?: string;
  profile?: string;
  yolo?: boolean;
  noApproval?: boolean;
}

export interface RequestEvaluation {
  verdict: Verdict;
  /** The shell analysis, for command requests (file requests have none). */
  analysis?: Analysis;
}

/**
 * Decides one request. Command requests go straight to `evaluate()`.
 * TODO(policy, issue 3): `evaluate(request, options)` is being extended to take file requests and the
 * options; until then a file request is judged as the shell command with the same effect, which is
 * exactly the equivalence the integrations promise (`Read(.env)` and `cat .env` get the same answer).
 */
export function evaluateRequest(request: Request, _options: PipelineOptions = {}): RequestEvaluation {
  if (request.kind === "command") {
    const { verdict, analysis } = evaluate(request);
    return { verdict, analysis };
  }
  const { verdict } = evaluate(shellEquivalent(request));
  return { verdict };
}

const FILE_OP_COMMAND: Record<FileRequest["op"], string> = {
  read: "cat --",
  write: "tee --",
  edit: "tee -a --",
  delete: "rm --",
};

/** The shell command with the same effect on the file as a file-tool request. */
export function shellEquivalent(request: FileRequest): CommandRequest {
  const { op, path, ...base } = request;
  return { ...base, kind: "command", command: `${FILE_OP_COMMAND[op]} ${shellQuote(path)}` };
}

export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A human approval recorded for exactly this request under this policy, if there is one.
 * TODO(approval, issue 5): `findValidApproval(...)` from src/approval; nothing is approved until it lands.
 */
export function findApproval(_request: Request, _verdict: Verdict): { id: string } | undefined {
  return undefined;
}

/**
 * Files a pending approval for a request the agent cannot ask about itself and returns its id.
 * TODO(approval, issue 5): `requestApproval(request, verdict)`; until it lands there is no id to give.
 */
export function requestApproval(_request: Request, _verdict: Verdict): string | undefined {
  return undefined;
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

/** Queues an event for the audit log; `flushRecords` writes the queue. */
export function record(event: IntegrationEvent): void {
  pending.push(toAuditEvent(event));
}

/**
 * Writes the queued events to the audit log and waits until they are on disk. Every integration calls it
 * before it answers the agent, so an answer the agent acted on is always recorded.
 */
export async function flushRecords(env: NodeJS.ProcessEnv = process.env): Promise<void> {
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
 * Programs the policy blocks outright (never run, not even in yolo), for the exporters.
 * TODO(policy, issue 3): `blockedPrograms(policy, …)` from src/policy; none are known until it lands.
 */
export function blockedPrograms(_options: PipelineOptions = {}): string[] {
  return [];
}

/** Acceptance commands a policy declares for `warden verify`. */
export interface AcceptanceChecks {
  source: string;
  mustFail: string[];
  mustSucceed: string[];
}

/**
 * The policy's `must_fail:` / `must_succeed:` lists.
 * TODO(policy, issue 3): read them from the loaded, validated policy (the schema must allow the two keys).
 * Until then they are read from the one policy file named with --policy (or the repository's
 * `.warden/policy.yaml`), without layering.
 */
export async function acceptanceChecks(options: PipelineOptions, cwd: string): Promise<AcceptanceChecks> {
  const { readFileSync, existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const file = options.policyFile ?? join(cwd, ".warden", "policy.yaml");
  if (!existsSync(file)) return { source: file, mustFail: [], mustSucceed: [] };
  // Bundled, yaml's CommonJS build arrives as the default export.
  const yaml = (await import("yaml")) as typeof import("yaml") & { default?: typeof import("yaml") };
  const parse = yaml.parse ?? yaml.default!.parse;
  const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  const list = (key: string): string[] => {
    const v = doc?.[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw new Error(`${file}: \`${key}\` must be a list of command strings`);
    return v as string[];
  };
  return { source: file, mustFail: list("must_fail"), mustSucceed: list("must_succeed") };
}

export interface RunOptions {
  /** `off` runs without the sandbox; only when the user said so. */
  sandbox: "auto" | "on" | "off";
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
}

/**
 * Runs an allowed (or approved) command.
 * TODO(sandbox, issue 8): the exec pipeline from src/sandbox (bubblewrap, limits, audit start/end). Until it
 * lands there is no confinement to offer, so a command runs only when the user explicitly chose
 * `--sandbox=off`; otherwise Warden refuses rather than silently running unconfined.
 */
export async function runCommand(request: CommandRequest, options: RunOptions): Promise<RunResult> {
  if (options.sandbox !== "off") {
    throw new Error(
      "the sandbox runner is not available in this build; start `warden mcp --sandbox=off` to run unconfined",
    );
  }
  const { spawn } = await import("node:child_process");
  return new Promise((resolvePromise, reject) => {
    const child = spawn("/bin/bash", ["-c", request.command], {
      cwd: request.cwd,
      env: request.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let truncated = false;
    let timedOut = false;
    const take = (list: Buffer[], chunk: Buffer, used: number): number => {
      const room = options.maxOutputBytes - used;
      if (room <= 0) truncated = true;
      else {
        if (chunk.length > room) truncated = true;
        list.push(chunk.subarray(0, room));
      }
      return used + chunk.length;
    };
    child.stdout.on("data", (c: Buffer) => {
      outBytes = take(out, c, outBytes);
    });
    child.stderr.on("data", (c: Buffer) => {
      errBytes = take(err, c, errBytes);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        truncated,
        timedOut,
        mode: "unconfined",
      });
    });
  });
}
