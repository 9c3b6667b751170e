// A separate process racing others on the same approval store. Waits for "go" on stdin so all racers
// start together. argv: mode (consume|request) stateDir requestJson configJson verdictJson
import { createInterface } from "node:readline";
import { findValidApproval, requestApproval } from "../../src/approval/index.ts";

const [mode, state, requestJson, configJson, verdictJson] = process.argv.slice(2);
const env = { ...process.env, WARDEN_STATE_DIR: state! };
const request = JSON.parse(requestJson!);
const config = JSON.parse(configJson!);
const verdict = JSON.parse(verdictJson!);

process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const _line of lines) {
  if (mode === "consume") {
    const r = findValidApproval(request, verdict, config, { env });
    process.stdout.write(`${r.approved ? "approved" : "refused"} ${r.reason}\n`);
  } else {
    const r = requestApproval(request, verdict, { env });
    process.stdout.write(`${r.id} ${r.existing}\n`);
  }
  break;
}
process.exit(0);
