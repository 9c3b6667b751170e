// The built CLI run as the agents run the hook command: `node dist/warden.js hook AGENT` with the payload
// on stdin. Also checks that the hook path loads nothing heavy (no MCP SDK, zod or yaml).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { handleClaudeHook } from "../../src/integrations/claude-code.ts";
import { CLI, claudeAnswer, claudePayload, isolatedEnv, requireBuild, runCli } from "./helpers.ts";

beforeAll(requireBuild);

describe("warden hook claude (built CLI)", () => {
  const env = isolatedEnv();
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
    const adapters = readdirSync(chunks).filter((f) =>
      /^(hook|claude-code|gemini-cli|codex)-[A-Z0-9]+\.js$/.test(f),
    );
    expect(adapters.length).toBeGreaterThanOrEqual(4);
    for (const adapter of adapters) {
      for (const file of staticClosure(join(chunks, adapter))) {
        const text = readFileSync(file, "utf8");
        expect(text, `${adapter} → ${file}`).not.toMatch(/node_modules\/(zod|yaml|@modelcontextprotocol)\//);
      }
    }
  });
});
