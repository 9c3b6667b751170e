// Builders for policy tests: invocations as the shell analysis would give them, and policies from
// in-memory documents. The policy code under test is never mocked.
import { realpathSync } from "node:fs";
import { type DecideFacts, decideWithPolicy, type ModeOptions } from "../../src/policy/decide.ts";
import type { PolicyDocument } from "../../src/policy/document.ts";
import { decideFacts } from "../../src/policy/index.ts";
import { BUILTIN_SOURCE, buildPolicy, type LayerSource, type LoadedPolicy } from "../../src/policy/load.ts";
import type { Analysis, Finding, Invocation, Redirect, Risk, Verdict, Word } from "../../src/types.ts";
import { tempDir as makeTempDir } from "../tmp.ts";

export function word(text: string): Word {
  // Unquoted `~`, `$`, globs and braces are dynamic, as the shell analysis marks them.
  return { value: text, text, dynamic: /^~|[$*?[{`]/.test(text) };
}

export interface InvSpec {
  cmd: string;
  redirects?: [op: string, target: string][];
  assignments?: [name: string, value: string][];
  via?: string[];
}

export function invocation(spec: string | InvSpec): Invocation {
  const s = typeof spec === "string" ? { cmd: spec } : spec;
  const argv = s.cmd.split(/\s+/).filter(Boolean).map(word);
  const first = argv[0]!;
  return {
    argv,
    program: first.dynamic ? null : first.value.split("/").pop()!,
    via: s.via ?? [],
    redirects: (s.redirects ?? []).map(([op, t]): Redirect => ({ op, target: word(t) })),
    assignments: (s.assignments ?? []).map(([name, v]) => ({ name, value: word(v) })),
    stdin: null,
    span: [0, 0],
  };
}

/** An analysis of several invocations (a `&&` list); spans point at each part of the source. */
export function analysis(...specs: (string | InvSpec)[]): Analysis {
  let source = "";
  const invocations = specs.map((spec) => {
    const inv = invocation(spec);
    const text = typeof spec === "string" ? spec : spec.cmd;
    if (source) source += " && ";
    inv.span = [source.length, source.length + text.length];
    source += text;
    return inv;
  });
  return { source, invocations, notes: [], diagnostics: [] };
}

/** Findings as a rule pack would give them: one per invocation with the given risks. */
export function findings(...risks: Risk[]): Finding[] {
  return risks.map((risk, i) => ({
    risk,
    rule: `test.${risk}`,
    reason: `test finding ${risk}`,
    invocation: i,
  }));
}

export function layer(
  doc: PolicyDocument,
  kind: "user" | "repo" | "file" = "file",
  trusted = true,
  name = `${kind}.yaml`,
): LayerSource {
  return { layer: { kind, name, file: name, trusted }, doc, locate: (p) => `${name}:${p.join(".")}` };
}

export function policy(...layers: LayerSource[]): LoadedPolicy {
  return buildPolicy([BUILTIN_SOURCE, ...layers]);
}

export const HOME = "/home/agent";
export const CWD = "/home/agent/project";

export function decideIn(
  loaded: LoadedPolicy,
  a: Analysis,
  f: Finding[],
  opts: ModeOptions & { profile?: string; facts?: Partial<DecideFacts> } = {},
): Verdict {
  const partial: Partial<DecideFacts> = { cwd: CWD, home: HOME, env: { HOME }, ...opts.facts };
  const profile = loaded.selectProfile({ explicit: opts.profile, user: partial.user, agent: partial.agent });
  const eff = loaded.effective(profile);
  return decideWithPolicy(a, f, eff, decideFacts(partial, eff.paths.workspace), opts);
}

/** A fresh temp dir, its real path (removed after the test; test/tmp.ts). */
export function tempDir(prefix = "warden-policy-"): string {
  return realpathSync(makeTempDir(prefix));
}
