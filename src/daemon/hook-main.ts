// dist/hook.js: the hook client agents spawn on every tool call. It reads the payload, hands it to the
// daemon and prints the answer; nothing else is loaded (node builtins: http, fs, path; module and url for
// the compile cache, src/compile-cache.ts). Only when no daemon listens does it load the full hook
// (dist/hook-fallback.js, the same code as `warden hook`), which then blocks if the policy says
// `daemon: required` and otherwise decides in-process as before.
import { readFileSync } from "node:fs";
import { enableCompileCache } from "../compile-cache.ts";
import { forwardHook, type HookForwardOptions } from "./hook-forward.ts";
import { envDaemonMode, SYSTEM_SOCKET, skipsDaemon, socketPath } from "./paths.ts";

const AGENTS = new Set(["claude", "gemini", "codex"]);
const BLOCK = 2;

/** The simple argv forms; anything else goes to the full CLI, which owns the exact error messages. */
function parse(argv: string[]): { agent: string; options: HookForwardOptions } | null {
  const [agent, ...rest] = argv;
  if (agent === undefined || !AGENTS.has(agent)) return null;
  const options: HookForwardOptions = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const m = /^--(policy|profile|ask)(?:=(.*))?$/.exec(a);
    if (!m) return null;
    const value = m[2] ?? rest[++i];
    if (value === undefined) return null;
    if (m[1] === "policy") options.policyFile = value;
    else if (m[1] === "profile") options.profile = value;
    else if (value === "deny" || value === "native") options.ask = value;
    else return null;
  }
  return { agent, options };
}

function exit(answer: { stdout: string; stderr: string; exitCode: number }): void {
  if (answer.stderr) process.stderr.write(answer.stderr);
  if (answer.stdout) process.stdout.write(answer.stdout, () => process.exit(answer.exitCode));
  else process.exit(answer.exitCode);
}

async function fallback(argv: string[], text: string | undefined, why: string): Promise<void> {
  // A variable specifier: esbuild must not bundle the full CLI into this file.
  const target = import.meta.url.endsWith(".ts") ? "../cli/hook.ts" : "./hook-fallback.js";
  // The full hook is most of what a cold start parses: Node ≥ 22.1 may keep its compiled code (src/compile-cache.ts).
  enableCompileCache(import.meta.url);
  const mod = (await import(new URL(target, import.meta.url).href)) as {
    runFallback(argv: string[], text: string | undefined, why: string): Promise<number>;
  };
  process.exitCode = await mod.runFallback(argv, text, why);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parse(argv);
  if (!parsed) return fallback(argv, undefined, "");
  let text: string;
  try {
    text = readFileSync(0, "utf8");
  } catch {
    return fallback(argv, undefined, ""); // a non-blocking stdin: the full hook reads it asynchronously
  }
  const socket = socketPath(process.env);
  if (skipsDaemon(process.env, socket)) return fallback(argv, text, "WARDEN_DAEMON=off");
  const answer = await forwardHook(socket, parsed.agent, text, parsed.options);
  if (answer) return exit(answer);
  // A system daemon's socket that does not answer is a daemon down, not a machine without one.
  if (envDaemonMode(process.env) === "required" || socket === SYSTEM_SOCKET)
    return exit({
      stdout: "",
      stderr: `Warden could not check this tool call, so it is blocked (${socket === SYSTEM_SOCKET ? "the system daemon does not answer" : "WARDEN_DAEMON=required and no daemon listens"} at ${socket}).\n`,
      exitCode: BLOCK,
    });
  return fallback(argv, text, `no daemon at ${socket}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Warden could not check this tool call, so it is blocked (internal error: ${err instanceof Error ? err.message : String(err)}).\n`,
  );
  process.exit(BLOCK);
});
