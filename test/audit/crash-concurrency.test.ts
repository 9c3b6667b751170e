// Crash safety and concurrency with real processes: kill -9 at random moments, parallel writers.
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { open, scan, verify } from "../../src/audit/index.ts";
import { spawnWriter, tempDirs, waitFor } from "./helpers.ts";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function allIds(dir: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const { record } of scan(dir)) ids.set(record.id, record.seq);
  return ids;
}

describe("crash safety", () => {
  it("kill -9 at random moments leaves a log that verifies and keeps every acknowledged append", async () => {
    const t = tempDirs();
    cleanup = t.cleanup;
    const acked: { seq: number; id: string }[] = [];
    for (let round = 0; round < 6; round++) {
      const w = spawnWriter(t.dir, t.keyDir, 100_000, `r${round}`, round % 2 ? "many" : "one");
      const target = 20 + Math.floor(Math.random() * 150);
      await waitFor(() => w.acks.length >= target);
      // A random extra delay so the kill lands anywhere: mid-write, mid-fsync, mid-rotation.
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      w.child.kill("SIGKILL");
      await w.done;
      acked.push(...w.acks);
      const report = verify(t.dir, { keyDir: t.keyDir });
      expect(report.error).toBeNull();
      expect(report.ok).toBe(true);
    }
    const ids = allIds(t.dir);
    for (const a of acked) expect(ids.get(a.id)).toBe(a.seq);
    // The next open recovers any torn tail, and the log still verifies with no warning left.
    const log = await open(t.dir, { keyDir: t.keyDir });
    await log.append({ type: "note", rationale: "after crashes" });
    await log.close();
    const after = verify(t.dir, { keyDir: t.keyDir });
    expect(after.ok).toBe(true);
    expect(after.warnings).toEqual([]);
  }, 60_000);

  it("a torn last line is reported by verify, moved aside on open, recorded, and the chain continues", async () => {
    const t = tempDirs();
    cleanup = t.cleanup;
    const log = await open(t.dir, { keyDir: t.keyDir });
    await log.append({ type: "request", command: "ls" });
    const head = log.head().seq;
    await log.close();
    const seg = join(t.dir, "current.jsonl");
    const torn = `{"v":1,"seq":${head + 1},"type":"request","prev":"`;
    appendFileSync(seg, torn);
    const before = verify(t.dir, { keyDir: t.keyDir });
    expect(before.ok).toBe(true);
    expect(before.warnings.join("\n")).toMatch(/torn last record/);

    const log2 = await open(t.dir, { keyDir: t.keyDir });
    const a = await log2.append({ type: "request", command: "pwd" });
    await log2.close();
    expect(a.seq).toBe(head + 2); // head + 1 is the recovery record
    const moved = readdirSync(join(t.dir, "torn"));
    expect(moved).toHaveLength(1);
    expect(readFileSync(join(t.dir, "torn", moved[0]!), "utf8")).toBe(torn);
    const records = [...scan(t.dir)].map((r) => r.record);
    const recovery = records.find((r) => r.type === "recovery")!;
    expect(recovery.seq).toBe(head + 1);
    expect(recovery.recovery!.bytes).toBe(torn.length);
    const after = verify(t.dir, { keyDir: t.keyDir });
    expect(after.ok).toBe(true);
    expect(after.warnings).toEqual([]);
  });
});

describe("concurrency", () => {
  it("4 processes appending at once produce one valid chain with nothing lost", async () => {
    const t = tempDirs();
    cleanup = t.cleanup;
    const writers = [0, 1, 2, 3].map((i) =>
      spawnWriter(t.dir, t.keyDir, 150, `w${i}`, i % 2 ? "many" : "one"),
    );
    const codes = await Promise.all(writers.map((w) => w.done));
    expect(codes).toEqual([0, 0, 0, 0]);
    const report = verify(t.dir, { keyDir: t.keyDir });
    expect(report.error).toBeNull();
    expect(report.segments).toBeGreaterThan(1); // rotation happened under contention
    const ids = allIds(t.dir);
    const acks = writers.flatMap((w) => w.acks);
    expect(acks.length).toBeGreaterThanOrEqual(600);
    for (const a of acks) expect(ids.get(a.id)).toBe(a.seq);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(acks.length);
    // Every writer's events are present (no interleaving damage: each line parsed and hashed above).
    const tags = new Map<string, number>();
    for (const { record } of scan(t.dir)) {
      if (record.type === "request") tags.set(record.agent!.name, (tags.get(record.agent!.name) ?? 0) + 1);
    }
    expect([...tags.values()].every((n) => n >= 120)).toBe(true);
  }, 60_000);

  it("a writer killed while others append never blocks them (the kernel drops its lock)", async () => {
    const t = tempDirs();
    cleanup = t.cleanup;
    const victim = spawnWriter(t.dir, t.keyDir, 100_000, "victim");
    const others = [spawnWriter(t.dir, t.keyDir, 100, "a"), spawnWriter(t.dir, t.keyDir, 100, "b", "many")];
    await waitFor(() => victim.acks.length >= 30);
    victim.child.kill("SIGKILL");
    await victim.done;
    expect(await Promise.all(others.map((w) => w.done))).toEqual([0, 0]);
    const report = verify(t.dir, { keyDir: t.keyDir });
    expect(report.error).toBeNull();
    const ids = allIds(t.dir);
    for (const a of [...victim.acks, ...others.flatMap((w) => w.acks)]) expect(ids.get(a.id)).toBe(a.seq);
  }, 60_000);
});
