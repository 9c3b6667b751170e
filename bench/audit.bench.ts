// Audit log throughput: fsync'd single writer vs a plain fdatasync loop, group commit, 4 locked writer
// processes, streaming verify of a large log (with peak RSS), redaction cost, and the lock's cost.
// `npx tsx bench/audit.bench.ts [verifyEvents]` (default 1,000,000).
import { spawn } from "node:child_process";
import * as nodeCrypto from "node:crypto";
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmdirSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEvent, loadOrCreateHostKey, open, redact, verify } from "../src/audit/index.ts";
import { lockFd, unlockFd } from "../src/audit/lock.ts";
import { checkpointMessage, GENESIS, serialize } from "../src/audit/record.ts";
import { fmt } from "./stats.ts";

const event = (i: number): AuditEvent => ({
  type: "request",
  agent: { name: "claude-code", session: "5f1c2a9e-7d1b-4a52-9a8e-1f0c3b7d6e21" },
  cwd: "/home/dev/projects/payments-service",
  command: `kubectl -n payments-prod rollout restart deployment/api-gateway-${i} && kubectl get pods -o wide`,
  argv: ["kubectl", "-n", "payments-prod", "rollout", "restart", `deployment/api-gateway-${i}`],
  risk: "high",
  decision: "ask",
  policy: "9f2c4b1e0a7d3c5b8e6f1a2d4c7b9e0f3a5d8c1b4e7f0a2c5d8b1e4f7a0c3d6b",
  findings: [{ rule: "kubernetes.rollout-restart", reason: "restarts pods in a production namespace" }],
  mode: "normal",
  rationale: "apply the new config map",
});

async function child(dir: string, keyDir: string, n: number): Promise<void> {
  const log = await open(dir, { keyDir });
  const start = Date.now();
  for (let i = 0; i < n; i++) await log.append(event(i));
  const end = Date.now();
  await log.close();
  process.stdout.write(JSON.stringify({ start, end, n }));
}

function rss(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

async function main(): Promise<void> {
  const verifyEvents = Number(process.argv[2] ?? 1_000_000);
  const root = mkdtempSync(join(tmpdir(), "warden-audit-bench-"));
  const keyDir = join(root, "keys");
  try {
    const lineLen = Buffer.byteLength(
      serialize(1, "request", GENESIS, {
        id: "x".repeat(26),
        ts: new Date().toISOString(),
        host: "h",
        user: "u",
        ...event(1),
      } as never).line,
    );
    console.log(`record size ≈ ${lineLen} bytes`);

    // Baseline: write + fdatasync of 500-byte lines, same filesystem.
    const N = 3000;
    const raw = join(root, "raw.jsonl");
    const fd = openSync(raw, "a");
    const line = Buffer.from(`${"x".repeat(499)}\n`);
    let t = performance.now();
    for (let i = 0; i < N; i++) {
      writeSync(fd, line);
      fdatasyncSync(fd);
    }
    const rawRate = N / ((performance.now() - t) / 1000);
    closeSync(fd);
    console.log(`baseline write+fdatasync loop (500 B):   ${fmt(rawRate)} lines/s`);

    // Single writer, fsync per event.
    const log = await open(join(root, "single"), { keyDir });
    for (let i = 0; i < 200; i++) await log.append(event(i)); // warm-up
    t = performance.now();
    for (let i = 0; i < N; i++) await log.append(event(i));
    const single = N / ((performance.now() - t) / 1000);
    console.log(
      `single writer, fsync per event:          ${fmt(single)} events/s  (${(single / rawRate).toFixed(2)}× baseline)`,
    );

    // Group commit: many appends share one fsync.
    const G = 100_000;
    const batch = Array.from({ length: G }, (_, i) => event(i));
    await log.appendMany(batch.slice(0, 10_000));
    t = performance.now();
    await log.appendMany(batch);
    const group = G / ((performance.now() - t) / 1000);
    t = performance.now();
    await Promise.all(batch.slice(0, 50_000).map((e) => log.append(e)));
    const groupPromises = 50_000 / ((performance.now() - t) / 1000);
    await log.close();
    console.log(
      `group commit, appendMany:                ${fmt(group)} events/s  (${(group / rawRate).toFixed(1)}× baseline)`,
    );
    console.log(`group commit, concurrent append():       ${fmt(groupPromises)} events/s`);

    // CPU cost per event without the disk: the same appendMany on tmpfs, when there is one.
    try {
      const shm = mkdtempSync("/dev/shm/warden-bench-");
      try {
        const l = await open(shm, { keyDir });
        await l.appendMany(batch.slice(0, 10_000));
        t = performance.now();
        await l.appendMany(batch);
        const cpu = G / ((performance.now() - t) / 1000);
        await l.close();
        console.log(
          `  (same on tmpfs, i.e. CPU bound:        ${fmt(cpu)} events/s = ${(1e6 / cpu).toFixed(1)} µs/event)`,
        );
      } finally {
        rmSync(shm, { recursive: true, force: true });
      }
    } catch {}

    // 4 writer processes with locking.
    const P = 4;
    const per = 1500;
    const dir4 = join(root, "four");
    const runs = await Promise.all(
      Array.from(
        { length: P },
        () =>
          new Promise<{ start: number; end: number; n: number }>((resolve, reject) => {
            const c = spawn(
              process.execPath,
              ["--import", "tsx", new URL(import.meta.url).pathname, "--child", dir4, keyDir, String(per)],
              {
                stdio: ["ignore", "pipe", "inherit"],
              },
            );
            let out = "";
            c.stdout.on("data", (d: Buffer) => {
              out += d.toString();
            });
            c.on("exit", (code) =>
              code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`)),
            );
          }),
      ),
    );
    const span = (Math.max(...runs.map((r) => r.end)) - Math.min(...runs.map((r) => r.start))) / 1000;
    const four = (P * per) / span;
    console.log(
      `${P} processes, fsync per event, locked:    ${fmt(four)} events/s total  (${(four / rawRate).toFixed(2)}× baseline)`,
    );

    // Lock cost: OFD lock+unlock vs the mkdir+rmdir pair a mkdir-based lockfile needs at minimum.
    const lockPath = join(root, "bench.lock");
    const lfd = openSync(lockPath, "a+");
    const L = 20_000;
    t = performance.now();
    for (let i = 0; i < L; i++) {
      await lockFd(lfd, lockPath);
      unlockFd(lfd);
    }
    const ofd = (performance.now() - t) / L;
    closeSync(lfd);
    t = performance.now();
    for (let i = 0; i < L; i++) {
      mkdirSync(`${lockPath}.d`);
      rmdirSync(`${lockPath}.d`);
    }
    const mk = (performance.now() - t) / L;
    console.log(
      `lock+unlock: OFD fcntl ${(ofd * 1000).toFixed(1)} µs vs mkdir+rmdir ${(mk * 1000).toFixed(1)} µs (proper-lockfile floor; ${(mk / ofd).toFixed(1)}×)`,
    );

    // Redaction cost.
    const texts = [
      event(1).command!,
      "PGPASSWORD=hunter22 psql -h db -c 'select 1'",
      "x".repeat(2000),
      `curl -H 'Authorization: Bearer ${"a1B2".repeat(10)}'`,
    ];
    const R = 50_000;
    t = performance.now();
    for (let i = 0; i < R; i++) redact(texts[i % texts.length]!);
    console.log(
      `redact(): ${(((performance.now() - t) * 1000) / R).toFixed(2)} µs per string (mixed 60 B – 2 KB)`,
    );

    // Verify: write a large log directly (records built exactly as the writer does, without fsync), then verify.
    const vdir = join(root, "verify");
    mkdirSync(vdir);
    const key = loadOrCreateHostKey(keyDir);
    t = performance.now();
    const seg = openSync(join(vdir, "current.jsonl"), "w");
    const cps = openSync(join(vdir, "checkpoints.jsonl"), "w");
    let prev = GENESIS;
    let chunk: string[] = [];
    const ts = new Date().toISOString();
    for (let seq = 1; seq <= verifyEvents; seq++) {
      let r: { line: string; hash: string };
      if (seq % 1000 === 0) {
        const sig = key.sign(checkpointMessage(seq - 1, prev));
        r = serialize(seq, "checkpoint", prev, {
          id: `C${seq}`,
          ts,
          host: "h",
          user: "u",
          checkpoint: { seq: seq - 1, hash: prev, key: key.fingerprint, sig },
        });
        writeSync(
          cps,
          `${JSON.stringify({ seq: seq - 1, hash: prev, sig, record: seq, key: key.fingerprint })}\n`,
        );
      } else {
        r = serialize(seq, "request", prev, {
          id: `R${seq}`,
          ts,
          host: "h",
          user: "u",
          ...event(seq),
        } as never);
      }
      prev = r.hash;
      chunk.push(r.line);
      if (chunk.length === 5000) {
        writeSync(seg, `${chunk.join("\n")}\n`);
        chunk = [];
      }
    }
    if (chunk.length) writeSync(seg, `${chunk.join("\n")}\n`);
    closeSync(seg);
    closeSync(cps);
    console.log(
      `(generated a ${fmt(verifyEvents)}-event log in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    const rssBefore = rss();
    let peak = rssBefore;
    const timer = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 20);
    t = performance.now();
    const report = verify(vdir, { keyDir });
    const secs = (performance.now() - t) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, rss());
    if (!report.ok) throw new Error(`verify failed: ${report.error?.message}`);
    console.log(
      `verify ${fmt(verifyEvents)} events: ${secs.toFixed(2)} s = ${fmt(verifyEvents / secs)} events/s; ` +
        `RSS ${rssBefore.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (sampled) — streaming`,
    );
    console.log(
      `  hashing alone would be ${fmt(hashRate(lineLen))} lines/s (SHA-256 of one ${lineLen} B line per call)`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function hashRate(len: number): number {
  const { createHash } = nodeCrypto;
  const b = Buffer.alloc(len, 97);
  const n = 200_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) createHash("sha256").update(b).digest("hex");
  return n / ((performance.now() - t) / 1000);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
} else {
  await main();
}
