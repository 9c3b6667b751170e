// Codex CLI's hooks (https://developers.openai.com/codex/hooks) use Claude Code's wire format, but Codex
// enforces only a deny from PreToolUse: `allow` and `ask` are parsed and fall through. So Warden answers a
// deny with exit 2 and the reason on stderr (the form every Codex release with hooks honours), says
// nothing for allow, and turns an `ask` into a deny with a pending-approval id — unless the user chose to
// let Codex's own approval flow (its `.rules`, see export-codex.ts) decide (`--ask=native`).
import { resolve } from "node:path";
import type { Request } from "../types.ts";
import type { AskMode } from "./gemini-cli.ts";
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
import { commandTouches, recordOutcome, responseText } from "./outcome.ts";
import { flushRecords, type PipelineOptions, preparePipeline, shellQuote } from "./pipeline.ts";

export const AGENT = "codex";
const WHAT = "codex hook";

export interface CodexHookOptions extends PipelineOptions {
  env?: NodeJS.ProcessEnv;
  ask?: AskMode;
}

/** Codex has sent the shell command both as a string and as argv (`["bash","-lc","…"]`). */
export function codexCommand(value: unknown): string {
  if (typeof value === "string" && value !== "") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) {
    const argv = value as string[];
    if (argv.length === 3 && /(^|\/)(ba|z|da|k)?sh$/.test(argv[0]!) && /^-l?c$/.test(argv[1]!))
      return argv[2]!;
    return argv.map(shellQuote).join(" ");
  }
  throw new HookInputError(`${WHAT}: Bash needs \`tool_input.command\``);
}

export interface PatchFile {
  op: "add" | "update" | "delete" | "move";
  path: string;
}

/** The files an `apply_patch` envelope touches (`*** Add File: p`, `*** Update File:`, `*** Delete File:`, `*** Move to:`). */
export function patchFiles(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  for (const line of patch.split("\n")) {
    const m = /^\*\*\* (Add File|Update File|Delete File|Move to): (.+?)\s*$/.exec(line);
    if (!m) continue;
    const op = (
      { "Add File": "add", "Update File": "update", "Delete File": "delete", "Move to": "move" } as const
    )[m[1] as "Add File"];
    files.push({ op, path: m[2]! });
  }
  return files;
}

const SHELL_TOOLS = new Set(["Bash", "shell", "exec_command", "local_shell"]);

const PATCH_OP = { add: "write", update: "edit", delete: "delete", move: "write" } as const;

export function codexSubject(tool: string, input: Json, base: RequestBase): Subject {
  if (SHELL_TOOLS.has(tool)) {
    const command = codexCommand(input.command ?? input.cmd);
    const workdir = typeof input.workdir === "string" ? resolve(base.cwd, input.workdir) : base.cwd;
    return { kind: "requests", requests: [{ ...base, cwd: workdir, kind: "command", command }] };
  }
  if (tool === "apply_patch" || tool === "Edit" || tool === "Write") {
    const patch =
      typeof input.command === "string"
        ? input.command
        : typeof input.input === "string"
          ? input.input
          : undefined;
    if (patch === undefined)
      throw new HookInputError(`${WHAT}: apply_patch needs the patch in \`tool_input.command\``);
    const files = patchFiles(patch);
    // A patch Warden cannot read is not a patch it can vouch for.
    if (files.length === 0) throw new HookInputError(`${WHAT}: apply_patch names no file Warden can read`);
    const requests: Request[] = files.map((f) => ({
      ...base,
      kind: "file",
      op: PATCH_OP[f.op],
      path: resolve(base.cwd, f.path),
      tool: "apply_patch",
    }));
    return { kind: "requests", requests };
  }
  return { kind: "tool", name: tool, base };
}

function answer(outcome: GuardOutcome, input: Json): HookResult {
  if (outcome.decision === "deny") return blocked(outcome.reason);
  if (outcome.decision === "allow" && outcome.confined) {
    // Codex ≥ 0.131 applies updatedInput together with permissionDecision "allow" (openai/codex#20527); an
    // argv-shaped command becomes the shell running the confined string.
    const command = Array.isArray(input.command) ? ["bash", "-c", outcome.confined] : outcome.confined;
    const out = {
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "allow",
        permissionDecisionReason: `${outcome.reason} (runs confined by Warden)`,
        updatedInput: { ...input, command },
      },
    };
    return { stdout: `${JSON.stringify(out)}\n`, stderr: "", exitCode: 0 };
  }
  return { stdout: "", stderr: "", exitCode: 0 };
}

function touched(tool: string, input: Json, cwd: string): string[] {
  if (tool === "Bash" || tool === "shell" || tool === "exec_command") {
    try {
      return commandTouches(codexCommand(input.command ?? input.cmd), cwd);
    } catch {
      return [];
    }
  }
  if (tool === "apply_patch" && typeof input.command === "string")
    return patchFiles(input.command).map((f) => resolve(cwd, f.path));
  return [];
}

export async function handleCodexHook(text: string, opts: CodexHookOptions = {}): Promise<HookResult> {
  try {
    const result = await decideCodexHook(text, opts);
    await flushRecords(opts.env, opts);
    return result;
  } catch (err) {
    return failure(err);
  }
}

async function decideCodexHook(text: string, opts: CodexHookOptions): Promise<HookResult> {
  const raw = parseObject(text, WHAT);
  const event = str(raw, "hook_event_name", WHAT);
  const session = str(raw, "session_id", WHAT);
  const cwd = str(raw, "cwd", WHAT);
  if (!cwd.startsWith("/")) throw new HookInputError(`${WHAT}: \`cwd\` must be an absolute path`);
  const tool = str(raw, "tool_name", WHAT);
  const input = obj(raw, "tool_input", WHAT);
  const env = opts.env ?? process.env;
  if (event === "PreToolUse") {
    const options = await preparePipeline(opts, { cwd, env });
    const base = requestBase({ cwd, agent: AGENT, session, env });
    return answer(
      guard(codexSubject(tool, input, base), {
        agent: AGENT,
        session,
        canAsk: opts.ask === "native",
        tool,
        options,
        env,
        // Only a command Codex hands over as `command` can be replaced (not `cmd` of exec_command).
        shell: SHELL_TOOLS.has(tool) && input.command !== undefined,
      }),
      input,
    );
  }
  if (event === "PostToolUse") {
    recordOutcome(
      {
        agent: AGENT,
        session,
        tool,
        status: "ok",
        output: responseText(raw.tool_response),
        touched: touched(tool, input, cwd),
      },
      env,
      opts,
    );
    return { stdout: "", stderr: "", exitCode: 0 };
  }
  return blocked(`Warden: hook event \`${event}\` is not one Warden handles; check the hook configuration.`);
}
