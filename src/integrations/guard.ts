// One tool call from any agent → one decision. The agent adapters (Claude Code, Gemini CLI, Codex, MCP)
// translate their tool calls into `Subject`s and their answers out of `GuardOutcome`s; everything in
// between is here and in pipeline.ts, so every agent gets the same answer for the same request.
import { homedir } from "node:os";
import { approvalNeededMessage } from "../approval/message.ts";
import { findValidApproval, requestApproval } from "../approval/store.ts";
import type { EffectivePolicy } from "../policy/compile.ts";
import type { Analysis, Decision, Finding, Request, Risk, Verdict } from "../types.ts";
import { maxRisk, riskRank } from "../types.ts";
import { type ConfinementPlan, confinedCommand, confinedVerdict, confinementPlan } from "./confine.ts";
import { allowReason, askReason, denyReason } from "./messages.ts";
import {
  approvalConfigFor,
  auditSinkFor,
  evaluateRequest,
  type PipelineOptions,
  policyFor,
  record,
} from "./pipeline.ts";
import { pathEffects, SessionFiles, unseenFinding, unseenTargets } from "./session-files.ts";

/** What a tool call amounts to, once an adapter has read it. */
export type Subject =
  /** Commands and file operations Warden understands; the worst of them decides. */
  | { kind: "requests"; requests: Request[] }
  /** A tool known only by name (MCP tools, tools this adapter does not know): the policy's default. */
  | { kind: "tool"; name: string; base: RequestBase }
  /** Tools with no effect outside the agent (todo lists, plan mode, sub-agent dispatch). */
  | { kind: "pass"; why: string };

export type RequestBase = Omit<Extract<Request, { kind: "command" }>, "kind" | "command">;

export interface GuardContext {
  agent: string;
  session?: string;
  /** Whether the agent can put an `ask` to its user right now (interactive, mode honours hook asks). */
  canAsk: boolean;
  /** The agent's tool name, for the record. */
  tool?: string;
  options?: PipelineOptions;
  env?: NodeJS.ProcessEnv;
  /** The call is the agent's shell tool, whose command an answer may rewrite to run confined (confine.ts). */
  shell?: boolean;
}

export interface GuardOutcome {
  decision: Decision | "pass";
  /** Deny: for the model and the user. Ask: for the user's prompt. Allow/pass: a short note. */
  reason: string;
  request?: Request;
  verdict?: Verdict;
  /** Pending approval filed because the agent could not ask. */
  approvalId?: string;
  /** The approval that turned an `ask` into `allow`. */
  approvedBy?: string;
  /** Allow only: the command the agent's shell runs instead, `warden exec --ticket=… -c '<original>'`. */
  confined?: string;
}

const DECISION_RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/** A verdict for a tool known only by name: the policy maps the unknown-risk finding like any other. */
function toolRequest(name: string, base: RequestBase): Request {
  // TODO(policy, issue 3): tool-name patterns in the policy (`mcp__github__*: allow`). Until then a
  // named tool is judged as a command of the same name, which no rule knows: the policy's `unknown`.
  return { ...base, kind: "command", command: name.replace(/[^A-Za-z0-9_.-]/g, "_") };
}

function withFinding(verdict: Verdict, finding: Finding): Verdict {
  const risk: Risk = maxRisk(verdict.risk, finding.risk);
  const decision: Decision = verdict.decision === "allow" ? "ask" : verdict.decision;
  return {
    ...verdict,
    risk,
    decision,
    findings: [...verdict.findings, finding],
    reasons: [...verdict.reasons, `session: ${finding.reason} → ${decision}`],
  };
}

/** Read-before-delete: destroying an existing file the session never saw needs a human. */
function checkUnseen(
  request: Request,
  verdict: Verdict,
  analysis: ReturnType<typeof evaluateRequest>["analysis"],
  ctx: GuardContext,
): Verdict {
  if (verdict.decision === "deny" || verdict.yolo) return verdict;
  let targets: string[];
  let verb: "delete" | "overwrite" = "overwrite";
  if (request.kind === "file") {
    if (request.op !== "write" && request.op !== "delete") return verdict;
    targets = [request.path];
    if (request.op === "delete") verb = "delete";
  } else {
    if (!analysis) return verdict;
    targets = pathEffects(analysis, request.cwd).destroys;
    if (
      analysis.invocations.some((i) => i.program === "rm" || i.program === "unlink" || i.program === "shred")
    )
      verb = "delete";
  }
  if (targets.length === 0) return verdict;
  const session = ctx.session
    ? new SessionFiles({ agent: ctx.agent, session: ctx.session }, ctx.env)
    : undefined;
  const unseen = unseenTargets(targets, session);
  return unseen.length === 0 ? verdict : withFinding(verdict, unseenFinding(unseen, verb));
}

export function guard(subject: Subject, ctx: GuardContext): GuardOutcome {
  if (subject.kind === "pass") return { decision: "pass", reason: subject.why };
  const requests = subject.kind === "tool" ? [toolRequest(subject.name, subject.base)] : subject.requests;
  if (requests.length === 0) throw new Error("tool call carries nothing to check");

  let worst: { request: Request; verdict: Verdict; analysis: Analysis | undefined } | undefined;
  for (const request of requests) {
    const evaluation = evaluateRequest(request, ctx.options);
    const verdict = checkUnseen(request, evaluation.verdict, evaluation.analysis, ctx);
    if (
      !worst ||
      DECISION_RANK[verdict.decision] > DECISION_RANK[worst.verdict.decision] ||
      (verdict.decision === worst.verdict.decision && riskRank(verdict.risk) > riskRank(worst.verdict.risk))
    ) {
      worst = { request, verdict, analysis: evaluation.analysis };
    }
  }
  const { request, analysis } = worst!;
  const env = ctx.env ?? process.env;
  const plan = ctx.shell && requests.length === 1 ? confinementFor(request, analysis, ctx, env) : null;
  const verdict = plan ? confinedVerdict(worst!.verdict, plan, plan.policy) : worst!.verdict;
  const outcome = resolve(request, verdict, ctx);
  if (plan && outcome.decision === "allow" && request.kind === "command") {
    if (verdict !== worst!.verdict)
      outcome.reason = `Warden: ${verdict.risk} risk, runs confined (workspace-only writes, no network, secrets hidden): allowed.`;
    outcome.confined = confinedCommand(request, verdict, plan, {
      agent: ctx.agent,
      env,
      why: outcome.approvedBy ? `approved by ${outcome.approvedBy}` : (verdict.reasons.at(-1) ?? "allowed"),
      decided: worst!.verdict.decision === "allow" ? "allow" : "ask",
    });
  }
  record(
    {
      type: "request",
      agent: ctx.agent,
      session: ctx.session,
      tool: ctx.tool ?? (request.kind === "file" ? request.tool : undefined),
      // The environment is the agent's and holds its credentials: never recorded.
      request: { ...request, env: undefined },
      verdict,
      decision: outcome.decision,
      approvalId: outcome.approvalId,
    },
    ctx.options,
  );
  return outcome;
}

/** The confinement plan for the agent's shell command, with the effective policy it was planned under. */
function confinementFor(
  request: Request,
  analysis: Analysis | undefined,
  ctx: GuardContext,
  env: NodeJS.ProcessEnv,
): (ConfinementPlan & { policy: EffectivePolicy }) | null {
  const loaded = policyFor(request, ctx.options);
  const user = request.user ?? request.env?.USER;
  const policy = loaded.effective(
    loaded.selectProfile({ explicit: ctx.options?.profile, user, agent: request.agent?.name }),
  );
  const plan = confinementPlan(request, analysis, policy, env);
  return plan && { ...plan, policy };
}

function resolve(request: Request, verdict: Verdict, ctx: GuardContext): GuardOutcome {
  if (verdict.decision === "allow")
    return { decision: "allow", reason: allowReason(verdict), request, verdict };
  if (verdict.decision === "deny")
    return { decision: "deny", reason: denyReason({ request, verdict }), request, verdict };
  if (ctx.canAsk || verdict.forbidden)
    return ctx.canAsk && !verdict.forbidden
      ? { decision: "ask", reason: askReason(request, verdict), request, verdict }
      : { decision: "deny", reason: denyReason({ request, verdict }), request, verdict };
  return approveOrFile(request, verdict, ctx);
}

/**
 * An `ask` nobody can be prompted for: a valid human approval for exactly this request (spent now) allows
 * it; otherwise a pending approval request is filed and the agent is told its id.
 */
export function approveOrFile(
  request: Request,
  verdict: Verdict,
  ctx: Pick<GuardContext, "options" | "env">,
): GuardOutcome {
  const config = approvalConfigFor(ctx.options);
  const store = { ...(ctx.env ? { env: ctx.env } : {}), audit: auditSinkFor(ctx.options) };
  const found = findValidApproval(request, verdict, config, store);
  if (found.approved) {
    const by = found.approvers.join(" and ");
    return {
      decision: "allow",
      reason: `Warden: approved by ${by || "a human"} (approval ${found.id ?? "?"}): ${verdict.risk} risk, allowed once.`,
      request,
      verdict,
      ...(found.id ? { approvalId: found.id } : {}),
      approvedBy: by,
    };
  }
  const filed = requestApproval(request, verdict, { ...store, ttlMs: config.ttlMs });
  return {
    decision: "deny",
    reason: approvalNeededMessage({
      id: filed.id,
      request,
      verdict,
      twoPerson: config.twoPerson.includes(verdict.risk),
      ...(found.id ? { refusal: found.reason } : {}),
      expires: filed.expires,
    }),
    request,
    verdict,
    approvalId: filed.id,
  };
}

/** Builds the common part of a request from an agent's tool call. */
export function requestBase(fields: {
  cwd: string;
  agent: string;
  session?: string;
  rationale?: string;
  env?: NodeJS.ProcessEnv;
}): RequestBase {
  const env: Record<string, string> = {};
  const source = fields.env ?? process.env;
  for (const [k, v] of Object.entries(source)) if (v !== undefined) env[k] = v;
  if (!env.HOME) env.HOME = homedir();
  const base: RequestBase = { cwd: fields.cwd, env, agent: { name: fields.agent, session: fields.session } };
  if (fields.rationale) base.rationale = fields.rationale;
  return base;
}
