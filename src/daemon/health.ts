// Is a daemon answering, and in which mode? Asked once per process by the thin clients (`warden exec`,
// `warden check`): each of them then sends its work there instead of doing it itself.
import { call, DaemonUnreachable } from "./client.ts";
import { socketPath } from "./paths.ts";

export interface DaemonHealth {
  socket: string;
  mode: "user" | "system";
  /** A system daemon's configuration: its clients judge with the same policy (tickets name its hash). */
  configDir?: string | undefined;
}

const asked = new Map<string, Promise<DaemonHealth | null>>();

/** The daemon at the env's socket, or null when none answers (a broken answer is an error, not "none"). */
export function daemonHealth(env: NodeJS.ProcessEnv = process.env): Promise<DaemonHealth | null> {
  const socket = socketPath(env);
  let p = asked.get(socket);
  if (!p) {
    p = ask(socket);
    asked.set(socket, p);
    p.catch(() => asked.delete(socket));
  }
  return p;
}

async function ask(socket: string): Promise<DaemonHealth | null> {
  let r: Awaited<ReturnType<typeof call>>;
  try {
    r = await call(socket, "/v1/health", { timeoutMs: 2_000 });
  } catch (err) {
    if (err instanceof DaemonUnreachable) return null;
    throw err;
  }
  if (r.status !== 200) return null;
  let body: { mode?: string; config_dir?: string };
  try {
    body = JSON.parse(r.text);
  } catch {
    throw new Error(`the Warden daemon at ${socket} answered /v1/health with no JSON`);
  }
  return {
    socket,
    mode: body.mode === "system" ? "system" : "user",
    ...(typeof body.config_dir === "string" ? { configDir: body.config_dir } : {}),
  };
}
