// Folds policy fragments (template → user → repo → --policy, then the selected profile's overlays) into
// one effective policy. Trusted fragments may loosen, but loosening a deny needs `override: true`, which
// is recorded. Untrusted fragments (a repository's own .warden/policy.yaml, which an agent can write)
// can only tighten: whatever would loosen is dropped with a warning.
import { createHash } from "node:crypto";
import type { Decision, Risk } from "../types.ts";
import { RISKS, riskRank } from "../types.ts";
import { riskOf } from "./aliases.ts";
import type { PathOpName, Permission, PolicyBody } from "./document.ts";
import { PolicyError } from "./errors.ts";
import { type CompiledPattern, compilePattern, wordGlob } from "./match.ts";

export interface LayerInfo {
  kind: "built-in" | "user" | "repo" | "file";
  /** How messages name it: `built-in`, or the file path. */
  name: string;
  file?: string;
  trusted: boolean;
}

export interface Fragment {
  body: PolicyBody;
  layer: LayerInfo;
  /** `template strict`, `profile ci`, or the layer's own content. */
  label: string;
  /** `file:line:col` of a document path (relative to this fragment's body), for messages. */
  at(path: readonly (string | number)[]): string;
  /**
   * Profile overlays apply after every layer, so one defined early (a template's) may meet a deny set by a
   * later layer: then its loosening is dropped with a warning instead of failing the whole load.
   */
  overlay?: boolean;
  /** Safety switches the fragment turns off through an alias (aliases.ts): warned about, recorded as overrides. */
  loosened?: readonly { what: string; path: readonly (string | number)[] }[];
}

export interface PolicyOverride {
  /** What was loosened, in words (`forbidden sudo removed`, `decisions.critical deny → ask`). */
  what: string;
  /** file:line:col of the `override: true`. */
  where: string;
  layer: string;
}

export type OpSet = ReadonlySet<PathOpName>;

export interface CompiledRule {
  pattern: CompiledPattern;
  risk?: Risk;
  decision?: Decision;
  reason?: string;
  override: boolean;
  trusted: boolean;
  where: string;
  expires: number;
}

export interface CompiledForbid {
  key: string;
  pattern: CompiledPattern;
  reason: string;
  where: string;
  expires: number;
}

export interface CompiledBlocklist {
  programs: string[];
  matchers: ((s: string) => boolean)[];
  users: ((s: string) => boolean)[] | null;
  agents: ((s: string) => boolean)[] | null;
  profiles: string[] | null;
  reason: string;
  where: string;
  expires: number;
}

export interface PathEntry {
  pattern: string;
  ops: OpSet;
  permission: string;
  decision?: "ask" | "deny";
  reason?: string;
  maxSize?: number;
  where: string;
  expires: number;
}

export interface EffectivePolicy {
  profile: string | null;
  /** SHA-256 of the fragments that made it (content and trust), hex. */
  hash: string;
  mapping: Record<Risk, Decision>;
  /** Which fragment set each mapping entry (for reasons). */
  mappingSource: Record<Risk, string>;
  unknown: Risk;
  approvals: boolean;
  /** Trusted rules in precedence order (later layers first); the first match decides. */
  rules: CompiledRule[];
  /** Untrusted rules: every match can only raise. */
  tightenRules: CompiledRule[];
  /** Indexes of `rules` and `tightenRules` by program (built once after folding). */
  ruleIndex: RuleIndex;
  tightenIndex: RuleIndex;
  forbidden: CompiledForbid[];
  blocklists: CompiledBlocklist[];
  paths: {
    workspace?: string;
    outside: OpSet;
    outsideName: string;
    decision: "ask" | "deny";
    entries: PathEntry[];
    /** Entries from untrusted layers: each matching one can only take permissions away. */
    restrictions: PathEntry[];
  };
  secrets: { paths: string[]; except: string[]; decision: "ask" | "deny" };
  production: {
    namespaces: string[];
    contexts: string[];
    awsProfiles: string[];
    gcpProjects: string[];
    hosts: string[];
    databases: string[];
    action: "raise" | "ask" | "deny";
  };
  yolo: { allowedUsers: string[]; allowCritical: boolean };
  container: { backend: string; name?: string } | null;
  sandbox: SandboxSettings;
  audit: { required: boolean };
  warnings: string[];
  overrides: PolicyOverride[];
  /** Fragments in the order they were applied, for `policy explain`. */
  applied: string[];
}

/** Limits in the units the sandbox applies them (src/sandbox/limits.ts takes this very type). */
export interface LimitSettings {
  /** RLIMIT_AS (soft = hard) and the cgroup memory limit. */
  memoryBytes?: number;
  /** RLIMIT_CPU (SIGXCPU at the limit, SIGKILL one second later). */
  cpuSeconds?: number;
  /** RLIMIT_FSIZE. */
  fileSizeBytes?: number;
  /** RLIMIT_NOFILE. */
  openFiles?: number;
  /** RLIMIT_NPROC and the cgroup pids.max. */
  processes?: number;
}

export interface SandboxSettings {
  /** Hook agents' allowed shell commands run through `warden exec` in the sandbox (`confine`) or as they are. */
  hooks: "confine" | "off";
  /** The decision for medium risk that will run confined without network (default allow). */
  confinedMedium: "allow" | "ask";
  unavailable: "refuse" | "unconfined";
  network: boolean;
  unixSockets: boolean;
  /** `warden run` sessions share the host network (default true: the agent needs its API). */
  sessionNetwork: boolean;
  env: string[];
  timeoutMs?: number;
  limits: LimitSettings;
}

const DECISION_RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };
export function decisionRank(d: Decision): number {
  return DECISION_RANK[d];
}
export function maxDecision(a: Decision, b: Decision): Decision {
  return DECISION_RANK[a] >= DECISION_RANK[b] ? a : b;
}

const ALL_OPS: PathOpName[] = ["read", "write", "delete", "execute"];
const PERMISSIONS: Record<string, PathOpName[]> = {
  none: [],
  read: ["read"],
  write: ["read", "write"],
  delete: ["read", "write", "delete"],
  execute: ["read", "execute"],
  full: ALL_OPS,
};

export function permissionOps(p: Permission): OpSet {
  return new Set(Array.isArray(p) ? p : PERMISSIONS[p]);
}
export function permissionName(p: Permission): string {
  return Array.isArray(p) ? `[${p.join(", ")}]` : p;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
export function parseSize(s: string | number): number {
  if (typeof s === "number") return s;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(s);
  if (!m) return 0;
  const unit = m[2]!.toLowerCase();
  const base = m[3] ? 1024 ** "_kmgt".indexOf(unit || "_") : SIZE_UNITS[unit]!;
  return Number(m[1]) * (unit === "" ? 1 : base);
}

function expiry(s: string | undefined): number {
  return s === undefined ? Number.POSITIVE_INFINITY : Date.parse(s);
}

function empty(): EffectivePolicy {
  return {
    profile: null,
    hash: "",
    mapping: { low: "deny", medium: "deny", high: "deny", critical: "deny" },
    mappingSource: {
      low: "fail-closed",
      medium: "fail-closed",
      high: "fail-closed",
      critical: "fail-closed",
    },
    unknown: "critical",
    approvals: true,
    rules: [],
    tightenRules: [],
    ruleIndex: { byProgram: new Map(), any: [] },
    tightenIndex: { byProgram: new Map(), any: [] },
    forbidden: [],
    blocklists: [],
    paths: { outside: new Set(), outsideName: "none", decision: "ask", entries: [], restrictions: [] },
    secrets: { paths: [], except: [], decision: "ask" },
    production: {
      namespaces: [],
      contexts: [],
      awsProfiles: [],
      gcpProjects: [],
      hosts: [],
      databases: [],
      action: "raise",
    },
    yolo: { allowedUsers: [], allowCritical: false },
    container: null,
    sandbox: {
      hooks: "confine",
      confinedMedium: "allow",
      unavailable: "refuse",
      network: false,
      unixSockets: false,
      sessionNetwork: true,
      env: [],
      limits: {},
    },
    audit: { required: true },
    warnings: [],
    overrides: [],
    applied: [],
  };
}

const ACTION_RANK = { raise: 0, ask: 1, deny: 2 } as const;

function forbidKey(f: { match?: string; program?: string | string[]; regex?: string }): string {
  if (f.match !== undefined) return `match:${f.match}`;
  if (f.program !== undefined) return `program:${([] as string[]).concat(f.program).join(",")}`;
  return `regex:${f.regex}`;
}

function patternOrThrow(
  frag: Fragment,
  path: (string | number)[],
  spec: Parameters<typeof compilePattern>[0],
): CompiledPattern {
  try {
    return compilePattern(spec);
  } catch (err) {
    throw new PolicyError(`${frag.at(path)}: ${(err as Error).message}`, frag.layer.file);
  }
}

/** Applies one fragment on top of the effective policy so far. */
function apply(eff: EffectivePolicy, frag: Fragment, now: number): void {
  const b = frag.body;
  const t = frag.layer.trusted;
  const ignored = (path: (string | number)[], what: string) =>
    eff.warnings.push(
      `${frag.at(path)}: ignored: ${what} (an untrusted repository policy can only tighten; set trust_repo_policy: true in your user policy to allow it)`,
    );
  const expired = (path: (string | number)[], when: string) =>
    eff.warnings.push(`${frag.at(path)}: expired on ${when}: ignored`);
  eff.applied.push(`${frag.label} (${frag.layer.name}${t ? "" : ", untrusted: tighten-only"})`);

  if (t)
    for (const l of frag.loosened ?? []) {
      eff.warnings.push(`${frag.at(l.path)}: ${l.what}`);
      eff.overrides.push({ what: l.what, where: frag.at(l.path), layer: frag.layer.name });
    }

  if (b.unknown !== undefined) {
    const unknown = riskOf(b.unknown);
    if (t || riskRank(unknown) >= riskRank(eff.unknown)) eff.unknown = unknown;
    else ignored(["unknown"], `unknown: ${unknown} is looser than ${eff.unknown}`);
  }

  if (b.decisions) {
    for (const risk of RISKS) {
      const d = b.decisions[risk];
      if (d === undefined) continue;
      const old = eff.mapping[risk];
      const source = frag.label === frag.layer.name ? frag.layer.name : `${frag.label} in ${frag.layer.name}`;
      if (DECISION_RANK[d] >= DECISION_RANK[old] || eff.applied.length === 1) {
        eff.mapping[risk] = d;
        eff.mappingSource[risk] = source;
      } else if (!t) ignored(["decisions", risk], `${risk}: ${d} is looser than ${old}`);
      else if (old === "deny" && !b.decisions.override && frag.overlay)
        eff.warnings.push(
          `${frag.at(["decisions", risk])}: ignored: ${frag.label} would loosen decisions.${risk} from deny to ${d} without 'override: true'`,
        );
      else if (old === "deny" && !b.decisions.override)
        throw new PolicyError(
          `${frag.at(["decisions", risk])}: decisions.${risk}: ${d} loosens 'deny' set by an earlier layer; add 'override: true' to decisions to mean it`,
          frag.layer.file,
        );
      else {
        if (old === "deny")
          eff.overrides.push({
            what: `decisions.${risk}: deny → ${d}`,
            where: frag.at(["decisions", "override"]),
            layer: frag.layer.name,
          });
        eff.mapping[risk] = d;
        eff.mappingSource[risk] = source;
      }
    }
  }

  if (b.approvals !== undefined) {
    if (t || !b.approvals) eff.approvals = b.approvals;
    else if (!eff.approvals) ignored(["approvals"], "approvals: true");
  }

  if (b.rules) {
    const trusted: CompiledRule[] = [];
    b.rules.forEach((r, i) => {
      const where = frag.at(["rules", i]);
      const expires = expiry(r.expires);
      if (expires < now) {
        expired(["rules", i], r.expires!);
        return;
      }
      const rule: CompiledRule = {
        pattern: patternOrThrow(frag, ["rules", i], r),
        override: r.override ?? false,
        trusted: t,
        where,
        expires,
        // BLOCK rules became forbidden entries in aliases.ts: what is left is a risk.
        ...(r.risk !== undefined && r.risk !== "BLOCK" ? { risk: riskOf(r.risk) } : {}),
        ...(r.decision !== undefined ? { decision: r.decision } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      };
      if (t) trusted.push(rule);
      else if (r.decision === "allow" && r.risk === undefined)
        ignored(["rules", i], "a rule that only allows");
      else {
        if (r.decision === "allow") delete rule.decision;
        eff.tightenRules.push(rule);
      }
    });
    eff.rules = [...trusted, ...eff.rules];
  }

  if (b.forbidden) {
    b.forbidden.forEach((entry, i) => {
      const f = typeof entry === "string" ? { match: entry } : entry;
      const key = forbidKey(f);
      const expires = expiry(f.expires);
      if (expires < now) {
        expired(["forbidden", i], f.expires!);
        return;
      }
      if (f.remove) {
        if (!t) {
          ignored(["forbidden", i], `removing forbidden ${key}`);
          return;
        }
        if (!f.override && frag.overlay) {
          eff.warnings.push(
            `${frag.at(["forbidden", i])}: ignored: removing a forbidden command needs 'override: true'`,
          );
          return;
        }
        if (!f.override)
          throw new PolicyError(
            `${frag.at(["forbidden", i])}: removing a forbidden command (${key.replace(/^\w+:/, "")}) needs 'override: true'`,
            frag.layer.file,
          );
        const before = eff.forbidden.length;
        eff.forbidden = eff.forbidden.filter((x) => x.key !== key);
        if (eff.forbidden.length === before)
          eff.warnings.push(`${frag.at(["forbidden", i])}: nothing forbidden matches ${key}`);
        else
          eff.overrides.push({
            what: `forbidden ${key.replace(/^\w+:/, "")} removed`,
            where: frag.at(["forbidden", i]),
            layer: frag.layer.name,
          });
        return;
      }
      eff.forbidden.push({
        key,
        pattern: patternOrThrow(frag, ["forbidden", i], f),
        reason: f.reason ?? `forbidden by ${frag.layer.name}`,
        where: frag.at(["forbidden", i]),
        expires,
      });
    });
  }

  if (b.blocklists) {
    b.blocklists.forEach((bl, i) => {
      const expires = expiry(bl.expires);
      if (expires < now) {
        expired(["blocklists", i], bl.expires!);
        return;
      }
      eff.blocklists.push({
        programs: bl.programs,
        matchers: bl.programs.map(wordGlob),
        users: bl.users ? bl.users.map(wordGlob) : null,
        agents: bl.agents ? bl.agents.map(wordGlob) : null,
        profiles: bl.profiles ?? null,
        reason: bl.reason ?? `blocked by ${frag.layer.name}`,
        where: frag.at(["blocklists", i]),
        expires,
      });
    });
  }

  if (b.paths) {
    const p = b.paths;
    if (p.workspace !== undefined) {
      if (t) eff.paths.workspace = p.workspace;
      else ignored(["paths", "workspace"], "paths.workspace");
    }
    if (p.outside !== undefined) {
      const ops = permissionOps(p.outside);
      if (t) {
        eff.paths.outside = ops;
        eff.paths.outsideName = permissionName(p.outside);
      } else {
        eff.paths.outside = new Set([...eff.paths.outside].filter((o) => ops.has(o)));
        eff.paths.outsideName = `[${[...eff.paths.outside].join(", ")}]`;
      }
    }
    if (p.decision !== undefined) {
      if (t || p.decision === "deny") eff.paths.decision = p.decision;
      else if (eff.paths.decision === "deny") ignored(["paths", "decision"], "paths.decision: ask");
    }
    p.entries?.forEach((e, i) => {
      const expires = expiry(e.expires);
      if (expires < now) {
        expired(["paths", "entries", i], e.expires!);
        return;
      }
      const entry: PathEntry = {
        pattern: e.path,
        ops: permissionOps(e.permission),
        permission: permissionName(e.permission),
        where: frag.at(["paths", "entries", i]),
        expires,
        ...(e.decision ? { decision: e.decision } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.max_size !== undefined ? { maxSize: parseSize(e.max_size) } : {}),
      };
      if (t) eff.paths.entries.push(entry);
      else {
        // A restriction's own decision can only be stricter than the configured one.
        if (entry.decision === "ask" && eff.paths.decision === "deny") entry.decision = "deny";
        delete entry.maxSize;
        eff.paths.restrictions.push(entry);
      }
    });
  }

  if (b.secrets) {
    const s = b.secrets;
    if (s.paths) eff.secrets.paths.push(...s.paths);
    if (s.except) {
      if (t) eff.secrets.except.push(...s.except);
      else ignored(["secrets", "except"], "secret exceptions");
    }
    if (s.decision !== undefined) {
      if (t || s.decision === "deny") eff.secrets.decision = s.decision;
      else if (eff.secrets.decision === "deny") ignored(["secrets", "decision"], "secrets.decision: ask");
    }
  }

  if (b.production) {
    const p = b.production;
    const pr = eff.production;
    if (p.namespaces) pr.namespaces.push(...p.namespaces);
    if (p.contexts) pr.contexts.push(...p.contexts);
    if (p.aws_profiles) pr.awsProfiles.push(...p.aws_profiles);
    if (p.gcp_projects) pr.gcpProjects.push(...p.gcp_projects);
    if (p.hosts) pr.hosts.push(...p.hosts);
    if (p.databases) pr.databases.push(...p.databases);
    if (p.action !== undefined) {
      if (t || ACTION_RANK[p.action] >= ACTION_RANK[pr.action]) pr.action = p.action;
      else ignored(["production", "action"], `production.action: ${p.action}`);
    }
  }

  if (b.yolo) {
    if (t) {
      if (b.yolo.allowed_users) eff.yolo.allowedUsers = [...b.yolo.allowed_users];
      if (b.yolo.allow_critical !== undefined) eff.yolo.allowCritical = b.yolo.allow_critical;
    } else {
      if (b.yolo.allow_critical === false) eff.yolo.allowCritical = false;
      if (b.yolo.allowed_users) {
        const keep = new Set(b.yolo.allowed_users);
        eff.yolo.allowedUsers = eff.yolo.allowedUsers.filter((u) => keep.has(u));
      }
      if (b.yolo.allow_critical) ignored(["yolo", "allow_critical"], "yolo.allow_critical: true");
    }
  }

  if (b.container) {
    if (t) eff.container = { ...b.container };
    else ignored(["container"], "a container backend declaration");
  }

  if (b.sandbox) applySandbox(eff.sandbox, b.sandbox, t, ignored);

  if (b.audit?.required !== undefined) {
    if (t || b.audit.required) eff.audit.required = b.audit.required;
    else ignored(["audit", "required"], "audit.required: false");
  }
}

const LIMIT_FIELDS = [
  ["memory", "memoryBytes"],
  ["cpu", "cpuSeconds"],
  ["file_size", "fileSizeBytes"],
  ["open_files", "openFiles"],
  ["processes", "processes"],
] as const;

/** Trusted layers set anything; an untrusted one can only confine more (lower limits, less access). */
function applySandbox(
  s: SandboxSettings,
  doc: NonNullable<PolicyBody["sandbox"]>,
  trusted: boolean,
  ignored: (path: (string | number)[], what: string) => void,
): void {
  if (doc.hooks !== undefined) {
    if (trusted || doc.hooks === "confine") s.hooks = doc.hooks;
    else ignored(["sandbox", "hooks"], "sandbox.hooks: off");
  }
  const medium = doc.confined_decisions?.medium;
  if (medium !== undefined) {
    if (trusted || medium === "ask") s.confinedMedium = medium;
    else ignored(["sandbox", "confined_decisions", "medium"], "sandbox.confined_decisions.medium: allow");
  }
  if (doc.unavailable !== undefined) {
    if (trusted || doc.unavailable === "refuse") s.unavailable = doc.unavailable;
    else ignored(["sandbox", "unavailable"], "sandbox.unavailable: unconfined");
  }
  for (const [key, field] of [
    ["network", "network"],
    ["unix_sockets", "unixSockets"],
  ] as const) {
    const v = doc[key];
    if (v === undefined) continue;
    if (trusted || !v) s[field] = v;
    else ignored(["sandbox", key], `sandbox.${key}: true`);
  }
  const sessionNet = doc.session?.network;
  if (sessionNet !== undefined) {
    if (trusted || !sessionNet) s.sessionNetwork = sessionNet;
    else ignored(["sandbox", "session", "network"], "sandbox.session.network: true");
  }
  if (doc.env !== undefined) {
    if (trusted) s.env = [...new Set([...s.env, ...doc.env])];
    else ignored(["sandbox", "env"], "passing environment variables into the sandbox");
  }
  if (doc.timeout !== undefined) {
    const ms = Math.round(doc.timeout * 1000);
    if (trusted || s.timeoutMs === undefined || ms < s.timeoutMs) s.timeoutMs = ms;
    else ignored(["sandbox", "timeout"], `sandbox.timeout: ${doc.timeout} (longer)`);
  }
  for (const [key, field] of LIMIT_FIELDS) {
    const raw = doc.limits?.[key];
    if (raw === undefined) continue;
    const v = Math.floor(typeof raw === "number" ? raw : parseSize(raw));
    const old = s.limits[field];
    if (trusted || old === undefined || v < old) s.limits[field] = v;
    else ignored(["sandbox", "limits", key], `sandbox.limits.${key}: ${raw} (higher)`);
  }
}

export interface RuleIndex {
  /** Per literal program: the rules that can match it (its own and program-less ones), in precedence order. */
  byProgram: Map<string, CompiledRule[]>;
  /** Rules for programs no rule names: the program-less ones. */
  any: CompiledRule[];
}

function indexRules(rules: readonly CompiledRule[]): RuleIndex {
  const any = rules.filter((r) => r.pattern.programs === null);
  const names = new Set<string>();
  for (const r of rules) for (const p of r.pattern.programs ?? []) names.add(p);
  const byProgram = new Map<string, CompiledRule[]>();
  for (const name of names)
    byProgram.set(
      name,
      rules.filter((r) => r.pattern.programs === null || r.pattern.programs.includes(name)),
    );
  return { byProgram, any };
}

/** The rules that can match an invocation of `program` (null: a dynamic command name), in order. */
export function rulesFor(index: RuleIndex, program: string | null): readonly CompiledRule[] {
  return (program !== null && index.byProgram.get(program)) || index.any;
}

/** Folds fragments into the effective policy; throws PolicyError when a trusted layer loosens a deny without override. */
export function compileFragments(
  fragments: readonly Fragment[],
  profile: string | null,
  now = Date.now(),
): EffectivePolicy {
  const eff = empty();
  eff.profile = profile;
  for (const frag of fragments) apply(eff, frag, now);
  eff.ruleIndex = indexRules(eff.rules);
  eff.tightenIndex = indexRules(eff.tightenRules);
  eff.hash = createHash("sha256")
    .update(
      JSON.stringify({
        profile,
        fragments: fragments.map((f) => ({
          layer: f.layer.name,
          trusted: f.layer.trusted,
          label: f.label,
          body: f.body,
        })),
      }),
    )
    .digest("hex");
  return eff;
}
