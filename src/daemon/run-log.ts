// `warden exec`'s audit events when a daemon runs: sent to it (POST /v1/runs/events) instead of written
// here, so there is one writer and one chain; each append resolves once the daemon says it is durable.

import type { AuditEvent } from "../audit/record.ts";
import { call, DaemonUnreachable } from "./client.ts";
import { socketPath } from "./paths.ts";

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
  const socket = socketPath(env);
  try {
    const r = await call(socket, "/v1/health", { timeoutMs: 2_000 });
    return r.status === 200 ? new DaemonRunLog(socket) : null;
  } catch (err) {
    if (err instanceof DaemonUnreachable) return null;
    throw err;
  }
}
