// Sandbox start-up cost, broken down: median of RUNS runs of /bin/true for each way of starting it, all in one
// process and interleaved round by round, so machine load hits every row alike. Rows add bwrap flag groups one at
// a time (each row is the previous row plus the named flags), then Warden's full argv, then runSandboxed().
// Run with `npx tsx bench/sandbox.bench.ts [RUNS]` (default 80, at least 50).
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBwrapArgs, type SandboxSpec } from "../src/sandbox/bwrap-args.ts";
import { probeSandbox } from "../src/sandbox/probe.ts";
import { leakableFds, runSandboxed } from "../src/sandbox/run.ts";
import { seccompProgram } from "../src/sandbox/seccomp.ts";
import { fmt, median } from "./stats.ts";

const RUNS = Math.max(50, Number(process.argv[2] ?? 80) || 80);
const probe = probeSandbox();
if (!probe.ok || probe.bwrap === null) {
  console.error(`sandbox unavailable: ${probe.problems.join("; ")}`);
  process.exit(1);
}
const bwrap = probe.bwrap;
const filter = seccompProgram();
if (filter === null) {
  console.error(`no seccomp filter for ${process.arch}`);
  process.exit(1);
}

// /var/tmp: the workspace must not be under /tmp, which the sandbox replaces with a tmpfs.
const dir = mkdtempSync("/var/tmp/warden-bench-");
const ws = join(dir, "ws");
mkdirSync(ws);
const filterFile = join(dir, "seccomp.bpf");
writeFileSync(filterFile, filter);
const home = process.env.HOME ?? "/root";
// Ten stand-ins for blocked programs, to price a policy that masks many binaries (one bind mount each).
const bin = join(dir, "bin");
mkdirSync(bin);
const manyBlocked = Array.from({ length: 10 }, (_, i) => `blocked${i}`);
for (const name of manyBlocked) {
  writeFileSync(join(bin, name), "#!/bin/sh\n");
  chmodSync(join(bin, name), 0o755);
}
const spec: SandboxSpec = {
  workspace: ws,
  cwd: ".",
  argv: ["/bin/true"],
  hidden: [join(home, ".ssh")],
  blockedPrograms: ["docker", "ansible", "vagrant"],
};

/** Wall time of one synchronous spawn; fd 3 carries a fresh read of the seccomp filter when asked. */
function timeSync(file: string, args: string[], seccomp = false): number {
  const fd = seccomp ? openSync(filterFile, "r") : -1;
  const t = performance.now();
  const r = spawnSync(file, args, {
    stdio: seccomp ? ["ignore", "ignore", "ignore", fd] : "ignore",
    env: {},
  });
  const ms = performance.now() - t;
  if (fd >= 0) closeSync(fd);
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.error?.message ?? `exit ${r.status}`}`);
  return ms;
}

/** Wall time of one asynchronous spawn, until its exit event. */
function timeAsync(file: string, args: string[], opts: SpawnOptions = {}, input?: Buffer): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: "ignore", env: {}, ...opts });
    if (input) {
      const pipe = child.stdio[3] as NodeJS.WritableStream | null;
      pipe?.end(input);
    }
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${file} ${args.join(" ")}: exit ${code}`));
      else resolve(performance.now() - t);
    });
  });
}

const TRUE = ["/bin/true"];
const base = ["--ro-bind", "/", "/"];
const user = [...base, "--unshare-user"];
const nsNoNet = [...user, "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"];
const nsAll = [...user, "--unshare-all"];
const noUserns = [...nsAll, "--disable-userns"];
const capDrop = [...noUserns, "--cap-drop", "ALL"];
const session = [...capDrop, "--die-with-parent", "--new-session"];
const mounts = [...session, "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--bind", ws, ws];
const full = buildBwrapArgs(spec, process.env, { seccompFd: 3 });
const fullNoSeccomp = buildBwrapArgs(spec, process.env);
const fullNet = buildBwrapArgs({ ...spec, net: true }, process.env, { seccompFd: 3 });
const fullMasks = buildBwrapArgs(
  { ...spec, blockedPrograms: [...(spec.blockedPrograms ?? []), ...manyBlocked] },
  { ...process.env, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` },
  { seccompFd: 3 },
);

interface Row {
  name: string;
  run: () => number | Promise<number>;
}
const rows: Row[] = [
  { name: "plain spawnSync /bin/true (baseline)", run: () => timeSync("/bin/true", []) },
  { name: "plain async spawn", run: () => timeAsync("/bin/true", []) },
  { name: "plain async spawn, detached", run: () => timeAsync("/bin/true", [], { detached: true }) },
  { name: "bwrap --ro-bind / /", run: () => timeSync(bwrap, [...base, ...TRUE]) },
  { name: "  + --unshare-user", run: () => timeSync(bwrap, [...user, ...TRUE]) },
  { name: "  + ipc, pid, uts, cgroup ns (no net ns)", run: () => timeSync(bwrap, [...nsNoNet, ...TRUE]) },
  { name: "  + net ns too (= --unshare-all)", run: () => timeSync(bwrap, [...nsAll, ...TRUE]) },
  { name: "  + --disable-userns", run: () => timeSync(bwrap, [...noUserns, ...TRUE]) },
  { name: "  + --cap-drop ALL", run: () => timeSync(bwrap, [...capDrop, ...TRUE]) },
  { name: "  + --die-with-parent --new-session", run: () => timeSync(bwrap, [...session, ...TRUE]) },
  { name: "  + --dev --proc --tmpfs /tmp, bind ws", run: () => timeSync(bwrap, [...mounts, ...TRUE]) },
  { name: "Warden argv, no seccomp (spawnSync)", run: () => timeSync(bwrap, fullNoSeccomp) },
  { name: "Warden argv + --seccomp (spawnSync)", run: () => timeSync(bwrap, full, true) },
  { name: "Warden argv + --seccomp, --share-net", run: () => timeSync(bwrap, fullNet, true) },
  { name: "Warden argv + --seccomp, 10 more masks", run: () => timeSync(bwrap, fullMasks, true) },
  {
    name: "Warden argv + --seccomp (async, detached)",
    run: () =>
      timeAsync(bwrap, full, { detached: true, stdio: ["ignore", "ignore", "ignore", "pipe"] }, filter),
  },
  {
    name: "runSandboxed() (awaited, wall)",
    run: async () => {
      const t = performance.now();
      const r = await runSandboxed(spec);
      if (r.exit !== 0) throw new Error(`runSandboxed /bin/true: ${JSON.stringify(r)}`);
      return performance.now() - t;
    },
  },
  {
    name: "runSandboxed({net: true})",
    run: async () => {
      const t = performance.now();
      const r = await runSandboxed({ ...spec, net: true });
      if (r.exit !== 0) throw new Error(`runSandboxed /bin/true: ${JSON.stringify(r)}`);
      return performance.now() - t;
    },
  },
];

/** Median in-process cost of the work runSandboxed does before it spawns. */
function inProcess(fn: () => unknown, n = 200): number {
  fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

try {
  for (const r of rows) await r.run(); // warm-up: page cache, JIT, the probe
  const times = rows.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) for (const [j, r] of rows.entries()) times[j]!.push(await r.run());
  const med = times.map(median);
  const p = med[0]!;
  const uid = process.getuid?.() ?? -1;
  console.log(
    `sandbox (bwrap ${probe.version}, uid ${uid}): median of ${RUNS} interleaved runs of /bin/true; ` +
      "each indented row adds its flags to the row above",
  );
  console.log(`  ${"".padEnd(44)} ${"ms".padStart(7)} ${"+ms vs plain".padStart(13)} ${"×".padStart(6)}`);
  for (const [j, r] of rows.entries()) {
    const m = med[j]!;
    console.log(
      `  ${r.name.padEnd(44)} ${fmt(m, 2).padStart(7)} ${(j === 0 ? "" : fmt(m - p, 2)).padStart(13)} ${fmt(m / p, 1).padStart(6)}`,
    );
  }
  console.log("  in-process work before the spawn (median of 200):");
  console.log(
    `    buildBwrapArgs (realpath, PATH scan)       ${fmt(
      inProcess(() => buildBwrapArgs(spec)),
      3,
    )} ms`,
  );
  console.log(`    leakableFds (/proc/self/fdinfo scan)       ${fmt(inProcess(leakableFds), 3)} ms`);
  console.log(
    `    seccompProgram                             ${fmt(
      inProcess(() => seccompProgram()),
      3,
    )} ms`,
  );
  const sandboxed = med[rows.findIndex((r) => r.name.startsWith("runSandboxed()"))]!;
  console.log(
    `  runSandboxed vs plain spawnSync: ${fmt(sandboxed / p, 1)}x, +${fmt(sandboxed - p, 2)} ms per command`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
