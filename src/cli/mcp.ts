// `warden mcp`: serve Warden's guarded tools over MCP stdio. Arguments only; the server is in integrations.
import { parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden mcp [--policy FILE] [--profile NAME] [--cwd DIR] [--sandbox=auto|on|off] [--timeout S]

Serves run_command, check_command, read_file and write_file over MCP on stdin/stdout.
  --cwd DIR       the workspace commands run in and relative paths resolve against (default: current dir)
  --sandbox=off   run allowed commands without the sandbox (recorded); auto/on refuse when no sandbox is available
  --timeout S     wall-clock limit per command (default 120)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    "mcp",
    argv,
    {
      policy: { type: "string" },
      profile: { type: "string" },
      cwd: { type: "string" },
      sandbox: { type: "string" },
      timeout: { type: "string" },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const sandbox = values.sandbox ?? "auto";
  if (sandbox !== "auto" && sandbox !== "on" && sandbox !== "off")
    throw new CliError("mcp: --sandbox must be auto, on or off");
  const timeout = Number(values.timeout ?? "120");
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new CliError("mcp: --timeout must be a positive number of seconds");
  const { serveStdio } = await import("../integrations/mcp-server.ts");
  const server = await serveStdio({
    cwd: values.cwd ?? process.cwd(),
    policyFile: values.policy,
    profile: values.profile,
    run: { sandbox, timeoutMs: timeout * 1000, maxOutputBytes: 64 * 1024 },
    version: process.env.WARDEN_VERSION,
  });
  // Serve until the client closes stdin.
  await new Promise<void>((done) => {
    server.server.onclose = () => done();
    process.stdin.on("end", () => done());
  });
  return 0;
}
