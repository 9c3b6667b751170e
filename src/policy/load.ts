// Finding, reading and layering policy files: built-in → ~/.config/warden/policy.yaml → nearest
// .warden/policy.yaml up from cwd → --policy FILE. YAML and zod are imported only when a file exists, so
// the hook path with no policy file pays for neither. A file that fails to load throws PolicyError: there
// is never a fallback to a looser policy.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PolicyApprovalSource } from "../approval/config.ts";
import { nearest } from "../nearest.ts";
import { configDir } from "../state.ts";
import { aliasNotes, desugar } from "./aliases.ts";
import {
  compileFragments,
  type EffectivePolicy,
  type Fragment,
  type LayerInfo,
  type PolicyOverride,
} from "./compile.ts";
import type { DaemonMode, PolicyBody, PolicyDocument, ProfileDoc } from "./document.ts";
import { PolicyError } from "./errors.ts";
import { TEMPLATES } from "./templates/index.ts";

export type { LayerInfo, PolicyOverride } from "./compile.ts";

type DocPath = readonly (string | number)[];
type Locate = (path: DocPath) => string;

/** One layer's document with a way to name positions in it. */
export interface LayerSource {
  layer: LayerInfo;
  doc: PolicyDocument;
  locate: Locate;
}

export interface LoadedPolicy {
  /** Layers in the order applied (templates they extend are listed in `applied` of the effective policy). */
  layers: LayerInfo[];
  /** Warnings of the base policy and every profile: expired grants, ignored loosening, shadowed rules. */
  warnings: string[];
  /** Every `override: true` that loosened an earlier deny (the audit log records them). */
  overrides: PolicyOverride[];
  /**
   * `approvers:` and `approval:` of the trusted layers (user policy, --policy), for loadApprovalConfig; a
   * repository policy's are ignored with a warning (an agent can write that file and approve itself).
   */
  approval: PolicyApprovalSource | null;
  /** `file:line:col: …` for each alias key used (another system's spelling), naming Warden's own key. */
  notes: string[];
  profiles: string[];
  mustFail: string[];
  mustSucceed: string[];
  /** `daemon:` of the trusted layers (a repository's only when it says `required`); default `off`. */
  daemon: DaemonMode;
  /** The effective policy for a profile (null: none); throws PolicyError for an unknown profile. */
  effective(profile: string | null): EffectivePolicy;
  /** The profile for a request: `explicit` (from --profile) wins, then the agent's, then the OS user's. */
  selectProfile(facts: {
    explicit?: string | undefined;
    user?: string | undefined;
    agent?: string | undefined;
  }): string | null;
}

interface ProfileFragment {
  fragment: Fragment;
  selectors: { users?: string[]; agents?: string[] } | null;
}

function bodyOf(doc: PolicyBody): PolicyBody {
  const {
    unknown,
    decisions,
    approvals,
    rules,
    forbidden,
    blocklists,
    paths,
    secrets,
    production,
    yolo,
    container,
    sandbox,
    audit,
    filesystem,
    safety,
    execution,
  } = doc;
  const body: PolicyBody = {};
  if (unknown !== undefined) body.unknown = unknown;
  if (decisions !== undefined) body.decisions = decisions;
  if (approvals !== undefined) body.approvals = approvals;
  if (rules !== undefined) body.rules = rules;
  if (forbidden !== undefined) body.forbidden = forbidden;
  if (blocklists !== undefined) body.blocklists = blocklists;
  if (paths !== undefined) body.paths = paths;
  if (secrets !== undefined) body.secrets = secrets;
  if (production !== undefined) body.production = production;
  if (yolo !== undefined) body.yolo = yolo;
  if (container !== undefined) body.container = container;
  if (sandbox !== undefined) body.sandbox = sandbox;
  if (audit !== undefined) body.audit = audit;
  if (filesystem !== undefined) body.filesystem = filesystem;
  if (safety !== undefined) body.safety = safety;
  if (execution !== undefined) body.execution = execution;
  return body;
}

function templateLocate(name: string): Locate {
  return (path) => `template ${name}${path.length ? `: ${path.join(".")}` : ""}`;
}

/** Expands `extends` then the layer's own content into fragments (templates first, same trust). */
function expand(
  source: LayerSource,
  base: Fragment[],
  profiles: Map<string, ProfileFragment[]>,
  seen: Set<string>,
  label: string,
  notes: string[],
): void {
  const { doc, layer, locate } = source;
  const own = bodyOf(doc);
  notes.push(...aliasNotes(own, locate));
  const body = desugar(own, locate, layer.file);
  const parents = doc.extends === undefined ? [] : ([] as string[]).concat(doc.extends);
  const parentAt = (i: number) => locate(typeof doc.extends === "string" ? ["extends"] : ["extends", i]);
  [...parents, ...body.templates].forEach((name, i) => {
    const template = TEMPLATES[name];
    if (!template) {
      const hint = nearest(name, Object.keys(TEMPLATES));
      throw new PolicyError(
        `${parentAt(i)}: unknown template '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}; templates: ${Object.keys(TEMPLATES).join(", ")}`,
        layer.file,
      );
    }
    if (seen.has(name)) return;
    seen.add(name);
    expand(
      { layer, doc: template, locate: templateLocate(name) },
      base,
      profiles,
      seen,
      `template ${name}`,
      notes,
    );
  });
  base.push({ body: body.body, layer, label, at: body.at, loosened: body.loosened });
  for (const [name, p] of Object.entries(doc.profiles ?? {})) {
    const list = profiles.get(name) ?? [];
    const profileDoc: ProfileDoc = p;
    const at = (path: readonly (string | number)[]) => locate(["profiles", name, ...path]);
    const ownProfile = bodyOf(profileDoc);
    notes.push(...aliasNotes(ownProfile, at));
    const profileBody = desugar(ownProfile, at, layer.file);
    // Only trusted layers may choose who gets a profile: a repository must not hand its agent a looser one.
    const selectors =
      layer.trusted && (profileDoc.users || profileDoc.agents)
        ? {
            ...(profileDoc.users ? { users: profileDoc.users } : {}),
            ...(profileDoc.agents ? { agents: profileDoc.agents } : {}),
          }
        : null;
    // A template an alias stands for applies as part of the profile, before the profile's own keys.
    for (const t of profileBody.templates)
      list.push({
        fragment: {
          body: bodyOf(TEMPLATES[t]!),
          layer,
          label: `template ${t} (profile ${name}, ${label})`,
          at: templateLocate(t),
          overlay: true,
        },
        selectors,
      });
    list.push({
      fragment: {
        body: profileBody.body,
        layer,
        label: `profile ${name} (${label})`,
        at: profileBody.at,
        overlay: true,
        loosened: profileBody.loosened,
      },
      selectors,
    });
    profiles.set(name, list);
  }
}

function globMatch(glob: string, s: string): boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\[\]/]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(s);
}

/** Builds a loaded policy from layer sources (already validated). Compiles the base and every profile. */
export function buildPolicy(sources: readonly LayerSource[], now = Date.now()): LoadedPolicy {
  const base: Fragment[] = [];
  const profiles = new Map<string, ProfileFragment[]>();
  const notes: string[] = [];
  for (const s of sources) {
    const label = s.layer.kind === "built-in" ? "built-in" : s.layer.name;
    expand(s, base, profiles, new Set(s.layer.kind === "built-in" ? ["default"] : []), label, notes);
  }
  const cache = new Map<string | null, EffectivePolicy>();
  const effective = (profile: string | null): EffectivePolicy => {
    let eff = cache.get(profile);
    if (eff) return eff;
    let fragments = base;
    if (profile !== null) {
      const list = profiles.get(profile);
      if (!list) {
        const hint = nearest(profile, [...profiles.keys()]);
        throw new PolicyError(
          `unknown profile '${profile}'${hint ? ` (did you mean '${hint}'?)` : ""}; profiles: ${[...profiles.keys()].join(", ") || "none"}`,
        );
      }
      fragments = [...base, ...list.map((p) => p.fragment)];
    }
    eff = compileFragments(fragments, profile, now);
    cache.set(profile, eff);
    return eff;
  };
  const baseEff = effective(null);
  const warnings = [...baseEff.warnings];
  const overrides = [...baseEff.overrides];
  const sourceHasFiles = sources.some((s) => s.layer.kind !== "built-in");
  if (sourceHasFiles) {
    // Surface profile errors at load time, not at the first request that selects them.
    for (const name of profiles.keys()) {
      const eff = effective(name);
      for (const w of eff.warnings.slice(baseEff.warnings.length)) warnings.push(w);
      for (const o of eff.overrides.slice(baseEff.overrides.length)) overrides.push(o);
    }
    warnings.push(...shadowWarnings(baseEff));
  }
  return {
    layers: sources.map((s) => s.layer),
    warnings,
    overrides,
    notes,
    approval: null,
    profiles: [...profiles.keys()],
    mustFail: sources.flatMap((s) => s.doc.must_fail ?? []),
    mustSucceed: sources.flatMap((s) => s.doc.must_succeed ?? []),
    daemon: daemonMode(sources),
    effective,
    selectProfile({ explicit, user, agent }) {
      if (explicit !== undefined) {
        effective(explicit);
        return explicit;
      }
      for (const [name, list] of profiles)
        if (agent !== undefined && list.some((p) => p.selectors?.agents?.some((g) => globMatch(g, agent))))
          return name;
      for (const [name, list] of profiles)
        if (user !== undefined && list.some((p) => p.selectors?.users?.some((g) => globMatch(g, user))))
          return name;
      return null;
    },
  };
}

/** `required` from any layer wins (it only tightens); otherwise the last trusted layer's setting. */
function daemonMode(sources: readonly LayerSource[]): DaemonMode {
  let mode: DaemonMode = "off";
  for (const { doc, layer } of sources) {
    if (doc.daemon === "required") return "required";
    if (doc.daemon !== undefined && layer.trusted) mode = doc.daemon;
  }
  return mode;
}

/** A rule nothing can reach: an earlier rule (in precedence order) matches everything it matches. */
function shadowWarnings(eff: EffectivePolicy): string[] {
  const out: string[] = [];
  eff.rules.forEach((later, j) => {
    for (let i = 0; i < j; i++) {
      const earlier = eff.rules[i]!;
      if (covers(earlier.pattern.spec, later.pattern.spec)) {
        out.push(
          `${later.where}: shadowed by the rule at ${earlier.where} (${earlier.pattern.describe}), which matches first`,
        );
        return;
      }
    }
  });
  return out;
}

function covers(a: import("./match.ts").PatternSpec, b: import("./match.ts").PatternSpec): boolean {
  if (a.regex !== undefined || a.subcommand !== undefined) return JSON.stringify(a) === JSON.stringify(b);
  if (a.match !== undefined && a.program === undefined) {
    if (b.match === undefined || a.exact) return JSON.stringify(a) === JSON.stringify(b);
    const aw = a.match.trim().split(/\s+/);
    const bw = b.match.trim().split(/\s+/);
    if (aw.some((w) => w.startsWith("-") || /[*?[]/.test(w.slice(0, -1))))
      return a.match === b.match && !!a.exact === !!b.exact;
    const core = aw.at(-1) === "*" ? aw.slice(0, -1) : aw;
    return (
      core.length <= bw.length &&
      core.every((w, i) => w === bw[i] || (w.endsWith("*") && bw[i]!.startsWith(w.slice(0, -1))))
    );
  }
  if (a.program !== undefined && a.match === undefined) {
    const progs = ([] as string[]).concat(a.program);
    const bp =
      b.program !== undefined
        ? ([] as string[]).concat(b.program)
        : b.match !== undefined
          ? [b.match.trim().split(/\s+/)[0]!]
          : null;
    return bp?.every((p) => progs.includes(p)) ?? false;
  }
  return false;
}

const BUILTIN_LAYER: LayerInfo = { kind: "built-in", name: "built-in", trusted: true };
export const BUILTIN_SOURCE: LayerSource = {
  layer: BUILTIN_LAYER,
  doc: TEMPLATES.default!,
  locate: templateLocate("default"),
};

let builtin: LoadedPolicy | undefined;
/** The built-in policy alone (no files read; no YAML, no zod). */
export function builtinPolicy(): LoadedPolicy {
  builtin ??= buildPolicy([BUILTIN_SOURCE]);
  return builtin;
}

export interface LoadOptions {
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** `--policy FILE`: must exist. */
  policyFile?: string | undefined;
  /** Look for the user's and the repository's policy files (default true). */
  discover?: boolean;
  /** Reads a layer file's text (default: readFileSync); the daemon's reads never see half a write. */
  read?: (file: string) => string;
}

/** The nearest `.warden/policy.yaml` from `cwd` upwards, if any. */
export function findRepoPolicy(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, ".warden", "policy.yaml");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The layer files that apply to a request, without reading them. */
export function policyFiles(options: LoadOptions): { user?: string; repo?: string; file?: string } {
  const out: { user?: string; repo?: string; file?: string } = {};
  if (options.discover !== false) {
    const user = join(configDir((options.env ?? process.env) as NodeJS.ProcessEnv), "policy.yaml");
    if (existsSync(user)) out.user = user;
    const repo = findRepoPolicy(options.cwd);
    if (repo && resolve(repo) !== (out.user && resolve(out.user))) out.repo = repo;
  }
  if (options.policyFile !== undefined) out.file = resolve(options.cwd, options.policyFile);
  return out;
}

/** Loads and layers every policy that applies. Throws PolicyError; never returns a looser fallback. */
export async function loadPolicy(options: LoadOptions): Promise<LoadedPolicy> {
  const files = policyFiles(options);
  if (!files.user && !files.repo && !files.file) return builtinPolicy();
  const { parsePolicyText } = await import("./parse.ts");
  const read = options.read ?? readPolicyText;
  const parse = (f: string, kind: LayerInfo["kind"], trusted: boolean) =>
    parsePolicyText(read(f), f, kind, trusted);
  const sources: LayerSource[] = [BUILTIN_SOURCE];
  const user = files.user ? parse(files.user, "user", true) : undefined;
  const file = files.file ? parse(files.file, "file", true) : undefined;
  const trustRepo = user?.doc.trust_repo_policy === true || file?.doc.trust_repo_policy === true;
  const repo = files.repo ? parse(files.repo, "repo", trustRepo) : undefined;
  if (user) sources.push(user);
  if (repo) sources.push(repo);
  if (file) sources.push(file);
  const policy = buildPolicy(sources);
  if (repo?.doc.trust_repo_policy && !trustRepo)
    policy.warnings.push(
      `${repo.locate(["trust_repo_policy"])}: ignored: only your user policy can trust repository policies`,
    );
  for (const key of ["approvers", "approval"] as const)
    if (repo?.doc[key] !== undefined)
      policy.warnings.push(
        `${repo.locate([key])}: ignored: ${key} in a repository policy (an agent can write that file); put them in your user policy`,
      );
  policy.approval = approvalOf([user, file]);
  return policy;
}

/** Reads one file as the only layer over the built-in (for `policy lint FILE`). */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  const { parsePolicyFile } = await import("./parse.ts");
  const source = await parsePolicyFile(resolve(file), "file", true);
  const policy = buildPolicy([BUILTIN_SOURCE, source]);
  policy.approval = approvalOf([source]);
  return policy;
}

/** The trusted layers' approvers (union; one name, two keys is an error) and approval settings (later wins). */
function approvalOf(layers: readonly (LayerSource | undefined)[]): PolicyApprovalSource | null {
  let out = null as PolicyApprovalSource | null;
  for (const l of layers) {
    if (!l || (l.doc.approvers === undefined && l.doc.approval === undefined)) continue;
    const where = l.locate(l.doc.approvers !== undefined ? ["approvers"] : ["approval"]);
    const approvers: Record<string, string> = { ...(out?.approvers ?? {}) };
    for (const [name, key] of Object.entries(l.doc.approvers ?? {})) {
      if (approvers[name] !== undefined && approvers[name] !== key)
        throw new PolicyError(
          `${l.locate(["approvers", name])}: approver ${name} has a different key in ${out?.where}; remove one`,
          l.layer.file,
        );
      approvers[name] = key;
    }
    out = { where, approvers, approval: { ...(out?.approval ?? {}), ...(l.doc.approval ?? {}) } };
  }
  return out;
}

/** Reads a file's text (separate so parse.ts stays pure and testable). */
export function readPolicyText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new PolicyError(
      `${file}: cannot read policy: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      file,
    );
  }
}
