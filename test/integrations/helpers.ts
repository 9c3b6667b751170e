// Shared fixtures for the integration tests: real-shaped hook payloads, an isolated state dir, and the
// built CLI spawned exactly as an agent would run the hook command.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../../src/index.ts";
import type { Decision } from "../../src/types.ts";
import { tempDir } from "../tmp.ts";

export const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;

export function requireBuild(): void {
  if (!existsSync(CLI))
    throw new Error("dist/warden.js missing: run `npm run build` (npm test builds first)");
}

/**
 * The user policy of the decision tests: hook confinement off, so an allowed command comes back as it was
 * asked for (test/integrations/confine.test.ts tests the default, confined answers).
 */
export const UNCONFINED_POLICY = "sandbox: {hooks: off}\n";

/** Makes UNCONFINED_POLICY the user policy of `env` (for tests of decisions, not of confinement). */
export function unconfined<T extends NodeJS.ProcessEnv>(env: T): T {
  mkdirSync(env.WARDEN_CONFIG_DIR!, { recursive: true });
  writeFileSync(join(env.WARDEN_CONFIG_DIR!, "policy.yaml"), UNCONFINED_POLICY);
  return env;
}

/** A fresh HOME and state dir, so no test sees another's session files or the user's settings (removed after). */
export function isolatedEnv(): NodeJS.ProcessEnv & { HOME: string; WARDEN_STATE_DIR: string } {
  const home = tempDir("warden-int-");
  return {
    PATH: process.env.PATH,
    HOME: home,
    WARDEN_STATE_DIR: join(home, "state"),
    WARDEN_CONFIG_DIR: join(home, "config"),
  };
}

export function claudePayload(fields: {
  tool: string;
  input: Record<string, unknown>;
  cwd: string;
  event?: string;
  mode?: string;
  session?: string;
  response?: unknown;
}): string {
  const payload: Record<string, unknown> = {
    session_id: fields.session ?? "4f5d2c1e-8a7b-4c3d-9e2f-1a0b9c8d7e6f",
    transcript_path: join(fields.cwd, ".claude-transcript.jsonl"),
    cwd: fields.cwd,
    permission_mode: fields.mode ?? "default",
    hook_event_name: fields.event ?? "PreToolUse",
    tool_name: fields.tool,
    tool_input: fields.input,
    tool_use_id: "toolu_01ABCDEFGHJKLMNPQRSTUVWX",
  };
  if (fields.response !== undefined) payload.tool_response = fields.response;
  return JSON.stringify(payload);
}

/** Warden's decision for a shell command, straight from the library (the reference for every adapter). */
export function shellDecision(command: string, cwd: string, home: string): Decision {
  return evaluate({ kind: "command", command, cwd, env: { HOME: home } }).verdict.decision;
}

export function runCli(args: string[], input: string | undefined, env: NodeJS.ProcessEnv, cwd?: string) {
  requireBuild();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    env,
    cwd,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The hook answer Claude Code reads, parsed. */
export function claudeAnswer(stdout: string): {
  hookSpecificOutput: {
    hookEventName: string;
    permissionDecision: Decision;
    permissionDecisionReason: string;
  };
} {
  return JSON.parse(stdout);
}
