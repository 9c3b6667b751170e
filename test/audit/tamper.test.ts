// Tamper evidence: targeted cases name the first bad seq and segment; a mutation test applies 1,000+
// random single mutations to a real multi-segment log and requires every one to be detected.
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open, verify } from "../../src/audit/index.ts";
import { serialize } from "../../src/audit/record.ts";
import { tempDirs } from "./helpers.ts";

let t: ReturnType<typeof tempDirs>;
let files: Map<string, Buffer>;

beforeAll(async () => {
  t = tempDirs();
  const log = await open(t.dir, {
    keyDir: t.keyDir,
    checkpointEvery: 40,
    maxSegmentBytes: 24 * 1024,
    checkpointOnClose: true,
  });
  for (let i = 0; i < 60; i++) {
    await log.appendMany([
      {
        type: "request",
        command: `deploy --step ${i}`,
        agent: { name: "claude", session: "s" },
        risk: "high",
      },
      { type: "decision", decision: i % 4 ? "allow" : "deny", risk: "high", mode: i % 9 ? "normal" : "yolo" },
      { type: "end", exit: i % 5, duration_ms: i, stdout: { bytes: 3, sha256: "ab".repeat(32), head: "ok" } },
    ]);
  }
  await log.close();
  files = new Map(
    readdirSync(t.dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => [f, readFileSync(join(t.dir, f))]),
  );
});
afterAll(() => t.cleanup());

function restore(): void {
  for (const f of readdirSync(t.dir).filter((f) => f.endsWith(".jsonl"))) rmSync(join(t.dir, f));
  for (const [f, b] of files) writeFileSync(join(t.dir, f), b);
}

const segments = () =>
  [...files.keys()]
    .filter((f) => f !== "checkpoints.jsonl")
    .sort((a, b) => (a === "current.jsonl" ? 1 : b === "current.jsonl" ? -1 : a.localeCompare(b)));
const lines = (b: Buffer) => b.toString("latin1").split("\n").slice(0, -1);
const write = (f: string, ls: string[]) =>
  writeFileSync(join(t.dir, f), Buffer.from(ls.map((l) => `${l}\n`).join(""), "latin1"));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

describe("verify", () => {
  it("accepts the untouched log", () => {
    restore();
    const r = verify(t.dir, { keyDir: t.keyDir });
    expect(r.error).toBeNull();
    expect(r.segments).toBeGreaterThanOrEqual(3);
    expect(r.unanchored).toBe(0);
  });

  it("names the first bad seq and segment for an edited byte", () => {
    restore();
    const seg = segments()[1]!;
    const ls = lines(files.get(seg)!);
    const seq = Number(/"seq":(\d+)/.exec(ls[3]!)![1]);
    ls[3] = ls[3]!.replace("deploy", "dEploy").replace('"exit":', '"exit":1');
    write(seg, ls);
    const r = verify(t.dir, { keyDir: t.keyDir });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ kind: "bad-record", seq, segment: seg, line: 4 });
  });

  it("detects a removed segment, a deleted line, reordered lines and truncation before a checkpoint", () => {
    restore();
    rmSync(join(t.dir, segments()[1]!));
    expect(verify(t.dir, { keyDir: t.keyDir }).error?.kind).toBe("missing-segment");

    restore();
    const seg = segments()[0]!;
    const ls = lines(files.get(seg)!);
    write(seg, [...ls.slice(0, 5), ...ls.slice(6)]);
    expect(verify(t.dir, { keyDir: t.keyDir }).error).toMatchObject({
      kind: "seq-gap",
      seq: 6,
      segment: seg,
    });

    restore();
    write(seg, [...ls.slice(0, 5), ls[6]!, ls[5]!, ...ls.slice(7)]);
    expect(verify(t.dir, { keyDir: t.keyDir }).error).toMatchObject({ kind: "seq-gap", seq: 6 });

    restore();
    const cur = lines(files.get("current.jsonl")!);
    write("current.jsonl", cur.slice(0, cur.length - 3));
    expect(verify(t.dir, { keyDir: t.keyDir }).error?.kind).toBe("truncated");

    restore();
    rmSync(join(t.dir, "current.jsonl"));
    expect(verify(t.dir, { keyDir: t.keyDir }).error?.kind).toBe("truncated");
  });

  it("detects a fully re-hashed forgery by its checkpoint signatures", () => {
    restore();
    // The attacker edits a record and recomputes every hash after it, so the chain itself is consistent
    // again; only the signatures (which need the host key) can tell.
    let prev = "";
    let edited = false;
    for (const seg of segments()) {
      const out = lines(files.get(seg)!).map((line) => {
        const rec = JSON.parse(line) as Record<string, unknown> & { seq: number; type: string; prev: string };
        if (!edited && rec.type === "decision" && rec.decision === "deny") {
          rec.decision = "allow";
          edited = true;
        }
        if (!edited) {
          prev = rec.hash as string;
          return line;
        }
        const { v: _v, seq, type, prev: _p, hash: _h, ...body } = rec;
        const r = serialize(seq, type, prev, body as never);
        prev = r.hash;
        return r.line;
      });
      write(seg, out);
    }
    expect(edited).toBe(true);
    const r = verify(t.dir, { keyDir: t.keyDir });
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("bad-checkpoint");
  });

  it("detects 100% of 1,200 random single mutations", () => {
    const kinds = new Map<string, number>();
    const missed: string[] = [];
    for (let i = 0; i < 1200; i++) {
      restore();
      const kind = pick([
        "byte",
        "byte",
        "byte",
        "delete",
        "insert",
        "swap",
        "segment",
        "truncate",
        "cut",
        "checkpoints",
      ]);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      let what = kind;
      const seg = pick(segments());
      const ls = lines(files.get(seg)!);
      if (kind === "byte" || kind === "checkpoints") {
        const f = kind === "checkpoints" ? "checkpoints.jsonl" : seg;
        const b = Buffer.from(files.get(f)!);
        const pos = Math.floor(Math.random() * b.length);
        const old = b[pos]!;
        b[pos] = (old + 1 + Math.floor(Math.random() * 255)) % 256;
        writeFileSync(join(t.dir, f), b);
        what = `${f}@${pos} ${old}->${b[pos]}`;
      } else if (kind === "delete") {
        const at = Math.floor(Math.random() * ls.length);
        write(seg, [...ls.slice(0, at), ...ls.slice(at + 1)]);
        what = `${seg} delete line ${at}`;
      } else if (kind === "insert") {
        const at = Math.floor(Math.random() * (ls.length + 1));
        const dup = pick([...files.values()].flatMap(lines));
        write(seg, [...ls.slice(0, at), dup, ...ls.slice(at)]);
        what = `${seg} insert at ${at}`;
      } else if (kind === "swap") {
        const at = Math.floor(Math.random() * (ls.length - 1));
        const j = at + 1 + Math.floor(Math.random() * (ls.length - at - 1));
        const copy = [...ls];
        [copy[at], copy[j]] = [copy[j]!, copy[at]!];
        write(seg, copy);
        what = `${seg} swap ${at} ${j}`;
      } else if (kind === "segment") {
        rmSync(join(t.dir, seg));
        what = `remove ${seg}`;
      } else if (kind === "truncate") {
        // Cut at a line boundary: the log ends with a checkpoint, so any cut is before it.
        const last = segments().at(-1)!;
        const ll = lines(files.get(last)!);
        write(last, ll.slice(0, Math.floor(Math.random() * ll.length)));
        what = `truncate ${last}`;
      } else {
        const last = segments().at(-1)!;
        const size = files.get(last)!.length;
        const to = Math.floor(Math.random() * size);
        truncateSync(join(t.dir, last), to);
        what = `cut ${last} to ${to}`;
      }
      const r = verify(t.dir, { keyDir: t.keyDir });
      if (r.ok) missed.push(what);
    }
    restore();
    expect(missed).toEqual([]);
    expect(kinds.size).toBe(8);
  }, 60_000);
});
