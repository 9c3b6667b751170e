// Classification throughput in-process next to raw unbash parsing, and cold `warden check` latency next to
// `node -e 0`. Targets: ≥ 200k commands/s in-process; cold check ≤ 1.3× node -e 0.
import { existsSync } from "node:fs";
import { parse } from "unbash";
import { analyze, classify, ruleContext } from "../src/index.ts";
import { evaluateInCorpusContext, verdictCases } from "../test/pipeline/corpus.ts";
import { peerCases } from "../test/pipeline/peer.ts";
import { fmt, median, spawnMs, throughput } from "./stats.ts";

const commands = [...verdictCases().map((c) => c.command), ...peerCases().map((c) => c.command)];
const ctx = { ...ruleContext({ cwd: "/home/agent/project", env: { HOME: "/home/agent" } }) };

const parseRate = throughput(commands.length, () => {
  for (const c of commands) parse(c);
});
const analyzeRate = throughput(commands.length, () => {
  for (const c of commands) analyze(c);
});
const classifyRate = throughput(commands.length, () => {
  for (const c of commands) classify(analyze(c), ctx);
});
const evaluateRate = throughput(commands.length, () => {
  for (const c of commands) evaluateInCorpusContext(c);
});
console.log(`corpus: ${commands.length} commands`);
console.log(`unbash.parse           ${fmt(parseRate)} commands/s (baseline)`);
console.log(
  `analyze                ${fmt(analyzeRate)} commands/s  ratio ${(analyzeRate / parseRate).toFixed(2)}× of parse`,
);
console.log(
  `analyze+classify       ${fmt(classifyRate)} commands/s  ratio ${(classifyRate / parseRate).toFixed(2)}× of parse  (target ≥ 200,000)`,
);
console.log(
  `evaluate (full verdict) ${fmt(evaluateRate)} commands/s  ratio ${(evaluateRate / parseRate).toFixed(2)}× of parse`,
);

const cli = "dist/warden.js";
if (!existsSync(cli)) throw new Error("dist/warden.js missing: run `npm run build` first");
const N = 30;
const nodeTimes: number[] = [];
const checkTimes: number[] = [];
for (let i = 0; i < N + 3; i++) {
  const a = spawnMs([process.execPath, "-e", "0"]);
  const b = spawnMs([process.execPath, cli, "check", "--json", "--", "git status && rm -rf node_modules"]);
  if (i >= 3) {
    nodeTimes.push(a);
    checkTimes.push(b);
  }
}
const nodeMs = median(nodeTimes);
const checkMs = median(checkTimes);
console.log(`node -e 0              ${nodeMs.toFixed(1)} ms median of ${N} (baseline)`);
console.log(
  `warden check (cold)    ${checkMs.toFixed(1)} ms median of ${N}  ratio ${(checkMs / nodeMs).toFixed(2)}× (target ≤ 1.3×)`,
);
