// Added latency of hook-mode confinement (issue 14): the same command run as the agent runs it unconfined
// (`bash -c CMD`) and as a confined hook answer makes it run (`bash -c "warden exec --ticket ID -c CMD"`, with the
// ticket filed as the hook files it), interleaved, median of 60 each. Also the hook's own answer time with
// confinement on vs off (the ticket write and the bwrap lookup).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../src/index.ts";
import { shQuote } from "../src/integrations/confine.ts";
import { issueTicket } from "../src/sandbox/ticket.ts";
import { fmt, median, spawnMs } from "./stats.ts";

const cli = new URL("../dist/warden.js", import.meta.url).pathname;
// Under /var/tmp: inside the sandbox /tmp is private.
const root = mkdtempSync("/var/tmp/warden-bench-confine-");
const ws = join(root, "ws");
mkdirSync(ws);
process.env.HOME = root;
process.env.WARDEN_STATE_DIR = join(root, "state");
process.env.WARDEN_CONFIG_DIR = join(root, "config");
process.chdir(ws);
const N = 60;
const command = "ls -la > listing.txt && wc -l listing.txt";

function confinedRun(): number {
  const { verdict } = evaluate({
    kind: "command",
    command,
    cwd: ws,
    env: process.env as Record<string, string>,
  });
  const id = issueTicket({
    command,
    cwd: ws,
    policy: verdict.policy,
    risk: verdict.risk,
    decision: "allow",
    agent: "bench",
    why: "bench",
    net: false,
  });
  const line = [process.execPath, cli].map(shQuote).join(" ");
  return spawnMs(["bash", "-c", `${line} exec --ticket ${id} -c ${shQuote(command)} 2>/dev/null`]);
}

const plain: number[] = [];
const confined: number[] = [];
const hookOn: number[] = [];
const hookOff: number[] = [];
const payload = JSON.stringify({
  session_id: "bench",
  cwd: ws,
  permission_mode: "default",
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command },
});
const offConfig = join(root, "config-off");
mkdirSync(offConfig);
writeFileSync(join(offConfig, "policy.yaml"), "sandbox: {hooks: off}\n");
for (let i = 0; i < N; i++) {
  plain.push(spawnMs(["bash", "-c", command]));
  confined.push(confinedRun());
  hookOn.push(spawnMs([process.execPath, cli, "hook", "claude"], payload));
  process.env.WARDEN_CONFIG_DIR = offConfig;
  hookOff.push(spawnMs([process.execPath, cli, "hook", "claude"], payload));
  process.env.WARDEN_CONFIG_DIR = join(root, "config");
}
const p = median(plain);
const c = median(confined);
console.log(`command unconfined (bash -c):            median ${fmt(p)} ms`);
console.log(
  `command confined (warden exec --ticket): median ${fmt(c)} ms  (+${fmt(c - p)} ms, ${fmt(c / p, 2)}×)`,
);
console.log(`hook answer, confinement on:             median ${fmt(median(hookOn))} ms`);
console.log(
  `hook answer, confinement off (policy):   median ${fmt(median(hookOff))} ms  (on/off ${fmt(median(hookOn) / median(hookOff), 2)}×)`,
);
rmSync(root, { recursive: true, force: true });
