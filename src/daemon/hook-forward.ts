// A hook call forwarded to the daemon: the agent's payload as it came, the options of the command line,
// and the hook's environment (the agent's: HOME, KUBECONFIG, AWS_PROFILE… are facts of the request, as they
// are when `warden hook` decides in-process). Used by `warden hook` and by the tiny dist/hook.js alike.
import { call, DaemonUnreachable } from "./client.ts";

export interface HookAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface HookForwardOptions {
  policyFile?: string | undefined;
  profile?: string | undefined;
  ask?: "deny" | "native" | undefined;
}

/** The header carrying the client's environment: base64 of its JSON (values may hold any byte). */
export const ENV_HEADER = "x-warden-env";

const BLOCK = 2;

function blocked(detail: string): HookAnswer {
  return {
    stdout: "",
    stderr: `Warden could not check this tool call, so it is blocked (${detail}).\n`,
    exitCode: BLOCK,
  };
}

export function hookPath(agent: string, options: HookForwardOptions, cwd: string): string {
  const q = new URLSearchParams();
  // The path is the client's: the daemon's cwd is not.
  if (options.policyFile !== undefined)
    q.set("policy", options.policyFile.startsWith("/") ? options.policyFile : `${cwd}/${options.policyFile}`);
  if (options.profile !== undefined) q.set("profile", options.profile);
  if (options.ask !== undefined) q.set("ask", options.ask);
  const qs = q.toString();
  return `/v1/hook/${agent}${qs ? `?${qs}` : ""}`;
}

export function envHeader(env: NodeJS.ProcessEnv): string {
  return Buffer.from(JSON.stringify(env)).toString("base64");
}

/**
 * The daemon's answer, or null when no daemon listens (the caller falls back or fails closed). A daemon
 * that breaks off, times out or answers with an error blocks the tool call: it was reached, so deciding
 * in-process now could contradict what it already recorded.
 */
export async function forwardHook(
  socket: string,
  agent: string,
  text: string,
  options: HookForwardOptions,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<HookAnswer | null> {
  let reply: Awaited<ReturnType<typeof call>>;
  try {
    reply = await call(socket, hookPath(agent, options, cwd), {
      body: text,
      headers: { [ENV_HEADER]: envHeader(env) },
    });
  } catch (err) {
    if (err instanceof DaemonUnreachable) return null;
    return blocked(`the Warden daemon failed: ${(err as Error).message}`);
  }
  let parsed: {
    stdout?: unknown;
    stderr?: unknown;
    exit_code?: unknown;
    warnings?: unknown;
    error?: unknown;
  };
  try {
    parsed = JSON.parse(reply.text);
  } catch {
    return blocked(`the Warden daemon answered ${reply.status} with no JSON`);
  }
  if (reply.status !== 200)
    return blocked(`the Warden daemon refused the request: ${reply.status} ${String(parsed.error ?? "")}`);
  if (
    typeof parsed.stdout !== "string" ||
    typeof parsed.stderr !== "string" ||
    typeof parsed.exit_code !== "number"
  )
    return blocked("the Warden daemon's answer has no stdout/stderr/exit_code");
  const warnings = Array.isArray(parsed.warnings)
    ? parsed.warnings.map((w) => `warden: warning: ${String(w)}\n`).join("")
    : "";
  return { stdout: parsed.stdout, stderr: warnings + parsed.stderr, exitCode: parsed.exit_code };
}
