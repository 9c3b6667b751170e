// Decide-stage cost per request with a 200-rule policy, beside the classification cost of the same
// requests in the same run. Target: policy adds ≤ 25% to classify time.
import { analyze, classify } from "../src/index.ts";
import { decideWithPolicy } from "../src/policy/decide.ts";
import type { RuleDoc } from "../src/policy/document.ts";
import { decideFacts } from "../src/policy/index.ts";
import { BUILTIN_SOURCE, buildPolicy } from "../src/policy/load.ts";
import { peerCases } from "../test/pipeline/peer.ts";
import { fmt, throughput } from "./stats.ts";

const programs = ["git", "npm", "kubectl", "docker", "aws", "terraform", "make", "cargo", "python", "curl"];
const rules: RuleDoc[] = [];
for (let i = 0; i < 200; i++) {
  const p = programs[i % programs.length]!;
  if (i % 4 === 0) rules.push({ match: `${p} sub${i} --flag${i}*`, risk: "high", reason: `rule ${i}` });
  else if (i % 4 === 1) rules.push({ program: p, subcommand: `verb${i}`, decision: "ask" });
  else if (i % 4 === 2) rules.push({ match: `${p} exact${i}`, exact: true, decision: "allow" });
  else rules.push({ regex: `^${p} .*pattern${i}`, risk: "medium" });
}
const policy = buildPolicy([
  BUILTIN_SOURCE,
  {
    layer: { kind: "file", name: "bench.yaml", trusted: true },
    doc: {
      rules,
      paths: { entries: [{ path: "/srv/**", permission: "write" }] },
      production: { hosts: ["*.prod.example.com"] },
    },
    locate: (p) => `bench.yaml:${p.join(".")}`,
  },
]).effective(null);

const commands = [
  ...peerCases().map((c) => c.command),
  "git status",
  "git push --force origin main",
  "rm -rf node_modules dist",
  "npm test -- --watch=false",
  "kubectl -n prod delete pod web-1",
  "cat .env",
  "echo hi > /etc/hosts",
  "cp -r src /srv/backup",
];
const env = { HOME: "/home/agent" };
const cwd = "/home/agent/project";
const ctx = { cwd, workspace: cwd, home: "/home/agent", env, unknownRisk: policy.unknown };
const facts = decideFacts({ cwd, env, home: "/home/agent", user: "agent" });
const analyses = commands.map((c) => analyze(c));
const findings = analyses.map((a) => classify(a, ctx));

const classifyRate = throughput(commands.length, () => {
  for (const a of analyses) classify(a, ctx);
});
const decideRate = throughput(commands.length, () => {
  for (let i = 0; i < analyses.length; i++) decideWithPolicy(analyses[i]!, findings[i]!, policy, facts);
});
const analyzeClassifyRate = throughput(commands.length, () => {
  for (const c of commands) classify(analyze(c), ctx);
});
const classifyUs = 1e6 / classifyRate;
const decideUs = 1e6 / decideRate;
const pipelineUs = 1e6 / analyzeClassifyRate;
console.log(`requests: ${commands.length}; policy: ${rules.length} custom rules + built-in`);
console.log(`classify            ${fmt(classifyRate)} req/s  ${classifyUs.toFixed(2)} µs/req`);
console.log(`analyze+classify    ${fmt(analyzeClassifyRate)} req/s  ${pipelineUs.toFixed(2)} µs/req`);
console.log(`decide (200 rules)  ${fmt(decideRate)} req/s  ${decideUs.toFixed(2)} µs/req`);
console.log(
  `ratio decide/classify ${(decideUs / classifyUs).toFixed(2)}×  decide/(analyze+classify) ${(decideUs / pipelineUs).toFixed(2)}×  (target ≤ 0.25 of classify)`,
);
