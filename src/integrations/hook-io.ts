// The shape every agent hook shares: a JSON document on stdin, an answer on stdout/stderr and an exit code.
// Agents treat most exit codes as "the hook broke, carry on", so every failure here must become the
// agent's blocking answer (exit 2 for Claude Code, Gemini CLI and Codex), never a crash.
import { readFileSync } from "node:fs";

/** Larger payloads (a Write of a huge file) are refused rather than half-read. */
export const MAX_HOOK_INPUT_BYTES = 16 * 1024 * 1024;

export interface HookResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The exit code Claude Code, Gemini CLI and Codex all read as "block, and show stderr as the reason". */
export const BLOCKING_EXIT = 2;

export class HookInputError extends Error {}

export function blocked(reason: string): HookResult {
  return { stdout: "", stderr: `${reason}\n`, exitCode: BLOCKING_EXIT };
}

/** Reads all of stdin. Synchronous on purpose: it is the fastest way to take a pipe whole. */
/** Any failure to check a tool call blocks it, with the reason where the agent shows it. */
export function failure(err: unknown): HookResult {
  const detail =
    err instanceof HookInputError
      ? err.message
      : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return blocked(`Warden could not check this tool call, so it is blocked (${detail}).`);
}

export async function readStdin(): Promise<string> {
  try {
    const buf = readFileSync(0);
    if (buf.length > MAX_HOOK_INPUT_BYTES)
      throw new HookInputError(`hook input larger than ${MAX_HOOK_INPUT_BYTES} bytes`);
    return buf.toString("utf8");
  } catch (err) {
    if (err instanceof HookInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EAGAIN" && code !== "EOF") throw err;
  }
  // A non-blocking stdin (some terminals and IDE hosts) cannot be read synchronously.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_HOOK_INPUT_BYTES)
      throw new HookInputError(`hook input larger than ${MAX_HOOK_INPUT_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export type Json = Record<string, unknown>;

export function parseObject(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HookInputError(`${what}: stdin is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HookInputError(`${what}: stdin is not a JSON object`);
  }
  return value as Json;
}

export function str(obj: Json, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== "string") throw new HookInputError(`${what}: \`${key}\` must be a string`);
  return v;
}

export function optStr(obj: Json, key: string, what: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new HookInputError(`${what}: \`${key}\` must be a string`);
  return v;
}

export function obj(parent: Json, key: string, what: string): Json {
  const v = parent[key];
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new HookInputError(`${what}: \`${key}\` must be an object`);
  return v as Json;
}
