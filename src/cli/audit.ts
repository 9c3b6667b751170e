// `warden audit`: verify, tail, export, show and summarise the audit log. Argument parsing and printing only.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import {
  AuditError,
  type AuditRecord,
  defaultAuditDir,
  defaultKeyDir,
  open,
  parseTime,
  type ReadFilters,
  read,
  scan,
  type VerifyReport,
  verify,
  verifyExport,
  writeExport,
} from "../audit/index.ts";
import { RISKS, type Risk } from "../types.ts";
import { parseCli } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";
import { type Style, terminalStyle } from "./format.ts";

const HELP = `usage: warden audit <subcommand> [--dir DIR] [--key-dir DIR] [options]

  verify [--json] [--file export.jsonl] [--key PUB.pem]
                      check the hash chain, signatures and checkpoints (exit 0 ok, 1 tampered, 3 error)
  tail [-f] [-n N] [--json]
                      print the last N records (default 10); -f keeps following
  export [--since T] [--until T] [--format jsonl|csv] [--risk R,…] [--decision D,…] [--yolo]
         [--agent NAME,…] [--status failed] [--type TYPE,…] [--output FILE] [--no-checkpoint]
                      write records in [since, until); jsonl exports verify on their own
  show SEQ|ID [--json]
                      print one record
  stats [--since T] [--until T] [--json]
                      counts by type, decision, risk and agent

T is an RFC 3339 date or date-time (UTC unless an offset is given) or a relative age: 30d, 12h, 15m, 2w.
--dir defaults to $XDG_STATE_HOME/warden/audit, --key-dir to $XDG_STATE_HOME/warden/keys.`;

const COMMON = {
  dir: { type: "string" },
  "key-dir": { type: "string" },
  json: { type: "boolean" },
} as const;

function parse<T extends Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>>(
  sub: string,
  argv: string[],
  options: T,
) {
  return parseCli(`audit ${sub}`, argv, { ...COMMON, ...options });
}

function list(values: string[] | undefined): string[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

function time(flag: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTime(text);
  } catch (err) {
    throw new CliError(`--${flag}: ${(err as Error).message}`);
  }
}

const RISK_COLOR: Record<Risk, string> = { low: "32", medium: "33", high: "31", critical: "1;31" };
const paint = (style: Style, code: string, text: string) =>
  style.color ? `\x1b[${code}m${text}\x1b[0m` : text;

function humanLine(r: AuditRecord, style: Style): string {
  const parts = [paint(style, "2", r.ts), String(r.seq).padStart(6), r.type.padEnd(15)];
  if (r.high_risk) parts.push(paint(style, "1;35", "YOLO"));
  if (r.risk) parts.push(paint(style, RISK_COLOR[r.risk] ?? "0", r.risk));
  if (r.decision) parts.push(r.decision);
  if (r.agent) parts.push(`[${r.agent.name}]`);
  if (r.type === "end")
    parts.push(`exit=${r.exit ?? "-"}${r.signal ? ` signal=${r.signal}` : ""} ${r.duration_ms ?? "?"}ms`);
  if (r.command) parts.push(r.command.length > 200 ? `${r.command.slice(0, 200)}…` : r.command);
  if (r.checkpoint) parts.push(`signed seq ${r.checkpoint.seq}`);
  if (r.recovery) parts.push(`torn record moved to ${r.recovery.moved_to}`);
  return parts.join("  ");
}

function printVerify(report: VerifyReport, json: boolean, style: Style): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  for (const w of report.warnings) process.stderr.write(`warden: warning: ${w}\n`);
  if (report.ok) {
    const range =
      report.records === 0
        ? "no records"
        : `seq ${report.firstSeq}..${report.lastSeq} (${report.records} records)`;
    process.stdout.write(
      `${paint(style, "32", "OK")} ${report.source}: ${range}, ${report.checkpoints.inLog} signed checkpoints, key ${report.key}\n`,
    );
    if (report.unanchored > 0) {
      process.stdout.write(
        `   ${report.unanchored} record(s) after the last checkpoint are not yet signed\n`,
      );
    }
  } else {
    const e = report.error!;
    process.stdout.write(
      `${paint(style, "1;31", "TAMPERED")} ${report.source}: ${e.kind} in ${e.segment}${e.line ? `:${e.line}` : ""}` +
        `${e.seq !== null ? ` (first bad seq ${e.seq})` : ""}: ${e.message}\n`,
    );
  }
}

async function cmdVerify(argv: string[]): Promise<number> {
  const { values } = parse("verify", argv, { file: { type: "string" }, key: { type: "string" } });
  if (values.help) return help();
  let pem: string | undefined;
  if (values.key) {
    try {
      pem = readFileSync(values.key, "utf8");
    } catch (err) {
      throw new CliError(`audit verify: cannot read --key ${values.key}: ${(err as Error).message}`);
    }
  }
  const report = values.file
    ? verifyExport(values.file, { publicKeyPem: pem })
    : verify(values.dir ?? defaultAuditDir(), { keyDir: values["key-dir"], publicKeyPem: pem });
  printVerify(report, values.json ?? false, terminalStyle(process.stdout));
  return report.ok ? 0 : 1;
}

async function cmdTail(argv: string[]): Promise<number> {
  const { values } = parse("tail", argv, {
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
  });
  if (values.help) return help();
  const n = Number(values.lines ?? "10");
  if (!Number.isInteger(n) || n < 0) throw new CliError(`audit tail: -n expects a non-negative integer`);
  const dir = values.dir ?? defaultAuditDir();
  const style = terminalStyle(process.stdout);
  const print = (r: AuditRecord) =>
    process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${humanLine(r, style)}\n`);
  const last: AuditRecord[] = [];
  for (const { record } of scan(dir)) {
    last.push(record);
    if (last.length > n) last.shift();
  }
  last.forEach(print);
  if (!values.follow) return 0;
  let seq = last.at(-1)?.seq ?? 0;
  let since = last.at(-1) ? new Date(last.at(-1)!.ts) : undefined;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    for (const { record } of scan(dir, since)) {
      if (record.seq <= seq) continue;
      print(record);
      seq = record.seq;
      since = new Date(record.ts);
    }
  }
}

function filtersFrom(values: Record<string, unknown>): ReadFilters {
  const filters: ReadFilters = {};
  const risk = list(values.risk as string[] | undefined);
  if (risk) {
    const bad = risk.find((r) => !RISKS.includes(r as Risk));
    if (bad) throw new CliError(`audit export: --risk '${bad}' is not one of ${RISKS.join(", ")}`);
    filters.risk = risk as Risk[];
  }
  const decision = list(values.decision as string[] | undefined);
  if (decision) {
    const bad = decision.find((d) => !["allow", "ask", "deny"].includes(d));
    if (bad) throw new CliError(`audit export: --decision '${bad}' is not one of allow, ask, deny`);
    filters.decision = decision as ReadFilters["decision"];
  }
  if (values.yolo) filters.yolo = true;
  const agent = list(values.agent as string[] | undefined);
  if (agent) filters.agent = agent;
  const types = list(values.type as string[] | undefined);
  if (types) filters.types = types;
  if (values.status !== undefined) {
    if (values.status !== "failed") throw new CliError(`audit export: --status accepts only 'failed'`);
    filters.status = "failed";
  }
  return filters;
}

const CSV_COLUMNS = [
  "seq",
  "id",
  "ts",
  "type",
  "host",
  "user",
  "agent",
  "session",
  "cwd",
  "command",
  "risk",
  "decision",
  "mode",
  "high_risk",
  "approvers",
  "exit",
  "signal",
  "duration_ms",
  "rationale",
  "redacted",
  "hash",
] as const;

function csvField(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = Array.isArray(v) ? v.join(" ") : String(v);
  // Leading = + - @ would be formulas in a spreadsheet; a quote prefix keeps them text.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(r: AuditRecord): string {
  const get: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    ...(r as unknown as Record<string, unknown>),
    agent: r.agent?.name,
    session: r.agent?.session,
  } as Record<(typeof CSV_COLUMNS)[number], unknown>;
  return CSV_COLUMNS.map((c) => csvField(get[c])).join(",");
}

async function cmdExport(argv: string[]): Promise<number> {
  const { values } = parse("export", argv, {
    since: { type: "string" },
    until: { type: "string" },
    format: { type: "string" },
    risk: { type: "string", multiple: true },
    decision: { type: "string", multiple: true },
    yolo: { type: "boolean" },
    agent: { type: "string", multiple: true },
    status: { type: "string" },
    type: { type: "string", multiple: true },
    output: { type: "string", short: "o" },
    "no-checkpoint": { type: "boolean" },
  });
  if (values.help) return help();
  const format = values.format ?? "jsonl";
  if (format !== "jsonl" && format !== "csv")
    throw new CliError(`audit export: --format must be jsonl or csv`);
  const dir = values.dir ?? defaultAuditDir();
  const since = time("since", values.since);
  const until = time("until", values.until);
  const filters = filtersFrom(values);
  let fd = 1;
  if (values.output) {
    try {
      fd = openSync(values.output, "w", 0o600);
    } catch (err) {
      throw new CliError(`audit export: cannot write ${values.output}: ${(err as Error).message}`);
    }
  }
  try {
    if (format === "csv") {
      const chunks: string[] = [`${CSV_COLUMNS.join(",")}\n`];
      for await (const r of read({ dir, since, until, filters })) chunks.push(`${csvRow(r)}\n`);
      writeAllText(fd, chunks.join(""));
      return 0;
    }
    if (!values["no-checkpoint"]) {
      // Anchor the range: a signed checkpoint after its last record lets the export verify on its own.
      try {
        const log = await open(dir, { keyDir: values["key-dir"], checkpointIntervalMs: 0 });
        await log.checkpoint();
        await log.close();
      } catch (err) {
        process.stderr.write(
          `warden: warning: could not write a checkpoint to anchor the export: ${(err as Error).message}\n`,
        );
      }
    }
    const r = writeExport(fd, { dir, since, until, filters, keyDir: values["key-dir"] ?? defaultKeyDir() });
    process.stderr.write(
      `warden: exported ${r.records} record(s)${r.stubs ? ` and ${r.stubs} stub(s)` : ""}` +
        `${r.firstSeq !== null ? ` (seq ${r.firstSeq}..${r.lastSeq})` : ""}\n`,
    );
    if (!r.anchored)
      process.stderr.write("warden: warning: the export is not anchored by a signed checkpoint\n");
    return 0;
  } finally {
    if (fd !== 1) closeSync(fd);
  }
}

function writeAllText(fd: number, text: string): void {
  const b = Buffer.from(text);
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
}

async function cmdShow(argv: string[]): Promise<number> {
  const { values, positionals } = parse("show", argv, {});
  if (values.help) return help();
  const want = positionals[0];
  if (want === undefined || positionals.length > 1) throw new CliError("audit show: give one SEQ or ID");
  const bySeq = /^\d+$/.test(want) ? Number(want) : null;
  for (const { record } of scan(values.dir ?? defaultAuditDir())) {
    if (bySeq !== null ? record.seq === bySeq : record.id === want) {
      process.stdout.write(
        values.json ? `${JSON.stringify(record)}\n` : `${JSON.stringify(record, null, 2)}\n`,
      );
      return 0;
    }
  }
  throw new CliError(`audit show: no record with ${bySeq !== null ? "seq" : "id"} ${want}`, 1);
}

async function cmdStats(argv: string[]): Promise<number> {
  const { values } = parse("stats", argv, { since: { type: "string" }, until: { type: "string" } });
  if (values.help) return help();
  const since = time("since", values.since);
  const until = time("until", values.until);
  const count = (m: Record<string, number>, k: string | undefined) => {
    if (k !== undefined) m[k] = (m[k] ?? 0) + 1;
  };
  const stats = {
    since: since?.toISOString() ?? null,
    until: until?.toISOString() ?? null,
    records: 0,
    by_type: {} as Record<string, number>,
    by_decision: {} as Record<string, number>,
    by_risk: {} as Record<string, number>,
    by_agent: {} as Record<string, number>,
    yolo: 0,
    failed: 0,
    redacted: 0,
  };
  for await (const r of read({ dir: values.dir ?? defaultAuditDir(), since, until })) {
    stats.records++;
    count(stats.by_type, r.type);
    if (r.type === "decision" || r.decision !== undefined) count(stats.by_decision, r.decision);
    if (r.type === "decision" || (r.type === "request" && r.risk !== undefined)) count(stats.by_risk, r.risk);
    if (r.type === "request") count(stats.by_agent, r.agent?.name ?? "(none)");
    if (r.high_risk) stats.yolo++;
    if (r.type === "end" && ((r.exit ?? 0) !== 0 || r.signal)) stats.failed++;
    stats.redacted += r.redacted ?? 0;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    return 0;
  }
  const table = (title: string, m: Record<string, number>) =>
    `${title}:\n${
      Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `  ${k.padEnd(20)} ${v}`)
        .join("\n") || "  (none)"
    }\n`;
  process.stdout.write(
    `${stats.records} records${since ? ` since ${stats.since}` : ""}${until ? ` until ${stats.until}` : ""}\n` +
      table("by type", stats.by_type) +
      table("by decision", stats.by_decision) +
      table("by risk", stats.by_risk) +
      table("requests by agent", stats.by_agent) +
      `yolo (high-risk) records: ${stats.yolo}\nfailed commands: ${stats.failed}\nsecrets redacted: ${stats.redacted}\n`,
  );
  return 0;
}

function help(): number {
  process.stdout.write(`${HELP}\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  verify: cmdVerify,
  tail: cmdTail,
  export: cmdExport,
  show: cmdShow,
  stats: cmdStats,
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? EXIT.usage : 0;
  }
  const cmd = SUBCOMMANDS[sub];
  if (!cmd) throw new CliError(`audit: unknown subcommand '${sub}' (try 'warden audit --help')`);
  try {
    return await cmd(rest);
  } catch (err) {
    if (err instanceof AuditError) throw new CliError(`audit ${sub}: ${err.message}`, EXIT.usage);
    throw err;
  }
}
