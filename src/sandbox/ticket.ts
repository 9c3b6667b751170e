// Run tickets: how a hook that allowed a command hands it to `warden exec` to run confined, without a second
// prompt. The hook (Claude Code PreToolUse, Gemini BeforeTool, Codex PreToolUse) rewrites the agent's command
// into `warden exec --ticket=ID -c '<original>'` and files a ticket bound to the exact command, cwd and policy
// hash. `exec` redeems it once: the ticket is renamed away atomically before it is read, so a replay finds
// nothing; a changed command, cwd or policy is refused. Exec still evaluates the command itself and refuses a
// deny, so a forged ticket (a file an agent managed to write into Warden's state, which the rules and the
// sandbox protect) could at most skip a prompt, never run a forbidden command.
import { createHash, randomBytes } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { stateDir } from "../state.ts";
import type { Decision, Risk } from "../types.ts";

/** Long enough for an agent to start the rewritten command, short enough that a leaked id is worthless. */
export const TICKET_TTL_MS = 2 * 60_000;
const ID = /^[A-Za-z0-9_-]{22}$/;

export interface Ticket {
  command: string;
  /** Physical path of the directory the command was judged in. */
  cwd: string;
  /** Hash of the effective policy the hook decided with. */
  policy: string;
  risk: Risk;
  /** What the hook decided before confinement (`ask` when a human approved it or confinement allowed it). */
  decision: Decision;
  agent: string;
  /** Why the hook allowed it (approved by, confined medium…), for the run's record. */
  why: string;
  /** Give the run the host network (the command needs it: package installs, git fetch, gh…). */
  net: boolean;
  expires: number;
}

export function ticketsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "tickets");
}

function fileFor(id: string, env: NodeJS.ProcessEnv): string {
  // The file is named by the id's hash: listing the directory reveals no usable id.
  return join(ticketsDir(env), `${createHash("sha256").update(id).digest("hex").slice(0, 40)}.json`);
}

function physical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Files a ticket and returns its id (22 url-safe characters, 128 bits). */
export function issueTicket(
  t: Omit<Ticket, "expires" | "cwd"> & { cwd: string },
  options: { env?: NodeJS.ProcessEnv; now?: number; ttlMs?: number } = {},
): string {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now();
  const dir = ticketsDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  pruneExpired(dir, now);
  const id = randomBytes(16).toString("base64url");
  const ticket: Ticket = { ...t, cwd: physical(t.cwd), expires: now + (options.ttlMs ?? TICKET_TTL_MS) };
  writeFileSync(fileFor(id, env), `${JSON.stringify(ticket)}\n`, { mode: 0o600, flag: "wx" });
  return id;
}

export type Redeemed = { ok: true; ticket: Ticket } | { ok: false; reason: string };

/**
 * Spends a ticket for `command` in `cwd`. Single use: the file is renamed to a name only this process knows
 * before it is read, so of two concurrent redeemers one wins. The caller then checks the policy hash
 * (`policyChanged`) once it has judged the command itself: it needs the ticket's agent to judge it.
 */
export function redeemTicket(
  id: string,
  want: { command: string; cwd: string },
  options: { env?: NodeJS.ProcessEnv; now?: number } = {},
): Redeemed {
  const env = options.env ?? process.env;
  if (!ID.test(id)) return { ok: false, reason: "not a ticket id" };
  const file = fileFor(id, env);
  const spent = `${file}.spent-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    renameSync(file, spent);
  } catch {
    return { ok: false, reason: "no such ticket (already used, expired or never issued)" };
  }
  let ticket: Ticket;
  try {
    ticket = JSON.parse(readFileSync(spent, "utf8")) as Ticket;
  } catch {
    return { ok: false, reason: "the ticket is unreadable" };
  } finally {
    try {
      unlinkSync(spent);
    } catch {}
  }
  const now = options.now ?? Date.now();
  if (!(ticket.expires > now)) return { ok: false, reason: "the ticket has expired" };
  if (ticket.command !== want.command) return { ok: false, reason: "the ticket is for a different command" };
  if (ticket.cwd !== physical(want.cwd))
    return { ok: false, reason: `the ticket is for another directory (${ticket.cwd})` };
  return { ok: true, ticket };
}

/** Why a redeemed ticket does not cover a run judged under `policy`, or undefined when it does. */
export function policyChanged(ticket: Ticket, policy: string): string | undefined {
  return ticket.policy === policy ? undefined : "the policy changed since the ticket was issued";
}

/** Expired and abandoned tickets go when the next one is filed (bounded work: a few dozen files at most). */
function pruneExpired(dir: string, now: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.slice(0, 256)) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > TICKET_TTL_MS * 5) unlinkSync(p);
    } catch {}
  }
}
