// `warden run` end to end: the built CLI starts `bash -c '…'` as the "agent" under real bwrap and under real
// Landlock, with the infra-lockdown policy and fake ansible/vagrant/docker first on PATH (so a failure inside is
// the session's boundary, not a missing program). The seeds' acceptance list must hold from inside; Warden's
// state and the agents' settings must be read-only; the daemon's socket must be the one host socket that
// answers; the session is recorded; exit status, signals and the terminal pass through.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../../src/daemon/client.ts";
import { complement, FS, planLandlock, probeLandlock } from "../../src/sandbox/landlock.ts";
import { findOnPath } from "../../src/sandbox/probe.ts";
import {
  encodeFilter,
  type Insn,
  type SeccompOptions,
  seccompInstructions,
} from "../../src/sandbox/seccomp.ts";
import { blockedFiles, findSockets } from "../../src/sandbox/session.ts";
import { currentSession, startTime, writeSessionRecord } from "../../src/sandbox/session-record.ts";
import { waitFor } from "../daemon/helpers.ts";
import { tempDir } from "../tmp.ts";
import { outerBwrapArgs } from "./outer-bwrap.ts";

const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;
const FAKES = ["ansible", "vagrant", "docker"];
const MECHANISMS = ["bwrap", "landlock"] as const;

interface AuditEvent {
  type: string;
  sandbox?: string;
  command?: string;
  exit?: number | null;
  signal?: string | null;
  agent?: { name: string; session?: string };
  files_changed?: { path: string; change: string }[];
  details?: Record<string, unknown>;
}

// Not under /tmp: the bwrap session's /tmp is private, so paths there would not be the host's.
const base = tempDir("warden-session-", { varTmp: true });
const ws = join(base, "project");
const state = join(base, "state");
const config = join(base, "config");
const bin = join(base, "bin");
const home = join(base, "home");

beforeAll(() => {
  expect(existsSync(CLI), "run `npm run build` first").toBe(true);
  for (const d of [ws, state, config, bin, home, join(home, ".claude"), join(ws, ".claude")]) mkdirSync(d);
  for (const p of FAKES) {
    writeFileSync(join(bin, p), `#!/bin/sh\necho "fake ${p} ran"\nexit 0\n`);
    chmodSync(join(bin, p), 0o755);
  }
  // HOME is under /var/tmp here, which the built-in policy makes writable scratch space: say it is not.
  writeFileSync(
    join(config, "policy.yaml"),
    `extends: infra-lockdown\npaths:\n  entries:\n    - {path: "${home}", permission: read}\n`,
  );
  writeFileSync(join(ws, ".claude", "settings.local.json"), "{}\n");
  writeFileSync(join(home, ".claude", "settings.json"), "{}\n");
  writeFileSync(join(home, ".claude", "history.jsonl"), "");
  mkdirSync(join(home, ".ssh"));
  writeFileSync(join(home, ".ssh", "id_ed25519"), "PRIVATE KEY\n");
  writeFileSync(join(ws, "README"), "hello\n");
  const git = spawnSync("git", ["init", "-q", ws], { encoding: "utf8" });
  expect(git.status, git.stderr).toBe(0);
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    USER: process.env.USER ?? "agent",
    LANG: "C.UTF-8",
    WARDEN_STATE_DIR: state,
    WARDEN_CONFIG_DIR: config,
    WARDEN_DAEMON: "off",
    ...extra,
  };
}

function run(args: string[], extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, "run", ...args], {
    cwd: ws,
    env: env(extra),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
}

/** The same, without blocking this process (whose servers the session talks to). */
function runAsync(args: string[], extra: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, "run", ...args], {
      cwd: ws,
      env: env(extra),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const flag = (m: (typeof MECHANISMS)[number]) => `--${m}`;

function events(dir = join(state, "audit")): AuditEvent[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl") && f !== "checkpoints.jsonl")
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l) as AuditEvent);
}

describe("the machine", () => {
  it("offers bwrap with user namespaces and Landlock (the tests below use both, for real)", async () => {
    expect(findOnPath("bwrap")).not.toBeNull();
    expect((await probeLandlock()).abi).toBeGreaterThanOrEqual(1);
  });

  it("the fake programs run outside the session (a failure inside is the boundary)", () => {
    const r = spawnSync("bash", ["-c", "docker ps"], { env: env(), encoding: "utf8" });
    expect(r.stdout).toBe("fake docker ran\n");
  });
});

describe.each(MECHANISMS)("warden run --%s", (mechanism) => {
  it.each([
    'bash -c "ansible --version"',
    'bash -c "vagrant status"',
    'bash -c "docker ps"',
    `python3 -c 'import subprocess; subprocess.run(["docker", "ps"], check=True)'`,
    `${join(bin, "docker")} ps`,
    `bash ${join(bin, "docker")} ps`,
  ])("must fail inside: %s", (command) => {
    const r = run([flag(mechanism), "--", "bash", "-c", command]);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).not.toContain("warden: run:"); // the command's failure, not Warden's
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/fake \S+ ran/);
  });

  it.each(['bash -c "ls -la"', 'bash -c "git status"', 'bash -c "python3 --version"'])(
    "must work inside: %s",
    (command) => {
      const r = run([flag(mechanism), "--", "bash", "-c", command]);
      expect(r.status, r.stderr).toBe(0);
    },
  );

  it("Warden's state dir and the agents' settings are read-only; the workspace is writable", () => {
    const r = run([
      flag(mechanism),
      "--",
      "bash",
      "-c",
      `echo x > "${state}/planted" && echo STATE-WRITTEN
       mkdir "${state}/audit2" 2>/dev/null && echo STATE-MKDIR
       rm -f "${state}/audit/"* 2>/dev/null; ls "${state}/audit" | grep -q . || echo STATE-EMPTIED
       echo '{"disableAllHooks":true}' > "${home}/.claude/settings.json" && echo HOME-SETTINGS-WRITTEN
       echo line >> "${home}/.claude/history.jsonl" && echo AGENT-STATE-OK
       echo hi > new-file && echo WORKSPACE-OK
       echo x > "${home}/planted" && echo HOME-WRITTEN
       cat "${home}/.ssh/id_ed25519" 2>/dev/null
       exit 0`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("WORKSPACE-OK");
    expect(r.stdout).toContain("AGENT-STATE-OK");
    for (const bad of [
      "STATE-WRITTEN",
      "STATE-MKDIR",
      "STATE-EMPTIED",
      "HOME-SETTINGS-WRITTEN",
      "HOME-WRITTEN",
    ])
      expect(r.stdout).not.toContain(bad);
    expect(r.stdout).not.toContain("PRIVATE KEY"); // a secret outside the writable roots: hidden by both
    expect(existsSync(join(state, "planted"))).toBe(false);
    expect(readFileSync(join(home, ".claude", "settings.json"), "utf8")).toBe("{}\n");
  });

  it("the workspace's .claude/settings.local.json: read-only under bwrap; under Landlock said to be unenforced", () => {
    const r = run([
      flag(mechanism),
      "--",
      "bash",
      "-c",
      `echo '{"disableAllHooks":true}' > .claude/settings.local.json && echo SETTINGS-WRITTEN; exit 0`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    if (mechanism === "bwrap") {
      expect(r.stdout).not.toContain("SETTINGS-WRITTEN");
      expect(readFileSync(join(ws, ".claude", "settings.local.json"), "utf8")).toBe("{}\n");
    } else {
      // Landlock cannot take a path away beneath a writable directory without making new files at the
      // workspace's top unwritable too (src/sandbox/landlock.ts): the rules and hooks guard it, the user is told,
      // and the session's end event names the change.
      expect(r.stderr).toContain(
        `${join(ws, ".claude", "settings.local.json")} stays writable under Landlock`,
      );
      const end = events().findLast((e) => e.type === "end");
      expect(end?.files_changed).toContainEqual({ path: ".claude/settings.local.json", change: "modified" });
      writeFileSync(join(ws, ".claude", "settings.local.json"), "{}\n");
    }
  });

  it("records start and end, passes the exit status through", () => {
    const before = events().length;
    const file = `recorded-${mechanism}.txt`;
    const r = run([flag(mechanism), "--", "bash", "-c", `echo made > ${file}; exit 7`]);
    expect(r.status, r.stderr).toBe(7);
    const mine = events().slice(before);
    const start = mine.find((e) => e.type === "start");
    const end = mine.find((e) => e.type === "end");
    expect(start?.sandbox).toMatch(
      mechanism === "bwrap" ? /^session:bwrap$/ : /^session:landlock \(ABI \d+\)$/,
    );
    expect(start?.command).toBe(`bash -c 'echo made > ${file}; exit 7'`);
    expect(start?.details?.blocked).toEqual(expect.arrayContaining(FAKES));
    expect(end?.exit).toBe(7);
    expect(end?.agent?.session).toBe(start?.agent?.session);
    expect(end?.files_changed).toContainEqual({ path: file, change: "created" });
    const verify = spawnSync(process.execPath, [CLI, "audit", "verify", "--dir", join(state, "audit")], {
      env: env(),
      encoding: "utf8",
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });

  it("forwards SIGTERM to the agent and exits with its status", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "run",
        flag(mechanism),
        "--",
        "bash",
        "-c",
        'trap "echo got-term; exit 3" TERM; echo ready; sleep 30 & wait',
      ],
      { cwd: ws, env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await waitFor(() => out.includes("ready"), 20_000);
    child.kill("SIGTERM");
    const status = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(out).toContain("got-term");
    expect(status).toBe(3);
  });

  it("a killed agent exits 128 + the signal", () => {
    const r = run([flag(mechanism), "--", "bash", "-c", "kill -KILL $$"]);
    expect(r.status, r.stderr).toBe(137);
  });

  it("has the caller's terminal (stdin is a tty), but cannot push input into it (TIOCSTI)", () => {
    const script = findOnPath("script");
    expect(script, "script(1) from util-linux/bsdutils").not.toBeNull();
    const probe = `import os, fcntl, termios
print("tty", os.isatty(0), os.isatty(1))
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x"); print("TIOCSTI-WORKED")
except OSError as e: print("TIOCSTI", e.errno)`;
    writeFileSync(join(base, "tty.py"), probe);
    const line = [process.execPath, CLI, "run", flag(mechanism), "--", "python3", join(base, "tty.py")]
      .map((a) => `'${a}'`)
      .join(" ");
    const r = spawnSync(script as string, ["-qec", line, "/dev/null"], {
      cwd: ws,
      env: env(),
      encoding: "utf8",
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain("tty True True");
    expect(r.stdout).toContain("TIOCSTI 1"); // EPERM
    expect(r.stdout).not.toContain("TIOCSTI-WORKED");
  });

  describe("network", () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => res.end("pong"));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    const fetchPong = () => ["curl", "-sS", "-m", "5", `http://127.0.0.1:${port}/`];

    it("is shared by default (the agent needs its API)", async () => {
      const r = await runAsync([flag(mechanism), "--", ...fetchPong()]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe("pong");
    });

    it("--no-net takes it away", async () => {
      const r = await runAsync([flag(mechanism), "--no-net", "--", ...fetchPong()]);
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toBe("pong");
    });

    it("so does the policy's sandbox.session.network: false", async () => {
      const policy = join(base, `no-net-${mechanism}.yaml`);
      writeFileSync(policy, "extends: infra-lockdown\nsandbox:\n  session:\n    network: false\n");
      const r = await runAsync([flag(mechanism), "--policy", policy, "--", ...fetchPong()]);
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toBe("pong");
    });
  });

  describe("with a daemon", () => {
    const daemonState = join(base, `daemon-state-${mechanism}`);
    const sockDir = join(base, `sock-${mechanism}`);
    const socket = join(sockDir, "warden.sock");
    const other = join(base, `other-${mechanism}.sock`);
    let daemon: ChildProcess;
    let otherServer: NetServer;
    beforeAll(async () => {
      mkdirSync(daemonState);
      mkdirSync(sockDir, { mode: 0o700 });
      daemon = spawn(process.execPath, [CLI, "daemon", "--socket", socket], {
        env: env({ WARDEN_STATE_DIR: daemonState }),
        stdio: ["ignore", "ignore", "pipe"],
      });
      await waitFor(async () => {
        try {
          return (await call(socket, "/v1/health", { timeoutMs: 1000 })).status === 200;
        } catch {
          return false;
        }
      }, 20_000);
      // Another host socket beside it, which the session must not reach (bwrap masks it).
      otherServer = createNetServer((s) => s.end("other"));
      await new Promise<void>((r) => otherServer.listen(other, r));
    });
    afterAll(async () => {
      await new Promise<void>((r) => otherServer.close(() => r()));
      daemon.kill("SIGTERM");
      await new Promise((r) => daemon.once("exit", r));
    });

    const denv = () => ({ WARDEN_STATE_DIR: daemonState, WARDEN_SOCKET: socket, WARDEN_DAEMON: "auto" });

    it("its socket answers inside (hooks reach it), and the session is recorded through it", () => {
      const before = events(join(daemonState, "audit")).length;
      const r = run(
        [flag(mechanism), "--", "curl", "-sS", "--unix-socket", socket, "http://warden/v1/health"],
        denv(),
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).status).toBe("ok");
      const mine = events(join(daemonState, "audit")).slice(before);
      expect(mine.map((e) => e.type).filter((t) => t !== "checkpoint")).toEqual(["start", "end"]);
    });

    it("another host Unix socket: masked under bwrap; reachable under Landlock, and said so", async () => {
      const r = await runAsync(
        [
          flag(mechanism),
          "--",
          "python3",
          "-c",
          `import socket; s=socket.socket(socket.AF_UNIX); s.connect("${other}"); print(s.recv(10).decode())`,
        ],
        denv(),
      );
      if (mechanism === "bwrap") {
        expect(r.status).not.toBe(0);
        expect(r.stdout).not.toContain("other");
      } else {
        expect(r.stdout).toContain("other");
        expect(r.stderr).toContain("host Unix sockets reachable by path stay reachable under Landlock");
      }
    });

    it("a hook's `warden exec` inside runs within the session (no nested sandbox there), recorded as such", () => {
      const before = events(join(daemonState, "audit")).length;
      const r = run(
        [
          flag(mechanism),
          "--",
          process.execPath,
          CLI,
          "exec",
          "--",
          "bash",
          "-c",
          `echo hi > exec-${mechanism}.txt`,
        ],
        denv(),
      );
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(ws, `exec-${mechanism}.txt`), "utf8")).toBe("hi\n");
      const mine = events(join(daemonState, "audit")).slice(before);
      const session = mine.find((e) => e.type === "start" && e.sandbox?.startsWith("session:"));
      const inner = mine.find(
        (e) => e.type === "start" && e.command === `bash -c 'echo hi > exec-${mechanism}.txt'`,
      );
      expect(inner?.sandbox).toBe(`session ${session?.agent?.session} (${mechanism})`);
    });
  });
});

describe("choosing the mechanism", () => {
  /** Runs `warden run` inside an outer bwrap with --disable-userns (bwrap cannot work in there), and, with
   * `noLandlock`, a seccomp filter that answers the Landlock system calls ENOSYS, as a kernel without
   * Landlock does. Real kernel mechanisms; nothing in Warden is switched off. */
  function nested(noLandlock: boolean, args: string[]) {
    const bwrap = findOnPath("bwrap") as string;
    const stdio: (number | "ignore" | "pipe")[] = ["ignore", "pipe", "pipe"];
    const outer = outerBwrapArgs(base, { disableUserns: true });
    if (noLandlock) {
      const file = join(base, "no-landlock.bpf");
      writeFileSync(file, noLandlockFilter());
      stdio.push(openSync(file, "r"));
      outer.push("--seccomp", "3");
    }
    return spawnSync(bwrap, [...outer, "--chdir", ws, "--", process.execPath, CLI, "run", ...args], {
      env: env(),
      encoding: "utf8",
      stdio,
      timeout: 60_000,
    });
  }

  it("without user namespaces it falls back to Landlock by itself", () => {
    const before = events().length;
    const r = nested(false, ["--", "bash", "-c", 'bash -c "docker ps"; echo "rc=$?"; touch fallback.txt']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("rc=126");
    expect(r.stdout).not.toContain("fake docker ran");
    expect(existsSync(join(ws, "fallback.txt"))).toBe(true);
    expect(
      events()
        .slice(before)
        .find((e) => e.type === "start")?.sandbox,
    ).toMatch(/^session:landlock/);
  });

  it("refuses with one clear line and exit 125 when neither bwrap nor Landlock works", () => {
    const before = events().length;
    const r = nested(true, ["--", "touch", "unconfined.txt"]);
    expect(r.status).toBe(125);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warden: run: cannot confine the session: neither bubblewrap \(bwrap cannot create .*\) nor Landlock \(the kernel has no Landlock.*\) is available; refusing to start it unconfined$/,
    );
    expect(existsSync(join(ws, "unconfined.txt"))).toBe(false);
    expect(events().slice(before)).toEqual([]);
  });

  it("--bwrap there refuses rather than fall back", () => {
    const r = nested(false, ["--bwrap", "--", "touch", "unconfined.txt"]);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^warden: run: cannot confine the session with bwrap: /);
    expect(existsSync(join(ws, "unconfined.txt"))).toBe(false);
  });

  it("usage errors", () => {
    expect(run(["--bwrap", "--landlock", "--", "true"]).status).toBe(3);
    expect(run([]).status).toBe(3);
    const missing = run(["--landlock", "--", "no-such-agent-xyz"]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain("no-such-agent-xyz: command not found");
  });
});

describe("session proof (session-record.ts)", () => {
  const penv = () => ({ WARDEN_STATE_DIR: join(base, "proof-state") });

  it("an environment variable alone proves nothing", () => {
    expect(currentSession({ ...penv(), WARDEN_SESSION: "00000000-0000-4000-8000-000000000000" })).toBeNull();
  });

  it("Landlock: the recorded agent must be an ancestor with the same start time", () => {
    const id = "11111111-1111-4111-8111-111111111111";
    const e = { ...penv(), WARDEN_SESSION: id };
    const parent = process.ppid;
    const start = startTime(parent)!;
    const rec = { id, mechanism: "landlock" as const, pid: parent, start, recorder: 1, started: "" };
    writeSessionRecord(rec, e);
    expect(currentSession(e)?.id).toBe(id);
    writeSessionRecord({ ...rec, start: start + 1 }, e); // pid reused by another process
    expect(currentSession(e)).toBeNull();
    const sibling = spawn("sleep", ["5"]);
    writeSessionRecord({ ...rec, pid: sibling.pid!, start: startTime(sibling.pid!)! }, e);
    expect(currentSession(e)).toBeNull(); // alive, but not an ancestor
    sibling.kill();
  });

  it("bwrap: the pid namespace must be the session's", () => {
    const id = "22222222-2222-4222-8222-222222222222";
    const e = { ...penv(), WARDEN_SESSION: id };
    writeSessionRecord({ id, mechanism: "bwrap", pidns: 1, recorder: 1, started: "" }, e);
    expect(currentSession(e)).toBeNull();
  });
});

describe("planning", () => {
  it("complement grants beside an excluded path, never on it or its ancestors", () => {
    const t = tempDir("warden-complement-");
    mkdirSync(join(t, "a", "b"), { recursive: true });
    for (const f of ["a/b/blocked", "a/b/ok", "a/ok", "top"]) writeFileSync(join(t, f), "");
    const rules: { path: string; access: string }[] = [];
    complement(t, FS.EXECUTE | FS.READ_DIR, [join(t, "a", "b", "blocked")], rules);
    const paths = rules.map((r) => r.path).sort();
    expect(paths).toEqual([join(t, "a", "b", "ok"), join(t, "a", "ok"), join(t, "top")].sort());
    // Files carry file rights only (READ_DIR dropped).
    expect(rules.every((r) => BigInt(r.access) === FS.EXECUTE)).toBe(true);
  });

  it("Landlock: Warden's state gets no write right; the workspace's guard files are named as unenforced", () => {
    const plan = planLandlock({
      abi: 7,
      workspace: ws,
      writable: [join(home, ".claude")],
      readOnly: [state, join(home, ".claude", "settings.json"), join(ws, ".claude", "settings.local.json")],
      hidden: [],
      blocked: [join(bin, "docker")],
      net: true,
    });
    const write = FS.WRITE_FILE | FS.MAKE_REG | FS.REMOVE_FILE;
    const writable = plan.spec.rules.filter((r) => (BigInt(r.access) & write) !== 0n).map((r) => r.path);
    expect(writable).toContain(ws);
    expect(writable).toContain(join(home, ".claude", "history.jsonl"));
    expect(writable.some((p) => p === state || p.startsWith(`${state}/`) || state.startsWith(`${p}/`))).toBe(
      false,
    );
    expect(writable).not.toContain(join(home, ".claude", "settings.json"));
    expect(writable).not.toContain(join(home, ".claude"));
    const exec = plan.spec.rules.filter((r) => (BigInt(r.access) & FS.EXECUTE) !== 0n).map((r) => r.path);
    expect(exec.some((p) => join(bin, "docker").startsWith(p))).toBe(false);
    expect(plan.notes).toContain(
      `${join(ws, ".claude", "settings.local.json")} stays writable under Landlock`,
    );
  });

  it("blocked programs resolve in every PATH dir and the common bin dirs", () => {
    const other = join(base, "bin2");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "docker"), "");
    chmodSync(join(other, "docker"), 0o755);
    const files = blockedFiles(["docker"], { PATH: `${bin}:${other}` }, home);
    expect(files).toEqual(expect.arrayContaining([join(bin, "docker"), join(other, "docker")]));
  });

  it("finds sockets to mask, bounded by depth", async () => {
    const t = tempDir("warden-sockets-", { varTmp: true });
    mkdirSync(join(t, "a", "b", "c"), { recursive: true });
    const servers = [join(t, "a", "s1.sock"), join(t, "a", "b", "c", "deep.sock")].map((p) => {
      const s = createNetServer();
      s.listen(p);
      return s;
    });
    await new Promise((r) => setTimeout(r, 100));
    const found = findSockets([{ dir: t, depth: 2 }], []);
    expect(found.sockets).toEqual([join(t, "a", "s1.sock")]);
    for (const s of servers) s.close();
  });
});

/** Runs a classic-BPF seccomp program over one system call (x86_64 layout of seccomp_data). */
function runBpf(insns: [number, number, number, number][], nr: number, args: number[] = []): number {
  const word = (off: number): number => {
    if (off === 0) return nr;
    if (off === 4) return 0xc000003e;
    return args[(off - 16) / 8] ?? 0; // low halves of args[i]
  };
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const [code, jt, jf, k] = insns[pc]!;
    if (code === 0x20) a = word(k);
    else if (code === 0x15) pc += a === k >>> 0 ? jt : jf;
    else if (code === 0x35) pc += a >= k >>> 0 ? jt : jf;
    else if (code === 0x06) return k >>> 0;
    else throw new Error(`unknown BPF op ${code}`);
  }
  throw new Error("fell off the program");
}

describe("the session's seccomp filter", () => {
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050001;
  const IOCTL = 16;
  const SOCKET = 41;
  it.each<[SeccompOptions, string]>([
    [{ allowUnixSockets: true, denyTerminalInjection: true }, "session (bwrap)"],
    [{ allowUnixSockets: true, denyTerminalInjection: true, allowIoUring: true }, "session (Landlock)"],
    [{ denyTerminalInjection: true }, "with the socket check too"],
  ])("%o (%s): TIOCSTI and TIOCLINUX refused, other ioctls allowed", (options, _what) => {
    const p = seccompInstructions("x64", options)!;
    expect(runBpf(p, IOCTL, [0, 0x5412])).toBe(EPERM);
    expect(runBpf(p, IOCTL, [0, 0x541c])).toBe(EPERM);
    expect(runBpf(p, IOCTL, [0, 0x5401])).toBe(ALLOW); // TCGETS
    expect(runBpf(p, 0, [])).toBe(ALLOW); // read
    expect(runBpf(p, SOCKET, [1])).toBe(options.allowUnixSockets ? ALLOW : EPERM);
    expect(runBpf(p, SOCKET, [2])).toBe(ALLOW);
    expect(runBpf(p, 425)).toBe(options.allowIoUring ? ALLOW : EPERM);
    expect(runBpf(p, 0x40000000 + 1)).toBe(EPERM); // x32
  });

  it("without the option the filter is the one `warden exec` always had", () => {
    const p = seccompInstructions("x64")!;
    expect(runBpf(p, IOCTL, [0, 0x5412])).toBe(ALLOW);
    expect(runBpf(p, SOCKET, [1])).toBe(EPERM);
  });
});

function noLandlockFilter(): Buffer {
  // The same prologue as Warden's filter (arch check), then landlock_* (444..446) → ENOSYS, else allow.
  const audit = seccompInstructions(process.arch)![1]![3];
  const insns: Insn[] = [
    [0x20, 0, 0, 4],
    [0x15, 1, 0, audit],
    [0x06, 0, 0, 0x80000000],
    [0x20, 0, 0, 0],
    [0x35, 0, 2, 444], // nr >= 444
    [0x35, 1, 0, 447], //   and < 447 → ENOSYS
    [0x06, 0, 0, 0x00050000 | 38],
    [0x06, 0, 0, 0x7fff0000],
  ];
  return encodeFilter(insns);
}
