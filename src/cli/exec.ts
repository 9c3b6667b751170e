// `warden exec`: run one command through the whole pipeline (argument parsing only; the logic is src/sandbox/exec.ts).
import { EXEC_EXIT, execute, terminalPrompt } from "../sandbox/exec.ts";
import { loadCliPolicy, parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden exec [--yolo] [--no-approval] [--sandbox=auto|on|off] [--timeout S] [--net]
                   [--policy FILE] [--profile NAME] [--cwd DIR] -- PROGRAM ARGS...
       warden exec [options] -c 'shell string'        (runs it with bash -c after analysing it as a whole)
       warden exec --ticket=ID -c 'shell string'      (what a hook rewrote an agent's command into: runs it
                                                       confined, once, without a second prompt)

Exit status: the command's own; 125 Warden could not run or record it; 126 denied or not approved.`;

/** Quotes argv so the analysed string means exactly what will run. */
function shellQuote(argv: string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("exec", argv, {
    yolo: { type: "boolean" },
    "no-approval": { type: "boolean" },
    sandbox: { type: "string" },
    timeout: { type: "string" },
    net: { type: "boolean" },
    policy: { type: "string" },
    profile: { type: "string" },
    cwd: { type: "string" },
    c: { type: "string", short: "c" },
    ticket: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const sandbox = values.sandbox ?? "auto";
  if (sandbox !== "auto" && sandbox !== "on" && sandbox !== "off")
    throw new CliError(`exec: --sandbox must be auto, on or off (got '${sandbox}')`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0)
      throw new CliError(`exec: --timeout takes seconds > 0 (got '${values.timeout}')`);
    timeoutMs = Math.round(s * 1000);
  }
  if (values.ticket !== undefined && values.c === undefined)
    throw new CliError("exec: --ticket goes with -c 'the command the hook allowed'");
  if (values.ticket !== undefined && sandbox === "off")
    throw new CliError("exec: --ticket runs confined; --sandbox=off cannot go with it");
  let command: string;
  let runArgv: string[];
  if (values.c !== undefined) {
    if (positionals.length > 0)
      throw new CliError("exec: give either -c 'string' or -- PROGRAM ARGS, not both");
    command = values.c;
    runArgv = ["bash", "-c", values.c];
  } else {
    if (positionals.length === 0)
      throw new CliError("exec: no command given (usage: warden exec -- PROGRAM ARGS...)");
    command = shellQuote(positionals);
    runArgv = positionals;
  }
  const cwd = values.cwd ?? process.cwd();
  await judgeLikeSystemDaemon();
  const policy = await loadCliPolicy(cwd, values.policy, EXEC_EXIT.wardenError);
  return execute({
    command,
    argv: runArgv,
    cwd,
    policy,
    profile: values.profile,
    yolo: values.yolo ?? false,
    noApproval: values["no-approval"] ?? false,
    sandbox,
    net: values.net ?? false,
    timeoutMs,
    ticket: values.ticket,
    env: process.env,
    say: (line) => process.stderr.write(`${line}\n`),
    prompt: values["no-approval"] ? undefined : terminalPrompt(),
  });
}

/**
 * Under a system daemon the caller's own configuration is not the policy (it is the agent's to write): exec
 * judges with the daemon's, as the hook answer that filed its ticket did. A daemon that cannot be asked is
 * left to openRunLog, which refuses to run unrecorded.
 */
async function judgeLikeSystemDaemon(): Promise<void> {
  const { daemonHealth } = await import("../daemon/health.ts");
  const daemon = await daemonHealth(process.env).catch(() => null);
  if (daemon?.mode === "system" && daemon.configDir) process.env.WARDEN_CONFIG_DIR = daemon.configDir;
}
