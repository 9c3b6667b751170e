// A hook decided in this process because no daemon answered: exactly `warden hook` as it was before the
// daemon, except that a policy (or WARDEN_DAEMON) saying `daemon: required` blocks instead, and `daemon:
// auto` starts one for the next call.
import { blocked, type HookResult } from "../integrations/hook-io.ts";
import { type PipelineOptions, preparePipeline } from "../integrations/pipeline.ts";
import { envDaemonMode, socketPath, strictest } from "./paths.ts";

type Agent = "claude" | "gemini" | "codex";
type Handler = (text: string, opts: PipelineOptions & { ask?: "deny" | "native" }) => Promise<HookResult>;

export async function hookHandler(agent: Agent): Promise<Handler> {
  switch (agent) {
    case "claude":
      return (await import("../integrations/claude-code.ts")).handleClaudeHook;
    case "gemini":
      return (await import("../integrations/gemini-cli.ts")).handleGeminiHook;
    case "codex":
      return (await import("../integrations/codex.ts")).handleCodexHook;
  }
}

function payloadCwd(text: string): string | undefined {
  try {
    const cwd = (JSON.parse(text) as { cwd?: unknown }).cwd;
    return typeof cwd === "string" && cwd.startsWith("/") ? cwd : undefined;
  } catch {
    return undefined; // the adapter reports the malformed payload
  }
}

export async function inProcessHook(
  agent: Agent,
  text: string,
  options: PipelineOptions & { ask?: "deny" | "native" },
  why: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HookResult> {
  const handle = await hookHandler(agent);
  let opts = options;
  let mode = envDaemonMode(env);
  const cwd = payloadCwd(text);
  if (cwd !== undefined) {
    try {
      opts = await preparePipeline(options, { cwd, env });
      mode = strictest(mode, opts.prepared?.policy.daemon);
    } catch {
      // A broken policy: the adapter loads it again and blocks with its error.
    }
  }
  if (mode === "required")
    return blocked(
      `Warden could not check this tool call, so it is blocked (the policy says daemon: required and ${why || `no daemon answers at ${socketPath(env)}`}).`,
    );
  if (mode === "auto") {
    const { startDaemon } = await import("./start.ts");
    startDaemon(env);
  }
  return handle(text, opts);
}
