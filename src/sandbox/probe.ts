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

/**
 * `version` and the cgroup fields are computed on first read: the probe is on every `warden exec`'s path, and
 * they cost a spawn and a cgroup create/remove (≈ 5 ms together) that only reports and limited runs need.
 */
function lazy<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): void {
  let value: { v: T[K] } | undefined;
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      value ??= { v: compute() };
      return value.v;
    },
  });
}

function withLazyFields(
  base: Omit<SandboxProbe, "version" | "cgroup" | "cgroupProblem">,
  version: () => string | null,
): SandboxProbe {
  const probe = base as SandboxProbe;
  let cg: ReturnType<typeof probeCgroups> | undefined;
  const cgroups = () => {
    cg ??= probeCgroups();
    return cg;
  };
  lazy(probe, "version", version);
  lazy(probe, "cgroup", () => cgroups().cgroup);
  lazy(probe, "cgroupProblem", () => cgroups().problem);
  return probe;
}

function bwrapVersion(bwrap: string): string | null {
  const v = spawnSync(bwrap, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return v.status === 0 ? v.stdout.trim().replace(/^bubblewrap\s+/, "") : null;
}

/** The flags every sandbox relies on that older bubblewraps lack: the trial run fails on them. */
const REQUIRED_FLAGS = ["--disable-userns", "--cap-drop", "ALL"];
const MIN_VERSION = "0.8.0";

function runProbe(): SandboxProbe {
  const problems: string[] = [];
  const prlimit = findOnPath("prlimit") ?? findOnPath("prlimit", "/usr/bin:/bin");
  const bwrap = findOnPath("bwrap");
  if (bwrap === null) {
    problems.push(
      "bubblewrap (bwrap) not found on PATH; install it: `apt-get install bubblewrap` (Debian/Ubuntu) or " +
        "`dnf install bubblewrap` (Fedora/RHEL)",
    );
    return withLazyFields({ ok: false, bwrap: null, userns: false, problems, prlimit }, () => null);
  }
  const t = spawnSync(
    bwrap,
    [
      "--unshare-all",
      "--unshare-user",
      ...REQUIRED_FLAGS,
      "--die-with-parent",
      "--ro-bind",
      "/",
      "/",
      "/bin/true",
    ],
    { encoding: "utf8", timeout: 10_000 },
  );
  let userns = t.status === 0;
  if (!userns) {
    const detail = (t.stderr ?? "").trim() || (t.error?.message ?? `exit ${t.status} signal ${t.signal}`);
    if (/unknown option|unrecognized option/i.test(detail)) {
      userns = true; // not what failed
      problems.push(
        `bubblewrap ${bwrapVersion(bwrap) ?? "(unknown version)"} is too old (${detail}); Warden needs ` +
          `${MIN_VERSION} or later for --disable-userns: upgrade the bubblewrap package`,
      );
    } else
      problems.push(
        `bwrap cannot create user/mount/pid/net namespaces (${detail}); enable unprivileged user namespaces: ` +
          "`sysctl kernel.unprivileged_userns_clone=1` (Debian/Ubuntu), `sysctl user.max_user_namespaces=15000`, " +
          "and on Ubuntu ≥ 23.10 `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; inside a container or " +
          "another sandbox, allow nested user namespaces (a seccomp/AppArmor profile that permits unshare and mount, " +
          "no `bwrap --disable-userns`)",
      );
  }
  return withLazyFields({ ok: problems.length === 0, bwrap, userns, problems, prlimit }, () =>
    bwrapVersion(bwrap),
  );
}
