// Configuration keys of the agent-safety systems Warden is built for, accepted as aliases of Warden's own:
// tier names for risks, and the `filesystem:`, `safety:` and `execution:` sections. compile.ts applies them
// through the same code paths (and the same layering rules) as the keys they stand for; this module knows the
// names and writes the `warden policy lint` notes that point at Warden's own spelling.
import type { Risk } from "../types.ts";
import type {
  DecisionsDoc,
  ForbiddenDoc,
  PathEntryDoc,
  PolicyBody,
  RiskName,
  RuleDoc,
  Tier,
} from "./document.ts";
import { PolicyError } from "./errors.ts";

export const TIERS: readonly Tier[] = ["FREE", "REVIEW", "APPROVE", "BLOCK"];

/** The risk a tier stands for (BLOCK is forbidden, not a risk: callers handle it first). */
export const TIER_RISK: Readonly<Record<Exclude<Tier, "BLOCK">, Risk>> = {
  FREE: "low",
  REVIEW: "medium",
  APPROVE: "high",
};

/** The tier a risk is called by those systems (critical has none). */
export const RISK_TIER: Readonly<Partial<Record<Risk, Tier>>> = {
  low: "FREE",
  medium: "REVIEW",
  high: "APPROVE",
};

export function isTier(s: string): boolean {
  return (TIERS as readonly string[]).includes(s.toUpperCase());
}

/** A risk as spelled in a policy (`medium` or `REVIEW`) → the risk. */
export function riskOf(name: RiskName): Risk {
  return name in TIER_RISK ? TIER_RISK[name as keyof typeof TIER_RISK] : (name as Risk);
}

/** `[Ff][Rr][Ee][Ee]`: a case-insensitive word as a plain pattern (JSON Schema has no `i` flag). */
export function caseless(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join("");
}

/** Default permission of an alias path given without one: both kinds are read-only for agents. */
export const GRANT_DEFAULT = "read" as const;

export const GRANT_KINDS = [
  ["protected_paths", "protected path"],
  ["context_paths", "context path (read-only context)"],
] as const;

type Path = readonly (string | number)[];
type Locate = (path: Path) => string;

/**
 * One note per alias a policy body uses, `file:line:col: …`, naming Warden's own key. Profiles are walked by
 * the caller with their own `at`.
 */
export function aliasNotes(body: PolicyBody, at: (path: Path) => string): string[] {
  const notes: string[] = [];
  const note = (path: Path, text: string) => notes.push(`${at(path)}: ${text}`);
  const own = (key: string, equivalent: string) => `${key} is an alias; Warden's own key: ${equivalent}`;

  if (body.unknown !== undefined && body.unknown in TIER_RISK)
    note(["unknown"], own(`unknown: ${body.unknown} (tier name)`, `unknown: ${riskOf(body.unknown)}`));
  for (const key of ["FREE", "REVIEW", "APPROVE"] as const)
    if (body.decisions?.[key] !== undefined)
      note(["decisions", key], own(`decisions.${key} (tier name)`, `decisions.${TIER_RISK[key]}`));
  if (body.decisions?.BLOCK !== undefined)
    note(
      ["decisions", "BLOCK"],
      "decisions.BLOCK changes nothing: forbidden commands always deny (Warden's own key: forbidden:)",
    );
  body.rules?.forEach((r, i) => {
    if (r.risk === "BLOCK")
      note(
        ["rules", i, "risk"],
        own(
          "risk: BLOCK (tier name)",
          "a forbidden: entry (what it matches never runs, not even with --yolo)",
        ),
      );
    else if (r.risk !== undefined && r.risk in TIER_RISK)
      note(["rules", i, "risk"], own(`risk: ${r.risk} (tier name)`, `risk: ${riskOf(r.risk)}`));
  });

  const fs = body.filesystem;
  for (const [key, what] of GRANT_KINDS)
    if (fs?.[key])
      note(
        ["filesystem", key],
        own(
          `filesystem.${key}`,
          `paths.entries ({path, permission}; a ${what} without a permission gets '${GRANT_DEFAULT}')`,
        ),
      );

  const s = body.safety;
  if (s?.block_production !== undefined)
    note(
      ["safety", "block_production"],
      own(
        `safety.block_production: ${s.block_production}`,
        `production.action: ${s.block_production ? "deny" : "raise"}`,
      ),
    );
  if (s?.production_namespaces)
    note(["safety", "production_namespaces"], own("safety.production_namespaces", "production.namespaces"));
  if (s?.allow_critical !== undefined)
    note(
      ["safety", "allow_critical"],
      own(
        `safety.allow_critical: ${s.allow_critical}`,
        s.allow_critical
          ? "decisions.critical: allow with decisions.override: true"
          : "decisions.critical: deny",
      ),
    );
  if (s?.require_approval !== undefined)
    note(
      ["safety", "require_approval"],
      own(
        `safety.require_approval: ${s.require_approval}`,
        s.require_approval
          ? "decisions: {medium: ask, high: ask}"
          : "decisions: {medium: allow, high: allow}",
      ),
    );

  const e = body.execution;
  if (e?.auto_approve_low_risk !== undefined)
    note(
      ["execution", "auto_approve_low_risk"],
      own(
        `execution.auto_approve_low_risk: ${e.auto_approve_low_risk}`,
        `decisions.low: ${e.auto_approve_low_risk ? "allow" : "ask"}`,
      ),
    );
  if (e?.require_dry_run !== undefined)
    note(
      ["execution", "require_dry_run"],
      e.require_dry_run
        ? own(
            "execution.require_dry_run: true",
            "extends: devops (high risk is denied; kubectl/helm/aws --dry-run count as medium, terraform plan as low)",
          )
        : "execution.require_dry_run: false is an alias with no Warden key of its own: it changes no decision (recorded for multi-step plans)",
    );
  return notes;
}

/** A body in Warden's own keys, with positions of what came from an alias pointing at the alias. */
export interface Desugared {
  body: PolicyBody;
  at: Locate;
  /** Templates an alias stands for (`execution.require_dry_run: true` → devops), expanded before the body. */
  templates: string[];
  /** Switches that turn off a safety (`safety.allow_critical: true`): warned about and recorded as overrides. */
  loosened: { what: string; path: Path }[];
}

const DECISION_KEYS = ["low", "medium", "high", "critical"] as const;

/**
 * Rewrites the aliases of a layer's (or a profile's) body onto Warden's own keys. Saying one thing twice (an
 * alias and its own key, with different values) is an error naming both places: which one a user meant cannot
 * be guessed.
 */
export function desugar(input: PolicyBody, locate: Locate, file?: string): Desugared {
  const moved = new Map<string, Path>();
  const key = (path: Path) => JSON.stringify(path);
  const at: Locate = (path) => locate(moved.get(key(path)) ?? path);
  const fail = (path: Path, text: string): never => {
    throw new PolicyError(`${locate(path)}: ${text}`, file);
  };
  const { filesystem, safety, execution, ...rest } = input;
  const body: PolicyBody = { ...rest };
  const templates: string[] = [];
  const loosened: Desugared["loosened"] = [];

  if (body.unknown !== undefined) body.unknown = riskOf(body.unknown);

  // Decisions: tier keys and the boolean switches, each landing on one risk's decision.
  const decisions: DecisionsDoc = {};
  const origin = new Map<string, Path>();
  const setDecision = (risk: (typeof DECISION_KEYS)[number], d: "allow" | "ask" | "deny", from: Path) => {
    const had = decisions[risk];
    if (had !== undefined && had !== d)
      fail(from, `says decisions.${risk}: ${d}, but ${locate(origin.get(risk)!)} says ${had}; keep one`);
    decisions[risk] = d;
    origin.set(risk, from);
    if (from[0] !== "decisions" || from[1] !== risk) moved.set(key(["decisions", risk]), from);
  };
  if (input.decisions) {
    const d = input.decisions;
    for (const risk of DECISION_KEYS)
      if (d[risk] !== undefined) setDecision(risk, d[risk], ["decisions", risk]);
    for (const tier of ["FREE", "REVIEW", "APPROVE"] as const)
      if (d[tier] !== undefined) setDecision(TIER_RISK[tier] as "low", d[tier], ["decisions", tier]);
    if (d.override !== undefined) decisions.override = d.override;
  }
  if (execution?.auto_approve_low_risk !== undefined)
    setDecision("low", execution.auto_approve_low_risk ? "allow" : "ask", [
      "execution",
      "auto_approve_low_risk",
    ]);
  if (safety?.require_approval === false)
    loosened.push({
      what: "safety.require_approval: false: medium and high risk commands run without asking",
      path: ["safety", "require_approval"],
    });
  if (safety?.allow_critical === true)
    loosened.push({
      what: "safety.allow_critical: true: critical commands (irreversible destruction, exfiltration) run without asking",
      path: ["safety", "allow_critical"],
    });
  if (safety?.require_approval !== undefined)
    for (const risk of ["medium", "high"] as const)
      setDecision(risk, safety.require_approval ? "ask" : "allow", ["safety", "require_approval"]);
  if (safety?.allow_critical !== undefined) {
    setDecision("critical", safety.allow_critical ? "allow" : "deny", ["safety", "allow_critical"]);
    // Allowing critical loosens the built-in deny: that is an override, recorded as one.
    if (safety.allow_critical) {
      decisions.override = true;
      moved.set(key(["decisions", "override"]), ["safety", "allow_critical"]);
    }
  }
  if (Object.keys(decisions).length > 0) body.decisions = decisions;
  else delete body.decisions;

  // Rules: tier risks become risks; a BLOCK rule becomes a forbidden entry.
  if (input.rules) {
    const rules: RuleDoc[] = [];
    const forbidden: ForbiddenDoc[] = [...(input.forbidden ?? [])].map((f) =>
      typeof f === "string" ? { match: f } : f,
    );
    input.rules.forEach((r, i) => {
      if (r.risk === "BLOCK") {
        if (r.decision !== undefined && r.decision !== "deny")
          fail(["rules", i, "decision"], `risk: BLOCK never runs, so decision: ${r.decision} cannot apply`);
        if (r.subcommand !== undefined || r.exact)
          fail(
            ["rules", i, "risk"],
            "risk: BLOCK takes `match`, `program` or `regex` only (it is a forbidden entry)",
          );
        const f: ForbiddenDoc = {};
        if (r.match !== undefined) f.match = r.match;
        if (r.program !== undefined) f.program = r.program;
        if (r.regex !== undefined) f.regex = r.regex;
        if (r.reason !== undefined) f.reason = r.reason;
        if (r.expires !== undefined) f.expires = r.expires;
        moved.set(key(["forbidden", forbidden.length]), ["rules", i]);
        forbidden.push(f);
        return;
      }
      const j = rules.length;
      if (j !== i) moved.set(key(["rules", j]), ["rules", i]);
      rules.push(r.risk === undefined ? r : { ...r, risk: riskOf(r.risk) });
    });
    body.rules = rules;
    if (forbidden.length > 0) body.forbidden = forbidden;
  }

  // filesystem: protected and context paths are path grants, read-only unless they say otherwise.
  const grants = [...GRANT_KINDS].flatMap(([k]) => (filesystem?.[k] ?? []).map((g, i) => [k, g, i] as const));
  if (grants.length > 0) {
    const entries: PathEntryDoc[] = [...(input.paths?.entries ?? [])];
    for (const [k, g, i] of grants) {
      moved.set(key(["paths", "entries", entries.length]), ["filesystem", k, i]);
      entries.push(
        typeof g === "string"
          ? { path: g, permission: GRANT_DEFAULT }
          : { path: g.path, permission: g.permission ?? GRANT_DEFAULT },
      );
    }
    body.paths = { ...input.paths, entries };
  }

  // safety: production targets.
  if (safety?.block_production !== undefined || safety?.production_namespaces) {
    const production = { ...input.production };
    if (safety.block_production !== undefined) {
      const action = safety.block_production ? "deny" : "raise";
      if (production.action !== undefined && production.action !== action)
        fail(
          ["safety", "block_production"],
          `says production.action: ${action}, but ${locate(["production", "action"])} says ${production.action}; keep one`,
        );
      production.action = action;
      moved.set(key(["production", "action"]), ["safety", "block_production"]);
    }
    if (safety.production_namespaces)
      production.namespaces = [...(production.namespaces ?? []), ...safety.production_namespaces];
    body.production = production;
  }

  if (execution?.require_dry_run) templates.push("devops");
  return { body, at, templates, loosened };
}
