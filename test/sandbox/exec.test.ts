// `warden exec` end to end: the built CLI, real bwrap, a real audit log in a temp state dir.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;

function fresh() {
  const workspace = mkdtempSync("/var/tmp/warden-exec-ws-");
  const state = mkdtempSync("/var/tmp/warden-exec-state-");
  const config = mkdtempSync("/var/tmp/warden-exec-config-");
  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, "exec", ...args], {
      cwd: workspace,
      env: {
        ...process.env,
        WARDEN_STATE_DIR: state,
        WARDEN_CONFIG_DIR: config,
        SECRET_API_TOKEN: "sk-test-123",
      },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  const events = () => {
    const dir = join(state, "audit");
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl") && f !== "checkpoints.jsonl")
      .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
      .map(
        (l) =>
          JSON.parse(l) as { type: string; command?: string; exit?: number | null; signal?: string | null },
      );
  };
  const verify = () =>
    spawnSync(process.execPath, [CLI, "audit", "verify", "--dir", join(state, "audit")], {
      env: { ...process.env, WARDEN_STATE_DIR: state },
      encoding: "utf8",
    });
  return { workspace, run, events, verify };
}

describe("warden exec", () => {
  beforeAll(() => {
    expect(existsSync(CLI), "run `npm run build` first").toBe(true);
  });

  it("runs an allowed command in the sandbox, streams its output, and records request/decision/start/end", () => {
    const t = fresh();
    const r = t.run([
      "-c",
      'echo hello > out.txt && cat out.txt && test -z "$SECRET_API_TOKEN" && echo token-unset',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("hello");
    expect(r.stdout).toContain("token-unset"); // --clearenv: the caller's secrets do not leak in
    expect(readFileSync(join(t.workspace, "out.txt"), "utf8")).toBe("hello\n");
    const types = t
      .events()
      .filter((e) => e.type !== "checkpoint")
      .map((e) => e.type);
    expect(types).toEqual(["request", "decision", "start", "end"]);
    expect(t.events().find((e) => e.type === "end")?.exit).toBe(0);
    expect(t.verify().status).toBe(0);
  });

  it("exits with the command's own status", () => {
    const t = fresh();
    expect(t.run(["--", "sh", "-c", "exit 7"]).status).toBe(7);
  });

  it("denies a critical command with 126, runs nothing, and records the denial", () => {
    const t = fresh();
    const r = t.run(["-c", "rm -rf ~/ ; touch ran.txt"]);
    expect(r.status).toBe(126);
    expect(r.stderr).toContain("denied");
    expect(existsSync(join(t.workspace, "ran.txt"))).toBe(false);
    const types = t.events().map((e) => e.type);
    expect(types).toContain("decision");
    expect(types).not.toContain("start");
  });

  it("never runs a forbidden command, not even with --yolo", () => {
    const t = fresh();
    const r = t.run(["--yolo", "--", "sudo", "true"]);
    expect(r.status).toBe(126);
    expect(t.events().map((e) => e.type)).not.toContain("start");
  });

  it("turns an ask without a terminal into a pending approval request, not a run", () => {
    const t = fresh();
    const r = t.run(["-c", "python3 -c 'print(42)'"]);
    expect(r.status).toBe(126);
    expect(r.stdout).not.toContain("42");
    expect(r.stderr).toMatch(/warden approve \S+/);
  });

  it("kills the command at the timeout and still records its end", () => {
    const t = fresh();
    const r = t.run(["--timeout", "0.5", "--", "sleep", "30"]);
    expect(r.status).toBe(137);
    const end = t.events().find((e) => e.type === "end");
    expect(end?.signal).toBe("SIGKILL");
    expect(t.verify().status).toBe(0);
  });

  it("rejects bad arguments with exit 3 and a one-line message", () => {
    const t = fresh();
    const r = t.run(["--sandbox=maybe", "--", "true"]);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
