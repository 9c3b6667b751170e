// The unlock agent: a short-lived process that holds one decrypted approver key in memory and signs
// approval decisions for clients on a Unix socket only its owner can reach (directory 0700, socket 0600),
// like ssh-agent. It exits after an idle period, on `warden lock`, or on SIGTERM; a dead agent leaves a
// stale socket that clients detect and remove.
//
// Protocol: one JSON object per line each way. {op:"info"} | {op:"sign", data:b64} | {op:"touch"} |
// {op:"lock"}. The agent signs only approval-token bytes (TOKEN_DOMAIN prefix), so the socket is not a
// general-purpose signing oracle.
import { spawn } from "node:child_process";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { stateDir } from "../state.ts";
import { ApprovalError } from "./errors.ts";
import { ensurePrivateDir } from "./files.ts";
import { type UnlockedKey, unlockedKey, validateKeyName } from "./keys.ts";
import { TOKEN_DOMAIN } from "./token.ts";

export const DEFAULT_IDLE_MS = 15 * 60_000;
const MAX_LINE = 64 * 1024;
const CLIENT_TIMEOUT_MS = 10_000;

export function agentSocketPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = join(stateDir(env), "agent", `${validateKeyName(name)}.sock`);
  // sockaddr_un holds 108 bytes; a longer path would fail with an obscure error at bind time.
  if (Buffer.byteLength(path) > 100)
    throw new ApprovalError(
      "agent",
      `socket path too long for a Unix socket: ${path} (set WARDEN_STATE_DIR shorter)`,
    );
  return path;
}

export interface AgentInfo {
  name: string;
  publicKey: string;
  fingerprint: string;
  pid: number;
  /** When the agent exits unless used again (ms since the epoch). */
  expires: number;
}

// ── Server (runs in the agent process) ─────────────────────────────────────────────────────────────

export interface ServeOptions {
  socketPath: string;
  key: UnlockedKey;
  idleMs: number;
  onReady?: () => void;
  /** Called when the agent shuts down (idle, lock, signal). Default: process.exit(0). */
  onExit?: () => void;
}

export async function serveAgent(options: ServeOptions): Promise<{ close: () => void }> {
  const { socketPath, key, idleMs } = options;
  ensurePrivateDir(dirname(socketPath));
  if (existsSync(socketPath)) {
    if (await isAlive(socketPath))
      throw new ApprovalError("agent", `an agent is already listening on ${socketPath}`);
    unlinkSync(socketPath);
  }
  let expires = Date.now() + idleMs;
  let timer: NodeJS.Timeout;
  const server = createServer((socket) => handle(socket));
  let closed = false;
  let locking = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    server.close();
    try {
      unlinkSync(socketPath);
    } catch {}
    (options.onExit ?? (() => process.exit(0)))();
  };
  const touch = (): void => {
    clearTimeout(timer);
    expires = Date.now() + idleMs;
    timer = setTimeout(close, idleMs);
  };
  const info = (): AgentInfo => ({
    name: key.name,
    publicKey: key.publicKey,
    fingerprint: key.fingerprint,
    pid: process.pid,
    expires,
  });

  function handle(socket: Socket): void {
    let buf = "";
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) return socket.destroy();
      let nl = buf.indexOf("\n");
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        socket.write(`${JSON.stringify(answer(line))}\n`);
        if (locking) socket.end();
        nl = buf.indexOf("\n");
      }
    });
  }

  function answer(line: string): Record<string, unknown> {
    let req: { op?: unknown; data?: unknown };
    try {
      req = JSON.parse(line) as typeof req;
    } catch {
      return { ok: false, error: "bad request" };
    }
    switch (req.op) {
      case "info":
        return { ok: true, ...info() };
      case "touch":
        touch();
        return { ok: true, ...info() };
      case "sign": {
        if (typeof req.data !== "string") return { ok: false, error: "bad request" };
        const data = Buffer.from(req.data, "base64");
        if (!data.subarray(0, TOKEN_DOMAIN.length).equals(Buffer.from(TOKEN_DOMAIN)))
          return { ok: false, error: "the agent signs approval decisions only" };
        touch();
        return { ok: true, sig: key.sign(data).toString("base64") };
      }
      case "lock":
        locking = true;
        setImmediate(close);
        return { ok: true };
      default:
        return { ok: false, error: "unknown op" };
    }
  }

  // Under umask 077 the socket is owner-only from its first instant (inside a 0700 directory); the chmod
  // then drops the execute bit Linux gives sockets, leaving exactly 0600.
  const oldMask = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(socketPath, 0o600);
  touch();
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, close);
  options.onReady?.();
  return { close };
}

/**
 * Agent process entry (`warden unlock --serve`): reads {name, key (PKCS#8 DER base64), idleMs, socket}
 * as one line on stdin, serves, and prints `ready <pid>` once the socket accepts connections.
 */
export async function runAgentProcess(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  let setup: { name: string; key: string; idleMs: number; socket: string };
  try {
    setup = JSON.parse(raw.toString("utf8")) as typeof setup;
  } catch {
    process.stderr.write("warden agent: bad setup\n");
    return 4;
  } finally {
    raw.fill(0);
  }
  const der = Buffer.from(setup.key, "base64");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } finally {
    der.fill(0);
  }
  const key = unlockedKey(setup.name, privateKey);
  // The parent closes its ends of the pipes once the agent is ready: writes after that must not kill it.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  await serveAgent({
    socketPath: setup.socket,
    key,
    idleMs: setup.idleMs,
    onReady: () => {
      process.stdout.write(`ready ${process.pid}\n`);
      process.stdout.end();
    },
  });
  // Keep running until the server closes (idle, lock, signal) and calls process.exit.
  return new Promise<number>(() => {});
}

export interface StartAgentOptions {
  name: string;
  privateKey: KeyObject;
  idleMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The command that runs `runAgentProcess` (the CLI passes itself with `unlock --serve`). */
  command: string[];
}

/** Starts an agent process holding `privateKey` and waits until it answers. */
export async function startAgent(options: StartAgentOptions): Promise<AgentInfo> {
  const env = options.env ?? process.env;
  const socket = agentSocketPath(options.name, env);
  ensurePrivateDir(dirname(socket));
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/PASSPHRASE/.test(k)) childEnv[k] = v;
  const [cmd, ...args] = options.command;
  const child = spawn(cmd!, args, { detached: true, stdio: ["pipe", "pipe", "pipe"], env: childEnv });
  const der = options.privateKey.export({ type: "pkcs8", format: "der" });
  const setup = JSON.stringify({
    name: options.name,
    key: der.toString("base64"),
    idleMs: options.idleMs ?? DEFAULT_IDLE_MS,
    socket,
  });
  der.fill(0);
  child.stdin!.end(setup);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new ApprovalError("agent", "the unlock agent did not start in time"));
    }, 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) {
        clearTimeout(timer);
        if (out.startsWith("ready ")) resolve();
        else reject(new ApprovalError("agent", `the unlock agent failed: ${out.trim()}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new ApprovalError(
          "agent",
          `the unlock agent exited (${code}): ${stderr.trim().split("\n").pop() ?? ""}`,
        ),
      );
    });
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  const info = await agentInfo(options.name, env);
  if (!info) throw new ApprovalError("agent", "the unlock agent started but does not answer");
  return info;
}

// ── Client ─────────────────────────────────────────────────────────────────────────────────────────

async function isAlive(socketPath: string): Promise<boolean> {
  try {
    await call(socketPath, { op: "info" }, 2_000);
    return true;
  } catch {
    return false;
  }
}

/** One request/response on the agent socket. Any failure is an ApprovalError("agent"). */
function call(
  socketPath: string,
  request: Record<string, unknown>,
  timeoutMs = CLIENT_TIMEOUT_MS,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buf = "";
    let settled = false;
    const finish = (err: Error | null, value?: Record<string, unknown>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new ApprovalError("agent", "the unlock agent did not answer in time")),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl === -1) return;
      try {
        finish(null, JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      } catch {
        finish(new ApprovalError("agent", "the unlock agent sent a malformed answer"));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) =>
      finish(
        Object.assign(
          new ApprovalError("agent", `cannot reach the unlock agent: ${err.code ?? err.message}`),
          { cause: err },
        ),
      ),
    );
    socket.on("close", () =>
      finish(new ApprovalError("agent", "the unlock agent went away before answering")),
    );
  });
}

/** The running agent for `name`, or null (no socket, or a stale one, which is removed). */
export async function agentInfo(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AgentInfo | null> {
  const socket = agentSocketPath(name, env);
  if (!existsSync(socket)) return null;
  try {
    const res = await call(socket, { op: "info" }, 3_000);
    if (res.ok !== true) return null;
    return res as unknown as AgentInfo;
  } catch (err) {
    const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (code === "ECONNREFUSED" || code === "ENOENT") {
      // The agent died without cleaning up: its socket is a leftover.
      try {
        unlinkSync(socket);
      } catch {}
      return null;
    }
    throw err;
  }
}

export async function agentTouch(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AgentInfo | null> {
  const res = await call(agentSocketPath(name, env), { op: "touch" });
  return res.ok === true ? (res as unknown as AgentInfo) : null;
}

/** Asks the agent to sign approval-token bytes. */
export async function agentSign(
  name: string,
  data: Buffer,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Buffer> {
  const res = await call(agentSocketPath(name, env), { op: "sign", data: data.toString("base64") });
  if (res.ok !== true || typeof res.sig !== "string")
    throw new ApprovalError("agent", `the unlock agent refused: ${String(res.error ?? "unknown error")}`);
  return Buffer.from(res.sig, "base64");
}

/** Ends the agent for `name`. Returns false when none was running. */
export async function agentLock(name: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!(await agentInfo(name, env))) return false;
  const socket = agentSocketPath(name, env);
  try {
    await call(socket, { op: "lock" });
  } catch {
    // It went away while we asked: locked either way.
  }
  return true;
}
