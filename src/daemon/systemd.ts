// `warden daemon install --user`: a systemd user unit that keeps the daemon running for the login.
// `warden daemon install --system`: the warden account, its state and policy directories and a system unit.
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

export const SYSTEM_UNIT_PATH = "/etc/systemd/system/warden.service";

export function systemUnit(node: string, cli: string, account: string, agentGroup: string): string {
  return `[Unit]
Description=Warden daemon: policy, audit log and approvals for AI agents (system mode)
Documentation=file://${cli.replace(/dist\/warden\.js$/, "docs/api.md")}
After=local-fs.target

[Service]
Type=simple
User=${account}
Group=${account}
# The agents' socket is opened to this group: add every agent account to it (usermod -aG ${agentGroup} AGENT).
SupplementaryGroups=${agentGroup}
ExecStart=${quote(node)} ${quote(cli)} daemon --system --agent-group ${quote(agentGroup)} --log-format json
Restart=on-failure
RestartSec=1
# /run/warden (sockets, traversable), /var/lib/warden (the log, keys, approvals: this account's alone).
RuntimeDirectory=warden
RuntimeDirectoryMode=0755
StateDirectory=warden
StateDirectoryMode=0700
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
# Read-only, not hidden: the daemon reads workspaces' .warden/policy.yaml and their git and manifests.
ProtectHome=read-only
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_UNIX
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}

/** A group's id from a name or a number (numbers need no entry in /etc/group). */
export function groupId(nameOrId: string, groupFile = "/etc/group"): number | undefined {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  let text: string;
  try {
    text = readFileSync(groupFile, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === nameOrId && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

function userIds(account: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", account], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", account], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface SystemInstall {
  node: string;
  cli: string;
  account: string;
  agentGroup?: string | undefined;
  dryRun: boolean;
  say: (line: string) => void;
}

/**
 * Creates what `warden daemon --system` needs, each step said as it is done (or, with dryRun, as it would be).
 * Existing accounts, groups and policy files are kept. Returns the first failure, if any.
 */
export function installSystem(o: SystemInstall): { failed?: string } {
  if (!/^[a-z_][a-z0-9_-]*$/.test(o.account)) return { failed: `'${o.account}' is not an account name` };
  const agentGroup = o.agentGroup ?? o.account;
  if (!o.dryRun && process.getuid?.() !== 0)
    return { failed: "--system installs as root (or say --dry-run)" };
  const act = (what: string, fn: () => string | undefined): string | undefined => {
    o.say(`${o.dryRun ? "would: " : ""}${what}`);
    return o.dryRun ? undefined : fn();
  };
  const run = (argv: string[]) => (): string | undefined => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
    return r.status === 0 ? undefined : `${argv.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`;
  };
  const steps: (() => string | undefined)[] = [];
  if (!userIds(o.account))
    steps.push(() =>
      act(
        `create the system account ${o.account}`,
        run([
          "useradd",
          "--system",
          "--user-group",
          "--home-dir",
          "/var/lib/warden",
          "--no-create-home",
          "--shell",
          "/usr/sbin/nologin",
          o.account,
        ]),
      ),
    );
  if (agentGroup !== o.account && groupId(agentGroup) === undefined)
    steps.push(() => act(`create the group ${agentGroup}`, run(["groupadd", "--system", agentGroup])));
  steps.push(() =>
    act(`create /var/lib/warden (0700, owned by ${o.account})`, () => {
      mkdirSync("/var/lib/warden", { recursive: true, mode: 0o700 });
      const ids = userIds(o.account);
      if (!ids) return `no account ${o.account}`;
      chownSync("/var/lib/warden", ids.uid, ids.gid);
      return undefined;
    }),
  );
  steps.push(() =>
    act("create /etc/warden (0755, root's; put the system policy in /etc/warden/policy.yaml)", () => {
      mkdirSync("/etc/warden", { recursive: true, mode: 0o755 });
      return undefined;
    }),
  );
  steps.push(() =>
    act(`write ${SYSTEM_UNIT_PATH}`, () => {
      writeFileSync(SYSTEM_UNIT_PATH, systemUnit(o.node, o.cli, o.account, agentGroup), { mode: 0o644 });
      return undefined;
    }),
  );
  for (const step of steps) {
    const failed = step();
    if (failed) return { failed };
  }
  o.say(
    `next: usermod -aG ${agentGroup} AGENT for each agent account; systemctl daemon-reload && systemctl enable --now warden`,
  );
  return {};
}
