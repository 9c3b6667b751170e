// Where Warden keeps state on disk (DESIGN.md §6). WARDEN_STATE_DIR overrides everything (tests, CI).
import { homedir } from "node:os";
import { join } from "node:path";

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARDEN_STATE_DIR) return env.WARDEN_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "warden");
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARDEN_CONFIG_DIR) return env.WARDEN_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "warden");
}
