// Resource limits for one sandboxed run: rlimits through util-linux `prlimit`, and a per-run cgroup for memory
// and process counts where the host lets us create one.
//
// The rlimits are applied inside the sandbox (`bwrap … -- prlimit --as=… -- PROGRAM`), not around bwrap. Since
// Linux 5.14 RLIMIT_NPROC is checked per (user namespace, uid) and up the namespace chain against the rlimit each
// namespace was created with: wrapped around bwrap, the limit is compared with every task the caller's uid owns
// on the host, so an ordinary user with a browser open could not even start bwrap. Set after bwrap's namespaces
// exist, it counts the sandbox's tasks only. It also keeps bwrap itself out of tight limits (a small `openFiles`
// or `memoryBytes` would otherwise break bwrap's own setup instead of the program).
//
// The cgroup is joined through bwrap's `--info-fd` / `--block-fd`: bwrap reports the sandbox's pid and then
// waits, before it forks the program, until the caller writes to the block fd. The runner moves the pid into the
// cgroup in between, so nothing in the sandbox ever runs outside it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import type { LimitSettings } from "../policy/compile.ts";

/** The policy's `sandbox.limits`, compiled: one type, so the two cannot drift apart. */
export type ResourceLimits = LimitSettings;

export interface LimitsReport {
  /** What was applied with prlimit ({} when none). */
  rlimits: ResourceLimits;
  /** Where memory/pids limits were enforced, null when not. */
  cgroup: "v1" | "v2" | null;
  /** Why no cgroup (unprivileged, not mounted, write refused…). */
  cgroupProblem?: string;
  /** From the cgroup when available. */
  memoryPeakBytes?: number;
  /** Limits known to have been hit: "memory", "pids" (cgroup counters), "cpu", "fileSize" (SIGXCPU, SIGXFSZ). */
  hit?: string[];
}

export type CgroupVersion = "v1" | "v2";
type Controller = "memory" | "pids";

const RLIMIT_FLAGS: Record<keyof ResourceLimits, string> = {
  memoryBytes: "as",
  cpuSeconds: "cpu",
  fileSizeBytes: "fsize",
  openFiles: "nofile",
  processes: "nproc",
};

export const PRLIMIT_MISSING =
  "resource limits requested but prlimit was not found on PATH; install it: `apt-get install util-linux` " +
  "(Debian/Ubuntu) or `dnf install util-linux` (Fedora/RHEL)";

/** Throws on anything but positive integers for known keys: a typo must not silently mean "unlimited". */
export function validateLimits(limits: ResourceLimits): void {
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in RLIMIT_FLAGS)) throw new Error(`sandbox: unknown resource limit: ${key}`);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
      throw new Error(`sandbox: limits.${key} must be a positive integer, got ${String(value)}`);
  }
}

/** The limits that are set, in a fresh object (the report's `rlimits`). */
export function definedLimits(limits: ResourceLimits): ResourceLimits {
  const out: ResourceLimits = {};
  for (const key of Object.keys(RLIMIT_FLAGS) as (keyof ResourceLimits)[]) {
    const v = limits[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** prlimit options for the limits that are set, e.g. `--as=268435456:268435456`. */
export function prlimitArgs(limits: ResourceLimits): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(RLIMIT_FLAGS) as [keyof ResourceLimits, string][]) {
    const v = limits[key];
    if (v === undefined) continue;
    // With soft = hard the kernel sends SIGKILL, indistinguishable from any other kill; a soft limit one
    // second below the hard one delivers SIGXCPU first, which names the cause.
    const hard = key === "cpuSeconds" ? v + 1 : v;
    out.push(`--${flag}=${v}:${hard}`);
  }
  return out;
}

/** Limits named by how the program died: bwrap reports a signal death of the program as 128 + signal. */
export function signalHits(limits: ResourceLimits, exit: number | null, signal: string | null): string[] {
  const hit: string[] = [];
  const is = (name: "SIGXCPU" | "SIGXFSZ"): boolean =>
    signal === name || exit === 128 + constants.signals[name];
  if (limits.cpuSeconds !== undefined && is("SIGXCPU")) hit.push("cpu");
  if (limits.fileSizeBytes !== undefined && is("SIGXFSZ")) hit.push("fileSize");
  return hit;
}

// ---------------------------------------------------------------------------------------------------------------
// Locating the cgroup hierarchies

interface CgroupMount {
  fstype: "cgroup" | "cgroup2";
  /** The cgroup path that the mount shows at its mount point ("/" unless bind-mounted or namespaced). */
  root: string;
  mountPoint: string;
  /** v1 super options: the controllers bound to this hierarchy. */
  options: string[];
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

function cgroupMounts(): CgroupMount[] {
  const out: CgroupMount[] = [];
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (pre === undefined || post === undefined) continue;
    const f = pre.split(" ");
    const [fstype, , superOpts] = post.split(" ");
    if ((fstype !== "cgroup" && fstype !== "cgroup2") || f[3] === undefined || f[4] === undefined) continue;
    out.push({
      fstype,
      root: unescapeMountinfo(f[3]),
      mountPoint: unescapeMountinfo(f[4]),
      options: (superOpts ?? "").split(","),
    });
  }
  return out;
}

/** Our cgroup paths: v1 per controller, v2 from the `0::` line. */
function ownCgroups(): { v1: Map<string, string>; v2: string | null } {
  const v1 = new Map<string, string>();
  let v2: string | null = null;
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    // no cgroups at all
  }
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "0" && m[2] === "") v2 = m[3]!;
    else for (const c of m[2]!.split(",")) v1.set(c, m[3]!);
  }
  return { v1, v2 };
}

/** Directory of cgroup `path` in `mount`, or null when the mount does not show it. */
function dirIn(mount: CgroupMount, path: string): string | null {
  let rel: string;
  if (mount.root === "/") rel = path;
  else if (path === mount.root) rel = "/";
  else if (path.startsWith(`${mount.root}/`)) rel = path.slice(mount.root.length);
  else return null;
  return rel === "/" ? mount.mountPoint : join(mount.mountPoint, rel);
}

function words(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trim().split(/\s+/);
  } catch {
    return [];
  }
}

interface Placement {
  version: CgroupVersion;
  /** Directory under which the run cgroup for each controller is created. */
  parents: Partial<Record<Controller, string>>;
  problems: string[];
}

function locateV2(need: Controller[]): Placement {
  const problems: string[] = [];
  const parents: Partial<Record<Controller, string>> = {};
  const mount = cgroupMounts().find((m) => m.fstype === "cgroup2");
  const own = ownCgroups().v2;
  const ownDir = mount && own !== null ? dirIn(mount, own) : null;
  if (!mount || ownDir === null) {
    problems.push("no cgroup2 hierarchy mounted");
    return { version: "v2", parents, problems };
  }
  // A v2 cgroup that holds processes (ours does: we are in it) cannot hand controllers to children, except the
  // root. So the run cgroup is our child when our subtree already has the controllers, else our sibling when our
  // parent hands them to us (e.g. a systemd scope or service: the slice above it enables them).
  const subtree = words(join(ownDir, "cgroup.subtree_control"));
  const available = words(join(ownDir, "cgroup.controllers"));
  for (const c of need) {
    if (subtree.includes(c)) parents[c] = ownDir;
    else if (ownDir !== mount.mountPoint && available.includes(c)) parents[c] = dirname(ownDir);
    else
      problems.push(
        `cgroup v2: the ${c} controller is not available to children of ${ownDir}` +
          (ownDir === mount.mountPoint
            ? ` (enable it in ${ownDir}/cgroup.subtree_control; the kernel allows that only while the cgroup ` +
              "holds no processes, so inside a container move them into a child cgroup first)"
            : ""),
      );
  }
  return { version: "v2", parents, problems };
}

function locateV1(need: Controller[]): Placement {
  const problems: string[] = [];
  const parents: Partial<Record<Controller, string>> = {};
  const mounts = cgroupMounts().filter((m) => m.fstype === "cgroup");
  const own = ownCgroups().v1;
  for (const c of need) {
    const mount = mounts.find((m) => m.options.includes(c));
    const path = own.get(c);
    const dir = mount && path !== undefined ? dirIn(mount, path) : null;
    if (dir === null) problems.push(`no cgroup v1 hierarchy with the ${c} controller`);
    else parents[c] = dir;
  }
  return { version: "v1", parents, problems };
}

/** Where per-run cgroups for `need` go: v2 when it offers every controller, else whichever offers more. */
function locate(need: Controller[]): Placement {
  const v2 = locateV2(need);
  if (v2.problems.length === 0) return v2;
  const v1 = locateV1(need);
  const served = (p: Placement): number => Object.keys(p.parents).length;
  if (served(v1) === 0 && served(v2) === 0) return { ...v1, problems: [...v2.problems, ...v1.problems] };
  // The unused version's problems only say why it was not chosen.
  return served(v1) > served(v2) ? v1 : v2;
}

// ---------------------------------------------------------------------------------------------------------------
// The per-run cgroup

const STALE_NAME = /^warden-(\d+)-[0-9a-f]+$/;
let sequence = 0;

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const uid = process.getuid?.();
  if ((e.code === "EACCES" || e.code === "EPERM") && uid !== 0)
    return `${e.code} (not root, and no cgroup delegated to uid ${uid ?? "?"})`;
  return e.code ?? e.message ?? String(err);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes empty run cgroups left by a Warden process that died mid-run (its sandbox died with it). */
function sweepStale(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = STALE_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const dir = join(parent, name);
    try {
      // Another Warden in another pid namespace may reuse the pid: leave cgroups that are only seconds old.
      if (Date.now() - statSync(dir).mtimeMs < 60_000) continue;
      rmdirSync(dir);
    } catch {
      // busy or gone: not ours to force
    }
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A `key value` line of a flat-keyed cgroup file (memory.events, pids.events, memory.oom_control). */
function readKey(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(file, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Slot {
  dir: string;
  controllers: Controller[];
  active: boolean;
}

export interface CgroupStats {
  memoryPeakBytes?: number;
  hit: string[];
}

export class RunCgroup {
  private constructor(
    readonly version: CgroupVersion,
    private readonly slots: Slot[],
  ) {}

  /**
   * Creates the run cgroup(s) and writes the limits. Returns null with the reason when nothing could be set up;
   * a partial setup (one controller refused) returns the cgroup and the problem.
   */
  static create(limits: ResourceLimits): { cgroup: RunCgroup | null; problem?: string } {
    const need: Controller[] = [];
    if (limits.memoryBytes !== undefined) need.push("memory");
    if (limits.processes !== undefined) need.push("pids");
    if (need.length === 0) return { cgroup: null };
    const place = locate(need);
    const problems = [...place.problems];
    const name = `warden-${process.pid}-${(++sequence).toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const slots: Slot[] = [];
    for (const c of need) {
      const parent = place.parents[c];
      if (parent === undefined) continue;
      const dir = join(parent, name);
      let slot = slots.find((s) => s.dir === dir);
      try {
        if (!slot) {
          sweepStale(parent);
          mkdirSync(dir);
          slot = { dir, controllers: [], active: true };
          slots.push(slot);
        }
        writeLimit(place.version, dir, c, limits);
        slot.controllers.push(c);
      } catch (err) {
        problems.push(`cannot ${slot ? "set the" : "create a"} ${c} cgroup in ${parent}: ${errText(err)}`);
      }
    }
    for (const s of slots.filter((s) => s.controllers.length === 0)) {
      tryRmdir(s.dir);
      slots.splice(slots.indexOf(s), 1);
    }
    const problem = problems.length > 0 ? problems.join("; ") : undefined;
    if (slots.length === 0) return { cgroup: null, ...(problem ? { problem } : {}) };
    return { cgroup: new RunCgroup(place.version, slots), ...(problem ? { problem } : {}) };
  }

  /** Controllers currently enforced. */
  get controllers(): Controller[] {
    return this.slots.filter((s) => s.active).flatMap((s) => s.controllers);
  }

  /** Moves a process (all its threads) into every slot; a slot that refuses is dropped and named. */
  enter(pid: number): string | undefined {
    const problems: string[] = [];
    for (const s of this.slots.filter((s) => s.active)) {
      try {
        writeFileSync(join(s.dir, "cgroup.procs"), String(pid));
      } catch (err) {
        s.active = false;
        problems.push(`cannot move the sandbox into ${s.dir}: ${errText(err)}`);
      }
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
  }

  stats(): CgroupStats {
    const hit = new Set<string>();
    let memoryPeakBytes: number | undefined;
    for (const s of this.slots.filter((s) => s.active)) {
      const f = (name: string): string => join(s.dir, name);
      if (s.controllers.includes("memory")) {
        if (this.version === "v2") {
          memoryPeakBytes = readNumber(f("memory.peak"));
          if (
            (readKey(f("memory.events"), "max") ?? 0) > 0 ||
            (readKey(f("memory.events"), "oom_kill") ?? 0) > 0
          )
            hit.add("memory");
        } else {
          memoryPeakBytes = readNumber(f("memory.max_usage_in_bytes"));
          const counts = [
            readNumber(f("memory.failcnt")),
            readNumber(f("memory.memsw.failcnt")),
            readKey(f("memory.oom_control"), "oom_kill"),
          ];
          if (counts.some((n) => (n ?? 0) > 0)) hit.add("memory");
        }
      }
      if (s.controllers.includes("pids") && (readKey(f("pids.events"), "max") ?? 0) > 0) hit.add("pids");
    }
    return { ...(memoryPeakBytes !== undefined ? { memoryPeakBytes } : {}), hit: [...hit] };
  }

  /** Kills whatever is left in the cgroup(s) and removes them; resolves with a problem if one stays behind. */
  async destroy(): Promise<string | undefined> {
    const deadline = Date.now() + 5_000;
    let pending = [...this.slots];
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      pending = pending.filter((s) => {
        killAll(this.version, s.dir);
        return !tryRmdir(s.dir);
      });
      if (pending.length === 0) return undefined;
      if (Date.now() > deadline)
        return `could not remove ${pending.map((s) => s.dir).join(", ")} (still busy)`;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** For a cgroup nothing was moved into (setup failed before the sandbox started). */
  disposeEmpty(): void {
    for (const s of this.slots) tryRmdir(s.dir);
  }
}

function writeLimit(version: CgroupVersion, dir: string, c: Controller, limits: ResourceLimits): void {
  if (c === "pids") {
    writeFileSync(join(dir, "pids.max"), String(limits.processes));
    return;
  }
  const bytes = String(limits.memoryBytes);
  if (version === "v2") {
    writeFileSync(join(dir, "memory.max"), bytes);
    // Without this, pages pushed to swap would not count and a hog could exceed the limit by the swap size.
    if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
  } else {
    writeFileSync(join(dir, "memory.limit_in_bytes"), bytes);
    // memsw (memory + swap) must be ≥ the memory limit, so it is written second; absent without swap accounting.
    if (existsSync(join(dir, "memory.memsw.limit_in_bytes")))
      writeFileSync(join(dir, "memory.memsw.limit_in_bytes"), bytes);
  }
}

function killAll(version: CgroupVersion, dir: string): void {
  if (version === "v2" && existsSync(join(dir, "cgroup.kill"))) {
    try {
      writeFileSync(join(dir, "cgroup.kill"), "1");
      return;
    } catch {
      // fall back to one by one
    }
  }
  for (const pid of words(join(dir, "cgroup.procs"))) {
    try {
      if (pid !== "") process.kill(Number(pid), "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}

/** true when the directory is gone. */
function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Capability probe: can this process create a run cgroup with memory and pids limits? Creates and removes one. */
export function probeCgroups(): { cgroup: CgroupVersion | null; problem?: string } {
  const made = RunCgroup.create({ memoryBytes: 1 << 30, processes: 4096 });
  if (made.cgroup === null) return { cgroup: null, problem: made.problem ?? "no cgroup available" };
  made.cgroup.disposeEmpty();
  return { cgroup: made.cgroup.version, ...(made.problem ? { problem: made.problem } : {}) };
}
