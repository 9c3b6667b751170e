// The files that decide whether Warden guards anything: the agents' settings and hook configuration, Warden's
// own configuration, policy and state. An agent that writes one of them can switch its guard off (Claude
// Code stops calling hooks on `disableAllHooks`, a repository policy trusted by the user loosens, the audit
// log loses its tail), so a write or a delete is critical (deny), whatever the command that does it. Nearby
// files that run code later (an agent's hook scripts, `.git/config`, which can name hooks and fsmonitor
// programs) are high. Reads are untouched. Matching is lexical on the absolute path, as in paths.ts; the
// sandbox mounts the same paths read-only (sandbox/plan.ts) so a script the rules cannot see into cannot
// write them either.
import type { Risk, RuleContext } from "../types.ts";

export interface GuardPath {
  /** Matched against the absolute path, anywhere in it (a project's `.claude/` and the home's alike). */
  pattern: RegExp;
  risk: Risk;
  /**
   * Deleting it, when that is less bad than rewriting it: an agent's deleted settings lose their hooks (which
   * may be Warden's), but cannot gain `disableAllHooks`.
   */
  deleteRisk?: Risk;
  what: string;
  /** Paths to mount read-only in the sandbox, relative to the workspace and to the home directory. */
  mount?: string[];
}

const SETTINGS = "decide which hooks run, so changing them can switch Warden off";

export const GUARD_PATHS: readonly GuardPath[] = [
  {
    pattern: /\/\.claude\/settings(\.local)?\.json$/,
    risk: "critical",
    deleteRisk: "high",
    what: `Claude Code's settings, which ${SETTINGS}`,
    mount: [".claude/settings.json", ".claude/settings.local.json"],
  },
  {
    pattern: /\/(etc\/claude-code|Library\/Application Support\/ClaudeCode)\/managed-settings\.json$/,
    risk: "critical",
    what: `Claude Code's managed settings, which ${SETTINGS}`,
  },
  {
    pattern: /\/\.gemini\/(settings\.json|policies(\/|$))/,
    risk: "critical",
    deleteRisk: "high",
    what: `Gemini CLI's settings or policies, which ${SETTINGS}`,
    mount: [".gemini/settings.json", ".gemini/policies"],
  },
  {
    pattern: /\/\.codex\/(config\.toml|hooks\.json|rules(\/|$))/,
    risk: "critical",
    deleteRisk: "high",
    what: `Codex's configuration, hooks or exec-policy rules, which ${SETTINGS}`,
    mount: [".codex/config.toml", ".codex/hooks.json", ".codex/rules"],
  },
  {
    pattern: /\/\.warden(\/|$)/,
    risk: "critical",
    what: "the repository's Warden policy (.warden/), which decides what agents may run",
    mount: [".warden"],
  },
  {
    pattern: /\/\.config\/warden(\/|$)/,
    risk: "critical",
    what: "Warden's configuration (policy, approvers), which decides what agents may run and who approves",
    mount: [".config/warden"],
  },
  {
    pattern: /\/\.local\/state\/warden(\/|$)/,
    risk: "critical",
    what: "Warden's state (audit log, keys, approvals)",
    mount: [".local/state/warden"],
  },
  {
    pattern: /\/\.(claude|gemini|codex)\/hooks(\/|$)/,
    risk: "high",
    what: "an agent's hook scripts, which run on the agent's every tool call",
    mount: [".claude/hooks", ".gemini/hooks", ".codex/hooks"],
  },
  {
    pattern: /\/\.claude\.json$/,
    risk: "high",
    what: "Claude Code's user state (MCP servers, allowed tools per project)",
  },
  {
    pattern: /\/\.(claude|gemini|codex)$/,
    risk: "critical",
    deleteRisk: "high",
    what: `an agent's configuration directory, whose settings ${SETTINGS}`,
  },
  {
    pattern: /\/\.git\/config$/,
    risk: "high",
    what: "the repository's git config, which can name programs git runs (core.hooksPath, core.fsmonitor)",
    mount: [".git/config"],
  },
];

/** Warden's own directories as the environment places them (WARDEN_*_DIR, XDG_*_HOME). */
function wardenDirs(ctx: RuleContext): string[] {
  const e = ctx.env;
  const dirs = [e.WARDEN_CONFIG_DIR, e.WARDEN_STATE_DIR];
  if (e.XDG_CONFIG_HOME) dirs.push(`${e.XDG_CONFIG_HOME}/warden`);
  if (e.XDG_STATE_HOME) dirs.push(`${e.XDG_STATE_HOME}/warden`);
  return dirs.filter((d): d is string => d?.startsWith("/") === true && d !== "/");
}

export interface GuardHit {
  risk: Risk;
  what: string;
}

/** The guard path `path` (absolute, normalised) is or is inside, if any; the worst one wins. */
export function guardPath(path: string, ctx: RuleContext, op: "write" | "delete" = "write"): GuardHit | null {
  for (const d of wardenDirs(ctx))
    if (path === d || path.startsWith(`${d}/`))
      return { risk: "critical", what: `Warden's own configuration or state (${d})` };
  const bashEnv = ctx.env.BASH_ENV;
  if (bashEnv?.startsWith("/") && path === bashEnv)
    return { risk: "high", what: `${bashEnv}, which every non-interactive bash runs first (BASH_ENV)` };
  let found: GuardPath | null = null;
  for (const g of GUARD_PATHS)
    if (g.pattern.test(path) && (found === null || (g.risk === "critical" && found.risk !== "critical")))
      found = g;
  if (found === null) return null;
  return {
    risk: op === "delete" ? (found.deleteRisk ?? found.risk) : found.risk,
    what: `${path} (${found.what})`,
  };
}

/** A directory whose recursive delete takes a guard file with it (`rm -rf .claude`, `rm -rf ~/.config`). */
export function holdsGuard(path: string, ctx: RuleContext): GuardHit | null {
  const inside = guardPath(path, ctx, "delete");
  if (inside) return inside;
  for (const d of [...wardenDirs(ctx), `${ctx.home}/.config/warden`, `${ctx.home}/.local/state/warden`])
    if (d.startsWith(`${path}/`)) return { risk: "critical", what: `${path}, which holds Warden's own ${d}` };
  return null;
}
