// Prints how many peer (cc-safety-net) cases Warden agrees with and lists every disagreement.
// Usage: npx tsx scripts/peer-report.ts [--undocumented]
import { documentedDisagreements, peerCases, wardenOn } from "../test/pipeline/peer.ts";

const onlyUndocumented = process.argv.includes("--undocumented");
const documented = documentedDisagreements();
let agree = 0;
const rows: string[] = [];
const counts: Record<string, number> = {};
for (const c of peerCases()) {
  const w = wardenOn(c);
  if (w.agrees) {
    agree++;
    continue;
  }
  const doc = documented.get(c.command);
  const kind = doc ? doc.reason.split(":")[0]! : "undocumented";
  counts[kind] = (counts[kind] ?? 0) + 1;
  if (onlyUndocumented && doc) continue;
  rows.push(
    JSON.stringify({
      command: c.command,
      peer: c.expected,
      warden: w.decision,
      reason: doc?.reason ?? "",
      rules: w.rules,
      note: c.note,
    }),
  );
}
const total = peerCases().length;
console.log(rows.join("\n"));
console.log(
  `agree ${agree}/${total} (${((100 * agree) / total).toFixed(1)}%); disagreements by kind: ${JSON.stringify(counts)}`,
);
