// Workspace change detection for `warden exec`: real temp dirs under /var/tmp, real file operations, and a model
// of what the diff must say. No file system mocks: timestamps, inodes and odd names are the point.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffSnapshots, snapshotWorkspace } from "../../src/sandbox/changes.ts";
import { tempDir } from "../tmp.ts";

function tempBase(): { ws: string; outside: string } {
  const base = realpathSync(tempDir("warden-changes-test-", { varTmp: true }));
  const ws = join(base, "ws");
  const outside = join(base, "outside");
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "outside\n");
  return { ws, outside };
}

function changesOf(ws: string, act: () => void) {
  const before = snapshotWorkspace(ws);
  act();
  return diffSnapshots(before, snapshotWorkspace(ws));
}

const NONE = { created: [], modified: [], deleted: [], counts: { created: 0, modified: 0, deleted: 0 } };

// ——— the model-based property ———

// Names an agent could choose: spaces, a newline, non-ASCII, a leading dash, a placeholder look-alike, and
// bytes that are not UTF-8 at all (shown as \xNN).
const NAMES: { raw: Buffer; shown: string }[] = [
  ...["a", "b", "c d", "n\nl", "é", "-x", ".h", "[x]"].map((n) => ({ raw: Buffer.from(n), shown: n })),
  { raw: Buffer.from([0x66, 0xff, 0x0a]), shown: "f\\xff\n" },
];

interface Node {
  kind: "f" | "d" | "l";
  /** Bumped by every operation on the entry: the diff must report it as modified. */
  version: number;
}

/** Paths are lists of NAMES indices; the model keys them by their shown form. */
class Model {
  readonly nodes = new Map<string, { path: number[]; node: Node }>();
  private version = 0;
  constructor(readonly ws: string) {}

  static show(path: number[]): string {
    return path.map((i) => NAMES[i]!.shown).join("/");
  }
  fsPath(path: number[]): Buffer {
    return Buffer.concat([Buffer.from(this.ws), ...path.flatMap((i) => [Buffer.from("/"), NAMES[i]!.raw])]);
  }
  of(kinds: string): number[][] {
    return [...this.nodes.values()].filter((e) => kinds.includes(e.node.kind)).map((e) => e.path);
  }
  dirs(): number[][] {
    return [[], ...this.of("d")];
  }
  has(path: number[]): boolean {
    return this.nodes.has(Model.show(path));
  }
  set(path: number[], kind: Node["kind"]): void {
    this.nodes.set(Model.show(path), { path, node: { kind, version: ++this.version } });
  }
  remove(path: number[]): void {
    const key = Model.show(path);
    for (const k of [...this.nodes.keys()]) if (k === key || k.startsWith(`${key}/`)) this.nodes.delete(k);
  }
  copy(): Map<string, Node> {
    return new Map([...this.nodes].map(([k, v]) => [k, { ...v.node }]));
  }
}

type Op =
  | { t: "create" | "mkdir" | "symlink"; dir: number; name: number; size: number }
  | { t: "rewrite" | "same" | "delete" | "rmdir" | "chmod"; target: number; size: number }
  | { t: "rename"; target: number; dir: number; name: number; size: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constantFrom("create" as const, "mkdir" as const, "symlink" as const),
    dir: fc.nat(),
    name: fc.nat({ max: NAMES.length - 1 }),
    size: fc.nat({ max: 40 }),
  }),
  fc.record({
    t: fc.constantFrom(
      "rewrite" as const,
      "same" as const,
      "delete" as const,
      "rmdir" as const,
      "chmod" as const,
    ),
    target: fc.nat(),
    size: fc.nat({ max: 40 }),
  }),
  fc.record({
    t: fc.constant("rename" as const),
    target: fc.nat(),
    dir: fc.nat(),
    name: fc.nat({ max: NAMES.length - 1 }),
    size: fc.nat(),
  }),
);

const pick = <T>(list: T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

/** Applies `o` to the file system and the model alike; inapplicable operations are skipped. */
function apply(m: Model, o: Op, outside: string): void {
  if (o.t === "create" || o.t === "mkdir" || o.t === "symlink") {
    const dir = pick(m.dirs(), o.dir)!;
    const path = [...dir, o.name];
    if (m.has(path)) return;
    if (o.t === "create") writeFileSync(m.fsPath(path), "x".repeat(o.size));
    else if (o.t === "mkdir") mkdirSync(m.fsPath(path));
    // A link out of the workspace, to a directory: the walk must not enter it.
    else symlinkSync(o.size % 2 === 0 ? outside : "../nowhere", m.fsPath(path));
    m.set(path, o.t === "create" ? "f" : o.t === "mkdir" ? "d" : "l");
    return;
  }
  if (o.t === "rename") {
    const from = pick(m.of("fl"), o.target);
    const path = [...pick(m.dirs(), o.dir)!, o.name];
    if (from === undefined || m.has(path)) return;
    renameSync(m.fsPath(from), m.fsPath(path));
    const kind = m.nodes.get(Model.show(from))!.node.kind;
    m.remove(from);
    m.set(path, kind);
    return;
  }
  if (!("target" in o)) return;
  const target = pick(o.t === "rmdir" ? m.of("d") : o.t === "delete" ? m.of("fl") : m.of("f"), o.target);
  if (target === undefined) return;
  const p = m.fsPath(target);
  switch (o.t) {
    case "rewrite": {
      // Same size, different bytes, well within the same second as the last write.
      const size = lstatSync(p).size;
      writeFileSync(p, "y".repeat(size) === readFileSync(p, "latin1") ? "z".repeat(size) : "y".repeat(size));
      break;
    }
    case "same":
      rewriteKeepingMtime(p);
      break;
    case "chmod":
      chmodSync(p, (lstatSync(p).mode & 0o777) === 0o600 ? 0o644 : 0o600);
      break;
    case "delete":
      unlinkSync(p);
      m.remove(target);
      return;
    case "rmdir":
      rmSync(p, { recursive: true });
      m.remove(target);
      return;
  }
  m.set(target, "f");
}

const refDir = realpathSync(tempDir("warden-changes-ref-", { varTmp: true }));

/**
 * Rewrites identical content and puts the old mtime back to the nanosecond. Node's utimes takes float seconds,
 * so touch(1) does it (utimensat), reaching the file through /proc/PID/fd: argv could not carry odd-byte names.
 */
function rewriteKeepingMtime(p: Buffer): void {
  const fd = openSync(p, "r");
  try {
    const self = `/proc/${process.pid}/fd/${fd}`;
    const ref = join(refDir, "ref");
    const touch = (args: string[]) => {
      const r = spawnSync("touch", args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`touch ${args.join(" ")}: ${r.stderr}`);
    };
    touch(["-r", self, ref]);
    writeFileSync(p, readFileSync(p));
    touch(["-m", "-r", ref, self]);
  } finally {
    closeSync(fd);
  }
}

function expected(before: Map<string, Node>, after: Map<string, Node>) {
  const created: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  const name = (k: string, n: Node) => (n.kind === "d" ? `${k}/` : k);
  for (const [k, n] of after) {
    const was = before.get(k);
    if (was === undefined) created.push(name(k, n));
    else if ((was.kind === "d") !== (n.kind === "d")) {
      deleted.push(name(k, was));
      created.push(name(k, n));
    } else if (n.kind !== "d" && was.version !== n.version) modified.push(k);
  }
  for (const [k, n] of before) if (!after.has(k)) deleted.push(name(k, n));
  return { created: created.sort(), modified: modified.sort(), deleted: deleted.sort() };
}

describe("diffSnapshots: model", () => {
  it("reports exactly what random sequences of file operations did", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 25 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        (setup, ops) => {
          const { ws, outside } = tempBase();
          try {
            const m = new Model(ws);
            for (const o of setup) apply(m, o, outside);
            const initial = m.copy();
            const before = snapshotWorkspace(ws);
            // Past one clock tick, so kernels without multigrain timestamps stamp the operations differently from
            // the setup; the same-tick case is the explicit test below.
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 12);
            for (const o of ops) apply(m, o, outside);
            const after = snapshotWorkspace(ws);
            const d = diffSnapshots(before, after);
            const want = expected(initial, m.copy());
            expect({
              created: [...d.created].sort(),
              modified: [...d.modified].sort(),
              deleted: [...d.deleted].sort(),
            }).toEqual(want);
            expect(d.counts).toEqual({
              created: want.created.length,
              modified: want.modified.length,
              deleted: want.deleted.length,
            });
            expect(d.truncated).toBe(false);
            expect(after.entryCount).toBe(m.nodes.size);
          } finally {
            rmSync(ws, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("diffSnapshots: cases", () => {
  // Within the same clock tick, even: this needs fine-grained timestamps (Linux 6.13+ multigrain), see changes.ts.
  it("sees a same-size rewrite within the same second", () => {
    const { ws } = tempBase();
    writeFileSync(join(ws, "f"), "aaaa");
    const before = snapshotWorkspace(ws);
    const t0 = lstatSync(join(ws, "f"), { bigint: true }).mtimeNs;
    writeFileSync(join(ws, "f"), "bbbb");
    const t1 = lstatSync(join(ws, "f"), { bigint: true }).mtimeNs;
    expect(t1 / 1_000_000_000n - t0 / 1_000_000_000n).toBeLessThanOrEqual(1n);
    expect(diffSnapshots(before, snapshotWorkspace(ws))).toMatchObject({
      ...NONE,
      modified: ["f"],
      counts: { modified: 1 },
    });
  });

  it("sees an identical rewrite whose mtime was put back (ctime moved)", () => {
    const { ws } = tempBase();
    writeFileSync(join(ws, "f"), "same bytes\n");
    const was = lstatSync(join(ws, "f"), { bigint: true });
    const before = snapshotWorkspace(ws);
    rewriteKeepingMtime(Buffer.from(join(ws, "f")));
    const now = lstatSync(join(ws, "f"), { bigint: true });
    expect(now.mtimeNs).toBe(was.mtimeNs); // the precondition: only ctime tells
    expect(now.size).toBe(was.size);
    expect(now.ctimeNs).not.toBe(was.ctimeNs);
    expect(diffSnapshots(before, snapshotWorkspace(ws)).modified).toEqual(["f"]);
  });

  it("reports nothing when nothing happened", () => {
    const { ws } = tempBase();
    mkdirSync(join(ws, "d"));
    writeFileSync(join(ws, "d", "f"), "x");
    expect(changesOf(ws, () => {})).toEqual({ ...NONE, truncated: false });
  });

  it("reports created and deleted directories with a trailing slash, and their contents", () => {
    const { ws } = tempBase();
    mkdirSync(join(ws, "old", "deep"), { recursive: true });
    writeFileSync(join(ws, "old", "deep", "f"), "x");
    const d = changesOf(ws, () => {
      rmSync(join(ws, "old"), { recursive: true });
      mkdirSync(join(ws, "new", "sub"), { recursive: true });
      writeFileSync(join(ws, "new", "sub", "g"), "y");
    });
    expect(d.created).toEqual(["new/", "new/sub/", "new/sub/g"]);
    expect(d.deleted).toEqual(["old/", "old/deep/", "old/deep/f"]);
    expect(d.modified).toEqual([]);
  });

  it("a directory is modified only by its own mode, not by what happens inside it", () => {
    const { ws } = tempBase();
    mkdirSync(join(ws, "d"));
    mkdirSync(join(ws, "e"));
    const d = changesOf(ws, () => {
      chmodSync(join(ws, "d"), 0o700);
      writeFileSync(join(ws, "e", "f"), "x");
    });
    expect(d).toMatchObject({ created: ["e/f"], modified: ["d/"], deleted: [] });
  });

  it("a file that became a directory is a deletion and a creation", () => {
    const { ws } = tempBase();
    writeFileSync(join(ws, "x"), "x");
    const d = changesOf(ws, () => {
      unlinkSync(join(ws, "x"));
      mkdirSync(join(ws, "x"));
    });
    expect(d).toMatchObject({ created: ["x/"], deleted: ["x"], modified: [] });
  });

  it("names with a newline, non-UTF-8 bytes and a placeholder look-alike are reported intact", () => {
    const { ws } = tempBase();
    const d = changesOf(ws, () => {
      writeFileSync(join(ws, "line\nbreak"), "x");
      writeFileSync(Buffer.concat([Buffer.from(`${ws}/bad`), Buffer.from([0xc3, 0x28, 0xff])]), "x");
      writeFileSync(join(ws, "ünï"), "x");
      mkdirSync(join(ws, "dir\r\n"));
      writeFileSync(join(ws, "dir\r\n", "[REDACTED:x]"), "x");
    });
    expect([...d.created].sort()).toEqual(
      ["line\nbreak", "bad\\xc3(\\xff", "ünï", "dir\r\n/", "dir\r\n/[REDACTED:x]"].sort(),
    );
    expect(snapshotWorkspace(ws).paths()).toEqual([
      "bad\\xc3(\\xff",
      "dir\r\n/",
      "dir\r\n/[REDACTED:x]",
      "line\nbreak",
      "ünï",
    ]);
  });

  it("caps each list but keeps counts exact", () => {
    const { ws } = tempBase();
    const before = snapshotWorkspace(ws);
    for (let i = 0; i < 30; i++) writeFileSync(join(ws, `f${String(i).padStart(2, "0")}`), "x");
    const d = diffSnapshots(before, snapshotWorkspace(ws), { maxPaths: 10 });
    expect(d.created).toEqual(Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, "0")}`));
    expect(d.counts.created).toBe(30);
    expect(d.truncated).toBe(true);
  });
});

describe("snapshotWorkspace: the walk stays inside", () => {
  it("does not follow a symlink out of the workspace, and sees the link itself change", () => {
    const { ws, outside } = tempBase();
    symlinkSync(outside, join(ws, "link"));
    symlinkSync("/", join(ws, "root"));
    symlinkSync("loop", join(ws, "loop"));
    const before = snapshotWorkspace(ws);
    expect([...before.entries.keys()].sort()).toEqual(["link", "loop", "root"]);
    writeFileSync(join(outside, "secret.txt"), "changed outside\n");
    writeFileSync(join(outside, "new.txt"), "new outside\n");
    expect(diffSnapshots(before, snapshotWorkspace(ws))).toEqual({ ...NONE, truncated: false });
    const d = changesOf(ws, () => {
      unlinkSync(join(ws, "link"));
      symlinkSync(join(outside, "secret.txt"), join(ws, "link"));
    });
    expect(d.modified).toEqual(["link"]);
  });

  it("a workspace given through a symlink is walked at its real path", () => {
    const { ws } = tempBase();
    writeFileSync(join(ws, "f"), "x");
    const alias = `${ws}-alias`;
    symlinkSync(ws, alias); // beside ws, inside the temp base
    const s = snapshotWorkspace(alias);
    expect(s.root).toBe(ws);
    expect([...s.entries.keys()]).toEqual(["f"]);
  });
});

describe("snapshotWorkspace: caps never pass for 'no changes'", () => {
  function tree(ws: string): void {
    for (const f of ["r1", "r2", "r3"]) writeFileSync(join(ws, f), "x");
    for (const d of ["big1", "big2"]) {
      mkdirSync(join(ws, d));
      for (let i = 0; i < 40; i++) writeFileSync(join(ws, d, `f${i}`), "x");
    }
  }

  it("flags truncation at max entries, names what it skipped, and still reports what it saw", () => {
    const { ws } = tempBase();
    tree(ws);
    const before = snapshotWorkspace(ws, { maxEntries: 20 });
    expect(before.truncated).toBe(true);
    expect(before.entryCount).toBe(20);
    expect(before.unscanned.map((u) => u.reason)).toEqual(["max-entries", "max-entries"]);
    expect(before.unscanned.map((u) => u.path).sort()).toEqual(["big1/", "big2/"]);
    writeFileSync(join(ws, "r1"), "y"); // in the scanned part
    writeFileSync(join(ws, "big2", "f7"), "y"); // in the part the cap cut off
    writeFileSync(join(ws, "big2", "new"), "y");
    const d = diffSnapshots(before, snapshotWorkspace(ws, { maxEntries: 20 }));
    expect(d.modified).toEqual(["r1"]);
    expect(d.created).toEqual([]);
    expect(d.truncated).toBe(true);
    expect(d.unscanned?.map((u) => u.path).sort()).toEqual(["big1/", "big2/"]);
  });

  it("a cap that is exactly enough is not truncation", () => {
    const { ws } = tempBase();
    tree(ws);
    const s = snapshotWorkspace(ws, { maxEntries: 85 });
    expect(s).toMatchObject({ truncated: false, entryCount: 85, unscannedCount: 0 });
  });

  it("compares only what both snapshots covered", () => {
    const { ws } = tempBase();
    tree(ws);
    const before = snapshotWorkspace(ws, { maxEntries: 20 });
    const after = snapshotWorkspace(ws); // full
    const d = diffSnapshots(before, after);
    // big1/ and big2/ were listed after but not before: their files are not "created".
    expect(d).toMatchObject({ created: [], modified: [], deleted: [], truncated: true });
  });

  it("flags truncation when the time budget runs out", () => {
    const { ws } = tempBase();
    tree(ws);
    const s = snapshotWorkspace(ws, { timeBudgetMs: 0 });
    expect(s.truncated).toBe(true);
    expect(s.unscanned).toEqual([{ path: "./", reason: "time-budget" }]);
    const d = diffSnapshots(s, snapshotWorkspace(ws));
    expect(d).toMatchObject({ ...NONE, truncated: true });
  });

  it("a tree deeper than PATH_MAX is reported as not scanned, not as unchanged", () => {
    const { ws } = tempBase();
    try {
      // A child process reaches the depth by relative chdir: no full path to it is short enough to use.
      const r = spawnSync(
        process.execPath,
        [
          "-e",
          `const fs = require("node:fs"); process.chdir(process.argv[1]);
           for (let i = 0; i < 25; i++) { fs.mkdirSync("d".repeat(200)); process.chdir("d".repeat(200)); }
           fs.writeFileSync("deep.txt", "x");`,
          ws,
        ],
        { encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
      const s = snapshotWorkspace(ws);
      expect(s.truncated).toBe(true);
      expect(s.unscanned.map((u) => u.reason)).toContain("path-too-long");
      expect(diffSnapshots(s, snapshotWorkspace(ws)).truncated).toBe(true);
    } finally {
      // rm(1) walks by descriptor; Node's rmSync would hit the same PATH_MAX.
      spawnSync("rm", ["-rf", ws]);
    }
  });
});

describe("snapshotWorkspace: speed", () => {
  it("snapshots 10 000 files in well under its time budget", () => {
    const { ws } = tempBase();
    // Hard links: the walk still pays a lookup and an lstat per name (distinct files measured 110–170 ms here,
    // links 80–110 ms), and links are far cheaper to make than files on a busy disk.
    writeFileSync(join(ws, "seed"), "x");
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(ws, `dir${d}`));
      for (let f = 0; f < 100; f++) linkSync(join(ws, "seed"), join(ws, `dir${d}`, `file${f}.txt`));
    }
    const times: number[] = [];
    let s = snapshotWorkspace(ws);
    for (let i = 0; i < 3; i++) {
      s = snapshotWorkspace(ws);
      times.push(s.durationMs);
    }
    expect(s.entryCount).toBe(10_101);
    expect(s.truncated).toBe(false);
    const t0 = performance.now();
    const d = diffSnapshots(s, snapshotWorkspace(ws));
    const diffMs = performance.now() - t0;
    expect(d.counts).toEqual({ created: 0, modified: 0, deleted: 0 });
    console.log(
      `snapshot of 10 101 entries: ${times.map((t) => t.toFixed(0)).join(" / ")} ms; snapshot+diff ${diffMs.toFixed(0)} ms`,
    );
    // Generous: a loaded 2-core CI machine, but far below the 3 s default budget.
    expect(Math.min(...times)).toBeLessThan(1500);
    expect(readdirSync(ws)).toHaveLength(101);
  });
});
