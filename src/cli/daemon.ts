// `warden daemon`: argument parsing only (src/daemon/ does the work).
import { parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";

const HELP = `usage: warden daemon [--socket PATH] [--log-format text|json] [--checkpoint-idle MS]
       warden daemon --system [--socket PATH] [--admin-socket PATH] [--agent-group G] [--admin-group G]
       warden daemon openapi            print the API's OpenAPI document (docs/openapi.json)
       warden daemon install --user     write a systemd user unit (then: systemctl --user enable --now warden)
       warden daemon install --system [--dry-run] [--account NAME] [--agent-group G]
                                        create the warden account, /var/lib/warden, /etc/warden and a
                                        systemd system unit (as root)

Runs in the foreground: one process owns the policy, the audit log and the approvals; hooks, check and
exec talk to it over HTTP/1.1 + JSON on a Unix socket ($XDG_RUNTIME_DIR/warden/warden.sock). See docs/api.md.

--system runs as a dedicated account (never root): state in /var/lib/warden (0700), policy in /etc/warden,
agents connect to /run/warden/warden.sock (group G, default: this account's group) where approvals are
refused; humans use /run/warden/admin.sock (0600, or 0660 to --admin-group). Callers are identified by
the kernel (SO_PEERCRED) and every audit event carries their uid and pid.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("daemon", argv, {
    socket: { type: "string" },
    "log-format": { type: "string" },
    "checkpoint-idle": { type: "string" },
    user: { type: "boolean" },
    system: { type: "boolean" },
    "admin-socket": { type: "string" },
    "agent-group": { type: "string" },
    "admin-group": { type: "string" },
    "dry-run": { type: "boolean" },
    account: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new CliError(`daemon: unexpected argument '${extra[0]}'`);
  if (sub === "openapi") {
    const { openApiDocument } = await import("../daemon/schemas.ts");
    process.stdout.write(
      `${JSON.stringify(openApiDocument(process.env.WARDEN_VERSION ?? "0.1.0"), null, 2)}\n`,
    );
    return 0;
  }
  if (sub === "install") {
    if (values.user === values.system)
      throw new CliError("daemon install: say --user (a unit for your login) or --system (as root)");
    const { installUserUnit, installSystem } = await import("../daemon/systemd.ts");
    const { cliScript } = await import("../daemon/start.ts");
    const cli = cliScript();
    if (!cli) throw new CliError("daemon install: run it from the built CLI (node dist/warden.js)");
    if (values.system) {
      const steps = installSystem({
        node: process.execPath,
        cli,
        account: values.account ?? "warden",
        agentGroup: values["agent-group"],
        dryRun: values["dry-run"] ?? false,
        say: (line) => process.stdout.write(`${line}\n`),
      });
      if (steps.failed) throw new CliError(`daemon install: ${steps.failed}`, EXIT.internal);
      return 0;
    }
    const path = installUserUnit(process.execPath, cli);
    process.stdout.write(
      `wrote ${path}\nnext: systemctl --user daemon-reload && systemctl --user enable --now warden\n`,
    );
    return 0;
  }
  if (sub !== undefined) throw new CliError(`daemon: unknown subcommand '${sub}' (openapi, install)`);
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json")
    throw new CliError(`daemon: --log-format must be text or json (got '${format}')`);
  let idle: number | undefined;
  if (values["checkpoint-idle"] !== undefined) {
    idle = Number(values["checkpoint-idle"]);
    if (!Number.isInteger(idle) || idle < 1)
      throw new CliError("daemon: --checkpoint-idle takes milliseconds ≥ 1");
  }
  const log = (level: string, message: string, fields: Record<string, unknown> = {}) => {
    process.stderr.write(
      format === "json"
        ? `${JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...fields })}\n`
        : `warden daemon: ${level === "info" ? "" : `${level}: `}${message}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ""}\n`,
    );
  };
  const [{ serve, AlreadyRunning }, { socketPath }] = await Promise.all([
    import("../daemon/server.ts"),
    import("../daemon/paths.ts"),
  ]);
  let socket = values.socket ?? socketPath(process.env);
  let system: Parameters<typeof serve>[0]["system"];
  if (values.system) {
    ({ socket, system } = await systemSetup(values));
  } else if (values["admin-socket"] ?? values["agent-group"] ?? values["admin-group"]) {
    throw new CliError("daemon: --admin-socket, --agent-group and --admin-group go with --system");
  }
  let daemon: Awaited<ReturnType<typeof serve>>;
  try {
    daemon = await serve({
      socket,
      env: process.env,
      log,
      ...(idle ? { checkpointIdleMs: idle } : {}),
      ...(system ? { system } : {}),
    });
  } catch (err) {
    if (err instanceof AlreadyRunning) {
      log("info", `not starting: ${err.message}`);
      return 0;
    }
    throw new CliError(`daemon: ${(err as Error).message}`, EXIT.internal);
  } finally {
    // An on-demand start (start.ts) is over once this daemon listens, or failed.
    if (process.env.WARDEN_DAEMON_STARTED_BY) {
      const { unlinkSync } = await import("node:fs");
      try {
        unlinkSync(`${socket}.starting`);
      } catch {}
    }
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log("info", "stopping", { signal });
      daemon.close().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

/** System mode's sockets and groups, and its state and policy where the environment does not say. */
async function systemSetup(values: {
  socket?: string | undefined;
  "admin-socket"?: string | undefined;
  "agent-group"?: string | undefined;
  "admin-group"?: string | undefined;
}) {
  const { SYSTEM_ADMIN_SOCKET, SYSTEM_CONFIG_DIR, SYSTEM_SOCKET, SYSTEM_STATE_DIR } = await import(
    "../daemon/paths.ts"
  );
  const { groupId } = await import("../daemon/systemd.ts");
  if (process.getuid?.() === 0)
    throw new CliError(
      "daemon: --system runs as its own account, not root (systemd: User=warden; see warden daemon install --system)",
    );
  process.env.WARDEN_STATE_DIR ||= SYSTEM_STATE_DIR;
  process.env.WARDEN_CONFIG_DIR ||= SYSTEM_CONFIG_DIR;
  const group = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const gid = groupId(value);
    if (gid === undefined) throw new CliError(`daemon: ${flag}: no group '${value}' in /etc/group`);
    return gid;
  };
  return {
    socket: values.socket ?? SYSTEM_SOCKET,
    system: {
      agentGroup: group("--agent-group", values["agent-group"]) ?? process.getgid!(),
      adminSocket: values["admin-socket"] ?? SYSTEM_ADMIN_SOCKET,
      adminGroup: group("--admin-group", values["admin-group"]),
    },
  };
}
