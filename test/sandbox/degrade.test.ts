// Degrade paths of `warden exec` with the built CLI and real bwrap: when bubblewrap is missing or cannot create
// user namespaces, Warden refuses (exit 125) with the probe's message and runs nothing; `--sandbox=off` is the
// only way to run unconfined, and the audit log says so.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findOnPath, probeSandbox, resetSandboxProbe } from "../../src/sandbox/probe.ts";
import { runSandboxed, SandboxUnavailableError } from "../../src/sandbox/run.ts";
import { tempDir } from "../tmp.ts";
import { outerBwrapArgs } from "./outer-bwrap.ts";

const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;
// The refusal wording users and the README rely on (src/sandbox/exec.ts, src/sandbox/probe.ts).
const REFUSAL = "warden: the sandbox is unavailable, refusing to run unconfined: ";
const HOW_TO_OPT_OUT = "run with --sandbox=off to accept an unconfined run (recorded)";
const NO_BWRAP = "bubblewrap (bwrap) not found on PATH; install it: `apt-get install bubblewrap`";
const NO_USERNS = "bwrap cannot create user/mount/pid/net namespaces (";
const USERNS_FIX = "enable unprivileged user namespaces: `sysctl kernel.unprivileged_userns_clone=1`";

interface AuditEvent {
  type: string;
  sandbox?: string;
  exit?: number | null;
}

/** A workspace, state and config dir, and a bin dir holding the few programs the tests run — but no bwrap. */
function fresh() {
  // /var/tmp, not /tmp: the userns test binds this tree into an outer sandbox whose /tmp is a fresh tmpfs.
  const base = tempDir("warden-degrade-", { varTmp: true });
  const dirs = {
    base,
    ws: join(base, "ws"),
    state: join(base, "state"),
    config: join(base, "config"),
    bin: join(base, "bin"),
  };
  for (const d of [dirs.ws, dirs.state, dirs.config, dirs.bin]) mkdirSync(d);
  for (const p of ["true", "touch", "sh"]) {
    const target = findOnPath(p);
    if (target === null) throw new Error(`${p} not on PATH`);
    symlinkSync(target, join(dirs.bin, p));
  }
  const env = (path: string): NodeJS.ProcessEnv => ({
    PATH: path,
    HOME: base,
    LANG: "C.UTF-8",
    TMPDIR: "/tmp",
    WARDEN_STATE_DIR: dirs.state,
    WARDEN_CONFIG_DIR: dirs.config,
  });
  const events = (): AuditEvent[] => {
    const dir = join(dirs.state, "audit");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl") && f !== "checkpoints.jsonl")
      .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
      .map((l) => JSON.parse(l) as AuditEvent)
      .filter((e) => e.type !== "checkpoint");
  };
  return { ...dirs, env, events };
}

/** The request and decision are on disk, nothing started, and an `end`, if written, says the run was refused. */
function expectRefusalRecorded(events: AuditEvent[]): void {
  const types = events.map((e) => e.type);
  expect(types.slice(0, 2)).toEqual(["request", "decision"]);
  expect(types).not.toContain("start");
  for (const e of events.filter((e) => e.type === "end")) expect(e.sandbox).toBe("refused");
}

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
}

beforeAll(() => {
  expect(existsSync(CLI), "run `npm run build` first").toBe(true);
  expect(findOnPath("bwrap"), "these tests need a real bwrap on PATH").not.toBeNull();
});

describe("bwrap absent from PATH", () => {
  it("the probe names bubblewrap and how to install it, and runSandboxed refuses", async () => {
    const t = fresh();
    const saved = process.env.PATH;
    process.env.PATH = t.bin;
    resetSandboxProbe();
    try {
      const p = probeSandbox();
      expect(p).toMatchObject({ ok: false, bwrap: null, userns: false });
      expect(p.problems).toHaveLength(1);
      expect(p.problems[0]).toContain(NO_BWRAP);
      const marker = join(t.ws, "lib-ran");
      await expect(
        runSandboxed({ workspace: t.ws, cwd: ".", argv: ["touch", marker] }, { timeoutMs: 10_000 }),
      ).rejects.toBeInstanceOf(SandboxUnavailableError);
      expect(existsSync(marker)).toBe(false);
    } finally {
      process.env.PATH = saved;
      resetSandboxProbe();
    }
    expect(probeSandbox().ok).toBe(true); // the same call with bwrap back on PATH (control)
  });

  for (const mode of [[], ["--sandbox=auto"], ["--sandbox=on"]]) {
    it(`warden exec ${[...mode, "--"].join(" ")} touch … exits 125 with the install hint and runs nothing`, () => {
      const t = fresh();
      const r = cli(["exec", ...mode, "--", "touch", "ran"], t.ws, t.env(t.bin));
      expect(r.status, r.stderr).toBe(125);
      expect(r.stderr).toContain(REFUSAL + NO_BWRAP);
      expect(r.stderr).toContain(HOW_TO_OPT_OUT);
      expect(existsSync(join(t.ws, "ran"))).toBe(false);
      expectRefusalRecorded(t.events());
    });
  }

  it("--sandbox=off runs it unconfined and records sandbox: off", () => {
    const t = fresh();
    const r = cli(["exec", "--sandbox=off", "--", "touch", "ran"], t.ws, t.env(t.bin));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(t.ws, "ran"))).toBe(true);
    const events = t.events();
    expect(events.map((e) => e.type)).toEqual(["request", "decision", "start", "end"]);
    expect(events.find((e) => e.type === "start")?.sandbox).toMatch(/^off\b/);
    expect(events.find((e) => e.type === "end")?.sandbox).toMatch(/^off\b/);
    expect(events.find((e) => e.type === "end")?.exit).toBe(0);
    expect(cli(["audit", "verify", "--dir", join(t.state, "audit")], t.ws, t.env(t.bin)).status).toBe(0);
  });

  it("the same command runs sandboxed once bwrap is on PATH (control)", () => {
    const t = fresh();
    const r = cli(["exec", "--", "touch", "ran"], t.ws, t.env(`${t.bin}:${process.env.PATH}`));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(t.ws, "ran"))).toBe(true);
    expect(t.events().find((e) => e.type === "start")?.sandbox).toBe("bwrap");
  });
});

describe("bubblewrap older than 0.8.0", () => {
  it("exec refuses, naming the version and the missing flag, and runs nothing", () => {
    const t = fresh();
    // What bubblewrap 0.6/0.7 does with a flag it does not know (same message format as bwrap's own).
    const fake = join(t.bin, "bwrap");
    writeFileSync(
      fake,
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "bubblewrap 0.6.1"; exit 0; fi\n' +
        'for a in "$@"; do [ "$a" = --disable-userns ] && { echo "bwrap: Unknown option --disable-userns" >&2; exit 1; }; done\n' +
        'exec "$@"\n',
    );
    chmodSync(fake, 0o755);
    const r = cli(["exec", "--", "touch", "ran"], t.ws, t.env(t.bin));
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain(
      `${REFUSAL}bubblewrap 0.6.1 is too old (bwrap: Unknown option --disable-userns)`,
    );
    expect(r.stderr).toContain("0.8.0 or later");
    expect(existsSync(join(t.ws, "ran"))).toBe(false);
    expectRefusalRecorded(t.events());
  });
});

describe("user namespaces unavailable", () => {
  /**
   * Runs the CLI inside an outer bwrap; with --disable-userns there, the inner bwrap cannot unshare a user ns.
   * /proc is the host's, bound: under a fresh `--proc` the inner bwrap may not mount its own proc (the kernel
   * wants a fully visible proc mount first), and the control below would fail for that reason instead.
   */
  function nested(t: ReturnType<typeof fresh>, disableUserns: boolean, args: string[]) {
    const bwrap = findOnPath("bwrap") as string;
    return spawnSync(
      bwrap,
      [...outerBwrapArgs(t.base, { disableUserns }), "--chdir", t.ws, "--", process.execPath, CLI, ...args],
      {
        env: t.env(process.env.PATH ?? "/usr/bin:/bin"),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 30_000,
      },
    );
  }

  it("warden exec exits 125 with the user-namespace message and runs nothing", () => {
    const t = fresh();
    const r = nested(t, true, ["exec", "--", "touch", "ran"]);
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain(REFUSAL + NO_USERNS);
    expect(r.stderr).toContain(USERNS_FIX);
    expect(r.stderr).toContain(HOW_TO_OPT_OUT);
    expect(r.stderr).not.toContain(NO_BWRAP); // bwrap was found; only the namespaces failed
    expect(existsSync(join(t.ws, "ran"))).toBe(false);
    expectRefusalRecorded(t.events());
  });

  it("--sandbox=off still runs there, recorded as off", () => {
    const t = fresh();
    const r = nested(t, true, ["exec", "--sandbox=off", "--", "touch", "ran"]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(t.ws, "ran"))).toBe(true);
    expect(t.events().find((e) => e.type === "start")?.sandbox).toMatch(/^off\b/);
  });

  it("the same outer sandbox without --disable-userns lets the command run sandboxed (control)", () => {
    const t = fresh();
    const r = nested(t, false, ["exec", "--", "touch", "ran"]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(t.ws, "ran"))).toBe(true);
    expect(t.events().find((e) => e.type === "start")?.sandbox).toBe("bwrap");
  });
});
