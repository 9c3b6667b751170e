// The decision stage (DESIGN.md §1.3): policy files, layers, path permissions, profiles, modes → Verdict.
import { homedir } from "node:os";
import type { Analysis, Finding, Verdict } from "../types.ts";
import { type DecideFacts, decideWithPolicy, type ModeOptions } from "./decide.ts";
import { builtinPolicy, type LoadedPolicy } from "./load.ts";
import { resolvePhysical } from "./resolve.ts";

export type { EffectivePolicy, LayerInfo, PolicyOverride } from "./compile.ts";
export type { DecideFacts, ModeOptions } from "./decide.ts";
export { decideWithPolicy } from "./decide.ts";
export type { PolicyDocument } from "./document.ts";
export { PolicyError } from "./errors.ts";
export {
  buildPolicy,
  builtinPolicy,
  findRepoPolicy,
  type LoadedPolicy,
  type LoadOptions,
  loadPolicy,
  loadPolicyFile,
  policyFiles,
} from "./load.ts";
export { analysisEffects, invocationEffects, type PathEffect, type PathOp } from "./paths.ts";
export { resolvePhysical, staticPath } from "./resolve.ts";
export { TEMPLATES } from "./templates/index.ts";

export interface DecideOptions extends ModeOptions {
  /** Default: the built-in policy. */
  policy?: LoadedPolicy;
  /** `--profile NAME`; otherwise the profile chosen for the agent or OS user, if any. */
  profile?: string | undefined;
  /** Where the request runs (default: the process's cwd, HOME and environment). */
  facts?: Partial<DecideFacts>;
}

/** Full facts with home and workspace resolved physically, as the paths they are compared with. */
export function decideFacts(partial: Partial<DecideFacts>, workspaceSetting?: string): DecideFacts {
  const env = partial.env ?? {};
  const cwd = partial.cwd ?? process.cwd();
  const home = resolvePhysical(partial.home ?? env.HOME ?? homedir(), "/");
  let workspace = partial.workspace ?? workspaceSetting ?? cwd;
  if (workspace === "~" || workspace.startsWith("~/")) workspace = home + workspace.slice(1);
  const physicalCwd = resolvePhysical(cwd, "/");
  const facts: DecideFacts = {
    cwd: physicalCwd,
    home,
    workspace: resolvePhysical(workspace, physicalCwd, undefined, true),
    env,
  };
  if (partial.user !== undefined) facts.user = partial.user;
  if (partial.agent !== undefined) facts.agent = partial.agent;
  return facts;
}

/**
 * Decides a classified request. With two arguments: the built-in policy in the current process's
 * context (kept for callers that predate policies).
 */
export function decide(analysis: Analysis, findings: Finding[], options: DecideOptions = {}): Verdict {
  const loaded = options.policy ?? builtinPolicy();
  const partial = options.facts ?? {};
  const profile = loaded.selectProfile({
    explicit: options.profile,
    user: partial.user,
    agent: partial.agent,
  });
  const policy = loaded.effective(profile);
  return decideWithPolicy(analysis, findings, policy, decideFacts(partial, policy.paths.workspace), options);
}

/**
 * Programs blocked outright for this user/agent/profile (forbidden commands named by program, and
 * blocklists), for the sandbox to mask and the exporters to deny.
 */
export function blockedPrograms(
  policy: LoadedPolicy,
  who: { user?: string | undefined; agent?: string | undefined; profile?: string | undefined } = {},
): string[] {
  const profile = policy.selectProfile({ explicit: who.profile, user: who.user, agent: who.agent });
  const eff = policy.effective(profile);
  const now = Date.now();
  const out = new Set<string>();
  for (const f of eff.forbidden) {
    if (f.expires < now) continue;
    // Only whole-program forbids: `git push --force` forbids an invocation, not the git binary.
    const spec = f.pattern.spec;
    if (spec.regex !== undefined || spec.subcommand !== undefined) continue;
    if (spec.match !== undefined && spec.match.trim().split(/\s+/).length > 1) continue;
    for (const p of f.pattern.programs ?? []) out.add(p);
  }
  for (const b of eff.blocklists) {
    if (b.expires < now) continue;
    if (b.users && !(who.user !== undefined && b.users.some((m) => m(who.user!)))) continue;
    if (b.agents && !(who.agent !== undefined && b.agents.some((m) => m(who.agent!)))) continue;
    if (b.profiles && !(profile !== null && b.profiles.includes(profile))) continue;
    for (const p of b.programs) if (!/[*?[]/.test(p)) out.add(p);
  }
  return [...out].sort();
}
