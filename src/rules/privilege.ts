// Privilege escalation: an agent must never act as root or as another user. The wrapper itself is judged
// here; the command it runs is a separate invocation the other packs classify.
import type { Finding } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

const ESCALATE = [
  "sudo",
  "su",
  "doas",
  "pkexec",
  "runuser",
  "sudoedit",
  "run0",
  "machinectl",
  "calife",
  "ksu",
];

/** Harmless forms: asking sudo what it would allow, dropping cached credentials. */
function readOnlySudo(args: readonly string[]): boolean {
  if (args.length === 0) return false;
  return args.every((a) =>
    /^(-l|-ll|--list|-k|--reset-timestamp|-K|--remove-timestamp|-V|--version|-h|--help|-n|--non-interactive)$/.test(
      a,
    ),
  );
}

export const privilegePack: RulePack = {
  name: "privilege",
  programs: [
    ...ESCALATE,
    "chroot",
    "setcap",
    "visudo",
    "passwd",
    "chpasswd",
    "useradd",
    "usermod",
    "userdel",
    "groupadd",
    "gpasswd",
  ],
  classify(inv, _ctx, index): Finding[] {
    const program = inv.program!;
    const args = inv.argv.slice(1).map((w) => w.value);
    if ((program === "sudo" || program === "doas") && readOnlySudo(args))
      return [
        finding(
          "medium",
          "privilege.sudo-query",
          `\`${program} ${args.join(" ")}\` asks about root access without running anything`,
          index,
        ),
      ];
    if (ESCALATE.includes(program)) {
      if (program === "machinectl" && args[0] !== "shell" && args[0] !== "login")
        return [finding("medium", "privilege.machinectl", "manages local containers and VMs", index)];
      return [
        finding(
          "critical",
          `privilege.${program}`,
          `runs a command with root or another user's rights (\`${program}\`)`,
          index,
        ),
      ];
    }
    if (program === "chroot")
      return [
        finding("high", "privilege.chroot", "runs a command in another root filesystem (needs root)", index),
      ];
    if (program === "setcap")
      return [finding("critical", "privilege.setcap", "grants a program kernel capabilities", index)];
    if (program === "visudo")
      return [finding("critical", "privilege.visudo", "edits who may become root", index)];
    if (program === "passwd" || program === "chpasswd")
      return [finding("high", `privilege.${program}`, "changes account passwords", index)];
    return [
      finding(
        "critical",
        `privilege.${program}`,
        `changes system accounts or groups (\`${program}\`)`,
        index,
      ),
    ];
  },
};
