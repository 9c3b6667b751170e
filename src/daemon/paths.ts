// Where the daemon listens. Imported by the tiny hook client too, so it may use nothing but node:path and
// node:os (through state.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../state.ts";

/** Where `warden daemon --system` listens for agents (systemd's RuntimeDirectory=warden). */
export const SYSTEM_SOCKET = "/run/warden/warden.sock";
/** …and for humans: approvals and the like, refused on the agents' socket. */
export const SYSTEM_ADMIN_SOCKET = "/run/warden/admin.sock";
export const SYSTEM_STATE_DIR = "/var/lib/warden";
export const SYSTEM_CONFIG_DIR = "/etc/warden";

/**
 * `WARDEN_SOCKET`, else the system daemon's socket when one exists (an agent must not be able to escape it by
 * starting a daemon of its own), else `$XDG_RUNTIME_DIR/warden/warden.sock` (a per-login tmpfs the user alone
 * can enter), else `<state dir>/run/warden.sock` when there is no runtime dir (containers, cron, su without a
 * session).
 */
export function socketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARDEN_SOCKET) return env.WARDEN_SOCKET;
  if (existsSync(SYSTEM_SOCKET)) return SYSTEM_SOCKET;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "warden", "warden.sock");
  return join(stateDir(env), "run", "warden.sock");
}

/** How clients may use the daemon: `WARDEN_DAEMON` (or the policy's `daemon:`, read where it is loaded). */
export type DaemonMode = "off" | "auto" | "required";

export function envDaemonMode(env: NodeJS.ProcessEnv = process.env): DaemonMode | undefined {
  const v = env.WARDEN_DAEMON;
  return v === "off" || v === "auto" || v === "required" ? v : undefined;
}

/**
 * WARDEN_DAEMON=off: the hook decides in-process without asking the daemon. Never for the system daemon's
 * socket: an agent, whose environment this is, must not be able to bypass it.
 */
export function skipsDaemon(env: NodeJS.ProcessEnv, socket: string): boolean {
  return envDaemonMode(env) === "off" && socket !== SYSTEM_SOCKET;
}

/** The strictest of two settings: `required` beats `auto` beats `off`. */
export function strictest(a: DaemonMode | undefined, b: DaemonMode | undefined): DaemonMode {
  const rank = { off: 0, auto: 1, required: 2 } as const;
  const x = a ?? "off";
  const y = b ?? "off";
  return rank[x] >= rank[y] ? x : y;
}
