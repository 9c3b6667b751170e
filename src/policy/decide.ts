// The decision stage: findings and facts about the request → allow | ask | deny, with every reason.
// Decided per invocation, worst wins: a custom allow for `git status` never covers `rm -rf /` in the same
// command line. Order per invocation: forbidden → blocklists → custom rules → production targets → path
// permissions → secrets; then the request-wide modes (container, yolo, no approvals).
import type { Analysis, Decision, Finding, Invocation, Risk, Verdict } from "../types.ts";
import { maxRisk, RISKS, riskRank } from "../types.ts";
import {
  type CompiledBlocklist,
  decisionRank,
  type EffectivePolicy,
  maxDecision,
  rulesFor,
} from "./compile.ts";
import { invocationViews, wordGlob } from "./match.ts";
import { analysisEffects, type PathEffect } from "./paths.ts";
import { PathPermissions } from "./permissions.ts";
import { normalizeLexical, resolvePhysical, staticPathParts } from "./resolve.ts";
import { compileSecrets, type SecretMatcher } from "./secrets.ts";
import { invocationTargets, type Targets } from "./targets.ts";

export interface DecideFacts {
  /** Physically resolved (symlinks followed), as `decideFacts` gives it. */
  cwd: string;
  home: string;
  workspace: string;
  env: Readonly<Record<string, string>>;
  user?: string;
  agent?: string;
}

export interface ModeOptions {
  /** Explicit risk acceptance (only for users in yolo.allowed_users). */
  yolo?: boolean;
  /** Nobody can approve: every ask becomes deny. */
  noApproval?: boolean;
  /** Whether the command runs in the container/VM the policy declares (default: yes when declared). */
  container?: boolean;
}

interface Helpers {
  permissions: PathPermissions;
  secrets: SecretMatcher;
}

const helperCache = new WeakMap<EffectivePolicy, Map<string, Helpers>>();

function helpers(policy: EffectivePolicy, home: string, workspace: string): Helpers {
  let byRoot = helperCache.get(policy);
  if (!byRoot) {
    byRoot = new Map();
    helperCache.set(policy, byRoot);
  }
  const key = `${home}\u0000${workspace}`;
  let h = byRoot.get(key);
  if (!h) {
    if (byRoot.size > 64) byRoot.clear();
    h = {
      permissions: new PathPermissions(policy, home, workspace),
      secrets: compileSecrets(policy.secrets.paths, policy.secrets.except, home, workspace),
    };
    byRoot.set(key, h);
  }
  return h;
}

interface InvState {
  risk: Risk;
  decision: Decision;
  /** A deny that does not come from the risk mapping (forbidden, blocklist, rule, path, secret). */
  hard: boolean;
}

const RAISE: Record<Risk, Risk> = { low: "low", medium: "high", high: "critical", critical: "critical" };

function blocklistApplies(b: CompiledBlocklist, facts: DecideFacts, profile: string | null): boolean {
  if (b.users && !(facts.user !== undefined && b.users.some((m) => m(facts.user!)))) return false;
  if (b.agents && !(facts.agent !== undefined && b.agents.some((m) => m(facts.agent!)))) return false;
  if (b.profiles && !(profile !== null && b.profiles.includes(profile))) return false;
  return true;
}

const globCache = new Map<string, (s: string) => boolean>();
function cachedGlob(pattern: string): (s: string) => boolean {
  let m = globCache.get(pattern);
  if (!m) {
    if (globCache.size > 1024) globCache.clear();
    m = wordGlob(pattern);
    globCache.set(pattern, m);
  }
  return m;
}

function targetHit(policy: EffectivePolicy, t: Targets): string | null {
  const p = policy.production;
  const lists: [string[], string[], string][] = [
    [t.namespaces, p.namespaces, "namespace"],
    [t.contexts, p.contexts, "context"],
    [t.awsProfiles, p.awsProfiles, "AWS profile"],
    [t.gcpProjects, p.gcpProjects, "GCP project"],
    [t.hosts, p.hosts, "host"],
    [t.databases, p.databases, "database"],
  ];
  for (const [values, patterns, what] of lists) {
    if (values.length === 0 || patterns.length === 0) continue;
    for (const v of values)
      for (const pat of patterns) if (cachedGlob(pat)(v)) return `${what} ${v} (matches production ${pat})`;
  }
  return null;
}

function quote(analysis: Analysis, inv: Invocation): string {
  const text =
    analysis.source.slice(inv.span[0], inv.span[1]).trim() || inv.argv.map((w) => w.text).join(" ");
  return `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\``;
}

/** The decision for one analysed request under an effective policy. */
export function decideWithPolicy(
  analysis: Analysis,
  findings: Finding[],
  policy: EffectivePolicy,
  facts: DecideFacts,
  modes: ModeOptions = {},
  now = Date.now(),
): Verdict {
  const reasons: string[] = [];
  if (policy.profile !== null) reasons.push(`profile ${policy.profile}`);
  const perInv: Finding[][] = analysis.invocations.map(() => []);
  const global: Finding[] = [];
  for (const f of findings) {
    const list = f.invocation !== undefined ? perInv[f.invocation] : undefined;
    (list ?? global).push(f);
  }
  const { permissions, secrets } = helpers(policy, facts.home, facts.workspace);
  const effects = analysisEffects(analysis);
  const effectsByInv: PathEffect[][] = analysis.invocations.map(() => []);
  for (const e of effects) effectsByInv[e.invocation]?.push(e);
  const pathCache = new Map<string, string>();

  let forbidden = false;
  let risk: Risk = "low";
  let decision: Decision = "allow";
  let hardDeny = false;
  let mappingDecided = false;

  const states: InvState[] = [];
  analysis.invocations.forEach((inv, i) => {
    const label = quote(analysis, inv);
    const builtin = perInv[i]!.reduce<Risk>((acc, f) => maxRisk(acc, f.risk), "low");
    const st: InvState = { risk: builtin, decision: policy.mapping[builtin], hard: false };
    const raise = (d: Decision, hard: boolean) => {
      if (decisionRank(d) > decisionRank(st.decision)) st.hard = hard && d === "deny";
      else if (d === "deny" && hard) st.hard = true;
      st.decision = maxDecision(st.decision, d);
    };
    let ruleDecided = false;
    const views = invocationViews(inv);

    for (const f of policy.forbidden) {
      if (f.expires < now) continue;
      if (f.pattern.programs && (inv.program === null || !f.pattern.programs.includes(inv.program))) continue;
      if (!f.pattern.test(inv, views.normalized, views.line)) continue;
      forbidden = true;
      raise("deny", true);
      reasons.push(`${label}: forbidden (${f.pattern.describe}): ${f.reason} [${f.where}]`);
      break;
    }
    if (inv.program !== null) {
      for (const b of policy.blocklists) {
        if (b.expires < now || !b.matchers.some((m) => m(inv.program!))) continue;
        if (!blocklistApplies(b, facts, policy.profile)) continue;
        forbidden = true;
        raise("deny", true);
        reasons.push(`${label}: \`${inv.program}\` is blocked: ${b.reason} [${b.where}]`);
        break;
      }
    }

    // The first trusted rule that matches decides for this invocation.
    for (const r of rulesFor(policy.ruleIndex, inv.program)) {
      if (r.expires < now) continue;
      if (r.pattern.programs && (inv.program === null || !r.pattern.programs.includes(inv.program))) continue;
      if (!r.pattern.test(inv, views.normalized, views.line)) continue;
      const newRisk = r.risk ?? st.risk;
      const newDecision = r.decision ?? policy.mapping[newRisk];
      const why = r.reason ? `: ${r.reason}` : "";
      const builtinDenied = policy.mapping[builtin] === "deny";
      if (builtinDenied && decisionRank(newDecision) < decisionRank("deny") && !r.override) {
        reasons.push(
          `${label}: rule ${r.pattern.describe} [${r.where}] would loosen a deny (${builtin} risk); ignored without 'override: true'`,
        );
        break;
      }
      if (!forbidden) {
        const loosened = decisionRank(newDecision) < decisionRank(st.decision);
        st.risk = newRisk;
        st.decision = newDecision;
        st.hard = newDecision === "deny" && r.decision === "deny";
        ruleDecided = true;
        reasons.push(
          `${label}: rule ${r.pattern.describe} [${r.where}]${why} → ${r.risk ? `risk ${newRisk}, ` : ""}${newDecision}${builtinDenied && loosened ? " (override of a built-in deny)" : ""}`,
        );
      }
      break;
    }
    for (const r of rulesFor(policy.tightenIndex, inv.program)) {
      if (r.expires < now) continue;
      if (r.pattern.programs && (inv.program === null || !r.pattern.programs.includes(inv.program))) continue;
      if (!r.pattern.test(inv, views.normalized, views.line)) continue;
      const before = st.decision;
      if (r.risk) st.risk = maxRisk(st.risk, r.risk);
      raise(r.decision ?? policy.mapping[st.risk], r.decision === "deny");
      if (st.decision !== before || r.risk)
        reasons.push(`${label}: repository rule ${r.pattern.describe} [${r.where}] → ${st.decision}`);
    }

    const hit = targetHit(policy, invocationTargets(inv, facts.env));
    if (hit) {
      // The risk is always raised; `ask`/`deny` set a floor on top, so no action is looser than `raise`.
      const action = policy.production.action;
      const raised = RAISE[st.risk];
      if (raised !== st.risk) {
        reasons.push(`${label}: aimed at production ${hit}: risk ${st.risk} → ${raised}`);
        st.risk = raised;
        raise(policy.mapping[raised], false);
      }
      if (action !== "raise") {
        raise(action, action === "deny");
        reasons.push(`${label}: aimed at production ${hit} → ${action}`);
      }
    }

    for (const e of effectsByInv[i]!) {
      const where = resolveEffect(e, facts, pathCache);
      if (where.kind === "dynamic") {
        if (e.op === "read") continue;
        raise(policy.paths.decision, policy.paths.decision === "deny");
        reasons.push(
          `${label}: ${e.role} \`${where.text}\` is only known at run time → ${policy.paths.decision}`,
        );
        continue;
      }
      const pv = permissions.check(where.path, e.op, now);
      if (!pv.ok) {
        raise(pv.decision, pv.decision === "deny");
        reasons.push(
          `${label}: ${e.op} ${where.path} (${e.role}) not permitted by ${pv.entry}${pv.reason ? `: ${pv.reason}` : ""} → ${pv.decision}`,
        );
      }
      if (e.op === "read" || e.op === "write") {
        const secret =
          secrets.match(where.path) ??
          (where.pattern !== undefined ? (secrets.matchGlob(where.pattern)?.secret ?? null) : null);
        if (secret !== null && (e.op === "read" || e.role.startsWith("cp") || e.role.startsWith("mv"))) {
          raise(policy.secrets.decision, policy.secrets.decision === "deny");
          reasons.push(
            `${label}: reads secret ${where.pattern ?? where.path} (matches ${secret}) → ${policy.secrets.decision}`,
          );
        }
      }
    }

    if (!ruleDecided && !forbidden && policy.mapping[st.risk] === st.decision && st.risk !== "low")
      mappingDecided = true;
    states.push(st);
  });

  for (const st of states) {
    risk = maxRisk(risk, st.risk);
    if (decisionRank(st.decision) > decisionRank(decision)) {
      decision = st.decision;
      hardDeny = st.hard;
    } else if (st.decision === "deny" && st.hard) hardDeny = true;
  }
  for (const f of global) {
    risk = maxRisk(risk, f.risk);
    const d = policy.mapping[f.risk];
    if (decisionRank(d) > decisionRank(decision)) {
      decision = d;
      hardDeny = false;
    }
    if (f.risk !== "low") mappingDecided = true;
  }
  if (mappingDecided || reasons.length === 0 || (policy.profile !== null && reasons.length === 1))
    reasons.push(`risk ${risk} → ${policy.mapping[risk]} (decisions from ${policy.mappingSource[risk]})`);

  let mode: Verdict["mode"] = "normal";
  let yolo: boolean | undefined;
  if (forbidden) {
    decision = "deny";
    if (modes.yolo) reasons.push("--yolo never runs forbidden commands");
  } else if (modes.yolo && !(facts.user !== undefined && policy.yolo.allowedUsers.includes(facts.user))) {
    decision = "deny";
    reasons.push(
      `--yolo refused: user ${facts.user ?? "(unknown)"} is not in yolo.allowed_users; add them to your user policy to accept the risk explicitly`,
    );
  } else if (policy.container && modes.container !== false) {
    mode = "container";
    if (decision !== "allow")
      reasons.push(
        `runs inside the ${policy.container.backend}${policy.container.name ? ` ${policy.container.name}` : ""} sandbox declared in the policy: ${decision} → allow`,
      );
    decision = "allow";
  } else if (modes.yolo) {
    mode = "yolo";
    yolo = true;
    if (decision === "ask") {
      reasons.push("--yolo: ask → allow (explicit risk acceptance)");
      decision = "allow";
    } else if (decision === "deny" && !hardDeny && policy.yolo.allowCritical) {
      reasons.push("--yolo with yolo.allow_critical: deny → allow (explicit risk acceptance)");
      decision = "allow";
    } else if (decision === "deny") reasons.push("--yolo does not lift this deny");
  }
  if (decision === "ask" && (modes.noApproval || !policy.approvals)) {
    if (modes.noApproval) mode = "no-approval";
    decision = "deny";
    reasons.push(
      `${modes.noApproval ? "--no-approval" : `approvals are off${policy.profile ? ` (profile ${policy.profile})` : ""}`}: nobody can approve, so ask → deny; run it without --no-approval to be asked, or allow it with a rule in your policy`,
    );
  }
  if (modes.noApproval && mode === "normal") mode = "no-approval";

  const verdict: Verdict = {
    decision,
    risk,
    findings,
    forbidden,
    parse: analysis.diagnostics.length > 0 ? "error" : "ok",
    diagnostics: analysis.diagnostics.map((d) => d.message),
    policy: policy.hash,
    reasons,
    mode,
  };
  if (yolo) verdict.yolo = true;
  return verdict;
}

/** `pattern`: for a glob, the whole pattern below its resolved literal directory (`/w/.env*`). */
type Resolved = { kind: "path"; path: string; pattern?: string } | { kind: "dynamic"; text: string };

/** The directory relative words are taken from: the cwd, or where an earlier `cd` went. */
function baseDir(
  base: string | undefined,
  facts: DecideFacts,
  cache: Map<string, string>,
): string | { dynamic: string } {
  if (base === undefined) return facts.cwd;
  if (base.startsWith("\u0000dynamic:")) return { dynamic: base.slice(9) };
  const dir = base === "~" || base.startsWith("~/") ? facts.home + base.slice(1) : base;
  return resolvePhysical(dir, facts.cwd, cache, true);
}

/** The absolute path a word names; a link name's last component stays as written (it is the link itself). */
function resolveWord(
  word: PathEffect["word"],
  base: string | undefined,
  facts: DecideFacts,
  cache: Map<string, string>,
  lastPhysical: boolean,
): Resolved {
  const sp = staticPathParts(word, facts.home);
  if (sp.kind === "dynamic") return sp;
  let dir = facts.cwd;
  if (!sp.path.startsWith("/")) {
    const b = baseDir(base, facts, cache);
    if (typeof b !== "string") return { kind: "dynamic", text: `${b.dynamic}/${sp.path}` };
    dir = b;
  }
  if (sp.kind === "glob") {
    const resolved = resolvePhysical(sp.path, dir, cache, true);
    // A glob stands for entries inside its literal directory, not the directory itself.
    return {
      kind: "path",
      path: resolved === "/" ? "/*" : `${resolved}/*`,
      pattern: `${resolved === "/" ? "" : resolved}/${sp.rest}`,
    };
  }
  if (lastPhysical) return { kind: "path", path: resolvePhysical(sp.path, dir, cache, true) };
  const full = normalizeLexical(sp.path, dir);
  const slash = full.lastIndexOf("/");
  const parent = resolvePhysical(full.slice(0, slash) || "/", "/", cache, true);
  return { kind: "path", path: `${parent === "/" ? "" : parent}/${full.slice(slash + 1)}` };
}

const MAX_LINK_HOPS = 16;

function resolveEffect(e: PathEffect, facts: DecideFacts, cache: Map<string, string>): Resolved {
  const first = resolveWord(e.word, e.base, facts, cache, true);
  if (first.kind === "dynamic" || e.links === undefined) return first;
  // Links the command made before this invocation: a path at or under one of them leads to its target.
  // Removing, renaming or re-linking the link itself acts on the link, not through it.
  const exact = e.op !== "delete" && !e.role.startsWith("ln ") && e.role !== "mv source";
  const glob = first.pattern !== undefined;
  let path = glob ? first.path.slice(0, -2) || "/" : first.path;
  let rest = glob ? first.pattern!.slice(path === "/" ? 0 : path.length) : "";
  const links = e.links.map((l) => ({ made: l, at: resolveWord(l.link, l.base, facts, cache, false) }));
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const hit = [...links]
      .reverse()
      .find(
        (l) =>
          l.at.kind === "path" &&
          (path.startsWith(`${l.at.path}/`) || (path === l.at.path && (exact || glob || hop > 0))),
      );
    if (hit === undefined || hit.at.kind !== "path") break;
    const below = path.slice(hit.at.path.length);
    const m = hit.made;
    const linkDir = hit.at.path.slice(0, hit.at.path.lastIndexOf("/")) || "/";
    const target = resolveWord(
      m.target,
      m.symbolic && !m.relative ? undefined : m.base,
      { ...facts, cwd: m.symbolic && !m.relative ? linkDir : facts.cwd },
      cache,
      true,
    );
    if (target.kind === "dynamic") return { kind: "dynamic", text: `${target.text}${below}${rest}` };
    if (target.pattern !== undefined) return { kind: "dynamic", text: `${m.target.text}${below}${rest}` };
    path = resolvePhysical(`${target.path}${below}`, "/", cache, true);
    if (glob) rest = rest.startsWith("/") ? rest : `/${rest}`;
  }
  if (!glob) return { kind: "path", path };
  const pattern = `${path === "/" ? "" : path}${rest.startsWith("/") ? rest : `/${rest}`}`;
  return { kind: "path", path: path === "/" ? "/*" : `${path}/*`, pattern };
}

/** Risks in order, for callers that render mappings. */
export const RISK_ORDER = RISKS;
export { riskRank };
