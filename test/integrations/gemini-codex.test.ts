// Gemini CLI BeforeTool / AfterTool and Codex PreToolUse / PostToolUse with real-shaped payloads.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codexCommand, handleCodexHook, patchFiles } from "../../src/integrations/codex.ts";
import { handleGeminiHook } from "../../src/integrations/gemini-cli.ts";
import { isolatedEnv, runCli, shellDecision, unconfined } from "./helpers.ts";

const env = unconfined(isolatedEnv());
const cwd = join(env.HOME, "project");
const askCommand = "frobnicate-unknown-tool --now";

function gemini(
  tool: string,
  input: Record<string, unknown>,
  event = "BeforeTool",
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    session_id: "gemini-session-1",
    transcript_path: join(env.HOME, ".gemini/tmp/chats/session.json"),
    cwd,
    hook_event_name: event,
    timestamp: "2026-11-22T23:00:00.000Z",
    tool_name: tool,
    tool_input: input,
    ...extra,
  });
}

function codex(
  tool: string,
  input: Record<string, unknown>,
  event = "PreToolUse",
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    session_id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    transcript_path: join(env.HOME, ".codex/sessions/rollout.jsonl"),
    cwd,
    permission_mode: "default",
    hook_event_name: event,
    model: "gpt-5-codex",
    turn_id: "turn-1",
    tool_name: tool,
    tool_input: input,
    tool_use_id: "call_abc123",
    ...extra,
  });
}

describe("gemini hook", () => {
  it("run_shell_command: allow → {decision: allow}; ask → deny naming the missing human decision", async () => {
    const decision = shellDecision("git status", cwd, env.HOME);
    const r = await handleGeminiHook(
      gemini("run_shell_command", { command: "git status", description: "status" }),
      { env },
    );
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    if (decision === "allow") expect(out).toEqual({ decision: "allow" });
    else expect(out).toEqual({ decision: "deny", reason: expect.stringContaining("Warden blocked") });

    const ask = JSON.parse(
      (await handleGeminiHook(gemini("run_shell_command", { command: askCommand }), { env })).stdout,
    );
    expect(ask).toEqual({
      decision: "deny",
      reason: expect.stringMatching(/needs a human's approval.*warden approve [a-z0-9]+/),
    });
  });

  it("--ask=native leaves an ask to Gemini's own confirmation (no decision)", async () => {
    const r = await handleGeminiHook(gemini("run_shell_command", { command: askCommand }), {
      env,
      ask: "native",
    });
    expect(r).toEqual({ stdout: "{}\n", stderr: "", exitCode: 0 });
  });

  it("read_file(.env) gets the same answer as run_shell_command `cat .env`", async () => {
    const read = JSON.parse(
      (await handleGeminiHook(gemini("read_file", { file_path: join(cwd, ".env") }), { env })).stdout,
    );
    const cat = JSON.parse(
      (await handleGeminiHook(gemini("run_shell_command", { command: "cat .env" }), { env })).stdout,
    );
    expect(read.decision).toBe(cat.decision);
    expect(read.decision).toBe("deny");
  });

  it("write_file, replace and mcp__ tools are checked; google_web_search passes", async () => {
    for (const [tool, input] of [
      ["write_file", { file_path: join(cwd, "a.ts"), content: "x" }],
      ["replace", { file_path: join(cwd, "a.ts"), old_string: "x", new_string: "y" }],
      ["mcp__github__create_issue", { title: "t" }],
    ] as [string, Record<string, unknown>][]) {
      const out = JSON.parse((await handleGeminiHook(gemini(tool, input), { env })).stdout);
      expect(["allow", "deny"], tool).toContain(out.decision);
    }
    expect(
      JSON.parse((await handleGeminiHook(gemini("google_web_search", { query: "x" }), { env })).stdout),
    ).toEqual({});
  });

  it("AfterTool records and says nothing; malformed input exits 2", async () => {
    const after = gemini("run_shell_command", { command: "ls" }, "AfterTool", {
      tool_response: { llmContent: "a\nb", returnDisplay: "a b" },
    });
    expect(await handleGeminiHook(after, { env })).toEqual({ stdout: "{}\n", stderr: "", exitCode: 0 });
    expect((await handleGeminiHook("{", { env })).exitCode).toBe(2);
    expect((await handleGeminiHook(gemini("read_file", {}), { env })).exitCode).toBe(2);
  });

  it("built CLI: warden hook gemini", async () => {
    const r = runCli(["hook", "gemini"], gemini("run_shell_command", { command: askCommand }), env);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).decision).toBe("deny");
  });
});

describe("codex hook", () => {
  it("a deny is exit 2 with the reason on stderr; allow says nothing", async () => {
    const r = await handleCodexHook(codex("Bash", { command: askCommand }), { env });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/needs a human's approval.*warden approve [a-z0-9]+/);
    expect(await handleCodexHook(codex("Bash", { command: askCommand }), { env, ask: "native" })).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
    });
  });

  it("reads argv-shaped commands and apply_patch envelopes", async () => {
    expect(codexCommand(["bash", "-lc", "git status && ls"])).toBe("git status && ls");
    expect(codexCommand(["ls", "-la", "my dir"])).toBe("ls -la 'my dir'");
    const patch =
      "*** Begin Patch\n*** Add File: src/new.ts\n+x\n*** Update File: src/old.ts\n@@\n-a\n+b\n*** Move to: src/renamed.ts\n*** Delete File: .env\n*** End Patch";
    expect(patchFiles(patch)).toEqual([
      { op: "add", path: "src/new.ts" },
      { op: "update", path: "src/old.ts" },
      { op: "move", path: "src/renamed.ts" },
      { op: "delete", path: ".env" },
    ]);
    expect((await handleCodexHook(codex("apply_patch", { command: patch }), { env })).exitCode).toBe(2);
    const r = await handleCodexHook(
      codex("apply_patch", { command: "*** Begin Patch\n*** Delete File: .env\n*** End Patch" }),
      { env },
    );
    // Deleting .env through a patch is never waved through.
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(".env");
  });

  it("an unreadable patch, a missing command or a bad event blocks", async () => {
    expect((await handleCodexHook(codex("apply_patch", { command: "garbage" }), { env })).exitCode).toBe(2);
    expect((await handleCodexHook(codex("Bash", {}), { env })).exitCode).toBe(2);
    expect((await handleCodexHook(codex("Bash", { command: "ls" }, "Stop"), { env })).exitCode).toBe(2);
  });

  it("PostToolUse records and says nothing; built CLI answers the same", async () => {
    expect(
      await handleCodexHook(codex("Bash", { command: "ls" }, "PostToolUse", { tool_response: "a\nb" }), {
        env,
      }),
    ).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
    });
    const r = runCli(["hook", "codex"], codex("Bash", { command: askCommand }), env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Warden did not run this");
  });
});
