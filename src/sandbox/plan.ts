// The sandbox a policy asks for: which host paths are writable, read-only or hidden, what is blocked, which
// limits apply. The mounts come from the same PathPermissions and secret matcher that judge commands, so a path
// the policy would refuse to write is also unwritable inside the sandbox, whatever program ends up writing it.
//
// Only what a mount can express is enforced here: a permission per existing path. Candidates are the literal
// paths the policy names (braces expanded, `dir/**` → `dir`), plus the workspace entries and the top of $HOME
// matched against glob and basename patterns (`*.pem`, `.env`, `**/.git/hooks`). A mount is emitted only
// where a path's state differs from what it inherits from the nearest mounted ancestor.
import { readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { keysDir } from "../approval/keys.ts";
import { approvalsDir } from "../approval/store.ts";
import type { EffectivePolicy, LimitSettings } from "../policy/compile.ts";
import { absolutePattern, compileGlob, expandBraces } from "../policy/glob.ts";
import { PathPermissions } from "../policy/permissions.ts";
import { BUILTIN_SECRET_PATHS, compileSecrets } from "../policy/secrets.ts";
import { GUARD_PATHS } from "../rules/guard-paths.ts";
import { configDir, stateDir } from "../state.ts";
import { canonical, depth, isUnder, type SandboxSpec } from "./bwrap-args.ts";

export interface SandboxPlanInput {
  policy: EffectivePolicy;
  /** Physically resolved, as decideFacts gives them. */
  cwd: string;
  workspace: string;
  home: string;
  argv: string[];
  /** The caller's environment: PATH, HOME, … and the policy's `sandbox.env` names are taken from it. */
  env: NodeJS.ProcessEnv;
  /** Programs masked with /dev/null (blockedPrograms of the policy for this user/profile). */
  blocked: string[];
  /** `--net` for this run. */
  net?: boolean;
  /** Workspace-relative paths from a workspace snapshot (directories end in `/`), for glob patterns. */
  entries?: readonly string[];
  /** The snapshot stopped early: glob patterns were checked against part of the workspace only. */
  entriesTruncated?: boolean;
  /**
   * Files a human approved this very command to touch (the paths shown with the approved findings): readable
   * inside even when secret, writable only where the policy allows writing. Directories are never revealed.
   */
  reveal?: readonly string[];
  /**
   * Paths writable whatever the path permissions say (a `warden run` session: the agents' own state dirs,
   * which they must write to work at all). Guard paths, secrets and Warden's own dirs inside stay as they are.
   */
  writable?: readonly string[];
}

export interface SandboxPlan {
  spec: SandboxSpec;
  limits: LimitSettings;
  timeoutMs?: number;
  /** What the policy says that the mounts do not enforce (told to the user, recorded in the audit log). */
  notes: string[];
}

type State = "rw" | "ro" | "hidden";

/** Beyond this many masks the bwrap command line and start-up cost grow unreasonable: refuse instead. */
export const MAX_MOUNTS = 4096;

// The sandbox brings its own /dev and /proc; /tmp is always a private tmpfs (scratch space that vanishes).
const OWN_MOUNTS = ["/dev", "/proc", "/sys"];
const PRIVATE_TMP = "/tmp";

const GLOB_CHARS = /[*?[{]/;
/** A child name no pattern is written for. */
const PROBE_NAME = "\u0001warden-probe";

/** Literal paths a pattern names (`/srv/data/**` → `/srv/data`), or null when only matching can tell. */
function literalRoot(abs: string): string | null {
  const cut = abs.endsWith("/**") ? abs.slice(0, -3) : abs;
  if (cut === "" || GLOB_CHARS.test(cut) || !cut.startsWith("/")) return null;
  return cut;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function planSandbox(input: SandboxPlanInput): SandboxPlan {
  const { policy, home, workspace } = input;
  const notes: string[] = [];
  const permissions = new PathPermissions(policy, home, workspace);
  const secrets = compileSecrets(policy.secrets.paths, policy.secrets.except, home, workspace);
  const now = Date.now();

  const literal = new Set<string>([workspace]);
  if (home !== "/" && home !== "") literal.add(home);
  // Warden's own approval machinery: keys, pending requests, the unlock agent's socket. Compared with the
  // canonical candidates, so canonical too: a state dir reached through a symlink must not slip through.
  const own = [keysDir(input.env), approvalsDir(input.env), join(stateDir(input.env), "agent")].map(
    (d) => canonical(d) ?? d,
  );
  for (const d of own) literal.add(d);
  // The guard's configuration (rules/guard-paths.ts): read-only inside whatever the policy grants, so a build
  // script cannot switch the agent's hooks off or rewrite Warden's policy or log. Only existing paths can be
  // mounted; a missing one is left to the rules (a mask over nothing would leave a stub on the host).
  const guarded = new Set<string>();
  const guardCandidates = [configDir(input.env), stateDir(input.env)];
  for (const g of GUARD_PATHS)
    for (const rel of g.mount ?? []) guardCandidates.push(join(workspace, rel), join(home, rel));
  for (const c of guardCandidates) {
    const real = canonical(c);
    if (real === null) continue;
    if (isUnder(workspace, real) || isUnder(home, real)) {
      notes.push(`${real} holds the workspace or home: not mounted read-only (the rules still guard it)`);
      continue;
    }
    guarded.add(real);
    literal.add(real);
  }
  const globs: RegExp[] = [];
  const patterns = [
    ...policy.paths.entries.map((e) => e.pattern),
    ...policy.paths.restrictions.map((e) => e.pattern),
    ...BUILTIN_SECRET_PATHS,
    ...policy.secrets.paths,
  ];
  for (const pattern of patterns) {
    for (const expanded of expandBraces(absolutePattern(pattern, home, workspace))) {
      const root = literalRoot(expanded);
      if (root !== null) literal.add(root);
      else globs.push(compileGlob(expanded).regex);
    }
  }
  const revealed = new Set<string>();
  for (const r of input.reveal ?? []) {
    const real = canonical(r);
    if (real !== null && statSync(real, { throwIfNoEntry: false })?.isFile()) {
      revealed.add(real);
      literal.add(real);
    }
  }
  const extraWritable: string[] = [];
  for (const w of input.writable ?? []) {
    const real = canonical(w);
    if (real === null) continue;
    extraWritable.push(real);
    literal.add(real);
  }
  // A directory's mount governs what is inside it, so a directory is judged by a child: replacing the
  // workspace root itself is "outside" to PathPermissions, writing in it is not.
  const stateOf = (p: string, dir: boolean): State => {
    if (own.some((o) => isUnder(p, o))) return "hidden";
    const probe = dir ? join(p, PROBE_NAME) : p;
    const readable =
      revealed.has(p) || (secrets.match(p) === null && permissions.check(probe, "read", now).ok);
    if (!readable) return "hidden";
    if ([...guarded].some((g) => isUnder(p, g))) return "ro";
    if (extraWritable.some((w) => isUnder(p, w))) return "rw";
    return permissions.check(probe, "write", now).ok ? "rw" : "ro";
  };

  const candidates = new Map<string, State>();
  const consider = (p: string): void => {
    if (OWN_MOUNTS.some((d) => isUnder(p, d)) || p === PRIVATE_TMP || p === sep) return;
    const real = canonical(p);
    if (real === null || candidates.has(real)) return; // a mask over nothing would leave a stub on the host
    if (OWN_MOUNTS.some((d) => isUnder(real, d)) || real === PRIVATE_TMP || real === sep) return;
    let dir: boolean;
    try {
      dir = statSync(real).isDirectory();
    } catch {
      return;
    }
    candidates.set(real, stateOf(real, dir));
  };
  for (const p of literal) consider(p);
  if (globs.length > 0) {
    const any = new RegExp(globs.map((g) => `(?:${g.source})`).join("|"));
    const matchEntry = (abs: string): void => {
      if (any.test(abs) || secrets.match(abs) !== null) consider(abs);
    };
    if (input.entries === undefined)
      notes.push("workspace not scanned: glob and basename patterns are enforced by decisions only");
    else {
      for (const rel of input.entries) {
        const clean = rel.endsWith("/") ? rel.slice(0, -1) : rel;
        if (clean !== "") matchEntry(join(workspace, clean));
      }
      if (input.entriesTruncated)
        notes.push(
          "workspace scan truncated: glob patterns (e.g. *.pem) were masked in the scanned part only",
        );
    }
    if (home !== "/" && !isUnder(home, workspace))
      for (const name of safeReaddir(home)) matchEntry(join(home, name));
  }

  // Shallow → deep; each path inherits the state of its nearest mounted ancestor.
  const ordered = [...candidates.entries()].sort((a, b) => depth(a[0]) - depth(b[0]));
  const mounted: [string, State][] = [];
  const inherited = (p: string): State => {
    for (let i = mounted.length - 1; i >= 0; i--) if (isUnder(p, mounted[i]![0])) return mounted[i]![1];
    return isUnder(p, PRIVATE_TMP) ? "rw" : "ro";
  };
  const spec: SandboxSpec = {
    workspace,
    cwd: input.cwd,
    argv: input.argv,
    readOnly: [],
    writable: [],
    hidden: [],
    blockedPrograms: input.blocked,
    net: input.net === true || policy.sandbox.network,
    allowUnixSockets: policy.sandbox.unixSockets,
    env: passEnv(policy.sandbox.env, input.env),
  };
  for (const [p, s] of ordered) {
    // The workspace is bound read-write by the builder; it needs a mount of its own only to lose that.
    if (p === workspace) {
      mounted.push([p, s]);
      if (s !== "rw") (s === "ro" ? spec.readOnly : spec.hidden)!.push(p);
      continue;
    }
    if (s === inherited(p)) continue;
    mounted.push([p, s]);
    (s === "rw" ? spec.writable : s === "ro" ? spec.readOnly : spec.hidden)!.push(p);
  }
  const count = spec.writable!.length + spec.readOnly!.length + spec.hidden!.length;
  if (count > MAX_MOUNTS)
    throw new Error(
      `sandbox: the policy needs ${count} mounts here (more than ${MAX_MOUNTS}); narrow the secret/path patterns`,
    );
  if (policy.paths.outsideName !== "read")
    notes.push(
      `paths.outside: ${policy.paths.outsideName} is enforced by decisions; the sandbox shows the rest of the host read-only`,
    );
  const plan: SandboxPlan = { spec, limits: { ...policy.sandbox.limits }, notes };
  if (policy.sandbox.timeoutMs !== undefined) plan.timeoutMs = policy.sandbox.timeoutMs;
  return plan;
}

function passEnv(names: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = env[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}
