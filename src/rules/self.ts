import type { Finding } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { finding, positionals } from "./util.ts";

// Warden guarding itself: an agent usually runs as the same OS user as its human, so it could approve its
// own requests, unlock or replace keys, or uninstall the hooks. Those subcommands are for people only.
const HUMAN_ONLY = new Set(["approve", "deny", "unlock", "lock", "keys", "install", "uninstall"]);
const READ_ONLY = new Set(["check", "pending", "--help", "-h", "--version", "help"]);

export const selfPack: RulePack = {
  name: "self",
  programs: ["warden"],
  classify(inv, ctx, index): Finding[] {
    const words = inv.argv.slice(1).map((w) => w.value);
    const sub = positionals(words)[0] ?? words[0];
    if (sub === undefined) return [];
    if (HUMAN_ONLY.has(sub))
      return [
        finding(
          "critical",
          "self.human-only",
          `\`warden ${sub}\` is for the human operator, not for an agent (it would approve or weaken Warden itself)`,
          index,
        ),
      ];
    if (READ_ONLY.has(sub)) return [];
    if (sub === "policy" || sub === "audit") {
      const verb = positionals(words)[1];
      return verb === "export" && sub === "audit"
        ? [finding("medium", "self.audit-export", "exports the audit log", index)]
        : [];
    }
    // exec, hook, mcp, plan, verify: the command they run is judged when it arrives; the wrapper itself is ordinary.
    return [finding(ctx.unknownRisk, "self.other", `runs \`warden ${sub}\``, index)];
  },
};
