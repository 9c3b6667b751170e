// Starts a session's process from a worker thread. Landlock, no_new_privs and a seccomp filter installed
// with prctl all apply to the calling thread only, and a child forked afterwards inherits them (libuv's
// spawn forks from the thread that calls it): so the worker restricts itself, then spawns, and Warden's main
// thread stays unrestricted to write the end of the session and forward signals. The worker lives as long as
// the child: bwrap's --die-with-parent is tied to the thread that forked it.
//
// The worker's code is plain JavaScript evaluated in the worker (it must not depend on how Warden itself is
// loaded, bundled or from source); it require()s koffi by the path the main thread resolved.
import { Worker } from "node:worker_threads";
import { koffiPath, type LandlockSpec } from "./landlock.ts";
import { leakableFds } from "./run.ts";

const WORKER_SOURCE = `
const { workerData: d, parentPort } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const post = (m) => parentPort.postMessage(m);

function restrict(spec, seccomp) {
  const koffi = require(d.koffi);
  let lib;
  for (const name of d.libc) {
    try { lib = koffi.load(name); break; } catch {}
  }
  if (!lib) throw new Error("no libc found for the FFI");
  const syscall = lib.func("long syscall(long nr, ...)");
  const prctl = lib.func("int prctl(int option, ...)");
  const close = lib.func("int close(int fd)");
  const fail = (what) => { throw new Error(what + " failed (errno " + koffi.errno() + ")"); };
  const Attr = koffi.struct({ fs: "uint64_t", net: "uint64_t", scoped: "uint64_t" });
  const PathBeneath = koffi.pack({ allowed: "uint64_t", fd: "int32_t" });
  const Fprog = koffi.struct({ len: "uint16_t", filter: "void *" });
  let skipped = 0;
  if (spec) {
    const size = spec.abi >= 6 ? 24 : spec.abi >= 4 ? 16 : 8;
    const attr = { fs: BigInt(spec.handledFs), net: BigInt(spec.handledNet), scoped: BigInt(spec.scoped) };
    const rs = Number(syscall(444, koffi.pointer(Attr), attr, "size_t", size, "uint32_t", 0));
    if (rs < 0) fail("landlock_create_ruleset");
    const O_PATH = 0o10000000, O_CLOEXEC = 0o2000000;
    for (const rule of spec.rules) {
      let fd;
      try { fd = fs.openSync(rule.path, O_PATH | O_CLOEXEC); } catch { skipped++; continue; }
      const r = Number(syscall(445, "int", rs, "int", 1, koffi.pointer(PathBeneath),
        { allowed: BigInt(rule.access), fd }, "uint32_t", 0));
      fs.closeSync(fd);
      if (r < 0) skipped++; // a grant lost denies more, never less
    }
    if (prctl(38, "unsigned long", 1, "unsigned long", 0, "unsigned long", 0, "unsigned long", 0) !== 0)
      fail("prctl(PR_SET_NO_NEW_PRIVS)");
    if (Number(syscall(446, "int", rs, "uint32_t", 0)) < 0) fail("landlock_restrict_self");
    close(rs); // not fs.closeSync: Node warns about closing a descriptor it did not open
  }
  if (seccomp) {
    if (!spec && prctl(38, "unsigned long", 1, "unsigned long", 0, "unsigned long", 0, "unsigned long", 0) !== 0)
      fail("prctl(PR_SET_NO_NEW_PRIVS)");
    const filter = Buffer.from(seccomp);
    if (prctl(22, "unsigned long", 2, koffi.pointer(Fprog), { len: filter.length / 8, filter }) !== 0)
      fail("prctl(PR_SET_SECCOMP)");
  }
  return skipped;
}

try {
  let skipped = 0;
  if (d.landlock || d.seccompSelf) skipped = restrict(d.landlock, d.seccompSelf);
  post({ type: "restricted", skipped });
  const stdio = ["inherit", "inherit", "inherit"];
  const fds = {};
  for (const name of ["seccomp", "info", "block"]) {
    if (!d.pipes.includes(name)) continue;
    fds[name] = stdio.length;
    stdio.push("pipe");
  }
  const devnull = d.leaks.length > 0 ? fs.openSync("/dev/null", "r") : -1;
  for (const fd of d.leaks) {
    while (stdio.length < fd) stdio.push("ignore");
    if (fd >= stdio.length) stdio.push(devnull);
  }
  const child = spawn(d.argv[0], d.argv.slice(1), { cwd: d.cwd, env: d.env, stdio, argv0: d.argv0 });
  if (devnull >= 0) fs.closeSync(devnull);
  child.once("spawn", () => post({ type: "spawn", pid: child.pid }));
  child.once("error", (e) => post({ type: "error", stage: "spawn", code: e.code, message: e.message }));
  child.once("exit", (code, signal) => post({ type: "exit", code, signal }));
  if (fds.seccomp !== undefined) {
    const s = child.stdio[fds.seccomp];
    s.on("error", () => {});
    s.end(Buffer.from(d.bwrapSeccomp));
  }
  if (fds.info !== undefined) {
    const chunks = [];
    const s = child.stdio[fds.info];
    s.on("data", (c) => chunks.push(c));
    s.once("close", () => post({ type: "info", text: Buffer.concat(chunks).toString("utf8") }));
  }
  if (fds.block !== undefined) {
    const s = child.stdio[fds.block];
    s.on("error", () => {});
    parentPort.on("message", (m) => { if (m === "release") s.end("x"); });
  }
} catch (e) {
  post({ type: "error", stage: "restrict", message: String((e && e.message) || e) });
}
`;

export interface WorkerSpawnOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Landlock rules the worker thread applies to itself before spawning. */
  landlock?: LandlockSpec | null;
  /** A seccomp filter the worker thread installs on itself (sock_filter[] bytes). */
  seccompSelf?: Buffer | null;
  /** For bwrap: the filter written into fd 3 (`--seccomp 3`), and the info/block pipes after it. */
  bwrapSeccomp?: Buffer | null;
  pipes?: ("seccomp" | "info" | "block")[];
}

export type WorkerEvent =
  | { type: "restricted"; skipped: number }
  | { type: "spawn"; pid: number }
  | { type: "info"; text: string }
  | { type: "error"; stage: "restrict" | "spawn"; code?: string; message: string }
  | { type: "exit"; code: number | null; signal: NodeJS.Signals | null };

export interface SpawnedSession {
  /** Resolves with the child's exit, or rejects when it could not be restricted or started. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Let a `--block-fd` sandbox go on. */
  release(): void;
}

const LIBC = ["libc.so.6", `libc.musl-${process.arch === "x64" ? "x86_64" : "aarch64"}.so.1`];

/** The fd numbers the child gets for `pipes`, in order, from 3. */
export function pipeFds(pipes: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ["seccomp", "info", "block"])
    if (pipes.includes(name)) out[name] = 3 + Object.keys(out).length;
  return out;
}

export function spawnFromWorker(
  options: WorkerSpawnOptions,
  on: (event: WorkerEvent) => void = () => {},
): SpawnedSession {
  const needsFfi = Boolean(options.landlock || options.seccompSelf);
  const pipes = options.pipes ?? [];
  const extra = 3 + pipes.length;
  // Descriptors Warden holds open without O_CLOEXEC would reach the agent: they become /dev/null.
  const leaks = leakableFds().filter((fd) => fd >= extra);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      koffi: needsFfi ? koffiPath() : null,
      libc: LIBC,
      landlock: options.landlock ?? null,
      seccompSelf: options.seccompSelf ? new Uint8Array(options.seccompSelf) : null,
      bwrapSeccomp: options.bwrapSeccomp ? new Uint8Array(options.bwrapSeccomp) : null,
      pipes,
      leaks,
      argv: options.argv,
      argv0: options.argv[0],
      cwd: options.cwd,
      env: options.env,
    },
    // The agent's environment is passed explicitly; the worker itself needs none of it.
    env: {},
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on("message", (m: WorkerEvent) => {
      on(m);
      if (m.type === "exit") finish(() => resolve({ code: m.code, signal: m.signal }));
      else if (m.type === "error")
        finish(() => reject(Object.assign(new Error(m.message), { stage: m.stage, code: m.code }) as Error));
    });
    worker.once("error", (err) => finish(() => reject(err)));
    worker.once("exit", () => finish(() => reject(new Error("the session's worker thread ended early"))));
  });
  return { done, release: () => worker.postMessage("release") };
}
