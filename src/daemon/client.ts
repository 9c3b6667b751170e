// The smallest possible HTTP/1.1 client for the daemon's Unix socket: node:http only, so the hook client
// (its own esbuild entry point, dist/hook.js) stays cheap to start. Every caller decides what an
// unreachable daemon means; this module only tells "could not connect" apart from "broke while talking".
import type * as Http from "node:http";
import { createRequire } from "node:module";

// Not `import { request } from "node:http"`: from Node 22 on, an ES import of node:http builds the module's
// ES namespace, which reads its lazy WebSocket/CloseEvent/MessageEvent getters and so loads undici — about
// 60 ms on top of a 40 ms Node 24 start, in every hook call (bench/daemon.bench.ts). require() does not.
const { request } = createRequire(import.meta.url)("node:http") as typeof Http;

export interface Reply {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The daemon is not there: nothing listens on the socket (or the socket file is missing / not ours). */
export class DaemonUnreachable extends Error {}

/** Connect errors that mean "no daemon", as opposed to a daemon that failed mid-request. */
const UNREACHABLE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "EACCES", "EPERM", "ENOTDIR"]);

export interface CallOptions {
  method?: "GET" | "POST";
  body?: string | undefined;
  headers?: Record<string, string>;
  /** Whole request, connect to last byte (default 20 s: below the agents' 30 s hook timeout). */
  timeoutMs?: number;
}

export function call(socket: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const body = options.body;
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = request(
      {
        socketPath: socket,
        path,
        method: options.method ?? (body === undefined ? "GET" : "POST"),
        headers: {
          host: "warden",
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("socket", (s) => s.on("connect", () => (connected = true)));
    req.setTimeout(options.timeoutMs ?? 20_000, () =>
      req.destroy(new Error(`the daemon at ${socket} did not answer in time`)),
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected && err.code && UNREACHABLE.has(err.code))
        reject(new DaemonUnreachable(`no daemon at ${socket} (${err.code})`));
      else reject(err);
    });
    req.end(body);
  });
}
