// `warden approve|deny|pending|unlock|lock`: the human side of approvals. Arguments only; the logic is in
// src/approval.
import {
  type AgentInfo,
  type ApprovalConfig,
  agentInfo,
  agentLock,
  agentTouch,
  appendApprovalEvents,
  DEFAULT_IDLE_MS,
  defaultKeyName,
  isApprovalId,
  listKeyNames,
  listPending,
  loadApprovalConfig,
  loadTokens,
  type PendingRequest,
  parseDuration,
  readPassphrase,
  resolveSigner,
  runAgentProcess,
  signDecision,
  startAgent,
  tallyTokens,
  unlockPrivateKey,
  withdrawToken,
} from "../approval/index.ts";
import type { AuditEvent } from "../audit/record.ts";
import { loadPolicy } from "../policy/load.ts";
import { parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";
import { cliError } from "./keys.ts";

type Options = Record<string, { type: "string" | "boolean"; short?: string }>;

/** parseCli, plus at most `positionals` arguments. */
function parse(command: string, argv: string[], options: Options, positionals: number) {
  const parsed = parseCli(command, argv, options, positionals > 0);
  if (parsed.positionals.length > positionals)
    throw new CliError(`${command}: unexpected argument '${parsed.positionals[positionals]}'`);
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

function help(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function duration(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseDuration(text);
  } catch {
    throw new CliError(`${flag}: '${text}' is not a duration (e.g. 90s, 10m, 2h)`);
  }
}

function inMinutes(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, "")}h`;
}

// ── approve / deny ─────────────────────────────────────────────────────────────────────────────────

const APPROVE_HELP = `usage: warden approve ID [--for DURATION] [--reason TEXT] [--name KEY] [--json]

Signs an approval for pending request ID with your unlocked key (see \`warden unlock\`). The approval is
valid for exactly that request under the current policy, once, until it expires (default 15m).`;

const DENY_HELP = `usage: warden deny ID --reason TEXT [--name KEY] [--json]

Signs a denial for pending request ID; the agent's retry is told your reason.`;

export async function run(argv: string[]): Promise<number> {
  return decide("approve", argv);
}

export async function runDeny(argv: string[]): Promise<number> {
  return decide("deny", argv);
}

async function decide(decision: "approve" | "deny", argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    decision,
    argv,
    {
      for: { type: "string" },
      reason: { type: "string" },
      name: { type: "string" },
      json: { type: "boolean" },
    },
    1,
  );
  if (values.help) return help(decision === "approve" ? APPROVE_HELP : DENY_HELP);
  const id = positionals[0];
  if (!id)
    throw new CliError(`${decision}: which request? (usage: warden ${decision} ID; see \`warden pending\`)`);
  if (!isApprovalId(id)) throw new CliError(`${decision}: '${id}' is not an approval id`);
  if (decision === "deny" && values.for !== undefined)
    throw new CliError("deny: --for applies to approvals only");
  const reason = str(values.reason);
  if (decision === "deny" && !reason?.trim())
    throw new CliError("deny: --reason is required (the agent relays it)");
  try {
    const config = await approvalConfig();
    const name = str(values.name) ?? defaultKeyName();
    const signer = await resolveSigner(name);
    const events: AuditEvent[] = [];
    const outcome = await signDecision(id, decision, signer, config, {
      validForMs: duration("--for", str(values.for), config.ttlMs),
      reason,
      audit: (e) => events.push(e),
    });
    try {
      await appendApprovalEvents(events);
    } catch (err) {
      // An approval the audit log does not know about must not count.
      withdrawToken(outcome.token);
      throw new CliError(
        `could not record the decision in the audit log, so it was withdrawn: ${(err as Error).message}`,
        EXIT.internal,
      );
    }
    const { token, pending } = outcome;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ id, decision, approver: outcome.approver, approvals: outcome.approvals, needed: outcome.needed, token })}\n`,
      );
      return 0;
    }
    const what = pending.canonical.command ?? `${pending.canonical.op} ${pending.canonical.path}`;
    if (decision === "deny")
      process.stdout.write(
        `Denied ${id} (\`${what}\`): the agent's retry will be refused with your reason.\n`,
      );
    else if (outcome.approvals < outcome.needed)
      process.stdout.write(
        `Approved ${id} (\`${what}\`) as ${outcome.approver.join("/")}, valid ${inMinutes(token.exp - token.iat)}.\n` +
          `${outcome.approvals} of ${outcome.needed} approvals: ${pending.risk} risk needs another approver to run \`warden approve ${id}\`.\n`,
      );
    else
      process.stdout.write(
        `Approved ${id} (\`${what}\`) as ${outcome.approver.join("/")}, valid ${inMinutes(token.exp - token.iat)}, for one run.\n` +
          "The agent may now retry exactly the same request.\n",
      );
    return 0;
  } catch (err) {
    cliError(err);
  }
}

// ── pending ────────────────────────────────────────────────────────────────────────────────────────

const PENDING_HELP = `usage: warden pending [--all] [--json]

Lists approval requests waiting for a human, with the findings that made them risky.
--all also lists expired requests.`;

interface PendingView {
  id: string;
  risk: string;
  command?: string;
  argv?: string[];
  op?: string;
  path?: string;
  cwd: string;
  user: string | null;
  agent: string | null;
  env: Record<string, string>;
  findings: PendingRequest["findings"];
  rationale?: string;
  created: string;
  expires: string;
  expired: boolean;
  approvals: number;
  needed: number;
  approvers: string[];
  denied: boolean;
}

function view(p: PendingRequest, config: ApprovalConfig, now: number): PendingView {
  const tally = tallyTokens(
    loadTokens(p.id),
    { subject: p.subject, policy: p.policy, request: p.id, risk: p.risk, requester: p.canonical.user },
    config,
    now,
  );
  const c = p.canonical;
  return {
    id: p.id,
    risk: p.risk,
    ...(c.command !== undefined ? { command: c.command } : {}),
    ...(c.argv ? { argv: c.argv } : {}),
    ...(c.op ? { op: c.op, path: c.path } : {}),
    cwd: c.cwd,
    user: c.user,
    agent: c.agent,
    env: c.env,
    findings: p.findings,
    ...(p.rationale ? { rationale: p.rationale } : {}),
    created: new Date(p.created).toISOString(),
    expires: new Date(p.expires).toISOString(),
    expired: p.expires <= now,
    approvals: tally.approvals.length,
    needed: tally.needed,
    approvers: tally.approvers,
    denied: tally.denial !== undefined,
  };
}

export async function runPending(argv: string[]): Promise<number> {
  const { values } = parse("pending", argv, { json: { type: "boolean" }, all: { type: "boolean" } }, 0);
  if (values.help) return help(PENDING_HELP);
  try {
    const config = await approvalConfig();
    const now = Date.now();
    const list = listPending({ includeExpired: Boolean(values.all), now }).map((p) => view(p, config, now));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return 0;
    }
    if (list.length === 0) {
      process.stdout.write("No approval requests are waiting.\n");
      return 0;
    }
    for (const p of list) {
      const what = p.command ?? `${p.op} ${p.path}`;
      const status = p.denied
        ? "denied"
        : p.expired
          ? "expired"
          : `${p.approvals}/${p.needed} approvals, expires in ${inMinutes(Date.parse(p.expires) - now)}`;
      const who = [p.user && `user ${p.user}`, p.agent && `agent ${p.agent}`].filter(Boolean).join(", ");
      const env = Object.entries(p.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      process.stdout.write(
        `${p.id}  ${p.risk.toUpperCase()}  ${status}\n  $ ${what}\n  in ${p.cwd}${who ? ` (${who})` : ""}\n`,
      );
      if (env) process.stdout.write(`  env: ${env}\n`);
      if (p.rationale) process.stdout.write(`  agent says: ${p.rationale}\n`);
      for (const f of p.findings) process.stdout.write(`  - ${f.risk}: ${f.reason} [${f.rule}]\n`);
      process.stdout.write(`  → warden approve ${p.id}    or    warden deny ${p.id} --reason "…"\n\n`);
    }
    return 0;
  } catch (err) {
    cliError(err);
  }
}

// ── unlock / lock ──────────────────────────────────────────────────────────────────────────────────

const UNLOCK_HELP = `usage: warden unlock [--name KEY] [--idle DURATION] [--json]

Decrypts your approver key once and keeps it in a short-lived agent process (Unix socket, mode 0600)
so \`warden approve\` / \`deny\` can sign without asking again. The agent exits after DURATION without
use (default 15m) or on \`warden lock\`. Running it again while unlocked extends the idle time.`;

const LOCK_HELP = `usage: warden lock [--name KEY] [--all]

Ends the unlock agent: the decrypted key is gone from memory; approving needs the passphrase again.`;

function describeAgent(info: AgentInfo): string {
  return `Key '${info.name}' is unlocked (agent pid ${info.pid}) until ${new Date(info.expires).toISOString()} unless used; \`warden lock\` ends it.\n`;
}

export async function runUnlock(argv: string[]): Promise<number> {
  const { values } = parse(
    "unlock",
    argv,
    {
      name: { type: "string" },
      idle: { type: "string" },
      json: { type: "boolean" },
      serve: { type: "boolean" },
    },
    0,
  );
  if (values.help) return help(UNLOCK_HELP);
  // Internal: the agent process itself (started by a parent `warden unlock`, key on stdin).
  if (values.serve) return runAgentProcess();
  const idleMs = duration("--idle", str(values.idle), DEFAULT_IDLE_MS);
  try {
    const name = str(values.name) ?? defaultKeyName();
    const running = await agentInfo(name);
    let info: AgentInfo;
    if (running) {
      info = (await agentTouch(name)) ?? running;
    } else {
      const passphrase = await readPassphrase(`Passphrase for key '${name}': `);
      const { privateKey } = unlockPrivateKey(name, passphrase);
      info = await startAgent({
        name,
        privateKey,
        idleMs,
        command: [process.execPath, ...process.execArgv, process.argv[1]!, "unlock", "--serve"],
      });
    }
    if (values.json) process.stdout.write(`${JSON.stringify({ ...info, reused: running !== null })}\n`);
    else process.stdout.write(describeAgent(info));
    return 0;
  } catch (err) {
    cliError(err);
  }
}

export async function runLock(argv: string[]): Promise<number> {
  const { values } = parse("lock", argv, { name: { type: "string" }, all: { type: "boolean" } }, 0);
  if (values.help) return help(LOCK_HELP);
  try {
    const names = values.all || values.name === undefined ? listKeyNames() : [str(values.name)!];
    let locked = 0;
    for (const name of names) if (await agentLock(name)) locked++;
    process.stdout.write(
      locked > 0 ? `Locked ${locked} key${locked === 1 ? "" : "s"}.\n` : "No key was unlocked.\n",
    );
    return 0;
  } catch (err) {
    cliError(err);
  }
}

/** Approvers as the policy that applies here (user policy, --policy-free) and approvers.yaml list them. */
async function approvalConfig() {
  const policy = await loadPolicy({ cwd: process.cwd(), env: process.env });
  return loadApprovalConfig(process.env, policy.approval);
}
