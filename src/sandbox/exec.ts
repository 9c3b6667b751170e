// `warden exec`: the whole pipeline for one command — evaluate, approve, record durably, run sandboxed, record the end.
// Nothing runs before its request and decision events are on disk; a run Warden cannot record does not happen.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import {
  approvalNeededMessage,
  findValidApproval,
  loadApprovalConfig,
  requestApproval,
} from "../approval/index.ts";
import { open as openAudit } from "../audit/index.ts";
import { blockedPrograms, evaluate, type LoadedPolicy } from "../index.ts";
import type { CommandRequest, Verdict } from "../types.ts";
import { probeSandbox } from "./probe.ts";
import { runSandboxed } from "./run.ts";

interface RunOutcome {
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

/** `--sandbox=off`: the user's explicit, recorded choice. Same argv, same timeout, no confinement. */
function runUnconfined(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<RunOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: "inherit", detached: true });
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, "SIGKILL");
            } catch {}
          }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (exit, signal) => {
      clearTimeout(timer);
      resolve({ exit, signal, timedOut, durationMs: performance.now() - started });
    });
  });
}

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
  sandbox: "auto" | "on" | "off";
  net: boolean;
  timeoutMs?: number | undefined;
  env: NodeJS.ProcessEnv;
  /** Where messages for the user go (stderr). */
  say: (line: string) => void;
  /** Asks the user y/n on a terminal; undefined when there is none. */
  prompt?: ((question: string) => Promise<string>) | undefined;
}

// Credentials the sandbox hides even when the policy names no secrets (directories and files that exist).
const HOME_SECRETS = [
  ".ssh",
  ".aws",
  ".config/gcloud",
  ".kube",
  ".netrc",
  ".git-credentials",
  ".docker/config.json",
  ".gnupg",
];

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

  const approvers = await approve(input, request, verdict);
  const allowed = verdict.decision === "allow" || approvers !== null;

  let log: Awaited<ReturnType<typeof openAudit>>;
  try {
    log = await openAudit();
  } catch (err) {
    input.say(`warden: cannot open the audit log, refusing to run: ${(err as Error).message}`);
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
    await log.append({ type: "request", ...common });
    await log.append({
      type: "decision",
      ...common,
      risk: verdict.risk,
      decision: allowed ? "allow" : "deny",
      findings: verdict.findings.map((f) => ({ rule: f.rule, reason: f.reason, risk: f.risk })),
      policy: verdict.policy,
      ...(approvers ? { approvers } : {}),
      ...(verdict.yolo ? { high_risk: true } : {}),
    });
  } catch (err) {
    await log.close().catch(() => {});
    input.say(`warden: cannot record the request, refusing to run: ${(err as Error).message}`);
    return EXEC_EXIT.wardenError;
  }
  if (!allowed) {
    await log.close();
    return EXEC_EXIT.denied;
  }

  const probe = probeSandbox();
  if (input.sandbox !== "off" && !probe.ok) {
    await log.close();
    input.say(`warden: the sandbox is unavailable, refusing to run unconfined: ${probe.problems.join("; ")}`);
    input.say("warden: fix the above, or run with --sandbox=off to accept an unconfined run (recorded)");
    return EXEC_EXIT.wardenError;
  }
  const sandboxed = input.sandbox !== "off";
  const home = input.env.HOME ?? homedir();
  await log.append({ type: "start", ...common, sandbox: sandboxed ? "bwrap" : "off" });
  let result: RunOutcome;
  try {
    result = sandboxed
      ? await runSandboxed(
          {
            workspace: input.cwd,
            cwd: input.cwd,
            argv: input.argv,
            hidden: HOME_SECRETS.map((p) => join(home, p)).filter((p) => existsSync(p)),
            blockedPrograms: blockedPrograms(input.policy, { user, profile: input.profile }),
            net: input.net,
          },
          { stdio: "inherit", timeoutMs: input.timeoutMs, callerEnv: input.env },
        )
      : await runUnconfined(input.argv, input.cwd, input.env, input.timeoutMs);
  } catch (err) {
    await log.append({ type: "end", ...common, exit: null, signal: null, sandbox: "failed" }).catch(() => {});
    await log.close();
    input.say(`warden: could not run the command: ${(err as Error).message}`);
    return EXEC_EXIT.wardenError;
  }
  await log.append({
    type: "end",
    ...common,
    exit: result.exit,
    signal: result.signal,
    duration_ms: Math.round(result.durationMs),
    sandbox: sandboxed ? (result.timedOut ? "bwrap (timed out)" : "bwrap") : "off",
    ...(verdict.yolo ? { high_risk: true } : {}),
  });
  await log.close();
  if (result.timedOut)
    input.say(`warden: timed out after ${input.timeoutMs} ms; the whole process tree was killed`);
  if (result.exit !== null) return result.exit;
  return 128 + signalNumber(result.signal);
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
    .map((f) => `  ${f.risk}: ${f.reason} [${f.rule}]`);
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
  const config = await loadApprovalConfig(input.env);
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
