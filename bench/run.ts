// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so they do not
// compete for the two cores. Pass names to run a subset: `npm run bench -- classify audit`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.argv.slice(2);
const benches = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `bench/${file}`], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
