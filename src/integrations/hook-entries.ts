// The hook entries Warden adds to each agent's settings, and how it recognises them again.
import { realpathSync } from "node:fs";
import { shellQuote } from "./pipeline.ts";

export type Agent = "claude" | "gemini" | "codex";
export const AGENTS: readonly Agent[] = ["claude", "gemini", "codex"];

/** Seconds (Claude Code, Codex): above the hook's own 20 s watchdog, far below the 600 s default. */
const TIMEOUT_S = 30;

/** `node /abs/dist/warden.js hook AGENT`: absolute, so the agent's PATH does not matter. */
export function defaultHookCommand(agent: Agent, script = process.argv[1]): string {
  let cli = script ?? "warden";
  try {
    cli = realpathSync(cli);
  } catch {
    // keep as given
  }
  const prefix = /\.(c|m)?js$/.test(cli)
    ? `${shellQuote(process.execPath)} ${shellQuote(cli)}`
    : shellQuote(cli);
  return `${prefix} hook ${agent}`;
}

const OURS: Record<Agent, RegExp> = {
  claude: /warden(\.js)?['"]?\s+hook\s+claude\b/,
  gemini: /warden(\.js)?['"]?\s+hook\s+gemini\b/,
  codex: /warden(\.js)?['"]?\s+hook\s+codex\b/,
};

export function isWardenHook(hook: unknown, agent: Agent): boolean {
  if (typeof hook !== "object" || hook === null) return false;
  const command = (hook as { command?: unknown }).command;
  return typeof command === "string" && OURS[agent].test(command);
}

export type HookGroups = Record<string, Record<string, unknown>[]>;

/** Event → matcher groups, in each agent's settings format. */
export function hookEntries(agent: Agent, command: string): HookGroups {
  switch (agent) {
    case "claude": {
      // onFailure "block" (Claude Code ≥ 2.1.295) makes a hook that cannot start or times out block the
      // call; older releases ignore the key. It belongs on the hook entry, not on the matcher group.
      const pre = { type: "command", command, timeout: TIMEOUT_S, onFailure: "block" };
      const post = { type: "command", command, timeout: TIMEOUT_S };
      return {
        PreToolUse: [{ matcher: "*", hooks: [pre] }],
        PostToolUse: [{ matcher: "*", hooks: [post] }],
        SessionEnd: [{ hooks: [{ type: "command", command, timeout: 10 }] }],
      };
    }
    case "gemini": {
      // Gemini CLI timeouts are in milliseconds; matchers are regular expressions.
      const hook = {
        type: "command",
        command,
        name: "warden",
        timeout: TIMEOUT_S * 1000,
        description: "Warden policy check",
      };
      return {
        BeforeTool: [{ matcher: ".*", hooks: [hook] }],
        AfterTool: [{ matcher: ".*", hooks: [{ ...hook, description: "Warden audit record" }] }],
      };
    }
    case "codex": {
      const hook = { type: "command", command, timeout: TIMEOUT_S };
      return {
        PreToolUse: [{ matcher: "Bash|apply_patch|mcp__.*", hooks: [hook] }],
        PostToolUse: [{ matcher: "Bash|apply_patch|mcp__.*", hooks: [hook] }],
      };
    }
  }
}
