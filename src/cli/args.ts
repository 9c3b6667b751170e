// What every subcommand does the same way: strict option parsing that fails with a one-line usage error,
// and loading the layered policy with its problems and warnings on stderr.
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { LoadedPolicy } from "../index.ts";
import { CliError, EXIT } from "./errors.ts";

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * `parseArgs`, strict, with `-h/--help` (and positionals unless `allowPositionals` is false); an unknown or
 * malformed flag, or an unexpected argument, is a CliError naming `command`.
 */
export function parseCli<const O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, ...HELP_OPTION },
      strict: true,
      allowPositionals,
    });
  } catch (err) {
    throw new CliError(`${command}: ${(err as Error).message}`);
  }
}

/** The policy in force for `cwd` (plus `--policy FILE`); a broken policy is a CliError with `exitCode`. */
export async function loadCliPolicy(
  cwd: string,
  policyFile: string | undefined,
  exitCode: number = EXIT.usage,
): Promise<LoadedPolicy> {
  // Imported here so that subcommands which only parse options do not load the policy code.
  const { loadPolicy, PolicyError } = await import("../index.ts");
  let policy: LoadedPolicy;
  try {
    policy = await loadPolicy({ cwd, env: process.env, policyFile });
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    for (const extra of err.problems.slice(1)) process.stderr.write(`warden: ${extra}\n`);
    throw new CliError(err.message, exitCode);
  }
  for (const w of policy.warnings) process.stderr.write(`warden: warning: ${w}\n`);
  return policy;
}
