// `warden verify [--policy FILE] [--json]`: run the policy's acceptance commands; exit 1 on any failure.
import { parseCli } from "./args.ts";
import { CliError } from "./errors.ts";

const HELP = `usage: warden verify [--policy FILE] [--cwd DIR] [--timeout S] [--json]

Runs the policy's acceptance commands (must_fail: / must_succeed:) through the real pipeline and the
sandbox and prints a pass/fail table. Exit status 0 when all pass, 1 when any fails, 3 on a usage error.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    "verify",
    argv,
    {
      policy: { type: "string" },
      cwd: { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cwd = values.cwd ?? process.cwd();
  const timeout = Number(values.timeout ?? "60");
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new CliError("verify: --timeout must be a positive number of seconds");
  const { acceptanceChecks } = await import("../integrations/pipeline.ts");
  const { verifyAcceptance, formatTable } = await import("../integrations/verify.ts");
  const options = { policyFile: values.policy };
  let checks: Awaited<ReturnType<typeof acceptanceChecks>>;
  try {
    checks = await acceptanceChecks(options, cwd);
  } catch (err) {
    throw new CliError(`verify: ${(err as Error).message}`);
  }
  if (checks.mustFail.length + checks.mustSucceed.length === 0) {
    throw new CliError(`verify: ${checks.source} declares no must_fail: or must_succeed: commands`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const rows = await verifyAcceptance(checks, { cwd, env, options, timeoutMs: timeout * 1000 });
  process.stdout.write(values.json ? `${JSON.stringify(rows)}\n` : formatTable(rows));
  return rows.every((r) => r.pass) ? 0 : 1;
}
