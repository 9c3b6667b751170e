// `warden mcp` driven by the MCP SDK's own client over stdio, against the built CLI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI, isolatedEnv, requireBuild, shellDecision } from "./helpers.ts";

beforeAll(requireBuild);

type Elicit = "accept" | "decline" | "none";
const clients: Client[] = [];

async function connect(
  workspace: string,
  env: NodeJS.ProcessEnv,
  elicit: Elicit,
  sandbox: "auto" | "off" = "off",
): Promise<{ client: Client; asked: string[] }> {
  const client = new Client(
    { name: "warden-test", version: "1.0.0" },
    { capabilities: elicit === "none" ? {} : { elicitation: {} } },
  );
  const asked: string[] = [];
  if (elicit !== "none") {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      return elicit === "accept" ? { action: "accept", content: { approve: true } } : { action: "decline" };
    });
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp", `--sandbox=${sandbox}`, "--cwd", workspace, "--timeout", "20"],
    env: env as Record<string, string>,
    stderr: "pipe",
  });
  await client.connect(transport);
  clients.push(client);
  return { client, asked };
}

afterEach(async () => {
  while (clients.length) await clients.pop()!.close();
});

function setup() {
  const env = isolatedEnv();
  const workspace = join(env.HOME, "ws");
  mkdirSync(workspace);
  return { env, workspace };
}

interface Logged {
  type: string;
  request_id?: string;
  sandbox?: string;
  exit?: number | null;
  agent?: { name: string };
  files_changed?: { path: string; change: string }[];
  stdout?: { bytes: number; sha256: string };
}

/** The audit events the server wrote, in order. */
function auditEvents(env: NodeJS.ProcessEnv): Logged[] {
  const dir = join(env.WARDEN_STATE_DIR!, "audit");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl") && f !== "checkpoints.jsonl")
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l) as Logged);
}

const textOf = (r: Awaited<ReturnType<Client["callTool"]>>) =>
  (r.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

describe("warden mcp", () => {
  it("lists the four guarded tools with input schemas", async () => {
    const { env, workspace } = setup();
    const { client } = await connect(workspace, env, "none");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "check_command",
      "read_file",
      "run_command",
      "write_file",
    ]);
    expect(tools.find((t) => t.name === "run_command")!.inputSchema.required).toEqual(["command"]);
  });

  it("check_command returns the library's verdict and runs nothing", async () => {
    const { env, workspace } = setup();
    const { client } = await connect(workspace, env, "none");
    const r = await client.callTool({ name: "check_command", arguments: { command: "touch made-by-check" } });
    expect(r.structuredContent).toMatchObject({
      decision: shellDecision("touch made-by-check", workspace, env.HOME),
    });
    expect(existsSync(join(workspace, "made-by-check"))).toBe(false);
  });

  it("ask path with elicitation: the user approves, the command runs, output comes back", async () => {
    const { env, workspace } = setup();
    const { client, asked } = await connect(workspace, env, "accept");
    const command = "frobnicate-unknown-tool 2>/dev/null; echo ran > marker.txt; echo hello";
    const r = await client.callTool({
      name: "run_command",
      arguments: { command, description: "testing the ask path" },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("testing the ask path");
    expect(r.isError).toBe(false);
    expect(textOf(r)).toContain("exit status 0 (unconfined)");
    expect(textOf(r)).toContain("hello");
    expect(readFileSync(join(workspace, "marker.txt"), "utf8")).toBe("ran\n");
    const start = auditEvents(env).find((e) => e.type === "start");
    expect(start).toMatchObject({ sandbox: "off (--sandbox=off)", agent: { name: "mcp" } });
  });

  it("run_command runs in the sandbox: an approved command still cannot write outside the workspace", async () => {
    const { env, workspace } = setup();
    // The default policy lets /tmp and /var/tmp be written (and /tmp is private inside), so the user's policy
    // makes this directory read-only: the sandbox must then bind the real directory read-only.
    const dir = join(env.HOME, "read-only");
    mkdirSync(dir);
    mkdirSync(env.WARDEN_CONFIG_DIR!, { recursive: true });
    writeFileSync(
      join(env.WARDEN_CONFIG_DIR!, "policy.yaml"),
      `paths:\n  entries:\n    - {path: "${dir}/**", permission: read}\n`,
    );
    const outside = join(dir, "outside.txt");
    const { client } = await connect(workspace, env, "accept", "auto");
    // python3 -c is opaque to the analysis, so it is asked about; the user says yes; the sandbox still holds.
    const command = `echo made > made.txt; python3 -c "open('${outside}', 'w')" 2>/dev/null || echo blocked-outside`;
    const r = await client.callTool({ name: "run_command", arguments: { command } });
    expect(existsSync(outside)).toBe(false);
    expect(textOf(r)).toContain("exit status 0 (sandbox)");
    expect(textOf(r)).toContain("blocked-outside");
    expect(readFileSync(join(workspace, "made.txt"), "utf8")).toBe("made\n");
    const events = auditEvents(env);
    const start = events.find((e) => e.type === "start")!;
    const end = events.find((e) => e.type === "end")!;
    expect(start).toMatchObject({ sandbox: "bwrap", agent: { name: "mcp" } });
    expect(end.request_id).toBe(start.request_id);
    expect(end.exit).toBe(0);
    expect(end.files_changed).toEqual([{ path: "made.txt", change: "created" }]);
    expect(end.stdout?.bytes).toBe("blocked-outside\n".length);
    const verified = spawnSync(process.execPath, [CLI, "audit", "verify"], { env, encoding: "utf8" });
    expect(verified.status, verified.stderr + verified.stdout).toBe(0);
  });

  it("run_command: a secret the user approved reading is readable in the sandbox for that command only", async () => {
    const { env, workspace } = setup();
    writeFileSync(join(workspace, ".env"), "API_KEY=TOPSECRET-MCP\n");
    const { client, asked } = await connect(workspace, env, "accept", "auto");
    const approved = await client.callTool({ name: "run_command", arguments: { command: "cat .env" } });
    expect(asked).toHaveLength(1);
    expect(textOf(approved)).toContain("TOPSECRET-MCP");
    // grep is allowed without asking, so nobody approved .env for it: the sandbox keeps it hidden.
    const unasked = await client.callTool({
      name: "run_command",
      arguments: { command: "grep -r TOPSECRET ." },
    });
    expect(asked).toHaveLength(1);
    expect(textOf(unasked)).not.toContain("TOPSECRET-MCP");
  });

  it("ask path: a declined prompt runs nothing", async () => {
    const { env, workspace } = setup();
    const { client } = await connect(workspace, env, "decline");
    const r = await client.callTool({
      name: "run_command",
      arguments: { command: "frobnicate-unknown-tool; touch marker" },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain("declined");
    expect(existsSync(join(workspace, "marker"))).toBe(false);
  });

  it("ask path without elicitation: not run, the agent is told a human must decide", async () => {
    const { env, workspace } = setup();
    const { client } = await connect(workspace, env, "none");
    const r = await client.callTool({
      name: "run_command",
      arguments: { command: "frobnicate-unknown-tool; touch marker" },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/needs a human's approval.*warden approve [a-z0-9]+/);
    expect(existsSync(join(workspace, "marker"))).toBe(false);
  });

  it("deny path: rm -rf / never runs, whatever the client answers", async () => {
    const { env, workspace } = setup();
    const { client } = await connect(workspace, env, "none");
    const r = await client.callTool({
      name: "run_command",
      arguments: { command: "touch marker && rm -rf /" },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/Warden blocked/);
    expect(existsSync(join(workspace, "marker"))).toBe(false);
  });

  it("read_file / write_file go through path permissions; .env is never read unasked", async () => {
    const { env, workspace } = setup();
    writeFileSync(join(workspace, ".env"), "API_KEY=sk-test-123456789012345678901234\n");
    const { client } = await connect(workspace, env, "none");
    const secret = await client.callTool({ name: "read_file", arguments: { path: ".env" } });
    expect(secret.isError).toBe(true);
    expect(textOf(secret)).not.toContain("sk-test");

    const { client: approving } = await connect(workspace, env, "accept");
    const w = await approving.callTool({
      name: "write_file",
      arguments: { path: "out/new.txt", content: "fresh\n" },
    });
    expect(textOf(w)).toContain("wrote 6 bytes");
    expect(readFileSync(join(workspace, "out/new.txt"), "utf8")).toBe("fresh\n");
    const back = await approving.callTool({ name: "read_file", arguments: { path: "out/new.txt" } });
    expect(textOf(back)).toBe("fresh\n");
  });
});
