// Claude Code PreToolUse / PostToolUse / SessionEnd: recorded, real-shaped payloads for every covered tool,
// checked against the exact answer Claude Code reads.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { claudeSubject, handleClaudeHook } from "../../src/integrations/claude-code.ts";
import { requestBase } from "../../src/integrations/guard.ts";
import { evaluateRequest } from "../../src/integrations/pipeline.ts";
import type { Decision } from "../../src/types.ts";
import { claudeAnswer, claudePayload, isolatedEnv, shellDecision, unconfined } from "./helpers.ts";

let env: ReturnType<typeof isolatedEnv>;
let project: string;

beforeEach(() => {
  env = unconfined(isolatedEnv());
  project = join(env.HOME, "project");
  mkdirSync(join(project, "src"), { recursive: true });
});

async function pre(tool: string, input: Record<string, unknown>, mode = "default") {
  return await handleClaudeHook(claudePayload({ tool, input, cwd: project, mode }), { env });
}

function expectAnswer(result: Awaited<ReturnType<typeof pre>>, decision: Decision) {
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toBe("");
  expect(claudeAnswer(result.stdout)).toEqual({
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: decision,
      permissionDecisionReason: expect.any(String),
    },
  });
}

function fileDecision(op: "read" | "write" | "edit", path: string): Decision {
  return evaluateRequest({ kind: "file", op, path, cwd: project, env: { HOME: env.HOME } }).verdict.decision;
}

describe("claude hook: PreToolUse answers per tool", () => {
  it("Bash: the command's verdict, with the description recorded as the agent's rationale", async () => {
    const r = await pre("Bash", { command: "git status", description: "Show working tree status" });
    expectAnswer(r, shellDecision("git status", project, env.HOME));
    const reason = claudeAnswer(r.stdout).hookSpecificOutput.permissionDecisionReason;
    expect(reason).toMatch(/^Warden/);
    if (claudeAnswer(r.stdout).hookSpecificOutput.permissionDecision === "ask")
      expect(reason).toContain("Show working tree status");
  });

  it("Read: a file read of file_path", async () => {
    const path = join(project, "src/index.ts");
    expectAnswer(await pre("Read", { file_path: path }), fileDecision("read", path));
  });

  it("Read(.env) and `cat .env` get the same answer", async () => {
    const read = claudeAnswer((await pre("Read", { file_path: join(project, ".env") })).stdout)
      .hookSpecificOutput.permissionDecision;
    const cat = claudeAnswer((await pre("Bash", { command: "cat .env", description: "Read env" })).stdout)
      .hookSpecificOutput.permissionDecision;
    expect(read).toBe(cat);
    expect(read).not.toBe("allow");
  });

  it("Write, Edit, MultiEdit, NotebookEdit: file operations on file_path / notebook_path", async () => {
    const file = join(project, "src/new.ts");
    expectAnswer(
      await pre("Write", { file_path: file, content: "export const x = 1;\n" }),
      fileDecision("write", file),
    );
    expectAnswer(
      await pre("Edit", { file_path: file, old_string: "x = 1", new_string: "x = 2" }),
      fileDecision("edit", file),
    );
    expectAnswer(
      await pre("MultiEdit", {
        file_path: file,
        edits: [
          { old_string: "a", new_string: "b" },
          { old_string: "c", new_string: "d", replace_all: true },
        ],
      }),
      fileDecision("edit", file),
    );
    const nb = join(project, "analysis.ipynb");
    expectAnswer(
      await pre("NotebookEdit", {
        notebook_path: nb,
        cell_id: "cell-3",
        new_source: "print(1)",
        edit_mode: "replace",
      }),
      fileDecision("edit", nb),
    );
  });

  it("Glob and Grep: reads of their path (the cwd when absent)", async () => {
    expectAnswer(await pre("Glob", { pattern: "**/*.ts" }), fileDecision("read", project));
    expectAnswer(
      await pre("Grep", { pattern: "TODO", path: join(project, "src"), output_mode: "content" }),
      fileDecision("read", join(project, "src")),
    );
  });

  it("WebFetch: judged like fetching the URL from the shell", async () => {
    const url = "https://example.com/docs/api";
    expectAnswer(
      await pre("WebFetch", { url, prompt: "Summarise the API" }),
      shellDecision(`curl -sSL -- '${url}'`, project, env.HOME),
    );
  });

  it("mcp__* and unknown tools: the policy's default for a tool no rule knows", async () => {
    const expected = shellDecision("frobnicate_unknown_tool_zz", project, env.HOME);
    expectAnswer(
      await pre("mcp__github__create_issue", { owner: "acme", repo: "web", title: "x" }),
      expected,
    );
    expectAnswer(await pre("SomeFutureTool", { anything: 1 }), expected);
  });

  it("tools with no effect outside Claude Code get no decision (Claude's own flow)", async () => {
    const r = await pre("TodoWrite", { todos: [{ content: "x", status: "pending", activeForm: "Doing x" }] });
    expect(r).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  });
});

describe("claude hook: how the tool call is read", () => {
  const base = () => requestBase({ cwd: project, agent: "claude-code", session: "s", env });

  it("maps each tool to the request Warden judges", async () => {
    expect(claudeSubject("Write", { file_path: "rel/a.txt", content: "" }, base())).toMatchObject({
      kind: "requests",
      requests: [{ kind: "file", op: "write", path: join(project, "rel/a.txt"), tool: "Write" }],
    });
    expect(
      claudeSubject("NotebookEdit", { notebook_path: "/n.ipynb", new_source: "" }, base()),
    ).toMatchObject({
      requests: [{ kind: "file", op: "edit", path: "/n.ipynb" }],
    });
    const grep = claudeSubject("Grep", { pattern: "KEY", path: project, glob: ".env*" }, base());
    expect(grep).toMatchObject({
      requests: [
        { op: "read", path: project },
        { op: "read", path: join(project, ".env*") },
      ],
    });
    expect(claudeSubject("Bash", { command: "ls", description: "List" }, base())).toMatchObject({
      requests: [{ kind: "command", command: "ls", rationale: "List" }],
    });
    expect(claudeSubject("mcp__db__query", { sql: "select 1" }, base())).toMatchObject({
      kind: "tool",
      name: "mcp__db__query",
    });
  });
});

describe("claude hook: permission modes", () => {
  // A program no rule knows gets the policy's `unknown` risk, which the built-in mapping sends to ask.
  const askCommand = "frobnicate-unknown-tool --now";

  it("bypassPermissions does not switch Warden off: an ask becomes a deny the user can approve", async () => {
    expect(shellDecision(askCommand, project, env.HOME)).toBe("ask");
    expectAnswer(await pre("Bash", { command: askCommand }, "default"), "ask");
    for (const mode of ["bypassPermissions", "dontAsk", "auto"]) {
      const r = await pre("Bash", { command: askCommand }, mode);
      expectAnswer(r, "deny");
      expect(claudeAnswer(r.stdout).hookSpecificOutput.permissionDecisionReason).toMatch(
        /needs a human's approval.*warden approve [a-z0-9]+/,
      );
    }
  });
});

describe("claude hook: failures block (exit 2, reason on stderr)", () => {
  const cases: [string, string][] = [
    ["not JSON", "{ this is not json"],
    ["an array", "[]"],
    [
      "no tool_input",
      JSON.stringify({ session_id: "s", cwd: "/tmp", hook_event_name: "PreToolUse", tool_name: "Bash" }),
    ],
    ["relative cwd", claudePayload({ tool: "Bash", input: { command: "ls" }, cwd: "tmp" })],
    ["Bash without command", claudePayload({ tool: "Bash", input: {}, cwd: "/tmp" })],
    [
      "an event Warden does not handle",
      claudePayload({ tool: "Bash", input: { command: "ls" }, cwd: "/tmp", event: "Stop" }),
    ],
  ];
  for (const [name, input] of cases) {
    it(name, async () => {
      const r = await handleClaudeHook(input, { env });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/Warden/);
    });
  }
});

describe("claude hook: read-before-delete", () => {
  const session = "session-read-before-delete";
  const call = async (
    tool: string,
    input: Record<string, unknown>,
    event = "PreToolUse",
    response?: unknown,
  ) =>
    await handleClaudeHook(claudePayload({ tool, input, cwd: project, event, session, response }), { env });
  const reason = (r: Awaited<ReturnType<typeof call>>) =>
    claudeAnswer(r.stdout).hookSpecificOutput.permissionDecisionReason;

  it("overwriting an existing file the session has not read asks, and says why", async () => {
    const file = join(project, "notes.md");
    writeFileSync(file, "the user's notes\n");
    const r = await call("Write", { file_path: file, content: "replaced" });
    expect(claudeAnswer(r.stdout).hookSpecificOutput.permissionDecision).not.toBe("allow");
    expect(reason(r)).toContain("neither read nor created");
    expect(reason(r)).toContain(file);
  });

  it("after the session read the file, overwriting it is ordinary work", async () => {
    const file = join(project, "notes.md");
    writeFileSync(file, "the user's notes\n");
    expect(
      await call("Read", { file_path: file }, "PostToolUse", {
        type: "text",
        file: { filePath: file, content: "the user's notes\n" },
      }),
    ).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
    });
    const r = await call("Write", { file_path: file, content: "replaced" });
    expect(reason(r)).not.toContain("neither read nor created");
    expectAnswer(r, fileDecision("write", file));
  });

  it("rm and mv over an unseen file raise it too; files the session created do not", async () => {
    const theirs = join(project, "data.csv");
    writeFileSync(theirs, "a,b\n");
    expect(reason(await call("Bash", { command: "rm data.csv" }))).toContain("neither read nor created");
    writeFileSync(join(project, "out.csv"), "x\n");
    expect(reason(await call("Bash", { command: "mv out.csv data.csv" }))).toContain("data.csv");
    // The session writes out.csv itself; later replacing it is fine.
    await call("Bash", { command: "touch out.csv" }, "PostToolUse", {
      stdout: "",
      stderr: "",
      interrupted: false,
      isImage: false,
    });
    expect(reason(await call("Bash", { command: "rm out.csv" }))).not.toContain("neither read nor created");
  });

  it("a new file is not an overwrite", async () => {
    expect(
      reason(await call("Write", { file_path: join(project, "brand-new.ts"), content: "" })),
    ).not.toContain("neither read nor created");
  });

  it("SessionEnd forgets the session", async () => {
    const file = join(project, "seen.txt");
    writeFileSync(file, "x");
    await call("Read", { file_path: file }, "PostToolUse", "x");
    const dir = join(env.WARDEN_STATE_DIR, "sessions");
    expect(readdirSync(dir)).toHaveLength(1);
    const end = await handleClaudeHook(
      JSON.stringify({
        session_id: session,
        transcript_path: "/tmp/t",
        cwd: project,
        permission_mode: "default",
        hook_event_name: "SessionEnd",
        reason: "exit",
      }),
      { env },
    );
    expect(end.exitCode).toBe(0);
    expect(existsSync(dir) ? readdirSync(dir) : []).toHaveLength(0);
  });
});

describe("claude hook: the audit log", () => {
  function records(): Record<string, unknown>[] {
    const file = join(env.WARDEN_STATE_DIR, "audit", "current.jsonl");
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it("PreToolUse records the decision before answering; PostToolUse the outcome, redacted", async () => {
    await pre("Bash", { command: "git log -1", description: "Show the last commit" });
    const [decision] = records();
    expect(decision).toMatchObject({
      type: "decision",
      agent: { name: "claude-code" },
      command: "git log -1",
      rationale: "Show the last commit",
      details: { tool: "Bash" },
    });
    const secret = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    const post = await handleClaudeHook(
      claudePayload({
        tool: "Bash",
        input: { command: "cat .env" },
        cwd: project,
        event: "PostToolUse",
        response: { stdout: secret, stderr: "", interrupted: false, isImage: false },
      }),
      { env },
    );
    expect(post.exitCode).toBe(0);
    const end = records()[1]!;
    expect(end).toMatchObject({ type: "end", details: { tool: "Bash", status: "ok" } });
    const stdout = end.stdout as { bytes: number; sha256: string; head: string };
    expect(stdout.bytes).toBe(Buffer.byteLength(secret));
    expect(stdout.sha256).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(stdout.head).not.toContain("wJalrXUtnFEMI");
    expect(JSON.stringify(records())).not.toContain("wJalrXUtnFEMI");
  });

  it("an audit log that cannot be written blocks the tool call", async () => {
    writeFileSync(join(env.HOME, "not-a-dir"), "");
    const r = await handleClaudeHook(
      claudePayload({ tool: "Bash", input: { command: "ls" }, cwd: project }),
      {
        env: { ...env, WARDEN_STATE_DIR: join(env.HOME, "not-a-dir", "state") },
      },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
  });
});
