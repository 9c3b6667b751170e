// `warden exec` end to end: the built CLI, real bwrap, a real audit log in a temp state dir.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { builtinPolicy } from "../../src/policy/load.ts";
import { execute } from "../../src/sandbox/exec.ts";
import { tempDir } from "../tmp.ts";

const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;

function fresh() {
  // Under /var/tmp, not /tmp: inside the sandbox /tmp is a fresh tmpfs. Removed after the test.
  const workspace = tempDir("warden-exec-ws-", { varTmp: true });
  const state = tempDir("warden-exec-state-", { varTmp: true });
  const config = tempDir("warden-exec-config-", { varTmp: true });
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
          JSON.parse(l) as {
            type: string;
            command?: string;
            exit?: number | null;
            signal?: string | null;
            sandbox?: string;
            mode?: string;
            high_risk?: boolean;
            stdout?: { bytes: number; sha256: string; head?: string };
            files_changed?: { path: string; change: string }[];
            details?: Record<string, unknown>;
          },
      );
  };
  const verify = () =>
    spawnSync(process.execPath, [CLI, "audit", "verify", "--dir", join(state, "audit")], {
      env: { ...process.env, WARDEN_STATE_DIR: state },
      encoding: "utf8",
    });
  const policy = (yaml: string) => writeFileSync(join(config, "policy.yaml"), yaml);
  return { workspace, run, events, verify, policy };
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
    // Not plain code (os.getpgid is outside the read-only list): a medium one-liner that asks.
    const r = t.run(["-c", "python3 -c 'import os; print(42 + 0 * os.getpgid(0))'"]);
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
    expect(end?.sandbox).toBe("bwrap (timed out)");
    expect(t.verify().status).toBe(0);
  });

  it("records output digests and the files created, modified and deleted in the workspace", () => {
    const t = fresh();
    writeFileSync(join(t.workspace, "old.txt"), "old\n");
    writeFileSync(join(t.workspace, "gone.txt"), "bye\n");
    const r = t.run([
      "-c",
      "echo new > new.txt; echo more >> old.txt; rm gone.txt; printf out; printf err >&2",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const end = t.events().find((e) => e.type === "end")!;
    expect(end.stdout).toMatchObject({
      bytes: 3,
      sha256: createHash("sha256").update("out").digest("hex"),
      head: "out",
    });
    expect(end.files_changed).toEqual([
      { path: "new.txt", change: "created" },
      { path: "old.txt", change: "modified" },
      { path: "gone.txt", change: "deleted" },
    ]);
    expect(end.details?.changes).toMatchObject({ created: 1, modified: 1, deleted: 1, truncated: false });
  });

  it("hides secret files the policy's patterns match in the workspace, even from a command allowed to read all", () => {
    const t = fresh();
    writeFileSync(join(t.workspace, "server.pem"), "TOPSECRET-PEM\n");
    writeFileSync(join(t.workspace, ".env"), "TOPSECRET-ENV\n");
    writeFileSync(join(t.workspace, "notes.txt"), "TOPSECRET-NOT-REALLY\n");
    const r = t.run(["--", "grep", "-r", "TOPSECRET", "."]);
    // A masked file is /dev/null on a nodev bind: opening it fails, so grep reports it and exits 2.
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/\.env: Permission denied/);
    expect(r.stdout).toContain("notes.txt");
    expect(r.stdout).not.toContain("TOPSECRET-PEM");
    expect(r.stdout).not.toContain("TOPSECRET-ENV");
    const start = t.events().find((e) => e.type === "start")!;
    expect(start.details?.hidden).toEqual(
      expect.arrayContaining([join(t.workspace, "server.pem"), join(t.workspace, ".env")]),
    );
  });

  it("maps path permissions to mounts: `none` hidden, `read` read-only, `write` writable", () => {
    const t = fresh();
    const outside = tempDir("warden-exec-outside-", { varTmp: true });
    const shared = join(outside, "shared");
    const vault = join(outside, "vault");
    mkdirSync(shared);
    mkdirSync(vault);
    writeFileSync(join(vault, "key"), "TOPSECRET-VAULT\n");
    t.policy(
      "paths:\n  entries:\n" +
        `    - {path: "${outside}/**", permission: read}\n` +
        `    - {path: "${shared}/**", permission: write}\n` +
        `    - {path: "${vault}/**", permission: none}\n`,
    );
    // `make` is allowed, and what its recipes do is not analysed: the sandbox is the wall that holds here.
    writeFileSync(
      join(t.workspace, "Makefile"),
      `all:\n\t-cat ${vault}/key\n\t-touch ${outside}/ro.txt\n\techo made > ${shared}/made.txt; echo exit=$$?\n`,
    );
    const r = t.run(["--", "make", "-s"]);
    try {
      expect(r.stdout).not.toContain("TOPSECRET-VAULT");
      expect(r.stdout).toContain("exit=0");
      expect(readFileSync(join(shared, "made.txt"), "utf8")).toBe("made\n");
      expect(existsSync(join(outside, "ro.txt"))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("--yolo: a loud banner, and every event of the run marked high-risk", () => {
    const t = fresh();
    t.policy(`yolo:\n  allowed_users: [${userInfo().username}]\n`);
    const r = t.run(["--yolo", "-c", "python3 -c 'import os; print(6 * 7 + 0 * os.getpgid(0))'"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/YOLO: .* accepts medium risk/);
    expect(r.stdout).toContain("42");
    const events = t.events().filter((e) => e.type !== "checkpoint");
    expect(events.map((e) => e.type)).toEqual(["request", "decision", "start", "end"]);
    for (const e of events) expect(e).toMatchObject({ mode: "yolo", high_risk: true });
  });

  it("refuses a run it cannot record, unless the policy says audit.required: false", () => {
    const workspace = tempDir("warden-exec-ws-", { varTmp: true });
    const config = tempDir("warden-exec-config-", { varTmp: true });
    // A state "dir" that is a regular file: the log cannot be created there, not even by root.
    const state = join(config, "not-a-dir");
    writeFileSync(state, "");
    const run = () =>
      spawnSync(process.execPath, [CLI, "exec", "--", "touch", "ran"], {
        cwd: workspace,
        env: { ...process.env, WARDEN_STATE_DIR: state, WARDEN_CONFIG_DIR: config },
        encoding: "utf8",
      });
    try {
      const refused = run();
      expect(refused.status).toBe(125);
      expect(refused.stderr).toContain("warden: cannot open the audit log, refusing to run: ");
      expect(existsSync(join(workspace, "ran"))).toBe(false);
      writeFileSync(join(config, "policy.yaml"), "audit:\n  required: false\n");
      const unrecorded = run();
      expect(unrecorded.status, unrecorded.stderr).toBe(0);
      expect(unrecorded.stderr).toContain("running unrecorded (audit.required: false)");
      expect(existsSync(join(workspace, "ran"))).toBe(true);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(config, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments with exit 3 and a one-line message", () => {
    const t = fresh();
    const r = t.run(["--sandbox=maybe", "--", "true"]);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("execute() with a terminal prompt", () => {
  async function prompted(command: string, answers: string[]) {
    const workspace = realpathSync(tempDir("warden-exec-prompt-", { varTmp: true }));
    const state = tempDir("warden-exec-state-", { varTmp: true });
    writeFileSync(join(workspace, ".env"), "API_KEY=TOPSECRET-APPROVED\n");
    const said: string[] = [];
    const questions: string[] = [];
    const out: Buffer[] = [];
    try {
      const code = await execute({
        command,
        argv: ["bash", "-c", command],
        cwd: workspace,
        policy: builtinPolicy(),
        yolo: false,
        noApproval: false,
        sandbox: "on",
        net: false,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: workspace,
          USER: "dev",
          WARDEN_STATE_DIR: state,
        },
        say: (line) => said.push(line),
        prompt: async (q) => {
          questions.push(q);
          return answers.shift() ?? "n";
        },
        sinks: { stdout: (c) => out.push(c), stderr: () => {} },
      });
      return { code, said: said.join("\n"), questions, stdout: Buffer.concat(out).toString(), workspace };
    } finally {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  }

  it("shows the command, risk, findings and paths; explains; runs once approved, with the approved secret readable", async () => {
    const r = await prompted("cat .env", ["e", "y"]);
    expect(r.said).toContain("cat .env");
    expect(r.said).toMatch(/risk high/);
    expect(r.said).toMatch(/paths: .*\/\.env/);
    expect(r.said).toMatch(/why: /); // the answer `e`
    expect(r.questions).toHaveLength(2);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("TOPSECRET-APPROVED");
  });

  it("a `no` runs nothing and exits 126", async () => {
    const r = await prompted("cat .env", ["n"]);
    expect(r.code).toBe(126);
    expect(r.stdout).toBe("");
  });

  it("an allowed command that was not approved still cannot read the secret", async () => {
    const r = await prompted("grep -r TOPSECRET .", []);
    expect(r.questions).toHaveLength(0);
    expect(r.stdout).not.toContain("TOPSECRET-APPROVED");
  });
});
