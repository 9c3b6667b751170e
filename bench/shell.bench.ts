// analyze() throughput over the shell-extraction corpus and the peer corpus, next to raw unbash.parse in the same
// run (the baseline: analyze parses once, walks, unwraps and re-parses payloads). The later target for the whole
// classification is ≥ 200k commands/s, so analyze alone should stay well above that on ordinary commands.
import { readFileSync } from "node:fs";
import { forEachChild, parse, type SyntaxNode } from "unbash";
import { analyze } from "../src/shell/index.ts";
import { fmt, throughput } from "./stats.ts";

function commandsOf(file: string): string[] {
  return readFileSync(new URL(`../test/corpus/${file}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { command: string }).command);
}

const extraction = commandsOf("shell-extraction.jsonl");
const peer = commandsOf("peer-cc-safety-net.jsonl");
// The 50 KB here-doc case dominates byte counts; report the short commands separately too.
const short = [...extraction, ...peer].filter((c) => c.length < 1000);

/** Parse plus a full lazy walk (resolves every substitution), the cost floor of any analysis on unbash. */
function parseAndVisit(source: string): number {
  let n = 0;
  const visit = (node: SyntaxNode): void => {
    n++;
    forEachChild(node, visit);
  };
  visit(parse(source));
  return n;
}

for (const [name, commands] of [
  ["extraction corpus", extraction],
  ["peer corpus", peer],
  ["short commands (<1 KB)", short],
] as const) {
  const bytes = commands.reduce((s, c) => s + c.length, 0);
  const parseRate = throughput(commands.length, () => {
    for (const c of commands) parse(c);
  });
  const visitRate = throughput(commands.length, () => {
    for (const c of commands) parseAndVisit(c);
  });
  const analyzeRate = throughput(commands.length, () => {
    for (const c of commands) analyze(c);
  });
  console.log(`${name}: ${commands.length} commands, ${fmt(bytes)} chars`);
  console.log(`  unbash.parse          ${fmt(parseRate).padStart(12)} commands/s (baseline)`);
  console.log(
    `  parse + full visit    ${fmt(visitRate).padStart(12)} commands/s  ratio ${(visitRate / parseRate).toFixed(2)}×`,
  );
  console.log(
    `  analyze               ${fmt(analyzeRate).padStart(12)} commands/s  ratio ${(analyzeRate / parseRate).toFixed(2)}×`,
  );
}
