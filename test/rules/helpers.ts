// Builds invocations from argv arrays (independent of the shell parser) and runs the real classifier.

import { classify, worstRisk } from "../../src/rules/index.ts";
import type { RulePack } from "../../src/rules/pack.ts";
import { analyze } from "../../src/shell/index.ts";
import type { Finding, Invocation, Redirect, Risk, RuleContext, Word } from "../../src/types.ts";

export const HOME = "/home/agent";
export const WS = "/home/agent/project";

export function context(over: Partial<RuleContext> = {}): RuleContext {
  return { cwd: WS, home: HOME, workspace: WS, env: { HOME }, unknownRisk: "medium", ...over };
}

/**
 * A word as the shell stage produces it for an unquoted source word: `$`, backticks, globs, braces and a
 * leading `~` make it dynamic (its `text` keeps the source; `value` is the literal). Wrap a word in single
 * quotes to keep it literal.
 */
export function word(text: string): Word {
  // Single quotes keep everything literal, as in the shell.
  const dynamic = !/^'.*'$/s.test(text) && (/[$`*?[]|^~|\{.*[,.].*\}/.test(text) || /^["'].*\$/.test(text));
  const value = text.replace(/^(["'])(.*)\1$/s, "$2");
  return { value, text, dynamic };
}

export interface InvOptions {
  via?: string[];
  redirects?: [string, string][];
  stdin?: Invocation["stdin"];
  stdinText?: string;
}

export function inv(argv: readonly string[], o: InvOptions = {}): Invocation {
  const words = argv.map(word);
  const redirects: Redirect[] = (o.redirects ?? []).map(([op, target]) => ({ op, target: word(target) }));
  const program = words[0]!.dynamic ? null : words[0]!.value.split("/").pop()!;
  const i: Invocation = {
    argv: words,
    program,
    via: o.via ?? [],
    redirects,
    assignments: [],
    stdin: o.stdin ?? null,
    span: [0, 0],
  };
  if (o.stdinText !== undefined) i.stdinText = o.stdinText;
  return i;
}

/** Worst risk one pack gives an argv (low when it has nothing to say). */
export function packRisk(pack: RulePack, argv: readonly string[], o: InvOptions = {}, ctx = context()): Risk {
  return worstRisk(pack.classify(inv(argv, o), ctx, 0));
}

export function packFindings(
  pack: RulePack,
  argv: readonly string[],
  o: InvOptions = {},
  ctx = context(),
): Finding[] {
  return pack.classify(inv(argv, o), ctx, 0);
}

/** Every pack, as the registry runs them, on a hand-built invocation. */
export function classifyInv(argv: readonly string[], o: InvOptions = {}, ctx = context()): Finding[] {
  return classify({ source: argv.join(" "), invocations: [inv(argv, o)], notes: [], diagnostics: [] }, ctx);
}

export function invRisk(argv: readonly string[], o: InvOptions = {}, ctx = context()): Risk {
  return worstRisk(classifyInv(argv, o, ctx));
}

/** End to end through the real shell stage. */
export function commandFindings(command: string, ctx = context()): Finding[] {
  return classify(analyze(command), ctx);
}

export function commandRisk(command: string, ctx = context()): Risk {
  return worstRisk(commandFindings(command, ctx));
}

export function rules(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.rule);
}
