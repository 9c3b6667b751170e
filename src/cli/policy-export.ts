// `warden policy export claude-settings|gemini|codex|apparmor`: the policy in another tool's format.
// `run` takes the arguments after `policy export`; the `policy` command dispatches here.
import { parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden policy export claude-settings|gemini|codex [--policy FILE] [--cwd DIR]
       warden policy export apparmor --user NAME [--login-program PATH] [--policy FILE]

  claude-settings  permissions.deny / ask rules and the Warden hook entries, as Claude Code settings JSON
  gemini           Gemini CLI policy-engine TOML (deny / ask_user rules)
  codex            Codex .rules (prefix_rule forbidden / prompt), listing what cannot be expressed
  apparmor         an AppArmor profile denying the account NAME the exec of blocked binaries, and the PAM line`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("policy export", argv, {
    policy: { type: "string" },
    profile: { type: "string" },
    cwd: { type: "string" },
    user: { type: "string" },
    "login-program": { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [format, ...extra] = positionals;
  if (extra.length > 0) throw new CliError(`policy export: unexpected argument '${extra[0]}'`);
  const cwd = values.cwd ?? process.cwd();
  // Export from the policy that is really in force (every layer), never silently from the built-in one.
  const { preparePipeline } = await import("../integrations/pipeline.ts");
  const options = await preparePipeline({ policyFile: values.policy, profile: values.profile }, { cwd });
  switch (format) {
    case "claude-settings": {
      const { probePolicy } = await import("../integrations/policy-probes.ts");
      const { claudeSettings } = await import("../integrations/export-claude.ts");
      const { defaultHookCommand } = await import("../integrations/hook-entries.ts");
      process.stdout.write(
        `${JSON.stringify(claudeSettings(probePolicy(options, cwd), defaultHookCommand("claude")), null, 2)}\n`,
      );
      return 0;
    }
    case "gemini": {
      const { probePolicy } = await import("../integrations/policy-probes.ts");
      const { geminiPolicy } = await import("../integrations/export-gemini.ts");
      process.stdout.write(geminiPolicy(probePolicy(options, cwd)));
      return 0;
    }
    case "codex": {
      const { probePolicy, NOT_EXPRESSIBLE } = await import("../integrations/policy-probes.ts");
      const { codexRules } = await import("../integrations/export-codex.ts");
      process.stdout.write(codexRules(probePolicy(options, cwd)));
      process.stderr.write(
        `warden: not expressible as Codex rules (enforced by \`warden hook codex\`):\n${NOT_EXPRESSIBLE.map((n) => `  - ${n}\n`).join("")}`,
      );
      return 0;
    }
    case "apparmor": {
      if (!values.user) throw new CliError("policy export apparmor: --user NAME is required");
      const { blockedPrograms } = await import("../integrations/pipeline.ts");
      const { apparmorProfile, resolveProgram, PAM_LINE } = await import(
        "../integrations/export-apparmor.ts"
      );
      const programs = blockedPrograms(options).map((name) => ({ name, paths: resolveProgram(name) }));
      try {
        process.stdout.write(
          apparmorProfile({ user: values.user, programs, loginProgram: values["login-program"] }),
        );
      } catch (err) {
        throw new CliError(`policy export apparmor: ${(err as Error).message}`);
      }
      process.stderr.write(
        `warden: add to the login program's PAM stack (e.g. /etc/pam.d/sshd):\n  ${PAM_LINE}\n`,
      );
      if (programs.length === 0)
        process.stderr.write("warden: the policy blocks no programs; the profile denies nothing yet\n");
      return 0;
    }
    default:
      throw new CliError("policy export: choose claude-settings, gemini, codex or apparmor");
  }
}
