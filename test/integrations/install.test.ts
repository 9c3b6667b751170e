// `warden install|uninstall` against settings files in a temporary HOME: merges idempotently, keeps
// everything else, writes a backup, prints a diff on --dry-run, and removes exactly what it added.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addHooks, removeHooks, supportsOnFailure } from "../../src/integrations/install.ts";
import { isolatedEnv, requireBuild, runCli } from "./helpers.ts";

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
    ).toMatch(/warden\.js'? hook claude$/);
    expect(runCli(["install", "claude", "--local"], undefined, env, repo).status).toBe(0);
    expect(existsSync(join(repo, ".claude/settings.local.json"))).toBe(true);
    runCli(["uninstall", "claude", "--local"], undefined, env, repo);
    expect(JSON.parse(readFileSync(join(repo, ".claude/settings.local.json"), "utf8"))).toEqual({});
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
