// Cold end-to-end latency of `warden hook claude` (spawn → JSON answer on stdout) for Bash payloads,
// beside `node -e 0` and beside the cc-safety-net hook on the same payloads, interleaved in one run.
// Target: warden ≤ 1.3× node -e 0 (median of ≥ 30 runs).
import { existsSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { median, spawnMs } from "./stats.ts";

const cli = "dist/warden.js";
if (!existsSync(cli)) throw new Error("dist/warden.js missing: run `npm run build` first");

const require = createRequire(import.meta.url);
const peerPkg = require.resolve("cc-safety-net/package.json");
const peer = join(dirname(peerPkg), "dist", "bin", "cc-safety-net.js");

// Both hooks keep state under HOME / the state dir: give them an empty one each run of the bench.
const home = mkdtempSync(join(tmpdir(), "warden-bench-home-"));
process.env.HOME = home;
process.env.WARDEN_STATE_DIR = join(home, "state");

const commands = [
  "git status",
  "npm test -- --watch=false",
  "rm -rf node_modules dist",
  "git push --force origin main",
];
const payloads = commands.map((command, i) =>
  JSON.stringify({
    session_id: "bench-session",
    transcript_path: join(home, "transcript.jsonl"),
    cwd: home,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command, description: "benchmark" },
    tool_use_id: `toolu_bench_${i}`,
  }),
);

const N = Number(process.env.BENCH_RUNS ?? 40);
const WARMUP = 3;
const nodeTimes: number[] = [];
const wardenTimes: number[] = [];
const peerTimes: number[] = [];
for (let i = 0; i < N + WARMUP; i++) {
  const payload = payloads[i % payloads.length]!;
  const a = spawnMs([process.execPath, "-e", "0"]);
  const b = spawnMs([process.execPath, cli, "hook", "claude"], payload);
  const c = spawnMs([process.execPath, peer, "--claude-code"], payload);
  if (i >= WARMUP) {
    nodeTimes.push(a);
    wardenTimes.push(b);
    peerTimes.push(c);
  }
}
const nodeMs = median(nodeTimes);
const wardenMs = median(wardenTimes);
const peerMs = median(peerTimes);
console.log(`node -e 0                   ${nodeMs.toFixed(1)} ms median of ${N} (baseline)`);
console.log(
  `warden hook claude (cold)   ${wardenMs.toFixed(1)} ms median of ${N}  ratio ${(wardenMs / nodeMs).toFixed(2)}× (target ≤ 1.3×)`,
);
console.log(
  `cc-safety-net --claude-code ${peerMs.toFixed(1)} ms median of ${N}  ratio ${(peerMs / nodeMs).toFixed(2)}×`,
);
