// `warden policy lint|explain|schema|export`: argument parsing and printing only; the logic is in src/policy.
import { parseArgs } from "node:util";
import { evaluate } from "../index.ts";
import { loadPolicy, loadPolicyFile, PolicyError } from "../policy/index.ts";
import { CliError, EXIT } from "./errors.ts";

const HELP = `usage: warden policy lint [FILE] [--cwd DIR] [--json]
       warden policy explain [--policy FILE] [--cwd DIR] [--profile NAME] [--yolo] [--no-approval] [--json] -- COMMAND...
       warden policy schema
       warden policy export FORMAT ...

  lint     validate the policy layers that apply here (or FILE alone over the built-in): errors exit 3;
           warnings list expired grants, shadowed rules, ignored repository loosening and overrides
  explain  every layer applied, every finding and rule that fired, and why the final decision
  schema   the JSON Schema of policy.yaml, for editors (# yaml-language-server: $schema=…)
  export   the policy in another tool's format (see \`warden policy export --help\`)`;

function asCliError(err: unknown): never {
  if (err instanceof PolicyError) {
    for (const p of err.problems.slice(1)) process.stderr.write(`warden: ${p}\n`);
    throw new CliError(err.message, EXIT.usage);
  }
  throw err;
}

async function lint(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { cwd: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new CliError("policy lint: give at most one FILE");
  const cwd = values.cwd ?? process.cwd();
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy =
      positionals[0] !== undefined
        ? await loadPolicyFile(positionals[0])
        : await loadPolicy({ cwd, env: process.env });
  } catch (err) {
    if (values.json && err instanceof PolicyError) {
      process.stdout.write(`${JSON.stringify({ ok: false, errors: err.problems })}\n`);
      return EXIT.usage;
    }
    return asCliError(err);
  }
  const overrides = policy.overrides.map((o) => `${o.where}: override: ${o.what}`);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: true, layers: policy.layers, profiles: policy.profiles, warnings: policy.warnings, overrides: policy.overrides, notes: policy.notes, policy: policy.effective(null).hash })}\n`,
    );
    return 0;
  }
  const out = process.stdout;
  out.write(
    `layers: ${policy.layers.map((l) => `${l.name}${l.trusted ? "" : " (untrusted: tighten-only)"}`).join(" → ")}\n`,
  );
  if (policy.profiles.length) out.write(`profiles: ${policy.profiles.join(", ")}\n`);
  for (const w of policy.warnings) out.write(`warning: ${w}\n`);
  for (const o of overrides) out.write(`${o}\n`);
  for (const n of policy.notes) out.write(`note: ${n}\n`);
  out.write(
    `ok: ${policy.warnings.length} warning(s), ${overrides.length} override(s)${policy.notes.length ? `, ${policy.notes.length} alias note(s)` : ""}; policy ${policy.effective(null).hash.slice(0, 12)}\n`,
  );
  return 0;
}

async function explain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: "string" },
      cwd: { type: "string" },
      profile: { type: "string" },
      yolo: { type: "boolean" },
      "no-approval": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length === 0)
    throw new CliError("policy explain: no command given (usage: warden policy explain -- COMMAND...)");
  const cwd = values.cwd ?? process.cwd();
  const command = positionals.join(" ");
  const env = process.env as Record<string, string>;
  try {
    const policy = await loadPolicy({ cwd, env, policyFile: values.policy });
    const { findings, verdict } = evaluate(
      { kind: "command", command, cwd, env },
      {
        policy,
        profile: values.profile,
        yolo: values.yolo ?? false,
        noApproval: values["no-approval"] ?? false,
      },
    );
    const eff = policy.effective(policy.selectProfile({ explicit: values.profile, user: env.USER }));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ applied: eff.applied, findings, verdict })}\n`);
      return 0;
    }
    const out = process.stdout;
    out.write(`command: ${command}\n`);
    out.write("policy layers, in order:\n");
    for (const a of eff.applied) out.write(`  ${a}\n`);
    out.write(
      `mapping: ${(["low", "medium", "high", "critical"] as const).map((r) => `${r}→${eff.mapping[r]}`).join(", ")}; unknown commands: ${eff.unknown}\n`,
    );
    out.write("findings:\n");
    if (findings.length === 0) out.write("  (none)\n");
    for (const f of findings) out.write(`  ${f.risk.padEnd(8)} ${f.rule}: ${f.reason}\n`);
    out.write("decision, step by step:\n");
    for (const r of verdict.reasons) out.write(`  ${r}\n`);
    out.write(
      `result: ${verdict.decision} (risk ${verdict.risk}, mode ${verdict.mode}${verdict.forbidden ? ", forbidden" : ""}); policy ${verdict.policy.slice(0, 12)}\n`,
    );
    return 0;
  } catch (err) {
    return asCliError(err);
  }
}

async function schema(): Promise<number> {
  const { jsonSchema } = await import("../policy/schema.ts");
  process.stdout.write(`${JSON.stringify(jsonSchema(), null, 2)}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case "lint":
        return await lint(rest);
      case "explain":
        return await explain(rest);
      case "schema":
        return await schema();
      case "export":
        return (await import("./policy-export.ts")).run(rest);
      case undefined:
      case "--help":
      case "-h":
        process.stdout.write(`${HELP}\n`);
        return sub === undefined ? EXIT.usage : 0;
      default:
        throw new CliError(`policy: unknown subcommand '${sub}' (lint, explain, schema, export)`);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof Error && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))
      throw new CliError(`policy ${sub}: ${err.message}`);
    throw err;
  }
}
