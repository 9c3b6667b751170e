// The policy → sandbox mapping: which host paths a sandboxed command may write, read or not see. Real temp dirs,
// the real policy compiler; the last tests run real bubblewrap with the planned mounts.
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planSandbox, type SandboxPlanInput } from "../../src/sandbox/plan.ts";
import { runSandboxed } from "../../src/sandbox/run.ts";
import { layer, policy } from "../policy/helpers.ts";
import { tempDir } from "../tmp.ts";

let base = "";
let ws = "";
let home = "";
let state = "";

beforeAll(() => {
  base = realpathSync(tempDir("warden-plan-test-", { varTmp: true }));
  ws = join(base, "home", "project");
  home = join(base, "home");
  state = join(base, "state");
  for (const d of [
    ws,
    join(ws, "src"),
    join(ws, ".git", "hooks"),
    join(ws, "config"),
    join(home, ".ssh"),
    join(home, ".aws"),
    join(state, "keys"),
    join(base, "shared"),
  ])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(ws, ".env"), "API_KEY=sk-live-123\n");
  writeFileSync(join(ws, ".env.example"), "API_KEY=\n");
  writeFileSync(join(ws, "config", "server.pem"), "-----BEGIN PRIVATE KEY-----\n");
  writeFileSync(join(ws, "src", "a.ts"), "export {};\n");
  writeFileSync(join(home, ".netrc"), "machine x login y password z\n");
  writeFileSync(join(home, ".ssh", "id_ed25519"), "PRIVATE\n");
  writeFileSync(join(base, "shared", "data.txt"), "shared\n");
});

const ENTRIES = () => [
  ".env",
  ".env.example",
  "config/",
  "config/server.pem",
  "src/",
  "src/a.ts",
  ".git/",
  ".git/hooks/",
];

function input(loaded = policy(), extra: Partial<SandboxPlanInput> = {}): SandboxPlanInput {
  return {
    policy: loaded.effective(null),
    cwd: ws,
    workspace: ws,
    home,
    argv: ["true"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, WARDEN_STATE_DIR: state },
    blocked: [],
    entries: ENTRIES(),
    ...extra,
  };
}

describe("planSandbox", () => {
  it("hides Warden's keys also when the state dir is reached through a symlink", () => {
    const link = join(base, "state-link");
    symlinkSync(state, link);
    const { spec } = planSandbox(
      input(policy(), {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, WARDEN_STATE_DIR: link },
      }),
    );
    expect(spec.hidden).toContain(join(state, "keys"));
  });

  it("reveals only the files a human approved, never a directory nor Warden's own state", () => {
    writeFileSync(join(state, "keys", "alice.key"), "KEY\n");
    const { spec } = planSandbox(
      input(policy(), {
        reveal: [
          join(ws, ".env"),
          join(home, ".ssh", "id_ed25519"),
          join(home, ".aws"),
          join(state, "keys", "alice.key"),
        ],
      }),
    );
    expect(spec.readOnly).toEqual(expect.arrayContaining([join(home, ".ssh", "id_ed25519")]));
    // In the workspace it is as writable as the policy makes it; it is no longer hidden.
    expect(spec.hidden).not.toContain(join(ws, ".env"));
    expect(spec.hidden).toEqual(
      expect.arrayContaining([join(ws, "config", "server.pem"), join(home, ".ssh"), join(home, ".aws")]),
    );
    expect([...spec.readOnly!, ...spec.writable!]).not.toContain(join(state, "keys", "alice.key"));
    expect(spec.hidden).toContain(join(state, "keys"));
  });

  it("hides secrets in the workspace and home, keeps examples, makes git hooks read-only", () => {
    const { spec, notes } = planSandbox(input());
    expect(spec.hidden).toEqual(
      expect.arrayContaining([
        join(ws, ".env"),
        join(ws, "config", "server.pem"),
        join(home, ".ssh"),
        join(home, ".aws"),
        join(home, ".netrc"),
        join(state, "keys"),
      ]),
    );
    expect(spec.hidden).not.toContain(join(ws, ".env.example"));
    expect(spec.hidden).not.toContain(join(ws, "src", "a.ts"));
    expect(spec.readOnly).toContain(join(ws, ".git", "hooks"));
    // /var/tmp is scratch space (full) in the built-in policy: writable; the workspace needs no extra mount.
    expect(spec.writable).toContain("/var/tmp");
    expect(spec.writable).not.toContain(ws);
    expect(notes).toEqual([]);
  });

  it("maps path entries: read → ro, write → rw, none → hidden; only where the state changes", () => {
    const loaded = policy(
      layer({
        paths: {
          entries: [
            { path: join(base, "shared"), permission: "write" },
            { path: `${ws}/src/**`, permission: "read" },
            { path: join(ws, "config"), permission: "none" },
            { path: "/nonexistent/warden-test", permission: "write" },
          ],
        },
      }),
    );
    const { spec } = planSandbox(input(loaded));
    expect(spec.readOnly).toContain(join(ws, "src"));
    expect(spec.hidden).toContain(join(ws, "config"));
    // server.pem is inside a hidden dir already: no second mask.
    expect(spec.hidden).not.toContain(join(ws, "config", "server.pem"));
    // /var/tmp is writable already, so base/shared inherits it; nothing is mounted for a missing path.
    expect(spec.writable).not.toContain(join(base, "shared"));
    expect([...spec.writable!, ...spec.readOnly!, ...spec.hidden!].join(" ")).not.toContain("nonexistent");
  });

  it("an untrusted repository layer can take write access away but not grant it", () => {
    const loaded = policy(
      layer(
        {
          paths: {
            entries: [
              { path: "src", permission: "read" },
              { path: "/etc", permission: "write" },
            ],
          },
          sandbox: { network: true, limits: { processes: 10 } },
        },
        "repo",
        false,
      ),
    );
    const plan = planSandbox(input(loaded));
    expect(plan.spec.readOnly).toContain(join(ws, "src"));
    expect(plan.spec.writable).not.toContain("/etc");
    expect(plan.spec.net).toBe(false);
    expect(plan.limits.processes).toBe(10);
  });

  it("carries the policy's sandbox settings: network, unix sockets, env, timeout, limits", () => {
    const loaded = policy(
      layer({
        sandbox: {
          network: true,
          unix_sockets: true,
          env: ["CARGO_HOME", "NOT_SET_ANYWHERE"],
          timeout: 90,
          limits: { memory: "2GiB", cpu: 60, file_size: "1GiB", open_files: 512, processes: 256 },
        },
      }),
    );
    const plan = planSandbox(
      input(loaded, { env: { PATH: "/usr/bin", HOME: home, CARGO_HOME: "/c", WARDEN_STATE_DIR: state } }),
    );
    expect(plan.spec.net).toBe(true);
    expect(plan.spec.allowUnixSockets).toBe(true);
    expect(plan.spec.env).toEqual({ CARGO_HOME: "/c" });
    expect(plan.timeoutMs).toBe(90_000);
    expect(plan.limits).toEqual({
      memoryBytes: 2 * 1024 ** 3,
      cpuSeconds: 60,
      fileSizeBytes: 1024 ** 3,
      openFiles: 512,
      processes: 256,
    });
  });

  it("says when glob patterns could not be checked against the whole workspace", () => {
    const { entries: _e, ...rest } = input();
    expect(planSandbox(rest).notes.join("\n")).toMatch(/not scanned/);
    expect(planSandbox(input(policy(), { entriesTruncated: true })).notes.join("\n")).toMatch(/truncated/);
  });

  it("the workspace stays writable when everything around it is read-only", async () => {
    const loaded = policy(layer({ paths: { entries: [{ path: "/var/tmp", permission: "read" }] } }));
    const plan = planSandbox(
      input(loaded, {
        argv: [
          "bash",
          "-c",
          `echo in > src/in.txt; echo out > ${join(base, "shared", "out.txt")} 2>/dev/null; true`,
        ],
      }),
    );
    expect(plan.spec.writable).toEqual([]);
    expect(plan.spec.readOnly).not.toContain(ws);
    const r = await runSandboxed(plan.spec, { timeoutMs: 20_000 });
    expect(r.exit).toBe(0);
    expect(readFileSync(join(ws, "src", "in.txt"), "utf8")).toBe("in\n");
    expect(() => readFileSync(join(base, "shared", "out.txt"))).toThrow(/ENOENT/);
  });

  it("the planned mounts hold in real bubblewrap", async () => {
    const { spec } = planSandbox(
      input(policy(), {
        argv: [
          "bash",
          "-c",
          [
            "cat .env config/server.pem ~/.ssh/id_ed25519 ~/.netrc 2>/dev/null",
            "echo hook > .git/hooks/pre-commit 2>/dev/null && echo HOOK-WRITTEN",
            "echo ok > src/b.ts && echo SRC-WRITTEN",
            "cat .env.example",
          ].join("; "),
        ],
      }),
    );
    const out: Buffer[] = [];
    const outFile = join(base, "out.txt");
    const fd = (await import("node:fs")).openSync(outFile, "w");
    const r = await runSandboxed(spec, { timeoutMs: 20_000, stdio: ["ignore", fd, "ignore"] });
    (await import("node:fs")).closeSync(fd);
    out.push(readFileSync(outFile));
    const text = Buffer.concat(out).toString();
    expect(r.exit).toBe(0);
    expect(text).not.toMatch(/sk-live|PRIVATE|password/);
    expect(text).not.toContain("HOOK-WRITTEN");
    expect(text).toContain("SRC-WRITTEN");
    expect(text).toContain("API_KEY=");
    expect(readFileSync(join(ws, ".env"), "utf8")).toContain("sk-live"); // untouched on the host
  });

  it("the guard's configuration is read-only inside, whatever the command: agent settings, .warden/, Warden's config", async () => {
    const config = join(base, "warden-config");
    for (const d of [join(ws, ".claude"), join(ws, ".warden"), join(home, ".gemini"), config])
      mkdirSync(d, { recursive: true });
    writeFileSync(join(ws, ".claude", "settings.local.json"), '{"hooks":{}}\n');
    writeFileSync(join(ws, ".warden", "policy.yaml"), "unknown: high\n");
    writeFileSync(join(home, ".gemini", "settings.json"), "{}\n");
    writeFileSync(join(config, "policy.yaml"), "unknown: high\n");
    const attempts = [
      `echo '{"disableAllHooks":true}' > .claude/settings.local.json`,
      "echo 'decisions: {high: allow}' > .warden/policy.yaml",
      "rm -f .warden/policy.yaml",
      "echo '{}' > ~/.gemini/settings.json",
      `echo 'unknown: low' > ${config}/policy.yaml`,
    ];
    const plan = planSandbox(
      input(policy(), {
        env: { ...input().env, WARDEN_CONFIG_DIR: config },
        argv: ["bash", "-c", [...attempts.map((a) => `${a} 2>/dev/null`), "echo ok > src/c.ts"].join("; ")],
      }),
    );
    expect(plan.spec.readOnly).toEqual(
      expect.arrayContaining([join(ws, ".claude", "settings.local.json"), join(ws, ".warden"), config]),
    );
    const r = await runSandboxed(plan.spec, { timeoutMs: 20_000 });
    expect(r.exit).toBe(0);
    expect(readFileSync(join(ws, ".claude", "settings.local.json"), "utf8")).toBe('{"hooks":{}}\n');
    expect(readFileSync(join(ws, ".warden", "policy.yaml"), "utf8")).toBe("unknown: high\n");
    expect(readFileSync(join(home, ".gemini", "settings.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(config, "policy.yaml"), "utf8")).toBe("unknown: high\n");
    expect(readFileSync(join(ws, "src", "c.ts"), "utf8")).toBe("ok\n");
  });
});
