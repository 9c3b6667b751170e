// The built CLI run as the agents run the hook command: `node dist/warden.js hook AGENT` with the payload
// on stdin. Also checks that the hook path loads nothing heavy (no MCP SDK, zod or yaml).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { handleClaudeHook } from "../../src/integrations/claude-code.ts";
import {
  CLI,
  claudeAnswer,
  claudePayload,
  isolatedEnv,
  requireBuild,
  runCli,
  unconfined,
} from "./helpers.ts";

beforeAll(requireBuild);

describe("warden hook claude (built CLI)", () => {
  const env = unconfined(isolatedEnv());
  const cwd = env.HOME;
  const payloads = [
    claudePayload({ tool: "Bash", input: { command: "git status", description: "Check status" }, cwd }),
    claudePayload({ tool: "Bash", input: { command: "rm -rf /", description: "Clean up" }, cwd }),
    claudePayload({ tool: "Read", input: { file_path: join(cwd, ".env") }, cwd }),
    claudePayload({ tool: "Write", input: { file_path: join(cwd, "a.txt"), content: "hi" }, cwd }),
    claudePayload({ tool: "WebFetch", input: { url: "https://example.com", prompt: "read" }, cwd }),
    claudePayload({ tool: "mcp__github__create_issue", input: { title: "x" }, cwd }),
  ];

  for (const [i, payload] of payloads.entries()) {
    it(`answers payload ${i} exactly as the library does`, async () => {
      const r = runCli(["hook", "claude"], payload, env);
      const inProcess = await handleClaudeHook(payload, { env });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(inProcess.stdout);
      expect(claudeAnswer(r.stdout).hookSpecificOutput.hookEventName).toBe("PreToolUse");
    });
  }

  it("rm -rf / is never allowed", async () => {
    const r = runCli(["hook", "claude"], payloads[1], env);
    expect(claudeAnswer(r.stdout).hookSpecificOutput.permissionDecision).not.toBe("allow");
  });

  it("malformed stdin, empty stdin, bad arguments: exit 2 with the reason on stderr", async () => {
    for (const [args, input] of [
      [["hook", "claude"], "not json"],
      [["hook", "claude"], ""],
      [["hook", "claude", "--bogus"], payloads[0]],
      [["hook", "nobody"], payloads[0]],
      [["hook"], payloads[0]],
    ] as [string[], string][]) {
      const r = runCli(args, input, env);
      expect(r.status, `${args.join(" ")} <<< ${input.slice(0, 20)}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("blocked");
    }
  });

  it("PostToolUse is recorded and answered with nothing", async () => {
    const post = claudePayload({
      tool: "Bash",
      input: { command: "echo hi" },
      cwd,
      event: "PostToolUse",
      response: { stdout: "hi\n", stderr: "", interrupted: false, isImage: false },
    });
    expect(runCli(["hook", "claude"], post, env)).toEqual({ status: 0, stdout: "", stderr: "" });
  });
});

describe("an ask the agent cannot put to its user (built CLI)", () => {
  it("files a pending approval whose id is in the reason, and `warden pending --json` lists it", () => {
    const env = unconfined(isolatedEnv());
    const cwd = env.HOME;
    const command = "frobnicate-unknown-tool --now";
    const payload = claudePayload({ tool: "Bash", input: { command }, cwd, mode: "bypassPermissions" });
    const r = runCli(["hook", "claude"], payload, env);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const answer = claudeAnswer(r.stdout).hookSpecificOutput;
    expect(answer.permissionDecision).toBe("deny");
    const id = /warden approve ([a-z0-9]+)/.exec(answer.permissionDecisionReason)?.[1];
    expect(id, answer.permissionDecisionReason).toBeDefined();

    const pending = runCli(["pending", "--json"], undefined, env);
    expect(pending.status, pending.stderr).toBe(0);
    const list = JSON.parse(pending.stdout) as { id: string; command?: string; cwd?: string }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, command });

    // The same request again is the same pending approval, not a second one.
    const again = claudeAnswer(runCli(["hook", "claude"], payload, env).stdout).hookSpecificOutput;
    expect(again.permissionDecisionReason).toContain(`warden approve ${id}`);
    expect(JSON.parse(runCli(["pending", "--json"], undefined, env).stdout)).toHaveLength(1);
  });
});

describe("--policy FILE reaches the decision (built CLI)", () => {
  it("a program the policy forbids is denied, not asked, and cannot be approved", () => {
    const env = unconfined(isolatedEnv());
    const cwd = env.HOME;
    const policy = join(cwd, "policy.yaml");
    writeFileSync(policy, "forbidden:\n  - program: frobnicate-unknown-tool\n    reason: not on this host\n");
    const payload = claudePayload({ tool: "Bash", input: { command: "frobnicate-unknown-tool --now" }, cwd });
    expect(
      claudeAnswer(runCli(["hook", "claude"], payload, env).stdout).hookSpecificOutput.permissionDecision,
    ).toBe("ask");
    const r = runCli(["hook", "claude", "--policy", policy], payload, env);
    const answer = claudeAnswer(r.stdout).hookSpecificOutput;
    expect(answer.permissionDecision).toBe("deny");
    expect(answer.permissionDecisionReason).toContain("cannot be approved");
    // A broken policy blocks (exit 2), never falls back to a looser one.
    writeFileSync(policy, "forbidden: [\n");
    expect(runCli(["hook", "claude", "--policy", policy], payload, env).status).toBe(2);
  });
});

describe("the hook path stays lean", () => {
  /** Every chunk a module loads statically (dynamic `import()` is fine: it only runs when needed). */
  function staticClosure(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^import\s[^;]*?from\s*"(\.[^"]+)"/gm))
      staticClosure(join(dirname(file), m[1]!), seen);
    for (const m of text.matchAll(/^import\s*"(\.[^"]+)"/gm)) staticClosure(join(dirname(file), m[1]!), seen);
    return seen;
  }

  it("hook claude/gemini/codex load no MCP SDK, zod or yaml", async () => {
    const chunks = join(dirname(CLI), "chunks");
    const adapters = readdirSync(chunks)
      .filter((f) => /^(hook|claude-code|gemini-cli|codex|fallback)-[A-Z0-9]+\.js$/.test(f))
      .map((f) => join(chunks, f));
    // `warden hook` is also an entry point of its own: what dist/hook.js loads when no daemon answers.
    adapters.push(join(dirname(CLI), "hook-fallback.js"));
    expect(adapters.length).toBeGreaterThanOrEqual(5);
    for (const adapter of adapters) {
      for (const file of staticClosure(adapter)) {
        const text = readFileSync(file, "utf8");
        expect(text, `${adapter} → ${file}`).not.toMatch(/node_modules\/(zod|yaml|@modelcontextprotocol)\//);
      }
    }
  });
});
