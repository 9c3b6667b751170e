// `warden policy export claude-settings`: a Claude Code settings fragment — the policy's blocked commands
// and secret files as `permissions.deny` rules (checked by Claude Code even when a hook fails), plus the
// Warden hook entries. Merge it into a settings file, or let `warden install claude` do the hooks.
import { hookEntries } from "./hook-entries.ts";
import type { Probes } from "./policy-probes.ts";

export function claudeSettings(probes: Probes, hookCommand: string): Record<string, unknown> {
  const deny: string[] = [];
  const ask: string[] = [];
  for (const p of probes.prefixes) {
    // Claude Code's prefix form: `Bash(git push --force:*)`.
    const rule = `Bash(${p.prefix.join(" ")}:*)`;
    if (p.decision === "deny") deny.push(rule);
    else if (p.decision === "ask") ask.push(rule);
  }
  for (const p of probes.paths) {
    const path = p.under === "home" ? `~/${p.pattern}` : `./${p.pattern}`;
    const list = p.decision === "deny" ? deny : p.decision === "ask" ? ask : undefined;
    list?.push(`Read(${path})`, `Edit(${path})`);
  }
  const permissions: Record<string, string[]> = { deny };
  if (ask.length > 0) permissions.ask = ask;
  return { permissions, hooks: hookEntries("claude", hookCommand) };
}
