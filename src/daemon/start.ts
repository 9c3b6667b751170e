// On-demand start (`daemon: auto`): a client that found no daemon starts one, detached, for the calls
// after it (this call is decided in-process). Two guards keep it to one daemon: a start lock (exclusive
// create, stale after 10 s) so a burst of hooks spawns one process, and the daemon's own lock on
// `<socket>.lock`, which a second daemon cannot take (it exits at once).
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { socketPath } from "./paths.ts";

const STALE_MS = 10_000;

/** dist/warden.js beside the running script (warden.js, hook.js or hook-fallback.js all live in dist/). */
export function cliScript(script = process.argv[1]): string | undefined {
  if (!script) return undefined;
  let path = script;
  try {
    path = realpathSync(script);
  } catch {}
  return /\.(m|c)?js$/.test(path) ? join(dirname(path), "warden.js") : undefined;
}

/** Starts `warden daemon` in the background unless another client just did; true if this one did. */
export function startDaemon(env: NodeJS.ProcessEnv = process.env, script = cliScript()): boolean {
  if (!script) return false;
  const socket = socketPath(env);
  const lock = `${socket}.starting`;
  try {
    mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
    let fd: number;
    try {
      fd = openSync(lock, "wx", 0o600);
    } catch {
      if (Date.now() - statSync(lock).mtimeMs < STALE_MS) return false;
      unlinkSync(lock);
      fd = openSync(lock, "wx", 0o600);
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
  } catch {
    return false;
  }
  const child = spawn(process.execPath, [script, "daemon", "--socket", socket], {
    detached: true,
    stdio: "ignore",
    env: { ...env, WARDEN_DAEMON_STARTED_BY: String(process.pid) },
  });
  child.on("error", () => {});
  child.unref();
  return true;
}
