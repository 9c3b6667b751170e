// `warden exec`: the whole pipeline for one command — evaluate, approve, record durably, run sandboxed, record the end.
// Nothing runs before its request and decision events are on disk; a run Warden cannot record does not happen
// (unless the policy says `audit.required: false`).
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { createInterface } from "node:readline/promises";
import {
  approvalNeededMessage,
  findValidApproval,
  loadApprovalConfig,
  requestApproval,
} from "../approval/index.ts";
import { blockedPrograms, evaluate, type LoadedPolicy } from "../index.ts";
import { decideFacts } from "../policy/index.ts";
import type { CommandRequest, Verdict } from "../types.ts";
import { riskRank } from "../types.ts";
import { approvedPaths, launch, openRunLog, type RunLog, type SandboxChoice } from "./launch.ts";
import { policyChanged, redeemTicket, type Ticket } from "./ticket.ts";

/** Exit statuses of Warden's own outcomes; anything else is the command's. */
export const EXEC_EXIT = { wardenError: 125, denied: 126 } as const;

export interface ExecInput {
  /** What was analysed: the `-c` string, or argv quoted as a shell would read it. */
  command: string;
  /** What runs: argv, never a re-assembled string. */
  argv: string[];
  cwd: string;
  policy: LoadedPolicy;
  profile?: string | undefined;
  yolo: boolean;
  noApproval: boolean;
  sandbox: SandboxChoice;
  net: boolean;
  timeoutMs?: number | undefined;
  env: NodeJS.ProcessEnv;
  /** Where messages for the user go (stderr). */
  say: (line: string) => void;
  /** Asks the user y/n on a terminal; undefined when there is none. */
  prompt?: ((question: string) => Promise<string>) | undefined;
  /**
   * A run ticket from a hook that allowed this very command (ticket.ts): spent once, covers the approval the
   * verdict asks for, never a deny.
   */
  ticket?: string | undefined;
  /** Live output destinations (default: this process's stdout/stderr). */
  sinks?: { stdout: (chunk: Buffer) => void; stderr: (chunk: Buffer) => void };
}

export async function execute(input: ExecInput): Promise<number> {
  const user = input.env.USER ?? userInfo().username;
  const request: CommandRequest & { argv: string[] } = {
    kind: "command",
    command: input.command,
    cwd: input.cwd,
    env: input.env as Record<string, string>,
    user,
    argv: input.argv,
  };
  // Spent before anything else (a refused run still used it up). The hook decided for its agent, whose
  // profile may apply: the run is judged the same way.
  let ticket: Ticket | null = null;
  if (input.ticket !== undefined) {
    const r = await spendTicket(input.ticket, { command: input.command, cwd: input.cwd }, input.env);
    if (!r.ok) {
      input.say(`warden: refused: run ticket ${input.ticket}: ${r.reason}`);
      return EXEC_EXIT.denied;
    }
    ticket = r.ticket;
    request.agent = { name: ticket.agent };
  }
  const { verdict } = evaluate(request, {
    policy: input.policy,
    profile: input.profile,
    yolo: input.yolo,
    noApproval: input.noApproval,
    user,
  });
  if (verdict.yolo)
    input.say(
      `!!! YOLO: ${user} accepts ${verdict.risk} risk for \`${input.command}\` — recorded as high-risk !!!`,
    );
  const profile = input.policy.selectProfile({ explicit: input.profile, user });
  const effective = input.policy.effective(profile);

  const changed = ticket ? policyChanged(ticket, verdict.policy) : undefined;
  if (changed) {
    input.say(`warden: refused: run ticket ${input.ticket}: ${changed}`);
    return EXEC_EXIT.denied;
  }
  const approvers =
    ticket && ticketCovers(ticket, verdict)
      ? [`${ticket.agent} hook (${ticket.why})`]
      : await approve(input, request, verdict);
  const allowed = verdict.decision === "allow" || approvers !== null;

  let log: RunLog | null;
  try {
    log = await openRunLog(input.env, effective.audit.required, (line) => input.say(`warden: ${line}`));
  } catch (err) {
    input.say(`warden: ${(err as Error).message}`);
    return EXEC_EXIT.wardenError;
  }
  const requestId = randomUUID();
  const common = {
    request_id: requestId,
    user,
    cwd: input.cwd,
    command: input.command,
    argv: input.argv,
    mode: verdict.mode,
  };
  try {
    await log?.append({ type: "request", ...common });
    await log?.append({
      type: "decision",
      ...common,
      risk: verdict.risk,
      decision: allowed ? "allow" : "deny",
      findings: verdict.findings.map((f) => ({ rule: f.rule, reason: f.reason, risk: f.risk })),
      policy: verdict.policy,
      ...(approvers ? { approvers } : {}),
    });
  } catch (err) {
    await log?.close().catch(() => {});
    input.say(`warden: cannot record the request, refusing to run: ${(err as Error).message}`);
    return EXEC_EXIT.wardenError;
  }
  if (!allowed) {
    await log?.close();
    return EXEC_EXIT.denied;
  }

  const facts = decideFacts({ cwd: input.cwd, env: request.env, user }, effective.paths.workspace);
  let result: Awaited<ReturnType<typeof launch>>;
  try {
    result = await launch({
      requestId,
      command: input.command,
      argv: input.argv,
      cwd: facts.cwd,
      workspace: facts.workspace,
      home: facts.home,
      env: input.env,
      user,
      policy: effective,
      blocked: blockedPrograms(input.policy, { user, profile: input.profile }),
      sandbox: input.sandbox,
      net: input.net || (ticket?.net ?? false),
      timeoutMs: input.timeoutMs,
      ...(approvers ? { reveal: approvedPaths(verdict) } : {}),
      mode: verdict.mode,
      stdin: "inherit",
      sinks: input.sinks ?? {
        stdout: (c) => process.stdout.write(c),
        stderr: (c) => process.stderr.write(c),
      },
      log,
      say: input.say,
    });
  } catch (err) {
    // The end event could not be written: the run may have happened, but Warden cannot vouch for it.
    input.say(`warden: cannot record the outcome: ${(err as Error).message}`);
    return EXEC_EXIT.wardenError;
  } finally {
    await log?.close().catch(() => {});
  }
  if (result.status !== "ran") return EXEC_EXIT.wardenError;
  if (result.exit !== null) return result.exit;
  return 128 + signalNumber(result.signal);
}

/** Tickets a daemon's hook answer filed are the daemon's to spend; without a daemon they are in our state. */
async function spendTicket(id: string, want: { command: string; cwd: string }, env: NodeJS.ProcessEnv) {
  const { daemonTickets } = await import("../daemon/run-log.ts");
  const remote = await daemonTickets(env);
  return remote ? remote(id, want) : redeemTicket(id, want, { env });
}

/** A ticket stands in for the prompt of an `ask` no riskier than the one the hook allowed; never for a deny. */
function ticketCovers(ticket: Ticket, verdict: Verdict): boolean {
  if (verdict.decision === "allow") return false;
  return verdict.decision === "ask" && riskRank(verdict.risk) <= riskRank(ticket.risk);
}

/** Returns the approvers when an `ask` was approved, null otherwise (and says why). */
async function approve(
  input: ExecInput,
  request: CommandRequest & { argv: string[] },
  verdict: Verdict,
): Promise<string[] | null> {
  if (verdict.decision === "allow") return null;
  const why = verdict.findings
    .filter((f) => f.risk === verdict.risk)
    .map(
      (f) =>
        `  ${f.risk}: ${f.reason} [${f.rule}]${f.paths?.length ? `\n    paths: ${f.paths.join(", ")}` : ""}`,
    );
  if (verdict.decision === "deny") {
    input.say(`warden: denied (${verdict.risk}${verdict.forbidden ? ", forbidden" : ""}): ${input.command}`);
    for (const line of [...why, ...verdict.reasons.map((r) => `  why: ${r}`)]) input.say(line);
    return null;
  }
  if (input.prompt) {
    input.say(`warden: ${input.command}\n  risk ${verdict.risk}\n${why.join("\n")}`);
    for (;;) {
      const answer = (await input.prompt("Run it? [y]es / [n]o / [e]xplain: ")).trim().toLowerCase();
      if (answer === "y" || answer === "yes") return [`${request.user} (terminal)`];
      if (answer === "e" || answer === "explain") for (const r of verdict.reasons) input.say(`  why: ${r}`);
      else return null;
    }
  }
  const config = await loadApprovalConfig(input.env, input.policy.approval);
  const found = findValidApproval(request, verdict, config, { env: input.env });
  if (found.approved) return found.approvers;
  const pending = requestApproval(request, verdict, { env: input.env, ttlMs: config.ttlMs });
  input.say(
    approvalNeededMessage({
      id: pending.id,
      request,
      verdict,
      twoPerson: config.twoPerson.includes(verdict.risk),
      expires: pending.expires,
    }),
  );
  return null;
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGTERM: 15,
};
function signalNumber(signal: string | null): number {
  return (signal && SIGNALS[signal]) || 1;
}

/** A y/n prompt on the controlling terminal, when there is one. */
export function terminalPrompt(): ((q: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (q) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(q);
    } finally {
      rl.close();
    }
  };
}
