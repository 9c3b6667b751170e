// `warden install|uninstall claude|gemini|codex [--user|--project|--local] [--dry-run]`. Arguments only;
// the merge logic is in src/integrations/install.ts.
import { parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden install claude|gemini|codex [--user|--project|--local] [--dry-run] [--command CMD]
       warden uninstall claude|gemini|codex [--user|--project|--local] [--dry-run]

Adds Warden's hook entries to the agent's settings (default --user), leaving every other setting as it
was and writing a backup beside the file first; uninstall removes exactly those entries.
  claude  $CLAUDE_CONFIG_DIR or ~/.claude/settings.json | .claude/settings.json | .claude/settings.local.json
  gemini  ~/.gemini/settings.json | .gemini/settings.json, plus policies/warden.toml beside it
  codex   $CODEX_HOME or ~/.codex/hooks.json | .codex/hooks.json, plus rules/warden.rules beside it
  --dry-run      print the diff and change nothing
  --command CMD  the hook command to install (default, by absolute path: node …/dist/hook.js AGENT, the
                 thin client beside this warden that asks the daemon; node …/warden.js hook AGENT without it)`;

type Action = "install" | "uninstall";

export function run(argv: string[]): Promise<number> {
  return main("install", argv);
}

export function runUninstall(argv: string[]): Promise<number> {
  return main("uninstall", argv);
}

async function main(action: Action, argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(action, argv, {
    user: { type: "boolean" },
    project: { type: "boolean" },
    local: { type: "boolean" },
    "dry-run": { type: "boolean" },
    command: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [agent, ...extra] = positionals;
  if (agent !== "claude" && agent !== "gemini" && agent !== "codex") {
    throw new CliError(`${action}: name the agent: claude, gemini or codex`);
  }
  if (extra.length > 0) throw new CliError(`${action}: unexpected argument '${extra[0]}'`);
  const scopes = (["user", "project", "local"] as const).filter((s) => values[s]);
  if (scopes.length > 1) throw new CliError(`${action}: choose one of --user, --project, --local`);
  const scope = scopes[0] ?? "user";

  const inst = await import("../integrations/install.ts");
  const { defaultHookCommand } = await import("../integrations/hook-entries.ts");
  const loc = { env: process.env, cwd: process.cwd() };
  let changes: import("../integrations/install.ts").FileChange[];
  try {
    const file = inst.settingsPath(agent, scope, loc);
    changes = [inst.planSettings(agent, file, action, values.command ?? defaultHookCommand(agent))];
    const owned = inst.ownedFilePath(agent, scope, loc);
    if (owned) {
      const { probePolicy } = await import("../integrations/policy-probes.ts");
      const probes = probePolicy({}, process.cwd());
      const content =
        agent === "gemini"
          ? (await import("../integrations/export-gemini.ts")).geminiPolicy(probes)
          : (await import("../integrations/export-codex.ts")).codexRules(probes);
      changes.push(inst.planOwnedFile(owned, action, content));
    }
  } catch (err) {
    throw new CliError(`${action} ${agent}: ${(err as Error).message}`);
  }

  const pending = changes.filter(inst.changed);
  if (pending.length === 0) {
    process.stdout.write(
      `${action} ${agent}: nothing to change (${changes.map((c) => c.file).join(", ")})\n`,
    );
  }
  for (const c of pending) {
    if (values["dry-run"]) {
      process.stdout.write(inst.diffOf(c));
      continue;
    }
    const backup = inst.applyChange(c);
    process.stdout.write(
      `${c.after === null ? "removed" : "wrote"} ${c.file}${backup ? ` (backup: ${backup})` : ""}\n`,
    );
  }
  if (agent === "claude" && action === "install") {
    const version = inst.claudeVersion();
    if (version === undefined) {
      process.stderr.write(
        'warden: could not run `claude --version`; the hook carries onFailure: "block", which Claude Code honours from 2.1.295 on\n',
      );
    } else if (!inst.supportsOnFailure(version)) {
      process.stderr.write(
        `warden: Claude Code ${version} ignores onFailure: "block" (2.1.295 and later honour it): until you upgrade, a hook that cannot start lets tool calls through\n`,
      );
    }
  }
  return 0;
}
