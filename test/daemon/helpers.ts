// A real daemon on a real Unix socket for each test (in this process, or the built CLI as a child), in an
// isolated HOME / state / config, removed afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { call } from "../../src/daemon/client.ts";
import { type Daemon, type DaemonOptions, serve } from "../../src/daemon/server.ts";
import { tempDir } from "../tmp.ts";

export const CLI = new URL("../../dist/warden.js", import.meta.url).pathname;
export const HOOK = new URL("../../dist/hook.js", import.meta.url).pathname;

export type TestEnv = NodeJS.ProcessEnv & {
  HOME: string;
  WARDEN_STATE_DIR: string;
  WARDEN_CONFIG_DIR: string;
  WARDEN_SOCKET: string;
};

export function daemonEnv(): TestEnv {
  const home = tempDir("warden-daemon-");
  return {
    PATH: process.env.PATH,
    HOME: home,
    USER: "agent",
    WARDEN_STATE_DIR: join(home, "state"),
    WARDEN_CONFIG_DIR: join(home, "config"),
    WARDEN_SOCKET: join(home, "run", "w.sock"),
  };
}

/** serve() in this process; closed when the test ends. */
export async function startInProcess(
  env: TestEnv = daemonEnv(),
  options: Partial<DaemonOptions> = {},
): Promise<{ env: TestEnv; daemon: Daemon }> {
  const daemon = await serve({ socket: env.WARDEN_SOCKET, env, ...options });
  onTestFinished(() => daemon.close());
  return { env, daemon };
}

/** The built CLI's `warden daemon` as a child process; killed when the test ends. */
export async function startChild(env: TestEnv, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "daemon", "--socket", env.WARDEN_SOCKET, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  // Awaited, so the daemon cannot write into the test's HOME after the tree is removed.
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  });
  await waitFor(
    async () => (await call(env.WARDEN_SOCKET, "/v1/health").catch(() => null))?.status === 200,
    10_000,
    () => `daemon did not start: ${stderr}`,
  );
  return child;
}

/** A child given `input` on stdin, with what it printed and its exit status. */
export function runWithInput(
  command: string,
  args: string[],
  input: string,
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c));
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin!.end(input);
  });
}

export async function waitFor(
  ok: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  why: () => string = () => "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${why()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signals a process that is not our child and waits until it is gone (its shutdown may still write files). */
export async function stopPid(pid: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  // A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, signal);
  await waitFor(
    () => !alive(),
    10_000,
    () => `pid ${pid} still running after ${signal}`,
  );
}

export async function postJson(
  socket: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const r = await call(socket, path, { body: JSON.stringify(body), headers });
  return { status: r.status, json: JSON.parse(r.text) as Record<string, unknown>, headers: r.headers };
}

export async function getJson(socket: string, path: string) {
  const r = await call(socket, path);
  return { status: r.status, json: JSON.parse(r.text) as Record<string, unknown> };
}
