// The hook entries Warden adds to each agent's settings, and how it recognises them again.
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { shellQuote } from "./pipeline.ts";

export type Agent = "claude" | "gemini" | "codex";
export const AGENTS: readonly Agent[] = ["claude", "gemini", "codex"];

/** Seconds (Claude Code, Codex): above the hook's own 20 s watchdog, far below the 600 s default. */
const TIMEOUT_S = 30;

/**
 * The command an agent runs per tool call, absolute so the agent's PATH does not matter:
 * `node /abs/dist/hook.js AGENT`, the thin client (node:http to the daemon, the full hook in-process when
 * none answers), when it sits beside this `dist/warden.js`; else `node /abs/…/warden.js hook AGENT`.
 */
export function defaultHookCommand(agent: Agent, script = process.argv[1]): string {
  let cli = script ?? "warden";
  try {
    cli = realpathSync(cli);
  } catch {
    // keep as given
  }
  if (!/\.(c|m)?js$/.test(cli)) return `${shellQuote(cli)} hook ${agent}`;
  const node = shellQuote(process.execPath);
  const client = join(dirname(cli), "hook.js");
  if (basename(cli) === "warden.js" && existsSync(client)) return `${node} ${shellQuote(client)} ${agent}`;
  return `${node} ${shellQuote(cli)} hook ${agent}`;
}

/** `… warden[.js] hook AGENT` (the full CLI, also as installed before the daemon) or `… dist/hook.js AGENT`. */
const ours = (agent: Agent) =>
  new RegExp(`(?:warden(?:\\.js)?['"]?\\s+hook|dist/hook\\.js['"]?)\\s+${agent}\\b`);
const OURS: Record<Agent, RegExp> = { claude: ours("claude"), gemini: ours("gemini"), codex: ours("codex") };

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
