// Issue 13's attack: 30 runs recorded, then the segment's last 10 lines cut off (`head -n -10`). With a
// checkpoint only every 1,000 records `warden audit verify` accepted that log; a writer that signs a
// checkpoint whenever it goes idle (the daemon after a quiet moment, `warden exec` when its run ends)
// leaves a signed copy in checkpoints.jsonl that names records the cut removed.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, daemonEnv, postJson, startInProcess, type TestEnv, waitFor } from "./helpers.ts";

const run = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env, encoding: "utf8" });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

function segment(env: TestEnv): string {
  return join(env.WARDEN_STATE_DIR, "audit", "current.jsonl");
}

/** `head -n -10 current.jsonl > x && mv x current.jsonl`, as a same-user command could. */
function cutLastLines(env: TestEnv, n: number): void {
  const lines = readFileSync(segment(env), "utf8").split("\n").filter(Boolean);
  writeFileSync(segment(env), `${lines.slice(0, -n).join("\n")}\n`);
}

async function thirtyRuns(env: TestEnv): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const id = `run-${i}`;
    const r = await postJson(env.WARDEN_SOCKET, "/v1/runs/events", {
      events: [
        { type: "start", request_id: id, command: "true", argv: ["true"] },
        { type: "end", request_id: id, exit: 0 },
      ],
    });
    expect(r.status).toBe(200);
  }
}

describe("idle checkpoints", () => {
  it("daemon: cutting the tail after a quiet moment fails `warden audit verify`", async () => {
    const { env, daemon } = await startInProcess(undefined, { checkpointIdleMs: 50 });
    await thirtyRuns(env);
    await waitFor(() =>
      readFileSync(segment(env), "utf8").trimEnd().split("\n").at(-1)!.includes('"checkpoint"'),
    );
    await daemon.close();
    expect((await cli(["audit", "verify"], env)).status).toBe(0);
    cutLastLines(env, 10);
    const r = await cli(["audit", "verify"], env);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/records were removed|truncat/);
  });

  it("without idle checkpoints (the old writer) the same cut passes: the test can fail", async () => {
    const { env, daemon } = await startInProcess(undefined, { checkpointIdleMs: 0 });
    await thirtyRuns(env);
    await daemon.close();
    cutLastLines(env, 10);
    expect((await cli(["audit", "verify"], env)).status).toBe(0);
  });

  it("warden exec with no daemon signs the log when its run ends", async () => {
    const env = daemonEnv();
    for (let i = 0; i < 4; i++) {
      const r = await cli(["exec", "--sandbox=off", "--", "true"], env);
      expect(r.status, r.stderr).toBe(0);
    }
    expect((await cli(["audit", "verify"], env)).status).toBe(0);
    cutLastLines(env, 3);
    expect((await cli(["audit", "verify"], env)).status).not.toBe(0);
  });

  it("warden exec with a daemon sends its events there and writes no log itself", async () => {
    const { env } = await startInProcess();
    // A state dir the client could not create a log in (its parent is a regular file: ENOTDIR): the run
    // still is recorded, by the daemon. Not a path under /proc: Node 24's recursive mkdir loops forever
    // there (mkdir returns ENOENT under an existing parent).
    const blocker = join(env.HOME, "not-a-dir");
    writeFileSync(blocker, "");
    const client = { ...env, WARDEN_STATE_DIR: join(blocker, "state") };
    const r = await cli(["exec", "--sandbox=off", "--", "true"], client);
    expect(r.status, r.stderr).toBe(0);
    const types = readFileSync(segment(env), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l).type);
    expect(types).toEqual(expect.arrayContaining(["request", "decision", "start", "end"]));
  });

  it("warden check through the daemon prints what it prints in-process", async () => {
    const alone = daemonEnv();
    const local = await cli(["check", "--json", "--", "git push --force origin main"], alone);
    const { env } = await startInProcess(alone);
    const remote = await cli(["check", "--json", "--", "git push --force origin main"], env);
    expect(remote.status).toBe(local.status);
    expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
    const text = await cli(["check", "--", "rm -rf ~/"], { ...env, NO_COLOR: "1" });
    const textLocal = await cli(["check", "--", "rm -rf ~/"], {
      ...alone,
      WARDEN_SOCKET: "/nonexistent/s",
      NO_COLOR: "1",
    });
    expect(text.stdout).toBe(textLocal.stdout);
    expect(text.status).toBe(2);
  });
});
