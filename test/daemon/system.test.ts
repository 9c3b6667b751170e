// `warden daemon --system` as it runs on a real host: the daemon as its own account (uid 64990 here, as
// systemd's User=warden would run it), an agent account (uid 65534) in the agents' group. The agent runs
// commands through the hook — confined, its ticket spent at the daemon — but cannot read or change the log,
// keys, approvals or tickets by any path, cannot approve on its socket or reach the admin socket, and every
// event names it by the uid and pid the kernel reported. Root's own edits of the log are still detected.
// Needs root (to switch users) and setpriv; CI runs the suite as root.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../../src/daemon/client.ts";
import { tempDir } from "../tmp.ts";
import { waitFor } from "./helpers.ts";

const DAEMON = 64990;
const AGENTS = 64991;
const AGENT = 65534;
const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const canSwitch = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;
const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** argv as `uid`, with the agents' group, in a clean environment. */
function as(uid: number, argv: string[], env: NodeJS.ProcessEnv, input?: string, cwd?: string): Ran {
  const r = spawnSync("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, `--groups=${AGENTS}`, "--", ...argv], {
    env,
    input,
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Warden as an installed package another account can read: dist/ and the production dependencies (the CI
 * clone may sit in /root, 0700), in a directory root owns and everyone may read.
 */
function installCopy(base: string): string {
  const dir = join(base, "lib", "warden");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  cpSync(join(REPO, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(REPO, "package.json"), join(dir, "package.json"));
  const deps = execFileSync("npm", ["ls", "--omit=dev", "--parseable", "--all"], {
    cwd: REPO,
    encoding: "utf8",
  })
    .split("\n")
    .slice(1)
    .filter((p) => p.startsWith(`${REPO}/node_modules/`));
  for (const p of deps) cpSync(p, join(dir, p.slice(REPO.length + 1)), { recursive: true });
  execFileSync("chmod", ["-R", "a+rX", join(base, "lib")]);
  return dir;
}

describe.skipIf(!canSwitch)("system mode: root, the warden account and an agent account", () => {
  let base: string;
  let cli: string;
  let hook: string;
  let daemon: ChildProcess;
  let stderr = "";
  let state: string;
  let socket: string;
  let admin: string;
  let workspace: string;
  let agentEnv: NodeJS.ProcessEnv;
  const node = process.execPath;

  beforeAll(async () => {
    base = tempDir("warden-system-");
    chmodSync(base, 0o755);
    // The run's private temp dir is root's (0700): the two accounts must be able to pass through it.
    const parent = dirname(base);
    chmodSync(parent, statSync(parent).mode | 0o011);
    const lib = installCopy(base);
    cli = join(lib, "dist", "warden.js");
    hook = join(lib, "dist", "hook.js");
    // What `warden daemon install --system` and systemd make: /etc/warden (root's), /var/lib/warden (0700,
    // the account's), /run/warden (the account's, traversable).
    const etc = join(base, "etc");
    state = join(base, "state");
    const run = join(base, "run");
    mkdirSync(etc);
    writeFileSync(join(etc, "policy.yaml"), "version: 1\n");
    for (const d of [state, run]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, DAEMON, DAEMON);
    }
    chmodSync(run, 0o755);
    socket = join(run, "warden.sock");
    admin = join(run, "admin.sock");
    workspace = join(base, "ws");
    const agentHome = join(base, "agent-home");
    for (const d of [workspace, agentHome]) {
      mkdirSync(d);
      chownSync(d, AGENT, AGENT);
    }
    writeFileSync(join(workspace, "notes.txt"), "hello\n");
    chownSync(join(workspace, "notes.txt"), AGENT, AGENT);
    daemon = spawn(
      "setpriv",
      [
        `--reuid=${DAEMON}`,
        `--regid=${DAEMON}`,
        `--groups=${AGENTS}`,
        "--",
        node,
        cli,
        "daemon",
        "--system",
        "--socket",
        socket,
        "--admin-socket",
        admin,
        "--agent-group",
        String(AGENTS),
        "--checkpoint-idle",
        "50",
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: state,
          WARDEN_STATE_DIR: state,
          WARDEN_CONFIG_DIR: etc,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    daemon.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    await waitFor(
      async () => (await call(socket, "/v1/health").catch(() => null))?.status === 200,
      15_000,
      () => `system daemon did not start: ${stderr}`,
    );
    agentEnv = {
      PATH: process.env.PATH,
      HOME: agentHome,
      USER: "nobody",
      WARDEN_SOCKET: socket,
      // Where the agent's own Warden state would be: nothing of the daemon's may depend on it.
      WARDEN_STATE_DIR: join(agentHome, ".local", "state", "warden"),
      WARDEN_CONFIG_DIR: join(agentHome, ".config", "warden"),
    };
  }, 120_000);

  afterAll(() => {
    if (daemon && daemon.exitCode === null) daemon.kill("SIGKILL");
  });

  const health = (as: Ran) => JSON.parse(as.stdout) as Record<string, unknown>;
  const agentCall = (path: string, body?: unknown, target = socket): Ran =>
    as(
      AGENT,
      [
        node,
        "-e",
        `const http = require("node:http");
         const body = process.argv[3];
         const req = http.request({ socketPath: process.argv[1], path: process.argv[2], method: body ? "POST" : "GET",
           headers: body ? { "content-type": "application/json" } : {} }, (res) => {
           let t = ""; res.on("data", (c) => (t += c)); res.on("end", () => { console.log(JSON.stringify({ status: res.statusCode, pid: process.pid, body: JSON.parse(t) })); });
         });
         req.on("error", (e) => { console.log(JSON.stringify({ error: e.code })); });
         req.end(body);`,
        target,
        path,
        ...(body === undefined ? [] : [JSON.stringify(body)]),
      ],
      agentEnv,
    );

  it("the daemon runs as its account, and the kernel names each caller: root, and the agent with its pid", async () => {
    const mine = JSON.parse((await call(socket, "/v1/health")).text);
    expect(mine.mode).toBe("system");
    expect(mine.you).toMatchObject({ socket: "agent", uid: 0, pid: process.pid });
    const r = agentCall("/v1/health");
    const out = health(r);
    expect(out.status, r.stderr).toBe(200);
    expect((out.body as { you: unknown }).you).toEqual({
      socket: "agent",
      uid: AGENT,
      gid: AGENT,
      pid: out.pid,
    });
    const status = readFileSync(`/proc/${(out.body as { pid: number }).pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`^Uid:\\s+${DAEMON}\\s`, "m"));
  });

  it.skipIf(!hasBwrap)(
    "the agent runs a command through the hook: confined, its ticket spent at the daemon",
    () => {
      const payload = {
        session_id: "s1",
        transcript_path: join(workspace, "t.jsonl"),
        cwd: workspace,
        hook_event_name: "PreToolUse",
        tool_name: "Bash",
        tool_input: { command: "cat notes.txt && touch made-here", description: "read the notes" },
      };
      const answer = as(AGENT, [node, hook, "claude"], agentEnv, JSON.stringify(payload), workspace);
      expect(answer.status, answer.stderr).toBe(0);
      const out = JSON.parse(answer.stdout).hookSpecificOutput;
      expect(out.permissionDecision).toBe("allow");
      const command = out.updatedInput.command as string;
      expect(command).toContain(" exec --ticket=");
      // Run as Claude Code would: its shell, the agent's account, the workspace.
      const ran = as(AGENT, ["bash", "-c", command], agentEnv, "", workspace);
      expect(ran.status, ran.stderr).toBe(0);
      expect(ran.stdout).toBe("hello\n");
      // Spent: the same command again is refused.
      const again = as(AGENT, ["bash", "-c", command], agentEnv, "", workspace);
      expect(again.status).toBe(126);
      expect(again.stderr).toMatch(/no such ticket/);
    },
  );

  it("the agent can neither read nor change the log, keys, approvals or tickets, by any path", () => {
    const tries = [
      `ls ${state}`,
      `cat ${state}/audit/current.jsonl`,
      `ls ${state}/audit ${state}/keys`,
      `: > ${state}/audit/current.jsonl`,
      `truncate -s 0 ${state}/audit/current.jsonl`,
      `head -n -3 ${state}/audit/current.jsonl > /tmp/x && cp /tmp/x ${state}/audit/current.jsonl`,
      `mv ${state}/audit ${state}/audit.old`,
      `rm -rf ${state}/audit`,
      `touch ${state}/approvals/forged.json`,
      `mkdir -p ${state}/tickets && touch ${state}/tickets/x.json`,
      `ln -s ${state}/audit/current.jsonl ${workspace}/log && cat ${workspace}/log`,
      `find ${state} -type f -exec cat {} +`,
    ];
    for (const t of tries) {
      const r = as(AGENT, ["bash", "-c", t], agentEnv, "", workspace);
      expect(r.status, `${t} succeeded as the agent: ${r.stdout}`).not.toBe(0);
      expect(r.stderr, t).toMatch(/Permission denied/);
    }
    // Nor through Warden: the CLI as the agent, pointed at the daemon's state.
    const v = as(
      AGENT,
      [node, cli, "audit", "verify"],
      { ...agentEnv, WARDEN_STATE_DIR: state },
      "",
      workspace,
    );
    expect(v.status).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/permission denied|EACCES/i);
  });

  it("human-only operations are refused on the agents' socket; the admin socket is closed to the agent", async () => {
    const forbidden: [string, unknown][] = [
      ["/v1/approvals", { v: 1, request: "x", decision: "approve" }],
      ["/v1/evaluate", { request: { kind: "command", command: "ls", cwd: workspace }, yolo: true }],
      [
        "/v1/evaluate",
        { request: { kind: "command", command: "ls", cwd: workspace }, policy_file: `${workspace}/p.yaml` },
      ],
      ["/v1/hook/claude?policy=/tmp/loose.yaml", { tool_name: "Bash", tool_input: { command: "ls" } }],
      ["/v1/runs/events", { events: [{ type: "approval", request_id: "r1", decision: "allow" }] }],
    ];
    for (const [path, body] of forbidden) {
      const out = health(agentCall(path, body));
      expect(out.status, path).toBe(403);
      expect((out.body as { code: string }).code).toBe("forbidden");
    }
    expect(health(agentCall("/v1/health", undefined, admin))).toEqual({ error: "EACCES" });
    // Root on the admin socket gets the approval judged (no such request), not refused.
    const r = await call(admin, "/v1/approvals", {
      body: JSON.stringify({ v: 1, request: "nope", decision: "approve" }),
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).code).not.toBe("forbidden");
  });

  it("events carry the caller's kernel uid and pid, not what it claimed; root's cut or edit of the log is detected", async () => {
    const out = health(
      agentCall("/v1/runs/events", {
        events: [{ type: "note", request_id: "claimed", peer: { uid: 0, pid: 1 }, details: { by: "agent" } }],
      }),
    );
    expect(out.status).toBe(200);
    await waitFor(() => readFileSync(join(state, "audit", "current.jsonl"), "utf8").includes('"claimed"'));
    const records = readFileSync(join(state, "audit", "current.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const note = records.find((r) => r.request_id === "claimed");
    expect(note.peer).toEqual({ uid: AGENT, gid: AGENT, pid: out.pid, socket: "agent" });
    const decision = records.find((r) => r.type === "decision" && r.peer?.uid === AGENT);
    expect(decision, "the hook's decision names the agent").toBeTruthy();

    await waitFor(() =>
      readFileSync(join(state, "audit", "current.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .at(-1)!
        .includes('"checkpoint"'),
    );
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    const verify = (dir: string) =>
      spawnSync(node, [cli, "audit", "verify"], {
        env: { PATH: process.env.PATH, HOME: base, WARDEN_STATE_DIR: dir },
        encoding: "utf8",
      });
    expect(verify(state).status, verify(state).stdout).toBe(0);
    const cut = join(base, "cut");
    const edited = join(base, "edited");
    cpSync(state, cut, { recursive: true });
    cpSync(state, edited, { recursive: true });
    const lines = readFileSync(join(state, "audit", "current.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    writeFileSync(join(cut, "audit", "current.jsonl"), `${lines.slice(0, -3).join("\n")}\n`);
    const i = lines.findIndex((l) => l.includes('"claimed"'));
    lines[i] = lines[i]!.replace(`"uid":${AGENT}`, '"uid":1000');
    writeFileSync(join(edited, "audit", "current.jsonl"), `${lines.join("\n")}\n`);
    expect(verify(cut).status).not.toBe(0);
    expect(verify(edited).status).not.toBe(0);
  });
});

describe.skipIf(!canSwitch)("system mode refuses to start unsafely", () => {
  it("not as root", () => {
    const r = spawnSync(process.execPath, [join(REPO, "dist", "warden.js"), "daemon", "--system"], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent" },
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not root/);
  });
});

describe("warden daemon install --system --dry-run", () => {
  it("says what it would create and writes nothing", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, "dist", "warden.js"),
        "daemon",
        "install",
        "--system",
        "--dry-run",
        "--account",
        "wardentest",
      ],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would: create the system account wardentest/);
    expect(r.stdout).toMatch(/would: create \/var\/lib\/warden \(0700, owned by wardentest\)/);
    expect(r.stdout).toMatch(/would: write \/etc\/systemd\/system\/warden\.service/);
    expect(spawnSync("id", ["wardentest"]).status).not.toBe(0);
  });
});
