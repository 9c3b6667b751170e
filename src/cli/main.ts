#!/usr/bin/env node
// Entry point: picks the subcommand and loads only its module, so the hot path stays lean.
import { CliError, EXIT } from "./errors.ts";

type Runner = (argv: string[]) => Promise<number>;
const COMMANDS: Record<string, () => Promise<{ run: Runner }>> = {
  check: () => import("./check.ts"),
};

const USAGE = `usage: warden <command> [options]

commands:
  check     classify a command and print the verdict (exit 0 allow, 1 ask, 2 deny, 3 error)

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
  const mod = await load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`warden: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`warden: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.internal;
    }
  },
);
