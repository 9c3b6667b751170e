// The writer's API and guarantees that need no second process: record fields, rotation, checkpoints,
// key handling, durability ordering, and clear typed errors for bad input.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditError, open, read, scan, verify } from "../../src/audit/index.ts";
import { spawnWriter, tempDirs, waitFor } from "./helpers.ts";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup() {
  const t = tempDirs();
  cleanup = t.cleanup;
  return t;
}

describe("AuditLog", () => {
  it("writes full-context records with chain fields, redaction count and the yolo mark", async () => {
    const t = setup();
    const log = await open(t.dir, { keyDir: t.keyDir, host: "h1", user: "alice", checkpointIntervalMs: 0 });
    const a = await log.append({
      type: "request",
      agent: { name: "claude", session: "S1" },
      cwd: "/w",
      command: "deploy --token sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx",
      argv: ["deploy", "--password", "hunter2"],
      env: { AWS_SECRET_ACCESS_KEY: "x", LANG: "C" },
      risk: "critical",
      mode: "yolo",
      rationale: "ship it",
      findings: [{ rule: "cloud.deploy", reason: "deploys to production" }],
    });
    const b = await log.append({
      type: "end",
      exit: 1,
      signal: null,
      duration_ms: 5,
      sandbox: "bwrap",
      files_changed: [{ path: "a", change: "modified" }],
    });
    await log.close();
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    const [r1, r2] = [...scan(t.dir)].map((x) => x.record);
    expect(r1).toMatchObject({
      v: 1,
      seq: 1,
      type: "request",
      host: "h1",
      user: "alice",
      high_risk: true,
      redacted: 3,
    });
    expect(r1!.prev).toBe("0".repeat(64));
    expect(r1!.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r1!.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(r1!.argv).toEqual(["deploy", "--password", "[REDACTED:password-flag]"]);
    expect(r1!.env).toEqual({ AWS_SECRET_ACCESS_KEY: "[REDACTED:env]", LANG: "C" });
    expect(JSON.stringify(r1)).not.toContain("AbCdEfGh");
    expect(r2!.prev).toBe(a.hash);
    expect(r2!.hash).toBe(b.hash);
    expect(verify(t.dir, { keyDir: t.keyDir }).ok).toBe(true);
  });

  it("rejects unknown or internal event types with an AuditError", async () => {
    const t = setup();
    const log = await open(t.dir, { keyDir: t.keyDir });
    await expect(log.append({ type: "checkpoint" } as never)).rejects.toBeInstanceOf(AuditError);
    await expect(log.append({ type: "bogus" } as never)).rejects.toThrow(/invalid audit event type/);
    await log.close();
  });

  it("rotates by size and by UTC day; closed segments never change; seq continues across them", async () => {
    const t = setup();
    let now = Date.parse("2025-03-01T23:59:00Z");
    const log = await open(t.dir, {
      keyDir: t.keyDir,
      maxSegmentBytes: 4096,
      now: () => now,
      checkpointIntervalMs: 0,
    });
    for (let i = 0; i < 30; i++) await log.append({ type: "note", rationale: `n${i}` });
    const closedBefore = readdirSync(t.dir).filter((f) => f.startsWith("seg-"));
    expect(closedBefore.length).toBeGreaterThan(0);
    const snapshot = new Map(closedBefore.map((f) => [f, readFileSync(join(t.dir, f))]));
    now = Date.parse("2025-03-02T00:00:01Z");
    await log.append({ type: "note", rationale: "new day" });
    await log.close();
    for (const [f, b] of snapshot) expect(readFileSync(join(t.dir, f)).equals(b)).toBe(true);
    const cur = [...scan(t.dir)].filter((r) => r.segment === "current.jsonl");
    expect(cur).toHaveLength(1);
    expect(cur[0]!.record.ts.startsWith("2025-03-02")).toBe(true);
    const r = verify(t.dir, { keyDir: t.keyDir });
    expect(r.ok).toBe(true);
    expect(r.lastSeq).toBe(31);
  });

  it("writes a signed checkpoint every N records, copied to checkpoints.jsonl", async () => {
    const t = setup();
    const log = await open(t.dir, { keyDir: t.keyDir, checkpointEvery: 10, checkpointIntervalMs: 0 });
    await log.appendMany(Array.from({ length: 35 }, () => ({ type: "note" as const })));
    await log.close();
    const cps = [...scan(t.dir)].filter((r) => r.record.type === "checkpoint");
    expect(cps.map((c) => c.record.checkpoint!.seq)).toEqual([10, 21, 32]);
    const copies = readFileSync(join(t.dir, "checkpoints.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(copies.map((c) => c.record)).toEqual([11, 22, 33]);
    expect(verify(t.dir, { keyDir: t.keyDir }).checkpoints).toMatchObject({
      inLog: 3,
      inFile: 3,
      lastSignedSeq: 32,
    });
  });

  it("creates the host key once, private file mode 0600, and keeps using it", async () => {
    const t = setup();
    const l1 = await open(t.dir, { keyDir: t.keyDir });
    await l1.close();
    const priv = join(t.keyDir, "audit-ed25519.pem");
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const pem = readFileSync(priv, "utf8");
    const l2 = await open(t.dir, { keyDir: t.keyDir });
    await l2.close();
    expect(readFileSync(priv, "utf8")).toBe(pem);
  });

  it("an append that returned survives an immediate kill -9 of its process", async () => {
    const t = setup();
    const w = spawnWriter(t.dir, t.keyDir, 100_000, "durable");
    await waitFor(() => w.acks.length >= 1);
    w.child.kill("SIGKILL");
    await w.done;
    const ids = new Set([...scan(t.dir)].map((r) => r.record.id));
    for (const a of w.acks) expect(ids.has(a.id)).toBe(true);
  }, 30_000);

  it("reads by time range and filters", async () => {
    const t = setup();
    let now = Date.parse("2025-01-01T00:00:00Z");
    const log = await open(t.dir, { keyDir: t.keyDir, now: () => now, checkpointIntervalMs: 0 });
    for (let d = 0; d < 5; d++) {
      now = Date.parse(`2025-01-0${d + 1}T12:00:00Z`);
      await log.append({
        type: "decision",
        decision: d % 2 ? "deny" : "allow",
        risk: "high",
        agent: { name: `a${d}` },
      });
      await log.append({ type: "end", exit: d, duration_ms: 1 });
    }
    await log.close();
    const got = async (opts: Parameters<typeof read>[0]) => {
      const out = [];
      for await (const r of read({ dir: t.dir, ...opts })) out.push(r);
      return out;
    };
    expect(
      await got({ since: new Date("2025-01-02T00:00:00Z"), until: new Date("2025-01-04T00:00:00Z") }),
    ).toHaveLength(4);
    expect((await got({ filters: { decision: ["deny"] } })).map((r) => r.agent!.name)).toEqual(["a1", "a3"]);
    expect(await got({ filters: { status: "failed" } })).toHaveLength(4);
    expect(await got({ filters: { agent: ["a4"], risk: ["high"] } })).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("a directory that cannot be created names the path", async () => {
    const t = setup();
    mkdirSync(t.root, { recursive: true });
    writeFileSync(join(t.root, "file"), "x");
    const err = await open(join(t.root, "file", "audit"), { keyDir: t.keyDir }).catch((e) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect(err.message).toContain(join(t.root, "file", "audit"));
  });

  it("a corrupt last record refuses further appends and names the segment", async () => {
    const t = setup();
    const log = await open(t.dir, { keyDir: t.keyDir });
    await log.append({ type: "note" });
    await log.close();
    const seg = join(t.dir, "current.jsonl");
    writeFileSync(seg, readFileSync(seg, "utf8").replace('"note"', '"nOte"'));
    const err = await open(t.dir, { keyDir: t.keyDir }).catch((e) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect(err.code).toBe("corrupt");
    expect(err.message).toContain(seg);
    expect(readFileSync(seg, "utf8")).toContain('"nOte"'); // nothing was rewritten
  });

  it("a missing host key makes verify fail with a key error naming the file", () => {
    const t = setup();
    mkdirSync(t.dir, { recursive: true });
    let err: unknown;
    try {
      verify(t.dir, { keyDir: t.keyDir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).code).toBe("key");
    expect((err as AuditError).message).toContain(t.keyDir);
  });

  it("an unreadable private key is a key error", async () => {
    const t = setup();
    mkdirSync(t.keyDir, { recursive: true });
    writeFileSync(join(t.keyDir, "audit-ed25519.pem"), "not a key");
    const err = await open(t.dir, { keyDir: t.keyDir }).catch((e) => e);
    expect(err).toMatchObject({ code: "key" });
    expect(existsSync(join(t.dir, "current.jsonl"))).toBe(false);
  });

  it("a full disk fails the append with disk-full, names the file, and loses nothing acknowledged", async (ctx) => {
    const t = setup();
    const mnt = join(t.root, "tiny");
    mkdirSync(mnt, { recursive: true });
    // A real full filesystem: a 256 KiB tmpfs (needs root/CAP_SYS_ADMIN; skipped where mount is refused).
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt]).status !== 0) ctx.skip();
    try {
      const dir = join(mnt, "audit");
      const log = await open(dir, { keyDir: t.keyDir, checkpointIntervalMs: 0 });
      const acked: string[] = [];
      let err: unknown;
      for (let i = 0; i < 1000 && err === undefined; i++) {
        try {
          acked.push((await log.append({ type: "note", rationale: "x".repeat(4000) })).id);
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBeInstanceOf(AuditError);
      expect((err as AuditError).code).toBe("disk-full");
      expect((err as AuditError).message).toContain(join(dir, "current.jsonl"));
      await expect(log.append({ type: "note", rationale: "y".repeat(8000) })).rejects.toBeInstanceOf(
        AuditError,
      );
      await log.close();
      const r = verify(dir, { keyDir: t.keyDir });
      expect(r.error).toBeNull();
      const ids = new Set([...scan(dir)].map((x) => x.record.id));
      for (const id of acked) expect(ids.has(id)).toBe(true);
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});
