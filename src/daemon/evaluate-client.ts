// `warden check` through the daemon: the verdict under the daemon's (watched) policy, exactly what
// `warden check --json` would print in-process. Null when no daemon answers: the caller decides itself.
import type { Verdict } from "../types.ts";
import { call } from "./client.ts";
import { daemonHealth } from "./health.ts";

export interface RemoteEvaluation {
  verdict: Verdict;
  spans: [number, number][];
  warnings: string[];
}

/** The daemon refused or failed: a usage-type error (a broken policy, an unknown profile) with its reason. */
export class DaemonRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type RemoteEvaluator = (request: {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  policyFile?: string | undefined;
  profile?: string | undefined;
}) => Promise<RemoteEvaluation>;

export async function daemonEvaluator(env: NodeJS.ProcessEnv = process.env): Promise<RemoteEvaluator | null> {
  const daemon = await daemonHealth(env);
  if (!daemon) return null;
  const socket = daemon.socket;
  return async ({ command, cwd, env: requestEnv, policyFile, profile }) => {
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(requestEnv)) if (typeof v === "string") strings[k] = v;
    const body = {
      request: { kind: "command", command, cwd, env: strings },
      ...(policyFile !== undefined
        ? { policy_file: policyFile.startsWith("/") ? policyFile : `${cwd}/${policyFile}` }
        : {}),
      ...(profile !== undefined ? { profile } : {}),
    };
    const r = await call(socket, "/v1/evaluate", { body: JSON.stringify(body) });
    let parsed: Partial<RemoteEvaluation> & { error?: string };
    try {
      parsed = JSON.parse(r.text);
    } catch {
      throw new DaemonRefused(`the Warden daemon answered ${r.status} with no JSON`, r.status);
    }
    if (r.status !== 200 || !parsed.verdict)
      throw new DaemonRefused(parsed.error ?? `the Warden daemon answered ${r.status}`, r.status);
    return { verdict: parsed.verdict, spans: parsed.spans ?? [], warnings: parsed.warnings ?? [] };
  };
}
