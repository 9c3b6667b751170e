// `warden install|uninstall claude|gemini|codex`: merge Warden's hook entries into the agent's settings
// without touching anything else (other hooks, permissions, unknown keys), write a backup before any
// change, and on uninstall remove exactly the entries Warden added.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { type Agent, type HookGroups, hookEntries, isWardenHook } from "./hook-entries.ts";
import { unifiedDiff } from "./text-diff.ts";

export type Scope = "user" | "project" | "local";

type Json = Record<string, unknown>;

export interface Locations {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function settingsPath(agent: Agent, scope: Scope, { env, cwd }: Locations): string {
  const home = env.HOME || homedir();
  switch (agent) {
    case "claude":
      if (scope === "user") return join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), "settings.json");
      return join(cwd, ".claude", scope === "local" ? "settings.local.json" : "settings.json");
    case "gemini":
      if (scope === "local")
        throw new Error("Gemini CLI has no local settings scope; use --user or --project");
      return scope === "user"
        ? join(env.GEMINI_CLI_HOME || home, ".gemini", "settings.json")
        : join(cwd, ".gemini", "settings.json");
    case "codex":
      if (scope === "local") throw new Error("Codex has no local settings scope; use --user or --project");
      return scope === "user"
        ? join(env.CODEX_HOME || join(home, ".codex"), "hooks.json")
        : join(cwd, ".codex", "hooks.json");
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Removes Warden's hook entries; containers are dropped only when Warden's removal emptied them. */
export function removeHooks(settings: Json, agent: Agent): Json {
  const out = clone(settings);
  const hooks = out.hooks;
  if (!isObject(hooks)) return out;
  let touchedHooks = false;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    let touchedEvent = false;
    const kept: unknown[] = [];
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group.hooks)) {
        kept.push(group);
        continue;
      }
      const remaining = group.hooks.filter((h) => !isWardenHook(h, agent));
      if (remaining.length === group.hooks.length) {
        kept.push(group);
        continue;
      }
      touchedEvent = true;
      if (remaining.length > 0) kept.push({ ...group, hooks: remaining });
    }
    if (!touchedEvent) continue;
    touchedHooks = true;
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  if (touchedHooks && Object.keys(hooks).length === 0) delete out.hooks;
  return out;
}

/** Adds Warden's entries (replacing any earlier ones), leaving everything else as it was. */
export function addHooks(settings: Json, agent: Agent, command: string): Json {
  const out = removeHooks(settings, agent);
  const ours: HookGroups = hookEntries(agent, command);
  if (out.hooks !== undefined && !isObject(out.hooks))
    throw new Error("`hooks` in the settings file is not an object");
  const hooks = (out.hooks ?? {}) as Json;
  for (const [event, groups] of Object.entries(ours)) {
    const existing = hooks[event];
    if (existing !== undefined && !Array.isArray(existing))
      throw new Error(`\`hooks.${event}\` in the settings file is not a list`);
    hooks[event] = [...((existing as unknown[] | undefined) ?? []), ...groups];
  }
  out.hooks = hooks;
  return out;
}

export function readSettings(file: string): { text: string | null; json: Json } {
  if (!existsSync(file)) return { text: null, json: {} };
  const text = readFileSync(file, "utf8");
  if (text.trim() === "") return { text, json: {} };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); fix it first, Warden will not rewrite it`,
    );
  }
  if (!isObject(json)) throw new Error(`${file} does not hold a JSON object`);
  return { text, json };
}

export function renderSettings(json: Json): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** One file an install or uninstall would write (or delete, when `after` is null). */
export interface FileChange {
  file: string;
  before: string | null;
  after: string | null;
}

export function changed(c: FileChange): boolean {
  return c.before !== c.after;
}

export function planSettings(
  agent: Agent,
  file: string,
  action: "install" | "uninstall",
  command: string,
): FileChange {
  const { text, json } = readSettings(file);
  const next = action === "install" ? addHooks(json, agent, command) : removeHooks(json, agent);
  const rendered = renderSettings(next);
  // Unchanged content keeps the user's own formatting: only rewrite when the meaning changes.
  if (text !== null && JSON.stringify(next) === JSON.stringify(json))
    return { file, before: text, after: text };
  if (text === null && action === "uninstall") return { file, before: null, after: null };
  return { file, before: text, after: rendered };
}

export function diffOf(c: FileChange): string {
  if (!changed(c)) return "";
  if (c.after === null) return `--- ${c.file}\n+++ /dev/null (deleted)\n`;
  return unifiedDiff(c.before ?? "", c.after, c.file);
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

/** Writes the change; returns the backup's path when an existing file was replaced. */
export function applyChange(c: FileChange, now = new Date()): string | undefined {
  if (!changed(c)) return undefined;
  let backup: string | undefined;
  if (c.before !== null && existsSync(c.file)) {
    backup = `${c.file}.warden-backup-${stamp(now)}`;
    copyFileSync(c.file, backup);
  }
  if (c.after === null) {
    unlinkSync(c.file);
    return backup;
  }
  mkdirSync(dirname(c.file), { recursive: true });
  const tmp = `${c.file}.warden-tmp-${process.pid}`;
  writeFileSync(tmp, c.after, { mode: 0o600 });
  renameSync(tmp, c.file);
  return backup;
}

/** The installed Claude Code's version, if `claude` is on PATH. */
export function claudeVersion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync("claude", ["--version"], { env, encoding: "utf8", timeout: 5000 });
  if (r.status !== 0) return undefined;
  return /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
}

/** Claude Code honours `onFailure: "block"` from 2.1.295 (its changelog); earlier releases ignore it. */
export function supportsOnFailure(version: string): boolean {
  const [a = 0, b = 0, c = 0] = version.split(".").map(Number);
  return a > 2 || (a === 2 && (b > 1 || (b === 1 && c >= 295)));
}

/** Files Warden owns outright beside the settings (Gemini policy TOML, Codex rules). */
export function ownedFilePath(agent: Agent, scope: Scope, loc: Locations): string | undefined {
  const settings = settingsPath(agent, scope, loc);
  if (agent === "gemini") return join(dirname(settings), "policies", "warden.toml");
  if (agent === "codex") return join(dirname(settings), "rules", "warden.rules");
  return undefined;
}

const OWNED_MARK = "# Generated by `warden policy export";

export function planOwnedFile(file: string, action: "install" | "uninstall", content: string): FileChange {
  const before = existsSync(file) ? readFileSync(file, "utf8") : null;
  if (before !== null && !before.startsWith(OWNED_MARK)) {
    throw new Error(`${file} exists and was not written by Warden; move it aside first`);
  }
  return { file, before, after: action === "install" ? content : null };
}
