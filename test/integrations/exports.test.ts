// The exporters: Codex .rules, Gemini policy TOML, Claude settings, AppArmor (checked by apparmor_parser
// in parse-only mode), from fixed probe results and from the real pipeline; and `warden verify`.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run as exportRun } from "../../src/cli/policy-export.ts";
import { apparmorProfile, resolveProgram } from "../../src/integrations/export-apparmor.ts";
import { claudeSettings } from "../../src/integrations/export-claude.ts";
import { codexRules } from "../../src/integrations/export-codex.ts";
import { geminiPolicy } from "../../src/integrations/export-gemini.ts";
import { acceptanceChecks, blockedPrograms, preparePipeline } from "../../src/integrations/pipeline.ts";
import { type Probes, probePolicy } from "../../src/integrations/policy-probes.ts";
import { formatTable, verifyAcceptance } from "../../src/integrations/verify.ts";
import { tempDir } from "../tmp.ts";
import { isolatedEnv, runCli } from "./helpers.ts";

const probes: Probes = {
  prefixes: [
    {
      prefix: ["docker"],
      decision: "deny",
      reason: "`docker` is blocked by the Warden policy",
      blocked: true,
    },
    {
      prefix: ["git", "push", "--force"],
      decision: "ask",
      reason: "rewrites remote history (rule git.push-force)",
    },
  ],
  paths: [
    { pattern: ".env", under: "project", decision: "deny", reason: "secret file (rule secrets.env-file)" },
  ],
};

describe("exports", () => {
  it("codex: forbidden / prompt prefix rules, with what cannot be expressed", () => {
    const rules = codexRules(probes);
    expect(rules).toContain('prefix_rule(\n    pattern = ["docker"],\n    decision = "forbidden",');
    expect(rules).toContain('pattern = ["git", "push", "--force"],\n    decision = "prompt",');
    expect(rules).toContain('match = ["git push --force"],');
    expect(rules).toMatch(/Not expressible[\s\S]*wrappers and nesting/);
    expect(rules).toContain("#   deny: .env");
  });

  it("gemini: deny / ask_user rules for shell prefixes and file-tool arguments", () => {
    const toml = geminiPolicy(probes);
    expect(toml).toContain(
      '[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = "docker"\ndecision = "deny"\npriority = 900',
    );
    expect(toml).toContain('commandPrefix = "git push --force"\ndecision = "ask_user"\npriority = 800');
    expect(toml).toContain('toolName = ["read_file", "read_many_files", "write_file", "replace"]');
    const pattern = /argsPattern = "(.*)"/.exec(toml)![1]!;
    const re = new RegExp(JSON.parse(`"${pattern}"`));
    expect(re.test(JSON.stringify({ file_path: "/home/u/project/.env" }))).toBe(true);
    expect(re.test(JSON.stringify({ file_path: "/home/u/project/.envrc" }))).toBe(false);
  });

  it("claude-settings: permissions.deny / ask rules plus the hook entries", () => {
    const s = claudeSettings(probes, "warden hook claude") as {
      permissions: Record<string, string[]>;
      hooks: Record<string, unknown[]>;
    };
    expect(s.permissions.deny).toEqual(["Bash(docker:*)", "Read(./.env)", "Edit(./.env)"]);
    expect(s.permissions.ask).toEqual(["Bash(git push --force:*)"]);
    expect(Object.keys(s.hooks)).toEqual(["PreToolUse", "PostToolUse", "SessionEnd"]);
  });

  it("probes go through the real pipeline: a secret file is never allowed", () => {
    const home = tempDir("warden-probe-");
    const real = probePolicy({}, join(home, "project"), home);
    expect(real.paths.map((p) => p.pattern)).toContain(".env");
    expect(real.paths.find((p) => p.pattern === ".env")!.decision).not.toBe("allow");
  });

  it("apparmor: a profile apparmor_parser accepts, denying the blocked binaries' resolved paths", () => {
    const programs = ["sh", "curl"].map((name) => ({ name, paths: resolveProgram(name) }));
    expect(programs[0]!.paths.length).toBeGreaterThan(0);
    const profile = apparmorProfile({ user: "agent", programs });
    for (const p of programs[0]!.paths) expect(profile).toContain(`deny ${p} x,`);
    expect(profile).toContain("  ^agent {");
    expect(profile).toContain("session optional pam_apparmor.so order=user,group,default");
    const file = join(tempDir("warden-aa-"), "warden-agent");
    writeFileSync(file, profile);
    // Parse-only: -Q skips loading into the kernel, -K skips the cache (Debian package `apparmor`).
    const r = spawnSync("apparmor_parser", ["-Q", "-K", file], { encoding: "utf8" });
    if (r.error)
      throw new Error(`apparmor_parser not available (apt-get install apparmor): ${r.error.message}`);
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(file, profile.replace("deny /**/sh x,", "deny /**/sh xyzzy"));
    expect(spawnSync("apparmor_parser", ["-Q", "-K", file]).status).not.toBe(0);
    expect(() => apparmorProfile({ user: "bad user", programs })).toThrow(/account name/);
  });

  it("policy export apparmor requires --user; unknown formats are usage errors", async () => {
    await expect(exportRun(["apparmor"])).rejects.toThrow(/--user NAME is required/);
    await expect(exportRun(["sarif"])).rejects.toThrow(/choose claude-settings, gemini, codex or apparmor/);
  });
});

describe("warden verify", () => {
  it("runs must_fail / must_succeed through the pipeline and fails when one does not hold", async () => {
    const env = isolatedEnv();
    const cwd = env.HOME;
    const rows = await verifyAcceptance(
      { source: "test", mustFail: ["rm -rf /"], mustSucceed: ["frobnicate-unknown-tool"] },
      { cwd, env: { HOME: env.HOME, PATH: process.env.PATH ?? "" }, options: {}, timeoutMs: 5000 },
    );
    expect(rows).toHaveLength(2);
    const [mustFail, mustSucceed] = rows;
    expect(mustFail!.ran).toBe(false);
    // An unknown program needs approval: it cannot pass must_succeed unattended.
    expect(mustSucceed).toMatchObject({ decision: "ask", ran: false, pass: false });
    expect(formatTable(rows)).toMatch(/FAIL\s+must succeed\s+ask\s+frobnicate-unknown-tool/);
  });

  it("the CLI prints the table and exits 1 on a failure, 3 without acceptance commands", () => {
    const env = isolatedEnv();
    const policy = join(env.HOME, "policy.yaml");
    writeFileSync(policy, "must_fail:\n  - rm -rf /\nmust_succeed:\n  - frobnicate-unknown-tool\n");
    const r = runCli(["verify", "--policy", policy], undefined, env, env.HOME);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/result\s+expect\s+decision\s+command/);
    expect(r.stdout).toMatch(/\d passed, \d failed/);
    writeFileSync(policy, "mapping: {}\n");
    expect(runCli(["verify", "--policy", policy], undefined, env, env.HOME).status).toBe(3);
  });
});

describe("the exporters read the loaded policy", () => {
  it("blocked programs, probes and acceptance commands come from --policy FILE", async () => {
    const env = isolatedEnv();
    const cwd = env.HOME;
    const policy = join(cwd, "policy.yaml");
    writeFileSync(
      policy,
      "forbidden:\n  - program: frobnicate-unknown-tool\nmust_fail:\n  - rm -rf /\nmust_succeed:\n  - ls\n",
    );
    const options = await preparePipeline({ policyFile: policy }, { cwd, env });
    expect(blockedPrograms(options, { cwd, env })).toContain("frobnicate-unknown-tool");
    expect(blockedPrograms({}, { cwd, env })).not.toContain("frobnicate-unknown-tool");
    expect(probePolicy(options, cwd, env.HOME).prefixes).toContainEqual(
      expect.objectContaining({ prefix: ["frobnicate-unknown-tool"], decision: "deny", blocked: true }),
    );
    // Unprepared options with a policy file to honour: refuse rather than decide under the built-in policy.
    expect(() => blockedPrograms({ policyFile: policy }, { cwd, env })).toThrow(/not loaded/);
    expect(await acceptanceChecks({ policyFile: policy }, cwd, env)).toMatchObject({
      mustFail: ["rm -rf /"],
      mustSucceed: ["ls"],
    });
  });
});
