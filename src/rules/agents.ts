// Nested agent CLIs (`gemini -p …`, `claude -p …`, `codex exec …`, `aider --message …`): the nested agent
// runs under its own permission checks, so starting one is low. Flags that switch those checks off (yolo
// modes, bypassed approvals and sandboxes, blanket shell permission) let it run anything without anyone
// seeing it first: high. Subcommands that install or register code the agent later runs (MCP servers,
// extensions, plugins, updates) are questions.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { classifyShellText } from "./nested.ts";
import { finding } from "./util.ts";

export const AGENT_PROGRAMS = ["gemini", "qwen", "claude", "codex", "aider", "cursor-agent"];

/** Subcommands that install, register or update code, per agent (their `list`/`get` verbs only read). */
const INSTALLERS: Record<string, readonly string[]> = {
  gemini: ["mcp", "extensions", "extension"],
  qwen: ["mcp", "extensions", "extension"],
  claude: ["mcp", "plugin", "plugins", "config", "update", "install", "migrate-installer"],
  codex: ["mcp", "login", "logout", "cloud"],
  "cursor-agent": ["mcp", "login", "logout", "update", "install-shell-integration"],
};
const READ_VERBS = new Set(["list", "ls", "get", "show", "status", "help"]);

/** The value of `--name v` / `--name=v` (and short spellings), every occurrence. */
function values(words: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    for (const n of names) {
      if (w === n && words[i + 1] !== undefined) out.push(words[i + 1]!);
      else if (w.startsWith(`${n}=`)) out.push(w.slice(n.length + 1));
    }
  }
  return out;
}

/** A tool allowance that lets the agent run any shell command (`Bash`, `Bash(*)`, `run_shell_command`). */
function blanketShell(list: string): boolean {
  return list
    .split(/[\s,]+/)
    .some((t) => /^(Bash|Bash\(\*?:?\*\)|run_shell_command|ShellTool|Shell)$/.test(t));
}

/** Why the flags switch the nested agent's permission checks off, or null when they do not. */
function bypass(program: string, words: readonly string[]): string | null {
  const has = (...flags: string[]) => words.some((w) => flags.includes(w));
  switch (program) {
    case "gemini":
    case "qwen": {
      if (has("-y", "--yolo") || values(words, ["--approval-mode"]).includes("yolo"))
        return "yolo mode approves every tool call, shell commands included";
      if (values(words, ["--allowed-tools"]).some(blanketShell))
        return "--allowed-tools lets it run any shell command without asking";
      return null;
    }
    case "claude": {
      if (has("--dangerously-skip-permissions", "--allow-dangerously-skip-permissions"))
        return "--dangerously-skip-permissions turns off its permission checks";
      if (values(words, ["--permission-mode"]).includes("bypassPermissions"))
        return "--permission-mode bypassPermissions turns off its permission checks";
      if (values(words, ["--settings"]).some((s) => s.includes("bypassPermissions")))
        return "its --settings turn off its permission checks";
      if (values(words, ["--allowedTools", "--allowed-tools"]).some(blanketShell))
        return "--allowedTools lets it run any shell command without asking";
      return null;
    }
    case "codex": {
      if (has("--dangerously-bypass-approvals-and-sandbox", "--yolo"))
        return "--dangerously-bypass-approvals-and-sandbox runs every command unsandboxed without asking";
      if (has("--full-auto")) return "--full-auto runs the commands it chooses without asking";
      const sandbox = values(words, ["-s", "--sandbox"]);
      if (sandbox.includes("danger-full-access"))
        return "-s danger-full-access runs commands outside any sandbox";
      if (
        sandbox.includes("workspace-write") &&
        !values(words, ["-a", "--ask-for-approval"]).some((a) => a !== "never")
      )
        return "-s workspace-write without approvals runs the commands it chooses without asking";
      if (
        values(words, ["-c", "--config"]).some((c) =>
          /danger-full-access|approval_policy\s*=\s*"?never/.test(c),
        )
      )
        return "its -c configuration turns off the sandbox or approvals";
      return null;
    }
    case "aider":
      if (has("--yes-always", "--yes"))
        return "--yes-always answers yes to every question, running commands included";
      return null;
    case "cursor-agent":
      if (has("-f", "--force")) return "--force allows every command that is not explicitly denied";
      return null;
  }
  return null;
}

function one(risk: Risk, rule: string, reason: string, index: number): Finding[] {
  return [finding(risk, `agents.${rule}`, reason, index)];
}

export function classifyAgent(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program!;
  const words = inv.argv.slice(1).map((w) => w.value);
  const found: Finding[] = [];
  const why = bypass(program, words);
  if (why)
    return one("high", "bypass", `\`${program}\` starts a nested agent with its checks off: ${why}`, index);
  const sub = words.find((w) => !w.startsWith("-"));
  const first = words[0];
  if (sub !== undefined && first === sub && (INSTALLERS[program] ?? []).includes(sub)) {
    const verb = words.slice(1).find((w) => !w.startsWith("-")) ?? "";
    if (READ_VERBS.has(verb) || (program === "claude" && sub === "mcp" && verb === "serve"))
      return one("low", "read", `\`${program} ${sub} ${verb}\` only reads or serves locally`, index);
    return one(
      "medium",
      "install",
      `\`${program} ${sub}${verb ? ` ${verb}` : ""}\` changes the agent's setup (servers, extensions, logins or updates it runs with)`,
      index,
    );
  }
  if (program === "claude" && first === "setup-token")
    return one("high", "token", "`claude setup-token` creates and prints a long-lived login token", index);
  if (program === "codex" && (first === "sandbox" || first === "debug"))
    return one("medium", "sandbox-run", `\`codex ${first}\` runs a command of its own choosing`, index);
  // A settings file (not inline JSON, checked above) may switch the checks off or add hooks that run commands.
  if (program === "claude" && values(words, ["--settings"]).some((v) => !v.trimStart().startsWith("{")))
    found.push(
      finding(
        "medium",
        "agents.settings-file",
        "`claude --settings FILE` runs with permissions and hooks from that file",
        index,
      ),
    );
  if (program === "claude" && values(words, ["--mcp-config"]).length > 0)
    found.push(
      finding(
        "medium",
        "agents.mcp-config",
        "`claude --mcp-config` starts the MCP servers that file names",
        index,
      ),
    );
  if (program === "aider") {
    if (words.some((w) => /^--(install-main-branch|upgrade|update)$/.test(w)))
      return one("medium", "install", "`aider` upgrades itself", index);
    // Aider runs its test and lint commands itself, without asking: judge them like any other command.
    for (const cmd of values(words, ["--test-cmd", "--lint-cmd"]))
      found.push(...classifyShellText(cmd, ctx, index, `\`aider\` runs \`${cmd.slice(0, 60)}\``));
  }
  found.push(
    finding(
      "low",
      "agents.nested",
      `\`${program}\` runs a nested agent that asks for permission itself`,
      index,
    ),
  );
  return found;
}
