// `warden hook claude|gemini|codex`: the agent hook protocol on stdin/stdout. This is the hot path (every
// agent tool call spawns it), so it loads only the adapter it needs. Every failure — bad arguments, bad
// input, a crash, a hang — ends as exit 2 with the reason on stderr, because the agents run the tool call
// on any other failure.
import { parseArgs } from "node:util";
import { readStdin } from "../integrations/hook-io.ts";

const HELP = `usage: warden hook claude|gemini|codex [--policy FILE] [--profile NAME] [--ask=deny|native]

Reads one hook event as JSON on stdin and answers in the agent's hook protocol.
  claude   Claude Code PreToolUse / PostToolUse / SessionEnd command hook
  gemini   Gemini CLI BeforeTool / AfterTool command hook
  codex    Codex CLI PreToolUse / PostToolUse command hook
--ask=native (gemini, codex): leave an "ask" verdict to the agent's own confirmation instead of denying
it with a pending-approval id.`;

/** Longer than any honest check takes, shorter than the hook timeout Warden installs (30 s). */
const WATCHDOG_MS = 20_000;
const BLOCK = 2;

function block(reason: string): never {
  process.stderr.write(`Warden could not check this tool call, so it is blocked (${reason}).\n`);
  process.exit(BLOCK);
}

function guardProcess(): NodeJS.Timeout {
  process.on("uncaughtException", (err) => block(`internal error: ${err.message}`));
  process.on("unhandledRejection", (err) =>
    block(`internal error: ${err instanceof Error ? err.message : String(err)}`),
  );
  return setTimeout(() => block(`no answer within ${WATCHDOG_MS / 1000} s`), WATCHDOG_MS);
}

export async function run(argv: string[]): Promise<number> {
  const watchdog = guardProcess();
  try {
    return await hook(argv, { forward: true });
  } catch (err) {
    block(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * dist/hook.js found no daemon (`why`): decide in-process, with the payload it already read (undefined:
 * it could not, or left the arguments to this parser).
 */
export async function runFallback(argv: string[], text: string | undefined, why: string): Promise<number> {
  const watchdog = guardProcess();
  try {
    return await hook(argv, { forward: false, text, why });
  } catch (err) {
    block(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(watchdog);
  }
}

type Options = { policyFile: string | undefined; profile: string | undefined; ask: "deny" | "native" };

async function hook(
  argv: string[],
  how: { forward: boolean; text?: string | undefined; why?: string },
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    block(`hook: ${(err as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [agent, ...extra] = positionals;
  if (extra.length > 0) block(`hook: unexpected argument '${extra[0]}'`);
  const ask = values.ask ?? "deny";
  if (ask !== "deny" && ask !== "native") block(`hook: --ask must be deny or native, not '${ask}'`);
  const options: Options = { policyFile: values.policy, profile: values.profile, ask: ask as Options["ask"] };
  if (agent !== "claude" && agent !== "gemini" && agent !== "codex")
    block(
      agent === undefined
        ? "hook: name the agent: claude, gemini or codex"
        : `hook: unknown agent '${agent}'`,
    );

  // Start reading while the adapter loads.
  const input = how.text !== undefined ? Promise.resolve(how.text) : readStdin();
  input.catch(() => {}); // rethrown where it is awaited
  let why = how.why ?? "";
  if (how.forward) {
    const { SYSTEM_SOCKET, skipsDaemon, socketPath } = await import("../daemon/paths.ts");
    const socket = socketPath(process.env);
    if (skipsDaemon(process.env, socket)) why = "WARDEN_DAEMON=off";
    else {
      const { forwardHook } = await import("../daemon/hook-forward.ts");
      const answer = await forwardHook(socket, agent, await input, options);
      if (answer) return print(answer);
      // A system daemon's socket that does not answer is a daemon down, not a machine without one.
      if (socket === SYSTEM_SOCKET) block(`the system daemon does not answer at ${socket}`);
      why = `no daemon at ${socket}`;
    }
  }
  const { inProcessHook } = await import("../daemon/fallback.ts");
  return print(await inProcessHook(agent, await input, options, why));
}

function print(result: { stdout: string; stderr: string; exitCode: number }): number {
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result.exitCode;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      policy: { type: "string" },
      profile: { type: "string" },
      ask: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
