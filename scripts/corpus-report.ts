// Prints, for each command corpus in test/corpus/, how many commands Warden allows, asks about and denies, and
// how many differ from the expected decision: the figures a closing note reports before and after a change.
// Usage: npx tsx scripts/corpus-report.ts [--json]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../src/index.ts";

const CORPUS = new URL("../test/corpus/", import.meta.url).pathname;
// The same fixed context as the corpus tests (test/pipeline/corpus.ts), with no user policy.
const CWD = "/home/agent/project";
const HOME = "/home/agent";
const config = mkdtempSync(join(tmpdir(), "warden-corpus-report-"));
process.env.WARDEN_CONFIG_DIR = config;

type Decision = "allow" | "ask" | "deny";
interface Row {
  corpus: string;
  allow: number;
  ask: number;
  deny: number;
  mismatched: number;
  total: number;
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(join(CORPUS, file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("//"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// The ordinary-work corpus is judged in each session's own workspace, with its tracked files and manifests.
const workspaces = JSON.parse(readFileSync(join(CORPUS, "ordinary-work.workspaces.json"), "utf8")) as Record<
  string,
  { cwd: string; home: string; tracked: string[]; bins: string[]; dependencies: string[] }
>;
// Absent before the workspace module existed: then commands are judged without the workspace's own code, as
// that version did (so the script also measures old commits: copy it and test/corpus/ into a worktree).
const workspaceModule = "../src/workspace/index.ts";
const facts = (await import(workspaceModule).catch(() => null)) as
  | typeof import("../src/workspace/index.ts")
  | null;

function judge(file: string, c: Record<string, unknown>): Decision {
  const command = String(c.command);
  if (file === "ordinary-work.jsonl") {
    const ws = workspaces[String(c.source).split(":")[0]!]!;
    return evaluate(
      { kind: "command", command, cwd: ws.cwd, env: { HOME: ws.home, USER: "agent" } },
      facts ? { project: facts.projectFactsFrom({ root: ws.cwd, ...ws }) } : {},
    ).verdict.decision;
  }
  const env = { HOME, USER: "agent", ...((c.env as Record<string, string>) ?? {}) };
  return evaluate({ kind: "command", command, cwd: (c.cwd as string) ?? CWD, env }).verdict.decision;
}

const rows: Row[] = [];
const files = readdirSync(CORPUS)
  .filter((f) => /^(verdicts-.*|ordinary-work|peer-cc-safety-net)\.jsonl$/.test(f))
  .sort();
for (const file of files) {
  const row: Row = { corpus: file, allow: 0, ask: 0, deny: 0, mismatched: 0, total: 0 };
  for (const c of lines(file)) {
    const d = judge(file, c);
    row[d]++;
    row.total++;
    if (c.expected !== undefined && c.expected !== d) row.mismatched++;
  }
  rows.push(row);
}
rmSync(config, { recursive: true, force: true });

const verdicts = rows.filter((r) => r.corpus.startsWith("verdicts-"));
const sum = (k: keyof Omit<Row, "corpus">) => verdicts.reduce((n, r) => n + r[k], 0);
rows.push({
  corpus: "verdicts-*.jsonl (all)",
  allow: sum("allow"),
  ask: sum("ask"),
  deny: sum("deny"),
  mismatched: sum("mismatched"),
  total: sum("total"),
});
if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(rows)}\n`);
else
  for (const r of rows)
    console.log(
      `${r.corpus.padEnd(34)} allow ${String(r.allow).padStart(4)}  ask ${String(r.ask).padStart(4)}  deny ${String(r.deny).padStart(4)}  total ${String(r.total).padStart(4)}  ≠expected ${r.mismatched}`,
    );
