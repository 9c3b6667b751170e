// examples/python/warden_client.py against a real daemon, run by the machine's python3: the example must
// work as documented (docs/api.md), and its errors must carry the daemon's reason.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import { startInProcess } from "./helpers.ts";

const CLIENT_DIR = new URL("../../examples/python/", import.meta.url).pathname;
const hasPython = spawnSync("python3", ["--version"]).status === 0;

const SCRIPT = `
import json, sys
from warden_client import WardenClient, WardenError
w = WardenClient()
out = {"health": w.health()["status"]}
out["verdicts"] = [w.evaluate(c, cwd=sys.argv[1], env={"HOME": sys.argv[1]}) for c in ["git status", "rm -rf ~/", "npm install x"]]
out["file"] = w.evaluate_file("read", sys.argv[1] + "/.env", cwd=sys.argv[1])["decision"]
out["hook"] = w.hook("claude", {"session_id": "p", "cwd": sys.argv[1], "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}})
try:
    w._call("POST", "/v1/evaluate", {"request": {"kind": "command"}})
except WardenError as e:
    out["error"] = [e.status, e.code]
out["metrics"] = "warden_requests_total" in w.metrics()
print(json.dumps(out))
`;

describe.runIf(hasPython)("examples/python/warden_client.py", () => {
  it("evaluates, answers a hook, reports errors, reads health and metrics", async () => {
    const { env } = await startInProcess();
    const r = await promisify(execFile)("python3", ["-c", SCRIPT, env.HOME], {
      env: { ...env, PYTHONPATH: CLIENT_DIR },
      encoding: "utf8",
    });
    const out = JSON.parse(r.stdout);
    expect(out.health).toBe("ok");
    const local = ["git status", "rm -rf ~/", "npm install x"].map(
      (command) => evaluate({ kind: "command", command, cwd: env.HOME, env: { HOME: env.HOME } }).verdict,
    );
    expect(out.verdicts).toEqual(local);
    expect(out.file).toBe("ask");
    expect(out.hook.exit_code).toBe(0);
    expect(JSON.parse(out.hook.stdout).hookSpecificOutput.permissionDecision).toBe("allow");
    expect(out.error).toEqual([400, "invalid-body"]);
    expect(out.metrics).toBe(true);
  });
});
