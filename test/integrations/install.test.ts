// `warden install|uninstall` against settings files in a temporary HOME: merges idempotently, keeps
// everything else, writes a backup, prints a diff on --dry-run, and removes exactly what it added.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { handleClaudeHook } from "../../src/integrations/claude-code.ts";
import { defaultHookCommand, isWardenHook } from "../../src/integrations/hook-entries.ts";
import { addHooks, removeHooks, supportsOnFailure } from "../../src/integrations/install.ts";
import { HOOK, runWithInput, startInProcess, type TestEnv } from "../daemon/helpers.ts";
import { tempDir } from "../tmp.ts";
import { claudePayload, isolatedEnv, requireBuild, runCli, unconfined } from "./helpers.ts";

beforeAll(requireBuild);

const existing = {
  permissions: { allow: ["Bash(npm test:*)"], deny: ["Read(./secrets/**)"] },
  hooks: {
    PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "/usr/local/bin/my-guard.sh" }] }],
    Stop: [{ hooks: [{ type: "command", command: "notify-send done" }] }],
  },
  model: "opus",
};

describe("warden install claude", () => {
  it("merges into the user settings under CLAUDE_CONFIG_DIR, idempotently, with a backup", () => {
    const env = { ...isolatedEnv(), CLAUDE_CONFIG_DIR: "" };
    env.CLAUDE_CONFIG_DIR = join(env.HOME, "claude-config");
    mkdirSync(env.CLAUDE_CONFIG_DIR, { recursive: true });
    const file = join(env.CLAUDE_CONFIG_DIR, "settings.json");
    writeFileSync(file, JSON.stringify(existing, null, 2));

    const dry = runCli(
      ["install", "claude", "--user", "--dry-run", "--command", "warden hook claude"],
      undefined,
      env,
    );
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`--- ${file}`);
    expect(dry.stdout).toContain('+            "command": "warden hook claude",');
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(existing);

    const first = runCli(["install", "claude", "--command", "warden hook claude"], undefined, env);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("backup");
    const after = JSON.parse(readFileSync(file, "utf8"));
    expect(after.permissions).toEqual(existing.permissions);
    expect(after.model).toBe("opus");
    expect(after.hooks.Stop).toEqual(existing.hooks.Stop);
    expect(after.hooks.PreToolUse[0]).toEqual(existing.hooks.PreToolUse[0]);
    expect(after.hooks.PreToolUse[1]).toEqual({
      matcher: "*",
      hooks: [{ type: "command", command: "warden hook claude", timeout: 30, onFailure: "block" }],
    });
    expect(after.hooks.PostToolUse).toEqual([
      { matcher: "*", hooks: [{ type: "command", command: "warden hook claude", timeout: 30 }] },
    ]);
    expect(after.hooks.SessionEnd).toHaveLength(1);
    const backups = readdirSync(env.CLAUDE_CONFIG_DIR).filter((f) =>
      f.startsWith("settings.json.warden-backup-"),
    );
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(env.CLAUDE_CONFIG_DIR, backups[0]!), "utf8"))).toEqual(existing);

    const again = runCli(["install", "claude", "--command", "warden hook claude"], undefined, env);
    expect(again.stdout).toContain("nothing to change");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(after);

    const un = runCli(["uninstall", "claude"], undefined, env);
    expect(un.status).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(existing);
  });

  it("--project and --local write under the working directory; uninstall of a fresh file leaves {}", () => {
    const env = isolatedEnv();
    const repo = join(env.HOME, "repo");
    mkdirSync(repo);
    expect(runCli(["install", "claude", "--project"], undefined, env, repo).status).toBe(0);
    expect(
      JSON.parse(readFileSync(join(repo, ".claude/settings.json"), "utf8")).hooks.PreToolUse[0].hooks[0]
        .command,
    ).toMatch(/dist\/hook\.js'? claude$/);
    expect(runCli(["install", "claude", "--local"], undefined, env, repo).status).toBe(0);
    expect(existsSync(join(repo, ".claude/settings.local.json"))).toBe(true);
    runCli(["uninstall", "claude", "--local"], undefined, env, repo);
    expect(JSON.parse(readFileSync(join(repo, ".claude/settings.local.json"), "utf8"))).toEqual({});
  });

  it("installs the thin client dist/hook.js when it sits beside warden.js, warden.js hook otherwise", () => {
    const dir = tempDir("warden-install-cmd-");
    const cli = join(dir, "warden.js");
    writeFileSync(cli, "");
    const node = process.execPath;
    const real = realpathSync(dir);
    expect(defaultHookCommand("claude", cli)).toBe(`${node} ${real}/warden.js hook claude`);
    writeFileSync(join(dir, "hook.js"), "");
    expect(defaultHookCommand("gemini", cli)).toBe(`${node} ${real}/hook.js gemini`);
    // Only beside warden.js: another script keeps the `hook AGENT` form.
    expect(defaultHookCommand("codex", join(dir, "other.js"))).toBe(`${node} ${dir}/other.js hook codex`);
    expect(defaultHookCommand("claude", "/usr/bin/warden")).toBe("/usr/bin/warden hook claude");
    for (const agent of ["claude", "gemini", "codex"] as const) {
      const hook = (command: string) => ({ type: "command", command });
      expect(isWardenHook(hook(`node '/a b/dist/hook.js' ${agent}`), agent)).toBe(true);
      expect(isWardenHook(hook(`node /x/dist/warden.js hook ${agent}`), agent)).toBe(true);
      expect(isWardenHook(hook(`warden hook ${agent}`), agent)).toBe(true);
      expect(isWardenHook(hook(`node /x/dist/hook.js ${agent}x`), agent)).toBe(false);
      expect(isWardenHook(hook(`node /x/my-hook.js ${agent}`), agent)).toBe(false);
    }
    expect(isWardenHook({ command: "node /x/dist/hook.js gemini" }, "claude")).toBe(false);
  });

  it("the installed command, run as Claude Code runs it, answers a PreToolUse payload without and with a daemon", async () => {
    const base = isolatedEnv();
    const env: TestEnv = unconfined({
      ...base,
      WARDEN_CONFIG_DIR: join(base.HOME, "config"),
      WARDEN_SOCKET: join(base.HOME, "run", "w.sock"),
    });
    expect(runCli(["install", "claude"], undefined, env).status).toBe(0);
    const settings = JSON.parse(readFileSync(join(env.HOME, ".claude/settings.json"), "utf8"));
    const command: string = settings.hooks.PreToolUse[0].hooks[0].command;
    expect(command).toBe(`${process.execPath} ${realpathSync(HOOK)} claude`);
    // Asynchronous: the daemon of the second round answers from this process.
    const run = (payload: string) => runWithInput("bash", ["-c", command], payload, { env, cwd: env.HOME });
    const local = { ...env, WARDEN_STATE_DIR: join(env.HOME, "local-state") };
    const cases = [
      ["git status", "allow"],
      ["rm -rf ~/", "deny"],
    ] as const;
    for (const daemon of [false, true]) {
      if (daemon) await startInProcess(env);
      for (const [cmd, decision] of cases) {
        const payload = claudePayload({ tool: "Bash", input: { command: cmd }, cwd: env.HOME });
        const r = await run(payload);
        const mine = await handleClaudeHook(payload, { env: local });
        expect(r.status, `${cmd} (daemon: ${daemon}) ${r.stderr}`).toBe(0);
        expect(r.stdout).toBe(mine.stdout);
        expect(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision).toBe(decision);
      }
    }
    // Uninstall recognises the thin client's entries.
    expect(runCli(["uninstall", "claude"], undefined, env).status).toBe(0);
    expect(JSON.parse(readFileSync(join(env.HOME, ".claude/settings.json"), "utf8"))).toEqual({});
  });

  it("refuses to rewrite a settings file that is not valid JSON", () => {
    const env = isolatedEnv();
    const dir = join(env.HOME, ".claude");
    mkdirSync(dir);
    writeFileSync(join(dir, "settings.json"), "{ broken");
    const r = runCli(["install", "claude"], undefined, env);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("not valid JSON");
    expect(readFileSync(join(dir, "settings.json"), "utf8")).toBe("{ broken");
  });

  it("removes only its own entries, even when they share a matcher group with the user's", () => {
    const mixed = {
      hooks: {
        PreToolUse: [
          {
            matcher: "*",
            hooks: [
              { type: "command", command: "mine" },
              { type: "command", command: "node /x/dist/warden.js hook claude" },
            ],
          },
        ],
      },
    };
    expect(removeHooks(mixed, "claude")).toEqual({
      hooks: { PreToolUse: [{ matcher: "*", hooks: [{ type: "command", command: "mine" }] }] },
    });
    expect(removeHooks(addHooks({}, "claude", "warden hook claude"), "claude")).toEqual({});
    expect(() => addHooks({ hooks: [] }, "claude", "warden hook claude")).toThrow(/not an object/);
  });

  it("knows which Claude Code releases honour onFailure", () => {
    expect(supportsOnFailure("2.1.294")).toBe(false);
    expect(supportsOnFailure("2.1.295")).toBe(true);
    expect(supportsOnFailure("2.2.0")).toBe(true);
    expect(supportsOnFailure("1.0.99")).toBe(false);
  });
});

describe("warden install gemini / codex", () => {
  it("gemini: BeforeTool/AfterTool hooks plus the exported policy TOML; uninstall removes both", () => {
    const env = isolatedEnv();
    const dir = join(env.HOME, ".gemini");
    mkdirSync(dir);
    writeFileSync(join(dir, "settings.json"), JSON.stringify({ theme: "Dracula", hooks: { enabled: true } }));
    expect(runCli(["install", "gemini"], undefined, env).status).toBe(0);
    const settings = JSON.parse(readFileSync(join(dir, "settings.json"), "utf8"));
    expect(settings.theme).toBe("Dracula");
    expect(settings.hooks.enabled).toBe(true);
    expect(settings.hooks.BeforeTool[0]).toMatchObject({
      matcher: ".*",
      hooks: [{ type: "command", name: "warden", timeout: 30000 }],
    });
    expect(readFileSync(join(dir, "policies/warden.toml"), "utf8")).toMatch(
      /^# Generated by `warden policy export gemini`/,
    );
    expect(runCli(["uninstall", "gemini"], undefined, env).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "settings.json"), "utf8"))).toEqual({
      theme: "Dracula",
      hooks: { enabled: true },
    });
    expect(existsSync(join(dir, "policies/warden.toml"))).toBe(false);
  });

  it("codex: hooks.json under CODEX_HOME plus rules/warden.rules; a foreign rules file is not overwritten", () => {
    const env = { ...isolatedEnv(), CODEX_HOME: "" };
    env.CODEX_HOME = join(env.HOME, "codex-home");
    expect(runCli(["install", "codex"], undefined, env).status).toBe(0);
    const hooks = JSON.parse(readFileSync(join(env.CODEX_HOME, "hooks.json"), "utf8"));
    expect(hooks.hooks.PreToolUse[0]).toMatchObject({ matcher: "Bash|apply_patch|mcp__.*" });
    expect(readFileSync(join(env.CODEX_HOME, "rules/warden.rules"), "utf8")).toMatch(
      /^# Generated by `warden policy export codex`/,
    );
    writeFileSync(join(env.CODEX_HOME, "rules/warden.rules"), "prefix_rule(pattern=['ls'])\n");
    const r = runCli(["install", "codex"], undefined, env);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("not written by Warden");
  });
});
