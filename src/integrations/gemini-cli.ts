// Gemini CLI's hook protocol (https://geminicli.com/docs/hooks/reference): BeforeTool gets
// {session_id, transcript_path, cwd, hook_event_name, timestamp, tool_name, tool_input} and answers
// {"decision":"allow"|"deny","reason":…} on stdout (exit 0), or exit 2 with the reason on stderr.
// A hook cannot ask: asking lives in Gemini's TOML policy engine (see export-gemini.ts). So an `ask`
// verdict becomes a deny carrying a pending-approval id, unless the user chose to let Gemini's own
// confirmation decide (`--ask=native`), in which case the hook gives no decision at all.
import { join, resolve } from "node:path";
import type { FileOp, Request } from "../types.ts";
import { type GuardOutcome, guard, type RequestBase, requestBase, type Subject } from "./guard.ts";
import {
  blocked,
  failure,
  HookInputError,
  type HookResult,
  type Json,
  obj,
  parseObject,
  str,
} from "./hook-io.ts";
import { absolute, commandTouches, recordOutcome, responseText } from "./outcome.ts";
import { flushRecords, type PipelineOptions, preparePipeline } from "./pipeline.ts";

export const AGENT = "gemini-cli";
const WHAT = "gemini hook";

const INERT_TOOLS = new Set(["google_web_search", "write_todos", "save_memory", "activate_skill"]);

export type AskMode = "deny" | "native";

export interface GeminiHookOptions extends PipelineOptions {
  env?: NodeJS.ProcessEnv;
  /** What to do with an `ask` verdict: deny with a pending approval (default), or leave it to Gemini. */
  ask?: AskMode;
}

function firstString(input: Json, keys: string[]): string | undefined {
  for (const k of keys) if (typeof input[k] === "string" && input[k] !== "") return input[k] as string;
  return undefined;
}

function needPath(input: Json, keys: string[], tool: string): string {
  const p = firstString(input, keys);
  if (p === undefined) throw new HookInputError(`${WHAT}: ${tool} needs \`tool_input.${keys[0]}\``);
  return p;
}

function file(base: RequestBase, tool: string, op: FileOp, path: string): Request {
  return { ...base, kind: "file", op, path: absolute(path, base.cwd), tool };
}

const PATH_KEYS = ["file_path", "absolute_path", "path"];
const DIR_KEYS = ["dir_path", "path", "directory"];

export function geminiSubject(tool: string, input: Json, base: RequestBase): Subject {
  switch (tool) {
    case "run_shell_command": {
      const command = needPath(input, ["command"], tool);
      const dir = firstString(input, ["dir_path", "directory"]);
      const cwd = dir ? resolve(base.cwd, dir) : base.cwd;
      const rationale = typeof input.description === "string" ? input.description : undefined;
      return {
        kind: "requests",
        requests: [{ ...base, cwd, kind: "command", command, ...(rationale ? { rationale } : {}) }],
      };
    }
    case "read_file":
      return { kind: "requests", requests: [file(base, tool, "read", needPath(input, PATH_KEYS, tool))] };
    case "write_file":
      return { kind: "requests", requests: [file(base, tool, "write", needPath(input, PATH_KEYS, tool))] };
    case "replace":
    case "edit":
      return { kind: "requests", requests: [file(base, tool, "edit", needPath(input, PATH_KEYS, tool))] };
    case "read_many_files": {
      const paths = [input.paths, input.include]
        .flatMap((v) => (Array.isArray(v) ? v : []))
        .filter((p): p is string => typeof p === "string");
      if (paths.length === 0) throw new HookInputError(`${WHAT}: read_many_files needs \`tool_input.paths\``);
      return { kind: "requests", requests: paths.map((p) => file(base, tool, "read", p)) };
    }
    case "glob":
    case "list_directory":
    case "search_file_content":
    case "grep_search": {
      const dir = firstString(input, DIR_KEYS) ?? base.cwd;
      const requests = [file(base, tool, "read", dir)];
      const include = firstString(input, ["include"]);
      if (include && tool !== "glob" && tool !== "list_directory")
        requests.push(file(base, tool, "read", join(absolute(dir, base.cwd), include)));
      return { kind: "requests", requests };
    }
    case "web_fetch": {
      const text = firstString(input, ["prompt", "url"]) ?? "";
      const urls = text.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
      if (urls.length === 0) return { kind: "tool", name: tool, base };
      // TODO(policy, issue 3): the policy's network section; until then a fetch is judged as its `curl`.
      return {
        kind: "requests",
        requests: urls.map((u) => ({
          ...base,
          kind: "command",
          command: `curl -sSL -- '${u.replace(/'/g, `'\\''`)}'`,
        })),
      };
    }
    default:
      if (INERT_TOOLS.has(tool)) return { kind: "pass", why: `${tool} has no effect outside Gemini CLI` };
      return { kind: "tool", name: tool, base };
  }
}

function answer(outcome: GuardOutcome): HookResult {
  switch (outcome.decision) {
    case "allow": {
      // BeforeTool's hookSpecificOutput.tool_input merges into the model's arguments: only the command changes.
      const out = outcome.confined
        ? {
            decision: "allow",
            hookSpecificOutput: { hookEventName: "BeforeTool", tool_input: { command: outcome.confined } },
          }
        : { decision: "allow" };
      return { stdout: `${JSON.stringify(out)}\n`, stderr: "", exitCode: 0 };
    }
    case "deny":
      return {
        stdout: `${JSON.stringify({ decision: "deny", reason: outcome.reason })}\n`,
        stderr: "",
        exitCode: 0,
      };
    default:
      // `pass`, or an `ask` the user chose to leave to Gemini's own confirmation: no decision.
      return { stdout: "{}\n", stderr: "", exitCode: 0 };
  }
}

function touched(tool: string, input: Json, cwd: string): string[] {
  if (tool === "run_shell_command" && typeof input.command === "string")
    return commandTouches(input.command, cwd);
  if (["read_file", "write_file", "replace", "edit"].includes(tool)) {
    const p = firstString(input, PATH_KEYS);
    return p ? [absolute(p, cwd)] : [];
  }
  return [];
}

export async function handleGeminiHook(text: string, opts: GeminiHookOptions = {}): Promise<HookResult> {
  try {
    const result = await decideGeminiHook(text, opts);
    await flushRecords(opts.env, opts);
    return result;
  } catch (err) {
    return failure(err);
  }
}

async function decideGeminiHook(text: string, opts: GeminiHookOptions): Promise<HookResult> {
  const raw = parseObject(text, WHAT);
  const event = str(raw, "hook_event_name", WHAT);
  const session = str(raw, "session_id", WHAT);
  const cwd = str(raw, "cwd", WHAT);
  if (!cwd.startsWith("/")) throw new HookInputError(`${WHAT}: \`cwd\` must be an absolute path`);
  const tool = str(raw, "tool_name", WHAT);
  const input = obj(raw, "tool_input", WHAT);
  const env = opts.env ?? process.env;
  if (event === "BeforeTool") {
    const options = await preparePipeline(opts, { cwd, env });
    const base = requestBase({ cwd, agent: AGENT, session, env });
    const outcome = guard(geminiSubject(tool, input, base), {
      agent: AGENT,
      session,
      canAsk: opts.ask === "native",
      tool,
      options,
      env,
      shell: tool === "run_shell_command",
    });
    return answer(outcome);
  }
  if (event === "AfterTool") {
    const response = raw.tool_response as Json | undefined;
    const error = response && typeof response === "object" ? response.error : undefined;
    const output =
      response && typeof response === "object" && "llmContent" in response
        ? responseText(response.llmContent)
        : responseText(response);
    recordOutcome(
      {
        agent: AGENT,
        session,
        tool,
        status: error ? "error" : "ok",
        output,
        touched: touched(tool, input, cwd),
      },
      env,
      opts,
    );
    return { stdout: "{}\n", stderr: "", exitCode: 0 };
  }
  return blocked(`Warden: hook event \`${event}\` is not one Warden handles; check the hook configuration.`);
}
