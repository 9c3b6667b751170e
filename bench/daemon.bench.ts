// The Warden daemon (issue 13), measured against a real `warden daemon` child process in a throwaway HOME,
// state and config dir, each figure beside a baseline measured in the same run:
//  (a) the hook an agent spawns per tool call, `node dist/hook.js claude` on a Claude Code PreToolUse Bash
//      payload answered by the daemon, vs `node -e 0` on the same node (target ≤ 1.15×); also the same client
//      with no daemon (in-process fallback), the full CLI `node dist/warden.js hook claude` via the daemon,
//      and the client alone (nothing listens, WARDEN_DAEMON=required); median of ≥ 50 interleaved runs each,
//      on this node and on Node 24 (.node24/bin/node or WARDEN_BENCH_NODE24) when there is one, with the
//      daemon's own time per answer from its /metrics;
//  (b) POST /v1/evaluate over the socket with 1 and 8 concurrent keep-alive clients: requests/s, p50, p99,
//      beside GET /v1/health (the HTTP floor) and evaluate() in this process (the decision's own cost);
//  (c) audit events through the daemon (POST /v1/runs/events, each answered only once durable: group commit
//      with fdatasync) from 1 and 8 concurrent writers, vs a bare write+fdatasync loop of lines of the same
//      size in the same temp dir (same disk); records per fdatasync from /metrics show the grouping.
// `npx tsx bench/daemon.bench.ts [hook] [evaluate] [audit]` (needs `npm run build`; no names: all three);
// BENCH_RUNS sets (a)'s runs per series (default 50).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../src/index.ts";
import { fmt, median, percentile, spawnMs, throughput } from "./stats.ts";

const cli = new URL("../dist/warden.js", import.meta.url).pathname;
const hookJs = new URL("../dist/hook.js", import.meta.url).pathname;
if (!existsSync(cli) || !existsSync(hookJs))
  throw new Error("dist/warden.js or dist/hook.js missing: run `npm run build` first");

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARMUP = 3;

const root = mkdtempSync(join(tmpdir(), "warden-bench-daemon-"));
const ws = join(root, "ws");
mkdirSync(ws);
writeFileSync(
  join(ws, "package.json"),
  `${JSON.stringify({ name: "ws", scripts: { test: "node --test" }, devDependencies: { vitest: "4" } })}\n`,
);
const socket = join(root, "run", "w.sock");

/** What an agent's hook sees: this environment without npm's and tsx's additions, Warden pointed at `root`. */
function benchEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("npm_") && k !== "NODE_OPTIONS" && !k.startsWith("WARDEN_"))
      env[k] = v;
  return {
    ...env,
    HOME: root,
    WARDEN_STATE_DIR: join(root, "state"),
    WARDEN_CONFIG_DIR: join(root, "config"),
    WARDEN_SOCKET: socket,
    ...overrides,
  };
}

/**
 * One request on a fresh connection. Not node's global keep-alive agent: the spawnSync loops below block this
 * event loop for minutes, the daemon closes idle connections meanwhile, and a reused one would fail (EPIPE).
 */
function call(path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: false,
        socketPath: socket,
        path,
        method: body === undefined ? "GET" : "POST",
        headers: {
          host: "warden",
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
            : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

const daemons = new Set<ChildProcess>();
/** Each daemon's stderr, printed when the bench fails. */
const daemonLogs: string[] = [];

async function startDaemon(node: string): Promise<ChildProcess> {
  const child = spawn(node, [cli, "daemon", "--socket", socket], {
    env: benchEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  daemons.add(child);
  let stderr = "";
  const at = daemonLogs.push("") - 1;
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
    daemonLogs[at] = `daemon on ${node} (pid ${child.pid}):\n${stderr}`;
  });
  child.on("exit", (code, signal) => {
    daemonLogs[at] += `exited ${code ?? signal}\n`;
  });
  const until = Date.now() + 15_000;
  for (;;) {
    const r = await call("/v1/health").catch(() => null);
    if (r?.status === 200) return child;
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`the daemon did not start (${node}): ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
  }
  daemons.delete(child);
}

async function metric(name: string): Promise<number> {
  const text = (await call("/metrics")).text;
  const m = new RegExp(`^${name.replace(/[{}"=/]/g, "\\$&")} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

// ---- (a) the hook an agent spawns per tool call -------------------------------------------------------

const hookCommands = ["git status", "npm test", "rm -rf node_modules", "git push --force origin main"];
const payloads = hookCommands.map((command, i) =>
  JSON.stringify({
    session_id: "5f1c2a9e-7d1b-4a52-9a8e-1f0c3b7d6e21",
    transcript_path: join(root, ".claude", "transcript.jsonl"),
    cwd: ws,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command, description: "benchmark" },
    tool_use_id: `toolu_01BENCH${i}`,
  }),
);

function answer(argv: string[], payload: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { input: payload, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    hookSpecificOutput?: { permissionDecision?: string; updatedInput?: unknown };
  };
  const h = out.hookSpecificOutput;
  return `${h?.permissionDecision ?? "?"}${h?.updatedInput ? " (confined)" : ""}`;
}

async function hookSeries(node: string, label: string): Promise<void> {
  const daemon = await startDaemon(node);
  const viaDaemon = benchEnv();
  // No daemon at its socket, and its own state dir (the running daemon owns the other one's log).
  const noDaemon = benchEnv({
    WARDEN_SOCKET: join(root, "none", "w.sock"),
    WARDEN_STATE_DIR: join(root, "state-fallback"),
    WARDEN_DAEMON: "off",
  });
  // The client's own cost: start, node:http, stdin, a connect that fails, and an exit-2 block.
  const nobody = benchEnv({ WARDEN_SOCKET: join(root, "none", "w.sock"), WARDEN_DAEMON: "required" });
  // Check once, untimed, that each series answers, and that the daemon answered the daemon series.
  const before = await metric('warden_requests_total{route="/v1/hook",status="200"}');
  const decisions = payloads.map((p) => answer([node, hookJs, "claude"], p, viaDaemon));
  const after = await metric('warden_requests_total{route="/v1/hook",status="200"}');
  if (after - before !== payloads.length)
    throw new Error(`the daemon answered ${after - before} of ${payloads.length} hook calls`);
  const fallback = payloads.map((p) => answer([node, hookJs, "claude"], p, noDaemon));
  const full = payloads.map((p) => answer([node, cli, "hook", "claude"], p, viaDaemon));
  if (fallback.join() !== decisions.join() || full.join() !== decisions.join())
    throw new Error(`answers differ: daemon ${decisions}, fallback ${fallback}, warden hook ${full}`);

  const sum0 = await metric('warden_request_duration_seconds_sum{route="/v1/hook"}');
  const count0 = await metric('warden_request_duration_seconds_count{route="/v1/hook"}');
  const base: number[] = [];
  const thin: number[] = [];
  const inProcess: number[] = [];
  const cliHook: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const p = payloads[i % payloads.length]!;
    const a = spawnMs([node, "-e", "0"], undefined, viaDaemon);
    const b = spawnMs([node, hookJs, "claude"], p, viaDaemon);
    const c = spawnMs([node, hookJs, "claude"], p, noDaemon);
    const d = spawnMs([node, cli, "hook", "claude"], p, viaDaemon);
    const e = spawnMs([node, hookJs, "claude"], p, nobody);
    if (i < WARMUP) continue;
    floor.push(e);
    base.push(a);
    thin.push(b);
    inProcess.push(c);
    cliHook.push(d);
  }
  const served =
    ((await metric('warden_request_duration_seconds_sum{route="/v1/hook"}')) - sum0) /
    ((await metric('warden_request_duration_seconds_count{route="/v1/hook"}')) - count0);
  await stopDaemon(daemon);
  const m = median(base);
  const row = (name: string, xs: number[], target = "") =>
    console.log(
      `  ${name.padEnd(40)} ${fmt(median(xs)).padStart(6)} ms  p99 ${fmt(percentile(xs, 99)).padStart(6)} ms  ${fmt(median(xs) / m, 2)}×${target}`,
    );
  console.log(`(a) hook per tool call, ${label}: median of ${RUNS} interleaved runs each`);
  console.log(`  answers: ${hookCommands.map((c, i) => `${c} → ${decisions[i]}`).join("; ")}`);
  row("node -e 0 (baseline)", base);
  row("node dist/hook.js claude, via daemon", thin, "  (target ≤ 1.15×)");
  row("node dist/hook.js claude, no daemon", inProcess, "  (in-process fallback, WARDEN_DAEMON=off)");
  row("node dist/warden.js hook claude, via daemon", cliHook);
  row(
    "node dist/hook.js claude, nothing listens",
    floor,
    "  (WARDEN_DAEMON=required: blocks; the client's own cost)",
  );
  console.log(
    `  the daemon's own time per hook answer (mean, request in to answer out): ${(served * 1000).toFixed(2)} ms`,
  );
}

// ---- (b) /v1/evaluate over the socket ---------------------------------------------------------------

function send(agent: Agent, method: "GET" | "POST", path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        socketPath: socket,
        path,
        method,
        headers: {
          host: "warden",
          ...(body !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Load {
  rate: number;
  p50: number;
  p99: number;
  n: number;
  failed: number;
}

/** `clients` keep-alive connections, each sending its next request when the last is answered. */
async function load(
  clients: number,
  ms: number,
  method: "GET" | "POST",
  path: string,
  bodies: (string | undefined)[],
): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const run = async (until: number, lat: number[] | null) => {
    let failed = 0;
    let k = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        while (performance.now() < until) {
          const t = performance.now();
          const status = await send(agent, method, path, bodies[(k++ + c) % bodies.length]);
          lat?.push(performance.now() - t);
          if (status !== 200) failed++;
        }
      }),
    );
    return failed;
  };
  await run(performance.now() + Math.min(500, ms / 4), null); // warm-up: connections, JIT
  const lat: number[] = [];
  const t0 = performance.now();
  const failed = await run(t0 + ms, lat);
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return {
    rate: lat.length / secs,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    n: lat.length,
    failed,
  };
}

function loadRow(name: string, r: Load, base?: Load): void {
  console.log(
    `  ${name.padEnd(36)} ${fmt(r.rate).padStart(7)}/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms` +
      (base ? `  ${fmt(r.rate / base.rate, 2)}× health` : "") +
      (r.failed ? `  (${r.failed} of ${r.n} failed!)` : ""),
  );
}

const evalCommands = ["git status", "npm test", "rm -rf node_modules", "git log --oneline -20 | head -5"];
const requestEnv = { HOME: root, PATH: process.env.PATH ?? "/usr/bin:/bin", USER: "dev" };

async function evaluateSeries(): Promise<void> {
  const bodies = evalCommands.map((command) =>
    JSON.stringify({ request: { kind: "command", command, cwd: ws, env: requestEnv } }),
  );
  console.log(
    `(b) /v1/evaluate over the socket (daemon on ${process.version}, keep-alive clients in this process)`,
  );
  const decided = await Promise.all(
    bodies.map(async (body) => {
      const r = await call("/v1/evaluate", body);
      if (r.status !== 200) throw new Error(`/v1/evaluate answered ${r.status}: ${r.text}`);
      return (JSON.parse(r.text) as { verdict: { decision: string } }).verdict.decision;
    }),
  );
  console.log(`  commands: ${evalCommands.map((c, i) => `${c} → ${decided[i]}`).join("; ")}`);
  for (const clients of [1, 8]) {
    const health = await load(clients, 1000, "GET", "/v1/health", [undefined]);
    const ev = await load(clients, 2500, "POST", "/v1/evaluate", bodies);
    loadRow(`GET /v1/health, ${clients} client${clients > 1 ? "s" : ""} (floor)`, health);
    loadRow(`POST /v1/evaluate, ${clients} client${clients > 1 ? "s" : ""}`, ev, health);
  }
  const requests = evalCommands.map((command) => ({
    kind: "command" as const,
    command,
    cwd: ws,
    env: requestEnv,
  }));
  const inProc = throughput(
    requests.length,
    () => {
      for (const r of requests) evaluate(r);
    },
    1000,
  );
  console.log(
    `  evaluate() in this process (no socket)      ${fmt(inProc).padStart(7)}/s  ${(1000 / inProc).toFixed(3)} ms each`,
  );
}

// ---- (c) durable audit events through the daemon ---------------------------------------------------

const startEvent = (writer: number, i: number) => ({
  type: "start",
  request_id: `bench-${writer}-${i}`,
  cwd: ws,
  command: `npm test -- --shard=${writer}/8 && git status --porcelain`,
  argv: ["bash", "-c", `npm test -- --shard=${writer}/8 && git status --porcelain`],
  agent: { name: "claude-code", session: "5f1c2a9e-7d1b-4a52-9a8e-1f0c3b7d6e21" },
  mode: "normal",
  sandbox: "bwrap",
});

/** Lines of a bare write+fdatasync loop of `size`-byte lines per second, for about `ms`. */
function bareLoop(file: string, size: number, ms: number): number {
  const fd = openSync(file, "a");
  const line = Buffer.from(`${"x".repeat(size - 1)}\n`);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    writeSync(fd, line);
    fdatasyncSync(fd);
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  closeSync(fd);
  return rate;
}

/** Mean length of the log lines the bench's events became (records with hash chain, id, ts, host, user). */
function recordSize(): number {
  const dir = join(root, "state", "audit");
  const lines = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl") && f !== "checkpoints.jsonl")
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
    .filter((l) => l.includes('"request_id":"bench-'));
  if (lines.length === 0) throw new Error(`no bench events found in ${dir}`);
  return Math.round(lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0) / lines.length);
}

async function auditSeries(): Promise<void> {
  let fs = "?";
  const st = spawnSync("stat", ["-f", "-c", "%T", root], { encoding: "utf8" });
  if (st.status === 0) fs = st.stdout.trim();
  console.log(`(c) durable audit events: POST /v1/runs/events, one event per request (${root}: ${fs})`);
  const results: { writers: number; r: Load; perCommit: number }[] = [];
  for (const writers of [1, 8]) {
    const bodies = Array.from({ length: 64 }, (_, i) =>
      JSON.stringify({ events: [startEvent(i % writers, i)] }),
    );
    const commits0 = await metric("warden_audit_fsync_seconds_count");
    const records0 = await metric("warden_audit_records_total");
    const r = await load(writers, writers === 1 ? 2000 : 3000, "POST", "/v1/runs/events", bodies);
    const commits = (await metric("warden_audit_fsync_seconds_count")) - commits0;
    const records = (await metric("warden_audit_records_total")) - records0;
    results.push({ writers, r, perCommit: records / Math.max(1, commits) });
  }
  const size = recordSize();
  // Same disk (the same temp dir), lines the size of the daemon's records.
  const bare = bareLoop(join(root, "bare.jsonl"), size, 2000);
  console.log(`  bare write+fdatasync loop, ${size} B lines   ${fmt(bare).padStart(7)} lines/s (baseline)`);
  for (const { writers, r, perCommit } of results)
    console.log(
      `  ${`${writers} writer${writers > 1 ? "s" : ""} via the daemon`.padEnd(36)} ${fmt(r.rate).padStart(7)} events/s  ` +
        `${fmt(r.rate / bare, 2)}× baseline  ack p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms  ` +
        `${perCommit.toFixed(1)} records per fdatasync` +
        (r.failed ? `  (${r.failed} of ${r.n} failed!)` : ""),
    );
}

// ---- run ---------------------------------------------------------------------------------------------

try {
  const node24 = process.env.WARDEN_BENCH_NODE24 ?? new URL("../.node24/bin/node", import.meta.url).pathname;
  const nodes: [string, string][] = [[process.execPath, `node ${process.version}`]];
  if (existsSync(node24) && node24 !== process.execPath) {
    const v = spawnSync(node24, ["--version"], { encoding: "utf8" }).stdout.trim();
    if (v && v !== process.version) nodes.push([node24, `node ${v} (${node24})`]);
  }
  const only = process.argv.slice(2);
  const wanted = (part: string) => only.length === 0 || only.includes(part);
  if (wanted("hook")) for (const [node, label] of nodes) await hookSeries(node, label);

  const daemon = await startDaemon(process.execPath);
  if (wanted("evaluate")) await evaluateSeries();
  if (wanted("audit")) await auditSeries();
  await stopDaemon(daemon);
  const verify = spawnSync(process.execPath, [cli, "audit", "verify"], { env: benchEnv(), encoding: "utf8" });
  console.log(
    `  warden audit verify of the daemon's log afterwards: ${verify.status === 0 ? "ok" : `FAILED (${verify.status}) ${verify.stdout}${verify.stderr}`}`,
  );
  if (verify.status !== 0) process.exitCode = 1;
} catch (err) {
  process.exitCode = 1;
  console.error(err);
  console.error(daemonLogs.join("\n"));
} finally {
  for (const d of daemons) d.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
}
