// `warden daemon install --user`: a systemd user unit that keeps the daemon running for the login.
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, "\\$1")}"`;
}

export function userUnit(node: string, cli: string): string {
  return `[Unit]
Description=Warden daemon: policy, audit log and approvals for AI agents (user mode)
Documentation=file://${cli.replace(/dist\/warden\.js$/, "docs/api.md")}

[Service]
Type=simple
ExecStart=${quote(node)} ${quote(cli)} daemon --log-format json
Restart=on-failure
RestartSec=1
# The socket lives in $XDG_RUNTIME_DIR/warden (systemd sets XDG_RUNTIME_DIR for user services).
UMask=0077
NoNewPrivileges=yes

[Install]
WantedBy=default.target
`;
}

export function userUnitPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "systemd", "user", "warden.service");
}

export function installUserUnit(node: string, cli: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = userUnitPath(env);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, userUnit(node, cli), { mode: 0o644 });
  return path;
}
