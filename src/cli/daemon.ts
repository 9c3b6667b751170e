// `warden daemon`: argument parsing only (src/daemon/ does the work).
import { parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";

const HELP = `usage: warden daemon [--socket PATH] [--log-format text|json] [--checkpoint-idle MS]
       warden daemon openapi            print the API's OpenAPI document (docs/openapi.json)
       warden daemon install --user     write a systemd user unit (then: systemctl --user enable --now warden)

Runs in the foreground: one process owns the policy, the audit log and the approvals; hooks, check and
exec talk to it over HTTP/1.1 + JSON on a Unix socket ($XDG_RUNTIME_DIR/warden/warden.sock). See docs/api.md.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("daemon", argv, {
    socket: { type: "string" },
    "log-format": { type: "string" },
    "checkpoint-idle": { type: "string" },
    user: { type: "boolean" },
    system: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new CliError(`daemon: unexpected argument '${extra[0]}'`);
  if (values.system)
    throw new CliError("daemon: --system is not built yet (issue 13, system mode); run it as your user");
  if (sub === "openapi") {
    const { openApiDocument } = await import("../daemon/schemas.ts");
    process.stdout.write(
      `${JSON.stringify(openApiDocument(process.env.WARDEN_VERSION ?? "0.1.0"), null, 2)}\n`,
    );
    return 0;
  }
  if (sub === "install") {
    if (!values.user) throw new CliError("daemon install: say --user (system mode is not built yet)");
    const { installUserUnit } = await import("../daemon/systemd.ts");
    const { cliScript } = await import("../daemon/start.ts");
    const cli = cliScript();
    if (!cli) throw new CliError("daemon install: run it from the built CLI (node dist/warden.js)");
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
  const socket = values.socket ?? socketPath(process.env);
  let daemon: Awaited<ReturnType<typeof serve>>;
  try {
    daemon = await serve({ socket, env: process.env, log, ...(idle ? { checkpointIdleMs: idle } : {}) });
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
