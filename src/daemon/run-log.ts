// `warden exec` when a daemon runs: its audit events are sent there (POST /v1/runs/events) instead of written
// here, so there is one writer and one chain; each append resolves once the daemon says it is durable. Its
// run ticket is spent there too (POST /v1/tickets/redeem): the hook answer that filed it came from the daemon.

import type { AuditEvent } from "../audit/record.ts";
import type { Redeemed, Ticket } from "../sandbox/ticket.ts";
import { call } from "./client.ts";
import { daemonHealth } from "./health.ts";

export class DaemonRunLog {
  constructor(readonly socket: string) {}

  async append(event: AuditEvent): Promise<{ seq: number; hash: string; id: string }> {
    const r = await call(this.socket, "/v1/runs/events", { body: JSON.stringify({ events: [event] }) });
    let body: { appended?: { seq: number; hash: string; id: string }[]; error?: string };
    try {
      body = JSON.parse(r.text);
    } catch {
      body = {};
    }
    if (r.status !== 200 || !body.appended?.[0])
      throw new Error(
        `the Warden daemon did not record the ${event.type} event: ${r.status} ${body.error ?? ""}`,
      );
    return body.appended[0];
  }

  async close(): Promise<void> {}
}

/** The daemon's run log when one answers on the socket, else null (the caller writes the log itself). */
export async function daemonRunLog(env: NodeJS.ProcessEnv = process.env): Promise<DaemonRunLog | null> {
  const daemon = await daemonHealth(env);
  return daemon ? new DaemonRunLog(daemon.socket) : null;
}

export type TicketSpender = (id: string, want: { command: string; cwd: string }) => Promise<Redeemed>;

/** Spends tickets at the daemon when one answers, else null (the caller spends them in its own state). */
export async function daemonTickets(env: NodeJS.ProcessEnv = process.env): Promise<TicketSpender | null> {
  const daemon = await daemonHealth(env);
  if (!daemon) return null;
  return async (id, want) => {
    const r = await call(daemon.socket, "/v1/tickets/redeem", { body: JSON.stringify({ id, ...want }) });
    let body: { ticket?: Ticket; error?: string };
    try {
      body = JSON.parse(r.text);
    } catch {
      body = {};
    }
    if (r.status === 200 && body.ticket) return { ok: true, ticket: body.ticket };
    return { ok: false, reason: body.error ?? `the Warden daemon answered ${r.status}` };
  };
}
