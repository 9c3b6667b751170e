// The smallest possible HTTP/1.1 client for the daemon's Unix socket, on node:net alone: the hook client
// (its own esbuild entry point, dist/hook.js) pays every agent tool call for what it loads, and node:http
// costs ~10 ms more to load and run than a raw request (on Node 22+ an ES import of it also pulls in undici).
// One request per connection, closed by us once the answer is whole (the daemon always sends a content-length).
// Not `connection: close`: the daemon would then close right after an early answer (415, 413) with our body
// unread, the kernel resets the connection, and the answer can be lost.
// Every caller decides what an unreachable daemon means; this module only tells "could not connect" apart
// from "broke while talking".
import { connect } from "node:net";

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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const UNSAFE = /[\r\n\0]/;

function head(socket: string, path: string, options: CallOptions, body: Buffer | undefined): string {
  if (UNSAFE.test(path) || !path.startsWith("/")) throw new Error(`bad request path for ${socket}: ${path}`);
  const headers: Record<string, string> = {
    host: "warden",
    ...(body !== undefined
      ? { "content-type": "application/json", "content-length": String(body.length) }
      : {}),
    ...options.headers,
  };
  let text = `${options.method ?? (body === undefined ? "GET" : "POST")} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || UNSAFE.test(value)) throw new Error(`bad header ${JSON.stringify(name)}`);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

/** Status, headers and body of a complete response in `data`, or null when more must be read. */
function parse(data: Buffer, ended: boolean): Reply | null {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) {
    if (ended) throw new Error("the daemon closed the connection before a whole response");
    return null;
  }
  const lines = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = data.subarray(end + 4);
  const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
  if (length === undefined) {
    if (!ended) return null; // no length: the body runs to the close
  } else if (rest.length < length) {
    if (ended) throw new Error("the daemon closed the connection in the middle of its answer");
    return null;
  }
  const body = length === undefined ? rest : rest.subarray(0, length);
  return { status: Number(status[1]), text: body.toString("utf8"), headers };
}

export function call(socket: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body, "utf8");
  let request: string;
  try {
    request = head(socket, path, options, body);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    let connected = false;
    let done = false;
    const chunks: Buffer[] = [];
    const s = connect(socket);
    const finish = (err: Error | null, reply?: Reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => finish(new Error(`the daemon at ${socket} did not answer in time`)),
      options.timeoutMs ?? 20_000,
    );
    const attempt = (ended: boolean) => {
      try {
        const reply = parse(Buffer.concat(chunks), ended);
        if (reply) finish(null, reply);
      } catch (err) {
        finish(err as Error);
      }
    };
    s.on("connect", () => {
      connected = true;
      s.write(body === undefined ? request : Buffer.concat([Buffer.from(request, "utf8"), body]));
    });
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      attempt(false);
    });
    s.on("end", () => attempt(true));
    s.on("close", () => attempt(true));
    s.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected && err.code && UNREACHABLE.has(err.code))
        finish(new DaemonUnreachable(`no daemon at ${socket} (${err.code})`));
      // A daemon that answers and then closes while our body is still going (413) has answered.
      else if (chunks.length > 0) attempt(true);
      else finish(err);
    });
  });
}
