// Claude Code's hook protocol (https://code.claude.com/docs/en/hooks): PreToolUse gets
// {session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name, tool_input, tool_use_id}
// on stdin and answers with exit 0 and
// {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow|deny|ask","permissionDecisionReason":…}}.
// Any exit other than 0 or 2 lets the tool call through, so every failure here is exit 2.
import { join } from "node:path";
import type { FileOp, Request } from "../types.ts";
import {
  type GuardContext,
  type GuardOutcome,
  guard,
  type RequestBase,
  requestBase,
  type Subject,
} from "./guard.ts";
import {
  blocked,
  failure,
  HookInputError,
  type HookResult,
  type Json,
  obj,
  optStr,
  parseObject,
  str,
} from "./hook-io.ts";
import { absolute, commandTouches, recordOutcome, responseText } from "./outcome.ts";
import type { PipelineOptions } from "./pipeline.ts";
import { flushRecords, preparePipeline, record } from "./pipeline.ts";
import { SessionFiles } from "./session-files.ts";

export const AGENT = "claude-code";
const WHAT = "claude hook";

/** Modes in which Claude Code puts a hook's `ask` to the user. In the others an `ask` has been seen to
 * run the tool unasked (bypassPermissions before 2.1.233, auto: anthropics/claude-code#77212, #89561),
 * and dontAsk has no one to ask — so there Warden denies and files a pending approval instead. */
const MODES_THAT_ASK = new Set(["default", "acceptEdits", "plan"]);

/** Tools whose effects stay inside Claude Code; their sub-steps (a sub-agent's tool calls) are hooked too. */
const INERT_TOOLS = new Set([
  "TodoWrite",
  "TodoRead",
  "Task",
  "Agent",
  "ExitPlanMode",
  "EnterPlanMode",
  "AskUserQuestion",
  "BashOutput",
  "KillShell",
  "KillBash",
  "SlashCommand",
  "Skill",
  "WebSearch",
]);

export interface ClaudeHookInput {
  session_id: string;
  transcript_path?: string;
  cwd: string;
  permission_mode?: string;
  hook_event_name: string;
  tool_name?: string;
  tool_input?: Json;
  tool_use_id?: string;
  tool_response?: unknown;
  error?: string;
}

export function parseClaudeInput(text: string): ClaudeHookInput {
  const raw = parseObject(text, WHAT);
  const event = str(raw, "hook_event_name", WHAT);
  const input: ClaudeHookInput = {
    session_id: str(raw, "session_id", WHAT),
    transcript_path: optStr(raw, "transcript_path", WHAT),
    cwd: str(raw, "cwd", WHAT),
    permission_mode: optStr(raw, "permission_mode", WHAT),
    hook_event_name: event,
  };
  if (!input.cwd.startsWith("/")) throw new HookInputError(`${WHAT}: \`cwd\` must be an absolute path`);
  if (event === "PreToolUse" || event === "PostToolUse" || event === "PostToolUseFailure") {
    input.tool_name = str(raw, "tool_name", WHAT);
    input.tool_input = obj(raw, "tool_input", WHAT);
    input.tool_use_id = optStr(raw, "tool_use_id", WHAT);
    input.tool_response = raw.tool_response;
    input.error = typeof raw.error === "string" ? raw.error : undefined;
  }
  return input;
}

function fileRequest(base: RequestBase, tool: string, op: FileOp, path: string): Request {
  return { ...base, kind: "file", op, path: absolute(path, base.cwd), tool };
}

function pathField(input: Json, key: string, tool: string): string {
  const v = input[key];
  if (typeof v !== "string" || v === "")
    throw new HookInputError(`${WHAT}: ${tool} needs \`tool_input.${key}\``);
  return v;
}

/** What one Claude Code tool call asks to do, in Warden's terms. */
export function claudeSubject(tool: string, input: Json, base: RequestBase): Subject {
  switch (tool) {
    case "Bash": {
      const command = pathField(input, "command", tool);
      const description = typeof input.description === "string" ? input.description : undefined;
      return {
        kind: "requests",
        requests: [{ ...base, kind: "command", command, ...(description ? { rationale: description } : {}) }],
      };
    }
    case "Read":
      return {
        kind: "requests",
        requests: [fileRequest(base, tool, "read", pathField(input, "file_path", tool))],
      };
    case "Write":
      return {
        kind: "requests",
        requests: [fileRequest(base, tool, "write", pathField(input, "file_path", tool))],
      };
    case "Edit":
    case "MultiEdit":
      return {
        kind: "requests",
        requests: [fileRequest(base, tool, "edit", pathField(input, "file_path", tool))],
      };
    case "NotebookEdit":
      return {
        kind: "requests",
        requests: [fileRequest(base, tool, "edit", pathField(input, "notebook_path", tool))],
      };
    case "Glob":
    case "Grep": {
      const dir = typeof input.path === "string" && input.path !== "" ? input.path : base.cwd;
      const requests = [fileRequest(base, tool, "read", dir)];
      // Grep shows file contents: a glob such as `.env*` names the files it will read.
      if (tool === "Grep" && typeof input.glob === "string" && input.glob !== "") {
        requests.push(fileRequest(base, tool, "read", join(absolute(dir, base.cwd), input.glob)));
      }
      return { kind: "requests", requests };
    }
    case "WebFetch": {
      const url = pathField(input, "url", tool);
      // TODO(policy, issue 3): the network section of the policy. Until then a fetch is judged as the
      // `curl` of the same URL, so WebFetch and the shell agree.
      return {
        kind: "requests",
        requests: [{ ...base, kind: "command", command: `curl -sSL -- ${quoteUrl(url)}` }],
      };
    }
    default:
      if (INERT_TOOLS.has(tool)) return { kind: "pass", why: `${tool} has no effect outside Claude Code` };
      return { kind: "tool", name: tool, base };
  }
}

function quoteUrl(url: string): string {
  return `'${url.replace(/'/g, `'\\''`)}'`;
}

export interface ClaudeHookOptions extends PipelineOptions {
  env?: NodeJS.ProcessEnv;
}

function answer(outcome: GuardOutcome, toolInput: Json): HookResult {
  if (outcome.decision === "pass") return { stdout: "", stderr: "", exitCode: 0 };
  const out = {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: outcome.decision,
      permissionDecisionReason: outcome.confined
        ? `${outcome.reason} (runs confined by Warden)`
        : outcome.reason,
      // The whole input, with only the command replaced: timeout, description and run_in_background stay.
      ...(outcome.confined ? { updatedInput: { ...toolInput, command: outcome.confined } } : {}),
    },
  };
  return { stdout: `${JSON.stringify(out)}\n`, stderr: "", exitCode: 0 };
}

export function preToolUse(input: ClaudeHookInput, opts: ClaudeHookOptions = {}): HookResult {
  const env = opts.env ?? process.env;
  const base = requestBase({ cwd: input.cwd, agent: AGENT, session: input.session_id, env });
  const subject = claudeSubject(input.tool_name!, input.tool_input!, base);
  const ctx: GuardContext = {
    agent: AGENT,
    session: input.session_id,
    canAsk: MODES_THAT_ASK.has(input.permission_mode ?? "default"),
    tool: input.tool_name,
    options: opts,
    env,
    shell: input.tool_name === "Bash",
  };
  return answer(guard(subject, ctx), input.tool_input!);
}

function touchedBy(tool: string, input: Json, cwd: string): string[] {
  const path = (k: string) => (typeof input[k] === "string" ? [absolute(input[k] as string, cwd)] : []);
  switch (tool) {
    case "Bash":
      return typeof input.command === "string" ? commandTouches(input.command, cwd) : [];
    case "Read":
    case "Write":
    case "Edit":
    case "MultiEdit":
      return path("file_path");
    case "NotebookEdit":
      return path("notebook_path");
    default:
      return [];
  }
}

export function postToolUse(input: ClaudeHookInput, opts: ClaudeHookOptions = {}): HookResult {
  const tool = input.tool_name!;
  const failed = input.hook_event_name === "PostToolUseFailure";
  const response = input.tool_response as Record<string, unknown> | undefined;
  const interrupted = typeof response === "object" && response !== null && response.interrupted === true;
  recordOutcome(
    {
      agent: AGENT,
      session: input.session_id,
      tool,
      status: failed ? "error" : interrupted ? "interrupted" : "ok",
      output: failed ? (input.error ?? "") : responseText(input.tool_response),
      touched: touchedBy(tool, input.tool_input!, input.cwd),
    },
    opts.env,
    opts,
  );
  return { stdout: "", stderr: "", exitCode: 0 };
}

export function sessionEnd(input: ClaudeHookInput, opts: ClaudeHookOptions = {}): HookResult {
  new SessionFiles({ agent: AGENT, session: input.session_id }, opts.env).end();
  record({ type: "session-end", agent: AGENT, session: input.session_id }, opts);
  return { stdout: "", stderr: "", exitCode: 0 };
}

/** The whole hook: stdin text in, the answer out, recorded before it is given. Never throws. */
export async function handleClaudeHook(text: string, opts: ClaudeHookOptions = {}): Promise<HookResult> {
  try {
    const input = parseClaudeInput(text);
    // Only a decision needs the policy and the approval config; the other events stay lean.
    const options =
      input.hook_event_name === "PreToolUse"
        ? await preparePipeline(opts, { cwd: input.cwd, env: opts.env ?? process.env })
        : opts;
    const result = dispatch(input, options);
    await flushRecords(opts.env, opts);
    return result;
  } catch (err) {
    return failure(err);
  }
}

function dispatch(input: ClaudeHookInput, opts: ClaudeHookOptions): HookResult {
  switch (input.hook_event_name) {
    case "PreToolUse":
      return preToolUse(input, opts);
    case "PostToolUse":
    case "PostToolUseFailure":
      return postToolUse(input, opts);
    case "SessionEnd":
      return sessionEnd(input, opts);
    default:
      return blocked(
        `Warden: hook event \`${input.hook_event_name}\` is not one Warden handles; check the hook configuration.`,
      );
  }
}
