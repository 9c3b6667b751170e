// Resource limits against real bubblewrap, prlimit and cgroups. Runs as root (cgroups writable) and again as
// uid 65534 in CI (scripts/ci-unprivileged.sh), where no cgroup can be created: the rlimit tests hold in both,
// the cgroup tests assert cgroup behaviour only when the probe found a usable cgroup, and the graceful
// degradation (problem recorded, rlimits still applied) otherwise.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { SandboxSpec } from "../../src/sandbox/bwrap-args.ts";
import { prlimitArgs, type ResourceLimits, validateLimits } from "../../src/sandbox/limits.ts";
import { probeSandbox } from "../../src/sandbox/probe.ts";
import {
  type RunOptions,
  type RunResult,
  runSandboxed,
  SandboxUnavailableError,
} from "../../src/sandbox/run.ts";
import { tempDir } from "../tmp.ts";

const MiB = 1 << 20;
const SIGXCPU_EXIT = 128 + 24;
const SIGXFSZ_EXIT = 128 + 25;
const root = process.getuid?.() === 0;

let base = "";
let ws = "";
// The interpreter itself, not a shim: version-manager shims (pyenv) are shell scripts that fork, which would
// count against the process limits being tested.
let python = "python3";

beforeAll(() => {
  base = tempDir("warden-limits-test-", { varTmp: true });
  ws = join(base, "ws");
  mkdirSync(ws);
  const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
  if (r.status === 0 && r.stdout.trim() !== "") python = r.stdout.trim();
});

const spec = (argv: string[]): SandboxSpec => ({ workspace: ws, cwd: ".", argv });
const py = (code: string): string[] => [python, "-c", code];

interface Captured extends RunResult {
  stdout: string;
  stderr: string;
}

async function run(argv: string[], limits?: ResourceLimits, extra: RunOptions = {}): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const r = await runSandboxed(spec(argv), {
    timeoutMs: 20_000,
    ...(limits ? { limits } : {}),
    output: { stdout: (c) => out.push(c), stderr: (c) => err.push(c) },
    ...extra,
  });
  return { ...r, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

/** Every cgroup directory this test process created that still exists, in any mounted hierarchy. */
function ourCgroups(): string[] {
  const found: string[] = [];
  const prefix = `warden-${process.pid}-`;
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      try {
        if (!statSync(p).isDirectory()) continue;
      } catch {
        continue;
      }
      if (name.startsWith(prefix)) found.push(p);
      if (depth < 6) walk(p, depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

describe("limits API", () => {
  it("validates limits: positive integers for known keys only", () => {
    expect(() => validateLimits({ memoryBytes: 1, cpuSeconds: 2, processes: 3 })).not.toThrow();
    for (const bad of [{ memoryBytes: 0 }, { cpuSeconds: -1 }, { openFiles: 1.5 }, { processes: Number.NaN }])
      expect(() => validateLimits(bad)).toThrow(/positive integer/);
    expect(() => validateLimits({ memory: 5 } as ResourceLimits)).toThrow(/unknown resource limit/);
  });
  it("maps limits to prlimit options, CPU with a soft limit one second below the hard one", () => {
    expect(
      prlimitArgs({ memoryBytes: 256 * MiB, cpuSeconds: 3, fileSizeBytes: 10, openFiles: 64, processes: 20 }),
    ).toEqual([
      `--as=${256 * MiB}:${256 * MiB}`,
      "--cpu=3:4",
      "--fsize=10:10",
      "--nofile=64:64",
      "--nproc=20:20",
    ]);
    expect(prlimitArgs({})).toEqual([]);
  });
  it("invalid limits reject the run", async () => {
    await expect(runSandboxed(spec(["true"]), { limits: { memoryBytes: -5 } })).rejects.toThrow(/positive/);
    await expect(runSandboxed(spec([]), { limits: { cpuSeconds: 5 } })).rejects.toThrow(/empty argv/);
  });
  it("the probe reports prlimit and whether a cgroup can be used", () => {
    const p = probeSandbox();
    expect(p.prlimit).toMatch(/\/prlimit$/);
    expect([null, "v1", "v2"]).toContain(p.cgroup);
    if (p.cgroup === null) expect(p.cgroupProblem).toMatch(/\S/);
  });
  it("refuses limits when prlimit is masked in the sandbox, and runs without limits then", async () => {
    const s = { ...spec(["true"]), blockedPrograms: ["prlimit"] };
    await expect(runSandboxed(s, { limits: { cpuSeconds: 5 } })).rejects.toThrow(SandboxUnavailableError);
    await expect(runSandboxed(s, { limits: { cpuSeconds: 5 } })).rejects.toThrow(/prlimit/);
    expect((await runSandboxed(s, { timeoutMs: 20_000 })).exit).toBe(0);
  });
  it("a run without limits reports none", async () => {
    const r = await run(["true"]);
    expect(r.exit).toBe(0);
    expect(r.limits).toEqual({ rlimits: {}, cgroup: null });
  });
});

describe("rlimits (prlimit), as any user", () => {
  const alloc = (bytes: number): string[] => py(`b = b"x" * ${bytes}\nprint("allocated", len(b) >> 20)`); // b"x" * n writes every page

  it("a memory hog fails under memoryBytes; the same program succeeds without it and smaller under it", async () => {
    const hog = await run(alloc(1024 * MiB), { memoryBytes: 256 * MiB });
    expect(hog.exit).not.toBe(0);
    expect(hog.timedOut).toBe(false);
    expect(hog.stdout).not.toContain("allocated");
    expect(hog.stderr).toContain("MemoryError");
    expect(hog.limits.rlimits).toEqual({ memoryBytes: 256 * MiB });
    const small = await run(alloc(64 * MiB), { memoryBytes: 256 * MiB });
    expect(small.exit).toBe(0);
    expect(small.stdout).toContain("allocated 64");
    const free = await run(alloc(1024 * MiB));
    expect(free.exit).toBe(0);
    expect(free.stdout).toContain("allocated 1024");
  });

  it("a CPU burner is killed by SIGXCPU after cpuSeconds, well before the timeout", async () => {
    const r = await run(py("while True: pass"), { cpuSeconds: 1 });
    expect(r.timedOut).toBe(false);
    expect(r.exit).toBe(SIGXCPU_EXIT);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(r.limits.hit).toContain("cpu");
    expect(r.limits.rlimits).toEqual({ cpuSeconds: 1 });
  });

  it("a program that ignores SIGXCPU is killed one second later", async () => {
    const r = await run(
      py("import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True: pass"),
      {
        cpuSeconds: 1,
      },
    );
    expect(r.timedOut).toBe(false);
    expect(r.exit).toBe(128 + 9);
    expect(r.durationMs).toBeLessThan(15_000);
  });

  it("writing past fileSizeBytes: SIGXFSZ kills dd, the file stays at the limit", async () => {
    const dd = ["dd", "if=/dev/zero", "of=big.bin", "bs=64K", "count=32"]; // 2 MiB
    const r = await run(dd, { fileSizeBytes: MiB });
    expect(r.exit).toBe(SIGXFSZ_EXIT);
    expect(r.limits.hit).toContain("fileSize");
    expect(statSync(join(ws, "big.bin")).size).toBeLessThanOrEqual(MiB);
    const control = await run(dd);
    expect(control.exit).toBe(0);
    expect(statSync(join(ws, "big.bin")).size).toBe(2 * MiB);
  });

  it("writing past fileSizeBytes: a program ignoring SIGXFSZ (Python) gets EFBIG", async () => {
    const code = [
      "import errno",
      "try:",
      "    with open('big.py.bin', 'wb') as f: f.write(bytes(2 << 20))",
      "except OSError as e:",
      "    raise SystemExit(42 if e.errno == errno.EFBIG else 1)",
    ].join("\n");
    const r = await run(py(code), { fileSizeBytes: MiB });
    expect(r.exit).toBe(42);
    expect(statSync(join(ws, "big.py.bin")).size).toBeLessThanOrEqual(MiB);
  });

  it("openFiles caps descriptors (EMFILE); without it the same program opens 200", async () => {
    const code = [
      "import os",
      "n = 0",
      "try:",
      "    while n < 200:",
      "        os.open('/dev/null', os.O_RDONLY); n += 1",
      "except OSError as e:",
      "    print('errno', e.errno)",
      "print('opened', n)",
    ].join("\n");
    const r = await run(py(code), { openFiles: 32 });
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain("errno 24");
    const opened = Number(/opened (\d+)/.exec(r.stdout)?.[1]);
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThan(32);
    const control = await run(py(code));
    expect(control.stdout).toContain("opened 200");
    expect(control.stdout).not.toContain("errno");
  });

  it("the program cannot raise its own limits", async () => {
    const code = [
      "import resource",
      "try:",
      "    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))",
      "except (ValueError, OSError):",
      "    raise SystemExit(42)",
    ].join("\n");
    expect((await run(py(code), { memoryBytes: 512 * MiB })).exit).toBe(42);
  });
});

describe("processes", () => {
  // Bounded: at most `tries` short sleeps, each tagged so leftovers can be found on the host.
  const spawner = (tries: number, tag: string): string[] =>
    py(
      [
        "import subprocess",
        "n = 0",
        `for i in range(${tries}):`,
        "    try:",
        `        subprocess.Popen(['sleep', '${tag}']); n += 1`,
        "    except OSError:",
        "        pass",
        "print('started', n)",
      ].join("\n"),
    );
  const leftovers = (tag: string): string =>
    spawnSync("pgrep", ["-f", `sleep ${tag}`], { encoding: "utf8" }).stdout.trim();

  it("a fork loop is contained by processes (RLIMIT_NPROC inside the sandbox, pids.max as root)", async () => {
    const tag = `5.${process.pid}1`;
    const r = await run(spawner(200, tag), { processes: 20 });
    expect(r.exit).toBe(0);
    const started = Number(/started (\d+)/.exec(r.stdout)?.[1]);
    if (root && r.limits.cgroup === null) {
      // Root is exempt from RLIMIT_NPROC: without a pids cgroup nothing limits the count, and the report says so.
      expect(r.limits.cgroupProblem).toMatch(/RLIMIT_NPROC/);
    } else {
      expect(started).toBeGreaterThan(0);
      expect(started).toBeLessThan(20);
    }
    if (r.limits.cgroup !== null) expect(r.limits.hit).toContain("pids");
    // The sandbox's pid namespace took the sleeps down with it.
    for (let i = 0; i < 20 && leftovers(tag) !== ""; i++) await new Promise((ok) => setTimeout(ok, 100));
    expect(leftovers(tag)).toBe("");
  });

  it("control: without the limit the same loop starts every process", async () => {
    const tag = `5.${process.pid}2`;
    const r = await run(spawner(60, tag));
    expect(r.stdout).toContain("started 60");
  });

  it("other processes of the same user elsewhere do not count against the sandbox", async () => {
    // RLIMIT_NPROC counts per user namespace: set inside the sandbox it ignores the caller's other processes,
    // which for an unprivileged caller (here: this test runner's own tasks) would otherwise exceed a small limit.
    const mine = spawnSync("ps", ["-u", String(process.getuid?.()), "-L", "-o", "lwp="], {
      encoding: "utf8",
    });
    const tasks = mine.stdout.trim().split("\n").length;
    const limit = 8;
    const r = await run(py("print('ran')"), { processes: limit });
    expect(r.exit).toBe(0);
    expect(r.stdout).toBe("ran\n");
    if (!root) expect(tasks).toBeGreaterThan(limit); // the situation the placement exists for
  });
});

describe("cgroup", () => {
  it("the sandboxed program starts inside the run cgroup (or the reason is reported)", async () => {
    const r = await run(["cat", "/proc/self/cgroup"], { memoryBytes: 512 * MiB, processes: 64 });
    expect(r.exit).toBe(0);
    const p = probeSandbox();
    if (p.cgroup === null) {
      expect(r.limits.cgroup).toBeNull();
      expect(r.limits.cgroupProblem).toMatch(/\S/);
      expect(r.limits.rlimits).toEqual({ memoryBytes: 512 * MiB, processes: 64 });
      return;
    }
    expect(r.limits.cgroup).toBe(p.cgroup);
    expect(r.limits.cgroupProblem).toBeUndefined();
    // bwrap gives the sandbox its own cgroup namespace rooted where it was cloned; after the move the program
    // sees the run cgroup below that root.
    if (p.cgroup === "v1") {
      expect(r.stdout).toMatch(/^\d+:memory:\/warden-\d+-[0-9a-f]+$/m);
      expect(r.stdout).toMatch(/^\d+:pids:\/warden-\d+-[0-9a-f]+$/m);
    } else {
      expect(r.stdout).toMatch(/^0::\/(\.\.\/)?warden-\d+-[0-9a-f]+$/m);
    }
    expect(r.limits.memoryPeakBytes).toBeGreaterThan(0);
  });

  it("the gate works without the seccomp filter too, and leaks no descriptor into the sandbox", async () => {
    const limits = { memoryBytes: 512 * MiB, processes: 64, openFiles: 64 };
    const r = await run(["cat", "/proc/self/cgroup"], limits, { seccomp: false });
    expect(r.exit).toBe(0);
    if (probeSandbox().cgroup === "v1") expect(r.stdout).toMatch(/^\d+:pids:\/warden-/m);
    if (probeSandbox().cgroup === "v2") expect(r.stdout).toMatch(/^0::.*warden-/m);
    const fds = await run(["ls", "-l", "/proc/self/fd"], limits);
    expect(fds.exit).toBe(0);
    const open = fds.stdout
      .split("\n")
      .map((l) => /\s(\d+) -> (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), m[2]!] as const);
    expect(open.filter(([fd]) => fd <= 2).length).toBe(3);
    // Above stdio only ls's own handle and /dev/null for whatever this process had leaked: no info/block pipe.
    for (const [fd, target] of open.filter(([fd]) => fd > 2))
      expect(`${fd} ${target}`).toMatch(/ (\/dev\/null|\/proc\/\d+\/fd)$/);
  });

  it("memory shared by several processes is capped by the cgroup (each alone stays under RLIMIT_AS)", async () => {
    const script = [
      "pids=''",
      "for i in 1 2 3 4; do",
      `  ${python} -c 'import time; b = b"x" * (100 << 20); time.sleep(1)' & pids="$pids $!"`,
      "done",
      "fails=0; for p in $pids; do wait $p || fails=$((fails+1)); done; echo fails=$fails",
    ].join("\n");
    const r = await run(["bash", "-c", script], { memoryBytes: 256 * MiB, processes: 64 });
    expect(r.exit).toBe(0);
    if (probeSandbox().cgroup === null) {
      // Documented gap: RLIMIT_AS is per process, so without a cgroup 4 × 100 MiB fit under a 256 MiB limit.
      expect(r.limits.cgroup).toBeNull();
      expect(r.stdout).toContain("fails=0");
      return;
    }
    expect(r.stdout).not.toContain("fails=0");
    expect(r.limits.hit).toContain("memory");
    expect(r.limits.memoryPeakBytes).toBeGreaterThan(100 * MiB);
    expect(r.limits.memoryPeakBytes).toBeLessThanOrEqual(256 * MiB);
  });

  it("a timed-out run with a cgroup is killed and its cgroup removed", async () => {
    const tag = `30.${process.pid}3`;
    const r = await run(
      ["bash", "-c", `sleep ${tag} & sleep ${tag}`],
      { memoryBytes: 256 * MiB, processes: 16 },
      {
        timeoutMs: 1000,
      },
    );
    expect(r.timedOut).toBe(true);
    expect(ourCgroups()).toEqual([]);
    expect(spawnSync("pgrep", ["-f", `sleep ${tag}`], { encoding: "utf8" }).stdout.trim()).toBe("");
  });

  it("a program that cannot be executed still leaves no cgroup", async () => {
    const r = await run(["/nonexistent/program"], { memoryBytes: 256 * MiB, processes: 16 });
    expect(r.exit).not.toBe(0);
    expect(ourCgroups()).toEqual([]);
  });

  it("no cgroup directories are left behind by any run or by the probe", () => {
    expect(ourCgroups()).toEqual([]);
  });
});

describe("output callback", () => {
  const code = [
    "import sys",
    "for i in range(16):",
    "    sys.stdout.write('o' * 65536); sys.stdout.flush()",
    "    sys.stderr.write('e' * 65536); sys.stderr.flush()",
  ].join("\n");
  for (const [name, limits] of [
    ["without limits", undefined],
    ["with limits and a cgroup gate", { memoryBytes: 512 * MiB, processes: 64, openFiles: 64 }],
  ] as const) {
    it(`delivers 1 MiB of stdout and of stderr separately and completely (${name})`, async () => {
      const r = await run(py(code), limits);
      expect(r.exit).toBe(0);
      expect(r.stdout.length).toBe(MiB);
      expect(r.stderr.length).toBe(MiB);
      expect(r.stdout).toBe("o".repeat(MiB));
      expect(r.stderr).toBe("e".repeat(MiB));
    });
  }
  it("takes stdin from stdio[0] and ignores stdio[1]/[2] while output is piped", async () => {
    writeFileSync(join(base, "in.txt"), "hello from stdin\n");
    const fd = openSync(join(base, "in.txt"), "r");
    const out: Buffer[] = [];
    try {
      const r = await runSandboxed(spec(["cat"]), {
        timeoutMs: 20_000,
        stdio: [fd, "inherit", "inherit"],
        output: { stdout: (c) => out.push(c), stderr: () => {} },
      });
      expect(r.exit).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(Buffer.concat(out).toString()).toBe("hello from stdin\n");
  });
});
