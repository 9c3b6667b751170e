// `warden check`: classify a command (or a batch of them) and print the verdict.
import { createInterface } from "node:readline";
import { DaemonRefused, type RemoteEvaluator } from "../daemon/evaluate-client.ts";
import { evaluate, type LoadedPolicy } from "../index.ts";
import type { CommandRequest, Decision, Verdict } from "../types.ts";
import { loadCliPolicy, parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";
import { formatVerdict, terminalStyle } from "./format.ts";

const HELP = `usage: warden check [--json] [--policy FILE] [--cwd DIR] [--profile NAME] -- COMMAND...
       warden check --batch [--json] < requests.jsonl

Classifies COMMAND as a shell would run it and prints the decision.
Exit status: 0 allow, 1 ask, 2 deny, 3 usage or input error.
With --batch, reads one {"command": "...", "cwd"?: "..."} per line and prints one verdict per line.`;

const DECISION_EXIT: Record<Decision, number> = { allow: EXIT.allow, ask: EXIT.ask, deny: EXIT.deny };

interface CheckOptions {
  /** Null when the daemon decides (its policy is the one in force). */
  policy: LoadedPolicy | null;
  remote: RemoteEvaluator | null;
  json: boolean;
  policyFile: string | undefined;
  profile: string | undefined;
  cwd: string;
}

function request(command: string, cwd: string): CommandRequest {
  return { kind: "command", command, cwd, env: process.env as Record<string, string> };
}

/** The verdict, from the daemon when one runs, else in this process; the same either way. */
async function decide(
  command: string,
  cwd: string,
  opts: CheckOptions,
): Promise<{ verdict: Verdict; spans: [number, number][] }> {
  if (opts.remote) {
    try {
      const r = await opts.remote({
        command,
        cwd,
        env: process.env,
        policyFile: opts.policyFile,
        profile: opts.profile,
      });
      for (const w of r.warnings) process.stderr.write(`warden: warning: ${w}\n`);
      return r;
    } catch (err) {
      if (err instanceof DaemonRefused) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
  }
  const { analysis, verdict } = evaluate(request(command, cwd), {
    policy: opts.policy!,
    profile: opts.profile,
  });
  return { verdict, spans: analysis.invocations.map((i) => i.span) };
}

async function checkOne(command: string, opts: CheckOptions): Promise<number> {
  const { verdict, spans } = await decide(command, opts.cwd, opts);
  if (opts.json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
  else process.stdout.write(formatVerdict(terminalStyle(process.stdout), command, verdict, spans));
  return DECISION_EXIT[verdict.decision];
}

async function checkBatch(opts: CheckOptions): Promise<number> {
  let worst = EXIT.allow as number;
  let inputError = false;
  let internalError = false;
  let lineNo = 0;
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    let command: unknown;
    let cwd: unknown;
    try {
      const parsed = JSON.parse(line) as { command?: unknown; cwd?: unknown };
      command = parsed.command;
      cwd = parsed.cwd ?? opts.cwd;
    } catch (err) {
      command = undefined;
      process.stderr.write(`warden: stdin:${lineNo}: not JSON: ${(err as Error).message}\n`);
    }
    if (typeof command !== "string" || typeof cwd !== "string") {
      inputError = true;
      const error = `line ${lineNo}: expected {"command": string, "cwd"?: string}`;
      if (command !== undefined) process.stderr.write(`warden: stdin:${lineNo}: ${error}\n`);
      process.stdout.write(`${JSON.stringify({ error })}\n`);
      continue;
    }
    let verdict: Verdict;
    try {
      verdict = (await decide(command, cwd, opts)).verdict;
    } catch (err) {
      if (err instanceof CliError) throw err;
      // One line Warden could not judge must not take the lines after it down: say so, in its place, and go on.
      internalError = true;
      const error = `line ${lineNo}: internal error: ${(err as Error).message}`;
      process.stderr.write(`warden: stdin:${lineNo}: internal error: ${(err as Error).message}\n`);
      process.stdout.write(`${JSON.stringify({ error })}\n`);
      continue;
    }
    process.stdout.write(
      opts.json ? `${JSON.stringify(verdict)}\n` : `${verdict.decision}\t${verdict.risk}\t${command}\n`,
    );
    worst = Math.max(worst, DECISION_EXIT[verdict.decision]);
  }
  return internalError ? EXIT.internal : inputError ? EXIT.usage : worst;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli("check", argv, {
    json: { type: "boolean" },
    batch: { type: "boolean" },
    policy: { type: "string" },
    cwd: { type: "string" },
    profile: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cwd = values.cwd ?? process.cwd();
  const { daemonEvaluator } = await import("../daemon/evaluate-client.ts");
  const remote = await daemonEvaluator(process.env);
  const policy = remote ? null : await loadCliPolicy(cwd, values.policy);
  const opts: CheckOptions = {
    policy,
    remote,
    json: values.json ?? false,
    policyFile: values.policy,
    profile: values.profile,
    cwd,
  };
  if (values.batch) {
    if (positionals.length > 0)
      throw new CliError("check: --batch reads commands from stdin; give no COMMAND");
    return checkBatch(opts);
  }
  if (positionals.length === 0)
    throw new CliError("check: no command given (usage: warden check -- COMMAND...)");
  // Several words are joined as a shell would see `"$*"`; a single word is the command string itself.
  return checkOne(positionals.join(" "), opts);
}
