// `warden daemon`: one resident process that owns the loaded policy layers (policies.ts), the one audit-log
// writer (group commit across all clients; an answer leaves only after its events are durable), the
// approval store and the session file tracking, served as HTTP/1.1 + JSON on a Unix socket (docs/api.md).
// Every limit is explicit: body size, header and idle timeouts, connections. A request that cannot be
// decided (no good policy, audit log down) gets an error, never a guess.
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  unlinkSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { dirname } from "node:path";
import type { z } from "zod";
import type { AuditLog } from "../audit/log.ts";
import type { AuditEvent } from "../audit/record.ts";
import { evaluate } from "../index.ts";
import type { Recorder } from "../integrations/pipeline.ts";
import { configDir, stateDir } from "../state.ts";
import type { Request } from "../types.ts";
import { call, DaemonUnreachable } from "./client.ts";
import { hookHandler } from "./fallback.ts";
import { ENV_HEADER } from "./hook-forward.ts";
import { Metrics } from "./metrics.ts";
import { type Peer, peerReader } from "./peer.ts";
import { Policies } from "./policies.ts";
import {
  approvalBody,
  evaluateBody,
  openApiDocument,
  runEventsBody,
  ticketRedeemBody,
  zodReason,
} from "./schemas.ts";

export interface Limits {
  /** Largest request body (default 1 MiB; hook payloads of huge Writes are refused, not half-read). */
  bodyBytes: number;
  /** Time allowed for a request's headers to arrive (default 5 s). */
  headersMs: number;
  /** Time allowed for a whole request to arrive (default 15 s). */
  requestMs: number;
  /** A connection with no traffic for this long is closed (default 10 s). */
  idleMs: number;
  /** Connections beyond this are refused at accept (default 2048). */
  connections: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyBytes: 1 << 20,
  headersMs: 5_000,
  requestMs: 15_000,
  idleMs: 10_000,
  connections: 2048,
};

export interface DaemonOptions {
  socket: string;
  env?: NodeJS.ProcessEnv;
  limits?: Partial<Limits>;
  /** Quiet time after which the audit writer signs a checkpoint (default 250 ms). */
  checkpointIdleMs?: number;
  /** See Policies: a policy file younger than this may still be being written (default 100 ms). */
  settleMs?: number;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
  /**
   * System mode (`warden daemon --system`): the daemon runs as its own user; `socket` is the agents' socket,
   * made group-accessible to `agentGroup`, on which human-only operations are refused; those are served on
   * `adminSocket` (0600, or 0660 to `adminGroup`). Every connection's peer is read from the kernel, and the
   * daemon does not start when it cannot be.
   */
  system?: { agentGroup: number; adminSocket: string; adminGroup?: number | undefined };
}

/** Which socket a request came in on: the user-mode socket (its owner), or system mode's two. */
export type Role = "owner" | "agent" | "admin";

export interface Daemon {
  socket: string;
  metrics: Metrics;
  close(): Promise<void>;
}

const VERSION = process.env.WARDEN_VERSION ?? "0.1.0";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message.replace(/\s+/g, " ").trim());
  }
}

/**
 * Refuses a directory another user could write (they could swap the socket, or the log, for their own).
 * `shared`: other users must reach the socket in it (system mode), so it may be traversable, never writable.
 */
function ownDir(dir: string, shared: boolean): void {
  mkdirSync(dir, { recursive: true, mode: shared ? 0o755 : 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (process.getuid && st.uid !== process.getuid())
    throw new Error(`${dir} belongs to uid ${st.uid}, not to this user: refusing to use it`);
  const open = shared ? 0o022 : 0o077;
  if ((st.mode & open) !== 0) chmodSync(dir, st.mode & 0o777 & ~open);
}

/** The single-daemon lock: held for the daemon's life; the kernel drops it when the process dies. */
async function takeLock(socket: string): Promise<number> {
  const { tryLockFd } = await import("../audit/lock.ts");
  const path = `${socket}.lock`;
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  if (!tryLockFd(fd, path)) {
    closeSync(fd);
    throw new AlreadyRunning(`another warden daemon holds ${path}`);
  }
  return fd;
}

export class AlreadyRunning extends Error {}

async function removeStaleSocket(socket: string): Promise<void> {
  try {
    lstatSync(socket);
  } catch {
    return;
  }
  try {
    await call(socket, "/v1/health", { timeoutMs: 1000 });
    throw new AlreadyRunning(`a daemon already answers on ${socket}`);
  } catch (err) {
    if (err instanceof AlreadyRunning) throw err;
    if (!(err instanceof DaemonUnreachable)) throw err;
  }
  unlinkSync(socket); // left by a daemon that died; we hold the lock, so nobody is binding it now
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > limit)
    return Promise.reject(new HttpError(413, "payload-too-large", `body larger than ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        reject(new HttpError(413, "payload-too-large", `body larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function requireJson(req: IncomingMessage): void {
  const type = String(req.headers["content-type"] ?? "");
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new HttpError(
      415,
      "unsupported-media-type",
      `content type must be application/json (got '${type || "none"}')`,
    );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "malformed-json", `malformed JSON: ${(err as Error).message}`);
  }
}

function validated<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, "invalid-body", zodReason(r.error));
  return r.data;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; version=0.0.4" : "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") out[k] = v;
  return out;
}

export async function serve(options: DaemonOptions): Promise<Daemon> {
  const env = options.env ?? process.env;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const say = options.log ?? (() => {});
  const socket = options.socket;
  const metrics = new Metrics();
  const started = Date.now();

  const system = options.system;
  // The kernel's word on who connected. System mode has no other way to tell agents from the log's owner.
  const readPeer = await peerReader();
  if (system && typeof readPeer !== "function")
    throw new Error(`system mode needs each caller's uid from the kernel: ${readPeer.error}`);
  ownDir(dirname(socket), system !== undefined);
  if (system) {
    ownDir(dirname(system.adminSocket), true);
    // The log, keys, approvals and tickets: this user's alone, whatever the directory was before.
    ownDir(stateDir(env), false);
  }
  const lockFd = await takeLock(socket);
  let log: AuditLog;
  let policies: Policies;
  try {
    await removeStaleSocket(socket);
    const { open, defaultAuditDir, defaultKeyDir } = await import("../audit/log.ts");
    log = await open(defaultAuditDir(env), {
      keyDir: defaultKeyDir(env),
      checkpointIdleMs: options.checkpointIdleMs ?? 250,
      onCommit: ({ records, ms }) => metrics.commit(records, ms),
    });
    policies = new Policies(env, {
      settleMs: options.settleMs ?? 100,
      onReload: (files, problem) => {
        metrics.policyProblems = policies.problems().length;
        if (problem) say("warn", "policy reload failed; the last good policy stays in force", { ...problem });
        else say("info", "policy loaded", { files });
      },
    });
  } catch (err) {
    closeSync(lockFd);
    throw err;
  }
  const daemonEnv = stringEnv(env);
  // State and configuration are the daemon's, whatever the client's environment says.
  const stateEnv = { WARDEN_STATE_DIR: stateDir(env), WARDEN_CONFIG_DIR: configDir(env) };

  const warnings = (): string[] =>
    policies
      .problems()
      .map(
        (p) =>
          `policy ${p.files.join(", ")} failed to load since ${p.since} (${p.message}); the last good policy is in force`,
      );
  const withWarnings = <T extends object>(body: T): T & { warnings?: string[] } => {
    const w = warnings();
    return w.length > 0 ? { ...body, warnings: w } : body;
  };

  const connections = new WeakMap<Socket, { role: Role; peer: Peer | undefined }>();
  const caller = (req: IncomingMessage) => connections.get(req.socket) ?? { role: "owner", peer: undefined };
  /** System mode: what an agent may not do on its socket (approve, loosen the policy, forge approvals). */
  const humansOnly = (req: IncomingMessage, what: string): void => {
    if (caller(req).role === "agent")
      throw new HttpError(
        403,
        "forbidden",
        `${what} is for humans: use the admin socket, not the agents' socket`,
      );
  };

  /** Every event says who sent it, as the kernel saw the connection; a client's own `peer` never counts. */
  const append = async (events: AuditEvent[], req: IncomingMessage) => {
    const { role, peer } = caller(req);
    const stamped = events.map((e) => {
      const { peer: _claimed, ...rest } = e as AuditEvent & { peer?: unknown };
      return peer ? { ...rest, peer: { ...peer, socket: role } } : rest;
    });
    metrics.auditQueue += stamped.length;
    try {
      return await log.appendMany(stamped);
    } finally {
      metrics.auditQueue -= stamped.length;
    }
  };

  const recorder = (req: IncomingMessage): Recorder => {
    const events: AuditEvent[] = [];
    return {
      add(event) {
        if (event.type === "decision" && typeof event.decision === "string") metrics.decision(event.decision);
        events.push(event);
      },
      async flush() {
        if (events.length > 0) await append(events.splice(0), req);
      },
    };
  };

  const clientEnv = (req: IncomingMessage): NodeJS.ProcessEnv => {
    const header = req.headers[ENV_HEADER];
    if (header === undefined) return { ...env, ...stateEnv };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(String(header), "base64").toString("utf8"));
    } catch {
      throw new HttpError(400, "bad-request", `${ENV_HEADER} is not base64 of a JSON object`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new HttpError(400, "bad-request", `${ENV_HEADER} is not base64 of a JSON object`);
    return { ...stringEnv(parsed as NodeJS.ProcessEnv), ...stateEnv };
  };

  const preparer = (where: { cwd: string; env: NodeJS.ProcessEnv; policyFile: string | undefined }) =>
    policies.prepare(where);

  type Handler = (req: IncomingMessage, url: URL) => Promise<[number, unknown]>;
  const post = async (req: IncomingMessage): Promise<unknown> => {
    requireJson(req);
    return parseJson(await readBody(req, limits.bodyBytes));
  };

  const routes: Record<string, Partial<Record<"GET" | "POST", Handler>>> = {
    "/v1/health": {
      GET: async (req) => {
        const problems = policies.problems();
        const { role, peer } = caller(req);
        return [
          200,
          {
            status: problems.length > 0 ? "degraded" : "ok",
            version: VERSION,
            api: "v1",
            pid: process.pid,
            uptime_s: Math.round((Date.now() - started) / 1000),
            mode: system ? "system" : "user",
            socket,
            // Clients of a system daemon judge with its policy (exec must hash the same one its tickets name).
            ...(system ? { config_dir: configDir(env) } : {}),
            you: { socket: role, ...(peer ?? {}) },
            policy: { loaded: policies.loaded(), problems },
            audit: { dir: log.dir, seq: log.head().seq, queue_depth: metrics.auditQueue },
          },
        ];
      },
    },
    "/v1/openapi.json": { GET: async () => [200, openApiDocument(VERSION)] },
    "/metrics": { GET: async () => [200, metrics.text()] },
    "/v1/evaluate": {
      POST: async (req) => {
        const body = validated(evaluateBody, await post(req));
        if (body.policy_file !== undefined) humansOnly(req, "judging by another policy file");
        if (body.yolo) humansOnly(req, "yolo");
        let prepared: Awaited<ReturnType<Policies["prepare"]>>;
        try {
          prepared = await policies.prepare({ cwd: body.request.cwd, env, policyFile: body.policy_file });
        } catch (err) {
          throw new HttpError(503, "policy-unavailable", (err as Error).message);
        }
        const request = { ...body.request, env: body.request.env ?? daemonEnv } as Request;
        let result: ReturnType<typeof evaluate>;
        try {
          result = evaluate(request, {
            policy: prepared.policy,
            profile: body.profile,
            ...(body.yolo !== undefined ? { yolo: body.yolo } : {}),
            ...(body.no_approval !== undefined ? { noApproval: body.no_approval } : {}),
          });
        } catch (err) {
          if ((err as Error).name === "PolicyError")
            throw new HttpError(400, "bad-request", (err as Error).message);
          throw err;
        }
        metrics.decision(result.verdict.decision);
        return [
          200,
          withWarnings({
            verdict: result.verdict,
            spans: result.analysis.invocations.map((i) => i.span),
          }),
        ];
      },
    },
    "/v1/runs/events": {
      POST: async (req) => {
        const body = validated(runEventsBody, await post(req));
        if (body.events.some((e) => e.type === "approval")) humansOnly(req, "recording an approval");
        try {
          const appended = await append(body.events as AuditEvent[], req);
          return [200, withWarnings({ appended })];
        } catch (err) {
          throw new HttpError(503, "audit-unavailable", (err as Error).message);
        }
      },
    },
    "/v1/pending": {
      GET: async () => {
        const { listPending } = await import("../approval/store.ts");
        return [200, { pending: listPending({ env: { ...env, ...stateEnv } }) }];
      },
    },
    "/v1/approvals": {
      POST: async (req) => {
        humansOnly(req, "approving or denying");
        return submitApproval(validated(approvalBody, await post(req)), req);
      },
    },
    "/v1/tickets/redeem": {
      // The tickets a hook answer filed are in the daemon's state: `warden exec --ticket` spends them here.
      POST: async (req) => {
        const body = validated(ticketRedeemBody, await post(req));
        const { redeemTicket } = await import("../sandbox/ticket.ts");
        const r = redeemTicket(body.id, { command: body.command, cwd: body.cwd }, { env: stateEnv });
        if (!r.ok) throw new HttpError(422, "ticket-refused", r.reason);
        return [200, { ticket: r.ticket }];
      },
    },
  };

  const submitApproval = async (value: unknown, req: IncomingMessage): Promise<[number, unknown]> => {
    const [{ parseToken, verifyToken }, store, { approvalEvent }] = await Promise.all([
      import("../approval/token.ts"),
      import("../approval/store.ts"),
      import("../approval/audit.ts"),
    ]);
    const token = parseToken(value);
    if ("error" in token) throw new HttpError(400, "invalid-body", `token: ${token.error}`);
    const where = { env: { ...env, ...stateEnv } };
    const pending = store.loadPending(token.request, where);
    if (!pending)
      throw new HttpError(422, "approval-rejected", `no pending approval request '${token.request}'`);
    let config: Awaited<ReturnType<Policies["prepare"]>>["approvals"];
    try {
      config = (await policies.prepare({ cwd: pending.canonical.cwd, env, policyFile: undefined })).approvals;
    } catch (err) {
      throw new HttpError(503, "policy-unavailable", (err as Error).message);
    }
    const now = Date.now();
    const subject = { subject: pending.subject, policy: pending.policy, request: pending.id };
    const check = verifyToken(token, subject, config, now);
    if (!check.ok)
      throw new HttpError(422, "approval-rejected", `the token does not verify: ${check.detail}`);
    store.storeToken(token, where);
    const tally = store.tallyTokens(
      store.loadTokens(pending.id, where),
      { ...subject, risk: pending.risk, requester: pending.canonical.user },
      config,
      now,
    );
    try {
      await append(
        [
          approvalEvent(token.decision === "approve" ? "approved" : "denied", {
            request_id: pending.id,
            cwd: pending.canonical.cwd,
            command: pending.canonical.command,
            risk: pending.risk,
            policy: pending.policy,
            decision: token.decision === "approve" ? "allow" : "deny",
            details: {
              hash: pending.subject.hash,
              token: token.nonce,
              approver_key: token.approver,
              via: "daemon",
            },
          }),
        ],
        req,
      );
    } catch (err) {
      // Unrecorded, it must not count: the same rule as `warden approve`.
      store.withdrawToken(token, where);
      throw new HttpError(503, "audit-unavailable", (err as Error).message);
    }
    return [
      200,
      {
        request: pending.id,
        decision: token.decision,
        approvals: tally.approvals.length,
        needed: tally.needed,
      },
    ];
  };

  const hook = async (req: IncomingMessage, agent: string, url: URL): Promise<[number, unknown]> => {
    if (agent !== "claude" && agent !== "gemini" && agent !== "codex")
      throw new HttpError(404, "not-found", `unknown agent '${agent}' (claude, gemini, codex)`);
    requireJson(req);
    const text = await readBody(req, limits.bodyBytes);
    parseJson(text); // malformed is a 400 here; the adapter validates the payload's shape
    if (url.searchParams.has("policy")) humansOnly(req, "judging by another policy file");
    const ask = url.searchParams.get("ask") ?? "deny";
    if (ask !== "deny" && ask !== "native")
      throw new HttpError(400, "bad-request", `ask must be deny or native, not '${ask}'`);
    const handle = await hookHandler(agent);
    const result = await handle(text, {
      policyFile: url.searchParams.get("policy") ?? undefined,
      profile: url.searchParams.get("profile") ?? undefined,
      ask,
      env: clientEnv(req),
      preparer,
      recorder: recorder(req),
    } as Parameters<typeof handle>[1]);
    return [200, withWarnings({ stdout: result.stdout, stderr: result.stderr, exit_code: result.exitCode })];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = performance.now();
    let route = "other";
    let status = 500;
    try {
      const url = new URL(req.url ?? "/", "http://warden");
      const method = req.method === "GET" || req.method === "POST" ? req.method : undefined;
      let result: [number, unknown];
      const hookMatch = /^\/v1\/hook\/([^/]+)$/.exec(url.pathname);
      if (hookMatch) {
        route = "/v1/hook";
        if (method !== "POST") throw new HttpError(405, "method-not-allowed", "use POST");
        result = await hook(req, decodeURIComponent(hookMatch[1]!), url);
      } else {
        const entry = routes[url.pathname];
        if (!entry) throw new HttpError(404, "not-found", `no such endpoint: ${url.pathname}`);
        route = url.pathname;
        const fn = method ? entry[method] : undefined;
        if (!fn) throw new HttpError(405, "method-not-allowed", `use ${Object.keys(entry).join(" or ")}`);
        result = await fn(req, url);
      }
      status = result[0];
      send(res, status, result[1]);
    } catch (err) {
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, "internal", `internal error: ${(err as Error).message}`);
      status = e.status;
      if (status === 500) say("error", e.message, { url: req.url });
      // After a refused body the rest of it is not read: close rather than drain 100 MB.
      send(res, status, { error: e.message, code: e.code }, status === 413 ? { connection: "close" } : {});
      if (status === 413) res.on("finish", () => req.socket.destroy());
    } finally {
      metrics.request(route, status, (performance.now() - t0) / 1000);
    }
  };

  const makeServer = (role: Role): Server => {
    const srv = createServer(
      {
        headersTimeout: limits.headersMs,
        requestTimeout: limits.requestMs,
        keepAliveTimeout: Math.min(5_000, limits.idleMs),
        // The hook client sends its environment in a header.
        maxHeaderSize: 256 * 1024,
        connectionsCheckingInterval: Math.min(1_000, limits.headersMs),
      },
      (req, res) => void handle(req, res),
    );
    srv.maxConnections = limits.connections;
    srv.on("connection", (s: Socket) => {
      metrics.connections++;
      connections.set(s, { role, peer: typeof readPeer === "function" ? readPeer(s) : undefined });
      // A client that connects and sends nothing (or stops sending) is dropped: headersTimeout only starts
      // with a request, and the socket's own timeout is reset by the http server. Every byte re-arms it.
      const idle = setTimeout(() => s.destroy(), limits.idleMs);
      idle.unref();
      s.on("data", () => idle.refresh());
      s.on("close", () => {
        clearTimeout(idle);
        metrics.connections--;
      });
    });
    srv.on("clientError", (_err, s: Socket) => {
      if (s.writable) s.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      else s.destroy();
    });
    return srv;
  };

  const listeners: { role: Role; path: string; gid?: number | undefined }[] = system
    ? [
        { role: "agent", path: socket, gid: system.agentGroup },
        { role: "admin", path: system.adminSocket, gid: system.adminGroup },
      ]
    : [{ role: "owner", path: socket }];
  const servers: Server[] = [];
  try {
    for (const l of listeners) {
      if (l.path !== socket) await removeStaleSocket(l.path);
      const srv = makeServer(l.role);
      await listen(srv, l.path);
      servers.push(srv);
      // Created 0600 (no window in which another user could connect); then opened to its group.
      if (l.gid !== undefined) {
        chownSync(l.path, -1, l.gid);
        chmodSync(l.path, 0o660);
      }
    }
  } catch (err) {
    for (const srv of servers) srv.close();
    await log.close().catch(() => {});
    closeSync(lockFd);
    throw err;
  }
  say("info", "listening", {
    socket,
    ...(system ? { admin_socket: system.adminSocket, mode: "system" } : {}),
    pid: process.pid,
  });

  let closing: Promise<void> | undefined;
  return {
    socket,
    metrics,
    close() {
      closing ??= (async () => {
        await Promise.all(
          servers.map(
            (srv) =>
              new Promise<void>((resolve) => {
                srv.close(() => resolve());
                srv.closeIdleConnections();
              }),
          ),
        );
        policies.close();
        await log.close();
        for (const l of listeners)
          try {
            unlinkSync(l.path);
          } catch {}
        closeSync(lockFd);
      })();
      return closing;
    },
  };
}

async function listen(server: Server, path: string): Promise<void> {
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
}
