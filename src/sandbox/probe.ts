// Capability probe: is bubblewrap installed and can it create the namespaces the sandbox needs?
// Also reports what resource limits can rest on: util-linux prlimit, and a cgroup for memory/pids limits.
// Runs once per process; the result is cached.
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type CgroupVersion, probeCgroups } from "./limits.ts";

export interface SandboxProbe {
  ok: boolean;
  bwrap: string | null;
  version: string | null;
  userns: boolean;
  problems: string[];
  /** util-linux prlimit, needed for any resource limit (runs refuse limits without it). Not part of `ok`. */
  prlimit: string | null;
  /** Where per-run memory/pids cgroups can be created; null when not (limits then rest on rlimits only). */
  cgroup: CgroupVersion | null;
  /** Why no (or only a partial) cgroup: unprivileged, not mounted, controller not delegated… */
  cgroupProblem?: string;
}

let cached: SandboxProbe | undefined;

/** First executable named `name` on PATH, or null. */
export function findOnPath(name: string, path = process.env.PATH ?? ""): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function probeSandbox(): SandboxProbe {
  if (cached !== undefined) return cached;
  cached = runProbe();
  return cached;
}

/** For tests only: forget the cached probe. */
export function resetSandboxProbe(): void {
  cached = undefined;
}

function runProbe(): SandboxProbe {
  const problems: string[] = [];
  const prlimit = findOnPath("prlimit") ?? findOnPath("prlimit", "/usr/bin:/bin");
  const cg = probeCgroups();
  const limits = { prlimit, cgroup: cg.cgroup, ...(cg.problem ? { cgroupProblem: cg.problem } : {}) };
  const bwrap = findOnPath("bwrap");
  if (bwrap === null) {
    problems.push(
      "bubblewrap (bwrap) not found on PATH; install it: `apt-get install bubblewrap` (Debian/Ubuntu) or " +
        "`dnf install bubblewrap` (Fedora/RHEL)",
    );
    return { ok: false, bwrap: null, version: null, userns: false, problems, ...limits };
  }
  const v = spawnSync(bwrap, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const version = v.status === 0 ? v.stdout.trim().replace(/^bubblewrap\s+/, "") : null;
  const t = spawnSync(
    bwrap,
    ["--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/", "/bin/true"],
    { encoding: "utf8", timeout: 10_000 },
  );
  const userns = t.status === 0;
  if (!userns) {
    const detail = (t.stderr ?? "").trim() || (t.error?.message ?? `exit ${t.status} signal ${t.signal}`);
    problems.push(
      `bwrap cannot create user/mount/pid/net namespaces (${detail}); enable unprivileged user namespaces: ` +
        "`sysctl kernel.unprivileged_userns_clone=1` (Debian/Ubuntu), `sysctl user.max_user_namespaces=15000`, " +
        "and on Ubuntu ≥ 23.10 `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; inside a container or " +
        "another sandbox, allow nested user namespaces (a seccomp/AppArmor profile that permits unshare and mount, " +
        "no `bwrap --disable-userns`)",
    );
  }
  return { ok: problems.length === 0, bwrap, version, userns, problems, ...limits };
}
