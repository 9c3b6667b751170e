// The built-in policy: the first layer of every effective policy (and `extends: default`).
import type { PolicyDocument } from "../document.ts";

/** Host directories an agent may read but not change, whatever the workspace. */
const SYSTEM = [
  "/etc",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/boot",
  "/sys",
  "/proc",
  "/dev",
  "/var",
  "/opt",
  "/root",
  "/srv",
  "/snap",
];

export const defaultTemplate: PolicyDocument = {
  version: 1,
  unknown: "medium",
  decisions: { low: "allow", medium: "ask", high: "ask", critical: "deny" },
  approvals: true,
  forbidden: [
    { program: "sudo", reason: "privilege escalation is never delegated to an agent" },
    { program: "su", reason: "privilege escalation is never delegated to an agent" },
    { program: "doas", reason: "privilege escalation is never delegated to an agent" },
    { program: "pkexec", reason: "privilege escalation is never delegated to an agent" },
  ],
  paths: {
    outside: "read",
    decision: "ask",
    entries: [
      ...SYSTEM.map((path) => ({ path, permission: "read" as const, reason: "system path" })),
      { path: "/tmp", permission: "full", reason: "scratch space" },
      { path: "/var/tmp", permission: "full", reason: "scratch space" },
      { path: "/dev/null", permission: "full" },
      { path: "/dev/fd/**", permission: "full" },
      { path: "/dev/shm", permission: "full" },
      // Changing these persists access or code outside the session: always worth a look.
      { path: "~/.ssh", permission: "read", reason: "SSH keys and authorised keys" },
      { path: "~/.gnupg", permission: "read", reason: "GPG keys" },
      { path: "~/.aws", permission: "read", reason: "cloud credentials" },
      { path: "~/.config/gcloud", permission: "read", reason: "cloud credentials" },
      { path: "~/.kube", permission: "read", reason: "cluster credentials" },
      { path: "~/.config/warden", permission: "read", reason: "Warden's own policy" },
      { path: "~/.local/state/warden", permission: "read", reason: "Warden's audit log" },
      {
        path: "~/.{bashrc,bash_profile,profile,zshrc,zprofile,zshenv,bash_login,bash_logout}",
        permission: "read",
        reason: "shell start-up files",
      },
      { path: "~/.config/{fish,autostart,systemd}", permission: "read", reason: "start-up configuration" },
      { path: "**/.git/hooks", permission: "read", reason: "git hooks run code on every git command" },
    ],
  },
  secrets: { decision: "ask" },
  production: {
    namespaces: ["prod", "production"],
    contexts: ["*prod*"],
    aws_profiles: ["*prod*"],
    gcp_projects: ["*-prod", "*-production"],
    action: "raise",
  },
  yolo: { allowed_users: [], allow_critical: false },
  profiles: {
    ci: {
      description: "non-interactive runs: nobody can approve, so everything that would ask is denied",
      approvals: false,
    },
    "trusted-maintainer": {
      description: "a maintainer's own agent: medium-risk work runs without a prompt",
      decisions: { medium: "allow" },
    },
  },
};
