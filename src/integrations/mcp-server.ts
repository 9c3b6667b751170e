// `warden mcp`: an MCP stdio server whose tools go through the same guard as the agent hooks.
// run_command: analyse → decide → approve (MCP elicitation when the client offers it, otherwise a pending
// approval id) → run → record. check_command: the verdict only. read_file / write_file: path permissions.
// The MCP SDK and zod load only here, never on the hook path.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { z } from "zod";
import type { Request, Verdict } from "../types.ts";
import { approveOrFile, type GuardOutcome, guard, requestBase, type Subject } from "./guard.ts";
import { decisiveFindings } from "./messages.ts";
import { commandTouches, recordOutcome, rememberTouched } from "./outcome.ts";
import {
  evaluateRequest,
  flushRecords,
  type PipelineOptions,
  preparePipeline,
  type RunOptions,
  record,
  runCommand,
} from "./pipeline.ts";

export const AGENT = "mcp";
/** Files larger than this are not returned whole to the agent. */
export const MAX_READ_BYTES = 1024 * 1024;

export interface McpServerOptions extends PipelineOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  run: RunOptions;
  version?: string;
}

type ToolResult = {
  content: { type: "text"; text: string }[];
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
};

function text(t: string, isError = false): ToolResult {
  return isError
    ? { content: [{ type: "text", text: t }], isError: true }
    : { content: [{ type: "text", text: t }] };
}

export function createWardenMcpServer(opts: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: "warden", version: opts.version ?? "0.1.0" },
    { capabilities: { tools: {} } },
  );
  // One stdio connection is one agent session for read-before-delete tracking.
  const session = randomUUID();
  const env = opts.env ?? process.env;
  /** The policy and approval config, loaded once (on the first tool call) for the server's workspace. */
  const ready = () => preparePipeline(opts, { cwd: opts.cwd, env });
  const context = async () => ({ agent: AGENT, session, canAsk: true, options: await ready(), env });

  const base = (cwd: string | undefined, rationale?: string) =>
    requestBase({ cwd: cwd ? resolve(opts.cwd, cwd) : opts.cwd, agent: AGENT, session, env, rationale });

  /** Resolves an `ask` with the human at the client, or files a pending approval. */
  /** `approved`: the verdict a human said yes to (its paths are not hidden in the sandbox for that run). */
  type Settled = { go: true; approved?: Verdict } | { go: false; result: ToolResult };

  async function settle(outcome: GuardOutcome): Promise<Settled> {
    const settled = await decideWithHuman(outcome);
    // The decision is on disk before anything runs or the agent hears of it.
    await flushRecords(env);
    return settled;
  }

  async function decideWithHuman(outcome: GuardOutcome): Promise<Settled> {
    if (outcome.decision === "allow")
      return outcome.approvedBy !== undefined && outcome.verdict
        ? { go: true, approved: outcome.verdict }
        : { go: true };
    if (outcome.decision === "deny") return { go: false, result: text(outcome.reason, true) };
    if (outcome.decision !== "ask") return { go: true };
    const request = outcome.request!;
    const verdict = outcome.verdict!;
    if (server.server.getClientCapabilities()?.elicitation) {
      const answer = await server.server.elicitInput({
        message: outcome.reason,
        requestedSchema: {
          type: "object",
          properties: {
            approve: { type: "boolean", title: "Allow it", description: "Run this exactly as shown" },
          },
          required: ["approve"],
        },
      });
      const approved = answer.action === "accept" && answer.content?.approve === true;
      record({
        type: "request",
        agent: AGENT,
        session,
        request: { ...request, env: undefined },
        decision: approved ? "allow" : "deny",
      });
      if (approved) return { go: true, approved: verdict };
      return { go: false, result: text(`The user declined: ${outcome.reason}`, true) };
    }
    const settled = approveOrFile(request, verdict, { options: await ready(), env });
    record({
      type: "request",
      agent: AGENT,
      session,
      request: { ...request, env: undefined },
      decision: settled.decision,
      approvalId: settled.approvalId,
    });
    if (settled.decision === "allow") return { go: true, approved: verdict };
    return { go: false, result: text(settled.reason, true) };
  }

  server.registerTool(
    "check_command",
    {
      title: "Check a shell command",
      description:
        "Warden's verdict (allow / ask / deny, risk, reasons) for a shell command, without running it.",
      inputSchema: { command: z.string().min(1), cwd: z.string().optional() },
    },
    async ({ command, cwd }) => {
      const request: Request = { ...base(cwd), kind: "command", command };
      const { verdict } = evaluateRequest(request, await ready());
      const summary = {
        decision: verdict.decision,
        risk: verdict.risk,
        forbidden: verdict.forbidden,
        findings: decisiveFindings(verdict).map((f) => ({ risk: f.risk, rule: f.rule, reason: f.reason })),
        reasons: verdict.reasons,
      };
      return {
        content: [{ type: "text", text: JSON.stringify(summary, null, 2) }],
        structuredContent: summary,
      };
    },
  );

  server.registerTool(
    "run_command",
    {
      title: "Run a shell command under Warden",
      description:
        "Runs a shell command after Warden's policy check. Risky commands need the user's approval; denied ones do not run. Returns exit status, stdout and stderr (long output is cut).",
      inputSchema: {
        command: z.string().min(1),
        cwd: z.string().optional(),
        description: z
          .string()
          .optional()
          .describe("Why you want to run it; shown to the user when approval is needed"),
      },
    },
    async ({ command, cwd, description }) => {
      const request = { ...base(cwd, description), kind: "command" as const, command };
      const settled = await settle(guard({ kind: "requests", requests: [request] }, await context()));
      if (!settled.go) return settled.result;
      let result: Awaited<ReturnType<typeof runCommand>>;
      try {
        // start/end events (exit, output digests, workspace changes) are written by the runner itself.
        result = await runCommand(request, opts.run, await ready(), settled.approved);
      } catch (err) {
        return text(`Warden did not run the command: ${(err as Error).message}`, true);
      }
      if (result.exitCode === 0)
        rememberTouched({ agent: AGENT, session, touched: commandTouches(command, request.cwd) }, env);
      const status = result.timedOut
        ? `timed out after ${opts.run.timeoutMs / 1000} s`
        : result.signal
          ? `killed by ${result.signal}`
          : `exit status ${result.exitCode}`;
      const parts = [`${status} (${result.mode})`, ...result.notes.map((n) => `warden: ${n}`)];
      if (result.stdout) parts.push(`--- stdout ---\n${result.stdout}`);
      if (result.stderr) parts.push(`--- stderr ---\n${result.stderr}`);
      if (result.truncated) parts.push(`[output cut at ${opts.run.maxOutputBytes} bytes per stream]`);
      return {
        content: [{ type: "text", text: parts.join("\n") }],
        isError: result.exitCode !== 0,
        structuredContent: {
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          truncated: result.truncated,
          mode: result.mode,
        },
      };
    },
  );

  server.registerTool(
    "read_file",
    {
      title: "Read a file under Warden",
      description: "Reads a text file if Warden's path permissions allow it.",
      inputSchema: { path: z.string().min(1) },
    },
    async ({ path }) => {
      const b = base(undefined);
      const abs = resolve(b.cwd, path);
      const subject: Subject = {
        kind: "requests",
        requests: [{ ...b, kind: "file", op: "read", path: abs, tool: "read_file" }],
      };
      const settled = await settle(guard(subject, await context()));
      if (!settled.go) return settled.result;
      try {
        const size = statSync(abs).size;
        if (size > MAX_READ_BYTES)
          return text(`${abs} is ${size} bytes; read_file returns files up to ${MAX_READ_BYTES} bytes`, true);
        const content = readFileSync(abs, "utf8");
        recordOutcome(
          { agent: AGENT, session, tool: "read_file", status: "ok", output: content, touched: [abs] },
          env,
        );
        await flushRecords(env);
        return text(content);
      } catch (err) {
        return text(`cannot read ${abs}: ${(err as Error).message}`, true);
      }
    },
  );

  server.registerTool(
    "write_file",
    {
      title: "Write a file under Warden",
      description:
        "Creates or replaces a text file if Warden's path permissions allow it. Replacing a file you have not read needs approval.",
      inputSchema: { path: z.string().min(1), content: z.string() },
    },
    async ({ path, content }) => {
      const b = base(undefined);
      const abs = resolve(b.cwd, path);
      const subject: Subject = {
        kind: "requests",
        requests: [{ ...b, kind: "file", op: "write", path: abs, tool: "write_file" }],
      };
      const settled = await settle(guard(subject, await context()));
      if (!settled.go) return settled.result;
      try {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, content);
        recordOutcome(
          { agent: AGENT, session, tool: "write_file", status: "ok", output: "", touched: [abs] },
          env,
        );
        await flushRecords(env);
        return text(`wrote ${Buffer.byteLength(content)} bytes to ${abs}`);
      } catch (err) {
        return text(`cannot write ${abs}: ${(err as Error).message}`, true);
      }
    },
  );

  return server;
}

export async function serveStdio(
  opts: McpServerOptions,
  transport: Transport = new StdioServerTransport(),
): Promise<McpServer> {
  // A policy or approvers file that does not load stops the server before it serves anything.
  const server = createWardenMcpServer(
    await preparePipeline(opts, { cwd: opts.cwd, env: opts.env ?? process.env }),
  );
  await server.connect(transport);
  return server;
}
