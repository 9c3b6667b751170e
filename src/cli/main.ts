#!/usr/bin/env node
// Entry point: picks the subcommand and loads only its module, so the hot path stays lean.
import { enableCompileCache } from "../compile-cache.ts";
import { CliError, EXIT } from "./errors.ts";

type Runner = (argv: string[]) => Promise<number>;
const COMMANDS: Record<string, () => Promise<{ run: Runner }>> = {
  check: () => import("./check.ts"),
  exec: () => import("./exec.ts"),
  run: () => import("./run.ts"),
  policy: () => import("./policy.ts"),
  audit: () => import("./audit.ts"),
  hook: () => import("./hook.ts"),
  install: () => import("./install.ts"),
  uninstall: () => import("./install.ts").then((m) => ({ run: m.runUninstall })),
  mcp: () => import("./mcp.ts"),
  verify: () => import("./verify.ts"),
  keys: () => import("./keys.ts"),
  approve: () => import("./approve.ts"),
  deny: () => import("./approve.ts").then((m) => ({ run: m.runDeny })),
  pending: () => import("./approve.ts").then((m) => ({ run: m.runPending })),
  unlock: () => import("./approve.ts").then((m) => ({ run: m.runUnlock })),
  lock: () => import("./approve.ts").then((m) => ({ run: m.runLock })),
  daemon: () => import("./daemon.ts"),
};

const USAGE = `usage: warden <command> [options]

commands:
  check     classify a command and print the verdict (exit 0 allow, 1 ask, 2 deny, 3 error)
  exec      run a command through the pipeline in the bubblewrap sandbox, recorded in the audit log
  run       start an agent CLI (claude, gemini, codex, …) inside the session sandbox (bwrap or Landlock)
  audit     verify, tail, export, show or summarise the tamper-evident audit log
  hook      answer an agent's hook on stdin (claude, gemini, codex)
  install   add Warden's hooks to an agent's settings (claude, gemini, codex); uninstall removes them
  mcp       serve guarded run_command / check_command / read_file / write_file over MCP stdio
  verify    run the policy's must_fail / must_succeed acceptance commands
  keys      create, show or rotate your passphrase-protected approver key
  pending   list approval requests waiting for a human
  approve   sign an approval for a pending request (deny: sign a refusal)
  unlock    keep your approver key unlocked for a while (lock: forget it)
  daemon    run the resident daemon the hooks and CLI talk to (openapi, install --user)

Run \`warden <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`${process.env.WARDEN_VERSION ?? "0.1.0"}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new CliError(`unknown command '${name}' (try 'warden --help')`);
  // Node ≥ 22.1: cache the compiled code of the modules loaded from here on (none of this on Node 20).
  enableCompileCache(import.meta.url);
  const mod = await load();
  return mod.run(rest);
}

// A reader that goes away (`warden policy schema | head`) is not an error of ours.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`warden: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `warden: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      // An agent hook that fails with anything but 2 lets the tool call through: fail closed there.
      process.exitCode = process.argv[2] === "hook" ? 2 : EXIT.internal;
    }
  },
);
